"""Fast across a long link: big blobs go as streamed PATCH requests straight from the compressor and are
resumed, within a run and across runs, from what the registry holds, without sending it again; small
blobs go in one request; each blob is asked about once; memory does not grow with the layer.

Everything runs against the real registry (distribution 2.8) through harness/fault_proxy.py, whose
byte counts say what oci-push sent (`body_bytes`) and what reached the registry (`forwarded_body_bytes`);
images are checked with skopeo (harness/verify). A faulted request is never forwarded, so the registry's
upload session stays at the end of the last PATCH it acknowledged.

Layers here are one file of hardly compressible bytes (so the compressed size is about the layer size
and PATCH boundaries can be computed), written as docker-save tarballs without the layer ever being
whole in memory."""

from __future__ import annotations

import collections
import hashlib
import json
import math
import os
import random
import re
import subprocess
import tarfile
import unittest
import urllib.request

from harness import cli, fixtures, json_schemas
from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy
from test_kill import ProxyAt, kill_when_held

MiB = 1 << 20
UPLOADS = r"/blobs/uploads/"
GNU_TIME = "/usr/bin/time"
RSS_LIMIT_KIB = 64 * 1024
NEVER = r"(?!)"  # a path regex that matches nothing (a fault armed later)


# --------------------------------------------------------------------------- fixtures


def random_blocks(seed, size):
    """`size` deterministic random bytes, 1 MiB at a time (incompressible)."""
    def blocks():
        rng = random.Random(f"long-link:{seed}")
        left = size
        while left:
            n = min(MiB, left)
            yield rng.randbytes(n)
            left -= n
    return blocks


def counted_blocks(seed, size):
    """One random 1 MiB block repeated, each copy starting with its own counter: quick to make, and
    nothing to gain for gzip (its window is 32 KiB) nor for anything that dedupes whole blocks."""
    base = random.Random(f"long-link:{seed}").randbytes(MiB)

    def blocks():
        left, i = size, 0
        while left:
            n = min(MiB, left)
            yield (i.to_bytes(8, "big") + base[8:])[:n]
            left -= n
            i += 1
    return blocks


def _header(name, size):
    return fixtures._tarinfo(name, size=size).tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _pad(n):
    return b"\0" * (-n % 512)


def _layer_tar(size, blocks):
    """The pieces of an uncompressed layer tar holding data/blob.bin (`size` bytes of `blocks()`)."""
    yield _header("data/blob.bin", size)
    for b in blocks():
        yield b
    yield _pad(size) + b"\0" * 1024


def write_one_layer_image(path, size, blocks, repo_tag="example/long:1"):
    """A docker-save tarball (top-level layout) with one layer; streamed to disk twice (once to hash the
    layer tar for its diff_id, once to write it), never whole in memory."""
    h, layer_size = hashlib.sha256(), 0
    for piece in _layer_tar(size, blocks):
        h.update(piece)
        layer_size += len(piece)
    diff_id = "sha256:" + h.hexdigest()
    spec = fixtures.ImageSpec([repo_tag], [], label="long-link")
    config = fixtures.build_config(spec, [diff_id])
    cfg_entry = fixtures.sha256_hex(config) + ".json"
    layer_entry = diff_id[7:] + ".tar"
    manifest = fixtures._go_json([{"Config": cfg_entry, "RepoTags": [repo_tag], "Layers": [layer_entry]}])
    with open(path, "wb") as f:
        for name, data in ((cfg_entry, config),):
            f.write(_header(name, len(data)) + data + _pad(len(data)))
        f.write(_header(layer_entry, layer_size))
        for piece in _layer_tar(size, blocks):
            f.write(piece)
        f.write(_pad(layer_size))
        f.write(_header("manifest.json", len(manifest)) + manifest + _pad(len(manifest)))
        f.write(b"\0" * 1024)
    return fixtures.ImageFixture([repo_tag], cfg_entry, config,
                                 [fixtures.LayerFixture(layer_entry, diff_id, layer_size)])


