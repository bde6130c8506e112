"""The dashboard in a real browser (headless Chromium through Selenium), against a real
`d8 serve` with two client keys and an admin key, holding tasks in every state: each view
shows what the store holds, sign-in and its cookie, what each key sees, cancel, retry, pause
and resume with their confirmations, and the live refresh and its pause. And /metrics read by
prometheus_client's parser: valid names, counters that only grow, cumulative buckets, and
figures that match /api/stats. The page's DOM and a screenshot are saved under .build/dashboard.

Usage: dashboard_test.py PATH_TO_D8   (make test-browser runs it)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

D8 = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/d8"
ALPHA, BETA, ADMIN, WORKER = "ck-ui-alpha-5d1e", "ck-ui-beta-77a0", "ak-ui-ops-19c4", "wt-ui-0b2f"
SECRETS = [ALPHA, BETA, ADMIN, WORKER]


class Orchestrator:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="d8-ui-")
        config = os.path.join(self.dir, "d8.yaml")
        with open(config, "w") as f:
            f.write(f"""
auth:
  worker_token: {WORKER}
  client_keys:
    - {{ name: alpha, key: {ALPHA} }}
    - {{ name: beta, key: {BETA} }}
  admin_keys:
    - {{ name: ops, key: {ADMIN} }}
queue: {{ max_attempts: 1 }}
budgets: {{ daily_usd: 5, worker_types: {{ pricey: 0 }} }}
worker_types:
  echo: {{ plugin: echo }}
  pricey: {{ plugin: groq, base_url: "http://127.0.0.1:9" }}
task_types:
  echo: {{ route: [echo] }}
  pricey: {{ route: [pricey] }}
