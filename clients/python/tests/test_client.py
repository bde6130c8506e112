"""The client against a live orchestrator, with tasks run by the Python echo worker."""
import json
import time

import pytest

import d8client
from conftest import CLIENT_KEY, WORKER_TOKEN, free_port


def test_submit_and_wait_through_a_python_worker(d8, client, spawn_worker):
    worker = spawn_worker(d8.url, "py-echo-1")
    worker.wait_registered(client)
    answer = client.submit("echo", {"prompt": "hello", "n": 1}, priority=7)
    assert answer["task_id"] and answer["duplicate"] is False

    status = client.wait(answer["task_id"], timeout=15)
    assert status["d8_status"] == "completed" and status["status"] == "completed"
    assert status["assigned_to"] == "py-echo-1"
    assert status["priority"] == 7
    result = status["result"]
    assert json.loads(result["output"]) == {"prompt": "hello", "n": 1}
    assert result["response"] == result["output"]
    assert result["model"] == "echo" and result["cost_usd"] == 0
    assert result["usage"]["input_tokens"] > 0


def test_evolution_tasks_get_a_copy_of_the_parent_genome(d8, client, spawn_worker):
    spawn_worker(d8.url, "py-echo-genome").wait_registered(client)
    parent = {"speed": 1.5, "name": "ant", "legs": [1, 2], "fast": True}
    mutation = client.submit("evolution_mutation", {"genome": parent, "mutation_rate": 0.2})
    crossover = client.submit("evolution_crossover", {"genome1": parent, "genome2": dict(parent, name="bee")})
    assert client.wait(mutation["task_id"], timeout=15)["result"]["genome"] == parent
    assert client.wait(crossover["task_id"], timeout=15)["result"]["genome"] == parent


def test_batch_submits_in_order(d8, client, spawn_worker):
    spawn_worker(d8.url, "py-echo-batch", slots=4).wait_registered(client)
    answer = client.submit_batch([{"type": "echo", "data": {"n": n}} for n in range(6)])
    assert answer["count"] == 6 and len(answer["task_ids"]) == 6
    outputs = [json.loads(client.wait(task_id, timeout=15)["result"]["output"]) for task_id in answer["task_ids"]]
    assert outputs == [{"n": n} for n in range(6)]


def test_a_repeated_idempotency_key_returns_the_first_task(client):
    first = client.submit("parked", {"x": 1}, idempotency_key="order-42")
    again = client.submit("parked", {"x": 2}, idempotency_key="order-42")
    assert again["task_id"] == first["task_id"] and again["duplicate"] is True


def test_status_long_polls_and_wait_times_out_then_cancel_ends_it(client):
    task_id = client.submit("parked", {"waits": "for no one"})["task_id"]
    started = time.monotonic()
    status = client.status(task_id, wait=1)
    assert time.monotonic() - started >= 0.9, "the orchestrator held the long-poll"
    assert status["d8_status"] == "pending" and not d8client.is_finished(status)

    with pytest.raises(d8client.Timeout) as timed_out:
        client.wait(task_id, timeout=0.5)
    assert timed_out.value.last["task_id"] == task_id

    cancelled = client.cancel(task_id)
    assert cancelled["d8_status"] == "cancelled" and cancelled["status"] == "failed"
    assert client.wait(task_id, timeout=2)["d8_status"] == "cancelled"


def test_job_results_come_in_submission_order(d8, client, spawn_worker):
    spawn_worker(d8.url, "py-echo-job", slots=3, delay_ms=50).wait_registered(client)
    tasks = [{"type": "echo", "data": {"n": n}} for n in range(7)]
    job = client.submit_job(tasks, name="seven", deadline_in=60)
    assert job["total"] == 7 and job["name"] == "seven"

    done = client.wait_job(job["job_id"], timeout=20)
    assert done["done"] is True and done["finished"] == 7 and done["failures"] == 0
    assert [r["task_id"] for r in done["results"]] == job["task_ids"]
    assert [json.loads(r["result"]["output"])["n"] for r in done["results"]] == list(range(7))
    assert "results" not in client.job(job["job_id"], results=False)


def test_cancel_job_cancels_every_unfinished_task(client):
    job = client.submit_job([{"type": "parked", "data": {"n": n}} for n in range(3)], priority=2)
    with pytest.raises(d8client.Timeout):
        client.wait_job(job["job_id"], timeout=0.3)
    cancelled = client.cancel_job(job["job_id"])
    assert cancelled["cancelled"] == 3
    view = client.wait_job(job["job_id"], timeout=2)
    assert view["counts"]["cancelled"] == 3
    assert all(r["d8_status"] == "cancelled" for r in view["results"])


def test_queue_stats_workers_and_health(d8, client, spawn_worker):
    worker = spawn_worker(d8.url, "py-echo-figures")
    worker.wait_registered(client)
    ids = [client.submit("parked", {"n": n})["task_id"] for n in range(2)]
    assert {t["task_id"] for t in client.queue()["tasks"]} >= set(ids)
    assert client.stats()["tasks"]["total"] >= 2
    entry = next(w for w in client.workers()["workers"] if w["worker_id"] == "py-echo-figures")
    assert entry["worker_type"] == "pyecho" and entry["slots"] == 2
    assert client.health()["status"] == "healthy"


def test_refusals_are_typed_exceptions_with_the_code(client):
    with pytest.raises(d8client.NotFound) as unknown:
        client.status("no-such-task")
    assert unknown.value.status == 404 and unknown.value.code == "not_found"
    assert "no-such-task" in unknown.value.message

    with pytest.raises(d8client.NotFound) as job:
        client.job("no-such-job")
    assert job.value.code == "job_not_found"

    with pytest.raises(d8client.BadRequest) as bad:
        client.submit("echo", "not an object")
    assert bad.value.status == 400 and bad.value.code == "invalid_field" and "'data'" in bad.value.message

    with pytest.raises(d8client.BadRequest) as priority:
        client.submit("echo", {}, priority=11)
    assert priority.value.code == "invalid_field"

    with pytest.raises(d8client.BadRequest):
        client.submit_batch([])

    with pytest.raises(d8client.Unprocessable) as unknown_type:
        client.submit("no_such_type", {})
    assert unknown_type.value.status == 422 and unknown_type.value.code == "unknown_task_type"
    assert isinstance(unknown_type.value, d8client.BadRequest)


def test_no_orchestrator_is_unavailable():
    with pytest.raises(d8client.Unavailable) as down:
        d8client.Client(f"http://127.0.0.1:{free_port()}", timeout=2).health()
    assert down.value.status is None and down.value.code == "unreachable"


def test_keys_are_bearer_tokens(d8_auth, spawn_worker):
    with pytest.raises(d8client.Unauthorized) as wrong:
        d8_auth.client("not-the-key").stats()
    assert wrong.value.status == 401 and wrong.value.code == "unauthorized"
    with pytest.raises(d8client.Unauthorized) as missing:
        d8_auth.client().submit("echo", {})
    assert missing.value.status == 401
    with pytest.raises(d8client.Forbidden) as worker_token:
        d8_auth.client(WORKER_TOKEN).stats()
    assert worker_token.value.status == 403 and worker_token.value.code == "forbidden"
    assert d8_auth.client().health()["status"] == "healthy"  # /health is open

    client = d8_auth.client(CLIENT_KEY)
    spawn_worker(d8_auth.url, "py-echo-auth", token=WORKER_TOKEN).wait_registered(client)
    task_id = client.submit("echo", {"secret": False})["task_id"]
    assert client.wait(task_id, timeout=15)["d8_status"] == "completed"
