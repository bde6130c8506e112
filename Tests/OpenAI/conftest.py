"""One throwaway d8 for the whole OpenAI front door suite: ``d8 serve`` (SQLite in a temp folder, a
free port, client keys with daily budgets, a worker token) and ``d8 worker`` processes whose groq
plugin reaches the fake provider (fake_provider.py, in this process) through ``base_url``.

The binary is ``$D8_BINARY`` (default ``<repo>/.build/debug/d8``), the plugins ``$D8_PLUGINS_DIR``
(default ``<repo>/Plugins``). Tests tell their requests apart in the fake's log by a nonce in the
user text, so they can share the orchestrator and the fakes.

Worker types (each a worker process):
  groq       -> the good fake, 4 slots        groq_good -> the good fake, 2 slots
  groq_bad   -> a fake that answers 500 always lane      -> the good fake, 1 slot (queueing tests)
  echo       -> the echo plugin (no execute_stream: streams as one delta)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx2 as httpx  # the HTTP client the openai package ships with
import openai
import pytest

from fake_provider import FakeProvider

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))  # what the repository's Python suites share
from d8serve import free_port, start_serve  # noqa: E402

D8_BINARY = os.environ.get("D8_BINARY", str(REPO / ".build" / "debug" / "d8"))
PLUGINS_DIR = str(Path(os.environ.get("D8_PLUGINS_DIR", str(REPO / "Plugins"))).resolve())
WORKER_TOKEN = "wt-openai-5d1e"
CLIENT_KEY = "ck-openai-rich-90a1"
POOR_KEY = "ck-openai-poor-13f7"
POOR_BUDGET_USD = 0.01

CONFIG = """
server: {{ durability: process }}
queue:
  heartbeat_interval: 1s
  worker_timeout: 10s
  task_timeout: 30s
  retry_backoff: 100ms
  retry_backoff_max: 300ms
  max_attempts: 2
  max_long_poll: 5s
plugins: {{ dir: {plugins} }}
openai: {{ timeout: 30s, keepalive: 1s }}
auth:
  worker_token: {worker_token}
  client_keys:
    - {{ name: tester, key: {client_key}, daily_budget_usd: 100 }}
    - {{ name: poor, key: {poor_key}, daily_budget_usd: {poor_budget} }}
worker_types:
  groq: {{ plugin: groq, base_url: "{good}", api_key: fake-key, slots: 4 }}
  groq_good: {{ plugin: groq, base_url: "{good}", api_key: fake-key, slots: 2 }}
  groq_bad: {{ plugin: groq, base_url: "{bad}", api_key: fake-key, slots: 2 }}
  lane: {{ plugin: groq, base_url: "{good}", api_key: fake-key, slots: 1 }}
  echo: {{ plugin: echo, slots: 2 }}
models:
  fast: {{ route: [groq, echo], strategy: cheapest, max_cost_usd: 0.01 }}
  fallback: {{ route: [groq_bad, groq_good], strategy: ordered }}
  broken: {{ route: [groq_bad] }}
  tiny: {{ route: [groq], max_cost_usd: 0.0000001 }}
"""

WORKER_TYPES = ["groq", "groq_good", "groq_bad", "lane", "echo"]


def eventually(condition: Callable[[], Any], timeout: float = 10, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class D8:
    """``d8 serve`` and its workers, in one folder."""

    def __init__(self, folder: Path, good: FakeProvider, bad: FakeProvider) -> None:
        if not os.access(D8_BINARY, os.X_OK):
            raise RuntimeError(f"no d8 binary at {D8_BINARY}: build it, or point D8_BINARY at one")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "d8.yaml"
        self.config.write_text(CONFIG.format(
            plugins=PLUGINS_DIR, worker_token=WORKER_TOKEN, client_key=CLIENT_KEY, poor_key=POOR_KEY,
            poor_budget=POOR_BUDGET_USD, good=good.url, bad=bad.url))
        self.log = folder / "d8.log"
        self.workers: List[subprocess.Popen] = []
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "D8":
        self.process = start_serve(D8_BINARY, self.config, self.port, self.folder, self.log)
        for worker_type in WORKER_TYPES:
            with open(self.folder / f"worker-{worker_type}.log", "ab") as log:
                self.workers.append(subprocess.Popen(
                    [D8_BINARY, "worker", "--type", worker_type, "--config", str(self.config),
                     "--orchestrator", self.url, "--token", WORKER_TOKEN, "--id", f"w-{worker_type}",
                     "--plugins-dir", PLUGINS_DIR, "--poll-wait", "5", "--drain-timeout", "2",
                     "--log-level", "warning"],
                    stdout=log, stderr=subprocess.STDOUT, cwd=self.folder))
        eventually(lambda: set(WORKER_TYPES) <= self.registered_types(), 20,
                   f"workers of {WORKER_TYPES} registered (logs in {self.folder})")
        return self

    def registered_types(self) -> set:
        for worker in self.workers:
            if worker.poll() is not None:
                raise RuntimeError(f"a worker exited with {worker.returncode}: {worker.args}\n" + "\n".join(
                    p.read_text() for p in self.folder.glob("worker-*.log")))
        try:
            stats = self.http().get("/api/stats").json()
        except (httpx.HTTPError, ValueError):
            return set()
        by_type = (stats.get("workers") or {}).get("by_type") or {}
        return {name for name, count in by_type.items() if count}

    def http(self, key: str = CLIENT_KEY, timeout: float = 30) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=timeout)

    def sdk(self, key: str = CLIENT_KEY, **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        options.setdefault("timeout", 30)
        return openai.OpenAI(base_url=self.url + "/v1", api_key=key, **options)

    def task(self, task_id: str, key: str = CLIENT_KEY) -> Dict[str, Any]:
        with self.http(key) as http:
            answer = http.get(f"/api/tasks/status/{task_id}")
            if answer.status_code == 404:
                answer = http.get("/api/tasks/status", params={"task_id": task_id})
            answer.raise_for_status()
            return answer.json()

    def stats(self, key: str = CLIENT_KEY) -> Dict[str, Any]:
        with self.http(key) as http:
            return http.get("/api/stats").json()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        for process in self.workers + ([self.process] if self.process else []):
            if process.poll() is None:
                process.terminate()
        for process in self.workers + ([self.process] if self.process else []):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="session")
def fake():
    provider = FakeProvider(slow_token_delay=0.25).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def bad_fake():
    provider = FakeProvider(fail_status=500).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def d8(tmp_path_factory, fake, bad_fake):
    orchestrator = D8(tmp_path_factory.mktemp("d8-openai"), fake, bad_fake).start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture
def sdk(d8):
    return d8.sdk()


@pytest.fixture
def nonce():
    return uuid.uuid4().hex[:10]


def pytest_runtest_makereport(item, call):
    """On a failure, the tail of d8's logs goes into the report."""
    if call.when == "call" and call.excinfo is not None and "d8" in item.fixturenames:
        orchestrator = item.funcargs.get("d8")
        if orchestrator is not None:
            item.add_report_section("call", "d8 logs", orchestrator.logs())


def error_body(error: openai.APIStatusError) -> Dict[str, Any]:
    """The ``error`` object of an OpenAI error answer, read from the raw body."""
    body = json.loads(error.response.text)
    assert set(body) == {"error"}, body
    assert {"message", "type", "param", "code"} <= set(body["error"]), body
    return body["error"]
