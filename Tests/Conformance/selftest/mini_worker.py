#!/usr/bin/env python3
"""A small d8 worker in standard-library Python, for testing the conformance kit itself.

Without --fault it follows every rule of the kit (it is a second, independent worker that must
pass). Each --fault breaks one rule the way a real worker might, and the self-test checks that
the kit's test for that rule fails. It echoes each task's data after sleeping `data.sleep_ms`.

    mini_worker.py --orchestrator URL --type echo --slots 2 [--token T] [--fault NAME ...]
"""
import argparse
import json
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

FAULTS = {
    "no-token": "never sends the Authorization header",
    "no-content-type": "sends its JSON bodies without Content-Type: application/json (urllib's form type instead)",
    "wrong-type": "registers with another worker type than it was given",
    "greedy": "asks for all its slots in every poll, even while busy",
    "no-heartbeat": "sends no heartbeats (its long-polls only)",
    "no-lease": "reports results without their lease",
    "first-lease": "reports every attempt of a task with the lease of its first attempt",
    "retry-409": "sends a refused (409) result again and again",
    "lease-after-sigterm": "goes on polling after SIGTERM",
    "quick-exit": "exits at once on SIGTERM, dropping the task it runs",
    "hot-loop": "retries an unreachable orchestrator without pausing",
    "exit-when-away": "exits when the orchestrator cannot be reached",
    "no-reregister": "does not register again after a 404",
    "drop-result-when-away": "drops a result it cannot deliver",
    "one-at-a-time": "always polls with max=1 (a SHOULD)",
}


class Unreachable(Exception):
    pass


