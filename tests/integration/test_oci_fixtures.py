"""Self-checks of the OCI fixtures and verifiers, with skopeo standing in for oci-push.

These do not run oci-push. They show that the layouts, archives and tarballs the format tests
build are valid for foreign tools (oci-image-tool, skopeo), that skopeo's push of them passes
the verifiers the format tests use, that the verifiers reject a wrong push, and that the bad
layouts are bad for skopeo too. If these fail, failures in test_formats*, test_multiarch,
test_bundles and test_inspect are not product bugs.
"""

import json
import os
import tarfile
import unittest

from harness import fixtures, oci_fixtures as of, oci_verify, verify
from harness.oci_base import OciTestCase


def _single(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0")])


def _multi(workdir, path):
    return of.build_multiarch_layout(workdir, path, "multi")


def _docker_list(workdir, path):
    return of.build_docker_list_layout(workdir, path, "list")


def _docker25(workdir, path):
    return of.write_docker25_tar(path, [fixtures.small_spec(["app:1.0"], label="d25-self")])


class OciFixturesSelfTest(OciTestCase):

    def push_skopeo(self, src_spec, reg, repo, tag, all_images=False):
        self.skopeo_ok("copy", "--quiet", *(["--all"] if all_images else []),
                       "--dest-tls-verify=false", src_spec, f"docker://{reg.host}/{repo}:{tag}")

    def test_umoci_layout_is_valid_and_verifies_when_pushed_by_skopeo(self):
        path, lay = self.built("single", _single)
        img = lay.only
        self.assertEqual(img.names, ["1.0"])
        self.assertEqual([layer.compression for layer in img.layers], ["gzip", "gzip"])
        oci_verify.oci_validate("image", path, "1.0")
        reg = self.start_registry()
        self.push_skopeo(f"oci:{path}:1.0", reg, "single", "1.0")
        raw = self.verify_image(reg, "single", "1.0", img, same_manifest=True)
        self.assertEqual(raw, img.manifest_bytes)

    def test_oci_archive_by_skopeo_matches_layout(self):
        path, lay = self.built("single", _single)
        arc = of.skopeo_to_oci_archive(self.tmp, path, "1.0", os.path.join(self.tmp, "a.tar"))
        back = of.read_oci_archive(arc, os.path.join(self.tmp, "a-x"))
        self.assertEqual(back.only.manifest_bytes, lay.only.manifest_bytes)
        oci_verify.oci_validate("image", back.path, "1.0")
        # and compressed whole, it is still the same tar for tarfile / skopeo
        for kind in ("gzip", "zstd", "xz"):
            with self.subTest(kind=kind):
                out = of.compress_file(arc, arc + "." + kind, kind)
                if kind != "zstd":
                    with tarfile.open(out, "r:*") as tf:
                        self.assertIn("index.json", tf.getnames())
                reg = self.start_registry()
                self.push_skopeo(f"oci-archive:{out}:1.0", reg, "arc", kind)
                self.verify_image(reg, "arc", kind, lay.only, same_manifest=True)

    def test_multiarch_layout_verifies_when_pushed_by_skopeo(self):
        path, lay = self.built("multi", _multi)
        idx = lay.only
        self.assertIsInstance(idx, of.Index)
        self.assertEqual([i.platform for i in idx.images], ["linux/amd64", "linux/arm64"])
        self.assertEqual([i.arch_platform for i in idx.images], ["linux/amd64", "linux/arm64"])
        # the base layer is shared, the own layers differ
        a, b = idx.images
        self.assertEqual(a.layers[0].digest, b.layers[0].digest)
        self.assertNotEqual(a.layers[1].digest, b.layers[1].digest)
        oci_verify.oci_validate("image", path, "multi")
        reg = self.start_registry()
        self.push_skopeo(f"oci:{path}:multi", reg, "multi", "1", all_images=True)
        self.verify_index(reg, "multi", "1", idx, same_bytes=True)
        # a multi-arch oci-archive written by skopeo keeps the index as it is
        arc = of.skopeo_to_oci_archive(self.tmp, path, "multi", os.path.join(self.tmp, "m.tar"),
                                       all_images=True)
        self.assertEqual(of.read_oci_archive(arc, os.path.join(self.tmp, "m-x")).only.digest,
                         idx.digest)

    def test_docker_list_layout_verifies_when_pushed_by_skopeo(self):
        path, lay = self.built("docker-list", _docker_list)
        idx = lay.only
        self.assertEqual(idx.media_type, of.DOCKER_LIST)
        self.assertEqual({i.media_type for i in idx.images}, {of.DOCKER_MANIFEST})
        reg = self.start_registry()
        d = of.index_to_dir(path, idx, os.path.join(self.tmp, "list-dir"))
        self.push_skopeo(f"dir:{d}", reg, "dlist", "1", all_images=True)
        self.verify_index(reg, "dlist", "1", idx, same_bytes=True)

    def test_verifiers_reject_a_wrong_push(self):
        path, lay = self.built("multi", _multi)
        amd, arm = lay.only.images
        reg = self.start_registry()
        self.push_skopeo(f"oci:{path}:multi", reg, "multi", "1", all_images=True)
        with self.assertRaises(AssertionError):
            self.verify_image(reg, "multi", amd.digest, arm, same_manifest=True)
        with self.assertRaises(AssertionError):   # regenerated: config differs
            self.verify_image(reg, "multi", amd.digest, arm, same_manifest=False)
        wrong = of.Index(lay.only.index_bytes + b" ", lay.only.media_type, lay.only.children)
        with self.assertRaises(AssertionError):
            self.verify_index(reg, "multi", "1", wrong, same_bytes=True)
        # an image that was converted by skopeo (docker format) is not "the same manifest"
        self.push_skopeo(f"oci:{path}:multi", reg, "conv", "1", all_images=True)
        self.skopeo_ok("copy", "--quiet", "--format", "v2s2", "--dest-tls-verify=false",
                       f"oci:{path}:multi", f"docker://{reg.host}/conv:v2s2")
        with self.assertRaises(AssertionError):
            self.verify_image(reg, "conv", "v2s2", amd, same_manifest=True)

    def test_docker25_tar_is_a_docker_archive_and_an_oci_layout(self):
        path, imgs = self.built("d25.tar", _docker25)
        d25 = imgs[0]
        with tarfile.open(path) as tf:
            names = tf.getnames()
        for n in ("oci-layout", "index.json", "manifest.json", "repositories"):
            self.assertIn(n, names)
        # the OCI view
        lay = of.read_oci_archive(path, os.path.join(self.tmp, "x"))
        self.assertEqual(lay.only.manifest_bytes, d25.image.manifest_bytes)
        self.assertEqual(lay.only.annotations[of.CONTAINERD_NAME], "docker.io/library/app:1.0")
        self.assertEqual(lay.only.names, ["1.0"])
        self.assertEqual({layer.media_type for layer in lay.only.layers}, {of.OCI_LAYER_TAR})
        oci_verify.oci_validate("image", lay.path, "1.0")
        # the docker-save view: skopeo reads manifest.json and pushes it
        self.assertEqual(fixtures.read_archive(path)[0].diff_ids, d25.fixture.diff_ids)
        reg = self.start_registry()
        self.push_skopeo(f"docker-archive:{path}", reg, "d25", "1.0")
        self.verify(reg, "d25", "1.0", d25.fixture)

    def test_compressed_layer_archives_are_valid_docker_archives(self):
        reg = self.start_registry()
        for comp in ("gzip", "zstd"):
            with self.subTest(comp=comp):
                p = os.path.join(self.tmp, f"{comp}.tar")
                a = of.write_compressed_layers_archive(
                    p, fixtures.small_spec([f"example/{comp}:1"], label=f"self-{comp}"), comp)
                for blob, layer in zip(a.blobs, a.fixture.layers):
                    self.assertEqual(of.compression_of(blob), comp)
                    self.assertEqual(of.sha256_digest(of.decompress(blob)), layer.diff_id)
                self.push_skopeo(f"docker-archive:{p}", reg, comp, "1")
                self.verify(reg, comp, "1", a.fixture)

    def test_foreign_fixtures(self):
        path, _ = self.built("single", _single)
        lay = of.copy_layout(path, os.path.join(self.tmp, "foreign"))
        desc = of.add_foreign_layer(lay, "1.0")
        img = of.read_layout(lay).only
        self.assertEqual(img.layers[0].media_type, of.OCI_LAYER_NONDIST_GZIP)
        self.assertEqual(img.layers[0].digest, desc["digest"])
        oci_verify.oci_validate("image", lay, "1.0")
        # skopeo keeps the layer foreign (does not upload it); the registry started with
        # allow_urls takes the manifest, and the checks the format tests use pass
        reg = self.start_registry(allow_urls=True)
        self.push_skopeo(f"oci:{lay}:1.0", reg, "foreign", "1")
        raw = self.verify_image(reg, "foreign", "1", img, same_manifest=True)
        oci_verify.check_layers_over_http(reg, "foreign", raw, img)
        p = os.path.join(self.tmp, "foreign.tar")
        fa = of.write_foreign_layer_archive(p, fixtures.small_spec(["example/f:1"], label="f"))
        doc = json.loads(of._run(["tar", "-xOf", p, "manifest.json"]))
        self.assertEqual(doc[0]["LayerSources"][fa.fixture.layers[0].diff_id], fa.foreign_desc)

    def test_bad_layouts_are_bad_for_skopeo(self):
        """skopeo (fresh registry each time, so no blob is skipped as already present)
        refuses the layouts whose blobs are missing or wrong; our own reader refuses every
        bad layout but the escaping symlinks, whose bytes are right."""
        path, good = self.built("single", _single)
        for kind in ("missing_manifest_blob", "missing_config_blob", "missing_layer_blob",
                     "layer_wrong_digest", "config_wrong_digest", "layer_truncated",
                     "layer_extra_bytes", "digest_dotdot", "layer_digest_absolute"):
            with self.subTest(kind=kind):
                bad = of.write_bad_layout(path, os.path.join(self.tmp, kind), kind)
                reg = self.start_registry()
                p = verify.skopeo(self.tmp, "copy", "--quiet", "--dest-tls-verify=false",
                                  f"oci:{bad.path}:1.0", f"docker://{reg.host}/bad:1")
                self.assertNotEqual(p.returncode, 0, f"skopeo accepted {kind}")
                reg.stop()
        for kind in of.BAD_LAYOUTS:
            with self.subTest(kind=kind):
                bad = of.write_bad_layout(path, os.path.join(self.tmp, "r-" + kind), kind)
                self.assertTrue(bad.names)
                if kind.startswith("symlink_escape"):
                    self.assertTrue(os.path.islink(of.blob_path(bad.path, good.only.layers[-1].digest)))
                    self.assertEqual(of.read_layout(bad.path).only.digest, good.only.digest)
                else:
                    with self.assertRaises((ValueError, OSError, KeyError)):
                        of.read_layout(bad.path)

if __name__ == "__main__":
    unittest.main()
