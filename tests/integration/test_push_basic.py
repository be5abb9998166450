"""oci-push pushes docker-save tarballs to a real registry; skopeo checks the result."""

import json
import os
import re
import unittest

from harness import fixtures, verify
from harness.base import DIGEST_RE, IntegrationTestCase


def _basic(path):
    return fixtures.write_basic(path, repo_tags=("example/app:1.0", "example/app:latest"))


def _named(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["myorg/tool:2.5"], label="named")])[0]


class PushBasicTest(IntegrationTestCase):

    # ----------------------------------------------------------------- helpers

    def check_json(self, obj, *, host, repo, image, verified, tags, media_type, dry_run=False):
        """The --json object matches what skopeo sees in the registry."""
        for key in ("reference", "digest", "mediaType", "repository", "tags", "config",
                    "layers", "dryRun"):
            self.assertIn(key, obj, f"--json output lacks {key!r}: {obj}")
        self.assertEqual(obj["digest"], verified.digest)
        self.assertEqual(obj["reference"], f"{host}/{repo}@{verified.digest}")
        self.assertEqual(obj["mediaType"], media_type)
        self.assertIn(obj["repository"], (repo, f"{host}/{repo}"))
        self.assertEqual(sorted(obj["tags"]), sorted(tags))
        self.assertIs(obj["dryRun"], dry_run)
        cfg = obj["config"]
        self.assertEqual(cfg.get("digest"), image.config_digest)
        self.assertEqual(cfg.get("size"), len(image.config_bytes))
        self.assertIsInstance(cfg.get("skipped"), bool)
        layer_type = verify.FAMILY[media_type][1]
        self.assertEqual(len(obj["layers"]), len(image.layers))
        for i, (jl, ml, fl) in enumerate(zip(obj["layers"], verified.manifest["layers"],
                                             image.layers)):
            with self.subTest(layer=i):
                self.assertEqual(jl.get("digest"), ml["digest"])
                self.assertEqual(jl.get("size"), ml["size"])
                self.assertEqual(jl.get("diffId"), fl.diff_id)
                self.assertEqual(jl.get("mediaType"), layer_type)
                self.assertIsInstance(jl.get("skipped"), bool)

    # ----------------------------------------------------------------- tests

    def test_push_docker_format_by_default(self):
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app:1.0")
        digest = self.assertPushed(res, reg.host, "app")
        v = self.verify(reg, "app", "1.0", img, verify.DOCKER_MANIFEST)
        self.assertEqual(digest, v.digest, "printed digest != sha256 of the manifest skopeo got")
        self.assertEqual(verify.list_tags(self.tmp, reg.host, "app"), ["1.0"])
        # pull by digest works as well
        self.assertEqual(verify.inspect_raw(self.tmp, reg.host, "app", digest), v.raw_manifest)

    def test_push_oci_format(self):
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        res = self.oci_push("--format", "oci", path, f"{reg.host}/app:oci")
        digest = self.assertPushed(res, reg.host, "app")
        v = self.verify(reg, "app", "oci", img, verify.OCI_MANIFEST)
        self.assertEqual(digest, v.digest)

    def test_push_chunked_upload(self):
        # --chunk-size 5MiB: the 12 MiB layer is > 5 MiB after gzip, so it must go in chunks
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push("--chunk-size", "5MiB", path, f"{reg.host}/app:chunked")
        digest = self.assertPushed(res, reg.host, "app")
        v = self.verify(reg, "app", "chunked", img)
        self.assertEqual(digest, v.digest)
        big = max(v.manifest["layers"], key=lambda layer: layer["size"])
        self.assertGreater(big["size"], 5 * fixtures.MiB)
        sessions = [u for u in reg.upload_sessions("app", mark) if u.digest == big["digest"]]
        self.assertEqual(len(sessions), 1, f"expected one upload of {big['digest']}:\n"
                         f"{reg.describe_requests(mark)}")
        chunks = sessions[0].chunk_sizes(big["size"])
        self.assertEqual(sum(chunks), big["size"])
        self.assertGreaterEqual(len(chunks), -(-big["size"] // (5 * fixtures.MiB)),
                                f"a {big['size']}-byte blob went up in chunks {chunks}")
        # every chunk but the last at least 5 MiB (what ECR demands, the reason for the
        # option's minimum), and none larger than the chunk size asked for
        self.assertTrue(all(c >= 5 * fixtures.MiB for c in chunks[:-1]),
                        f"non-final chunks smaller than 5 MiB: {chunks}")
        self.assertTrue(all(c <= 5 * fixtures.MiB for c in chunks),
                        f"--chunk-size 5MiB, but chunks of {chunks} bytes were sent")

    def test_push_umoci_skopeo_archive(self):
        path = os.path.join(self.tmp, "umoci.tar")
        img = fixtures.build_umoci_archive(self.tmp, path, "example/umoci:1.0")
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/umoci:1.0")
        digest = self.assertPushed(res, reg.host, "umoci")
        v = self.verify(reg, "umoci", "1.0", img)
        self.assertEqual(digest, v.digest)
        res = self.oci_push("--format", "oci", path, f"{reg.host}/umoci:oci")
        digest = self.assertPushed(res, reg.host, "umoci")
        self.assertEqual(digest, self.verify(reg, "umoci", "oci", img, verify.OCI_MANIFEST).digest)
        # skopeo writes fully qualified RepoTags ("docker.io/example/umoci:1.0"); with
        # --registry the repository is the name's path part, as docker would parse it
        self.assertEqual(img.repo_tags, ["docker.io/example/umoci:1.0"])
        res = self.oci_push("--registry", reg.host, path)
        digest = self.assertPushed(res, reg.host, "example/umoci")
        self.assertEqual(digest, self.verify(reg, "example/umoci", "1.0", img).digest)

    def test_extra_tag(self):
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        res = self.oci_push("-t", "extra", "--tag", "another", path, f"{reg.host}/app:1.0")
        digest = self.assertPushed(res, reg.host, "app")
        for tag in ("1.0", "extra", "another"):
            with self.subTest(tag=tag):
                self.assertEqual(self.verify(reg, "app", tag, img).digest, digest)
        self.assertEqual(sorted(verify.list_tags(self.tmp, reg.host, "app")),
                         ["1.0", "another", "extra"])

    def test_target_without_tag_uses_repotags(self):
        path, img = self.fixture("basic", _basic)  # RepoTags example/app:1.0, example/app:latest
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app")
        digest = self.assertPushed(res, reg.host, "app")
        self.assertEqual(sorted(verify.list_tags(self.tmp, reg.host, "app")), ["1.0", "latest"])
        for tag in ("1.0", "latest"):
            with self.subTest(tag=tag):
                self.assertEqual(self.verify(reg, "app", tag, img).digest, digest)

    def test_registry_option_without_target_uses_repotags(self):
        path, img = self.fixture("named", _named)  # RepoTags myorg/tool:2.5
        reg = self.start_registry()
        res = self.oci_push("--registry", reg.host, path)
        digest = self.assertPushed(res, reg.host, "myorg/tool")
        self.assertEqual(verify.list_tags(self.tmp, reg.host, "myorg/tool"), ["2.5"])
        self.assertEqual(self.verify(reg, "myorg/tool", "2.5", img).digest, digest)

    def test_multi_image_needs_image_option(self):
        path, imgs = self.fixture("multi", fixtures.write_multi)  # alpha/one:1, beta/two:2
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push(path, f"{reg.host}/multi:x")
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("alpha/one:1", line)
        self.assertIn("beta/two:2", line)
        self.assertEqual(res.stdout, "")
        self.assertNoManifest(reg, "multi", tags=["x"], since=mark)

        res = self.oci_push("--image", "beta/two:2", path, f"{reg.host}/multi:two")
        digest = self.assertPushed(res, reg.host, "multi")
        self.assertEqual(self.verify(reg, "multi", "two", imgs[1]).digest, digest)
        res = self.oci_push("--image", "alpha/one:1", path, f"{reg.host}/multi:one")
        digest = self.assertPushed(res, reg.host, "multi")
        self.assertEqual(self.verify(reg, "multi", "one", imgs[0]).digest, digest)

    def test_shared_layer_symlink(self):
        path, imgs = self.fixture("shared", fixtures.write_shared_layer)
        reg = self.start_registry()
        for img, tag in zip(imgs, ("one", "two")):
            with self.subTest(image=img.repo_tags[0]):
                res = self.oci_push("--image", img.repo_tags[0], path, f"{reg.host}/shared:{tag}")
                digest = self.assertPushed(res, reg.host, "shared")
                v = self.verify(reg, "shared", tag, img)
                self.assertEqual(digest, v.digest)
        # the shared layer is the same blob in both manifests
        one = json.loads(verify.inspect_raw(self.tmp, reg.host, "shared", "one"))
        two = json.loads(verify.inspect_raw(self.tmp, reg.host, "shared", "two"))
        self.assertEqual(one["layers"][0]["digest"], two["layers"][0]["digest"])

    def test_duplicate_layer_in_one_image(self):
        path, img = self.fixture("dup", fixtures.write_duplicate_layer)
        reg = self.start_registry()
        digest = self.assertPushed(self.oci_push(path, f"{reg.host}/dup:1"), reg.host, "dup")
        v = self.verify(reg, "dup", "1", img)
        self.assertEqual(digest, v.digest)
        self.assertEqual(v.layer_digests[0], v.layer_digests[2])

    def test_toplevel_hex_tar_layers(self):
        path, img = self.fixture("toplevel", fixtures.write_toplevel)
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{64}\.tar", layer.entry) for layer in img.layers))
        reg = self.start_registry()
        digest = self.assertPushed(self.oci_push(path, f"{reg.host}/top:1.0"), reg.host, "top")
        self.assertEqual(self.verify(reg, "top", "1.0", img).digest, digest)

    def test_digest_file(self):
        path, img = self.fixture("toplevel", fixtures.write_toplevel)
        reg = self.start_registry()
        digest_file = os.path.join(self.tmp, "out", "digest.txt")
        os.makedirs(os.path.dirname(digest_file))
        res = self.oci_push("--digest-file", digest_file, path, f"{reg.host}/top:1.0")
        digest = self.assertPushed(res, reg.host, "top")
        with open(digest_file) as f:
            content = f.read()
        self.assertRegex(content, f"^{DIGEST_RE}\n?$")
        self.assertEqual(content.strip(), digest)
        self.assertEqual(self.verify(reg, "top", "1.0", img).digest, digest)

    def test_json_output(self):
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        res = self.oci_push("--json", "-t", "extra", path, f"{reg.host}/app:1.0")
        obj = self.parse_json(res)
        v = self.verify(reg, "app", "1.0", img)
        self.check_json(obj, host=reg.host, repo="app", image=img, verified=v,
                        tags=["1.0", "extra"], media_type=verify.DOCKER_MANIFEST)
        # first push into an empty registry: nothing can have been skipped
        self.assertFalse(any(layer["skipped"] for layer in obj["layers"]), obj["layers"])
        self.assertFalse(obj["config"]["skipped"])

        res = self.oci_push("--json", "--format", "oci", path, f"{reg.host}/app:oci")
        obj = self.parse_json(res)
        v = self.verify(reg, "app", "oci", img, verify.OCI_MANIFEST)
        self.check_json(obj, host=reg.host, repo="app", image=img, verified=v,
                        tags=["oci"], media_type=verify.OCI_MANIFEST)

    def test_second_push_skips_existing_blobs(self):
        path, img = self.fixture("basic", _basic)
        reg = self.start_registry()
        first = self.parse_json(self.oci_push("--json", path, f"{reg.host}/app:1.0"))
        mark = reg.mark()
        res = self.oci_push("--json", path, f"{reg.host}/app:1.0")
        second = self.parse_json(res)
        v = self.verify(reg, "app", "1.0", img)
        self.check_json(second, host=reg.host, repo="app", image=img, verified=v,
                        tags=["1.0"], media_type=verify.DOCKER_MANIFEST)
        self.assertEqual(first["digest"], second["digest"])
        self.assertEqual([layer["skipped"] for layer in second["layers"]],
                         [True] * len(img.layers), second["layers"])
        self.assertIs(second["config"]["skipped"], True, second["config"])
        uploads = reg.count_requests("POST", r"/blobs/uploads/", mark)
        patches = reg.count_requests("PATCH", r"/blobs/uploads/", mark)
        self.assertEqual((uploads, patches), (0, 0),
                         f"second push started uploads:\n{reg.describe_requests(mark)}")

    def test_quiet(self):
        path, img = self.fixture("toplevel", fixtures.write_toplevel)
        reg = self.start_registry()
        res = self.oci_push("-q", path, f"{reg.host}/top:q")
        digest = self.assertPushed(res, reg.host, "top")
        self.assertEqual(res.stderr, "", "-q must keep stderr empty on success")
        self.assertEqual(self.verify(reg, "top", "q", img).digest, digest)

    def test_help_and_version(self):
        res = self.oci_push("--help")
        self.assertExit(res, 0)
        for opt in ("--tag", "--registry", "--image", "--format", "--password-stdin",
                    "--chunk-size", "--dry-run", "--json"):
            self.assertIn(opt, res.stdout, f"--help does not mention {opt}")
        res = self.oci_push("--version")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"\d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
