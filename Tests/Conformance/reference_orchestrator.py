"""A reference orchestrator of d8's worker-facing protocol, in standard-library Python.

It answers what `d8 serve` answers to a worker (same routes, bodies, statuses and error codes;
see docs/openapi.yaml and Sources/D8Server/HTTP/WorkerController.swift), records every request,
and lets a test script the run: queue tasks, take a lease back, answer 503 (as d8 does when its
store refuses a write, or a proxy in front of a d8 that is restarting), close its port and come
back on the same port with no memory of its workers.

Routes (the worker's, with D8's older aliases):

    POST /api/workers/register              {"worker_id","worker_type","capabilities"}
    POST /api/workers/{id}/heartbeat        200, or 404 unknown_worker: register again
    GET  /api/workers/{id}/tasks?wait=S&max=N   long-poll: {"task": {...}|null, "tasks": [...]}
    POST /api/tasks/{task_id}/result        {"worker_id","lease","result":{"success":...}}
    POST /api/workers/{id}/results          {"results": [{"task_id","lease","result"}, ...]}
    POST /api/workers/results               D8's single result, task_id in the body
    POST /api/workers/{id}/unregister       its leases go back to the queue
    POST /api/workers/unregister            D8's form, worker_id in the body
    GET  /health

As in d8: a request body must be a JSON object sent with `Content-Type: application/json`
(400 bad_request / malformed_json, 415 unsupported_media_type); with a worker token set, every
worker route needs `Authorization: Bearer <token>` (401 unauthorized); a worker the orchestrator
does not know gets 404 unknown_worker on heartbeat, poll and unregister; a result is answered
200 {"task_id","status":"received"|"duplicate"}, 404 not_found (no such task) or 409
stale_lease (the worker does not hold that task's current lease), and the batch endpoint
answers 200 with one such outcome per result ("refused" with http_status, code, error).

Where it differs from d8, on purpose, so that a worker's mistakes show:

- A poll is handed up to `max` tasks whatever the worker already holds (d8 also caps by the
  slots the worker registered): a worker that asks for more than it can run gets it, and the
  kit sees it hold too many.
- Workers are not reaped for silence and leases do not expire by themselves; the test takes a
  lease back with `expire_lease` (d8's `queue.task_timeout`) when it needs a stale one.
- Task types are not routed: every queued task goes to whichever worker polls.
- A registration without `capabilities.slots` gets 1 slot (d8: the worker type's `slots`).

Run it alone to try a worker by hand:

    python3 reference_orchestrator.py --port 7001 [--token T] [--tasks 5] [--sleep-ms 500]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, unquote, urlsplit

LEASE_ROUTE = "lease"
RESULT_ROUTES = ("result", "results", "legacy_result")


@dataclass
class Request:
    """One request as it reached the orchestrator, and what it was answered."""

    seq: int
    t: float  # time.monotonic() when its headers were read
    method: str
    path: str
    route: str  # register, heartbeat, lease, result, results, legacy_result, unregister, legacy_unregister, health, unknown
    params: dict  # from the path: worker_id, task_id
    query: dict  # first value of each query parameter
    headers: dict  # lower-cased names
    raw_body: bytes
    body: Any  # the parsed JSON, or None
    phase: str  # "up", "stopping" (answered 503) or "down"
    epoch: int  # 0 until the first restart, then 1, ...
    status: Optional[int] = None
    answer: Any = None
    t_answered: Optional[float] = None
    handed: list = field(default_factory=list)  # a poll's (task_id, lease) pairs
    outcomes: list = field(default_factory=list)  # (task_id, lease, http status) per result in it
    delivered: bool = True  # False when the answer could not be written

    @property
    def worker_id(self) -> Optional[str]:
        if "worker_id" in self.params:
            return self.params["worker_id"]
        if isinstance(self.body, dict) and isinstance(self.body.get("worker_id"), str):
            return self.body["worker_id"]
        return None

    @property
    def max(self) -> int:
        """A poll's `max`: 1 when absent, as d8 reads it."""
        try:
            return int(float(self.query.get("max", "1")))
        except ValueError:
            return 1

    def describe(self, origin: float) -> str:
        text = f"{self.t - origin:7.3f}s {self.phase:8} {self.method} {self.path}"
        if self.status is not None:
            text += f" -> {self.status}"
            if self.status >= 400 and isinstance(self.answer, dict) and self.answer.get("code"):
                text += f" {self.answer['code']}"
        if self.handed:
            text += " handed " + ", ".join(task for task, _ in self.handed)
        if self.outcomes:
            text += " results " + ", ".join(f"{task}:{status}" for task, _, status in self.outcomes)
        return text


