"""What a d8 worker must do, one test per rule (README.md says each rule in words).

Each test starts the worker under test against a fresh reference orchestrator, scripts the
orchestrator, and reads the requests it recorded. A MUST that the worker breaks fails the test;
a SHOULD it misses is a ConformanceWarning (a failure with --strict-should).

Tasks carry `data.sleep_ms`, the time each must take; the command's `{delay_ms}` says the same
for workers whose slowness is set per process (d8 worker's Echo plugin: `delay_ms`).
"""

from __future__ import annotations

import secrets
import time

import pytest

from reference_orchestrator import LEASE_ROUTE, ReferenceOrchestrator, Request

HEARTBEAT_INTERVAL = 1.0  # what the reference orchestrator announces (heartbeat_interval_s)
WORKER_TIMEOUT = 3.0  # worker_timeout_s, announced
MAX_LONG_POLL = 4.0  # the longest the reference holds a poll (d8: queue.max_long_poll)
START_TIMEOUT = 15.0  # from the start command to the registration


def new_token() -> str:
    return "wt-conformance-" + secrets.token_hex(8)


def make_orchestrator(kit, **options) -> ReferenceOrchestrator:
    options.setdefault("heartbeat_interval", HEARTBEAT_INTERVAL)
    options.setdefault("worker_timeout", WORKER_TIMEOUT)
    options.setdefault("max_long_poll", MAX_LONG_POLL)
    return kit.orchestrator(**options)


def registration(orch: ReferenceOrchestrator, kit, *, epoch: int = 0, timeout: float = START_TIMEOUT) -> Request:
    """The worker's first registration the orchestrator accepted in `epoch`. A registration
    refused with a 4xx fails at once: the kit's orchestrator knows the worker's type and token,
    so the worker sent something d8 would refuse too (a body without Content-Type:
    application/json, another type, no token...)."""
    def check():
        mine = [r for r in orch.requests if r.route == "register" and r.epoch == epoch and r.status is not None]
        return next((r for r in mine if r.status == 200), None) or next((r for r in mine if 400 <= r.status < 500), None)
    reg = orch.wait_until(check, kit.seconds(timeout), f"the worker to register (epoch {epoch})")
    if reg.status != 200:
        raise AssertionError(
            f"the registration was refused, {reg.status} {reg.answer}: {reg.method} {reg.path} with "
            f"Content-Type {reg.headers.get('content-type')!r}, body {reg.raw_body[:300]!r}\n" + orch.transcript())
    return reg


def tasks(orch: ReferenceOrchestrator, count: int, sleep_ms: int) -> list[str]:
    return [orch.add_task({"n": i, "prompt": f"conformance task {i}", "sleep_ms": sleep_ms}) for i in range(count)]


def wait_leased(orch: ReferenceOrchestrator, kit, task_id: str, timeout: float = 15.0):
    """(lease, time handed out) of the task's latest lease, once it is assigned."""
    def check():
        task = orch.tasks[task_id]
        return task.status == "assigned" and task.leases[-1]
    lease, _, at = orch.wait_until(check, kit.seconds(timeout), f"{task_id} to be leased")
    return lease, at


def wait_finished(orch: ReferenceOrchestrator, kit, task_ids: list[str], timeout: float):
    orch.wait_until(lambda: all(orch.tasks[t].status in ("completed", "failed", "dead") for t in task_ids),
                    kit.seconds(timeout), f"results of {', '.join(task_ids)}")


def polls(orch: ReferenceOrchestrator, worker_id: str) -> list[Request]:
    return [r for r in orch.worker_requests(worker_id) if r.route == LEASE_ROUTE]


def handed_to(orch: ReferenceOrchestrator, worker_id: str) -> dict:
    """(task_id, lease) -> when the poll answer carrying it was written, for this worker."""
    handed = {}
    for r in polls(orch, worker_id):
        if r.delivered:
            for pair in r.handed:
                handed[pair] = r.t_answered
    return handed


def first_arrival(orch: ReferenceOrchestrator) -> dict:
    """(task_id, lease) -> when its result first reached the orchestrator (any endpoint)."""
    arrivals = {}
    for r, task_id, lease, _, _ in orch.result_items():
        arrivals.setdefault((task_id, lease), r.t)
    return arrivals