def write_many_layers(path, n=30):
    spec = fixtures.ImageSpec(["example/many:1"],
                              [fixtures.LayerSpec(f"many-{i}", 4 * 1024 + 97 * i, 1) for i in range(n)],
                              label="many")
    return fixtures.write_archive(path, [spec])[0]


# --------------------------------------------------------------------------- helpers


class PinningProxy(FaultProxy):
    """A FaultProxy that, when `trigger` fires, points the faults in `pin` at the upload session of the
    request that triggered it (their path becomes that session's path): a registry that from then on
    treats that one session differently, while new sessions work."""

    def __init__(self, upstream_port, faults, trigger, pin):
        super().__init__(upstream_port, faults)
        self.trigger, self.pin = trigger, pin
        self.pinned = None

    def _fired(self, fault):
        if fault is self.trigger and self.pinned is None:
            with self.lock:
                self.pinned = [e for e in self.entries if e.method == "PATCH"][-1].path
            for f in self.pin:
                f.path = re.escape(self.pinned) + "$"
        super()._fired(fault)


class LosingProxy(FaultProxy):
    """A FaultProxy that, when `trigger` (a blob_unknown on the manifest PUT) fires, first DELETEs
    `digest` from `repo` in the registry: the blob really was lost between its HEAD and the manifest."""

    def __init__(self, upstream_port, faults, trigger, repo, digest):
        super().__init__(upstream_port, faults)
        self.trigger, self.repo, self.digest = trigger, repo, digest
        self.deleted = None

    def _fired(self, fault):
        if fault is self.trigger and self.deleted is None:
            req = urllib.request.Request(f"http://127.0.0.1:{self.upstream_port}/v2/{self.repo}/blobs/{self.digest}",
                                         method="DELETE")
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30) as resp:
                self.deleted = resp.status
        super()._fired(fault)


def retries(res):
    return len([line for line in res.stderr_lines if re.match(r"retry \d+/\d+ after ", line)])


def kind(path):
    if path == "/v2/":
        return "ping"
    if "/manifests/" in path:
        return "manifest"
    if "/blobs/uploads/" in path:
        return "upload"
    if "/blobs/" in path:
        return "blob"
    return path


def digest_of(uri):
    m = re.search(r"[?&]digest=(sha256(?::|%3A)[0-9a-f]{64})", uri)
    return m.group(1).replace("%3A", ":") if m else None


class LongLinkTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.xdg_cache = os.path.join(self.tmp, "xdg-cache")

    def push(self, *args, xdg=None, **kw):
        return self.oci_push(*args, env={"XDG_CACHE_HOME": xdg or self.xdg_cache}, **kw)

    def random_image(self):
        """One layer of 18 MiB of random bytes (~18 MiB of gzip: PATCHes of 5, 5, 5 and ~3 MiB)."""
        return self.fixture("random18", lambda p: write_one_layer_image(p, 18 * MiB, random_blocks("r18", 18 * MiB)))

    def layer_json(self, res):
        obj = self.parse_json(res)
        self.assertEqual(len(obj["layers"]), 1, res.describe())
        return obj["layers"][0]

    def assertSentOnce(self, proxy, layer, lost, msg=""):
        """Every byte of the layer reached the registry exactly once, and what oci-push sent beyond it is
        exactly `lost` (the bytes of the faulted requests)."""
        forwarded = proxy.forwarded_body_bytes("PATCH", UPLOADS)
        self.assertEqual(forwarded, layer["size"], msg + proxy.describe())
        self.assertEqual(proxy.body_bytes("PATCH", UPLOADS) - forwarded, lost, msg + proxy.describe())

    # ------------------------------------------------------------------ 1. reset mid-PATCH

    def test_reset_in_the_middle_of_a_streamed_patch_sends_only_what_the_registry_lacks(self):
        path, img = self.random_image()
        reg = self.start_registry()
        fault = Fault("PATCH", UPLOADS, "reset", nth=[2], after_bytes=1 * MiB)
        with FaultProxy(reg.port, [fault]) as proxy:
            res = self.push(path, f"{proxy.host}/rnd:1", "--chunk-size", "5MiB", "--json")
            layer = self.layer_json(res)
            self.assertEqual(fault.done, 1, proxy.describe())
            reset = [e for e in proxy.requests("PATCH", UPLOADS) if e.outcome == "reset"]
            self.assertEqual(len(reset), 1, proxy.describe())
            self.assertEqual(reset[0].body_bytes, 1 * MiB)
            self.assertEqual(reset[0].forwarded_bytes, 0)
            self.assertSentOnce(proxy, layer, lost=reset[0].body_bytes)
            # one GET asks where to resume, on the same session; no new POST (the layer's and the config's)
            self.assertEqual([e.path for e in proxy.requests("GET", UPLOADS)], [reset[0].path], proxy.describe())
            self.assertEqual(proxy.count("POST", UPLOADS), 2, proxy.describe())
            self.assertEqual({e.path for e in proxy.requests("PATCH", UPLOADS)}, {reset[0].path})
        self.assertGreater(layer["size"], 15 * MiB)  # hardly compressible: 4 PATCHes of at most 5 MiB
        self.assertEqual(layer["resumedBytes"], 5 * MiB, res.describe())
        self.assertEqual(retries(res), 1, res.describe())
        self.assertEqual(self.verify(reg, "rnd", "1", img).layer_digests, [layer["digest"]])

    # ------------------------------------------------------------------ 2. kill -9 at half, run again

    def test_killed_at_half_of_a_200mb_layer_the_next_run_sends_the_rest(self):
        size, chunk = 200 * MiB, 8 * MiB
        path, img = self.fixture("random200", lambda p: write_one_layer_image(p, size, random_blocks("r200", size)))
        # the compressed size is about the layer's: hold the first PATCH that starts past half of it
        done_before = math.ceil(img.layers[0].size / 2 / chunk)
        nth = done_before + 1
        reg = self.start_registry()

        def args(host):
            return [path, f"{host}/big:1", "--chunk-size", "8MiB", "--json"]

        env = cli.clean_env(self.home, extra={"XDG_CACHE_HOME": self.xdg_cache})
        fault = Fault("PATCH", UPLOADS, "hold", nth=[nth], after_bytes=MiB)
        with FaultProxy(reg.port, [fault]) as first:
            kill_when_held(self, args(first.host), env, self.home, fault=fault, proxy=first)
            port = first.port
        acked = [e for e in first.requests("PATCH", UPLOADS) if e.outcome == 202]
        self.assertEqual(len(acked), done_before, first.describe())
        self.assertEqual(sum(e.forwarded_bytes for e in acked), done_before * chunk)
        sessions = os.listdir(os.path.join(self.xdg_cache, "oci-push", "uploads"))
        self.assertEqual(len(sessions), 1, "the big blob's session is not remembered")

        with ProxyAt(reg.port, port) as second:
            res = self.push(*args(second.host))
            layer = self.layer_json(res)
            sent = second.body_bytes("PATCH", UPLOADS)
            # No new session for the layer: the only POST is the config's monolithic one (?digest=).
            new_sessions = [e.uri for e in second.requests("POST", UPLOADS) if "digest=" not in e.uri]
            self.assertEqual(new_sessions, [], "the layer's session was not continued\n" + second.describe())
            self.assertEqual(second.count("GET", UPLOADS), 1, second.describe())
        self.assertGreater(done_before * chunk, layer["size"] / 2, "the kill point was not past half")
        self.assertLessEqual(sent, 0.55 * layer["size"], second.describe())
        self.assertGreater(layer["resumedBytes"], 0, res.describe())
        self.assertEqual(layer["resumedBytes"], done_before * chunk, res.describe())
        self.assertEqual(sent, layer["size"] - layer["resumedBytes"], second.describe())
        self.assertIn("already held, resumed)", res.stderr)
        self.assertEqual(os.listdir(os.path.join(self.xdg_cache, "oci-push", "uploads")), [])
        self.assertEqual(self.verify(reg, "big", "1", img).layer_digests, [layer["digest"]])

    # ------------------------------------------------------------------ 3. lying Range, refused resume

    def test_lying_range_the_resume_uses_the_acknowledged_offset(self):
        path, img = self.random_image()
        reg = self.start_registry()
        # ECR-like: Range stays at the first PATCH's end (5 MiB); the third PATCH (from 10 MiB) is reset
        reset = Fault("PATCH", UPLOADS, "reset", nth=[3], after_bytes=2 * MiB)
        lie = Fault("PATCH|GET", UPLOADS, "lie_range")
        with FaultProxy(reg.port, [reset, lie]) as proxy:
            res = self.push(path, f"{proxy.host}/lie:1", "--chunk-size", "5MiB", "--json")
            layer = self.layer_json(res)
            self.assertEqual(reset.done, 1, proxy.describe())
            self.assertGreaterEqual(lie.done, 2, "the proxy never lied\n" + proxy.describe())
            gets = proxy.requests("GET", UPLOADS)
            self.assertEqual(len(gets), 1, proxy.describe())
            # believing the GET's 5 MiB would send 5 MiB the registry holds again (and break the blob)
            self.assertSentOnce(proxy, layer, lost=2 * MiB)
            self.assertEqual(proxy.count("POST", UPLOADS), 2, proxy.describe())
        self.assertEqual(layer["resumedBytes"], 10 * MiB, res.describe())
        self.assertEqual(retries(res), 1, res.describe())
        self.assertEqual(self.verify(reg, "lie", "1", img).layer_digests, [layer["digest"]])

    def test_refused_resume_gets_a_fresh_session(self):
        """After a reset, the registry refuses every resumed PATCH on that session (404: the session is
        gone, and GETs say so from then on; 416: it will not take the session's offset, while its GETs
        still answer 204): the blob goes again from the source in one new session."""
        path, img = self.random_image()
        for status in (404, 416):
            with self.subTest(status=status):
                reg = self.start_registry()
                reset = Fault("PATCH", UPLOADS, "reset", nth=[2], after_bytes=MiB)
                refuse = Fault("PATCH", NEVER, "status", status=status)
                pin = [refuse]
                faults = [reset, refuse]
                if status == 404:  # the GET before the refused PATCH saw the session; later ones do not
                    gone = Fault("GET", NEVER, "status", status=404, nth=list(range(2, 30)))
                    faults.append(gone)
                    pin.append(gone)
                with PinningProxy(reg.port, faults, trigger=reset, pin=pin) as proxy:
                    res = self.push(path, f"{proxy.host}/refused:1", "--chunk-size", "5MiB", "--json",
                                    xdg=os.path.join(self.tmp, f"cache-{status}"), timeout=120)
                    self.assertExit(res, 0, proxy.describe())
                    layer = self.layer_json(res)
                    self.assertEqual(refuse.done, 1, "the resumed PATCH was not refused once\n" + proxy.describe())
                    # one more POST than the layer's and the config's, and the new session has the blob
                    posts = proxy.requests("POST", UPLOADS)
                    self.assertEqual(len(posts), 3, proxy.describe())
                    fresh = {e.path for e in proxy.requests("PATCH|PUT", UPLOADS)} - {proxy.pinned}
                    new_patches = [e for e in proxy.requests("PATCH", UPLOADS) if e.path != proxy.pinned]
                    self.assertEqual(sum(e.forwarded_bytes for e in new_patches), layer["size"], proxy.describe())
                    self.assertTrue(fresh, proxy.describe())
                self.assertEqual(layer["resumedBytes"], 0, res.describe())
                # a retry for each refused request (the reset, the refused PATCH); the GET that finds the
                # session gone is not one: it leads to the new POST within the same try
                self.assertEqual(retries(res), reset.done + refuse.done, res.describe() + "\n" + proxy.describe())
                self.assertEqual(self.verify(reg, "refused", "1", img).layer_digests, [layer["digest"]])

    # ------------------------------------------------------------------ 4. MANIFEST_BLOB_UNKNOWN

    def test_blob_lost_before_the_manifest_is_asked_about_again_and_sent(self):
        path, img = self.fixture("small3", lambda p: fixtures.write_archive(
            p, [fixtures.small_spec(["example/lost:1"], label="lost", layers=3)])[0])
        for lost in (False, True):
            with self.subTest(blob_really_lost=lost):
                reg = self.start_registry()
                fault = Fault("PUT", r"/manifests/", "blob_unknown", nth=[1])
                repo = "lost" + ("-really" if lost else "")
                # the first layer's digest (the one lost, and the fault's detail) from a dry run
                dry = self.parse_json(self.push("--dry-run", "--json", "--no-cache", path, f"{reg.host}/{repo}:1"))
                first_layer = dry["layers"][0]["digest"]
                proxy = (LosingProxy(reg.port, [fault], fault, repo, first_layer) if lost
                         else FaultProxy(reg.port, [fault]))
                with proxy:
                    res = self.push(path, f"{proxy.host}/{repo}:1", "--json", xdg=os.path.join(self.tmp, repo))
                    obj = self.parse_json(res)
                    entries = proxy.requests()
                self.assertEqual(fault.done, 1, proxy.describe())
                puts = [i for i, e in enumerate(entries) if e.method == "PUT" and "/manifests/" in e.path]
                self.assertEqual(len(puts), 2, proxy.describe())
                self.assertEqual([entries[i].outcome for i in puts], [400, 201], proxy.describe())
                between = entries[puts[0] + 1:puts[1]]
                blobs = [layer["digest"] for layer in obj["layers"]] + [img.config_digest]
                heads = collections.Counter(e.path.rsplit("/", 1)[-1] for e in between if e.method == "HEAD")
                self.assertEqual(set(heads), set(blobs), "every blob is HEADed again\n" + proxy.describe())
                uploaded = sorted(digest_of(e.uri) for e in between
                                  if e.method == "PUT" and "/blobs/uploads/" in e.path)
                if lost:
                    self.assertEqual(proxy.deleted, 202)
                    self.assertEqual(uploaded, [first_layer], proxy.describe())
                else:
                    self.assertEqual(uploaded, [], proxy.describe())
                    self.assertEqual([e for e in between if e.method in ("POST", "PATCH")], [], proxy.describe())
                self.assertEqual(obj["layers"][0]["digest"], first_layer)
                self.assertEqual(self.verify(reg, repo, "1", img).digest, obj["digest"])
                # one probe per blob in the repair round too, as in the first
                self.assertEqual(heads, collections.Counter(blobs),
                                 "every blob is HEADed again, once\n" + proxy.describe())

    # ------------------------------------------------------------------ 5. request counts

    def test_request_counts_per_blob_cold_and_warm(self):
        path, img = self.fixture("many30", write_many_layers)
        reg = self.start_registry()
        n = len(img.layers)
        self.assertEqual(n, 30)
        # cold: empty registry, empty cache
        with FaultProxy(reg.port) as proxy:
            res = self.push(path, f"{proxy.host}/many:1", "--json")
            obj = self.parse_json(res)
            entries = proxy.requests()
        blobs = [layer["digest"] for layer in obj["layers"]] + [img.config_digest]
        self.assertEqual(len(set(blobs)), n + 1)
        self.assertTrue(all(e.outcome in (200, 201, 202, 404) for e in entries), proxy.describe())
        counts = collections.Counter((e.method, kind(e.path)) for e in entries)
        self.assertEqual(counts, collections.Counter({
            ("GET", "ping"): 1, ("GET", "manifest"): 1, ("HEAD", "blob"): 1,
            ("POST", "upload"): n + 1, ("PUT", "upload"): n + 1, ("PUT", "manifest"): 1}), proxy.describe())
        self.assertEqual([e.path.rsplit("/", 1)[-1] for e in entries if e.method == "HEAD"], [img.config_digest])
        # per blob: one POST ?digest= with its body, one PUT ?digest= with its body, no PATCH
        for method in ("POST", "PUT"):
            sent = [e for e in entries if e.method == method and kind(e.path) == "upload"]
            per = collections.Counter(digest_of(e.uri) for e in sent)
            self.assertEqual(per, collections.Counter(blobs), f"{method}s per blob\n" + proxy.describe())
            self.assertTrue(all(e.body_bytes > 0 for e in sent), proxy.describe())
        self.assertEqual([e.uri for e in entries if e.method == "GET" and kind(e.path) == "manifest"],
                         ["/v2/many/manifests/1"])

        # warm: a fresh runner (empty cache) re-pushes; the registry holds the tagged image
        with FaultProxy(reg.port) as proxy:
            res = self.push(path, f"{proxy.host}/many:1", "--json", xdg=os.path.join(self.tmp, "runner2"))
            again = self.parse_json(res)
            entries = proxy.requests()
        self.assertEqual(again["digest"], obj["digest"])
        self.assertTrue(all(layer["skipped"] for layer in again["layers"]), json.dumps(again))
        counts = collections.Counter((e.method, kind(e.path)) for e in entries)
        self.assertEqual(counts, collections.Counter({
            ("GET", "ping"): 1, ("GET", "manifest"): 1, ("GET", "blob"): 1, ("HEAD", "blob"): n + 1,
            ("PUT", "manifest"): 1}), proxy.describe())
        heads = collections.Counter(e.path.rsplit("/", 1)[-1] for e in entries if e.method == "HEAD")
        self.assertEqual(heads, collections.Counter(blobs), "exactly one HEAD per blob\n" + proxy.describe())
        self.assertEqual([e.path for e in entries if e.method == "GET" and kind(e.path) == "blob"],
                         [f"/v2/many/blobs/{img.config_digest}"])
        self.assertEqual([e.uri for e in entries if e.method == "GET" and kind(e.path) == "manifest"],
                         ["/v2/many/manifests/1"])
        self.verify(reg, "many", "1", img)

    # ------------------------------------------------------------------ 6. memory

    def peak_rss_push(self, reg, path, repo):
        out = os.path.join(self.tmp, f"time-{repo}.txt")
        env = cli.clean_env(self.home)
        p = subprocess.run([GNU_TIME, "-f", "%M", "-o", out, cli.binary_path(), "--no-cache", "--json",
                            path, f"{reg.host}/{repo}:1"],
                           capture_output=True, timeout=300, env=env, cwd=self.home, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, f"exit {p.returncode}\n{p.stderr.decode(errors='replace')[-2000:]}")
        with open(out) as f:
            rss = int([line for line in f.read().splitlines() if line.strip()][-1])
        return rss, json_schemas.loads(p.args[p.args.index(cli.binary_path()) + 1:], p.stdout)

    def test_peak_rss_of_a_1gb_layer_is_that_of_a_100mb_one(self):
        reg = self.start_registry()
        peaks, objs, imgs = {}, {}, {}
        for name, size in (("m100", 100 * MiB), ("m1000", 1000 * MiB)):
            path, img = self.fixture(name, lambda p, s=size, n=name: write_one_layer_image(
                p, s, counted_blocks(n, s), repo_tag=f"example/{n}:1"))
            rss, obj = self.peak_rss_push(reg, path, name)
            self.assertLess(rss, RSS_LIMIT_KIB, f"{name}: peak RSS {rss} KiB")
            self.assertGreater(obj["layers"][0]["size"], size * 0.99, "the layer compressed well: not a test")
            peaks[name], objs[name], imgs[name] = rss, obj, img
        self.assertLess(peaks["m1000"] - peaks["m100"], 4 * 1024, peaks)
        for name in peaks:
            self.assertEqual(self.verify(reg, name, "1", imgs[name]).digest, objs[name]["digest"])


if __name__ == "__main__":
    unittest.main()
