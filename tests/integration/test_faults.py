"""Faults between oci-push and a real registry (harness/fault_proxy.py): each push either ends with
an image skopeo pulls back intact, or, once the retry budget is spent, with one error line and no tag.
The retries the client made are counted twice: requests seen by the proxy, and "retry N/M" lines."""

import os
import re
import signal
import subprocess
import time

from harness import cli, fixtures
from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy

MiB = 1 << 20
UPLOADS = r"/blobs/uploads/"
# libcurl re-sends a request once by itself when a reused connection dies before any answer, so a
# reset that oci-push must handle is injected twice in a row (the second on a fresh connection).
# Layers a (48 KiB), b (20 MiB of text: ~10.6 MiB of gzip, 3 chunks of 5 MiB) and c (700 KiB), pushed
# one at a time: PATCH 1 is a's, 2-4 are b's, 5 is c's; 4 upload sessions (3 layers and the config).
PATCHES, SESSIONS = 5, 4


def _image(path):
    return fixtures.write_basic(path, repo_tags=("example/faults:1",), big=20 * MiB)


class FaultsTest(IntegrationTestCase):

    def push(self, proxy, *extra, creds=None, tag="app:1"):
        args = [self.path, f"{proxy.host}/{tag}", "-j", "1", "--chunk-size", "5MiB", *extra]
        if creds:
            return self.oci_push(*args, "--username", creds[0], "--password-stdin", stdin=creds[1] + "\n")
        return self.oci_push(*args)

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("faults", _image)

    def retries(self, res):
        return len([line for line in res.stderr_lines if re.match(r"retry \d+/\d+ after ", line)])

    def pushed_intact(self, reg, proxy, res, retries, creds=None):
        self.assertPushed(res, proxy.host, "app")
        self.assertEqual(self.retries(res), retries, res.describe() + "\n" + proxy.describe())
        self.verify(reg, "app", "1", self.img, creds=creds)

    def failed_cleanly(self, reg, res, mark, *expected):
        self.assertExit(res, 1)
        line = self.error_line(res)
        for text in expected:
            self.assertIn(text, line)
        self.assertNoManifest(reg, "app", ["1"], since=mark)
        return line

    # ------------------------------------------------------------------ recovered

    def test_reset_in_the_middle_of_a_patch_resumes_from_the_registry_offset(self):
        reg = self.start_registry()
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[3, 4])]  # b's second chunk, at 5 MiB
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 2)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 2, proxy.describe())
            self.assertEqual(proxy.count("GET", UPLOADS), 1, "one GET asks where to resume")
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS, "no new session")
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_500_on_the_first_put_is_retried(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("PUT", UPLOADS, "status", nth=[1], status=500)]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.count("PUT", UPLOADS), SESSIONS + 1, proxy.describe())
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS)
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_429_waits_for_retry_after(self):
        reg = self.start_registry()
        faults = [Fault("POST", UPLOADS, "status", nth=[1], status=429, headers={"Retry-After": "2"})]
        with FaultProxy(reg.port, faults) as proxy:
            start = time.monotonic()
            res = self.push(proxy)
            elapsed = time.monotonic() - start
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS + 1, proxy.describe())
        self.assertGreaterEqual(elapsed, 2.0, "Retry-After: 2 was not honoured")
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_503_storm_is_ridden_out(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("HEAD", r"/blobs/", "status", nth=[1, 2, 3], status=503)]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 3)
        self.pushed_intact(reg, proxy, res, retries=3)

    def test_first_contact_is_retried_after_a_reset_and_a_503(self):
        # The reset comes first, on a fresh connection: on a reused one curl itself would try again.
        reg = self.start_registry()
        faults = [Fault("GET", r"^/v2/$", "reset", nth=[1]),
                  Fault("GET", r"^/v2/$", "status", nth=[2], status=503)]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy, "--plain-http")
            self.assertEqual(proxy.faults_done, 2)
            self.assertEqual(proxy.count("GET", r"^/v2/$"), 3, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=2)

    def test_first_contact_503_over_the_loopback_http_fallback_is_retried(self):
        """Without --plain-http, oci-push tries https first and falls back to http on loopback;
        a 503 there is a busy registry, retried over http, not reported as the TLS failure."""
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("GET", r"^/v2/$", "status", nth=[1], status=503)]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 1)
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_stalled_response_times_out_and_is_resumed(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "stall", nth=[2], seconds=30)]) as proxy:
            start = time.monotonic()
            res = self.push(proxy, "--stall-timeout", "1s")
            elapsed = time.monotonic() - start
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 1, proxy.describe())
            self.assertEqual(proxy.count("GET", UPLOADS), 1)
        self.assertLess(elapsed, 20, "the stall timeout did not cut the stalled request")
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_truncated_body_is_retried(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("GET", r"/manifests/", "truncate", nth=[1])]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.count("GET", r"/manifests/"), 2, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_range_that_lies_is_not_believed(self):
        # ECR-like: the Range header stops advancing after the first chunk. A reset on b's third
        # chunk (at 10 MiB) then asks GET, which says 5 MiB: the client resumes at its own 10 MiB.
        reg = self.start_registry()
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[4, 5]), Fault("PATCH|GET", UPLOADS, "lie_range")]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertGreaterEqual(faults[1].done, 2, "the proxy never lied")
            self.assertEqual(proxy.count("GET", UPLOADS), 1)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 2, proxy.describe())
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS)
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_201_instead_of_202_on_patch(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "patch_201")]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, PATCHES)
        self.pushed_intact(reg, proxy, res, retries=0)

    def test_401_in_the_middle_is_answered_once_more(self):
        creds = ("ci", "s3cret")
        reg = self.start_registry(auth=creds)
        faults = [Fault("PATCH", UPLOADS, "status", nth=[2], status=401,
                        headers={"WWW-Authenticate": 'Basic realm="test-realm"'})]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy, creds=creds)
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 1, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=0, creds=creds)

    def test_refused_resume_starts_a_fresh_session_from_the_source(self):
        reg = self.start_registry()
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[3, 4]),
                  Fault("GET", UPLOADS, "status", nth=[1], status=404)]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 3)
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS + 1, proxy.describe())
            # b's upload starts over: its 3 chunks again, after the 3 sent (one of them twice by curl)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 3, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=2)

    # ------------------------------------------------------------------ budget spent

    def test_503_forever_gives_up_after_the_retries_without_multiplying(self):
        reg = self.start_registry()
        mark = reg.mark()
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "status", status=503)]) as proxy:
            res = self.push(proxy, "--retries", "2")
            # chunk-level and blob-level retries share one account: 1 try + 2 retries, not 3 x 3
            self.assertEqual(proxy.count("PATCH", UPLOADS), 3, proxy.describe())
        self.failed_cleanly(reg, res, mark, "HTTP 503", "gave up after 2 retries")
        self.assertEqual(self.retries(res), 2)

    def test_retry_after_beyond_the_budget_gives_up_at_once(self):
        reg = self.start_registry()
        mark = reg.mark()
        faults = [Fault("HEAD", r"/blobs/", "status", status=429, headers={"Retry-After": "60"})]
        with FaultProxy(reg.port, faults) as proxy:
            start = time.monotonic()
            res = self.push(proxy, "--retry-budget", "3s")
            self.assertEqual(proxy.count("HEAD", r"/blobs/"), 1, proxy.describe())
        self.assertLess(time.monotonic() - start, 30)
        self.failed_cleanly(reg, res, mark, "HTTP 429", "retry budget of 3s is spent")

    # ------------------------------------------------------------------ interruption

    def test_sigint_during_an_upload_cancels_it_and_tags_nothing(self):
        reg = self.start_registry()
        mark = reg.mark()
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "stall", nth=[2], seconds=60)]) as proxy:
            env = cli.clean_env(self.home)
            p = subprocess.Popen([cli.binary_path(), self.path, f"{proxy.host}/app:1", "-j", "1",
                                  "--chunk-size", "5MiB"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=self.home)
            deadline = time.monotonic() + 30
            while proxy.count("PATCH", UPLOADS) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(proxy.count("PATCH", UPLOADS), 2, proxy.describe())
            start = time.monotonic()
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=20)
            stopped_in = time.monotonic() - start
            self.assertEqual(p.returncode, 130, err.decode())
            self.assertLess(stopped_in, 5, "the stalled request was not aborted")
            self.assertEqual(out, b"")
            self.assertTrue(err.decode().rstrip().endswith("oci-push: error: interrupted; nothing was tagged"),
                            err.decode())
            self.assertGreaterEqual(proxy.count("DELETE", UPLOADS), 1, "the session was not cancelled")
        self.assertNoManifest(reg, "app", ["1"], since=mark)