def require_sleep_honoured(orch: ReferenceOrchestrator, worker_id: str, sleep_ms: int):
    """The kit's timing checks need tasks that take their data.sleep_ms (or {delay_ms}): a
    result that comes sooner means this worker cannot be judged by them."""
    arrivals = first_arrival(orch)
    for pair, handed_at in handed_to(orch, worker_id).items():
        arrived = arrivals.get(pair)
        if handed_at is not None and arrived is not None and arrived - handed_at < 0.9 * sleep_ms / 1000:
            raise AssertionError(
                f"the result of {pair[0]} came {arrived - handed_at:.2f}s after its lease, sooner than the task's "
                f"data.sleep_ms={sleep_ms}: the worker must take that long per task (honour data.sleep_ms, or "
                f"{{delay_ms}} in its command) for the kit to check this rule")


def gaps(times: list[float], start: float, end: float) -> list[tuple[float, float]]:
    """The silences between start, each time in [start, end], and end: (from, to) pairs."""
    points = [start] + sorted(t for t in times if start <= t <= end) + [end]
    return list(zip(points, points[1:]))


# ---- 1. register ---------------------------------------------------------------------------------

def test_register_first_with_its_type_and_the_token(kit):
    """MUST: the worker's first request (GET /health aside) is POST /api/workers/register with a
    worker_id and the worker type it was started with; every request carries
    `Authorization: Bearer <token>`. SHOULD: capabilities.slots is the slots it was given."""
    token = new_token()
    orch = make_orchestrator(kit, token=token)
    kit.worker(orch, slots=2, token=token)
    reg = registration(orch, kit)
    worker_id = reg.body["worker_id"]
    [task] = tasks(orch, 1, 0)
    wait_finished(orch, kit, [task], 15)
    time.sleep(kit.seconds(1.5))  # a heartbeat interval and more: heartbeats and polls carry it too

    first = next(r for r in orch.requests if r.route != "health")
    assert first.route == "register", f"the first request was {first.method} {first.path}, not a registration"
    assert isinstance(worker_id, str) and worker_id, "the registration has no worker_id"
    assert reg.body.get("worker_type") == kit.worker_type, \
        f"registered as worker_type {reg.body.get('worker_type')!r}, started with {kit.worker_type!r}"
    capabilities = reg.body.get("capabilities", {})
    assert capabilities is None or isinstance(capabilities, dict), "capabilities is not an object"
    kit.should(isinstance(capabilities, dict) and capabilities.get("slots") == 2,
               f"capabilities.slots is the slots the worker was given (2), not {capabilities and capabilities.get('slots')!r}")

    without = [r for r in orch.requests if r.route != "health" and r.headers.get("authorization") != f"Bearer {token}"]
    assert not without, "requests without the worker token:\n" + "\n".join(r.describe(orch.origin) for r in without)
    routes = {r.route for r in orch.requests}
    assert LEASE_ROUTE in routes and routes & {"result", "results", "legacy_result"}, \
        f"the worker registered but did not go on to lease and report (routes seen: {sorted(routes)})"


def test_register_without_a_token(kit):
    """MUST: with no token given, the worker registers and serves tasks (an orchestrator without
    `auth.worker_token` is open)."""
    orch = make_orchestrator(kit)
    kit.worker(orch, slots=1, token="")
    reg = registration(orch, kit)
    assert reg.body.get("worker_type") == kit.worker_type
    ids = tasks(orch, 2, 0)
    wait_finished(orch, kit, ids, 15)
    assert all(orch.tasks[t].status == "completed" for t in ids), \
        {t: (orch.tasks[t].status, orch.tasks[t].result) for t in ids}


# ---- 2. honour max -------------------------------------------------------------------------------

def test_leases_no_more_than_its_free_slots(kit):
    """MUST: a poll's `max` (1 when absent) is at most the worker's free slots: slots minus the
    leases it holds. A lease is surely still held while its task cannot have finished (it was
    handed out less than sleep_ms ago) and its result has not come. So the worker never holds
    more than its slots. SHOULD: with several free slots it asks for several tasks in one poll."""
    slots, sleep_ms = 3, 1000
    orch = make_orchestrator(kit)
    ids = tasks(orch, 9, sleep_ms)  # a deep queue: three rounds
    kit.worker(orch, slots=slots, delay_ms=sleep_ms)
    worker_id = registration(orch, kit).body["worker_id"]
    wait_finished(orch, kit, ids, 30)

    require_sleep_honoured(orch, worker_id, sleep_ms)
    handed = handed_to(orch, worker_id)
    arrivals = first_arrival(orch)
    window = 0.9 * sleep_ms / 1000  # a task handed out less than this ago is still running

    def surely_held(at: float) -> list:
        return [pair for pair, t in handed.items()
                if t is not None and t <= at < t + window and arrivals.get(pair, float("inf")) > at]

    mine = [r for r in polls(orch, worker_id) if r.phase == "up"]
    assert mine, "the worker never polled"
    for r in mine:
        held = surely_held(r.t)
        assert r.max <= slots, f"asked max={r.max} with {slots} slots: {r.describe(orch.origin)}"
        assert r.max <= slots - len(held), (
            f"asked max={r.max} while surely holding {len(held)} of its {slots} slots "
            f"({', '.join(task for task, _ in held)} handed out less than {window:.1f}s before, no result yet): "
            f"{r.describe(orch.origin)}\n" + orch.transcript())
        if r.t_answered is not None:
            assert len(surely_held(r.t_answered)) <= slots, f"held more than {slots} leases after {r.describe(orch.origin)}"
    assert all(orch.tasks[t].status == "completed" for t in ids), {t: orch.tasks[t].status for t in ids}
    kit.should(mine[0].max >= 2, f"the first poll, with {slots} free slots, asks for more than one task "
                                 f"(it asked max={mine[0].max})")


