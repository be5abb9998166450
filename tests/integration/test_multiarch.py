"""Multi-platform indexes (issue 3): an OCI image index or a Docker manifest list pushes whole
(every platform manifest by digest, then the index under the tag, all byte for byte when
nothing must change); --platform pushes one image; --format converts the whole index.

Fixtures: two umoci images (linux/amd64, linux/arm64, sharing a base layer) combined into one
OCI index (harness/oci_fixtures.build_multiarch_layout), the same as an oci-archive written by
`skopeo copy --all`, and a Docker manifest list over skopeo-converted Docker schema 2 images.
"""

import json
import os
import unittest

from harness import oci_fixtures as of, oci_verify, verify
from harness.oci_base import OciTestCase


def _multi(workdir, path):
    return of.build_multiarch_layout(workdir, path, "multi")


def _multi_archive(workdir, path):
    src = os.path.join(workdir, "layout")
    of.build_multiarch_layout(workdir, src, "multi")
    of.skopeo_to_oci_archive(workdir, src, "multi", path, all_images=True)
    return of.read_oci_archive(path, os.path.join(workdir, "readback"))


def _docker_list(workdir, path):
    return of.build_docker_list_layout(workdir, path, "list")


def _nested(workdir, path):
    """index.json -> outer OCI index (ref "nested") -> the multi-arch index -> 2 images."""
    of.build_multiarch_layout(workdir, path, "inner")
    index = of.load_index_json(path)
    inner = dict(index["manifests"][0])
    inner.pop("annotations")
    outer = of._json({"schemaVersion": 2, "mediaType": of.OCI_INDEX, "manifests": [inner]})
    of.write_blob(path, outer)
    index["manifests"] = [of.desc_of(outer, of.OCI_INDEX, annotations={of.REF_NAME: "nested"})]
    of.write_index_json(path, index)
    return of.read_layout(path)


