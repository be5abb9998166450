"""Faults between oci-push and a real registry (harness/fault_proxy.py): each push either ends with
an image skopeo pulls back intact, or, once the retry budget is spent, with one error line and no tag.
The retries the client made are counted twice: requests seen by the proxy, and "retry N/M" lines."""

import os
import stat
import re
import signal
import subprocess
import time

from harness import cli, fixtures
from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy

MiB = 1 << 20
UPLOADS = r"/blobs/uploads/"
# Layers a (48 KiB), b (20 MiB of text: ~10.6 MiB of gzip) and c (700 KiB). a, c and the config are
# small blobs (<= 1 MiB stored): each one POST ?digest= with its body (distribution 2.8 answers 202) and
# one PUT ?digest= with the body, no PATCH; they go beside b even with -j 1. b, with --chunk-size 5MiB,
# is 3 streamed PATCHes (Transfer-Encoding: chunked, no Content-Range: 5, 5 and ~0.8 MiB) and an empty
# PUT ?digest=, so PATCH n is b's nth. 4 upload sessions (POSTs): a, b, c and the config.
# A streamed PATCH cannot be rewound, so libcurl never re-sends one by itself (it did re-send the old
# in-memory chunks on a reused connection, which is why resets used to be injected twice in a row): a
# single reset is a single retry of oci-push.
PATCHES, SESSIONS = 3, 4


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
        return self.verify(reg, "app", "1", self.img, creds=creds)

    def failed_cleanly(self, reg, res, mark, *expected):
        self.assertExit(res, 1)
        line = self.error_line(res)
        for text in expected:
            self.assertIn(text, line)
        self.assertNoManifest(reg, "app", ["1"], since=mark)
        return line

    def assertNothingSentTwice(self, proxy, verified, lost):
        """Every byte of b reached the registry exactly once (forwarded PATCH bytes == b's size), and
        what oci-push sent beyond that is exactly the `lost` bytes of the faulted requests."""
        b_size = verified.manifest["layers"][1]["size"]
        forwarded = proxy.forwarded_body_bytes("PATCH", UPLOADS)
        self.assertEqual(forwarded, b_size, proxy.describe())
        self.assertEqual(proxy.body_bytes("PATCH", UPLOADS) - forwarded, lost, proxy.describe())

    # ------------------------------------------------------------------ recovered

    def test_reset_in_the_middle_of_a_patch_resumes_from_the_registry_offset(self):
        reg = self.start_registry()
        # b's second PATCH (at 5 MiB), reset after 2 MiB of its body: the registry saw none of it
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[2], after_bytes=2 * MiB)]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 1, proxy.describe())
            self.assertEqual(proxy.count("GET", UPLOADS), 1, "one GET asks where to resume")
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS, "no new session")
        verified = self.pushed_intact(reg, proxy, res, retries=1)
        # the old check of re-sent Content-Range chunks, in bytes: only the 2 MiB cut off were sent again
        self.assertNothingSentTwice(proxy, verified, lost=2 * MiB)

    def test_500_on_the_first_put_is_retried(self):
        reg = self.start_registry()
        # PUT 1 is a small blob's PUT ?digest= with its body: sent again on the same session
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
        # cold, with an empty cache, the only blob HEAD is the config's (its digest is known up front)
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
        # b's second PATCH: read whole, never forwarded nor answered
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "stall", nth=[2], seconds=30)]) as proxy:
            start = time.monotonic()
            res = self.push(proxy, "--stall-timeout", "1s")
            elapsed = time.monotonic() - start
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 1, proxy.describe())
            self.assertEqual(proxy.count("GET", UPLOADS), 1)
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS, "no new session")
        self.assertLess(elapsed, 20, "the stall timeout did not cut the stalled request")
        verified = self.pushed_intact(reg, proxy, res, retries=1)
        self.assertNothingSentTwice(proxy, verified, lost=5 * MiB)

    def test_truncated_body_is_retried(self):
        reg = self.start_registry()
        with FaultProxy(reg.port, [Fault("GET", r"/manifests/", "truncate", nth=[1])]) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.count("GET", r"/manifests/"), 2, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=1)

    def test_range_that_lies_is_not_believed(self):
        # ECR-like: the Range header stops advancing after b's first PATCH. A reset on b's third PATCH
        # (at 10 MiB) then asks GET, which says 5 MiB: the client resumes at its own 10 MiB, the end of
        # the last PATCH the registry acknowledged.
        reg = self.start_registry()
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[3], after_bytes=MiB // 2),
                  Fault("PATCH|GET", UPLOADS, "lie_range")]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertEqual(faults[0].done, 1)
            self.assertGreaterEqual(faults[1].done, 2, "the proxy never lied")
            self.assertEqual(proxy.count("GET", UPLOADS), 1)
            self.assertEqual(proxy.count("PATCH", UPLOADS), PATCHES + 1, proxy.describe())
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS)
        verified = self.pushed_intact(reg, proxy, res, retries=1)
        # believing the lie would have sent 10 MiB - 5 MiB again (and broken the blob)
        self.assertNothingSentTwice(proxy, verified, lost=MiB // 2)

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
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS, "no new session")
        # A 401 on a streamed PATCH (whose body cannot be sent again by the request layer) now renews the
        # credentials and resumes the blob on its retry account: one "retry 1/5 ... credentials were
        # renewed" line, where the old in-memory chunk was re-sent silently (retries=0).
        verified = self.pushed_intact(reg, proxy, res, retries=1, creds=creds)
        self.assertNothingSentTwice(proxy, verified, lost=5 * MiB)

    def test_refused_resume_starts_a_fresh_session_from_the_source(self):
        reg = self.start_registry()
        # b's third PATCH is reset; the GET that asks where to resume is answered 404 (session gone)
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[3]),
                  Fault("GET", UPLOADS, "status", nth=[1], status=404)]
        with FaultProxy(reg.port, faults) as proxy:
            res = self.push(proxy)
            self.assertEqual(proxy.faults_done, 2)
            self.assertEqual(proxy.count("POST", UPLOADS), SESSIONS + 1, proxy.describe())
            # b's upload starts over in the new session: its 3 PATCHes again, after the 3 sent
            self.assertEqual(proxy.count("PATCH", UPLOADS), 2 * PATCHES, proxy.describe())
            self.assertEqual(proxy.count("GET", UPLOADS), 1, proxy.describe())
        self.pushed_intact(reg, proxy, res, retries=1)

    # ------------------------------------------------------------------ budget spent

    def test_503_forever_gives_up_after_the_retries_without_multiplying(self):
        reg = self.start_registry()
        mark = reg.mark()
        with FaultProxy(reg.port, [Fault("PATCH", UPLOADS, "status", status=503)]) as proxy:
            res = self.push(proxy, "--retries", "2")
            # request-level and blob-level retries share one account: 1 try + 2 retries, not 3 x 3
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

    def interrupt_at(self, proxy, fault):
        """Run oci-push through the proxy, SIGINT it once `fault` holds its request; (stdout, stderr,
        seconds it took to stop)."""
        env = cli.clean_env(self.home)
        p = subprocess.Popen([cli.binary_path(), self.path, f"{proxy.host}/app:1", "-j", "1",
                              "--chunk-size", "5MiB"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=self.home)
        try:
            self.assertTrue(proxy.wait_for_fault(30, fault=fault), proxy.describe())
            self.assertIsNone(p.poll(), proxy.describe())
            start = time.monotonic()
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=20)
            stopped_in = time.monotonic() - start
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 130, err.decode())
        self.assertLess(stopped_in, 5, "the held request was not aborted")
        self.assertEqual(out, b"")
        self.assertTrue(err.decode().rstrip().endswith("oci-push: error: interrupted; nothing was tagged"),
                        err.decode())
        return out, err

    def session_files(self):
        d = os.path.join(self.home, ".cache", "oci-push", "uploads")
        return [os.path.join(d, f) for f in os.listdir(d)] if os.path.isdir(d) else []

    def test_sigint_during_an_upload_cancels_it_and_tags_nothing(self):
        # The old check "the session was DELETEd" no longer holds for a big blob: its session is kept
        # (remembered under uploads/ of the digest cache) for the next run to resume. Checked: the held
        # PATCH is aborted at once, no DELETE of b's session, the session file (0600), nothing tagged.
        reg = self.start_registry()
        mark = reg.mark()
        fault = Fault("PATCH", UPLOADS, "hold", nth=[2], after_bytes=MiB)
        with FaultProxy(reg.port, [fault]) as proxy:
            self.interrupt_at(proxy, fault)
            b_session = proxy.requests("PATCH", UPLOADS)[0].path
            self.assertEqual(proxy.count("DELETE", UPLOADS), 0, "b's session was cancelled\n" + proxy.describe())
        files = self.session_files()
        self.assertEqual(len(files), 1, files)
        self.assertEqual(stat.S_IMODE(os.stat(files[0]).st_mode), 0o600)
        with open(files[0]) as f:
            self.assertIn(b_session.rsplit("/", 1)[-1], f.read())
        self.assertNoManifest(reg, "app", ["1"], since=mark)

    def test_sigint_during_a_small_blobs_put_deletes_its_session(self):
        # A small blob's session is not kept: SIGINT while its PUT is held cancels it with DELETE.
        reg = self.start_registry()
        mark = reg.mark()
        fault = Fault("PUT", UPLOADS, "hold", nth=[1])
        with FaultProxy(reg.port, [fault]) as proxy:
            self.interrupt_at(proxy, fault)
            held = proxy.requests("PUT", UPLOADS)[0].path
            deletes = [e.path for e in proxy.requests("DELETE", UPLOADS)]
            self.assertIn(held, deletes, proxy.describe())
            patched = {e.path for e in proxy.requests("PATCH", UPLOADS)}
            self.assertFalse(patched & set(deletes), "the big blob's session was cancelled\n" + proxy.describe())
        self.assertNoManifest(reg, "app", ["1"], since=mark)