# ---- 3. heartbeat --------------------------------------------------------------------------------

def allowed_silence(kit) -> float:
    """The longest silence accepted: twice the announced interval, plus slack for a loaded
    machine (still below worker_timeout_s, past which d8 takes the worker's tasks back)."""
    return 2 * HEARTBEAT_INTERVAL + kit.seconds(0.5)


def test_heartbeats_while_idle(kit):
    """MUST: with nothing to do (its polls held open up to 4 s, as d8 holds them up to
    queue.max_long_poll), the worker is heard from at least every heartbeat_interval_s that the
    registration announced (any request counts, as in d8)."""
    orch = make_orchestrator(kit)
    kit.worker(orch, slots=1)
    reg = registration(orch, kit)
    worker_id = reg.body["worker_id"]
    start = reg.t_answered
    time.sleep(MAX_LONG_POLL + 1.5)
    end = time.monotonic()
    heard = [r.t for r in orch.worker_requests(worker_id)]
    longest = max(gaps(heard, start, end), key=lambda g: g[1] - g[0])
    assert longest[1] - longest[0] <= allowed_silence(kit), (
        f"silent for {longest[1] - longest[0]:.2f}s ({longest[0] - orch.origin:.2f}s to {longest[1] - orch.origin:.2f}s) "
        f"while idle; the registration announced heartbeat_interval_s={HEARTBEAT_INTERVAL}\n" + orch.transcript())


def test_heartbeats_while_busy(kit):
    """MUST: while its only slot runs a 4 s task (so it has no reason to poll), the worker is
    heard from at least every heartbeat_interval_s."""
    orch = make_orchestrator(kit)
    kit.worker(orch, slots=1, delay_ms=4000)
    worker_id = registration(orch, kit).body["worker_id"]
    [task] = tasks(orch, 1, 4000)
    lease, handed_at = wait_leased(orch, kit, task)
    wait_finished(orch, kit, [task], 20)
    require_sleep_honoured(orch, worker_id, 4000)
    done = orch.tasks[task].finished_at
    heard = [r.t for r in orch.worker_requests(worker_id)]
    longest = max(gaps(heard, handed_at, done), key=lambda g: g[1] - g[0])
    assert longest[1] - longest[0] <= allowed_silence(kit), (
        f"silent for {longest[1] - longest[0]:.2f}s ({longest[0] - orch.origin:.2f}s to {longest[1] - orch.origin:.2f}s) "
        f"while running a task; the registration announced heartbeat_interval_s={HEARTBEAT_INTERVAL}\n" + orch.transcript())


# ---- 4. send the lease -------------------------------------------------------------------------------

