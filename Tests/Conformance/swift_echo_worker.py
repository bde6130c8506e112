#!/usr/bin/env python3
"""Starts `d8 worker` with the C Echo plugin for the conformance kit.

The Echo plugin's delay is a setting of its worker type (`delay_ms`, see Plugins/Echo/echo.c),
not of each task, so this writes a config with one worker type whose Echo instance sleeps the
kit's `{delay_ms}` in every execute, then becomes `d8 worker` (exec: same process, so the kit's
SIGTERM reaches it).

    swift_echo_worker.py --d8 .build/debug/d8 --plugins-dir Plugins --workdir {workdir} \
        --delay-ms {delay_ms} --orchestrator {url} --type {type} --slots {slots} --token {token}

Anything after `--` goes to `d8 worker` as is.
"""
import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser(description="d8 worker with the Echo plugin, for the conformance kit")
    parser.add_argument("--d8", required=True, help="the d8 binary")
    parser.add_argument("--plugins-dir", required=True, help="the folder holding libd8_echo.so")
    parser.add_argument("--workdir", required=True, help="where to write the config")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--orchestrator", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--slots", type=int, required=True)
    parser.add_argument("--token", default="")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]

    config = os.path.join(args.workdir, "d8-worker.yaml")
    with open(config, "w") as f:
        f.write(f"worker_types:\n  {args.type}:\n    plugin: echo\n    delay_ms: {args.delay_ms}\n    slots: {args.slots}\n")
    argv = [args.d8, "worker", "--config", config, "--type", args.type, "--orchestrator", args.orchestrator,
            "--slots", str(args.slots), "--plugins-dir", args.plugins_dir]
    if args.token:
        argv += ["--token", args.token]
    argv += rest
    sys.stdout.flush()
    os.execv(args.d8, argv)


if __name__ == "__main__":
    main()
