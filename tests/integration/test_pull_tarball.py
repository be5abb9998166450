"""oci-push pull into a tarball: one file that is at once a `docker save` archive (manifest.json with
RepoTags, loaded by podman) and an OCI layout (skopeo's oci-archive: transport reads it), as Docker 25
writes them; written in place beside its name, and continued by the next run after a kill -9 (completed blobs
kept, a half-written one continued from the prefix the journal noted).

Read back only by tools nobody here wrote: Python's tarfile, skopeo (oci-archive:), podman load (vfs
storage, in the test's own directories) and a push into a second registry checked with skopeo.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import unittest

from harness import cli
from harness.blob_proxy import BlobProxy, Cut, range_start
from harness.pull_base import MiB, PullTestCase, big_layout, multi_layout, reachable, single_layout

PODMAN = "/usr/bin/podman"


def tar_members(path: str) -> dict[str, bytes]:
    """Every regular file of the tarball by name, read with Python's tarfile."""
    out = {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            if m.isfile():
                out[m.name] = t.extractfile(m).read()
    return out


class PullTarballTest(PullTestCase):

    def setUp(self):
        super().setUp()
        self.path, lay = self.built("multi", multi_layout)
        self.idx = lay.only
        self.reg = self.start_registry()
        self.ref = self.seed(self.reg, self.path, "multi", "team/app:2")

    def test_tarball_is_a_docker_save_and_an_oci_archive(self):
        dest = os.path.join(self.tmp, "bundle.tar")
        res = self.pull(self.ref, dest)
        self.assertExit(res, 0)
        self.assertFalse(os.path.exists(dest + ".partial"), "the .partial is left after success")
        files = tar_members(dest)
        self.assertEqual(json.loads(files["oci-layout"]).get("imageLayoutVersion"), "1.0.0")
        blobs = {"sha256:" + n.rsplit("/", 1)[1]: data for n, data in files.items() if n.startswith("blobs/sha256/")}
        self.assertEqual(set(blobs), reachable(self.idx), "the tarball's blobs are not the image's")
        for digest, data in blobs.items():
            self.assertEqual("sha256:" + hashlib.sha256(data).hexdigest(), digest, f"{digest} holds other bytes")
        index = json.loads(files["index.json"])
        self.assertEqual([m["digest"] for m in index["manifests"]], [self.idx.digest])
        self.assertEqual(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], self.ref)
        raw = self.skopeo_ok("inspect", "--raw", f"oci-archive:{dest}:{self.ref}").stdout
        self.assertEqual(raw, self.idx.index_bytes, "the OCI side does not hold the index as served")
        saved = json.loads(files["manifest.json"])
        amd64 = next(img for img in self.idx.images if img.platform.endswith("/amd64"))
        self.assertEqual(saved, [{"Config": "blobs/sha256/" + amd64.config_digest[7:], "RepoTags": [self.ref],
                                  "Layers": ["blobs/sha256/" + l.digest[7:] for l in amd64.layers]}])
        self.assertPodmanLoads(dest, self.ref)
        self.assertExit(self.oci_push("verify", dest), 0)

    def test_tarball_pushed_back_keeps_every_digest(self):
        dest = os.path.join(self.tmp, "bundle.tar")
        self.assertExit(self.pull(self.ref, dest), 0)
        other = self.start_registry()
        res = self.oci_push(dest, f"{other.host}/mirror", "--all", "--plain-http")
        self.assertExit(res, 0)
        self.assertEqual(self.registry_raw(f"{other.host}/mirror/team/app:2"), self.idx.index_bytes)
        for img in self.idx.images:
            self.assertEqual(self.registry_raw(f"{other.host}/mirror/team/app@{img.digest}"), img.manifest_bytes)

    def test_existing_file_that_is_no_bundle_is_refused_untouched(self):
        dest = os.path.join(self.tmp, "notes.txt")
        with open(dest, "w") as f:
            f.write("precious\n")
        res = self.pull(self.ref, dest)
        self.assertExit(res, 1)
        self.assertIn("not a bundle", self.error_line(res))
        with open(dest) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertFalse(os.path.exists(dest + ".partial"))

    def assertPodmanLoads(self, tarball: str, name: str) -> None:
        store = tempfile.mkdtemp(prefix="pd", dir="/tmp")  # podman wants a runroot under 50 characters
        self.addCleanup(shutil.rmtree, store, True)
        base = [PODMAN, "--root", os.path.join(store, "root"), "--runroot", os.path.join(store, "run"),
                "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"]
        p = subprocess.run(base + ["load", "-i", tarball], capture_output=True, timeout=300)
        self.assertEqual(p.returncode, 0, f"podman load failed:\n{(p.stdout + p.stderr).decode(errors='replace')}")
        p = subprocess.run(base + ["images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True, timeout=60)
        self.assertIn(name, p.stdout.decode().split(), (p.stdout + p.stderr).decode(errors="replace"))


class PullTarballResumeTest(PullTestCase):

    def test_killed_pull_keeps_the_blobs_it_completed_and_continues_the_half_written_one(self):
        path, lay = self.built("big", big_layout)
        img = lay.only
        big = max(img.layers, key=lambda l: l.size)
        reg = self.start_registry()
        self.seed(reg, path, "1", "app:1")
        dest = os.path.join(self.tmp, "big.tar")
        with BlobProxy(reg.port, [Cut("GET", "/blobs/" + big.digest, "hold", 12 * MiB, nth=[1])]) as proxy:
            ref = f"{proxy.host}/app:1"
            self.kill_when_held(proxy, ref, dest)
            self.assertTrue(os.path.isfile(dest + ".partial"), "no .partial after kill -9")
            self.assertFalse(os.path.exists(dest), "an unfinished tarball under its final name")
            # the journal notes the big blob's written prefix every 8 MiB: of the 12 MiB sent, 8 and more
            noted = [int(line.split()[2]) for line in open(dest + ".partial.done")
                     if line.startswith(f"part {big.digest} ")]
            self.assertTrue(noted and 8 * MiB <= noted[-1] <= 12 * MiB, f"journal notes {noted}")
            proxy.cuts.clear()
            mark = proxy.mark()
            res = self.pull(ref, dest)
            self.assertExit(res, 0, proxy.describe())
            again = {g.path.rsplit("/", 1)[1] for g in proxy.seen("GET", "/blobs/", since=mark)}
            small = {l.digest for l in img.layers if l is not big}
            self.assertFalse(again & small, f"completed blobs were fetched again\n{proxy.describe()}")
            gets = proxy.seen("GET", "/blobs/" + big.digest, since=mark)
            self.assertEqual([range_start(g.headers) for g in gets][:1], [noted[-1]],
                             f"the half-written blob must continue from its noted prefix\n{proxy.describe()}")
            self.assertEqual(sum(g.sent for g in gets), big.size - noted[-1], proxy.describe())
        self.assertFalse(os.path.exists(dest + ".partial"))
        self.assertEqual(hashlib.sha256(tar_members(dest)["blobs/sha256/" + big.digest[7:]]).hexdigest(),
                         big.digest[7:], "the continued blob in the tarball")
        raw = self.skopeo_ok("inspect", "--raw", f"oci-archive:{dest}:{ref}").stdout
        self.assertEqual(hashlib.sha256(raw).hexdigest(), img.digest[7:])
        self.assertExit(self.oci_push("verify", dest), 0)

    def kill_when_held(self, proxy, ref: str, dest: str) -> None:
        p = subprocess.Popen([cli.binary_path(), "pull", "--plain-http", ref, dest], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli.clean_env(self.home),
                             cwd=self.home)
        try:
            deadline = time.monotonic() + 60
            while not proxy.wait_held(0.2):
                self.assertIsNone(p.poll(), "the pull ended before the held response")
                self.assertLess(time.monotonic(), deadline, proxy.describe())
            time.sleep(1.0)  # the small blobs finish meanwhile
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)


if __name__ == "__main__":
    unittest.main()