def test_results_carry_the_lease_of_their_attempt(kit):
    """MUST: every result carries a task id and the lease that this worker was handed for that
    attempt, and `result.success` as a boolean. A task whose lease was taken back and handed out
    again is reported with each attempt's own lease. A 409 (stale lease) is final: that result
    is not sent again more than once."""
    orch = make_orchestrator(kit)
    ids = tasks(orch, 3, 1000)
    kit.worker(orch, slots=1, delay_ms=1000)
    worker_id = registration(orch, kit).body["worker_id"]
    first, _ = wait_leased(orch, kit, ids[0])
    if orch.tasks[ids[0]].status != "assigned":
        require_sleep_honoured(orch, worker_id, 1000)
    orch.expire_lease(ids[0])  # as d8 does past queue.task_timeout; it is queued again, behind the others
    # The checks below say more than a timeout would: wait, then check, whatever came.
    orch.wait_for(lambda: all(orch.tasks[t].status == "completed" for t in ids), kit.seconds(20))
    time.sleep(kit.seconds(1.5))  # room for repeats of the refused result to show

    handed = handed_to(orch, worker_id)
    items = orch.result_items()
    for r, task_id, lease, result, status in items:
        where = r.describe(orch.origin)
        assert isinstance(result, dict) and isinstance(result.get("success"), bool), \
            f"a result without a boolean result.success: {where} body {r.raw_body[:300]!r}"
        assert lease is not None, f"the result of {task_id} carries no lease: {where}"
        assert (task_id, lease) in handed, \
            f"the result of {task_id} carries lease {lease!r}, which was not handed to this worker for it: {where}"
    refused = {}
    for r, task_id, lease, _, status in items:
        if status == 409:
            refused.setdefault((task_id, lease), []).append(r)
    for (task_id, lease), sent in refused.items():
        assert len(sent) <= 2, f"the result of {task_id} with lease {lease} was refused with 409 and sent {len(sent)} times:\n" + \
            "\n".join(r.describe(orch.origin) for r in sent)

    reported = {(task_id, lease) for _, task_id, lease, _, _ in items}
    leases = [lease for lease, _, _ in orch.tasks[ids[0]].leases]
    assert len(leases) >= 2 and leases[1] != first, f"{ids[0]} was not leased again after its lease was taken back\n" + orch.transcript()
    assert (ids[0], first) in reported, f"the first attempt of {ids[0]} was not reported with its lease {first}"
    assert (ids[0], leases[1]) in reported, f"the second attempt of {ids[0]} was not reported with its lease {leases[1]}"
    assert (ids[0], first) in refused, "the stale result was not refused (the kit's orchestrator is wrong)"
    assert all(orch.tasks[t].status == "completed" for t in ids), \
        f"not all tasks completed: { {t: orch.tasks[t].status for t in ids} }\n" + orch.transcript()


# ---- 5. stop on SIGTERM ----------------------------------------------------------------------------

def check_drain(orch: ReferenceOrchestrator, kit, worker, worker_id: str, task: str, lease: str, sigterm_at: float,
                bound: float):
    status = worker.wait(bound)
    require_sleep_honoured(orch, worker_id, 3000)
    # Leasing on is the likelier cause of a worker that does not exit, so it is named first.
    late = [r for r in orch.worker_requests(worker_id) if r.route == LEASE_ROUTE and r.t >= sigterm_at]
    assert not late, "lease requests after SIGTERM:\n" + "\n".join(r.describe(orch.origin) for r in late)
    assert status is not None, f"the worker did not exit within {bound:.0f}s of SIGTERM\n" + orch.transcript()
    assert status == 0, f"the worker exited with status {status} after SIGTERM"
    delivered = [(r, status) for r, t, l, _, status in orch.result_items() if (t, l) == (task, lease)]
    assert delivered, f"the task in flight at SIGTERM ({task}) was not reported\n" + orch.transcript()
    assert any(status == 200 for _, status in delivered), f"the result of {task} was not accepted: {delivered}"
    last_result = max(r.t for r, _ in delivered)
    unregisters = [r for r in orch.worker_requests(worker_id) if r.route in ("unregister", "legacy_unregister")]
    kit.should(any(r.t >= last_result for r in unregisters),
               "after its last result the worker unregisters (POST /api/workers/{id}/unregister), "
               "which hands back at once whatever it still holds")


def test_sigterm_stops_leasing_and_drains(kit):
    """MUST: on SIGTERM while its one slot runs a task (more tasks waiting), the worker asks
    for no task again, finishes the one it runs, reports it with its lease, and exits 0 within
    the task's remaining time plus 10 s. SHOULD: it unregisters after its last result."""
    orch = make_orchestrator(kit)
    ids = tasks(orch, 3, 3000)
    worker = kit.worker(orch, slots=1, delay_ms=3000)
    worker_id = registration(orch, kit).body["worker_id"]
    lease, _ = wait_leased(orch, kit, ids[0])
    time.sleep(0.8)
    sigterm_at = worker.sigterm()
    orch.note("SIGTERM sent")
    check_drain(orch, kit, worker, worker_id, ids[0], lease, sigterm_at, kit.seconds(3 + 10))
    assert all(not orch.tasks[t].leases for t in ids[1:]), "a waiting task was leased after SIGTERM"


