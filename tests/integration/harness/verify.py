"""Check what a registry holds, with skopeo (never with oci-push's own reader).

verify_pushed(workdir, host, repo, ref, image) does, and raises AssertionError on any mismatch:
  1. `skopeo inspect --raw docker://HOST/REPO:REF`: the raw manifest; its mediaType, schema
     version, config descriptor (digest and size of the original config bytes, media type of
     the right family), and one gzip layer descriptor per layer of the image.
  2. `skopeo copy docker://HOST/REPO:REF <layout>` and a read of what was pulled:
     the manifest there is the one from step 1, the config blob is byte for byte the config
     from the tarball, every layer blob has its descriptor's size and sha256, and gunzips to
     bytes whose sha256 is the config's diff_id. skopeo itself also checks blob digests while
     pulling.
     The layout is `oci:DIR:x` for OCI manifests. For Docker schema 2 manifests it is `dir:DIR`:
     skopeo 1.9 cannot store a Docker manifest in an OCI layout without converting it, and
     that conversion re-serialises the config (other bytes, other digest), which would make a
     byte-for-byte comparison meaningless. dir: keeps manifest and blobs exactly as served.
  3. `skopeo inspect docker://...` (config level): Digest is sha256 of the raw manifest,
     Architecture/Os are the config's, Layers are the manifest's layer digests.
It returns a Verified with the manifest digest and parsed manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import zlib
from dataclasses import dataclass

from . import fixtures

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"

FAMILY = {
    DOCKER_MANIFEST: (DOCKER_CONFIG, DOCKER_LAYER_GZIP),
    OCI_MANIFEST: (OCI_CONFIG, OCI_LAYER_GZIP),
}


class SkopeoError(AssertionError):
    pass


def _check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def skopeo(workdir: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run skopeo in a hermetic environment under workdir; never raises on exit status."""
    cmd = ["skopeo", "--policy", fixtures.tool_policy(workdir), *args]
    return subprocess.run(cmd, env=fixtures.tool_env(workdir), capture_output=True,
                          timeout=timeout)


def _creds_args(flag: str, creds: tuple[str, str] | None) -> list[str]:
    return [f"{flag}={creds[0]}:{creds[1]}"] if creds else []


def _ok(p: subprocess.CompletedProcess, what: str) -> bytes:
    if p.returncode != 0:
        raise SkopeoError(f"{what} failed (exit {p.returncode}): "
                          f"{p.stderr.decode(errors='replace').strip()}")
    return p.stdout


def image_ref(host: str, repo: str, ref: str) -> str:
    sep = "@" if ref.startswith("sha256:") else ":"
    return f"docker://{host}/{repo}{sep}{ref}"


def inspect_raw(workdir, host, repo, ref, creds=None) -> bytes:
    p = skopeo(workdir, "inspect", "--tls-verify=false", *_creds_args("--creds", creds),
               "--raw", image_ref(host, repo, ref))
    return _ok(p, f"skopeo inspect --raw {image_ref(host, repo, ref)}")


def inspect_config_raw(workdir, host, repo, ref, creds=None) -> bytes:
    p = skopeo(workdir, "inspect", "--tls-verify=false", *_creds_args("--creds", creds),
               "--raw", "--config", image_ref(host, repo, ref))
    return _ok(p, f"skopeo inspect --raw --config {image_ref(host, repo, ref)}")


def inspect(workdir, host, repo, ref, creds=None) -> dict:
    p = skopeo(workdir, "inspect", "--tls-verify=false", *_creds_args("--creds", creds),
               image_ref(host, repo, ref))
    return json.loads(_ok(p, f"skopeo inspect {image_ref(host, repo, ref)}"))


def manifest_exists(workdir, host, repo, ref, creds=None) -> bool:
    p = skopeo(workdir, "inspect", "--tls-verify=false", *_creds_args("--creds", creds),
               "--raw", image_ref(host, repo, ref))
    return p.returncode == 0


def list_tags(workdir, host, repo, creds=None) -> list[str] | None:
    """The repository's tags, or None when skopeo cannot list them (unknown repository)."""
    p = skopeo(workdir, "list-tags", "--tls-verify=false", *_creds_args("--creds", creds),
               f"docker://{host}/{repo}")
    if p.returncode != 0:
        return None
    return json.loads(p.stdout).get("Tags") or []


def pull(workdir, host, repo, ref, dest_spec, creds=None) -> None:
    p = skopeo(workdir, "copy", "--quiet", "--src-tls-verify=false",
               *_creds_args("--src-creds", creds), image_ref(host, repo, ref), dest_spec)
    _ok(p, f"skopeo copy {image_ref(host, repo, ref)} {dest_spec}")


def gunzip_sha256(data: bytes) -> str:
    """sha256 of the gunzipped stream (all gzip members, as a registry client reads it)."""
    h = hashlib.sha256()
    d = zlib.decompressobj(wbits=31)
    rest = data
    while rest:
        h.update(d.decompress(rest))
        if d.eof:
            rest = d.unused_data
            d = zlib.decompressobj(wbits=31) if rest else d
        else:
            break
    _check(d.eof, "layer blob is not a complete gzip stream")
    return "sha256:" + h.hexdigest()


@dataclass
class Verified:
    digest: str           # sha256:<hex> of the raw manifest
    raw_manifest: bytes
    manifest: dict

    @property
    def layer_digests(self) -> list[str]:
        return [layer["digest"] for layer in self.manifest["layers"]]

    @property
    def config_digest(self) -> str:
        return self.manifest["config"]["digest"]


