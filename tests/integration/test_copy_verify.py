"""oci-push copy (registry to registry, every platform, byte for byte; blobs mounted inside one registry)
and oci-push verify (every manifest, index, config and layer a layout reaches, by digest and size).

Fixtures are umoci-built layouts (harness/pull_base.py) put into registries by skopeo; copies are checked
with skopeo and oci-image-tool (harness/oci_verify.py), broken layouts are made by hand from good ones."""

import os
import urllib.parse
import unittest

from harness import oci_fixtures as of
from harness.pull_base import PullTestCase, multi_layout, reachable, single_layout


def mounted(reg, repo: str, since) -> list[str]:
    """Digests of the blobs mounted into repo (POST .../blobs/uploads/?mount=D&from=R answered 201)."""
    out = []
    for r in reg.requests(since):
        if r.method == "POST" and r.path == f"/v2/{repo}/blobs/uploads/" and r.status == 201:
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.uri).query)
            out += q.get("mount", [])
    return out


class CopyTest(PullTestCase):

    def setUp(self):
        super().setUp()
        self.path, lay = self.built("multi", multi_layout)
        self.idx = lay.only
        self.reg_a = self.start_registry()
        self.src = self.seed(self.reg_a, self.path, "multi", "team/app:2")

    def test_copy_between_registries(self):
        reg_b = self.start_registry()
        res = self.oci_push("copy", "--plain-http", self.src, f"{reg_b.host}/mirror/app:2", "-t", "extra")
        self.assertExit(res, 0)
        want = self.registry_raw(self.src)
        for tag in ("2", "extra"):
            self.assertEqual(self.registry_raw(f"{reg_b.host}/mirror/app:{tag}"), want,
                             f"mirror/app:{tag} is not the source's index, byte for byte")
        self.verify_index(reg_b, "mirror/app", "2", self.idx, same_bytes=True)
        self.assertEqual(sorted(self.tags(reg_b, "mirror/app")), ["2", "extra"])

    def test_copy_from_file_skips_what_is_there_after_heads(self):
        path, lay = self.built("single", single_layout)
        solo = self.seed(self.reg_a, path, "1.0", "solo:1")
        reg_b = self.start_registry()
        self.assertExit(self.oci_push("copy", "--plain-http", solo, f"{reg_b.host}/solo:1"), 0)
        listing = os.path.join(self.tmp, "mirror.list")
        with open(listing, "w") as f:
            f.write(f"# a mirror's list\n{solo} {reg_b.host}/solo:1\n\n{self.src} {reg_b.host}/mirror/app:2\n")
        mark_a, mark_b = self.reg_a.mark(), reg_b.mark()
        res = self.oci_push("copy", "--plain-http", "--from-file", listing)
        self.assertExit(res, 0)
        solo_writes = [r for r in reg_b.requests(mark_b) if r.method != "HEAD" and r.path.startswith("/v2/solo/")]
        self.assertEqual(solo_writes, [], "the pair DST already had was read or written again")
        self.assertEqual(self.registry_raw(f"{reg_b.host}/mirror/app:2"), self.registry_raw(self.src))
        self.assertEqual(self.registry_raw(f"{reg_b.host}/solo:1"), lay.only.manifest_bytes)
        solo_gets = [r for r in self.reg_a.requests(mark_a) if r.method == "GET" and r.path.startswith("/v2/solo/")]
        self.assertEqual(solo_gets, [], "the pair DST already had was read with GETs")
        heads = [r for r in self.reg_a.requests(mark_a) if r.method == "HEAD" and r.path == "/v2/solo/manifests/1"]
        self.assertEqual(len(heads), 1, self.reg_a.describe_requests(mark_a))
        self.assertEqual(len(res.stdout.splitlines()), 2, res.describe())

    def test_copy_from_file_sends_a_blob_shared_by_two_target_repositories_once(self):
        # Layers and the config alike: uploaded to B once, mounted into the other repository.
        path, lay = self.built("single", single_layout)
        solo = self.seed(self.reg_a, path, "1.0", "solo:1")
        reg_b = self.start_registry()
        listing = os.path.join(self.tmp, "fanout.list")
        with open(listing, "w") as f:
            f.write(f"{solo} {reg_b.host}/one:1\n{solo} {reg_b.host}/two:1\n")
        mark_a, mark_b = self.reg_a.mark(), reg_b.mark()
        self.assertExit(self.oci_push("copy", "--plain-http", "-j", "2", "--from-file", listing), 0)
        log = reg_b.describe_requests(mark_b)
        layers = [layer.digest for layer in lay.only.layers]
        blobs = layers + [lay.only.config_digest]
        sent = [urllib.parse.parse_qs(urllib.parse.urlsplit(r.uri).query).get("digest", [""])[0]
                for r in reg_b.requests(mark_b) if r.method == "PUT" and "/blobs/uploads/" in r.path and r.status == 201]
        into = {repo: mounted(reg_b, repo, mark_b) for repo in ("one", "two")}
        for d in blobs:
            self.assertEqual(sent.count(d), 1, f"blob {d} was not uploaded exactly once\n{log}")
            self.assertEqual(into["one"].count(d) + into["two"].count(d), 1, f"blob {d}: one mount\n{log}")
        gets = [d for d in self.blob_gets(self.reg_a, mark_a) if d in layers]
        self.assertEqual(sorted(gets), sorted(layers), "each shared layer is read from the source once")
        for repo in ("one", "two"):
            self.assertEqual(self.registry_raw(f"{reg_b.host}/{repo}:1"), lay.only.manifest_bytes)
            self.verify_image(reg_b, repo, "1", lay.only, same_manifest=True)

    def test_copy_list_with_a_bad_line_is_one_usage_error(self):
        listing = os.path.join(self.tmp, "bad.list")
        with open(listing, "w") as f:
            f.write(f"{self.src} 127.0.0.1:1/x:1\njust-one-word\n")
        res = self.oci_push("copy", "--plain-http", "--from-file", listing)
        self.assertExit(res, 2)
        self.assertIn("bad.list:2", self.error_line(res))

    def test_copy_single_image(self):
        path, lay = self.built("single", single_layout)
        src = self.seed(self.reg_a, path, "1.0", "solo:1")
        reg_b = self.start_registry()
        res = self.oci_push("copy", "--plain-http", src, f"{reg_b.host}/solo:copied")
        self.assertExit(res, 0)
        self.assertEqual(self.registry_raw(f"{reg_b.host}/solo:copied"), lay.only.manifest_bytes)
        self.verify_image(reg_b, "solo", "copied", lay.only, same_manifest=True)

    def test_copy_within_registry_mounts(self):
        mark = self.reg_a.mark()
        dst = f"{self.reg_a.host}/other/app:2"
        res = self.oci_push("copy", "--plain-http", self.src, dst)
        self.assertExit(res, 0)
        log = self.reg_a.describe_requests(mark)
        # The configs are read to walk the images (as skopeo does); no layer is downloaded to be copied.
        configs = {img.config_digest for img in self.idx.images}
        layer_gets = [d for d in self.blob_gets(self.reg_a, mark) if d not in configs]
        self.assertEqual(layer_gets, [], f"layers were downloaded to be copied\n{log}")
        blobs = reachable(self.idx) - {self.idx.digest} - {img.digest for img in self.idx.images}
        self.assertEqual(sorted(set(mounted(self.reg_a, "other/app", mark))), sorted(blobs),
                         f"every blob must be mounted from team/app\n{log}")
        self.assertEqual(self.registry_raw(dst), self.registry_raw(self.src))
        self.verify_index(self.reg_a, "other/app", "2", self.idx, same_bytes=True)


