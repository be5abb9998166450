"""Bundles (issue 3): `--all` pushes every image of a multi-image docker-save tarball, OCI
layout or Docker 25 tarball, each to its own repository and tag (from RepoTags /
org.opencontainers.image.ref.name) under the TARGET prefix; blobs shared between images go up
once per repository; stdout has one HOST/REPO@DIGEST line per repository. Selecting one image
of several: docker-archive:PATH:NAME:TAG and oci:DIR:REF.
"""

import os
import unittest

from harness import fixtures, oci_fixtures as of, oci_verify
from harness.oci_base import OciTestCase

SHARED = fixtures.LayerSpec("bundle-shared", 300 * fixtures.KiB, 3)


def _save_bundle(workdir, path):
    app = fixtures.ImageSpec(["app:1.0", "app:latest"],
                             [SHARED, fixtures.LayerSpec("bundle-app", 80 * fixtures.KiB, 2)],
                             label="bundle-app")
    tools = fixtures.ImageSpec(["tools/x:2"],
                               [SHARED, fixtures.LayerSpec("bundle-x", 90 * fixtures.KiB, 2)],
                               label="bundle-x")
    return fixtures.write_archive(path, [app, tools])


def _oci_bundle(workdir, path):
    of.build_umoci_layout(workdir, path, [of.UmociImage("app", seed="ob-app"),
                                          of.UmociImage("tools", seed="ob-tools")])
    of.set_ref_names(path, {"app": "app:1.0", "tools": "tools/x:2"})
    return of.read_layout(path)


def _d25_bundle(workdir, path):
    app = fixtures.ImageSpec(["app:1.0"], [SHARED, fixtures.LayerSpec("d25b-app", 70 * 1024, 2)],
                             label="d25b-app")
    tools = fixtures.ImageSpec(["tools/x:2"],
                               [SHARED, fixtures.LayerSpec("d25b-x", 60 * 1024, 2)],
                               label="d25b-x")
    return of.write_docker25_tar(path, [app, tools])


