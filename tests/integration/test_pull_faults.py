"""oci-push pull over a bad network: a blob response cut in the middle is continued with `Range: bytes=N-`
in the same run; a run killed (kill -9) in the middle of a blob leaves blobs/sha256/<hex>.partial, which the
next run continues; a blob that does not match its digest is not kept; blob GETs redirected to another
host (as S3-backed registries do) are followed without sending the registry's credentials there.

harness/blob_proxy.py stands between oci-push and the registry (it sees request headers, so a Range is
visible, and cuts or holds *responses*); harness/blob_redirect.py is the redirecting registry front and
its storage host on 127.0.0.2. What was pulled is checked with skopeo and umoci."""

import os
import re
import signal
import subprocess
import time
import unittest

from harness import cli
from harness.blob_proxy import BlobProxy, Cut, range_start
from harness.blob_redirect import BlobRedirect
from harness.pull_base import MiB, PullTestCase, big_layout, reachable, single_layout

CUT = 5 * MiB
USER = "puller"
PASSWORD = "s3cr3t-Pull-pa55"   # distinctive, so a leak is unmistakable


def blob_re(digest: str) -> str:
    return re.escape(f"/blobs/{digest}") + "$"


class PullResumeTest(PullTestCase):

    def setUp(self):
        super().setUp()
        self.path, lay = self.built("big", big_layout)
        self.img = lay.only
        self.big = self.img.layers[-1]
        self.assertGreater(self.big.size, 3 * CUT, "the big layer must be big enough to cut")
        self.reg = self.start_registry()
        self.seed(self.reg, self.path, "1", "app:1")
        self.want = self.registry_raw(f"{self.reg.host}/app:1")

    def assertPulledWhole(self, dest: str, ref: str) -> None:
        """The image is complete in dest: no .partial, every blob right, skopeo and umoci agree."""
        self.assertEqual(self.partials(dest), [], "a .partial is left after success")
        self.assertEqual(self.blobs(dest), reachable(self.img))
        self.assertEqual(self.layout_raw(dest, ref), self.want)
        self.assertOwnFile(self.unpack(dest, ref), "pull-big", 32 * MiB)

    def test_cut_response_continued_with_range(self):
        for action in ("close", "reset"):
            cut = Cut("GET", blob_re(self.big.digest), action, CUT, nth=[1])
            with self.subTest(action=action), BlobProxy(self.reg.port, [cut]) as proxy:
                ref = f"{proxy.host}/app:1"
                dest = os.path.join(self.tmp, f"cut-{action}")
                res = self.pull(ref, f"oci:{dest}")
                self.assertExit(res, 0, proxy.describe())
                gets = proxy.seen("GET", blob_re(self.big.digest))
                self.assertEqual(gets[0].outcome, action, proxy.describe())
                starts = [range_start(g.headers) for g in gets[1:]]
                self.assertTrue(starts and starts[0] is not None and 0 < starts[0] <= CUT,
                                f"the retry must ask for bytes={CUT}- (or from what arrived)\n"
                                f"{proxy.describe()}")
                self.assertLess(sum(g.sent for g in gets), self.big.size + CUT,
                                f"the layer was fetched again from its first byte\n{proxy.describe()}")
                self.assertPulledWhole(dest, ref)

    def kill_mid_blob(self, proxy, ref: str, dest: str) -> int:
        """Start the pull, wait until the big layer's response is held after CUT bytes and its .partial
        stops growing, kill -9 the process; returns the .partial's size."""
        partial = os.path.join(dest, "blobs", "sha256", self.big.digest[7:] + ".partial")
        p = subprocess.Popen([cli.binary_path(), "pull", "--plain-http", ref, f"oci:{dest}"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=cli.clean_env(self.home), cwd=self.home)
        try:
            deadline = time.monotonic() + 60
            while not proxy.wait_held(0.2):
                self.assertIsNone(p.poll(), f"the pull ended (exit {p.returncode}) before the held response")
                self.assertLess(time.monotonic(), deadline, "the pull never reached the held response\n"
                                + proxy.describe())
            self.wait_stable(partial)
            self.assertIsNone(p.poll(), "the pull ended while its response was held")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
        held = sorted(os.listdir(os.path.dirname(partial))) if os.path.isdir(os.path.dirname(partial)) else []
        self.assertTrue(os.path.isfile(partial),
                        f"no {os.path.relpath(partial, dest)} after kill -9; blobs/sha256 holds {held}")
        return os.path.getsize(partial)

    def wait_stable(self, path: str, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            size = os.path.getsize(path) if os.path.exists(path) else -1
            if size != last:
                last, since = size, time.monotonic()
            elif size > 0 and time.monotonic() - since > 0.5:
                return size
            time.sleep(0.05)
        return last

    def test_killed_mid_blob_continues_from_partial(self):
        cut = Cut("GET", blob_re(self.big.digest), "hold", CUT, nth=[1])
        with BlobProxy(self.reg.port, [cut]) as proxy:
            ref = f"{proxy.host}/app:1"
            dest = os.path.join(self.tmp, "killed")
            have = self.kill_mid_blob(proxy, ref, dest)
            self.assertTrue(0 < have <= CUT, f".partial holds {have} bytes; {CUT} were sent")
            self.assertFalse(os.path.exists(os.path.join(dest, "blobs", "sha256", self.big.digest[7:])),
                             "the unfinished blob is under its final name")
            self.assertNotIn(ref, self.names_in(dest),
                             "index.json names an image whose blobs are not all there")
            proxy.cuts.clear()
            mark = proxy.mark()
            res = self.pull(ref, f"oci:{dest}")
            self.assertExit(res, 0, proxy.describe())
            gets = proxy.seen("GET", blob_re(self.big.digest), since=mark)
            self.assertTrue(gets, proxy.describe())
            self.assertEqual(range_start(gets[0].headers), have,
                             f"the second run must continue with Range: bytes={have}-\n{proxy.describe()}")
            self.assertEqual(sum(g.sent for g in gets), self.big.size - have,
                             f"bytes the .partial held were fetched again\n{proxy.describe()}")
            self.assertPulledWhole(dest, ref)
            self.assertIn(ref, self.names_in(dest))


class PullIntegrityTest(PullTestCase):

    def test_corrupt_blob_not_kept(self):
        path, lay = self.built("single", single_layout)
        img = lay.only
        own = img.layers[-1]
        reg = self.start_registry()
        self.seed(reg, path, "1.0", "app:1")
        dest = os.path.join(self.tmp, "corrupt")
        with BlobProxy(reg.port, [Cut("GET", blob_re(own.digest), "corrupt", 1000)]) as proxy:
            ref = f"{proxy.host}/app:1"
            res = self.pull("--retries", "1", ref, f"oci:{dest}")
            self.assertExit(res, 1, proxy.describe())
            self.assertIn(own.digest[7:], self.error_line(res), "the error line must name the blob")
            self.assertNotIn(own.digest, self.blobs(dest), "a blob that does not match its digest was kept")
            self.assertNotIn(ref, self.names_in(dest))
            proxy.cuts.clear()
            self.assertExit(self.pull(ref, f"oci:{dest}"), 0, "a clean second pull must succeed")
            self.assertEqual(self.partials(dest), [])
            self.assertEqual(self.layout_raw(dest, ref), img.manifest_bytes)
            self.assertOwnFile(self.unpack(dest, ref), "pull-single", 400 * 1024)


class PullRedirectTest(PullTestCase):

    def test_blob_redirects_followed_without_credentials(self):
        path, lay = self.built("single", single_layout)
        img = lay.only
        reg = self.start_registry(auth=(USER, PASSWORD))
        self.seed(reg, path, "1.0", "app:1", creds=(USER, PASSWORD))
        for status in (307, 302):
            with self.subTest(status=status), BlobRedirect(reg, status) as front:
                ref = f"{front.host}/app:1"
                dest = os.path.join(self.tmp, f"redirected-{status}")
                res = self.pull("--username", USER, "--password-stdin", ref, f"oci:{dest}",
                                stdin=PASSWORD + "\n")
                self.assertExit(res, 0, f"front:\n{front.describe()}\nstorage:\n{front.storage.describe()}")
                self.assertNotIn(PASSWORD, res.stdout + res.stderr)
                self.assertStorageServed(front, reachable(img) - {img.digest})
                self.assertEqual(self.layout_raw(dest, ref), img.manifest_bytes)
                self.assertEqual(self.blobs(dest), reachable(img))
                self.assertOwnFile(self.unpack(dest, ref), "pull-single", 400 * 1024)

    def assertStorageServed(self, front, digests: set[str]) -> None:
        seen = front.storage.seen()
        detail = "storage:\n" + front.storage.describe()
        self.assertEqual({s.path.rsplit("/", 1)[1] for s in seen if s.method == "GET"}, digests,
                         "every blob must be fetched from the storage host\n" + detail)
        self.assertEqual([s.uri for s in seen if "authorization" in s.headers], [],
                         "the registry's Authorization header went to the storage host\n" + detail)
        self.assertTrue(all(s.status in (200, 206) for s in seen), detail)
        self.assertEqual(set(front.redirected), digests, "front:\n" + front.describe())


if __name__ == "__main__":
    unittest.main()
