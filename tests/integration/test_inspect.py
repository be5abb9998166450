"""`oci-push inspect SOURCE [--json]` (issue 3) lists what a source holds without pushing.

--json: {"source", "kind": "docker-archive"|"oci-layout"|"oci-archive", "artifacts": [
  {"type": "image", "names", "mediaType", "digest" (not for docker-archive images),
   "platform" (inside an index), "config": {"digest", "size", "mediaType"},
   "layers": [{"digest" (absent when unknown without hashing), "size", "mediaType" (not for
   docker-archive), "compression": "none"|"gzip"|"zstd", "diffId"}]}
  | {"type": "index", "names", "mediaType", "digest", "images": [image objects]}]}
Everything is compared with the source as read back by harness/oci_fixtures.py / fixtures.py.
"""

import os
import unittest

from harness import fixtures, oci_fixtures as of
from harness.oci_base import OciTestCase

KINDS = ("docker-archive", "oci-layout", "oci-archive")


def _save_bundle(workdir, path):
    return fixtures.write_archive(path, [
        fixtures.small_spec(["app:1.0", "app:latest"], label="insp-app"),
        fixtures.small_spec(["tools/x:2"], label="insp-x", layers=3)])


def _layout(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0", seed="insp")])


def _multi(workdir, path):
    return of.build_multiarch_layout(workdir, path, "multi")


def _archive(workdir, path):
    src = os.path.join(workdir, "layout")
    of.build_multiarch_layout(workdir, src, "multi")
    of.skopeo_to_oci_archive(workdir, src, "multi", path, all_images=True)
    return of.read_oci_archive(path, os.path.join(workdir, "readback"))


def _d25(workdir, path):
    return of.write_docker25_tar(path, [fixtures.small_spec(["app:1.0"], label="insp-d25")])


def _zstd_layers(workdir, path):
    return of.write_compressed_layers_archive(
        path, fixtures.small_spec(["example/zst:1.0"], label="insp-zst"), "zstd")


class InspectTest(OciTestCase):

    def inspect_json(self, source):
        res = self.oci_push("inspect", source, "--json", timeout=60)
        obj = self.parse_json(res)
        self.assertEqual(obj.get("source"), source, res.describe())
        self.assertIn(obj.get("kind"), KINDS, res.describe())
        self.assertIsInstance(obj.get("artifacts"), list, res.describe())
        return obj

    def check_oci_image(self, art, img: of.Image, platform=None):
        self.assertEqual(art.get("type"), "image", art)
        self.assertEqual(art.get("digest"), img.digest, art)
        self.assertEqual(art.get("mediaType"), img.media_type, art)
        if platform:
            self.assertEqual(art.get("platform"), platform, art)
        cfg = art.get("config") or {}
        self.assertEqual(cfg.get("digest"), img.config_digest, art)
        self.assertEqual(cfg.get("size"), len(img.config_bytes), art)
        self.assertEqual(cfg.get("mediaType"), img.config_media_type, art)
        layers = art.get("layers") or []
        self.assertEqual(len(layers), len(img.layers), art)
        for i, (jl, sl) in enumerate(zip(layers, img.layers)):
            with self.subTest(layer=i):
                self.assertEqual(jl.get("digest"), sl.digest, jl)
                self.assertEqual(jl.get("size"), sl.size, jl)
                self.assertEqual(jl.get("mediaType"), sl.media_type, jl)
                self.assertEqual(jl.get("compression"), sl.compression, jl)
                self.assertEqual(jl.get("diffId"), sl.diff_id, jl)

    # ----------------------------------------------------------------- --json

    def test_docker_archive_json(self):
        path, (app, tools) = self.built("bundle.tar", _save_bundle)
        obj = self.inspect_json(path)
        self.assertEqual(obj["kind"], "docker-archive")
        arts = obj["artifacts"]
        self.assertEqual(len(arts), 2, obj)
        for art, fx in zip(arts, (app, tools)):
            with self.subTest(image=fx.repo_tags[0]):
                self.assertEqual(art.get("type"), "image")
                self.assertEqual(art.get("names"), fx.repo_tags)
                self.assertNotIn("digest", art, "a docker-archive image's manifest is generated")
                self.assertNotIn("platform", art)
                self.assertEqual(art["config"].get("digest"), fx.config_digest)
                self.assertEqual(art["config"].get("size"), len(fx.config_bytes))
                self.assertEqual(len(art["layers"]), len(fx.layers))
                for jl, fl in zip(art["layers"], fx.layers):
                    self.assertNotIn("digest", jl, "unknown without compressing")
                    self.assertNotIn("mediaType", jl)
                    self.assertEqual(jl.get("size"), fl.size)
                    self.assertEqual(jl.get("compression"), "none")
                    self.assertEqual(jl.get("diffId"), fl.diff_id)

    def test_docker_archive_compressed_layers_json(self):
        path, arc = self.built("zstd-layers.tar", _zstd_layers)
        obj = self.inspect_json(path)
        self.assertEqual(obj["kind"], "docker-archive")
        (art,) = obj["artifacts"]
        for jl, blob, fl in zip(art["layers"], arc.blobs, arc.fixture.layers):
            self.assertEqual(jl.get("compression"), "zstd", jl)
            self.assertEqual(jl.get("size"), len(blob), jl)
            self.assertEqual(jl.get("diffId"), fl.diff_id, jl)
            if "digest" in jl:
                self.assertEqual(jl["digest"], of.sha256_digest(blob), jl)

    def test_oci_layout_json(self):
        path, lay = self.built("layout", _layout)
        obj = self.inspect_json(path)
        self.assertEqual(obj["kind"], "oci-layout")
        (art,) = obj["artifacts"]
        self.assertEqual(art.get("names"), ["1.0"])
        self.assertNotIn("platform", art)
        self.check_oci_image(art, lay.only)

    def test_multiarch_layout_json(self):
        path, lay = self.built("multi", _multi)
        idx = lay.only
        obj = self.inspect_json(f"oci:{path}")
        self.assertEqual(obj["kind"], "oci-layout")
        (art,) = obj["artifacts"]
        self.assertEqual(art.get("type"), "index", art)
        self.assertEqual(art.get("names"), ["multi"])
        self.assertEqual(art.get("digest"), idx.digest)
        self.assertEqual(art.get("mediaType"), of.OCI_INDEX)
        images = art.get("images") or []
        self.assertEqual(len(images), 2, art)
        for ji, img in zip(images, idx.images):
            with self.subTest(platform=img.platform):
                self.check_oci_image(ji, img, platform=img.platform)

    def test_oci_archive_json(self):
        path, lay = self.built("multi.oci.tar", _archive)
        obj = self.inspect_json(path)
        self.assertEqual(obj["kind"], "oci-archive")
        (art,) = obj["artifacts"]
        self.assertEqual(art.get("type"), "index")
        self.assertEqual(art.get("digest"), lay.only.digest)
        self.assertEqual([i.get("platform") for i in art["images"]],
                         ["linux/amd64", "linux/arm64"])

    def test_compressed_oci_archive_json(self):
        path, lay = self.built("multi.oci.tar", _archive)
        comp = of.compress_file(path, os.path.join(self.tmp, "multi.tar.xz"), "xz")
        obj = self.inspect_json(comp)
        self.assertEqual(obj["kind"], "oci-archive")
        self.assertEqual(obj["artifacts"][0].get("digest"), lay.only.digest)

    def test_docker25_json(self):
        path, (d25,) = self.built("d25.tar", _d25)
        obj = self.inspect_json(path)
        self.assertEqual(obj["kind"], "oci-archive", "a Docker 25 tar is read as OCI")
        (art,) = obj["artifacts"]
        names = art.get("names") or []
        self.assertTrue(any(n in names for n in ("app:1.0", "docker.io/library/app:1.0")),
                        f"the image's name is missing: {names}")
        self.check_oci_image(art, d25.image)

    # ----------------------------------------------------------------- human readable

    def test_human_readable(self):
        cases = [
            ("bundle.tar", _save_bundle, lambda fx: ["app:1.0", "app:latest", "tools/x:2"]
             + [fx[0].diff_ids[0][7:19]]),
            ("multi", _multi, lambda lay: ["multi", "linux/amd64", "linux/arm64",
                                           lay.only.digest[7:19]]
             + [i.digest[7:19] for i in lay.only.images]),
        ]
        for name, builder, expect in cases:
            path, fx = self.built(name, builder)
            with self.subTest(source=name):
                res = self.oci_push("inspect", path, timeout=60)
                self.assertExit(res, 0)
                self.assertNotEqual(res.stdout.strip(), "", res.describe())
                self.assertFalse(res.stdout.lstrip().startswith("{"),
                                 f"without --json the output is not JSON\n{res.describe()}")
                for s in expect(fx):
                    self.assertIn(s, res.stdout, res.describe())


if __name__ == "__main__":
    unittest.main()
