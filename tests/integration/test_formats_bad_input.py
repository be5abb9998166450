"""Bad OCI input (issue 3): each case gets one `oci-push: error: ` line naming the item, exit 1
and no tag on the registry (test_bad_input.BadInputTest.check_failure, reused as is: run plain
and with -q). Fixtures: a good umoci layout broken by harness/oci_fixtures.write_bad_layout,
oci-archives and compressed streams of broken layouts, a layout with several images.
test_oci_fixtures.py shows the broken layouts are broken for skopeo / our reader too.
"""

import os
import time
import unittest

import test_bad_input
from harness import oci_fixtures as of
from harness.oci_base import OciTestCase


def _good(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0", seed="bad-base")])


def _two(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("first", seed="two-first"),
                                                 of.UmociImage("second", seed="two-second")])


class FormatsBadInputTest(OciTestCase):

    check_failure = test_bad_input.BadInputTest.check_failure

    def setUp(self):
        super().setUp()
        self.reg = self.start_registry()
        self.good, self.good_layout = self.built("good", _good)

    def bad(self, kind) -> of.BadLayout:
        return of.write_bad_layout(self.good, os.path.join(self.tmp, kind), kind)

    def run_bad(self, kind, no_writes=False, max_seconds=None):
        b = self.bad(kind)
        t0 = time.monotonic()
        self.check_failure([b.path, f"{self.reg.host}/app:1.0"], 1, b.names, no_writes=no_writes)
        if max_seconds:
            took = time.monotonic() - t0
            self.assertLess(took, max_seconds, f"{kind}: two runs took {took:.1f} s")
        return b

    def test_good_layout_is_good(self):
        res = self.oci_push(self.good, f"{self.reg.host}/app:1.0")
        self.assertEqual(self.assertPushed(res, self.reg.host, "app"),
                         self.good_layout.only.digest)

    # ----------------------------------------------------------------- missing blobs

    def test_index_names_missing_manifest_blob(self):
        self.run_bad("missing_manifest_blob", no_writes=True)

    def test_manifest_names_missing_config_blob(self):
        self.run_bad("missing_config_blob")

    def test_manifest_names_missing_layer_blob(self):
        self.run_bad("missing_layer_blob")

    # ----------------------------------------------------------------- wrong blobs

    def test_layer_blob_wrong_digest(self):
        self.run_bad("layer_wrong_digest")

    def test_config_blob_wrong_digest(self):
        self.run_bad("config_wrong_digest")

    def test_layer_blob_shorter_than_descriptor(self):
        self.run_bad("layer_truncated")

    def test_layer_blob_longer_than_descriptor(self):
        self.run_bad("layer_extra_bytes")

    # ----------------------------------------------------------------- media types

    def test_unknown_layer_media_type(self):
        self.run_bad("bogus_layer_media_type")

    def test_unknown_manifest_media_type(self):
        self.run_bad("bogus_manifest_media_type", no_writes=True)

    # ----------------------------------------------------------------- paths

    def test_blob_symlink_escapes_layout_absolute(self):
        self.run_bad("symlink_escape_absolute")

    def test_blob_symlink_escapes_layout_relative(self):
        self.run_bad("symlink_escape_relative")

    def test_digest_with_dotdot(self):
        self.run_bad("digest_dotdot", no_writes=True)

    def test_layer_digest_absolute_path(self):
        self.run_bad("layer_digest_absolute")

    # ----------------------------------------------------------------- structure / sizes

    def test_index_nesting_too_deep(self):
        self.run_bad("deep_nesting", no_writes=True)

    def test_absurd_manifest_size(self):
        self.run_bad("absurd_manifest_size", no_writes=True, max_seconds=20)

    def test_absurd_config_size(self):
        self.run_bad("absurd_config_size", max_seconds=20)

    def test_absurd_layer_size(self):
        self.run_bad("absurd_layer_size", max_seconds=20)

    # ----------------------------------------------------------------- selection

    def test_several_images_no_selection(self):
        path, lay = self.built("two", _two)
        self.check_failure([path, f"{self.reg.host}/app:1.0"], 1, ["first", "second"],
                           no_writes=True)
        line = self.error_line(self.oci_push("-q", path, f"{self.reg.host}/app:1.0"))
        for name in ("first", "second"):
            self.assertIn(name, line, "the error must list the images to choose from")

    def test_unknown_ref(self):
        path, lay = self.built("two", _two)
        self.check_failure([f"oci:{path}:third", f"{self.reg.host}/app:1.0"], 1, ["third"],
                           no_writes=True)

    def test_platform_not_in_index(self):
        path, lay = self.built("multi", lambda w, p: of.build_multiarch_layout(w, p, "multi"))
        self.check_failure(["--platform", "linux/s390x", path, f"{self.reg.host}/app:1.0"], 1,
                           ["linux/s390x"], no_writes=True)

    def test_all_with_one_broken_image_tags_nothing_of_it(self):
        """--all where the second image is broken: nothing of the broken one is tagged."""
        path = of.copy_layout(self.built("two", _two)[0], os.path.join(self.tmp, "two-bad"))
        second = of.read_layout(path).by_name("second")
        os.unlink(of.blob_path(path, second.layers[-1].digest))
        res = self.oci_push("--all", path, f"{self.reg.host}/mirror")
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn(second.layers[-1].digest[7:19], line, res.describe())
        self.assertNoManifest(self.reg, "mirror/second", tags=("second",))

    # ----------------------------------------------------------------- archives and streams

    def test_oci_archive_with_wrong_layer_digest(self):
        b = self.bad("layer_wrong_digest")
        arc = of.tar_layout(b.path, os.path.join(self.tmp, "bad.tar"))
        self.check_failure([arc, f"{self.reg.host}/app:1.0"], 1, b.names)

    def test_compressed_stream_with_wrong_layer_digest(self):
        b = self.bad("layer_wrong_digest")
        arc = of.tar_layout(b.path, os.path.join(self.tmp, "bad.tar"))
        comp = of.compress_file(arc, arc + ".gz", "gzip")
        with open(comp, "rb") as f:
            data = f.read()
        self.check_failure(["-", f"{self.reg.host}/app:1.0"], 1, b.names, stdin=data)

    def test_oci_archive_blob_symlink_out_of_archive(self):
        """An oci-archive whose layer blob entry is a symlink to /etc/hostname (absolute)
        or ../../../etc/hostname: neither may be followed out of the archive."""
        lay = of.read_layout(self.good)
        last = lay.only.layers[-1]
        name = "blobs/sha256/" + last.digest[7:]
        for target in ("/etc/hostname", "../../../etc/hostname"):
            with self.subTest(target=target):
                src = of.copy_layout(self.good, os.path.join(self.tmp, "sym-src"))
                os.unlink(of.blob_path(src, last.digest))
                arc = of.tar_layout(src, os.path.join(self.tmp, "sym.tar"), {name: target})
                self.check_failure([arc, f"{self.reg.host}/app:1.0"], 1,
                                   [last.digest, last.digest[7:], target])

    def test_inspect_reports_bad_layout(self):
        b = self.bad("missing_manifest_blob")
        res = self.oci_push("inspect", b.path, "--json")
        self.assertExit(res, 1)
        self.assertEqual(res.stdout, "", res.describe())
        line = self.error_line(res)
        self.assertTrue(any(n in line for n in b.names), res.describe())


if __name__ == "__main__":
    unittest.main()
