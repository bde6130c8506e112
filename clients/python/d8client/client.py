"""The client side of d8: submit tasks and jobs, watch them, cancel them, read the figures.

Waiting uses the orchestrator's long-poll (``?wait=S``), so a finished task is seen at once and
an idle wait costs one request per ``LONGEST_POLL`` seconds instead of a busy loop.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional

from ._http import LONG_POLL_MARGIN, Transport, quote
from .errors import Timeout

#: d8's own words for a task that will not change any more (Sources/D8Wire/Bodies/TaskState.swift).
FINISHED = frozenset({"completed", "failed", "dead", "cancelled", "expired"})
#: The older protocol's final words, for an orchestrator that sends no ``d8_status``.
OLDER_FINISHED = frozenset({"completed", "failed"})
#: A long-poll never asks for more than this: the server caps it anyway (``max_long_poll``), and
#: proxies tend to cut idle requests after a minute.
LONGEST_POLL = 30.0


def is_finished(status: Dict[str, Any]) -> bool:
    """Whether a task status is final: by ``d8_status`` when the answer has it, else by ``status``."""
    own = status.get("d8_status")
    if isinstance(own, str):
        return own in FINISHED
    return status.get("status") in OLDER_FINISHED


class Client:
    """One orchestrator, as a client (a client key as ``token`` when it has keys configured).

    Every method returns the orchestrator's JSON answer as a dict and raises a ``D8Error``
    subclass when it refuses (see ``d8client.errors``).
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30) -> None:
        self._http = Transport(url, token, timeout)

    @property
    def url(self) -> str:
        return self._http.url

    # Tasks

    def submit(self, type: str, data: Dict[str, Any], priority: Optional[int] = None,
               idempotency_key: Optional[str] = None,
               deadline: Optional[float] = None, deadline_in: Optional[float] = None,
               cache: Optional[bool] = None, **extra: Any) -> Dict[str, Any]:
        """Submits one task; the answer carries ``task_id`` (and ``duplicate`` for a repeated key).

        ``priority`` is 1 (low) to 10 (urgent); ``deadline`` Unix seconds or ``deadline_in``
        seconds from now by which it must have been leased; ``cache=False`` never answers from
        the result cache. Attempts are the orchestrator's ``queue.max_attempts``. ``extra`` fields (``max_cost_usd``...) are
        sent as they are, so a newer orchestrator's fields need no new release.
        """
        return self._http.request("POST", "/api/tasks/submit", _task(
            type, data, priority=priority, idempotency_key=idempotency_key,
            deadline=deadline, deadline_in=deadline_in, cache=cache, **extra))

    def submit_batch(self, tasks: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Submits up to 10,000 tasks in one request and one commit, all or none.

        Each element is a submit body (``{"type": ..., "data": ..., "priority": ...}``); the
        answer's ``task_ids`` are in the same order.
        """
        return self._http.request("POST", "/api/tasks/batch", {"tasks": list(tasks)})

    def status(self, task_id: str, wait: Optional[float] = None) -> Dict[str, Any]:
        """The task as it stands; with ``wait`` (seconds) a long-poll that answers as soon as it
        finishes (an orchestrator without long-polls answers at once, which is fine too)."""
        if wait is None:
            return self._http.request("GET", f"/api/tasks/status/{quote(task_id)}")
        wait = max(0.0, wait)
        return self._http.request("GET", f"/api/tasks/status/{quote(task_id)}", query={"wait": wait},
                                  timeout=wait + LONG_POLL_MARGIN)

    def wait(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Blocks until the task is finished and returns its status (``result`` holds what the
        worker reported). Raises ``Timeout`` (with the last status) when ``timeout`` passes first."""
        return _wait_until(lambda wait: self.status(task_id, wait=wait), is_finished, timeout, f"task {task_id}")

    def cancel(self, task_id: str) -> Dict[str, Any]:
        """Cancels a task that has not finished; answers its status."""
        return self._http.request("POST", f"/api/tasks/{quote(task_id)}/cancel")

    def queue(self, limit: Optional[int] = None) -> Dict[str, Any]:
        """The tasks waiting, first to be leased first (``limit``: at most this many, default 100)."""
        return self._http.request("GET", "/api/tasks/queue", query={"limit": limit})

    def stats(self) -> Dict[str, Any]:
        """Workers, task counts, per task type and worker type figures, and costs."""
        return self._http.request("GET", "/api/stats")

    def workers(self) -> Dict[str, Any]:
        """The registered workers: ``{"workers": [...], "total": N}``."""
        return self._http.request("GET", "/api/workers/list")

    def health(self) -> Dict[str, Any]:
        """``/health``: needs no token; ``status`` is ``healthy`` while the orchestrator serves."""
        return self._http.request("GET", "/health")

    # Jobs

    def submit_job(self, tasks: List[Dict[str, Any]], name: Optional[str] = None,
                   deadline: Optional[float] = None, deadline_in: Optional[float] = None,
                   priority: Optional[int] = None) -> Dict[str, Any]:
        """Submits many tasks under one job id, all or none; answers ``job_id`` and ``task_ids``.

        ``priority`` applies to the tasks that name none; ``deadline``/``deadline_in`` to all.
        """
        body: Dict[str, Any] = {"tasks": list(tasks)}
        for key, value in (("name", name), ("deadline", deadline), ("deadline_in", deadline_in), ("priority", priority)):
            if value is not None:
                body[key] = value
        return self._http.request("POST", "/api/jobs", body)

    def job(self, job_id: str, wait: Optional[float] = None, results: bool = True) -> Dict[str, Any]:
        """The job's progress (``done``, ``counts``, ``progress``...) and, unless ``results`` is
        False, each task's outcome in submission order; ``wait`` long-polls until it is done."""
        query: Dict[str, Any] = {} if results else {"results": False}
        timeout = None
        if wait is not None:
            query["wait"] = max(0.0, wait)
            timeout = query["wait"] + LONG_POLL_MARGIN
        return self._http.request("GET", f"/api/jobs/{quote(job_id)}", query=query, timeout=timeout)

    def wait_job(self, job_id: str, timeout: Optional[float] = None, results: bool = True) -> Dict[str, Any]:
        """Blocks until every task of the job has finished; raises ``Timeout`` when ``timeout`` passes."""
        return _wait_until(lambda wait: self.job(job_id, wait=wait, results=results),
                           lambda answer: answer.get("done") is True, timeout, f"job {job_id}")

    def cancel_job(self, job_id: str) -> Dict[str, Any]:
        """Cancels every unfinished task of the job; the answer's ``cancelled`` says how many."""
        return self._http.request("POST", f"/api/jobs/{quote(job_id)}/cancel")


def _task(type: str, data: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    """A submit body: the fields given, the ones left at None left out (the server's defaults)."""
    body: Dict[str, Any] = {"type": type, "data": data}
    body.update({key: value for key, value in fields.items() if value is not None})
    return body


def _wait_until(poll: Callable[[float], Dict[str, Any]], done: Callable[[Dict[str, Any]], bool],
                timeout: Optional[float], what: str) -> Dict[str, Any]:
    """Long-polls with ``poll(wait)`` until ``done(answer)``, for at most ``timeout`` seconds.

    An answer that comes back early without being done (an orchestrator that does not long-poll)
    is followed by a short sleep, growing to 2 s, so the loop never spins.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.1
    while True:
        left = LONGEST_POLL if deadline is None else max(0.0, min(LONGEST_POLL, deadline - time.monotonic()))
        asked = time.monotonic()
        answer = poll(left)
        if done(answer):
            return answer
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            raise Timeout(f"{what} did not finish within {timeout:g} s", last=answer)
        if now - asked < min(left, 1.0) / 2:
            time.sleep(pause if deadline is None else min(pause, max(0.0, deadline - now)))
            pause = min(pause * 2, 2.0)
