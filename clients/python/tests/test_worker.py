"""The Worker base class: failures, restarts of the orchestrator, backoff and the SIGTERM drain."""
import signal
import threading
import time

import d8client
from conftest import Orchestrator, eventually, worker_ids


class Failing(d8client.Worker):
    def run(self, task):
        if task["data"].get("permanent"):
            raise d8client.TaskFailure("this input can never work", details={"http_status": 400})
        raise ValueError(f"no luck on attempt {task['attempt']}")


def test_an_exception_in_run_is_a_retryable_failure_in_its_words(d8, client):
    worker = Failing(d8.url, "pyecho", slots=2, worker_id="py-failing", poll_wait=2)
    thread = threading.Thread(target=worker.serve_forever)
    thread.start()
    try:
        retried = client.submit("echo", {"n": 1})["task_id"]
        permanent = client.submit("echo", {"permanent": True})["task_id"]

        status = client.wait(retried, timeout=15)
        assert status["d8_status"] == "dead", "retryable failures are retried up to max_attempts (3)"
        assert status["attempt"] == 3
        assert [e["error"] for e in status["errors"]] == [f"ValueError: no luck on attempt {n}" for n in (1, 2, 3)]

        status = client.wait(permanent, timeout=15)
        assert status["d8_status"] == "failed" and status["attempt"] == 1
        assert status["errors"][0]["error"] == "this input can never work"
    finally:
        worker.drain()
        thread.join(10)
    assert not thread.is_alive(), "serve_forever returns after drain()"
    assert "py-failing" not in worker_ids(client), "it unregistered"


def test_sigterm_finishes_the_tasks_in_hand_posts_them_and_exits_0(d8, client, spawn_worker):
    worker = spawn_worker(d8.url, "py-drain", slots=2, delay_ms=1500)
    worker.wait_registered(client)
    ids = [client.submit("echo", {"n": n})["task_id"] for n in range(2)]
    eventually(lambda: all(client.status(i)["d8_status"] == "assigned" for i in ids), 10, "both tasks leased")

    started = time.monotonic()
    worker.signal(signal.SIGTERM)
    assert worker.process.wait(15) == 0, worker.text()
    assert time.monotonic() - started < 10
    for task_id in ids:
        status = client.status(task_id)
        assert status["d8_status"] == "completed", status
        assert status["assigned_to"] == "py-drain" and status["attempt"] == 1, "run once, by the draining worker"
    assert "py-drain" not in worker_ids(client), "it unregistered"


def test_an_idle_worker_stops_at_once_on_sigint(d8, client, spawn_worker):
    worker = spawn_worker(d8.url, "py-idle")
    worker.wait_registered(client)
    time.sleep(0.3)  # inside its long-poll
    started = time.monotonic()
    worker.signal(signal.SIGINT)
    assert worker.process.wait(10) == 0, worker.text()
    assert time.monotonic() - started < 3
    assert "py-idle" not in worker_ids(client)


def test_a_worker_survives_an_orchestrator_restart(d8, client, spawn_worker):
    worker = spawn_worker(d8.url, "py-restart", slots=2, delay_ms=1200)
    worker.wait_registered(client)
    before = [client.submit("echo", {"n": n})["task_id"] for n in range(2)]
    eventually(lambda: all(client.status(i)["d8_status"] == "assigned" for i in before), 10, "both tasks leased")

    d8.restart()  # same port, same database; the tasks in flight are requeued, their leases void
    client = d8.client()
    after = [client.submit("echo", {"n": n})["task_id"] for n in range(2, 4)]
    for n, task_id in enumerate(before + after):
        status = client.wait(task_id, timeout=30)
        assert status["d8_status"] == "completed", worker.text()
        assert status["assigned_to"] == "py-restart"
        assert status["result"]["output"] == f'{{"n":{n}}}'
    assert "py-restart" in worker_ids(client)
    log = worker.text()
    assert "registering again" in log, log
    assert "the lease was lost" in log, "the results of the old leases were refused (409) and dropped"
    assert worker.process.poll() is None


def test_a_worker_started_before_its_orchestrator_keeps_trying(tmp_path, spawn_worker):
    d8 = Orchestrator(tmp_path)  # not started yet
    worker = spawn_worker(d8.url, "py-early")
    time.sleep(1.5)
    assert worker.process.poll() is None, worker.text()
    d8.start()
    try:
        client = d8.client()
        worker.wait_registered(client, timeout=15)
        task_id = client.submit("echo", {"late": True})["task_id"]
        assert client.wait(task_id, timeout=15)["d8_status"] == "completed"
        assert "cannot register; retrying" in worker.text()
    finally:
        d8.stop()