class Worker:
    def __init__(self, args):
        self.url = args.orchestrator.rstrip("/")
        self.type = args.type
        self.slots = args.slots
        self.token = args.token
        self.faults = set(args.fault or [])
        self.poll_wait = args.poll_wait
        self.id = args.worker_id or f"mini-{uuid.uuid4().hex[:8]}"
        self.cond = threading.Condition()
        self.registered = False
        self.epoch = 0
        self.interval = 30.0
        self.busy = 0
        self.draining = False
        self.results = []  # (task_id, lease, result) waiting to be sent
        self.sending = 0
        self.first_leases = {}

    def has(self, fault):
        return fault in self.faults

    # ---- HTTP ----
    def call(self, method, path, body=None, timeout=15.0):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None and not self.has("no-content-type"):
            request.add_header("Content-Type", "application/json")
        if self.token and not self.has("no-token"):
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            try:
                return error.code, json.loads(error.read() or b"null")
            except ValueError:
                return error.code, None
        except (OSError, ValueError) as error:
            if self.has("exit-when-away"):
                print(f"orchestrator unreachable ({error}); exiting", flush=True)
                import os
                os._exit(1)
            raise Unreachable(str(error))

    def backoff(self, attempt):
        if self.has("hot-loop"):
            return 0.0
        return min(10.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0)

    def pause(self, seconds):
        with self.cond:
            self.cond.wait_for(lambda: self.draining and not self.has("lease-after-sigterm"), timeout=seconds)

    # ---- registration ----
    def register(self):
        attempt = 0
        while not self.draining:
            worker_type = self.type + "-x" if self.has("wrong-type") else self.type
            try:
                status, answer = self.call("POST", "/api/workers/register", {
                    "worker_id": self.id, "worker_type": worker_type, "capabilities": {"slots": self.slots}})
            except Unreachable:
                status, answer = None, None
            if status == 200:
                with self.cond:
                    self.registered = True
                    self.epoch += 1
                    self.interval = float(answer.get("heartbeat_interval_s", 30))
                    self.cond.notify_all()
                print(f"registered as {self.id}", flush=True)
                return
            self.pause(self.backoff(attempt))
            attempt += 1

    def forget(self):
        if self.has("no-reregister"):
            return
        with self.cond:
            self.registered = False
            self.cond.notify_all()

    # ---- leasing ----
    def lease_loop(self):
        attempt = 0
        while True:
            with self.cond:
                if self.draining and not self.has("lease-after-sigterm"):
                    return
                registered = self.registered
            if not registered:
                self.register()
                continue
            with self.cond:
                if self.has("greedy"):
                    wanted = self.slots
                else:
                    self.cond.wait_for(lambda: self.busy < self.slots or (self.draining and not self.has("lease-after-sigterm")))
                    if self.draining and not self.has("lease-after-sigterm"):
                        return
                    wanted = self.slots - self.busy
            if self.has("one-at-a-time"):
                wanted = 1
            try:
                status, answer = self.call("GET", f"/api/workers/{self.id}/tasks?wait={self.poll_wait}&max={wanted}",
                                           timeout=self.poll_wait + 15)
            except Unreachable:
                status, answer = None, None
            if status == 404:
                self.forget()
                if self.has("no-reregister"):
                    self.pause(0.5)
                continue
            if status != 200:
                self.pause(self.backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            for task in answer.get("tasks", [answer["task"]] if answer.get("task") else []):
                with self.cond:
                    if self.draining and not self.has("lease-after-sigterm"):
                        break  # the unregister hands it back
                    self.busy += 1
                threading.Thread(target=self.run, args=(task,), daemon=True).start()

    def run(self, task):
        data = task.get("data") or {}
        time.sleep(float(data.get("sleep_ms", 0) or 0) / 1000)
        result = {"success": True, "output": json.dumps(data)}
        lease = task.get("lease")
        self.first_leases.setdefault(task["task_id"], lease)
        if self.has("first-lease"):
            lease = self.first_leases[task["task_id"]]
        with self.cond:
            # The result is queued before the slot is given back, so a drain that waits for
            # free slots and then for the queue cannot miss it.
            self.results.append((task["task_id"], lease, result))
            self.busy -= 1
            self.cond.notify_all()

    # ---- results ----
    def report_loop(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.results)
                item = self.results.pop(0)
                self.sending += 1
            self.send(item)
            with self.cond:
                self.sending -= 1
                self.cond.notify_all()

    def send(self, item):
        task_id, lease, result = item
        body = {"worker_id": self.id, "result": result}
        if lease is not None and not self.has("no-lease"):
            body["lease"] = lease
        attempt = 0
        give_up = time.monotonic() + 120
        while time.monotonic() < give_up:
            try:
                status, _ = self.call("POST", f"/api/tasks/{task_id}/result", body)
            except Unreachable:
                status = None
                if self.has("drop-result-when-away"):
                    return
            if status == 200:
                return
            if status is not None and 400 <= status < 500:
                if self.has("retry-409"):
                    time.sleep(0.2)
                    continue
                return  # refused: final
            time.sleep(self.backoff(attempt))
            attempt += 1

    # ---- heartbeats ----
    def heartbeat_loop(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.registered)
                epoch, interval = self.epoch, self.interval
            time.sleep(interval)
            with self.cond:
                if not self.registered or self.epoch != epoch:
                    continue
            try:
                status, _ = self.call("POST", f"/api/workers/{self.id}/heartbeat")
            except Unreachable:
                continue
            if status == 404:
                with self.cond:
                    if self.epoch == epoch:
                        self.forget()

    # ---- life ----
    def main(self):
        def on_sigterm(signum, frame):
            if self.has("quick-exit"):
                sys.exit(0)
            with self.cond:
                self.draining = True
                self.cond.notify_all()
        signal.signal(signal.SIGTERM, on_sigterm)
        for target in [self.lease_loop, self.report_loop] + ([] if self.has("no-heartbeat") else [self.heartbeat_loop]):
            threading.Thread(target=target, daemon=True).start()
        with self.cond:
            while not self.draining:
                self.cond.wait(0.5)
            deadline = time.monotonic() + 30
            while (self.busy or self.results or self.sending) and time.monotonic() < deadline:
                self.cond.wait(0.1)
        if self.has("lease-after-sigterm"):
            time.sleep(5)
        try:
            self.call("POST", f"/api/workers/{self.id}/unregister")
        except Unreachable:
            pass
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orchestrator", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--slots", type=int, default=1)
    parser.add_argument("--token", default="")
    parser.add_argument("--worker-id")
    parser.add_argument("--poll-wait", type=float, default=20.0)
    parser.add_argument("--fault", action="append", choices=sorted(FAULTS))
    sys.exit(Worker(parser.parse_args()).main())


if __name__ == "__main__":
    main()
