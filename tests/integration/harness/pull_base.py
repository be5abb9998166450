"""OciTestCase with what the pull, copy and verify tests share: fixture layouts (built by umoci, see
oci_fixtures.py), seeding a registry with skopeo, and checks of a pulled OCI layout with skopeo, umoci
and the layout's files (never with oci-push's own reader).

Every image a test pulls is first put into the registry by `skopeo copy [--all] oci:... docker://...`,
which keeps manifest and index bytes (so the fixture's digests are the registry's)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

from . import fixtures, oci_fixtures as of
from .base import DIGEST_RE
from .oci_base import OciTestCase

MiB = 1 << 20
KiB = 1 << 10
HEX64 = r"[0-9a-f]{64}"


def single_layout(workdir, path):
    """One image ("1.0"): a shared-base layer and an own layer, both gzip."""
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0", seed="pull-single")])


def multi_layout(workdir, path):
    """An OCI index "multi": linux/amd64 and linux/arm64, gzip layers, a base layer shared."""
    return of.build_multiarch_layout(workdir, path, "multi")


def pair_layout(workdir, path):
    """Two images "a" and "b" sharing their base layer, each with an own layer."""
    return of.build_umoci_layout(workdir, path, [of.UmociImage("a", seed="pair-a"),
                                                 of.UmociImage("b", seed="pair-b")])


def big_layout(workdir, path):
    """One image "1": a small base layer and a 32 MiB own file (~18 MB of gzip): big enough to cut."""
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1", seed="pull-big", size=32 * MiB)],
                                 shared_size=64 * KiB)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for piece in iter(lambda: f.read(MiB), b""):
            h.update(piece)
    return "sha256:" + h.hexdigest()


def reachable(entry) -> set[str]:
    """Every blob digest an of.Image / of.Index reaches (itself included)."""
    if isinstance(entry, of.Index):
        out = {entry.digest}
        for child in entry.children:
            out |= reachable(child)
        return out
    return {entry.digest, entry.config_digest} | {layer.digest for layer in entry.layers}


def tree(path: str) -> dict[str, bytes | None]:
    """Every file (with its bytes) and directory (None) under path, by relative name."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), path) + "/"] = None
        for n in filenames:
            with open(os.path.join(dirpath, n), "rb") as f:
                out[os.path.relpath(os.path.join(dirpath, n), path)] = f.read()
    return out


