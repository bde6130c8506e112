"""Fixtures of the worker conformance kit: the worker under test, started from a command
template, and the reference orchestrator it talks to. See README.md."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import warnings
from typing import Optional

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_orchestrator import ReferenceOrchestrator  # noqa: E402

KIT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(KIT))

# Ready-made commands for the workers of this repository (paths from the repository's root).
# {python} is the interpreter running the kit.
PRESETS = {
    "swift": "{python} {kit}/swift_echo_worker.py --d8 {d8} --plugins-dir {plugins} --workdir {workdir} "
             "--delay-ms {delay_ms} --orchestrator {url} --type {type} --slots {slots} [--token {token}]",
    "python": "env PYTHONPATH={repo}/clients/python {python} {repo}/clients/python/examples/echo_worker.py "
              "--orchestrator {url} --type {type} --slots {slots} --delay-ms {delay_ms} [--token {token}]",
}

# Variables that would point a worker elsewhere than the kit's orchestrator, or give it a token
# the test did not.
SCRUBBED_ENV = ("D8_ORCHESTRATOR_URL", "ORCHESTRATOR_URL", "D8_WORKER_TOKEN", "D8_WORKER_ID")


class ConformanceWarning(UserWarning):
    """A SHOULD of the protocol that the worker does not meet."""


def pytest_addoption(parser):
    group = parser.getgroup("d8 worker conformance")
    group.addoption("--worker-cmd", default=os.environ.get("D8_CONFORMANCE_WORKER_CMD"),
                    help="the worker's start command, a template with {url} {type} {slots} {token} {delay_ms} "
                         "{workdir} (and {python} {kit} {repo}); [...] around a part drops it when a placeholder "
                         "in it is empty (env D8_CONFORMANCE_WORKER_CMD). See README.md")
    group.addoption("--worker", choices=sorted(PRESETS), default=os.environ.get("D8_CONFORMANCE_WORKER"),
                    help="a preset command instead of --worker-cmd: swift (d8 worker + Echo) or python "
                         "(clients/python/examples/echo_worker.py) (env D8_CONFORMANCE_WORKER)")
    group.addoption("--d8", default=os.environ.get("D8_CONFORMANCE_D8", os.path.join(REPO, ".build", "debug", "d8")),
                    help="the d8 binary of the swift preset (env D8_CONFORMANCE_D8; default .build/debug/d8)")
    group.addoption("--plugins-dir", default=os.environ.get("D8_CONFORMANCE_PLUGINS", os.path.join(REPO, "Plugins")),
                    help="where the swift preset finds libd8_echo.so (env D8_CONFORMANCE_PLUGINS; default Plugins/)")
    group.addoption("--worker-type", default=os.environ.get("D8_CONFORMANCE_WORKER_TYPE", "echo"),
                    help="the worker type the worker is started with ({type}); default echo")
    group.addoption("--strict-should", action="store_true", default=os.environ.get("D8_CONFORMANCE_STRICT_SHOULD") == "1",
                    help="a SHOULD the worker misses fails its test instead of warning (env D8_CONFORMANCE_STRICT_SHOULD=1)")
    group.addoption("--time-scale", type=float, default=float(os.environ.get("D8_CONFORMANCE_TIME_SCALE", "1")),
                    help="multiplies the kit's waiting bounds, for a slow machine (env D8_CONFORMANCE_TIME_SCALE)")


def pytest_configure(config):
    config.addinivalue_line("markers", "rule(name): the protocol rule a test checks")


def worker_template(config) -> str:
    command = config.getoption("--worker-cmd")
    preset = config.getoption("--worker")
    if command and preset:
        raise pytest.UsageError("give --worker-cmd or --worker, not both")
    if preset:
        command = PRESETS[preset]
        fixed = {"kit": KIT, "repo": REPO, "python": sys.executable, "d8": config.getoption("--d8"),
                 "plugins": config.getoption("--plugins-dir")}
        for key, value in fixed.items():
            command = command.replace("{" + key + "}", shlex.quote(value))
    if not command:
        raise pytest.UsageError("say which worker to test: --worker-cmd 'CMD {url} ...' (or D8_CONFORMANCE_WORKER_CMD), "
                                "or --worker swift|python")
    return command


def render(template: str, values: dict) -> list[str]:
    """The command's argv: placeholders filled (each value one shell word), and each [...] part
    kept only when every placeholder in it has a non-empty value."""
    def optional(match):
        inner = match.group(1)
        names = re.findall(r"\{(\w+)\}", inner)
        return inner if all(values.get(name) not in (None, "") for name in names) else ""

    text = re.sub(r"\[([^\[\]]*)\]", optional, template)

    def fill(match):
        name = match.group(1)
        if name not in values:
            raise pytest.UsageError(f"unknown placeholder {{{name}}} in the worker command")
        return shlex.quote(str(values[name]))

    return shlex.split(re.sub(r"\{(\w+)\}", fill, text))


class WorkerProcess:
    """The worker under test: one process started from the command template."""

    def __init__(self, argv: list[str], workdir: str, env: dict):
        self.argv = argv
        self.log_path = os.path.join(workdir, "worker.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        self.started = time.monotonic()
        self.sigterm_at: Optional[float] = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def sigterm(self) -> float:
        self.sigterm_at = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        return self.sigterm_at

    def wait(self, timeout: float) -> Optional[int]:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def cpu_seconds(self) -> Optional[float]:
        """User plus system CPU time of the worker and its descendants, from /proc (None elsewhere)."""
        try:
            ticks = os.sysconf("SC_CLK_TCK")
            stats = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat") as f:
                            fields = f.read().rsplit(")", 1)[1].split()
                        stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
                    except (OSError, IndexError, ValueError):
                        pass
        except OSError:
            return None
        if self.pid not in stats:
            return None
        total, frontier = 0, {self.pid}
        seen = set()
        while frontier:
            pid = frontier.pop()
            seen.add(pid)
            total += stats[pid][1]
            frontier |= {child for child, (parent, _) in stats.items() if parent == pid and child not in seen}
        return total / ticks

    def stop(self):
        """Ends the worker (and anything it started) if the test left it running."""
        if self.alive():
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(5) is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.wait(5)
        else:
            try:  # children it may have left behind in its session
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()

    def log_tail(self, lines: int = 60) -> str:
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


class Kit:
    """What a test uses: orchestrators, workers, time bounds, SHOULD checks."""

    def __init__(self, request, tmp_path):
        self.config = request.config
        self.node = request.node
        self.tmp_path = tmp_path
        self.template = worker_template(self.config)
        self.worker_type = self.config.getoption("--worker-type")
        self.scale = self.config.getoption("--time-scale")
        self.strict_should = self.config.getoption("--strict-should")
        self.orchestrators: list[ReferenceOrchestrator] = []
        self.workers: list[WorkerProcess] = []

    def seconds(self, value: float) -> float:
        """A waiting bound, stretched by --time-scale."""
        return value * self.scale

    def orchestrator(self, **options) -> ReferenceOrchestrator:
        options.setdefault("worker_types", (self.worker_type,))
        orchestrator = ReferenceOrchestrator(**options).start()
        self.orchestrators.append(orchestrator)
        return orchestrator

    def worker(self, orchestrator: ReferenceOrchestrator, *, slots: int, delay_ms: int = 0,
               token: Optional[str] = None) -> WorkerProcess:
        workdir = self.tmp_path / f"worker{len(self.workers)}"
        workdir.mkdir()
        values = {"url": orchestrator.url, "type": self.worker_type, "slots": slots,
                  "token": token if token is not None else (orchestrator.token or ""),
                  "delay_ms": delay_ms, "workdir": str(workdir),
                  "python": sys.executable, "kit": KIT, "repo": REPO}
        argv = render(self.template, values)
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        worker = WorkerProcess(argv, str(workdir), env)
        orchestrator.note(f"worker started (pid {worker.pid}): {shlex.join(argv)}")
        self.workers.append(worker)
        return worker

    def should(self, condition: bool, message: str):
        """A SHOULD: a warning when missed (a failure with --strict-should)."""
        if condition:
            return
        if self.strict_should:
            pytest.fail("SHOULD: " + message)
        warnings.warn(ConformanceWarning(f"{self.node.name}: SHOULD: {message}"), stacklevel=2)

    def close(self):
        failed = any(getattr(self.node, "rep_" + when, None) is not None and getattr(self.node, "rep_" + when).failed
                     for when in ("setup", "call"))
        for worker in self.workers:
            worker.stop()
        if failed:
            for orchestrator in self.orchestrators:
                print(orchestrator.transcript())
            for worker in self.workers:
                print(f"--- worker log ({shlex.join(worker.argv)}), exit {worker.proc.returncode} ---")
                print(worker.log_tail())
        for orchestrator in self.orchestrators:
            orchestrator.stop()


@pytest.fixture
def kit(request, tmp_path):
    kit = Kit(request, tmp_path)
    yield kit
    kit.close()
