"""oci-push pull: registry -> OCI image layout.

Images are put into the registry by skopeo from umoci-built layouts (harness/pull_base.py), pulled with
oci-push, and what the layout holds is read back by skopeo (`inspect --raw oci:DIR:NAME`, `inspect`) and
umoci (`unpack`, `ls`), never by oci-push. Each REF gets one index.json entry named (ref.name and
io.containerd.image.name) by the reference as given; manifests and indexes are stored byte for byte, so
digests are the registry's; blobs are stored once; a second pull fetches no blob again.
"""

import hashlib
import json
import os
import shutil
import unittest

from harness.pull_base import PullTestCase, multi_layout, pair_layout, reachable, single_layout, tree


class PullTest(PullTestCase):

    def test_single_image(self):
        path, lay = self.built("single", single_layout)
        img = lay.only
        reg = self.start_registry()
        ref = self.seed(reg, path, "1.0", "team/app:1")
        want = self.registry_raw(ref)
        self.assertEqual(want, img.manifest_bytes, "skopeo changed the fixture's manifest")
        dest = os.path.join(self.tmp, "out")
        res = self.pull(ref, f"oci:{dest}")
        self.assertExit(res, 0)
        self.assertLayoutFile(dest)
        self.assertEqual(self.layout_raw(dest, ref), want, "the stored manifest is not the registry's")
        entries = self.entries(dest)
        self.assertEqual(sorted(entries), [ref])
        self.assertEqual(entries[ref]["digest"], img.digest)
        self.assertEqual(entries[ref]["size"], img.size)
        self.assertEqual(self.blobs(dest), reachable(img), "blobs/ holds other blobs than the image's")
        self.assertEqual(self.partials(dest), [])
        self.assertOwnFile(self.unpack(dest, ref), "pull-single", 400 * 1024)
        self.assertEqual(self.umoci("ls", "--layout", dest).split(), [ref])

    def test_multi_platform_index(self):
        path, lay = self.built("multi", multi_layout)
        idx = lay.only
        reg = self.start_registry()
        ref = self.seed(reg, path, "multi", "app:2")
        self.assertEqual(self.registry_raw(ref), idx.index_bytes, "skopeo changed the fixture's index")
        dest = os.path.join(self.tmp, "multi-out") + "/"      # a path ending in '/': a layout
        res = self.pull(ref, dest)
        self.assertExit(res, 0)
        self.assertLayoutFile(dest)
        self.assertEqual(self.layout_raw(dest, ref), idx.index_bytes, "the index was not stored as served")
        self.assertEqual(self.entries(dest)[ref]["digest"], idx.digest)
        self.assertEqual(self.blobs(dest), reachable(idx), "blobs/ must hold every platform's blobs")
        for img in idx.images:
            arch = img.platform.split("/")[1]
            self.assertEqual(self.layout_platform_raw(dest, ref, arch), img.manifest_bytes,
                             f"{arch}: the platform manifest was not stored as served")
            info = self.layout_inspect(dest, ref, arch)
            self.assertEqual((info["Architecture"], info["Labels"]), (arch, img.config["config"]["Labels"]))
            self.assertEqual(info["Layers"], [layer.digest for layer in img.layers])

    def pulled_multi(self):
        """The multi-arch index in registry A, pulled into a layout; (A, ref, index, layout)."""
        path, lay = self.built("multi", multi_layout)
        reg = self.start_registry()
        ref = self.seed(reg, path, "multi", "team/app:2")
        dest = os.path.join(self.tmp, "layout")
        self.assertExit(self.pull(ref, f"oci:{dest}"), 0)
        return reg, ref, lay.only, dest

    def assertSameIndexAt(self, target: str, host: str, idx) -> None:
        raw = self.registry_raw(target)
        self.assertEqual(raw, idx.index_bytes, f"{target} is not the original index")
        repo = target.split("/", 1)[1].rsplit(":", 1)[0]
        for img in idx.images:
            self.assertEqual(self.registry_raw(f"{host}/{repo}@{img.digest}"), img.manifest_bytes,
                             f"{img.platform} manifest at {host}/{repo}")

    def test_pushed_back_with_all(self):
        _, _, idx, dest = self.pulled_multi()
        reg_b = self.start_registry()
        res = self.oci_push(dest, f"{reg_b.host}/mirror", "--all", "--plain-http")
        self.assertExit(res, 0)
        self.assertSameIndexAt(f"{reg_b.host}/mirror/team/app:2", reg_b.host, idx)

    def test_pushed_back_with_registry(self):
        _, _, idx, dest = self.pulled_multi()
        reg_b = self.start_registry()
        res = self.oci_push(dest, "--registry", reg_b.host, "--plain-http")
        self.assertExit(res, 0)
        self.assertSameIndexAt(f"{reg_b.host}/team/app:2", reg_b.host, idx)

    def test_two_refs_share_blobs(self):
        path, lay = self.built("pair", pair_layout)
        a, b = lay.by_name("a"), lay.by_name("b")
        shared = a.layers[0].digest
        self.assertEqual(b.layers[0].digest, shared, "the fixture's images must share a base layer")
        reg = self.start_registry()
        ref_a = self.seed(reg, path, "a", "app:a")
        ref_b = self.seed(reg, path, "b", "other/app:b")
        dest = os.path.join(self.tmp, "existing-empty-dir")
        os.makedirs(dest)
        mark = reg.mark()
        res = self.pull(ref_a, ref_b, dest)
        self.assertExit(res, 0)
        gets = self.blob_gets(reg, mark)
        self.assertEqual(gets.count(shared), 1, f"the shared layer was fetched {gets.count(shared)} times\n"
                                                f"{reg.describe_requests(mark)}")
        self.assertEqual(sorted(gets), sorted((reachable(a) | reachable(b)) - {a.digest, b.digest}),
                         f"every blob once\n{reg.describe_requests(mark)}")
        entries = self.entries(dest)
        self.assertEqual(sorted(entries), sorted([ref_a, ref_b]))
        self.assertEqual((entries[ref_a]["digest"], entries[ref_b]["digest"]), (a.digest, b.digest))
        self.assertEqual(self.blobs(dest), reachable(a) | reachable(b))
        self.assertEqual(sorted(self.umoci("ls", "--layout", dest).split()), sorted([ref_a, ref_b]))
        for ref, img in ((ref_a, a), (ref_b, b)):
            self.assertEqual(self.layout_raw(dest, ref), img.manifest_bytes)
            self.assertOwnFile(self.unpack(dest, ref), f"pair-{ref[-1]}", 400 * 1024)

    def test_json_output(self):
        path, lay = self.built("pair", pair_layout)
        reg = self.start_registry()
        refs = [self.seed(reg, path, "a", "app:a"), self.seed(reg, path, "b", "other/app:b")]
        for args, want in ((refs[:1], {lay.by_name("a").digest}),
                           (refs, {lay.by_name("a").digest, lay.by_name("b").digest})):
            with self.subTest(refs=len(args)):
                res = self.pull("--json", *args, "oci:" + os.path.join(self.tmp, f"json-{len(args)}"))
                self.assertEqual(self.json_digests(res), want, res.describe())

    def test_platform_keeps_one(self):
        path, lay = self.built("multi", multi_layout)
        idx = lay.only
        amd, arm = idx.image_for("linux/amd64"), idx.image_for("linux/arm64")
        reg = self.start_registry()
        ref = self.seed(reg, path, "multi", "app:3")
        dest = os.path.join(self.tmp, "amd")
        res = self.pull("--platform", "linux/amd64", ref, f"oci:{dest}")
        self.assertExit(res, 0)
        self.assertIn("digest", res.stderr.lower(), f"stderr must say the index digest changed\n"
                                                    f"{res.describe()}")
        raw = self.layout_raw(dest, ref)
        self.assertNotEqual(raw, idx.index_bytes)
        kept = json.loads(raw)["manifests"]
        self.assertEqual([(m["digest"], m["platform"]["architecture"]) for m in kept],
                         [(amd.digest, "amd64")], "the rewritten index must list amd64 only")
        new_index = self.entries(dest)[ref]["digest"]
        self.assertEqual(new_index, "sha256:" + hashlib.sha256(raw).hexdigest())
        self.assertEqual(self.layout_platform_raw(dest, ref, "amd64"), amd.manifest_bytes)
        self.assertEqual(self.blobs(dest), reachable(amd) | {new_index}, "only amd64's blobs belong here")
        for gone in (arm.digest, arm.config_digest, arm.layers[-1].digest):
            self.assertNotIn(gone, self.blobs(dest))

    def test_second_pull_fetches_nothing(self):
        path, lay = self.built("multi", multi_layout)
        reg = self.start_registry()
        ref = self.seed(reg, path, "multi", "app:4")
        dest = os.path.join(self.tmp, "again")
        self.assertExit(self.pull(ref, f"oci:{dest}"), 0)
        before = tree(dest)
        mark = reg.mark()
        res = self.pull(ref, f"oci:{dest}")
        self.assertExit(res, 0)
        self.assertEqual(self.blob_gets(reg, mark), [], f"blobs fetched again\n{reg.describe_requests(mark)}")
        self.assertEqual(self.blobs(dest), reachable(lay.only))
        self.assertEqual(sorted(tree(dest)), sorted(before), "the second pull changed the layout's files")
        self.assertEqual(self.layout_raw(dest, ref), lay.only.index_bytes)

    def test_dry_run_writes_nothing(self):
        # pull --help: "Read the manifests and print what would be fetched; write nothing"
        path, lay = self.built("multi", multi_layout)
        idx = lay.only
        reg = self.start_registry()
        ref = self.seed(reg, path, "multi", "app:6")
        dest = os.path.join(self.tmp, "dry") + "/"
        mark = reg.mark()
        res = self.pull("--dry-run", ref, dest)
        self.assertExit(res, 0)
        self.assertTrue(res.stdout.strip(), f"the plan goes to stdout\n{res.describe()}")
        self.assertFalse(os.path.exists(dest), f"--dry-run wrote {sorted(tree(dest))}")
        layers = {layer.digest for img in idx.images for layer in img.layers}
        self.assertEqual(layers & set(self.blob_gets(reg, mark)), set(),
                         f"--dry-run fetched layers\n{reg.describe_requests(mark)}")

    def test_existing_layout_kept_and_entry_replaced(self):
        single_path, single = self.built("single", single_layout)
        multi_path, multi = self.built("multi", multi_layout)
        dest = os.path.join(self.tmp, "umoci-layout")
        shutil.copytree(single_path, dest)        # a layout umoci wrote: "1.0"
        reg = self.start_registry()
        ref = self.seed(reg, multi_path, "multi", "app:5")
        self.assertExit(self.pull(ref, dest), 0)
        self.assertEqual(sorted(self.umoci("ls", "--layout", dest).split()), sorted(["1.0", ref]))
        self.assertEqual(self.layout_raw(dest, "1.0"), single.only.manifest_bytes, "umoci's image is gone")
        self.assertEqual(self.layout_raw(dest, ref), multi.only.index_bytes)
        # the tag now names another image: pulling it again replaces the entry of that name
        self.seed(reg, single_path, "1.0", "app:5")
        self.assertExit(self.pull(ref, dest), 0)
        with open(os.path.join(dest, "index.json")) as f:
            listed = json.load(f)["manifests"]
        self.assertEqual(len(listed), 2, f"index.json: {listed}")
        self.assertEqual(self.layout_raw(dest, ref), single.only.manifest_bytes, "the entry was not replaced")
        self.assertEqual(self.layout_raw(dest, "1.0"), single.only.manifest_bytes)
        self.assertOwnFile(self.unpack(dest, ref), "pull-single", 400 * 1024)