class BundleTest(OciTestCase):

    def assertSharedOncePerRepo(self, reg, mark, repos, digest):
        for repo in repos:
            self.assertEqual(oci_verify.uploads_of(reg, repo, digest, mark), 1,
                             f"shared blob {digest} must go into {repo} exactly once:\n"
                             f"{reg.describe_requests(mark)}")

    def test_docker_save_bundle_all(self):
        path, (app, tools) = self.built("save-bundle.tar", _save_bundle)
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push("--all", path, f"{reg.host}/mirror")
        got = self.assertPushedMany(res, reg.host, ["mirror/app", "mirror/tools/x"])
        v_app = self.verify(reg, "mirror/app", "1.0", app)
        v_x = self.verify(reg, "mirror/tools/x", "2", tools)
        self.assertEqual(got["mirror/app"], v_app.digest)
        self.assertEqual(got["mirror/tools/x"], v_x.digest)
        self.assertEqual(sorted(self.tags(reg, "mirror/app")), ["1.0", "latest"])
        self.assertEqual(self.tags(reg, "mirror/tools/x"), ["2"])
        self.assertEqual(self.verify(reg, "mirror/app", "latest", app).digest, v_app.digest)
        shared = v_app.layer_digests[0]
        self.assertEqual(shared, v_x.layer_digests[0], "the shared layer must compress the same")
        self.assertSharedOncePerRepo(reg, mark, ["mirror/app", "mirror/tools/x"], shared)

    def test_oci_layout_bundle_all(self):
        path, lay = self.built("oci-bundle", _oci_bundle)
        app, tools = lay.by_name("app:1.0"), lay.by_name("tools/x:2")
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push("--all", path, f"{reg.host}/mirror")
        got = self.assertPushedMany(res, reg.host, ["mirror/app", "mirror/tools/x"])
        self.assertEqual(got, {"mirror/app": app.digest, "mirror/tools/x": tools.digest})
        self.verify_image(reg, "mirror/app", "1.0", app, same_manifest=True)
        self.verify_image(reg, "mirror/tools/x", "2", tools, same_manifest=True)
        self.assertEqual(self.tags(reg, "mirror/app"), ["1.0"])
        self.assertEqual(self.tags(reg, "mirror/tools/x"), ["2"])
        self.assertEqual(app.layers[0].digest, tools.layers[0].digest)
        self.assertSharedOncePerRepo(reg, mark, ["mirror/app", "mirror/tools/x"],
                                     app.layers[0].digest)

    def test_docker25_bundle_all(self):
        path, (app, tools) = self.built("d25-bundle.tar", _d25_bundle)
        reg = self.start_registry()
        res = self.oci_push("--all", path, f"{reg.host}/mirror")
        self.assertIn(self.tags(reg, "mirror"), (None, []),
                      f"only mirror/app and mirror/tools/x may be pushed\n{res.describe()}")
        got = self.assertPushedMany(res, reg.host, ["mirror/app", "mirror/tools/x"])
        raw_app = self.verify_image(reg, "mirror/app", "1.0", app.image, same_manifest=False,
                                    media_type=of.OCI_MANIFEST)
        raw_x = self.verify_image(reg, "mirror/tools/x", "2", tools.image, same_manifest=False,
                                  media_type=of.OCI_MANIFEST)
        self.assertEqual(got["mirror/app"], oci_verify.sha(raw_app))
        self.assertEqual(got["mirror/tools/x"], oci_verify.sha(raw_x))

    def test_select_one_with_docker_archive_transport(self):
        path, (app, tools) = self.built("save-bundle.tar", _save_bundle)
        reg = self.start_registry()
        res = self.oci_push(f"docker-archive:{path}:tools/x:2", f"{reg.host}/sel:1")
        digest = self.assertPushed(res, reg.host, "sel")
        self.assertEqual(self.verify(reg, "sel", "1", tools).digest, digest)

    def test_select_one_with_oci_transport(self):
        path, lay = self.built("oci-bundle", _oci_bundle)
        tools = lay.by_name("tools/x:2")
        reg = self.start_registry()
        res = self.oci_push(f"oci:{path}:tools/x:2", f"{reg.host}/sel:1")
        self.assertEqual(self.assertPushed(res, reg.host, "sel"), tools.digest)
        self.verify_image(reg, "sel", "1", tools, same_manifest=True)

    def test_all_from_stdin_and_compressed_file(self):
        """--all from a one-pass stream (gzip on standard input, a .tar.zst file): every
        image lands in its own repository, the shared layer once per repository, and no
        manifest or tag anywhere else (e.g. in the prefix repository)."""
        path, (app, tools) = self.built("save-bundle.tar", _save_bundle)
        gz = of.compress_file(path, os.path.join(self.tmp, "bundle.tar.gz"), "gzip")
        zst = of.compress_file(path, os.path.join(self.tmp, "bundle.bin"), "zstd")
        for args, stdin_path in ((["-"], gz), ([zst], None)):
            with self.subTest(source=args[0]):
                reg = self.start_registry()
                mark = reg.mark()
                stdin = None
                if stdin_path:
                    with open(stdin_path, "rb") as f:
                        stdin = f.read()
                res = self.oci_push("--all", *args, f"{reg.host}/mirror", stdin=stdin)
                got = self.assertPushedMany(res, reg.host, ["mirror/app", "mirror/tools/x"])
                v_app = self.verify(reg, "mirror/app", "1.0", app)
                v_x = self.verify(reg, "mirror/tools/x", "2", tools)
                self.assertEqual(got, {"mirror/app": v_app.digest, "mirror/tools/x": v_x.digest})
                self.assertEqual(sorted(self.tags(reg, "mirror/app")), ["1.0", "latest"])
                self.assertIn(self.tags(reg, "mirror"), (None, []))
                self.assertSharedOncePerRepo(reg, mark, ["mirror/app", "mirror/tools/x"],
                                             v_app.layer_digests[0])

if __name__ == "__main__":
    unittest.main()
