"""Fixtures that run the real orchestrator (``d8 serve``) and Python echo workers as processes.

The binary is ``$D8_BINARY``, by default ``<repo>/.build/debug/d8``. Each test gets its own
orchestrator on a free loopback port, with a temporary config and SQLite database, so tests
cannot see each other's tasks or workers.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

import pytest

PACKAGE = Path(__file__).resolve().parents[1]  # clients/python
REPO = PACKAGE.parents[1]
sys.path.insert(0, str(PACKAGE))  # the tests run against the source, installed or not

import d8client  # noqa: E402

sys.path.insert(0, str(REPO / "Tests" / "support"))  # what the repository's Python suites share
from d8serve import free_port, start_serve  # noqa: E402

D8_BINARY = os.environ.get("D8_BINARY", str(REPO / ".build" / "debug" / "d8"))
ECHO_WORKER = PACKAGE / "examples" / "echo_worker.py"
WORKER_TOKEN = "wt-pysdk-3f9c1a"
CLIENT_KEY = "ck-pysdk-77b2e0"

# Short clocks so that heartbeats, retries and long-polls show within seconds. `parked` tasks
# route to a worker type no test runs, so they stay queued until cancelled.
CONFIG = """
server: {{ durability: process }}
queue:
  heartbeat_interval: 1s
  worker_timeout: 10s
  task_timeout: 30s
  retry_backoff: 100ms
  retry_backoff_max: 500ms
  max_attempts: 3
  max_long_poll: 10s
plugins: {{ dir: {plugins} }}
worker_types:
  pyecho: {{ plugin: pyecho, slots: 4 }}
  idle: {{ plugin: idle }}
task_types:
  echo: {{ route: [pyecho] }}
  evolution_mutation: {{ route: [pyecho] }}
  evolution_crossover: {{ route: [pyecho] }}
  parked: {{ route: [idle] }}
{auth}
"""

AUTH = f"""
auth:
  worker_token: {WORKER_TOKEN}
  client_keys:
    - {{ name: pysdk, key: {CLIENT_KEY} }}
"""


class Orchestrator:
    """One ``d8 serve`` with its own folder; ``restart`` keeps the port and the database."""

    def __init__(self, folder: Path, auth: bool = False, port: Optional[int] = None) -> None:
        if not os.access(D8_BINARY, os.X_OK):
            raise RuntimeError(f"no d8 binary at {D8_BINARY}: build it, or point D8_BINARY at one")
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "d8.yaml"
        self.config.write_text(CONFIG.format(plugins=folder / "plugins", auth=AUTH if auth else ""))
        self.log = folder / "d8.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Orchestrator":
        self.process = start_serve(D8_BINARY, self.config, self.port, self.folder, self.log)
        return self

    def stop(self) -> None:
        """SIGTERM, as an operator stops it: it answers long-polls and closes the store."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, token: Optional[str] = None) -> d8client.Client:
        return d8client.Client(self.url, token=token, timeout=10)


class WorkerProcess:
    """``examples/echo_worker.py`` as a process, run the way its docs say: from the source tree
    with PYTHONPATH, not installed."""

    def __init__(self, url: str, folder: Path, worker_id: str, slots: int = 2, delay_ms: int = 0,
                 token: Optional[str] = None, worker_type: str = "pyecho") -> None:
        self.worker_id = worker_id
        self.log = folder / f"{worker_id}.log"
        args = [sys.executable, str(ECHO_WORKER), "--orchestrator", url, "--type", worker_type,
                "--slots", str(slots), "--worker-id", worker_id, "--delay-ms", str(delay_ms), "--poll-wait", "5"]
        if token:
            args += ["--token", token]
        env = dict(os.environ, PYTHONPATH=str(PACKAGE))
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)

    def wait_registered(self, client: d8client.Client, timeout: float = 10) -> None:
        eventually(lambda: self.worker_id in worker_ids(client), timeout, f"worker {self.worker_id} registered\n{self.text()}")

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def worker_ids(client: d8client.Client) -> List[str]:
    return [w["worker_id"] for w in client.workers()["workers"]]


def eventually(condition: Callable[[], object], timeout: float = 10, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def d8(tmp_path):
    orchestrator = Orchestrator(tmp_path).start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture
def d8_auth(tmp_path):
    orchestrator = Orchestrator(tmp_path, auth=True).start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture
def client(d8):
    return d8.client()


@pytest.fixture
def spawn_worker(tmp_path):
    """Starts echo workers; whatever is still running at the end of the test is killed."""
    started: List[WorkerProcess] = []

    def spawn(url: str, worker_id: str = "py-echo", **options) -> WorkerProcess:
        worker = WorkerProcess(url, tmp_path, worker_id, **options)
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        worker.kill()
