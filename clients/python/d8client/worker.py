"""A d8 worker in Python: subclass ``Worker``, write ``run(task) -> dict``, call ``serve_forever()``.

It behaves as d8's own worker runtime (Sources/D8Worker/Runtime/WorkerRuntime.swift) does, so an
operator sees no difference: it registers, long-polls for as many tasks as it has free slots,
runs each on its own thread, heartbeats, posts every result with the lease it came with, registers
again when the orchestrator has forgotten it (a 404: restarted, or it missed its heartbeats),
retries with capped, jittered exponential backoff while the orchestrator is unreachable or
failing (5xx), and on SIGTERM or SIGINT drains: no new leases, the tasks held finish, their
results are posted, then it unregisters and ``serve_forever`` returns.

Threads rather than asyncio because ``run`` is the user's code and may block for minutes in a
provider's SDK; all shared state is guarded by one condition variable.
"""
from __future__ import annotations

import collections
import json
import logging
import os
import random
import secrets
import signal
import socket
import threading
import time
from typing import Any, Deque, Dict, List, Optional, Tuple

from . import __version__
from ._http import LONG_POLL_MARGIN, Transport, quote
from .errors import D8Error, NotFound, ServerError

log = logging.getLogger("d8client.worker")


class TaskFailure(Exception):
    """Raise from ``run`` to fail a task with its words; ``retryable=False`` (the default here)
    tells the orchestrator that another attempt would not help. Any other exception fails the
    task as retryable. ``details`` (``retry_after``, ``http_status``...) go into the result."""

    def __init__(self, message: str, retryable: bool = False, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.details = details or {}


class Backoff:
    """0.5 s doubling to 10 s, each delay drawn from its upper half, so a fleet of workers that
    lost the orchestrator together does not come back in step."""

    first, ceiling = 0.5, 10.0

    def __init__(self) -> None:
        self.attempt = 0

    def next(self) -> float:
        delay = min(self.ceiling, self.first * 2 ** min(self.attempt, 10))
        self.attempt += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.attempt = 0


class _Finished:
    """A result on its way to the orchestrator, and when to stop trying: past its lease's
    timeout (plus a margin) the task is surely someone else's and the result would be refused."""

    __slots__ = ("task_id", "lease", "body", "give_up_at")

    def __init__(self, task_id: str, lease: Optional[str], body: Dict[str, Any], give_up_at: float) -> None:
        self.task_id, self.lease, self.body, self.give_up_at = task_id, lease, body, give_up_at


class Worker:
    """Serves one worker type of one orchestrator with ``slots`` tasks at a time.

    ``token`` is the orchestrator's worker token (``auth.worker_token``); ``worker_id`` defaults
    to one unique to this process. ``poll_wait`` is how long each long-poll for tasks may wait,
    ``drain_timeout`` how long a drain waits for the tasks in hand (None: as long as they take).
    ``capabilities`` are announced at registration beside ``slots`` (a ``models`` list with
    prices lets the orchestrator estimate costs, as a plugin's description does).
    """

    MAX_BATCH = 1000

    def __init__(self, orchestrator: str, worker_type: str, slots: int = 1, token: Optional[str] = None,
                 worker_id: Optional[str] = None, *, poll_wait: float = 20.0, drain_timeout: Optional[float] = 30.0,
                 capabilities: Optional[Dict[str, Any]] = None) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.worker_type = worker_type
        self.slots = slots
        self.worker_id = worker_id or f"{worker_type}-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.poll_wait = poll_wait
        self.drain_timeout = drain_timeout
        self.capabilities = dict(capabilities or {})
        self._http = Transport(orchestrator, token)
        self._path = f"/api/workers/{quote(self.worker_id)}"
        self._cond = threading.Condition()
        # Guarded by _cond:
        self._registration: Optional[Dict[str, Any]] = None
        self._epoch = 0
        self._pending: Deque[Tuple[Dict[str, Any], float]] = collections.deque()
        self._busy = 0  # tasks accepted and not yet run to the end (pending ones included)
        self._results: List[_Finished] = []
        self._sending = 0
        self._draining = False
        self._drain_deadline: Optional[float] = None
        self._results_deadline: Optional[float] = None
        self._stopped = False
        # Set by signal handlers only (no locks in a handler); read by serve_forever's thread.
        self._signals = 0
        self._started = False

    def run(self, task: Dict[str, Any]) -> Dict[str, Any]:
        """Runs one leased task and returns its result object.

        ``task`` is the task as leased: ``task_id``, ``type``, ``data``, ``attempt``, ``lease``...
        The result is what clients read as ``result``; ``success`` is added as True when absent
        (LLM workers return ``output``, ``model``, ``usage``, ``cost_usd``). Raise ``TaskFailure``
        for a failure in your words, any other exception for a retryable one.
        """
        raise NotImplementedError("subclass Worker and implement run(task)")

    # Life cycle

    def serve_forever(self) -> None:
        """Serves until SIGTERM, SIGINT or ``drain()``, then drains, unregisters and returns.

        Signal handlers are installed only when called from the main thread (Python's rule);
        elsewhere, call ``drain()`` to stop. A second signal stops waiting for the tasks in hand.
        """
        if self._started:
            raise RuntimeError("serve_forever runs once per Worker")
        self._started = True
        previous = self._install_signal_handlers()
        try:
            for n in range(self.slots):
                self._thread(f"slot-{n}", self._slot_loop)
            self._thread("heartbeat", self._heartbeat_loop)
            self._thread("results", self._report_loop)
            self._thread("lease", self._lease_loop)
            with self._cond:
                while not self._draining:
                    self._take_signals()
                    self._cond.wait(0.2)
                while self._busy > 0 and (self._drain_deadline is None or time.monotonic() < self._drain_deadline):
                    self._take_signals()
                    self._cond.wait(0.2)
                unfinished = self._busy
                now = time.monotonic()
                # The last results get at least 5 s, even when the drain's time is up.
                self._results_deadline = max(self._drain_deadline or now, now + 5.0)
                self._cond.notify_all()
                while (self._results or self._sending) and time.monotonic() < self._results_deadline:
                    self._cond.wait(0.2)
                lost = len(self._results)
                self._stopped = True
                registered = self._registration is not None
                self._cond.notify_all()
            if unfinished:
                log.warning("drain timed out; %d task(s) still running are handed back", unfinished)
            if lost:
                log.warning("%d result(s) could not be posted before the drain ended", lost)
            if registered:
                self._unregister()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def drain(self) -> None:
        """Stops leasing at once; ``serve_forever`` returns once the tasks in hand are finished
        and reported (or ``drain_timeout`` has passed). Safe from any thread."""
        with self._cond:
            if not self._draining:
                self._draining = True
                if self.drain_timeout is not None:
                    self._drain_deadline = time.monotonic() + self.drain_timeout
                log.info("draining: %d task(s) in hand", self._busy)
            self._cond.notify_all()

    def _install_signal_handlers(self) -> Dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}

        def handler(signum: int, frame: Any) -> None:
            self._signals += 1  # no lock here: the handler may interrupt a holder of _cond

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, handler)
        return previous

    def _take_signals(self) -> None:
        """Acts on signals received (called with _cond held): the first drains, the next one
        stops waiting for the running tasks."""
        if self._signals == 0:
            return
        self._signals = 0
        if not self._draining:
            log.info("signal received")
            self.drain()
        elif self._drain_deadline != 0.0:
            log.warning("second signal: no longer waiting for %d task(s) in hand", self._busy)
            self._drain_deadline = 0.0

    # Registration

    def _register_body(self) -> Dict[str, Any]:
        capabilities = dict(self.capabilities)
        capabilities.setdefault("plugin", {"name": type(self).__name__, "version": __version__, "sdk": "d8client-python"})
        capabilities["slots"] = self.slots
        return {"worker_id": self.worker_id, "worker_type": self.worker_type, "capabilities": capabilities}

    def _ensure_registered(self) -> Optional[int]:
        """Registers (again) when needed, retrying with backoff: the registration's epoch, or
        None once draining. Refusals are retried too: the orchestrator may come back with a
        config that knows this worker type."""
        backoff, last = Backoff(), None
        while True:
            with self._cond:
                if self._draining:
                    return None
                if self._registration is not None:
                    return self._epoch
            try:
                answer = self._http.request("POST", "/api/workers/register", self._register_body())
            except D8Error as error:
                if str(error) != last:
                    (log.warning if error.status is None else log.error)("cannot register; retrying: %s", error)
                last = str(error)
                self._pause(backoff.next())
                continue
            with self._cond:
                self._epoch += 1
                self._registration = answer if isinstance(answer, dict) else {}
                self._cond.notify_all()
                log.info("registered %s as %s with %d slot(s) at %s", self.worker_id, self.worker_type,
                         self.slots, self._http.url)
                return self._epoch

    def _forget(self, epoch: int, error: D8Error) -> None:
        """A 404 for this worker: the orchestrator restarted or reaped it. The epoch keeps a late
        404 from undoing a newer registration."""
        with self._cond:
            if self._draining:  # the unregister of a drain answers the last long-poll with a 404
                return
            if self._registration is not None and self._epoch == epoch:
                self._registration = None
                log.warning("the orchestrator forgot this worker; registering again (%s)", error)
                self._cond.notify_all()

    def _unregister(self) -> None:
        try:
            self._http.request("POST", f"{self._path}/unregister")
            log.info("unregistered %s", self.worker_id)
        except NotFound:
            log.info("already unregistered (the orchestrator no longer knew %s)", self.worker_id)
        except D8Error as error:
            log.warning("could not unregister; the orchestrator will requeue this worker's tasks "
                        "when it misses its heartbeats: %s", error)

    # Leasing

    def _lease_loop(self) -> None:
        backoff, last = Backoff(), None
        while True:
            epoch = self._ensure_registered()
            wanted = self._wait_for_capacity() if epoch is not None else 0
            if not wanted:
                return
            try:
                answer = self._http.request("GET", f"{self._path}/tasks", query={"max": wanted, "wait": self.poll_wait},
                                            timeout=self.poll_wait + LONG_POLL_MARGIN)
            except NotFound as error:
                self._forget(epoch, error)
                continue
            except D8Error as error:
                if str(error) != last:
                    log.warning("cannot poll for tasks; retrying: %s", error)
                last = str(error)
                self._pause(backoff.next())
                continue
            if last is not None:
                log.info("the orchestrator answers again")
            backoff.reset()
            last = None
            answer = answer if isinstance(answer, dict) else {}
            tasks = answer.get("tasks")
            if tasks is None:  # an orchestrator that hands out one task at a time
                tasks = [answer["task"]] if answer.get("task") else []
            self._accept([task for task in tasks if isinstance(task, dict)])

    def _wait_for_capacity(self) -> int:
        """Blocks until a slot is free: how many tasks to ask for (0 once draining)."""
        with self._cond:
            while not self._draining:
                granted = (self._registration or {}).get("slots")
                capacity = min(self.slots, granted) if isinstance(granted, int) and granted > 0 else self.slots
                if capacity - self._busy > 0:
                    return capacity - self._busy
                self._cond.wait()
            return 0

    def _accept(self, tasks: List[Dict[str, Any]]) -> None:
        if not tasks:
            return
        now = time.monotonic()
        with self._cond:
            if self._draining:
                # Leased as the drain began: the unregister hands them back without using an attempt.
                log.info("draining: leaving %d just-leased task(s) to be handed back", len(tasks))
                return
            for task in tasks:
                self._busy += 1
                self._pending.append((task, now))
            self._cond.notify_all()

    # Running

    def _slot_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if not self._pending:
                    return
                task, leased_at = self._pending.popleft()
            body = self._execute(task)
            timeout = task.get("timeout_s") or (self._registration or {}).get("task_timeout_s") or 120
            finished = _Finished(str(task.get("task_id")), task.get("lease"), body, leased_at + float(timeout) + 30.0)
            with self._cond:
                self._busy -= 1
                self._results.append(finished)
                self._cond.notify_all()

    def _execute(self, task: Dict[str, Any]) -> Dict[str, Any]:
        """``run``'s answer as a result body; an exception becomes a failure in its words."""
        try:
            value = self.run(task)
        except TaskFailure as failure:
            body = dict(failure.details)
            body.update(success=False, error=str(failure) or type(failure).__name__, retryable=failure.retryable)
            return body
        except Exception as error:  # the user's code: any failure is the task's, not the worker's
            log.exception("task %s failed", task.get("task_id"))
            return {"success": False, "error": f"{type(error).__name__}: {error}", "retryable": True}
        body = dict(value) if isinstance(value, dict) else {"output": value}
        body.setdefault("success", True)
        try:
            json.dumps(body)
        except (TypeError, ValueError) as error:
            return {"success": False, "error": f"the result is not JSON: {error}", "retryable": False}
        return body

    # Reporting

    def _report_loop(self) -> None:
        """Posts results on one thread: whatever finished while a request was in flight goes in
        the next one (``POST /api/workers/{id}/results``). Unreachable or 5xx: retried with
        backoff; a 409 (the lease was lost) or another refusal is final."""
        backoff = Backoff()
        while True:
            with self._cond:
                while not self._results and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                batch = self._results[:self.MAX_BATCH]
                del self._results[:self.MAX_BATCH]
                self._sending = len(batch)
            retry = self._send(batch)
            with self._cond:
                now = time.monotonic()
                keep = [r for r in retry if now < r.give_up_at]
                for result in retry:
                    if result not in keep:
                        log.warning("giving up on the result of task %s: its lease has surely expired", result.task_id)
                self._results[:0] = keep
                self._sending = 0
                self._cond.notify_all()
            if keep:
                self._sleep_results(backoff.next())
            else:
                backoff.reset()

    _batch_endpoint = True

    def _send(self, batch: List[_Finished]) -> List[_Finished]:
        """Posts ``batch``; returns the results to try again (the orchestrator was unreachable)."""
        if len(batch) > 1 and self._batch_endpoint:
            body = {"results": [{"task_id": r.task_id, "lease": r.lease, "result": r.body} for r in batch]}
            try:
                answer = self._http.request("POST", f"{self._path}/results", body)
            except ServerError as error:
                log.warning("cannot post %d results; retrying: %s", len(batch), error)
                return batch
            except D8Error as error:
                if error.status in (404, 405):  # an orchestrator without the batch endpoint
                    self._batch_endpoint = False
                return self._send_each(batch)
            for outcome in (answer or {}).get("results", []):
                if outcome.get("status") == "refused":
                    self._log_refusal(outcome.get("task_id"), outcome.get("http_status"), outcome.get("code"), outcome.get("error"))
            return []
        return self._send_each(batch)

    def _send_each(self, batch: List[_Finished]) -> List[_Finished]:
        for n, result in enumerate(batch):
            body = {"worker_id": self.worker_id, "lease": result.lease, "result": result.body}
            try:
                self._http.request("POST", f"/api/tasks/{quote(result.task_id)}/result", body)
            except ServerError as error:
                log.warning("cannot post the result of task %s; retrying: %s", result.task_id, error)
                return batch[n:]
            except D8Error as error:
                self._log_refusal(result.task_id, error.status, error.code, error.message)
        return []

    @staticmethod
    def _log_refusal(task_id: Any, status: Any, code: Any, message: Any) -> None:
        if status == 409:
            log.warning("result of task %s dropped: the lease was lost (%s: %s)", task_id, code, message)
        else:
            log.error("result of task %s refused, dropped: %s %s: %s", task_id, status, code, message)

    # Heartbeats

    def _heartbeat_loop(self) -> None:
        """One heartbeat per interval of the current registration, until stopped: they go on
        during a drain, so the leases stay this worker's while the last results are posted."""
        while True:
            with self._cond:
                while self._registration is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                epoch, interval = self._epoch, self._heartbeat_interval()
                end = time.monotonic() + interval
                while not self._stopped and self._epoch == epoch and self._registration is not None and time.monotonic() < end:
                    self._cond.wait(end - time.monotonic())
                if self._stopped or self._epoch != epoch or self._registration is None:
                    continue
            try:
                self._http.request("POST", f"{self._path}/heartbeat")
            except NotFound as error:
                self._forget(epoch, error)
            except D8Error as error:
                log.debug("heartbeat failed: %s", error)  # the lease loop reports unreachability

    def _heartbeat_interval(self) -> float:
        """The interval the registration answer gives, at most a third of the worker timeout."""
        answer = self._registration or {}
        interval = float(answer.get("heartbeat_interval_s") or 30.0)
        timeout = answer.get("worker_timeout_s")
        if isinstance(timeout, (int, float)) and timeout > 0:
            interval = min(interval, timeout / 3)
        return max(interval, 0.1)

    # Helpers

    def _pause(self, seconds: float) -> None:
        """Sleeps unless a drain starts first."""
        end = time.monotonic() + seconds
        with self._cond:
            while not self._draining and time.monotonic() < end:
                self._cond.wait(end - time.monotonic())

    def _sleep_results(self, seconds: float) -> None:
        """The reporter's backoff: cut short when the drain's time for results is up."""
        end = time.monotonic() + seconds
        with self._cond:
            while not self._stopped and time.monotonic() < end:
                if self._results_deadline is not None:
                    end = min(end, self._results_deadline)
                self._cond.wait(max(0.0, end - time.monotonic()))

    def _thread(self, name: str, target: Any) -> None:
        threading.Thread(target=target, name=f"d8-worker-{name}", daemon=True).start()
