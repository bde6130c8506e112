"""Starting a throwaway ``d8 serve`` for the Python suites (the SDK's and the OpenAI front door's).

Standard library only: both suites put this folder on ``sys.path``.
"""
from __future__ import annotations

import select
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(binary: str, config: Path, port: int, folder: Path, log: Path) -> subprocess.Popen:
    """``d8 serve`` on ``port`` with its data under ``folder``, once it says it listens (15 s at
    most); otherwise it is killed and the error quotes its log."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [binary, "serve", "--config", str(config), "--port", str(port),
             "--data-dir", str(folder / "data"), "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=out, cwd=folder)
    deadline = time.monotonic() + 15
    line = b""
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            break
    if b"listening on" not in line:
        process.kill()
        process.wait()
        process.stdout.close()
        raise RuntimeError(f"d8 serve did not start ({line!r}); its log:\n{log.read_text()}")
    return process