def test_sigterm_with_a_poll_in_flight(kit):
    """MUST: the same with a long-poll held open when SIGTERM comes (one slot busy, one
    waiting): no new poll after it, the running task reported, exit 0 within its remaining time
    plus 10 s (not held up past that by the open poll)."""
    orch = make_orchestrator(kit)
    [task] = tasks(orch, 1, 3000)
    worker = kit.worker(orch, slots=2, delay_ms=3000)
    worker_id = registration(orch, kit).body["worker_id"]
    lease, _ = wait_leased(orch, kit, task)
    # SIGTERM while a poll is held with time to spare, so no poll is answered just before it.
    def held_with_time_left():
        return any(r.worker_id == worker_id and time.monotonic() - r.t > 0.3
                   and r.t + min(float(r.query.get("wait", 0) or 0), MAX_LONG_POLL) - time.monotonic() > 1.5
                   for r in orch.held_polls())
    if not orch.wait_for(held_with_time_left, kit.seconds(6)):
        kit.should(False, "with a free slot the worker long-polls (wait=S, a few seconds or more) for tasks")
        pytest.skip("the worker does not hold a long-poll open (wait > 2 s) with a free slot: nothing to check here")
    sigterm_at = worker.sigterm()
    orch.note("SIGTERM sent")
    check_drain(orch, kit, worker, worker_id, task, lease, sigterm_at, kit.seconds(3 + 10))


# ---- 6. survive an orchestrator restart ---------------------------------------------------------------

def test_survives_an_orchestrator_restart(kit):
    """MUST: the orchestrator answers 503 (stopping) for 1.5 s, then its port is closed for
    3 s while the worker runs a task, then it is back on the same port with no memory of the
    worker (the task requeued, its old lease refused, as d8 after a restart). The worker stays
    up; while the orchestrator is away it retries with backoff (at most 20 requests a second
    while answered 503; under 40% of a core while refused); within 15 s of the return it
    registers again (it gets 404 on heartbeat and poll until then), delivers the result it
    finished while the orchestrator was away, and serves the next tasks.
    SHOULD: it registers again with the same worker_id."""
    sleep_ms = 2000
    orch = make_orchestrator(kit)
    worker = kit.worker(orch, slots=2, delay_ms=sleep_ms)
    worker_id = registration(orch, kit).body["worker_id"]
    [first] = tasks(orch, 1, sleep_ms)
    old_lease, _ = wait_leased(orch, kit, first)

    orch.begin_stopping()
    stopping_from = time.monotonic()
    time.sleep(1.5)
    orch.go_away()
    down_from = time.monotonic()
    cpu_before = worker.cpu_seconds()
    time.sleep(3.0)
    cpu_after = worker.cpu_seconds()
    down_for = time.monotonic() - down_from
    assert worker.alive(), f"the worker exited (status {worker.proc.returncode}) while the orchestrator was away"
    orch.come_back()
    back_at = time.monotonic()
    [second] = tasks(orch, 1, sleep_ms)

    reg = registration(orch, kit, epoch=1, timeout=15)
    wait_finished(orch, kit, [first, second], 15 + 2 * sleep_ms / 1000)
    # The result finished while away: wait for it a little longer if it trails.
    orch.wait_until(lambda: any((t, l) == (first, old_lease) and r.epoch == 1 for r, t, l, _, _ in orch.result_items()),
                    kit.seconds(5), f"the result of {first} finished while the orchestrator was away")

    answered_503 = [r for r in orch.requests if r.phase == "stopping" and r.worker_id == worker_id]
    duration = down_from - stopping_from
    assert len(answered_503) <= 20 * duration, (
        f"{len(answered_503)} requests in the {duration:.1f}s the orchestrator answered 503: no backoff\n"
        + orch.transcript())
    if cpu_before is not None and cpu_after is not None:
        used = cpu_after - cpu_before
        assert used <= 0.4 * down_for, \
            f"the worker used {used:.2f}s of CPU in the {down_for:.1f}s the port was closed: a hot loop"
    assert reg.t - back_at <= kit.seconds(15), f"registered again only {reg.t - back_at:.1f}s after the return"
    assert reg.body.get("worker_type") == kit.worker_type
    kit.should(reg.body.get("worker_id") == worker_id,
               f"registers again with the same worker_id ({worker_id!r}, not {reg.body.get('worker_id')!r})")
    new_id = reg.body["worker_id"]

    for task in (first, second):
        assert orch.tasks[task].status == "completed", f"{task} is {orch.tasks[task].status} after the restart"
        lease, holder, _ = orch.tasks[task].leases[-1]
        assert holder == new_id
        assert any((t, l) == (task, lease) and status == 200 for _, t, l, _, status in orch.result_items()), \
            f"{task} was not reported with its new lease"
    stale = [(r, status) for r, t, l, _, status in orch.result_items() if (t, l) == (first, old_lease) and r.epoch == 1]
    assert all(status == 409 for _, status in stale)
    assert len(stale) <= 2, f"the stale result of {first} was sent {len(stale)} times after its 409"