def _read_pulled(dest: str, media_type: str, raw_manifest: bytes):
    """Returns (manifest bytes, blob reader) for a pulled dir: or oci: layout."""
    if media_type == OCI_MANIFEST:
        with open(os.path.join(dest, "oci-layout")) as f:
            _check(json.load(f).get("imageLayoutVersion") == "1.0.0", "bad oci-layout file")
        with open(os.path.join(dest, "index.json")) as f:
            index = json.load(f)
        descs = index.get("manifests") or []
        _check(len(descs) == 1, f"pulled index.json has {len(descs)} manifests")
        _check(descs[0].get("mediaType") == OCI_MANIFEST,
               f"pulled index.json lists a {descs[0].get('mediaType')}")

        def blob(digest: str) -> bytes:
            algo, hexd = digest.split(":", 1)
            with open(os.path.join(dest, "blobs", algo, hexd), "rb") as f:
                return f.read()
        return blob(descs[0]["digest"]), blob
    else:
        with open(os.path.join(dest, "manifest.json"), "rb") as f:
            man = f.read()

        def blob(digest: str) -> bytes:
            with open(os.path.join(dest, digest.split(":", 1)[1]), "rb") as f:
                return f.read()
        return man, blob


def verify_pushed(workdir: str, host: str, repo: str, ref: str,
                  image: fixtures.ImageFixture, media_type: str = DOCKER_MANIFEST,
                  creds: tuple[str, str] | None = None,
                  allow_missing_media_type: bool = False) -> Verified:
    """allow_missing_media_type: accept an OCI manifest without a "mediaType" field (legal
    in OCI, and what umoci writes); oci-push is expected to always write it."""
    where = image_ref(host, repo, ref)
    _check(media_type in FAMILY, f"unknown manifest media type {media_type}")
    config_type, layer_type = FAMILY[media_type]

    # 1. the raw manifest
    raw = inspect_raw(workdir, host, repo, ref, creds)
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        m = json.loads(raw)
    except ValueError as e:
        raise AssertionError(f"{where}: manifest is not JSON: {e}: {raw[:200]!r}")
    _check(m.get("schemaVersion") == 2, f"{where}: schemaVersion {m.get('schemaVersion')!r}")
    _check(m.get("mediaType") == media_type or (
               allow_missing_media_type and media_type == OCI_MANIFEST and "mediaType" not in m),
           f"{where}: manifest mediaType {m.get('mediaType')!r}, expected {media_type!r}")
    cfg = m.get("config") or {}
    _check(cfg.get("mediaType") == config_type,
           f"{where}: config mediaType {cfg.get('mediaType')!r}, expected {config_type!r}")
    _check(cfg.get("digest") == image.config_digest,
           f"{where}: config digest {cfg.get('digest')} != original config {image.config_digest}")
    _check(cfg.get("size") == len(image.config_bytes),
           f"{where}: config size {cfg.get('size')} != {len(image.config_bytes)}")
    layers = m.get("layers") or []
    _check(len(layers) == len(image.layers),
           f"{where}: {len(layers)} layers in the manifest, the image has {len(image.layers)}")
    for i, desc in enumerate(layers):
        _check(desc.get("mediaType") == layer_type,
               f"{where}: layer {i} mediaType {desc.get('mediaType')!r}, expected {layer_type!r}")
        _check(isinstance(desc.get("size"), int) and desc["size"] > 0,
               f"{where}: layer {i} size {desc.get('size')!r}")
        _check(str(desc.get("digest", "")).startswith("sha256:") and len(desc["digest"]) == 71,
               f"{where}: layer {i} digest {desc.get('digest')!r}")

    # 2. pull with skopeo and compare bytes
    dest = os.path.join(workdir, f"pulled-{repo.replace('/', '_')}-{ref.replace(':', '_')}")
    shutil.rmtree(dest, ignore_errors=True)
    spec = f"oci:{dest}:x" if media_type == OCI_MANIFEST else f"dir:{dest}"
    pull(workdir, host, repo, ref, spec, creds)
    try:
        pulled_manifest, blob = _read_pulled(dest, media_type, raw)
        _check(pulled_manifest == raw,
               f"{where}: the manifest skopeo stored differs from the one it inspected")
        config_bytes = blob(cfg["digest"])
        _check(config_bytes == image.config_bytes,
               f"{where}: pulled config differs from the original config bytes "
               f"({len(config_bytes)} vs {len(image.config_bytes)} bytes)")
        for i, (desc, layer) in enumerate(zip(layers, image.layers)):
            data = blob(desc["digest"])
            _check(len(data) == desc["size"],
                   f"{where}: layer {i} blob has {len(data)} bytes, descriptor says {desc['size']}")
            _check(fixtures.sha256_digest(data) == desc["digest"],
                   f"{where}: layer {i} blob sha256 differs from its descriptor digest")
            _check(data[:2] == b"\x1f\x8b", f"{where}: layer {i} blob is not gzip")
            got = gunzip_sha256(data)
            _check(got == layer.diff_id,
                   f"{where}: layer {i} ({layer.entry}) gunzips to {got}, diff_id is {layer.diff_id}")
    finally:
        shutil.rmtree(dest, ignore_errors=True)

    # 3. config-level inspect
    info = inspect(workdir, host, repo, ref, creds)
    _check(info.get("Digest") == digest,
           f"{where}: skopeo inspect Digest {info.get('Digest')} != sha256(raw manifest) {digest}")
    orig = image.config
    _check(info.get("Architecture") == orig.get("architecture"),
           f"{where}: Architecture {info.get('Architecture')!r} != {orig.get('architecture')!r}")
    _check(info.get("Os") == orig.get("os"), f"{where}: Os {info.get('Os')!r} != {orig.get('os')!r}")
    _check(info.get("Layers") == [d["digest"] for d in layers],
           f"{where}: skopeo inspect Layers differ from the manifest's")
    return Verified(digest, raw, m)
