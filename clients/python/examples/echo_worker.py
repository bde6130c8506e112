#!/usr/bin/env python3
"""A d8 worker in Python that answers every task with its own data, as d8's C echo plugin
(Plugins/Echo/echo.c) does: ``output`` is the task's data as JSON text, with ``model`` "echo",
a rough token count and no cost. ``response`` repeats the output under the older protocol's
name, and an evolution task also gets a ``genome``: a copy of its parent (``genome`` of a
mutation, ``genome1`` of a crossover), which has the parent's keys and value kinds as d8 asks.

    env PYTHONPATH=clients/python python3 clients/python/examples/echo_worker.py \\
        --orchestrator http://127.0.0.1:7001 --type echo --slots 4
"""
import argparse
import json
import logging
import time

import d8client

#: What the echo plugin says of itself: one free model, so the orchestrator's cost estimates are 0.
DESCRIPTION = {
    "name": "echo-python", "version": d8client.__version__, "task_types": ["*"], "default_model": "echo",
    "models": [{"id": "echo", "input_usd_per_mtok": 0, "output_usd_per_mtok": 0}], "limits": {},
}


class EchoWorker(d8client.Worker):
    def __init__(self, *args, delay_ms: int = 0, **kwargs):
        super().__init__(*args, capabilities=DESCRIPTION, **kwargs)
        self.delay = delay_ms / 1000

    def run(self, task):
        data = task.get("data")
        if not isinstance(data, dict):
            raise d8client.TaskFailure('echo: the task has no "data" object')
        if self.delay:
            time.sleep(self.delay)
        text = json.dumps(data, separators=(",", ":"))
        tokens = len(json.dumps(task)) // 4  # a rough stand-in for a tokenizer, as echo.c has it
        result = {"output": text, "response": text, "model": "echo",
                  "usage": {"input_tokens": tokens, "output_tokens": tokens}, "cost_usd": 0}
        if str(task.get("type", "")).startswith("evolution"):
            parent = data.get("genome", data.get("genome1"))
            if isinstance(parent, dict):
                result["genome"] = json.loads(json.dumps(parent))
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orchestrator", required=True, help="the orchestrator's URL, like http://127.0.0.1:7001")
    parser.add_argument("--type", required=True, help="the worker type to serve (a name under worker_types)")
    parser.add_argument("--slots", type=int, default=1, help="tasks run at once (default 1)")
    parser.add_argument("--token", help="the orchestrator's worker token (auth.worker_token)")
    parser.add_argument("--worker-id", help="default: one unique to this process")
    parser.add_argument("--delay-ms", type=int, default=0, help="sleep this long in each task, as a slow provider would")
    parser.add_argument("--poll-wait", type=float, default=20.0, help="seconds each long-poll for tasks may wait (default 20)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = EchoWorker(args.orchestrator, args.type, slots=args.slots, token=args.token,
                        worker_id=args.worker_id, delay_ms=args.delay_ms, poll_wait=args.poll_wait)
    worker.serve_forever()


if __name__ == "__main__":
    main()