class PullBadInputTest(PullTestCase):

    def test_missing_tag(self):
        path, _ = self.built("single", single_layout)
        reg = self.start_registry()
        self.seed(reg, path, "1.0", "app:1")
        ref = f"{reg.host}/app:no-such-tag"
        dest = os.path.join(self.tmp, "missing")
        res = self.pull(ref, f"oci:{dest}")
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertTrue(ref in line or (reg.host in line and "app:no-such-tag" in line),
                        f"the error line must name the reference\n{res.describe()}")
        self.assertNotIn(ref, self.names_in(dest))

    def test_non_layout_directory_refused(self):
        path, _ = self.built("single", single_layout)
        reg = self.start_registry()
        ref = self.seed(reg, path, "1.0", "app:1")
        dest = os.path.join(self.tmp, "my-documents")
        os.makedirs(os.path.join(dest, "sub"))
        for name, data in (("notes.txt", b"keep me\n"), ("sub/data.bin", os.urandom(4096))):
            with open(os.path.join(dest, name), "wb") as f:
                f.write(data)
        before = tree(dest)
        for form in (dest, f"oci:{dest}", dest + "/"):
            with self.subTest(dest=form):
                res = self.pull(ref, form)
                self.assertExit(res, 1)
                self.error_line(res)
                self.assertEqual(tree(dest), before, "the directory's content changed")


if __name__ == "__main__":
    unittest.main()