class VerifyTest(PullTestCase):

    def layout(self, name: str = "good"):
        """A fresh copy of the umoci multi-arch layout (an index, two platforms, a shared base layer)."""
        path, lay = self.built("multi", multi_layout)
        dest = of.copy_layout(path, os.path.join(self.tmp, name))
        return dest, lay.only

    def assertBroken(self, dest: str, digest: str) -> None:
        res = self.oci_push("verify", dest)
        self.assertExit(res, 1)
        self.assertIn(digest[7:], self.error_line(res), "the error line must name the broken blob")

    def test_good_layouts(self):
        multi, _ = self.layout()
        single_path, _ = self.built("single", single_layout)
        for dest in (multi, of.copy_layout(single_path, os.path.join(self.tmp, "single"))):
            with self.subTest(layout=os.path.basename(dest)):
                res = self.oci_push("verify", dest)
                self.assertExit(res, 0)
                self.assertEqual(len(res.stdout_lines), 1, f"one summary line on stdout\n{res.describe()}")

    def test_pulled_layout(self):
        reg = self.start_registry()
        path, _ = self.built("multi", multi_layout)
        ref = self.seed(reg, path, "multi", "app:1")
        dest = os.path.join(self.tmp, "pulled")
        self.assertExit(self.pull(ref, f"oci:{dest}"), 0)
        res = self.oci_push("verify", dest)
        self.assertExit(res, 0)
        self.assertTrue(res.stdout.strip(), res.describe())

    def test_flipped_byte_in_a_layer(self):
        dest, idx = self.layout("flipped")
        layer = idx.image_for("linux/arm64").layers[-1]      # reached through the index only
        p = of.blob_path(dest, layer.digest)
        with open(p, "r+b") as f:
            f.seek(layer.size // 2)
            byte = f.read(1)
            f.seek(layer.size // 2)
            f.write(bytes([byte[0] ^ 0x01]))
        self.assertBroken(dest, layer.digest)

    def test_truncated_blob(self):
        dest, idx = self.layout("truncated")
        shared = idx.images[0].layers[0]
        with open(of.blob_path(dest, shared.digest), "r+b") as f:
            f.truncate(shared.size - 100)
        self.assertBroken(dest, shared.digest)

    def test_missing_config(self):
        dest, idx = self.layout("no-config")
        config = idx.image_for("linux/amd64").config_digest
        os.unlink(of.blob_path(dest, config))
        self.assertBroken(dest, config)

    def test_missing_platform_manifest(self):
        dest, idx = self.layout("no-manifest")
        manifest = idx.image_for("linux/arm64").digest
        os.unlink(of.blob_path(dest, manifest))
        self.assertBroken(dest, manifest)


if __name__ == "__main__":
    unittest.main()