class PullTestCase(OciTestCase):

    # ------------------------------------------------------------------ running

    def pull(self, *args: str, **kw):
        """oci-push pull --plain-http ARGS... (the registries here speak plain HTTP on loopback)."""
        return self.oci_push("pull", "--plain-http", *args, **kw)

    def seed(self, reg, layout: str, ref: str, repo_tag: str, creds=None) -> str:
        """skopeo copy --all oci:LAYOUT:REF docker://REG/REPO_TAG; returns REG/REPO_TAG."""
        extra = [f"--dest-creds={creds[0]}:{creds[1]}"] if creds else []
        self.skopeo_ok("copy", "--quiet", "--all", "--dest-tls-verify=false", *extra,
                       f"oci:{layout}:{ref}", f"docker://{reg.host}/{repo_tag}")
        return f"{reg.host}/{repo_tag}"

    # ------------------------------------------------------------------ the registry side

    def registry_raw(self, ref: str, creds=None) -> bytes:
        """skopeo inspect --raw docker://REF (REF: HOST/REPO:TAG or HOST/REPO@DIGEST)."""
        cred = [f"--creds={creds[0]}:{creds[1]}"] if creds else []
        p = self.skopeo_ok("inspect", "--tls-verify=false", "--raw", *cred, f"docker://{ref}")
        return p.stdout

    def blob_gets(self, reg, since=None) -> list[str]:
        """Digests of the blob GETs the registry served since the mark, in order."""
        return [r.path.rsplit("/", 1)[1] for r in reg.requests(since)
                if r.method == "GET" and "/blobs/sha256:" in r.path]

    # ------------------------------------------------------------------ the layout side

    def layout_raw(self, dest: str, name: str) -> bytes:
        """skopeo inspect --raw oci:DEST:NAME: what the layout holds under that ref name."""
        return self.skopeo_ok("inspect", "--raw", f"oci:{dest}:{name}").stdout

    def layout_inspect(self, dest: str, name: str, arch: str = "amd64") -> dict:
        """skopeo inspect (config level) of oci:DEST:NAME, resolving an index to `arch` (its
        "Digest" is the top-level one: the index's)."""
        p = self.skopeo_ok("--override-os", "linux", "--override-arch", arch, "inspect",
                           f"oci:{dest}:{name}")
        return json.loads(p.stdout)

    def layout_platform_raw(self, dest: str, name: str, arch: str) -> bytes:
        """`skopeo copy --override-arch ARCH oci:DEST:NAME oci:COPY:x` (skopeo checks every blob it
        copies; OCI to OCI keeps the manifest bytes), then the raw manifest of the copy."""
        out = os.path.join(self.tmp, f"platform-copy-{arch}-{hashlib.sha256(name.encode()).hexdigest()[:8]}")
        shutil.rmtree(out, ignore_errors=True)
        self.skopeo_ok("--override-os", "linux", "--override-arch", arch, "copy", "--quiet",
                       f"oci:{dest}:{name}", f"oci:{out}:x")
        return self.layout_raw(out, "x")

    def umoci(self, *args: str) -> str:
        p = subprocess.run(["umoci", *args], capture_output=True, timeout=180,
                           env=fixtures.tool_env(self.tmp), cwd=self.tmp)
        self.assertEqual(p.returncode, 0, f"umoci {' '.join(args)} failed:\n"
                                          f"{(p.stdout + p.stderr).decode(errors='replace')}")
        return p.stdout.decode(errors="replace")

    def unpack(self, dest: str, name: str) -> str:
        """umoci unpack --rootless --image DEST:NAME BUNDLE (umoci checks every blob it reads);
        returns the bundle's rootfs."""
        bundle = os.path.join(self.tmp, "bundle-" + hashlib.sha256(name.encode()).hexdigest()[:12])
        self.umoci("unpack", "--rootless", "--image", f"{dest}:{name}", bundle)
        return os.path.join(bundle, "rootfs")

    def assertOwnFile(self, rootfs: str, seed: str, size: int) -> None:
        """The own layer's data file of an oci_fixtures.UmociImage, byte for byte."""
        p = os.path.join(rootfs, "opt", "own", f"{seed}.dat")
        self.assertTrue(os.path.isfile(p), f"{p} is missing from the unpacked image")
        with open(p, "rb") as f:
            self.assertEqual(f.read(), fixtures.gen_bytes(f"umoci-{seed}", size), p)

    def entries(self, dest: str) -> dict[str, dict]:
        """index.json's descriptors by ref name; each must carry both annotations, equal."""
        with open(os.path.join(dest, "index.json")) as f:
            index = json.load(f)
        out = {}
        for d in index.get("manifests") or []:
            ann = d.get("annotations") or {}
            self.assertIn(of.REF_NAME, ann, f"index.json entry without {of.REF_NAME}: {d}")
            self.assertEqual(ann.get(of.CONTAINERD_NAME), ann[of.REF_NAME], f"index.json entry {d}")
            self.assertNotIn(ann[of.REF_NAME], out, f"two index.json entries named {ann[of.REF_NAME]}")
            out[ann[of.REF_NAME]] = d
        return out

    def names_in(self, dest: str) -> list[str]:
        """The ref names index.json lists; [] when there is no index.json."""
        if not os.path.exists(os.path.join(dest, "index.json")):
            return []
        return sorted(self.entries(dest))

    def blobs(self, dest: str) -> set[str]:
        """The digests of the complete blob files (blobs/sha256/<hex>), each checked against its name."""
        d = os.path.join(dest, "blobs", "sha256")
        out = set()
        for n in os.listdir(d) if os.path.isdir(d) else []:
            if len(n) == 64:
                self.assertEqual(file_digest(os.path.join(d, n)), "sha256:" + n,
                                 f"blobs/sha256/{n} does not hold what its name says")
                out.add("sha256:" + n)
        return out

    def partials(self, dest: str) -> list[str]:
        return sorted(os.path.relpath(os.path.join(dp, n), dest)
                      for dp, _, names in os.walk(dest) for n in names if n.endswith(".partial"))

    def assertLayoutFile(self, dest: str) -> None:
        with open(os.path.join(dest, "oci-layout")) as f:
            self.assertEqual(json.load(f).get("imageLayoutVersion"), "1.0.0")

    def json_digests(self, res) -> set[str]:
        """--json: the manifest digests of the repositories it reports. Two shapes are read: the one
        the pull contract sketched ({"repositories": [{"name", "tags", "manifest": {"digest"}}]}) and
        push's (README "Output": one object with "digest", or a list of them for several
        repositories); anything else fails."""
        obj = self.read_json(res)  # exit 0, parses, matches docs/json/push-result.schema.json
        if isinstance(obj, dict) and "repositories" in obj:
            items = [r.get("manifest") for r in obj["repositories"]]
        else:
            items = obj if isinstance(obj, list) else [obj]
        got = set()
        for item in items:
            self.assertIsInstance(item, dict, res.describe())
            self.assertRegex(item.get("digest", ""), DIGEST_RE, res.describe())
            got.add(item["digest"])
        return got
