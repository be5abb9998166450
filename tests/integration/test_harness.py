"""Self-checks of the test harness, with skopeo standing in for oci-push.

These do not run oci-push. They make sure that the fixture tarballs are valid docker-save
archives for a foreign client (skopeo), that the corrupt ones are rejected by it, that the
verifier accepts a correct push and rejects wrong ones, and that the registry request log
counting sees what a client did. If these fail, failures elsewhere are not product bugs.
"""

import unittest

from harness import fixtures, verify
from harness.base import IntegrationTestCase


class HarnessSelfTest(IntegrationTestCase):

    def skopeo_push(self, reg, archive_spec, repo, tag, fmt=None, creds=None):
        args = ["copy", "--quiet", "--dest-tls-verify=false"]
        if fmt:
            args.append(f"--format={fmt}")
        if creds:
            args.append(f"--dest-creds={creds[0]}:{creds[1]}")
        return verify.skopeo(self.tmp, *args, f"docker-archive:{archive_spec}",
                             f"docker://{reg.host}/{repo}:{tag}")

    def assertSkopeoOk(self, p):
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))

    def test_basic_fixture_pushed_by_skopeo_verifies(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        self.assertEqual(fixtures.read_archive(path)[0].diff_ids, img.diff_ids)
        reg = self.start_registry()
        mark = reg.mark()
        self.assertSkopeoOk(self.skopeo_push(reg, path, "app", "1.0"))
        v = self.verify(reg, "app", "1.0", img)
        self.assertEqual(v.config_digest, img.config_digest)
        # the 12 MiB layer is more than 5 MiB after gzip, so 5 MiB chunks give 2+ chunks
        self.assertGreater(v.manifest["layers"][1]["size"], 5 * fixtures.MiB)
        # skopeo uploaded 4 blobs: one POST each to /blobs/uploads/, one manifest PUT
        self.assertEqual(reg.count_requests("POST", r"^/v2/app/blobs/uploads/$", mark), 4,
                         reg.describe_requests(mark))
        self.assertEqual(reg.count_requests("PUT", r"^/v2/app/manifests/1\.0$", mark), 1)
        # the upload sessions decode: one per blob, their data adds up to the blob sizes
        sizes = {d["digest"]: d["size"] for d in [v.manifest["config"], *v.manifest["layers"]]}
        sessions = reg.upload_sessions("app", mark)
        self.assertEqual(sorted(s.digest for s in sessions), sorted(sizes))
        for s in sessions:
            self.assertEqual(sum(s.chunk_sizes(sizes[s.digest])), sizes[s.digest])
            self.assertEqual(s.offsets[0], 0)
        # pushing again uploads nothing (blobs exist), which the log shows
        mark2 = reg.mark()
        self.assertSkopeoOk(self.skopeo_push(reg, path, "app", "1.0"))
        self.assertEqual(reg.count_requests("POST", r"/blobs/uploads/", mark2), 0,
                         reg.describe_requests(mark2))
        self.assertGreater(reg.count_requests("HEAD", r"^/v2/app/blobs/sha256:", mark2), 0)
        self.assertEqual(verify.list_tags(self.tmp, reg.host, "app"), ["1.0"])

    def test_verifier_rejects_wrong_things(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        reg = self.start_registry()
        self.assertSkopeoOk(self.skopeo_push(reg, path, "app", "1.0"))
        with self.assertRaisesRegex(AssertionError, "mediaType"):
            self.verify(reg, "app", "1.0", img, media_type=verify.OCI_MANIFEST)
        other_path, other = self.fixture("toplevel", fixtures.write_toplevel)
        with self.assertRaisesRegex(AssertionError, "config digest"):
            self.verify(reg, "app", "1.0", other)
        # skopeo's own conversion to OCI re-serialises the config: the verifier must notice
        self.assertSkopeoOk(self.skopeo_push(reg, path, "conv", "1.0", fmt="oci"))
        with self.assertRaisesRegex(AssertionError, "config digest"):
            self.verify(reg, "conv", "1.0", img, media_type=verify.OCI_MANIFEST)
        with self.assertRaises(AssertionError):
            self.verify(reg, "missing", "1.0", img)
        # and a registry without the repo has neither tags nor manifest
        self.assertIsNone(verify.list_tags(self.tmp, reg.host, "missing"))
        self.assertFalse(verify.manifest_exists(self.tmp, reg.host, "missing", "1.0"))

    def test_oci_manifest_verifies(self):
        # verify's OCI path (pull into an oci: layout), with an OCI image made by umoci and
        # pushed unchanged by skopeo
        work = self.tmp
        path = f"{self.tmp}/umoci.tar"
        img = fixtures.build_umoci_archive(work, path)
        reg = self.start_registry()
        # umoci's layout is OCI: push it as-is (no conversion, config bytes preserved)
        p = verify.skopeo(self.tmp, "copy", "--quiet", "--dest-tls-verify=false",
                          f"oci:{work}/umoci-layout:base", f"docker://{reg.host}/umoci:oci")
        self.assertSkopeoOk(p)
        raw_cfg = verify.inspect_config_raw(self.tmp, reg.host, "umoci", "oci")
        oci_img = fixtures.ImageFixture(img.repo_tags, img.config_entry, raw_cfg, img.layers)
        self.verify(reg, "umoci", "oci", oci_img, media_type=verify.OCI_MANIFEST,
                    allow_missing_media_type=True)
        # and the docker-archive skopeo wrote, pushed as docker v2s2, verifies too
        self.assertSkopeoOk(self.skopeo_push(reg, path, "umoci", "docker"))
        self.verify(reg, "umoci", "docker", img)

    def test_layouts_and_shared_layers_are_readable_by_skopeo(self):
        reg = self.start_registry()
        path, imgs = self.fixture("shared", fixtures.write_shared_layer)
        self.assertEqual(len(imgs), 2)
        self.assertEqual(imgs[0].diff_ids[0], imgs[1].diff_ids[0])
        for img, tag in zip(imgs, ("one", "two")):
            self.assertSkopeoOk(self.skopeo_push(reg, f"{path}:{img.repo_tags[0]}", "shared", tag))
            self.verify(reg, "shared", tag, img)
        path, img = self.fixture("toplevel", fixtures.write_toplevel)
        self.assertSkopeoOk(self.skopeo_push(reg, path, "top", "1.0"))
        self.verify(reg, "top", "1.0", img)
        path, img = self.fixture("dup", fixtures.write_duplicate_layer)
        self.assertSkopeoOk(self.skopeo_push(reg, path, "dup", "1.0"))
        self.verify(reg, "dup", "1.0", img)
        path, imgs = self.fixture("multi", fixtures.write_multi)
        self.assertEqual([i.repo_tags for i in imgs], [["alpha/one:1"], ["beta/two:2"]])
        # skopeo also refuses a multi-image archive without a name
        self.assertNotEqual(self.skopeo_push(reg, path, "multi", "x").returncode, 0)
        self.assertSkopeoOk(self.skopeo_push(reg, f"{path}:beta/two:2", "multi", "two"))
        self.verify(reg, "multi", "two", imgs[1])

    def test_corrupt_fixtures_are_rejected(self):
        reg = self.start_registry()
        for kind in fixtures.CORRUPTIONS:
            with self.subTest(kind=kind):
                cf = fixtures.write_corrupt(f"{self.tmp}/{kind}.tar", kind)
                with self.assertRaises(Exception):
                    fixtures.read_archive(cf.path)
                if kind == "layer_digest_mismatch":
                    continue  # skopeo 1.9 does not check diff_ids when reading an archive
                p = self.skopeo_push(reg, cf.path, "bad", kind)
                self.assertNotEqual(p.returncode, 0, f"skopeo accepted the {kind} fixture")
        self.assertNoManifest(reg, "bad", tags=[k for k in fixtures.CORRUPTIONS
                                                if k != "layer_digest_mismatch"])

    def test_auth_registry(self):
        path, img = self.fixture("toplevel", fixtures.write_toplevel)
        reg = self.start_registry(auth=("user", "s3cret-pw"))
        mark = reg.mark()
        p = self.skopeo_push(reg, path, "app", "1.0")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(401, [r.status for r in reg.requests(mark)])
        p = self.skopeo_push(reg, path, "app", "1.0", creds=("user", "wrong"))
        self.assertNotEqual(p.returncode, 0)
        self.assertSkopeoOk(self.skopeo_push(reg, path, "app", "1.0", creds=("user", "s3cret-pw")))
        self.verify(reg, "app", "1.0", img, creds=("user", "s3cret-pw"))
        with self.assertRaises(AssertionError):
            verify.inspect_raw(self.tmp, reg.host, "app", "1.0")


if __name__ == "__main__":
    unittest.main()