@dataclass
class Task:
    task_id: str
    type: str
    data: Any
    priority: int = 5
    max_attempts: int = 3
    created_at: float = field(default_factory=time.time)
    status: str = "pending"  # pending, assigned, completed, failed, dead
    attempt: int = 0
    lease: Optional[str] = None
    assigned_to: Optional[str] = None
    leased_at: Optional[float] = None  # monotonic
    result: Any = None
    finished_at: Optional[float] = None  # monotonic
    leases: list = field(default_factory=list)  # every (lease, worker_id, monotonic time) handed out

    def wire(self, task_timeout: float) -> dict:
        """The task as a worker receives it (TaskLease.swift): data keys also at the top level."""
        body = {
            "task_id": self.task_id, "type": self.type, "data": self.data, "priority": self.priority,
            "lease": self.lease, "attempt": self.attempt, "max_attempts": self.max_attempts,
            "created_at": self.created_at, "lease_expires_at": time.time() + task_timeout,
            "timeout_s": task_timeout,
        }
        if isinstance(self.data, dict):
            for key, value in self.data.items():
                body.setdefault(key, value)
        return body


@dataclass
class Worker:
    worker_id: str
    worker_type: str
    slots: int
    capabilities: dict
    registered_at: float
    generation: int
    last_seen: float
    held: set = field(default_factory=set)


