"""Skipping work on a re-push (issue 5): the local digest cache under $XDG_CACHE_HOME/oci-push,
stale and corrupt cache entries, reuse from the registry without a local cache (the target tag
and --cache-from), and codec agreement when pairing.

"Uploaded" is judged from the registry's own request log: a layer counts as uploaded when an
upload session (POST .../blobs/uploads/ then PATCH*/PUT ?digest=) ended with its digest; a
cross-repository mount is a POST with ?mount= and no session. Images are checked with skopeo.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import cli, fixtures, verify
from harness.base import IntegrationTestCase

MiB = fixtures.MiB
KiB = fixtures.KiB
REPO_ROOT = os.path.normpath(os.path.join(cli.TESTS_DIR, "..", ".."))
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"


def _ensure_binary_copy(cls) -> None:
    """Other engineers rebuild build/oci-push while tests run: rebuild it if it is missing,
    then run a private copy for the whole class (OCI_PUSH restored afterwards)."""
    src = cli.binary_path()
    if not os.path.isfile(src):
        subprocess.run(["ninja", "-C", os.path.join(REPO_ROOT, "build"), "oci-push"],
                       check=True, capture_output=True, timeout=600)
    if not os.path.isfile(src):
        raise AssertionError(f"oci-push binary not found at {src} and ninja did not build it")
    d = tempfile.mkdtemp(prefix=f"oci-push-it-{cls.__name__}-bin-")
    dst = os.path.join(d, "oci-push")
    shutil.copy2(src, dst)
    old = os.environ.get("OCI_PUSH")
    os.environ["OCI_PUSH"] = dst

    def restore():
        if old is None:
            os.environ.pop("OCI_PUSH", None)
        else:
            os.environ["OCI_PUSH"] = old
        shutil.rmtree(d, ignore_errors=True)
    cls.addClassCleanup(restore)


# Three layers: small, big (> 8 MiB, so the upload is chunked), medium. "top" varies per image;
# base-a and base-b are byte-identical between images built with the same `base` label.
def layered_spec(repo_tag: str, top: str, base: str = "cache-base") -> fixtures.ImageSpec:
    return fixtures.ImageSpec([repo_tag], [
        fixtures.LayerSpec(f"{base}-a", 40 * KiB, 2),
        fixtures.LayerSpec(f"{base}-b", 9 * MiB, 3),
        fixtures.LayerSpec(f"{top}-top", 300 * KiB, 2),
    ], label=top)


def write_one(spec):
    return lambda path: fixtures.write_archive(path, [spec])[0]


class CacheTestBase(IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _ensure_binary_copy(cls)

    def setUp(self):
        super().setUp()
        self.xdg_cache = os.path.join(self.tmp, "xdg-cache")
        os.makedirs(self.xdg_cache)
        self.cache_dir = os.path.join(self.xdg_cache, "oci-push")

    def push(self, *args, xdg=None):
        return self.oci_push(*args, env={"XDG_CACHE_HOME": xdg or self.xdg_cache})

    def image(self, name="app", top="app"):
        return self.fixture(name, write_one(layered_spec(f"example/{name}:1", top)))

    def cache_files(self, root=None) -> list[str]:
        root = root or self.cache_dir
        out = []
        for dirpath, _dirs, files in os.walk(root):
            out.extend(os.path.join(dirpath, f) for f in files)
        return sorted(out)

    def layer_uploads(self, reg, repo, since, layer_digests) -> list[str]:
        """Digests of the layers (among layer_digests) uploaded to repo since the mark."""
        done = [s.digest for s in reg.upload_sessions(repo, since)]
        return [d for d in done if d in set(layer_digests)]

    def upload_posts(self, reg, repo, since):
        """(plain upload POSTs, mount POSTs) to repo since the mark."""
        posts = [r for r in reg.requests(since)
                 if r.method == "POST" and r.path == f"/v2/{repo}/blobs/uploads/"]
        mounts = [r for r in posts if "mount=" in r.uri]
        return [r for r in posts if "mount=" not in r.uri], mounts

    def json_layers(self, res) -> list[dict]:
        obj = self.parse_json(res)
        layers = obj.get("layers")
        self.assertIsInstance(layers, list, res.describe())
        return layers

    def delete_blob(self, reg, repo, digest):
        st, _, body = reg.http("DELETE", f"/v2/{repo}/blobs/{digest}")
        self.assertEqual(st, 202, f"DELETE blob {digest}: {st} {body[:200]!r}")
        st, _, _ = reg.http("HEAD", f"/v2/{repo}/blobs/{digest}")
        self.assertEqual(st, 404, f"blob {digest} still served after DELETE")

    def delete_manifest(self, reg, repo, digest):
        st, _, body = reg.http("DELETE", f"/v2/{repo}/manifests/{digest}")
        self.assertEqual(st, 202, f"DELETE manifest {digest}: {st} {body[:200]!r}")


class LocalCacheTest(CacheTestBase):

    def test_repush_uses_cache_uploads_no_layer(self):
        path, img = self.image()
        reg = self.start_registry()
        first = self.json_layers(self.push("--json", path, f"{reg.host}/a:1"))
        digests = [layer["digest"] for layer in first]
        self.assertEqual([layer["diffId"] for layer in first], img.diff_ids)
        self.assertTrue(all(layer["skipped"] is False for layer in first), first)

        files = self.cache_files()
        self.assertTrue(files, f"nothing was written under {self.cache_dir}")
        # the blob entries name the compressed digests of this push
        text = ""
        for f in files:
            with open(f, "rb") as fh:
                text += fh.read().decode("utf-8", "replace")
        for d in digests:
            self.assertIn(d, text, f"no cache file under {self.cache_dir} names {d}")

        # same repository, new tag
        mark = reg.mark()
        res = self.push("--json", path, f"{reg.host}/a:2")
        second = self.json_layers(res)
        self.assertEqual([layer["digest"] for layer in second], digests)
        self.assertTrue(all(layer["skipped"] is True for layer in second), second)
        self.assertEqual(self.layer_uploads(reg, "a", mark, digests), [],
                         reg.describe_requests(mark))
        plain, mounts = self.upload_posts(reg, "a", mark)
        self.assertEqual(plain + mounts, [], f"upload POSTs on a cached re-push:\n"
                         f"{reg.describe_requests(mark)}")
        self.assertEqual(reg.count_requests("PATCH", r"/blobs/uploads/", mark), 0)
        for i in range(1, len(digests) + 1):
            self.assertRegex(res.stderr, rf"layer {i}/{len(digests)} \S+: exists")

        # another repository: mounted from a, never uploaded
        mark = reg.mark()
        res = self.push("--json", path, f"{reg.host}/b:1")
        third = self.json_layers(res)
        self.assertEqual([layer["digest"] for layer in third], digests)
        self.assertTrue(all(layer["skipped"] is True for layer in third), third)
        self.assertEqual(self.layer_uploads(reg, "b", mark, digests), [],
                         reg.describe_requests(mark))
        self.assertEqual(reg.count_requests("PATCH", r"/blobs/uploads/", mark), 0,
                         reg.describe_requests(mark))
        plain, mounts = self.upload_posts(reg, "b", mark)
        mounted = {urllib.parse.parse_qs(urllib.parse.urlsplit(r.uri).query)["mount"][0]
                   for r in mounts}
        self.assertEqual(mounted, set(digests), reg.describe_requests(mark))
        self.assertTrue(all(r.status == 201 for r in mounts), reg.describe_requests(mark))
        self.assertLessEqual(len(plain), 1, "only the config may be uploaded:\n"
                             + reg.describe_requests(mark))
        for i in range(1, len(digests) + 1):
            self.assertRegex(res.stderr, rf"layer {i}/{len(digests)} \S+: "
                             rf"(mounted from a|exists)")
        self.verify(reg, "b", "1", img)
        self.verify(reg, "a", "2", img)

    def test_no_cache_writes_nothing(self):
        path, img = self.image()
        reg = self.start_registry()
        res = self.push("--no-cache", path, f"{reg.host}/a:1")
        self.assertPushed(res, reg.host, "a")
        self.assertEqual(self.cache_files(self.xdg_cache), [],
                         "--no-cache wrote under XDG_CACHE_HOME")
        self.assertFalse(os.path.exists(os.path.join(self.home, ".cache", "oci-push")))
        # and without XDG_CACHE_HOME the default is ~/.cache/oci-push
        res = self.oci_push(path, f"{reg.host}/a:2")
        self.assertPushed(res, reg.host, "a")
        self.assertTrue(self.cache_files(os.path.join(self.home, ".cache", "oci-push")),
                        "no cache written under $HOME/.cache/oci-push")
        self.verify(reg, "a", "2", img)


class StaleCacheTest(CacheTestBase):

    def test_blob_deleted_from_registry_is_recompressed(self):
        path, img = self.image()
        reg = self.start_registry()
        obj = self.parse_json(self.push("--json", path, f"{reg.host}/a:1"))
        digests = [layer["digest"] for layer in obj["layers"]]
        self.assertTrue(self.cache_files())
        self.delete_manifest(reg, "a", obj["digest"])
        for d in digests:
            self.delete_blob(reg, "a", d)

        mark = reg.mark()
        res = self.push("--json", path, f"{reg.host}/a:2")
        layers = self.json_layers(res)
        self.assertEqual([layer["digest"] for layer in layers], digests)
        self.assertTrue(all(layer["skipped"] is False for layer in layers), layers)
        self.assertEqual(sorted(self.layer_uploads(reg, "a", mark, digests)), sorted(digests),
                         reg.describe_requests(mark))
        v = self.verify(reg, "a", "2", img)
        self.assertEqual(v.layer_digests, digests)

    def test_fresh_registry_same_cache_dir(self):
        path, img = self.image()
        with self.subTest("first registry"):
            reg1 = self.start_registry()
            obj = self.parse_json(self.push("--json", path, f"{reg1.host}/a:1"))
            digests = [layer["digest"] for layer in obj["layers"]]
            reg1.stop()
        reg2 = self.start_registry()
        mark = reg2.mark()
        # same repository name on another registry, and another repository too
        for repo in ("a", "b"):
            res = self.push("--json", path, f"{reg2.host}/{repo}:1")
            layers = self.json_layers(res)
            self.assertEqual([layer["digest"] for layer in layers], digests)
            v = self.verify(reg2, repo, "1", img)
            self.assertEqual(v.layer_digests, digests)
            if repo == "a":   # the cache only knew reg1: HEAD misses, compress, upload
                self.assertTrue(all(layer["skipped"] is False for layer in layers), layers)
            else:             # by now the cache knows reg2/a: mounted, nothing uploaded
                self.assertTrue(all(layer["skipped"] is True for layer in layers), layers)
        self.assertEqual(sorted(self.layer_uploads(reg2, "a", mark, digests)), sorted(digests),
                         reg2.describe_requests(mark))
        self.assertEqual(self.layer_uploads(reg2, "b", mark, digests), [],
                         reg2.describe_requests(mark))


class CorruptCacheTest(CacheTestBase):

    def _prime(self, reg, path):
        obj = self.parse_json(self.push("--json", path, f"{reg.host}/a:1"))
        files = self.cache_files()
        self.assertTrue(files, "nothing cached")
        return obj, files

    def test_garbage_cache_files(self):
        path, img = self.image()
        reg = self.start_registry()
        obj, files = self._prime(reg, path)
        digests = [layer["digest"] for layer in obj["layers"]]
        for i, f in enumerate(files):
            with open(f, "wb") as fh:
                fh.write([b"\x00\xff garbage \x01" * 7, b"{", b"", b'{"digest": 5}',
                          b"[]", b"file:x@y+z\nsha256:zz\n"][i % 6])
        # a new repository on the same registry, and a fresh registry
        res = self.push("--json", path, f"{reg.host}/c:1")
        self.assertEqual([layer["digest"] for layer in self.json_layers(res)], digests)
        self.verify(reg, "c", "1", img)
        reg2 = self.start_registry()
        mark = reg2.mark()
        res = self.push("--json", path, f"{reg2.host}/a:1")
        self.assertEqual([layer["digest"] for layer in self.json_layers(res)], digests)
        self.assertEqual(sorted(self.layer_uploads(reg2, "a", mark, digests)), sorted(digests))
        self.verify(reg2, "a", "1", img)

    def test_entry_naming_missing_digest_is_not_trusted(self):
        path, img = self.image()
        reg = self.start_registry()
        obj, files = self._prime(reg, path)
        digests = [layer["digest"] for layer in obj["layers"]]
        blob_files = [f for f in files if os.sep + "blobs" + os.sep in f]
        self.assertEqual(len(blob_files), len(digests), files)
        bogus = {}
        for f in blob_files:
            with open(f, "rb") as fh:
                entry = json.load(fh)
            fake = "sha256:" + hashlib.sha256(b"not-a-blob:" + f.encode()).hexdigest()
            bogus[entry["digest"]] = fake
            entry["digest"] = fake
            with open(f, "w") as fh:
                json.dump(entry, fh)
        # same repository, new tag: each cached digest HEADs 404 -> compress and upload
        mark = reg.mark()
        res = self.push("--json", path, f"{reg.host}/a:2")
        layers = self.json_layers(res)
        self.assertEqual([layer["digest"] for layer in layers], digests, res.describe())
        v = self.verify(reg, "a", "2", img)
        self.assertEqual(v.layer_digests, digests)
        for fake in bogus.values():
            self.assertNotIn(fake, v.raw_manifest.decode())
        # no layer was tagged by a mount or upload of a fake digest
        for r in reg.requests(mark):
            for fake in bogus.values():
                if fake in urllib.parse.unquote(r.uri) and r.method != "HEAD":
                    self.fail(f"oci-push sent {r.method} {r.uri} for a bogus cached digest")


class RegistryReuseTest(CacheTestBase):

    def test_fresh_runner_repush_same_tag_uploads_no_layer(self):
        path, img = self.image()
        reg = self.start_registry()
        obj = self.parse_json(self.push("--no-cache", "--json", path, f"{reg.host}/a:1"))
        digests = [layer["digest"] for layer in obj["layers"]]
        xdg2 = os.path.join(self.tmp, "xdg-fresh")
        os.makedirs(xdg2)
        for args, xdg in ((["--no-cache"], self.xdg_cache), ([], xdg2)):
            with self.subTest(args=args):
                mark = reg.mark()
                res = self.push(*args, "--json", path, f"{reg.host}/a:1", xdg=xdg)
                layers = self.json_layers(res)
                self.assertEqual([layer["digest"] for layer in layers], digests)
                self.assertTrue(all(layer["skipped"] is True for layer in layers), layers)
                self.assertEqual(self.layer_uploads(reg, "a", mark, digests), [],
                                 reg.describe_requests(mark))
                plain, mounts = self.upload_posts(reg, "a", mark)
                self.assertEqual(plain + mounts, [], reg.describe_requests(mark))
                self.assertEqual(reg.count_requests("PATCH", "/blobs/uploads/", mark), 0)
                # the registry's manifest was read to learn this
                self.assertGreaterEqual(reg.count_requests("GET", r"^/v2/a/manifests/1$", mark),
                                        1, reg.describe_requests(mark))
        self.assertEqual(self.cache_files(), [])
        self.verify(reg, "a", "1", img)

    def test_cache_from_shares_base_layers(self):
        base_path, base_img = self.image("base", "base")
        app_path, app_img = self.image("app", "app")
        self.assertEqual(base_img.diff_ids[:2], app_img.diff_ids[:2])
        self.assertNotEqual(base_img.diff_ids[2], app_img.diff_ids[2])
        reg = self.start_registry()
        base = self.parse_json(self.push("--no-cache", "--json", base_path,
                                         f"{reg.host}/team/base:1"))
        base_digests = [layer["digest"] for layer in base["layers"]]

        mark = reg.mark()
        res = self.push("--no-cache", "--json", "--cache-from", f"{reg.host}/team/base:1",
                        app_path, f"{reg.host}/team/app:7")
        layers = self.json_layers(res)
        app_digests = [layer["digest"] for layer in layers]
        self.assertEqual(app_digests[:2], base_digests[:2])
        self.assertEqual([layer["skipped"] for layer in layers], [True, True, False], layers)
        uploaded = [s.digest for s in reg.upload_sessions("team/app", mark)]
        self.assertIn(app_digests[2], uploaded, reg.describe_requests(mark))
        self.assertEqual([d for d in uploaded if d in base_digests[:2]], [],
                         f"base layers were uploaded again:\n{reg.describe_requests(mark)}")
        plain, mounts = self.upload_posts(reg, "team/app", mark)
        mounted = {urllib.parse.parse_qs(urllib.parse.urlsplit(r.uri).query)["mount"][0]
                   for r in mounts}
        self.assertEqual(mounted, set(base_digests[:2]), reg.describe_requests(mark))
        self.assertEqual(len(plain), 2, "only the new layer and the config are uploaded:\n"
                         + reg.describe_requests(mark))
        # the cache-from image's manifest was read
        self.assertGreaterEqual(
            reg.count_requests("GET", r"^/v2/team/base/manifests/1$", mark), 1)
        self.assertEqual(self.cache_files(), [])
        self.verify(reg, "team/app", "7", app_img)

    def test_codec_mismatch_is_not_paired(self):
        path, img = self.image()
        reg = self.start_registry()
        gz = self.parse_json(self.push("--no-cache", "--json", path, f"{reg.host}/a:1"))
        gz_digests = [layer["digest"] for layer in gz["layers"]]
        mark = reg.mark()
        res = self.push("--no-cache", "--json", "--compression", "zstd", path,
                        f"{reg.host}/a:1")
        obj = self.parse_json(res)
        self.assertEqual(obj.get("mediaType"), verify.OCI_MANIFEST, obj)
        zs_digests = [layer["digest"] for layer in obj["layers"]]
        self.assertEqual([layer["diffId"] for layer in obj["layers"]], img.diff_ids)
        self.assertTrue(all(layer["mediaType"] == OCI_LAYER_ZSTD for layer in obj["layers"]),
                        obj["layers"])
        self.assertTrue(all(layer["skipped"] is False for layer in obj["layers"]),
                        obj["layers"])
        self.assertFalse(set(zs_digests) & set(gz_digests))
        self.assertEqual(sorted(self.layer_uploads(reg, "a", mark, zs_digests)),
                         sorted(zs_digests), reg.describe_requests(mark))
        verify_zstd_image(self, reg, "a", "1", img, zs_digests)


def verify_zstd_image(tc: IntegrationTestCase, reg, repo, ref, img, digests=None):
    """skopeo pulls repo:ref into an OCI layout; the manifest is OCI, each layer is
    tar+zstd and `zstd -d` turns it into bytes whose sha256 is the config's diff_id."""
    raw = verify.inspect_raw(tc.tmp, reg.host, repo, ref)
    m = json.loads(raw)
    tc.assertEqual(m.get("mediaType"), verify.OCI_MANIFEST)
    tc.assertEqual(m["config"]["mediaType"], verify.OCI_CONFIG)
    tc.assertEqual(m["config"]["digest"], img.config_digest)
    layers = m["layers"]
    tc.assertEqual(len(layers), len(img.layers))
    if digests is not None:
        tc.assertEqual([d["digest"] for d in layers], digests)
    dest = os.path.join(tc.tmp, f"pulled-zstd-{repo.replace('/', '_')}-{ref}")
    shutil.rmtree(dest, ignore_errors=True)
    verify.pull(tc.tmp, reg.host, repo, ref, f"oci:{dest}:x")
    with open(os.path.join(dest, "index.json")) as f:
        index = json.load(f)
    mdesc = index["manifests"][0]
    with open(os.path.join(dest, "blobs", "sha256", mdesc["digest"][7:]), "rb") as f:
        tc.assertEqual(f.read(), raw, "skopeo stored another manifest than it inspected")
    with open(os.path.join(dest, "blobs", "sha256", img.config_digest[7:]), "rb") as f:
        tc.assertEqual(f.read(), img.config_bytes)
    for i, (desc, layer) in enumerate(zip(layers, img.layers)):
        tc.assertEqual(desc["mediaType"], OCI_LAYER_ZSTD, f"layer {i}")
        blob = os.path.join(dest, "blobs", "sha256", desc["digest"][7:])
        tc.assertEqual(os.path.getsize(blob), desc["size"], f"layer {i} size")
        with open(blob, "rb") as f:
            head = f.read(4)
        tc.assertEqual(head, b"\x28\xb5\x2f\xfd", f"layer {i} is not a zstd frame")
        p = subprocess.run(["zstd", "-d", "-c", "-q", blob], capture_output=True, timeout=60)
        tc.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        tc.assertEqual(fixtures.sha256_digest(p.stdout), layer.diff_id,
                       f"layer {i} does not decompress to its diff_id")
    shutil.rmtree(dest, ignore_errors=True)
    return m


if __name__ == "__main__":
    unittest.main()
