"""oci-push pull and push with a bundle that goes wrong on the way: the disk fills up mid-pull, or the
bundle is cut short in transit. One clear line, a non-zero exit, an existing bundle untouched, a new one
never looking complete, and a cut bundle's short blob named by verify and by push.

"The disk fills up" is a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored): every write past it fails as a
full disk's would, with no root and no small filesystem to mount.
"""

import os
import resource
import signal
import subprocess
import unittest

from harness import cli
from harness.pull_base import MiB, PullTestCase, big_layout


def limited(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


class PullDiskFullTest(PullTestCase):

    def setUp(self):
        super().setUp()
        path, lay = self.built("big", big_layout)
        self.img = lay.only
        self.big = max(self.img.layers, key=lambda l: l.size)
        self.reg = self.start_registry()
        self.ref = self.seed(self.reg, path, "1", "app:1")

    def pull_limited(self, dest: str, limit: int) -> subprocess.CompletedProcess:
        return subprocess.run([cli.binary_path(), "pull", "--plain-http", self.ref, dest], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=120, env=cli.clean_env(self.home), cwd=self.home,
                              preexec_fn=limited(limit))

    def assertOneErrorLine(self, p: subprocess.CompletedProcess) -> str:
        self.assertEqual(p.returncode, 1, p.stderr.decode(errors="replace"))
        errors = [l for l in p.stderr.decode(errors="replace").splitlines() if l.startswith("oci-push: error:")]
        self.assertEqual(len(errors), 1, p.stderr.decode(errors="replace"))
        return errors[0]

    def test_a_new_layout_is_not_left_looking_complete(self):
        dest = os.path.join(self.tmp, "layout") + "/"
        line = self.assertOneErrorLine(self.pull_limited(dest, 4 * MiB))
        self.assertIn("File too large", line)  # EFBIG: what the limit makes of a write, as ENOSPC would be
        self.assertEqual(self.names_in(dest), [], "index.json names an image whose blobs are not all there")
        self.assertNotIn(self.big.digest, self.blobs(dest))

    def test_an_existing_tarball_bundle_is_untouched(self):
        dest = os.path.join(self.tmp, "bundle.tar")
        self.assertExit(self.pull(self.ref, dest), 0)
        with open(dest, "rb") as f:
            before = f.read()
        self.assertOneErrorLine(self.pull_limited(dest, 4 * MiB))
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), before, "the existing bundle changed")


class CutBundleTest(PullTestCase):

    def test_a_tarball_cut_short_is_named_by_verify_and_by_push(self):
        path, lay = self.built("big", big_layout)
        big = max(lay.only.layers, key=lambda l: l.size)
        reg = self.start_registry()
        ref = self.seed(reg, path, "1", "app:1")
        dest = os.path.join(self.tmp, "bundle.tar")
        self.assertExit(self.pull(ref, dest), 0)
        with open(dest, "r+b") as f:
            f.truncate(os.path.getsize(dest) // 2)  # the big layer is most of the archive: cut inside it
        res = self.oci_push("verify", dest)
        self.assertExit(res, 1)
        self.assertIn(big.digest[7:], self.error_line(res))
        other = self.start_registry()
        mark = other.mark()
        res = self.oci_push(dest, f"{other.host}/mirror", "--all", "--plain-http")
        self.assertExit(res, 1)
        self.assertIn(big.digest[7:], self.error_line(res))
        self.assertEqual([r for r in other.requests(mark) if r.method == "PUT" and "/manifests/" in r.path], [])


if __name__ == "__main__":
    unittest.main()