class Gone(Exception):
    """The orchestrator went away while a request was being handled: answer nothing."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, orchestrator: "ReferenceOrchestrator"):
        self.orchestrator = orchestrator
        self.connections: set = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self):
        with self.connections_lock:
            connections = list(self.connections)
            self.connections.clear()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                connection.close()
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl and most clients use it
    server_version = "d8-reference/1"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        orchestrator: ReferenceOrchestrator = self.server.orchestrator
        raw = self._read_body()
        try:
            status, answer, after = orchestrator.handle(self.command, self.path, self.headers, raw)
        except Gone:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            ok = True
        except OSError:
            ok = False
            self.close_connection = True
        if after:
            after(ok)


def _error(status: int, code: str, message: str):
    return status, {"error": message, "code": code}


class _Malformed:
    """The body of a request whose body is not JSON."""

    def __repr__(self):
        return "<malformed JSON>"


_MALFORMED = _Malformed()


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _query_number(text: Optional[str], default: float) -> Optional[float]:
    """A query number as d8 reads it (Swift's Double(text), finite): None when it is not one."""
    if text is None:
        return default
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


class ReferenceOrchestrator:
    """The orchestrator a conformance test runs a worker against.

    Every public method is thread-safe. `requests` is the full record; `tasks` the task table.
    """

    def __init__(self, *, token: Optional[str] = None, worker_types: tuple = ("echo",),
                 heartbeat_interval: float = 1.0, worker_timeout: float = 3.0, task_timeout: float = 60.0,
                 max_long_poll: float = 5.0, host: str = "127.0.0.1", port: int = 0):
        self.token = token
        self.worker_types = set(worker_types)
        self.heartbeat_interval = heartbeat_interval
        self.worker_timeout = worker_timeout
        self.task_timeout = task_timeout
        self.max_long_poll = max_long_poll
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.requests: list[Request] = []
        self.tasks: dict[str, Task] = {}
        self.queue: list[str] = []  # pending task ids, first out first
        self.workers: dict[str, Worker] = {}
        self.phase = "down"
        self.epoch = 0
        self.origin = time.monotonic()
        self._generation = 0
        self._task_counter = 0
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self.events: list[tuple[float, str]] = []  # what the test did, for the failure report

    # ---- life ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ReferenceOrchestrator":
        deadline = time.monotonic() + 10
        while True:
            try:
                self._httpd = _Server((self.host, self.port), _Handler, self)
                break
            except OSError:
                if self.port == 0 or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.port = self._httpd.server_address[1]
        with self.lock:
            self.phase = "up"
            self.changed.notify_all()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                         name="reference-orchestrator", daemon=True)
        self._thread.start()
        self.note("listening on " + self.url)
        return self

    def stop(self):
        """Closes the port and every connection (held long-polls get no answer)."""
        with self.lock:
            self.phase = "down"
            self.changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.drop_connections()
            self._httpd = None

    def begin_stopping(self):
        """Held long-polls are answered with no task (as d8 does on SIGTERM), and every new
        request is answered 503 shutting_down until `stop` (as d8 answers when its store refuses
        a write, or a proxy in front of a restarting d8)."""
        with self.lock:
            self.phase = "stopping"
            self.changed.notify_all()
        self.note("stopping: answering 503")

    def go_away(self):
        """The port closes (a crash, or the end of a stop): connections refused."""
        self.stop()
        self.note("gone: port closed")

    def come_back(self):
        """Listens again on the same port with no memory of any worker, as a restarted d8:
        tasks leased before are queued again, and their old leases are refused (409)."""
        with self.lock:
            self.workers.clear()
            self.epoch += 1
            for task in self.tasks.values():
                if task.status == "assigned":
                    task.status = "pending"
                    task.assigned_to = None
                    self.queue.append(task.task_id)
        self.start()
        self.note("back, with no memory of workers")

    def note(self, text: str):
        with self.lock:
            self.events.append((time.monotonic(), text))

    # ---- scripting ---------------------------------------------------------------------------

    def add_task(self, data: Any, *, type: str = "conformance", priority: int = 5, max_attempts: int = 3) -> str:  # noqa: A002
        with self.lock:
            self._task_counter += 1
            task_id = f"t{self._task_counter:03d}-{uuid.uuid4().hex[:8]}"
            self.tasks[task_id] = Task(task_id=task_id, type=type, data=data, priority=priority, max_attempts=max_attempts)
            self.queue.append(task_id)
            self.changed.notify_all()
            return task_id

    def expire_lease(self, task_id: str):
        """Takes a lease back as d8 does when it outlives `queue.task_timeout`: the task is
        queued again, and a result with the old lease gets 409 stale_lease."""
        with self.lock:
            task = self.tasks[task_id]
            assert task.status == "assigned", f"{task_id} is {task.status}, not assigned"
            worker = self.workers.get(task.assigned_to or "")
            if worker:
                worker.held.discard(task_id)
            task.status = "pending"
            task.assigned_to = None
            self.queue.append(task_id)
            self.changed.notify_all()
        self.note(f"lease of {task_id} taken back")

    def wait_for(self, predicate: Callable[[], Any], timeout: float):
        """Waits until predicate() (called under the lock) is true; returns its last value."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                value = predicate()
                left = deadline - time.monotonic()
                if value or left <= 0:
                    return value
                self.changed.wait(min(left, 0.1))

    def wait_until(self, predicate: Callable[[], Any], timeout: float, what: str):
        """Waits until predicate() (called under the lock) is true; returns its value, or fails
        the test with `what` and the request log."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}\n" + self.transcript())
                self.changed.wait(min(left, 0.1))

    # ---- what happened ----------------------------------------------------------------------

    def requests_of(self, *routes: str, since: float = 0.0, until: float = float("inf")) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if (not routes or r.route in routes) and since <= r.t <= until]

    def worker_requests(self, worker_id: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.worker_id == worker_id]

    def registrations(self) -> list[Request]:
        return self.requests_of("register")

    def result_items(self) -> list[tuple[Request, str, Optional[str], Any, Optional[int]]]:
        """Every result a worker sent, whatever the endpoint: (request, task_id, lease, result, status)."""
        items = []
        with self.lock:
            for r in self.requests:
                if r.route not in RESULT_ROUTES or r.phase != "up":
                    continue
                if r.route == "results":
                    results = r.body.get("results") if isinstance(r.body, dict) else None
                    for item, outcome in zip(results or [], r.outcomes or []):
                        items.append((r, item.get("task_id"), item.get("lease"), item.get("result"), outcome[2]))
                elif isinstance(r.body, dict):
                    task_id = r.params.get("task_id") or r.body.get("task_id")
                    items.append((r, task_id, r.body.get("lease"), r.body.get("result"), r.status))
        return items

    def held_polls(self) -> list[Request]:
        """Polls being held open right now."""
        with self.lock:
            return [r for r in self.requests if r.route == LEASE_ROUTE and r.status is None and r.phase == "up"]

    def transcript(self, limit: int = 200) -> str:
        with self.lock:
            lines = [f"{t - self.origin:7.3f}s -- {text}" for t, text in self.events]
            lines += [r.describe(self.origin) for r in self.requests]
        lines.sort(key=lambda line: float(line.split("s", 1)[0]))
        if len(lines) > limit:
            lines = lines[: limit // 2] + [f"... {len(lines) - limit} more ..."] + lines[-limit // 2:]
        return "reference orchestrator transcript (seconds since it started):\n" + "\n".join(lines)

    # ---- the protocol -----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers, raw: bytes):
        """One request: returns (status, answer, after) where `after(delivered)` runs once the
        answer was written (or could not be)."""
        parts = urlsplit(target)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        route, params, allowed = self._route(method, path)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                body = _MALFORMED
        with self.lock:
            record = Request(seq=len(self.requests), t=time.monotonic(), method=method, path=target, route=route,
                             params=params, query=query, headers={k.lower(): v for k, v in headers.items()},
                             raw_body=raw, body=body, phase=self.phase, epoch=self.epoch)
            self.requests.append(record)
            self.changed.notify_all()
        try:
            status, answer = self._answer(record, method, allowed, raw)
        except Gone:
            with self.lock:
                record.t_answered = time.monotonic()
                record.delivered = False
                self.changed.notify_all()
            raise
        with self.lock:
            record.status, record.answer, record.t_answered = status, answer, time.monotonic()
            self.changed.notify_all()

        def after(delivered: bool):
            if delivered:
                return
            with self.lock:
                record.delivered = False
                # A poll's answer that never reached the worker: its tasks go back to the queue.
                for task_id, lease in record.handed:
                    task = self.tasks[task_id]
                    if task.status == "assigned" and task.lease == lease:
                        worker = self.workers.get(task.assigned_to or "")
                        if worker:
                            worker.held.discard(task_id)
                        task.status, task.assigned_to = "pending", None
                        self.queue.insert(0, task_id)
                self.changed.notify_all()

        return status, answer, after

    @staticmethod
    def _route(method: str, path: str):
        segments = [unquote(s) for s in path.strip("/").split("/")]
        table = [
            ("GET", ["health"], "health"),
            ("POST", ["api", "workers", "register"], "register"),
            ("POST", ["api", "workers", "results"], "legacy_result"),
            ("POST", ["api", "workers", "unregister"], "legacy_unregister"),
            ("POST", ["api", "workers", "{worker_id}", "heartbeat"], "heartbeat"),
            ("GET", ["api", "workers", "{worker_id}", "tasks"], LEASE_ROUTE),
            ("POST", ["api", "workers", "{worker_id}", "unregister"], "unregister"),
            ("POST", ["api", "workers", "{worker_id}", "results"], "results"),
            ("POST", ["api", "tasks", "{task_id}", "result"], "result"),
        ]
        allowed = []
        for route_method, pattern, name in table:
            if len(pattern) != len(segments):
                continue
            params = {}
            for want, got in zip(pattern, segments):
                if want.startswith("{"):
                    params[want[1:-1]] = got
                elif want != got:
                    break
            else:
                if route_method == method:
                    return name, params, [route_method]
                allowed.append(route_method)
        return "unknown", {}, allowed

    def _answer(self, r: Request, method: str, allowed: list, raw: bytes):
        if r.phase == "down":
            raise Gone()
        path = urlsplit(r.path).path
        if r.route == "unknown":
            if allowed:
                return _error(405, "method_not_allowed", f"{method} is not allowed on {path} (allowed: {', '.join(allowed)})")
            return _error(404, "not_found", f"no route for {method} {path}")
        if r.route == "health":
            with self.lock:
                return 200, {"status": "healthy", "service": "d8-orchestrator", "workers_online": len(self.workers),
                             "tasks_pending": len(self.queue),
                             "tasks_in_progress": sum(t.status == "assigned" for t in self.tasks.values()),
                             "timestamp": time.time()}
        if r.phase == "stopping":
            return _error(503, "shutting_down", "the orchestrator is stopping")
        if self.token is not None:
            given = r.headers.get("authorization")
            scheme, _, token = (given or "").partition(" ")
            if scheme.lower() != "bearer" or token.strip() != self.token:
                return _error(401, "unauthorized", "this endpoint needs 'Authorization: Bearer <worker token>'" if given is None
                              else "the worker token is not valid")
        if r.route in ("register", "result", "results", "legacy_result", "legacy_unregister"):
            # As d8 reads a body (RequestBody.swift): present, sent as JSON, parsed, an object.
            if not raw:
                return _error(400, "bad_request", "the request needs a JSON object body")
            content_type = r.headers.get("content-type", "")
            media_type = "".join(content_type.lower().split(";", 1)[0].split())
            if media_type != "application/json":
                return _error(415, "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'"
                              + (f" (got '{content_type}')" if content_type else ""))
            if r.body is _MALFORMED:
                return _error(400, "malformed_json", "the body is not valid JSON")
            if not isinstance(r.body, dict):
                return _error(400, "bad_request", f"the body must be a JSON object, got {_kind(r.body)}")
        handler = getattr(self, "_" + r.route)
        return handler(r)

    def _touch(self, worker_id: str):
        worker = self.workers.get(worker_id)
        if worker:
            worker.last_seen = time.monotonic()
        return worker

    @staticmethod
    def _unknown_worker(worker_id: str):
        return _error(404, "unknown_worker", f"worker '{worker_id}' is not registered (or missed its heartbeats); "
                                             "register again with POST /api/workers/register")

    def _register(self, r: Request):
        body = r.body
        worker_id, worker_type = body.get("worker_id"), body.get("worker_type")
        if not isinstance(worker_id, str) or not worker_id:
            return _error(400, "missing_field", "missing field 'worker_id'")
        if not isinstance(worker_type, str) or not worker_type:
            return _error(400, "missing_field", "missing field 'worker_type'")
        capabilities = body.get("capabilities", {})
        if capabilities is None:
            capabilities = {}
        if not isinstance(capabilities, dict):
            return _error(400, "invalid_field", "field 'capabilities' must be an object")
        if worker_type not in self.worker_types:
            return _error(422, "unknown_worker_type",
                          f"unknown worker type '{worker_type}' (configured: {', '.join(sorted(self.worker_types))})")
        slots = capabilities.get("slots")
        if slots is None:
            slots = 1
        elif isinstance(slots, bool) or not isinstance(slots, (int, float)) or not 1 <= slots <= 4096 or slots != int(slots):
            return _error(400, "invalid_field", "capabilities.slots must be an integer from 1 to 4096")
        slots = int(slots)
        with self.lock:
            old = self.workers.get(worker_id)
            if old:  # a worker registering again holds nothing: what it held goes back
                self._requeue_held(old)
            self._generation += 1
            now = time.monotonic()
            self.workers[worker_id] = Worker(worker_id, worker_type, slots, capabilities, now, self._generation, now)
            self.changed.notify_all()
        return 200, {
            "status": "registered", "worker_id": worker_id, "worker_type": worker_type, "slots": slots,
            "task_types": ["conformance"], "heartbeat_interval_s": self.heartbeat_interval,
            "worker_timeout_s": self.worker_timeout, "task_timeout_s": self.task_timeout,
        }

    def _requeue_held(self, worker: Worker):
        for task_id in sorted(worker.held):
            task = self.tasks[task_id]
            if task.status == "assigned" and task.assigned_to == worker.worker_id:
                task.status, task.assigned_to = "pending", None
                self.queue.insert(0, task_id)
        worker.held.clear()

    def _heartbeat(self, r: Request):
        with self.lock:
            if not self._touch(r.params["worker_id"]):
                return self._unknown_worker(r.params["worker_id"])
        return 200, {"status": "ok"}

    def _lease(self, r: Request):
        worker_id = r.params["worker_id"]
        wait = _query_number(r.query.get("wait"), 0)
        if wait is None or wait < 0:
            return _error(400, "invalid_field", f"query 'wait' must be a number of seconds from 0 to {int(self.max_long_poll)}")
        count = _query_number(r.query.get("max"), 1)
        if count is None or not 1 <= count <= 1000 or count != int(count):
            return _error(400, "invalid_field", "query 'max' must be an integer from 1 to 1000")
        count = int(count)
        deadline = r.t + min(wait, self.max_long_poll)
        with self.lock:
            worker = self._touch(worker_id)
            if not worker:
                return self._unknown_worker(worker_id)
            generation = worker.generation
            while True:
                if self.phase == "down":
                    raise Gone()
                current = self.workers.get(worker_id)
                if self.phase == "stopping" or current is None or current.generation != generation:
                    handed = []
                    break
                if self.queue:
                    handed = []
                    now = time.monotonic()
                    while self.queue and len(handed) < count:
                        task = self.tasks[self.queue.pop(0)]
                        task.status, task.assigned_to, task.attempt = "assigned", worker_id, task.attempt + 1
                        task.lease = "l-" + uuid.uuid4().hex[:16]
                        task.leased_at = now
                        task.leases.append((task.lease, worker_id, now))
                        current.held.add(task.task_id)
                        handed.append(task)
                    r.handed = [(t.task_id, t.lease) for t in handed]
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    handed = []
                    break
                self.changed.wait(min(left, 0.1))
            wire = [t.wire(self.task_timeout) for t in handed]
        answer = {"task": wire[0] if wire else None}
        if "max" in r.query:
            answer["tasks"] = wire
        return 200, answer

    def _report(self, worker_id: str, task_id: str, body: dict):
        """One result: (http status, answer). d8's rules: only the current lease's holder may
        report; the same result again is a duplicate; anything else is 409 stale_lease."""
        result = body.get("result")
        if not isinstance(result, dict):
            return _error(400, "missing_field", "missing field 'result' (an object)")
        if not isinstance(result.get("success"), bool):
            return _error(400, "missing_field", "missing field 'result.success' (true or false)")
        lease = body.get("lease")
        if lease is not None and (not isinstance(lease, str) or not lease or len(lease) > 256):
            return _error(400, "invalid_field", f"field 'lease' must be a non-empty string of at most 256 characters, got {_kind(lease)}")
        with self.lock:
            self._touch(worker_id)  # a forgotten worker may still report; the lease decides
            task = self.tasks.get(task_id)
            if task is None:
                return _error(404, "not_found", f"no task with id '{task_id}'")
            if task.status in ("completed", "failed", "dead") and task.assigned_to == worker_id and (lease is None or lease == task.lease):
                return 200, {"task_id": task_id, "status": "duplicate"}
            if task.status != "assigned" or task.assigned_to != worker_id or (lease is not None and lease != task.lease):
                return _error(409, "stale_lease", f"worker '{worker_id}' does not hold a current lease on task "
                                                  f"'{task_id}' (it is {task.status}); the result was not recorded")
            worker = self.workers.get(worker_id)
            if worker:
                worker.held.discard(task_id)
            task.result = result
            task.finished_at = time.monotonic()
            if result["success"] or not result.get("retryable"):
                task.status = "completed" if result["success"] else "failed"
            elif task.attempt < task.max_attempts:
                task.status, task.assigned_to = "pending", None
                self.queue.append(task_id)
            else:
                task.status = "dead"
            self.changed.notify_all()
        return 200, {"task_id": task_id, "status": "received"}

    def _result(self, r: Request):
        worker_id = r.body.get("worker_id")
        if not isinstance(worker_id, str) or not worker_id:
            return _error(400, "missing_field", "missing field 'worker_id'")
        status, answer = self._report(worker_id, r.params["task_id"], r.body)
        r.outcomes = [(r.params["task_id"], r.body.get("lease"), status)]
        return status, answer

    def _legacy_result(self, r: Request):
        task_id, worker_id = r.body.get("task_id"), r.body.get("worker_id")
        if not isinstance(task_id, str) or not task_id:
            return _error(400, "missing_field", "missing field 'task_id'")
        if not isinstance(worker_id, str) or not worker_id:
            return _error(400, "missing_field", "missing field 'worker_id'")
        status, answer = self._report(worker_id, task_id, r.body)
        r.outcomes = [(task_id, r.body.get("lease"), status)]
        return status, answer

    def _results(self, r: Request):
        if "results" not in r.body:
            return _error(400, "missing_field", "missing field 'results'")
        items = r.body["results"]
        if not isinstance(items, list) or not 1 <= len(items) <= 1000:
            return _error(400, "invalid_field", "field 'results' must be an array of 1 to 1000 result objects")
        for index, item in enumerate(items):  # one malformed element refuses the whole batch, as in d8
            if not isinstance(item, dict):
                return _error(400, "invalid_field", f"results[{index}]: a result must be an object, got {_kind(item)}")
            if not isinstance(item.get("task_id"), str) or not item["task_id"]:
                return _error(400, "missing_field", f"results[{index}]: missing field 'task_id'")
            if not isinstance(item.get("result"), dict):
                return _error(400, "missing_field", f"results[{index}]: missing field 'result'")
            if not isinstance(item["result"].get("success"), bool):
                return _error(400, "missing_field", f"results[{index}]: missing field 'result.success' (true or false)")
            lease = item.get("lease")
            if lease is not None and (not isinstance(lease, str) or not lease or len(lease) > 256):
                return _error(400, "invalid_field", f"results[{index}]: field 'lease' must be a non-empty string of at most 256 characters")
        answers, received = [], 0
        for item in items:
            status, answer = self._report(r.params["worker_id"], item["task_id"], item)
            r.outcomes.append((item["task_id"], item.get("lease"), status))
            if status == 200:
                received += 1
                answers.append(answer)
            else:
                answers.append({"task_id": item["task_id"], "status": "refused", "http_status": status,
                                "code": answer["code"], "error": answer["error"]})
        return 200, {"results": answers, "received": received}

    def _unregister(self, r: Request):
        return self._drop(r.params["worker_id"])

    def _legacy_unregister(self, r: Request):
        worker_id = r.body.get("worker_id")
        if not isinstance(worker_id, str) or not worker_id:
            return _error(400, "missing_field", "missing field 'worker_id'")
        return self._drop(worker_id)

    def _drop(self, worker_id: str):
        with self.lock:
            worker = self.workers.pop(worker_id, None)
            if worker is None:
                return self._unknown_worker(worker_id)
            self._requeue_held(worker)
            self.changed.notify_all()
        return 200, {"status": "unregistered"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=7001)
    parser.add_argument("--token")
    parser.add_argument("--worker-type", action="append", default=None)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--sleep-ms", type=int, default=0)
    args = parser.parse_args()
    orchestrator = ReferenceOrchestrator(token=args.token, worker_types=tuple(args.worker_type or ["echo"]), port=args.port)
    orchestrator.start()
    for i in range(args.tasks):
        orchestrator.add_task({"n": i, "prompt": f"task {i}", "sleep_ms": args.sleep_ms})
    print(f"listening on {orchestrator.url}; Ctrl-C prints the transcript", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print(orchestrator.transcript(limit=1000))


if __name__ == "__main__":
    main()
