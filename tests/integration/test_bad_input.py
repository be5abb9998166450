"""Bad input and bad usage: the right exit code, one clear error line, nothing pushed.

Every case is run twice: as is (progress may precede the error, but the error must be the
only `oci-push: error: ` line and the last line of stderr) and with -q (stderr must be exactly
that one line). Usage errors exit 2 and must not contact the registry at all; everything else
exits 1 and must leave no manifest or tag behind.
"""

import os
import unittest

from harness import fixtures, registry
from harness.base import ERROR_PREFIX, IntegrationTestCase


class BadInputTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.reg = self.start_registry()
        self.good, self.good_img = self.fixture("good", lambda p: fixtures.write_archive(
            p, [fixtures.small_spec(["example/good:1.0"], label="good")])[0])

    def check_failure(self, args, code, names, repo="app", tags=("1.0",), stdin=None,
                      no_requests=False, no_writes=False):
        """Run oci-push with args (and again with -q prepended); check exit code, the error
        line, that it names one of `names`, and that the registry holds no manifest for repo.
        no_requests: the registry must not have been contacted at all (usage errors);
        no_writes: no PUT/POST/PATCH/DELETE (input the tool must reject before uploading)."""
        for quiet in (False, True):
            with self.subTest(quiet=quiet):
                mark = self.reg.mark()
                res = self.oci_push(*(["-q"] if quiet else []), *args, stdin=stdin, timeout=120)
                self.assertExit(res, code)
                self.assertEqual(res.stdout, "", f"nothing belongs on stdout\n{res.describe()}")
                line = self.error_line(res)
                if quiet:
                    self.assertEqual(res.stderr_lines, [line],
                                     f"with -q stderr must be the error line only\n{res.describe()}")
                self.assertTrue(any(n in line for n in names),
                                f"error line names none of {names}\n{res.describe()}")
                if no_requests:
                    self.assertEqual(self.reg.access_requests(mark), [],
                                     f"a usage error contacted the registry:\n"
                                     f"{self.reg.describe_requests(mark)}")
                if no_writes or no_requests:
                    self.assertEqual(self.reg.write_requests(mark), [],
                                     f"bad input, yet the registry was written to:\n"
                                     f"{self.reg.describe_requests(mark)}")
                self.assertNoManifest(self.reg, repo, tags=tags, since=mark)
                if no_writes or no_requests:
                    self.assertEqual(self.reg.catalog(), [])

    def corrupt(self, kind):
        return fixtures.write_corrupt(os.path.join(self.tmp, f"{kind}.tar"), kind)

    # ------------------------------------------------------------- input files

    def test_missing_file(self):
        path = os.path.join(self.tmp, "does-not-exist.tar")
        self.check_failure([path, f"{self.reg.host}/app:1.0"], 1, [path, "does-not-exist.tar"],
                           no_writes=True)

    def test_not_a_tar(self):
        cf = self.corrupt("not_a_tar")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names, no_writes=True)

    def test_empty_file(self):
        cf = self.corrupt("empty_file")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names, no_writes=True)

    def test_truncated_tar(self):
        cf = self.corrupt("truncated")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names)

    def test_missing_manifest_json(self):
        cf = self.corrupt("missing_manifest")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names, no_writes=True)

    def test_invalid_manifest_json(self):
        cf = self.corrupt("invalid_manifest")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names, no_writes=True)

    def test_manifest_json_wrong_shape(self):
        cf = self.corrupt("manifest_wrong_shape")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names, no_writes=True)

    def test_layer_listed_but_absent(self):
        cf = self.corrupt("layer_absent")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names)

    def test_layer_digest_mismatch(self):
        cf = self.corrupt("layer_digest_mismatch")
        self.check_failure([cf.path, f"{self.reg.host}/app:1.0"], 1, cf.names)

    # ------------------------------------------------------------- usage errors

    def test_malformed_reference_uppercase_repo(self):
        target = f"{self.reg.host}/UPPER:tag"
        self.check_failure([self.good, target], 2, [target, "UPPER"], repo="upper",
                           tags=("tag",), no_requests=True)

    def test_malformed_reference_bad_tag(self):
        target = f"{self.reg.host}/app:bad tag"
        self.check_failure([self.good, target], 2, [target, "bad tag"], tags=("bad",),
                           no_requests=True)

    def test_malformed_extra_tag(self):
        self.check_failure(["-t", "no good", self.good, f"{self.reg.host}/app:1.0"], 2,
                           ["no good"], no_requests=True)

    def test_unknown_option(self):
        self.check_failure(["--frobnicate", self.good, f"{self.reg.host}/app:1.0"], 2,
                           ["--frobnicate", "frobnicate"], no_requests=True)

    def test_chunk_size_too_small(self):
        self.check_failure(["--chunk-size", "1k", self.good, f"{self.reg.host}/app:1.0"], 2,
                           ["chunk-size", "chunk size", "1k"], no_requests=True)

    def test_bad_format(self):
        self.check_failure(["--format", "tarball", self.good, f"{self.reg.host}/app:1.0"], 2,
                           ["tarball", "format"], no_requests=True)

    # ------------------------------------------------------------- network

    def test_registry_refuses_connection(self):
        port = registry.free_port()  # nothing listens there
        host = f"127.0.0.1:{port}"
        for quiet in (False, True):
            with self.subTest(quiet=quiet):
                res = self.oci_push(*(["-q"] if quiet else []), self.good, f"{host}/app:1.0",
                                    timeout=60)
                self.assertExit(res, 1)
                self.assertEqual(res.stdout, "")
                line = self.error_line(res)
                self.assertTrue(line.startswith(ERROR_PREFIX))
                self.assertIn(host, line, res.describe())
                if quiet:
                    self.assertEqual(res.stderr_lines, [line], res.describe())

    def test_good_fixture_is_good(self):
        # Guard against false passes above: the same arguments with the good tarball work.
        res = self.oci_push(self.good, f"{self.reg.host}/app:1.0")
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertEqual(self.verify(self.reg, "app", "1.0", self.good_img).digest, digest)


if __name__ == "__main__":
    unittest.main()
