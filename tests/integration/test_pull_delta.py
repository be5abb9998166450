"""oci-push pull --since OLD-BUNDLE: a delta bundle for the next crossing of an air gap.

Image "a" is carried first (the old bundle); image "b" shares its base layer. The delta for "b" holds
b's manifest, config and own layer, never the shared base layer (the registry's request log shows it
was not fetched, the bundle's files show it was not written). Pushed into a registry that holds the old
bundle's image, "b" lands with its digest unchanged (skopeo); into an empty one, the push fails before
any tag, naming the blob and saying it was in the old bundle.
"""

import os
import unittest

from harness.pull_base import PullTestCase, pair_layout, reachable


class PullDeltaTest(PullTestCase):

    def setUp(self):
        super().setUp()
        path, lay = self.built("pair", pair_layout)
        self.a, self.b = lay.by_name("a"), lay.by_name("b")
        self.shared = self.a.layers[0].digest
        self.assertEqual(self.b.layers[0].digest, self.shared, "the fixture's images must share a base layer")
        self.reg = self.start_registry()
        self.ref_a = self.seed(self.reg, path, "a", "team/a:1")
        self.ref_b = self.seed(self.reg, path, "b", "team/b:1")

    def pull_delta(self, dest: str) -> str:
        old = os.path.join(self.tmp, "old") + "/"
        self.assertExit(self.pull(self.ref_a, old), 0)
        mark = self.reg.mark()
        res = self.pull("--since", old, self.ref_b, dest)
        self.assertExit(res, 0)
        self.assertNotIn(self.shared, self.blob_gets(self.reg, mark), "the old bundle's layer was fetched")
        return old

    def test_layout_delta_leaves_out_what_the_old_bundle_holds(self):
        dest = os.path.join(self.tmp, "delta") + "/"
        self.pull_delta(dest)
        self.assertEqual(self.blobs(dest), reachable(self.b) - {self.shared})
        self.assertEqual(self.layout_raw(dest, self.ref_b), self.b.manifest_bytes)
        res = self.oci_push("verify", dest)
        self.assertExit(res, 0)
        self.assertIn("1 layers left to the older bundle", res.stdout)

    def test_delta_pushed_where_the_old_bundle_went_keeps_its_digest(self):
        for dest in (os.path.join(self.tmp, "delta") + "/", os.path.join(self.tmp, "delta.tar")):
            with self.subTest(dest=dest):
                old = self.pull_delta(dest)
                other = self.start_registry()
                self.assertExit(self.oci_push(old, f"{other.host}/mirror", "--all", "--plain-http"), 0)
                res = self.oci_push(dest, f"{other.host}/mirror", "--all", "--plain-http")
                self.assertExit(res, 0)
                self.assertEqual(self.registry_raw(f"{other.host}/mirror/team/b:1"), self.b.manifest_bytes)

    def test_delta_pushed_where_the_old_bundle_never_went_fails_before_any_tag(self):
        dest = os.path.join(self.tmp, "delta.tar")
        self.pull_delta(dest)
        other = self.start_registry()
        mark = other.mark()
        res = self.oci_push(dest, f"{other.host}/mirror", "--all", "--plain-http")
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn(self.shared, line)
        self.assertIn("old bundle", line)
        puts = [r for r in other.requests(mark) if r.method == "PUT" and "/manifests/" in r.path]
        self.assertEqual(puts, [], "a manifest was stored although a blob it names is missing")


if __name__ == "__main__":
    unittest.main()
