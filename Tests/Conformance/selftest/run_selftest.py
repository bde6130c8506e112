#!/usr/bin/env python3
"""Checks that the conformance kit can fail: each rule's test is run against mini_worker.py
with the fault that breaks that rule and must fail, with a message that names the fault; and
the whole kit against the faultless mini worker must pass (with --strict-should).

    python3 Tests/Conformance/selftest/run_selftest.py [--only FAULT ...] [--skip-clean] [-v]

Run it with a Python that has pytest (it runs the kit with its own interpreter).

Exit status 0 when every expectation holds. About three minutes.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.dirname(HERE)
WORKER = f"{sys.executable} {HERE}/mini_worker.py --orchestrator {{url}} --type {{type}} --slots {{slots}} [--token {{token}}]"

# fault -> {test that must fail with it: words its failure message must contain}, so that a
# fault caught for another reason (a timeout of something else, say) does not count.
REGISTER, OPEN = "test_register_first_with_its_type_and_the_token", "test_register_without_a_token"
SIGTERM, SIGTERM_POLL = "test_sigterm_stops_leasing_and_drains", "test_sigterm_with_a_poll_in_flight"
SLOTS, LEASE, RESTART = "test_leases_no_more_than_its_free_slots", "test_results_carry_the_lease_of_their_attempt", \
    "test_survives_an_orchestrator_restart"
EXPECTED = {
    "no-token": {REGISTER: "401"},
    "no-content-type": {REGISTER: "unsupported_media_type", OPEN: "unsupported_media_type"},
    "wrong-type": {REGISTER: "unknown_worker_type", OPEN: "unknown_worker_type"},
    "greedy": {SLOTS: "while surely holding"},
    "no-heartbeat": {"test_heartbeats_while_idle": "silent for", "test_heartbeats_while_busy": "silent for"},
    "no-lease": {LEASE: "carries no lease"},
    "first-lease": {LEASE: "the second attempt"},
    "retry-409": {LEASE: "was refused with 409 and sent"},
    "lease-after-sigterm": {SIGTERM: "lease requests after SIGTERM", SIGTERM_POLL: "lease requests after SIGTERM"},
    "quick-exit": {SIGTERM: "was not reported", SIGTERM_POLL: "was not reported"},
    "hot-loop": {RESTART: "no backoff"},
    "exit-when-away": {RESTART: "the worker exited"},
    "no-reregister": {RESTART: "to register (epoch 1)"},
    "drop-result-when-away": {RESTART: "finished while the orchestrator was away"},
    "one-at-a-time": {SLOTS: "SHOULD: the first poll"},  # a SHOULD: run with --strict-should
}


def run(command: str, tests, extra=()) -> dict:
    """Runs the kit; returns test name -> (outcome, message): passed, failed or skipped, and the
    failure's message."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.xml")
        argv = [sys.executable, "-m", "pytest", KIT, "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                f"--worker-cmd={command}", *extra]
        if tests:
            argv += ["-k", " or ".join(tests)]
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        outcomes = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            kinds = {child.tag for child in case}
            failure = next((child for child in case if child.tag in ("failure", "error")), None)
            message = (failure.get("message") or "") if failure is not None else ""
            outcomes[case.get("name")] = ("failed" if failure is not None else "skipped" if "skipped" in kinds else "passed",
                                          message.splitlines()[0] if message else "")
        return outcomes


def check_fault(fault: str, verbose: bool) -> list:
    """Runs the rule tests of `fault` against the mini worker with it; what they missed."""
    tests = EXPECTED[fault]
    outcomes = run(f"{WORKER} --fault {fault}", tests, ["--strict-should"] if fault == "one-at-a-time" else [])
    missed = []
    for test, reason in tests.items():
        outcome, message = outcomes.get(test, ("not run", ""))
        if outcome != "failed":
            missed.append(f"{test} ({outcome})")
        elif reason.lower() not in message.lower():
            missed.append(f"{test} (failed, but not for the fault: {message!r}, expected {reason!r})")
        if verbose:
            print(f"    {test}: {outcome}: {message}")
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(EXPECTED))
    parser.add_argument("--skip-clean", action="store_true", help="do not run the whole kit against the faultless worker")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failure's message")
    args = parser.parse_args()
    problems = []
    if not args.skip_clean:
        outcomes = run(WORKER, None, ["--strict-should"])
        bad = {name: outcome for name, outcome in outcomes.items() if outcome[0] != "passed"}
        print(f"faultless mini worker: {len(outcomes) - len(bad)}/{len(outcomes)} passed" + (f", not: {bad}" if bad else ""))
        if bad or not outcomes:
            problems.append("the faultless mini worker does not pass")
    for fault in args.only or sorted(EXPECTED):
        missed = check_fault(fault, args.verbose)
        if missed:  # on a loaded machine a timing rule may trip first: one more try, printed too
            print(f"--fault {fault:22} missed once ({'; '.join(missed)}); trying again")
            missed = check_fault(fault, args.verbose)
        print(f"--fault {fault:22} " + ("caught by " + ", ".join(EXPECTED[fault]) if not missed else f"NOT CAUGHT by {'; '.join(missed)}"))
        if missed:
            problems.append(f"{fault} not caught by {', '.join(missed)}")
    if problems:
        print("self-test FAILED: " + "; ".join(problems))
        return 1
    print("self-test passed: every fault fails its rule's test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
