"""--compression (issue 5): layer digests that do not depend on -j/--threads for gzip and zstd,
zstd images skopeo pulls back and whose layers `zstd -d` to their diff_ids, uncompressed
layers, gzip levels, bad values, and peak RSS on a 64 MiB layer measured with GNU time."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import unittest

from harness import cli, fixtures, verify
from test_cache import (OCI_LAYER_ZSTD, CacheTestBase, layered_spec, verify_zstd_image,
                        write_one)

MiB = fixtures.MiB
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
GNU_TIME = "/usr/bin/time"
RSS_LIMIT_KIB = 64 * 1024


class _GenReader(io.RawIOBase):
    """A file-like object yielding n deterministic compressible bytes, 1 MiB at a time, so
    the big layer is never whole in Python's memory."""

    def __init__(self, seed: str, n: int):
        self.seed, self.left, self.i, self.buf = seed, n, 0, b""

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.left + len(self.buf)
        while len(self.buf) < size and self.left > 0:
            k = min(MiB, self.left)
            self.buf += fixtures.gen_bytes(f"{self.seed}-{self.i}", k)
            self.i += 1
            self.left -= k
        out, self.buf = self.buf[:size], self.buf[size:]
        return out


def write_big_image(path: str, layer_size: int = 64 * MiB) -> fixtures.ImageFixture:
    """A docker-save tarball (top-level layout) with one small and one big layer, streamed."""
    work = path + ".d"
    os.makedirs(work, exist_ok=True)
    small = fixtures.make_layer_tar(fixtures.LayerSpec("mem-small", 32 * 1024, 2))
    big_path = os.path.join(work, "big.tar")
    with tarfile.open(big_path, "w", format=tarfile.PAX_FORMAT) as tf:
        ti = fixtures._tarinfo("data/big.bin", size=layer_size)
        tf.addfile(ti, _GenReader("mem-big", layer_size))
    h = hashlib.sha256()
    with open(big_path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    big_diff = "sha256:" + h.hexdigest()
    big_size = os.path.getsize(big_path)
    small_diff = fixtures.sha256_digest(small)
    spec = fixtures.ImageSpec(["example/big:1"], [], label="big")
    config = fixtures.build_config(spec, [small_diff, big_diff])
    cfg_entry = fixtures.sha256_hex(config) + ".json"
    layers = [fixtures.LayerFixture(small_diff[7:] + ".tar", small_diff, len(small)),
              fixtures.LayerFixture(big_diff[7:] + ".tar", big_diff, big_size)]
    manifest = fixtures._go_json([{"Config": cfg_entry, "RepoTags": ["example/big:1"],
                                   "Layers": [layer.entry for layer in layers]}])
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(fixtures._tarinfo(cfg_entry, size=len(config)), io.BytesIO(config))
        tf.addfile(fixtures._tarinfo(layers[0].entry, size=len(small)), io.BytesIO(small))
        with open(big_path, "rb") as f:
            tf.addfile(fixtures._tarinfo(layers[1].entry, size=big_size), f)
        tf.addfile(fixtures._tarinfo("manifest.json", size=len(manifest)),
                   io.BytesIO(manifest))
    shutil.rmtree(work)
    return fixtures.ImageFixture(["example/big:1"], cfg_entry, config, layers)


class CompressionTest(CacheTestBase):

    def image(self, name="comp", top="comp"):
        return self.fixture(name, write_one(layered_spec(f"example/{name}:1", top, "comp")))

    def test_deterministic_digests_gzip_and_zstd(self):
        path, img = self.image()
        reg = self.start_registry()
        runs = [["-j", "1", "--threads", "1"], ["-j", "4", "--threads", "4"], ["--threads", "2"]]
        for codec in ("gzip", "zstd"):
            with self.subTest(codec=codec):
                results = []
                for i, opts in enumerate(runs):
                    res = self.push("--no-cache", "--json", "--compression", codec, *opts,
                                    path, f"{reg.host}/{codec}{i}:1")
                    obj = self.parse_json(res)
                    results.append((opts, obj["digest"],
                                    [layer["digest"] for layer in obj["layers"]]))
                    self.assertEqual([layer["diffId"] for layer in obj["layers"]], img.diff_ids)
                    self.assertTrue(all(layer["skipped"] is False for layer in obj["layers"]))
                for opts, digest, layers in results[1:]:
                    self.assertEqual(layers, results[0][2], f"{codec} {opts} vs {runs[0]}")
                    self.assertEqual(digest, results[0][1], f"{codec} {opts} vs {runs[0]}")
                if codec == "gzip":
                    pulled = self.verify(reg, "gzip2", "1", img).layer_digests
                else:
                    m = verify_zstd_image(self, reg, "zstd1", "1", img)
                    pulled = [d["digest"] for d in m["layers"]]
                self.assertEqual(pulled, results[0][2])

    def test_zstd_image_pulls_back(self):
        path, img = self.image()
        reg = self.start_registry()
        obj = self.parse_json(self.push("--json", "--compression", "zstd:5", path,
                                        f"{reg.host}/z:5"))
        self.assertEqual(obj["mediaType"], verify.OCI_MANIFEST)
        self.assertTrue(all(layer["mediaType"] == OCI_LAYER_ZSTD for layer in obj["layers"]))
        verify_zstd_image(self, reg, "z", "5", img,
                          [layer["digest"] for layer in obj["layers"]])
        info = verify.inspect(self.tmp, reg.host, "z", "5")
        self.assertEqual(info["Digest"], obj["digest"])
        self.assertEqual(info["Architecture"], "amd64")

    def test_none_and_gzip_levels(self):
        path, img = self.image()
        reg = self.start_registry()
        # uncompressed: the blob is the layer tar, its digest is the diff_id
        obj = self.parse_json(self.push("--json", "--compression", "none", path,
                                        f"{reg.host}/plain:1"))
        raw = verify.inspect_raw(self.tmp, reg.host, "plain", "1")
        m = json.loads(raw)
        self.assertEqual(m.get("mediaType"), verify.OCI_MANIFEST, m)
        self.assertEqual(m["config"]["mediaType"], verify.OCI_CONFIG)
        self.assertEqual([d["mediaType"] for d in m["layers"]], [OCI_LAYER_TAR] * 3, m)
        self.assertEqual([d["digest"] for d in m["layers"]], img.diff_ids)
        self.assertEqual([d["size"] for d in m["layers"]], [la.size for la in img.layers])
        self.assertEqual([layer["digest"] for layer in obj["layers"]], img.diff_ids)
        # dir: keeps the blobs exactly as served (an oci: layout would make skopeo compress)
        dest = os.path.join(self.tmp, "pulled-plain")
        verify.pull(self.tmp, reg.host, "plain", "1", f"dir:{dest}")
        with open(os.path.join(dest, "manifest.json"), "rb") as f:
            self.assertEqual(f.read(), raw)
        for d in img.diff_ids:
            with open(os.path.join(dest, d[7:]), "rb") as f:
                data = f.read()
            self.assertEqual(fixtures.sha256_digest(data), d)
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
                self.assertTrue(tf.getnames())
        with open(os.path.join(dest, img.config_digest[7:]), "rb") as f:
            self.assertEqual(f.read(), img.config_bytes)

        # gzip levels: explicit gzip:1 is the default; gzip:3 is valid gzip, other bytes
        d_default = self.parse_json(self.push("--no-cache", "--json", path,
                                              f"{reg.host}/g:default"))
        d1 = self.parse_json(self.push("--no-cache", "--json", "--compression", "gzip:1",
                                       path, f"{reg.host}/g:1"))
        d3 = self.parse_json(self.push("--no-cache", "--json", "--compression", "gzip:3",
                                       path, f"{reg.host}/g:3"))
        l1 = [layer["digest"] for layer in d1["layers"]]
        l3 = [layer["digest"] for layer in d3["layers"]]
        self.assertEqual(d_default["digest"], d1["digest"])
        self.assertNotEqual(l1[1], l3[1], "gzip:3 and gzip:1 gave the same big layer")
        self.assertTrue(all(a != b for a, b in zip(l1, l3)), (l1, l3))
        v3 = self.verify(reg, "g", "3", img)
        self.assertEqual(v3.layer_digests, l3)
        # a gzip:3 cache entry is not used for gzip:1 and vice versa: with the cache on,
        # pushing gzip:1 after gzip:3 still yields the gzip:1 digests
        self.push("--json", "--compression", "gzip:3", path, f"{reg.host}/h:3")
        again = self.parse_json(self.push("--json", "--compression", "gzip:1", path,
                                          f"{reg.host}/h:1"))
        self.assertEqual([layer["digest"] for layer in again["layers"]], l1)

    def test_bad_values_exit_2(self):
        path, _img = self.image()
        reg = self.start_registry()
        mark = reg.mark()
        for value in ("gzip:9", "brotli", "zstd:20", "zstd:0", "gzip:-1", "gzip:", "none:1",
                      "gzip:1x", ""):
            with self.subTest(value=value):
                res = self.push("--compression", value, path, f"{reg.host}/bad:1")
                self.assertExit(res, 2)
                self.assertEqual(res.stdout, "")
                line = self.error_line(res)
                self.assertEqual(len(res.stderr_lines), 1, res.describe())
                self.assertIn("compression", line)
        self.assertEqual(reg.write_requests(mark), [], reg.describe_requests(mark))
        self.assertEqual(self.cache_files(), [])


class MemoryTest(CacheTestBase):

    def peak_rss_push(self, reg, path, repo, *opts):
        out = os.path.join(self.tmp, f"time-{repo}.txt")
        env = cli.clean_env(self.home, extra={"XDG_CACHE_HOME": self.xdg_cache})
        p = subprocess.run([GNU_TIME, "-f", "%M", "-o", out, cli.binary_path(), *opts,
                            "--json", path, f"{reg.host}/{repo}:1"],
                           capture_output=True, timeout=180, env=env, cwd=self.home,
                           stdin=subprocess.DEVNULL)
        msg = f"exit {p.returncode}\n{p.stderr.decode(errors='replace')[-2000:]}"
        self.assertEqual(p.returncode, 0, msg)
        with open(out) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        rss = int(lines[-1])
        return rss, json.loads(p.stdout)

    def test_peak_rss_64mib_layer(self):
        path, img = self.fixture("big", write_big_image)
        self.assertGreaterEqual(img.layers[1].size, 64 * MiB)
        reg = self.start_registry()
        for codec, repo in (("gzip", "memgz"), ("zstd", "memzs")):
            with self.subTest(codec=codec):
                rss, obj = self.peak_rss_push(reg, path, repo, "--no-cache",
                                              "--compression", codec)
                self.assertLess(rss, RSS_LIMIT_KIB,
                                f"{codec}: peak RSS {rss} KiB for a 64 MiB layer")
                self.assertEqual([layer["diffId"] for layer in obj["layers"]], img.diff_ids)
                self.assertGreater(rss, 0)
        self.verify(reg, "memgz", "1", img)
        m = json.loads(verify.inspect_raw(self.tmp, reg.host, "memzs", "1"))
        self.assertEqual([d["mediaType"] for d in m["layers"]], [OCI_LAYER_ZSTD] * 2)
        # the big zstd blob decompresses (streamed through zstd -d) to the diff_id
        dest = os.path.join(self.tmp, "pulled-memzs")
        verify.pull(self.tmp, reg.host, "memzs", "1", f"oci:{dest}:x")
        for desc, layer in zip(m["layers"], img.layers):
            blob = os.path.join(dest, "blobs", "sha256", desc["digest"][7:])
            h = hashlib.sha256()
            with subprocess.Popen(["zstd", "-d", "-c", "-q", blob],
                                  stdout=subprocess.PIPE) as z:
                for chunk in iter(lambda: z.stdout.read(MiB), b""):
                    h.update(chunk)
            self.assertEqual(z.returncode, 0)
            self.assertEqual("sha256:" + h.hexdigest(), layer.diff_id)


if __name__ == "__main__":
    unittest.main()