""")
        self.process = subprocess.Popen(
            [D8, "serve", "--config", config, "--port", "0", "--data-dir", os.path.join(self.dir, "data"), "--log-level", "error"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.search(r":(\d+)$", line.strip())
        if not match:
            raise RuntimeError(f"d8 serve did not start: {line!r}")
        self.url = f"http://127.0.0.1:{match.group(1)}"

    def api(self, method, path, key, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    def submit(self, key, prompt, task_type="echo"):
        return self.api("POST", "/api/tasks/submit", key, {"type": task_type, "data": {"prompt": prompt}})["task_id"]

    def text(self, path, key):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request) as answer:
            return answer.read().decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d8 = Orchestrator()
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
            options.add_argument(argument)
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.browser.implicitly_wait(2)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.d8.stop()

    def open(self, path):
        self.browser.get(self.d8.url + path)

    def sign_in(self, key):
        self.browser.delete_all_cookies()
        self.open("/ui")
        self.assertIn("/ui/login", self.browser.current_url, "a signed-out browser is sent to the sign-in page")
        self.browser.find_element(By.ID, "key").send_keys(key)
        self.browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait_for(lambda: "/ui/login" not in self.browser.current_url or "not valid" in self.text(), message="the sign-in answer")

    def submit_form(self, xpath, lands_on):
        """Clicks a form's button and waits for the page it redirects to."""
        self.browser.find_element(By.XPATH, xpath).click()
        self.wait_for(lambda: lands_on in self.browser.current_url, message=f"a page with {lands_on}")

    def read(self, by, what):
        """An element's text; the live refresh may replace it between finding and reading."""
        for _ in range(20):
            try:
                return self.browser.find_element(by, what).text
            except StaleElementReferenceException:
                time.sleep(0.05)
        self.fail(f"{what} kept changing")

    def text(self):
        return self.read(By.TAG_NAME, "body")

    def wait_for(self, condition, timeout=10, message="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.2)
        self.fail(f"timed out waiting for {message}")

    def assert_no_secret(self):
        source = self.browser.page_source
        for secret in SECRETS:
            self.assertNotIn(secret, source, "a secret in the page")

    def test_0_every_view_shows_what_the_store_holds(self):
        d8 = self.d8
        d8.api("POST", "/api/workers/register", WORKER, {"worker_id": "state-worker", "worker_type": "echo", "capabilities": {"slots": 8}})
        ids = {name: d8.submit(ALPHA, f"a task to end {name}") for name in ["completed", "failed", "dead", "assigned"]}
        leased = d8.api("GET", "/api/workers/state-worker/tasks?wait=0&max=8", WORKER)["tasks"]
        by_id = {task["task_id"]: task for task in leased}
        def report(name, result):
            task = by_id[ids[name]]
            d8.api("POST", f"/api/tasks/{task['task_id']}/result", WORKER, {"worker_id": "state-worker", "lease": task["lease"], "result": result})
        report("completed", {"success": True, "output": "done", "model": "echo-1", "usage": {"input_tokens": 5, "output_tokens": 2}})
        report("failed", {"success": False, "error": "the provider refused", "retryable": False})
        report("dead", {"success": False, "error": "timed out", "retryable": True})
        ids["cancelled"] = d8.submit(ALPHA, "a task to cancel")
        d8.api("POST", f"/api/tasks/{ids['cancelled']}/cancel", ALPHA)
        ids["pending"] = d8.submit(ALPHA, "a task that waits")
        ids["held"] = d8.submit(ALPHA, "a task no budget admits", task_type="pricey")
        stats = d8.api("GET", "/api/stats", ADMIN)["tasks"]["by_d8_status"]
        for state in ["pending", "assigned", "completed", "failed", "dead", "cancelled", "held"]:
            self.assertGreaterEqual(stats[state], 1, f"{state} in {stats}")

        self.sign_in(ADMIN)
        self.open("/ui")
        for state in ["pending", "assigned", "completed", "failed", "dead", "cancelled", "held"]:
            self.assertEqual(int(self.read(By.CSS_SELECTOR, f"[data-state={state}]")), stats[state], state)
        os.makedirs(".build/dashboard", exist_ok=True)
        self.browser.save_screenshot(".build/dashboard/overview.png")
        with open(".build/dashboard/overview.html", "w") as f:
            f.write(self.browser.page_source)  # the DOM after the page's script ran

        self.open("/ui/tasks")
        self.browser.find_element(By.NAME, "id").send_keys(ids["dead"])
        self.submit_form("//form[@class='find']//button", ids["dead"])
        self.assertEqual(self.read(By.ID, "task-state"), "dead")
        self.assertIn("timed out", self.text())
        self.open(f"/ui/tasks/{ids['completed']}")
        self.assertIn("echo-1", self.text())
        self.assertIn("5 in, 2 out", self.text())
        self.open("/ui/tasks?state=failed")
        self.assertIn(ids["failed"][:8], self.read(By.ID, "task-list"))
        self.open("/ui/queues")
        self.assertIn(ids["held"][:8], self.text(), "the held task and its reason")
        self.open("/ui/workers")
        workers = self.text()
        self.assertIn("state-worker", workers)
        self.assertIn(ids["assigned"][:8], self.browser.page_source, "the worker's current task")
        self.open("/ui/costs")
        self.assertNotIn("internal error", self.text())

        # Cancel and retry through the page change the task.
        self.open(f"/ui/tasks/{ids['pending']}")
        self.submit_form("//button[text()='Cancel']", "done=cancelled")
        self.assertEqual(d8.api("GET", f"/api/tasks/status/{ids['pending']}", ADMIN)["d8_status"], "cancelled")
        self.open(f"/ui/tasks/{ids['failed']}")
        self.submit_form("//button[text()='Retry']", "done=retried")
        retried = self.browser.current_url.split("/ui/tasks/")[1].split("?")[0]
        self.assertEqual(d8.api("GET", f"/api/tasks/status/{retried}", ADMIN)["data"]["prompt"], "a task to end failed")

    def metric_samples(self, text):
        samples = {}
        for family in text_string_to_metric_families(text):
            self.assertRegex(family.name, r"^d8_[a-z_]+$")
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = (family.type, sample.value)
        return samples

    def test_0_metrics_read_by_prometheus_client(self):
        first = self.metric_samples(self.d8.text("/metrics", ADMIN))
        self.d8.submit(ALPHA, "one more for the counters")
        samples = self.metric_samples(self.d8.text("/metrics", ADMIN))
        stats = self.d8.api("GET", "/api/stats", ADMIN)["tasks"]
        for key, (kind, value) in first.items():
            if kind == "counter":
                self.assertGreaterEqual(samples[key][1], value, f"{key} went down")
        self.assertGreater(samples[("d8_tasks_submitted_total", (("task_type", "echo"),))][1],
                           first[("d8_tasks_submitted_total", (("task_type", "echo"),))][1])
        # Buckets are cumulative and end, at +Inf, with the count.
        buckets = {}
        for (name, labels), (kind, value) in samples.items():
            if kind == "histogram" and name.endswith("_bucket"):
                rest = tuple(label for label in labels if label[0] != "le")
                buckets.setdefault((name[: -len("_bucket")], rest), []).append((float(dict(labels)["le"]), value))
        self.assertTrue(buckets, "some histogram")
        for (base, labels), points in buckets.items():
            points.sort()
            counts = [count for _, count in points]
            self.assertEqual(counts, sorted(counts), f"{base}{labels}: buckets not cumulative")
            self.assertEqual(points[-1][0], float("inf"))
            self.assertEqual(points[-1][1], samples[(base + "_count", labels)][1])
        # The figures match /api/stats (a fresh orchestrator: its counters saw every task).
        for state in ["pending", "assigned", "held"]:
            self.assertEqual(samples[("d8_tasks_live", (("status", state),))][1], stats["by_d8_status"][state], state)
        finished = {}
        for (name, labels), (_, value) in samples.items():
            if name == "d8_tasks_finished_total":
                outcome = dict(labels)["outcome"]
                finished[outcome] = finished.get(outcome, 0) + value
        for outcome in ["completed", "failed", "dead", "cancelled"]:
            self.assertEqual(finished.get(outcome, 0), stats["by_d8_status"][outcome], outcome)
        submitted = sum(value for (name, _), (_, value) in samples.items() if name == "d8_tasks_submitted_total")
        self.assertEqual(submitted, stats["total"])

    def test_1_a_wrong_key_is_refused_with_words(self):
        self.sign_in("not-a-key")
        self.assertIn("That key is not valid.", self.text())
        self.assertIsNone(self.browser.get_cookie("d8_session"))

    def test_2_a_client_sees_and_controls_its_own_tasks_only(self):
        mine = self.d8.submit(ALPHA, "alpha's secret plan")
        theirs = self.d8.submit(BETA, "beta's own business")
        self.sign_in(ALPHA)
        self.assertTrue(self.browser.current_url.endswith("/ui"), self.browser.current_url)
        cookie = self.browser.get_cookie("d8_session")
        self.assertIsNotNone(cookie)
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie.get("sameSite"), "Strict")
        self.assertIn("alpha", self.text())
        self.assert_no_secret()

        self.open("/ui/tasks")
        listed = self.read(By.ID, "task-list")
        self.assertIn(mine[:8], listed)
        self.assertNotIn(theirs[:8], listed)

        self.open(f"/ui/tasks/{theirs}")
        self.assertIn(f"no task with id '{theirs}'", self.text())
        self.assertNotIn("beta's own business", self.browser.page_source)

        self.open(f"/ui/tasks/{mine}")
        self.assertIn("alpha's secret plan", self.read(By.ID, "task-data"))
        self.submit_form("//button[text()='Cancel']", "done=cancelled")
        self.assertIn("The task was cancelled.", self.read(By.ID, "notice"))
        self.assertEqual(self.read(By.ID, "task-state"), "cancelled")

        self.submit_form("//button[text()='Retry']", "done=retried")
        self.assertIn("submitted again as a new task", self.read(By.ID, "notice"))
        self.assertNotIn(mine, self.browser.current_url, "the retry is a new task")
        self.assertEqual(self.read(By.ID, "task-state"), "pending")

        # A client key cannot pause a task type.
        self.open("/ui/queues")
        self.assertEqual(self.browser.find_elements(By.XPATH, "//button[text()='Pause']"), [])
        self.assert_no_secret()

    def test_3_live_refresh_and_its_pause(self):
        self.sign_in(ADMIN)
        self.open("/ui")
        pending = lambda: int(self.read(By.CSS_SELECTOR, "[data-state=pending]"))
        before = pending()
        self.d8.submit(BETA, "arrives while the page is open")
        self.wait_for(lambda: pending() == before + 1, message="the live refresh to show the new task")
        self.browser.find_element(By.ID, "live").click()
        self.assertEqual(self.read(By.ID, "live"), "Resume live updates")
        self.d8.submit(BETA, "arrives while paused")
        time.sleep(4)
        self.assertEqual(pending(), before + 1, "paused: the page stays as it was")
        self.browser.find_element(By.ID, "live").click()
        self.wait_for(lambda: pending() == before + 2, message="the refresh to resume")

    def test_4_an_admin_sees_everything_and_pauses_a_task_type(self):
        theirs = self.d8.submit(BETA, "beta's task, seen by ops")
        self.sign_in(ADMIN)
        self.open(f"/ui/tasks/{theirs}")
        self.assertIn("beta's task, seen by ops", self.read(By.ID, "task-data"))
        self.open("/ui/queues")
        self.submit_form("//form[contains(@action, '/task-types/echo/pause')]/button", "done=paused")
        self.assertIn("The task type is paused", self.read(By.ID, "notice"))
        # A worker finds nothing of a paused type; resumed, it does.
        self.d8.api("POST", "/api/workers/register", WORKER, {"worker_id": "ui-w", "worker_type": "echo", "capabilities": {"slots": 1}})
        self.assertIsNone(self.d8.api("GET", "/api/workers/ui-w/tasks?wait=0", WORKER)["task"])
        self.submit_form("//form[contains(@action, '/task-types/echo/resume')]/button", "done=resumed")
        self.assertIn("running again", self.read(By.ID, "notice"))
        self.assertIsNotNone(self.d8.api("GET", "/api/workers/ui-w/tasks?wait=2", WORKER)["task"])
        for page in ["/ui", "/ui/queues", "/ui/tasks", "/ui/workers", "/ui/costs"]:
            self.open(page)
            self.assertNotIn("internal error", self.text(), page)
            self.assert_no_secret()
        self.submit_form("//button[text()='Sign out']", "/ui/login")
        self.open("/ui/workers")
        self.assertIn("/ui/login", self.browser.current_url, "signed out means signed out")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