class MultiArchTest(OciTestCase):

    def test_oci_index_pushes_whole(self):
        path, lay = self.built("multi", _multi)
        idx = lay.only
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push(path, f"{reg.host}/multi:1.0")
        digest = self.assertPushed(res, reg.host, "multi")
        self.assertEqual(digest, idx.digest, "stdout must print the index digest")
        self.verify_index(reg, "multi", "1.0", idx, same_bytes=True)
        self.assertEqual(self.tags(reg, "multi"), ["1.0"])
        # the platform manifests went up by digest, the index last, under the tag
        puts = [r.path.rsplit("/", 1)[1] for r in reg.requests(mark)
                if r.method == "PUT" and "/manifests/" in r.path and r.status in (200, 201)]
        self.assertEqual(sorted(puts[:-1]), sorted(i.digest for i in idx.images),
                         reg.describe_requests(mark))
        self.assertEqual(puts[-1], "1.0", reg.describe_requests(mark))
        # skopeo resolves each platform of the tag to its image
        for img in idx.images:
            arch = img.platform.split("/")[1]
            p = verify.skopeo(self.tmp, "--override-arch", arch, "--override-os", "linux",
                              "inspect", "--tls-verify=false", f"docker://{reg.host}/multi:1.0")
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            info = json.loads(p.stdout)
            self.assertEqual(info["Architecture"], arch)
            self.assertEqual(info["Layers"], [layer.digest for layer in img.layers])
        # the shared base layer went up once
        shared = idx.images[0].layers[0].digest
        self.assertEqual(oci_verify.uploads_of(reg, "multi", shared, mark), 1,
                         reg.describe_requests(mark))

    def test_tag_from_ref_name(self):
        path, lay = self.built("multi", _multi)
        reg = self.start_registry()
        res = self.oci_push(f"oci:{path}:multi", f"{reg.host}/multi")
        self.assertEqual(self.assertPushed(res, reg.host, "multi"), lay.only.digest)
        self.assertEqual(self.tags(reg, "multi"), ["multi"])

    def test_platform_selects_one_image(self):
        path, lay = self.built("multi", _multi)
        idx = lay.only
        amd, arm = idx.image_for("linux/amd64"), idx.image_for("linux/arm64")
        reg = self.start_registry()
        res = self.oci_push("--platform", "linux/arm64", path, f"{reg.host}/one:arm")
        digest = self.assertPushed(res, reg.host, "one")
        self.assertEqual(digest, arm.digest, "--platform pushes that image's own manifest")
        self.verify_image(reg, "one", "arm", arm, same_manifest=True)
        self.assertEqual(self.tags(reg, "one"), ["arm"])
        self.assertEqual(oci_verify.manifest_status(reg, "one", amd.digest), 404,
                         "the other platform's manifest must not be pushed")
        self.assertEqual(oci_verify.manifest_status(reg, "one", idx.digest), 404,
                         "the index must not be pushed")
        self.assertFalse(oci_verify.blob_exists(reg, "one", amd.layers[1].digest),
                         "the amd64-only layer must not be pushed")

    def test_platform_with_variant(self):
        path, lay = self.built("variants", lambda w, p: of.build_multiarch_layout(
            w, p, "v", archs=("arm/v6", "arm/v7", "arm64/v8")))
        v7 = lay.only.image_for("linux/arm/v7")
        self.assertEqual(v7.arch_platform, "linux/arm/v7")
        reg = self.start_registry()
        res = self.oci_push("--platform", "linux/arm/v7", path, f"{reg.host}/v:7")
        self.assertEqual(self.assertPushed(res, reg.host, "v"), v7.digest)
        self.verify_image(reg, "v", "7", v7, same_manifest=True)

    def test_platform_from_oci_archive_on_stdin(self):
        path, lay = self.built("multi.oci.tar", _multi_archive)
        amd = lay.only.image_for("linux/amd64")
        reg = self.start_registry()
        comp = of.compress_file(path, os.path.join(self.tmp, "multi.tar.zst"), "zstd")
        with open(comp, "rb") as f:
            res = self.oci_push("--platform", "linux/amd64", "-", f"{reg.host}/one:amd",
                                stdin=f.read())
        self.assertEqual(self.assertPushed(res, reg.host, "one"), amd.digest)
        self.verify_image(reg, "one", "amd", amd, same_manifest=True)

    def test_oci_archive_pushes_whole(self):
        path, lay = self.built("multi.oci.tar", _multi_archive)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/arc:1.0")
        self.assertEqual(self.assertPushed(res, reg.host, "arc"), lay.only.digest)
        self.verify_index(reg, "arc", "1.0", lay.only, same_bytes=True)

    def test_docker_manifest_list_pushes_whole(self):
        path, lay = self.built("docker-list", _docker_list)
        idx = lay.only
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/dlist:1.0")
        self.assertEqual(self.assertPushed(res, reg.host, "dlist"), idx.digest)
        self.verify_index(reg, "dlist", "1.0", idx, same_bytes=True)

    def test_format_docker_converts_the_index(self):
        path, lay = self.built("multi", _multi)
        idx = lay.only
        reg = self.start_registry()
        res = self.oci_push("--format", "docker", path, f"{reg.host}/conv:docker")
        digest = self.assertPushed(res, reg.host, "conv")
        self.assertNotEqual(digest, idx.digest)
        # a Docker manifest list over Docker schema 2 images; configs and gzip layers unchanged
        self.verify_index(reg, "conv", "docker", idx, same_bytes=False, media_type=of.DOCKER_LIST)

    def test_format_oci_converts_a_docker_list(self):
        path, lay = self.built("docker-list", _docker_list)
        reg = self.start_registry()
        res = self.oci_push("--format", "oci", path, f"{reg.host}/conv:oci")
        self.assertNotEqual(self.assertPushed(res, reg.host, "conv"), lay.only.digest)
        self.verify_index(reg, "conv", "oci", lay.only, same_bytes=False, media_type=of.OCI_INDEX)

    def test_nested_index_pushes_whole(self):
        path, lay = self.built("nested", _nested)
        outer = lay.only
        inner = outer.children[0]
        self.assertIsInstance(inner, of.Index)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/nested:1.0")
        self.assertEqual(self.assertPushed(res, reg.host, "nested"), outer.digest)
        self.verify_index(reg, "nested", "1.0", outer, same_bytes=True)
        self.verify_index(reg, "nested", inner.digest, inner, same_bytes=True)


if __name__ == "__main__":
    unittest.main()
