"""Check OCI images, indexes and bundles in a registry against their source (oci_fixtures
Image / Index objects), with skopeo and oci-image-tool only, never with oci-push's reader.

verify_image(workdir, host, repo, ref, src, same_manifest=...):
  1. `skopeo inspect --raw`: the manifest; with same_manifest its bytes must be the source
     manifest's (the push changed nothing). Otherwise: the config descriptor is the source
     config's, each layer that was compressed in the source is passed through (same digest,
     size), each uncompressed one became gzip, and the media types are of the expected family.
  2. `skopeo copy docker://HOST/REPO@DIGEST oci:DIR:x` (OCI manifests) or `dir:DIR` (Docker
     schema 2; skopeo 1.9 would convert it for an OCI layout): the manifest skopeo stored is
     the raw one, the config bytes are the source's, every layer blob has its descriptor's
     size and sha256 and decompresses to the config's diff_id.
  3. For OCI: `oci-image-tool validate --type image --ref name=x` on the pulled layout, and
     `--type manifest` / `--type config` on the pulled manifest and config files.
verify_index(...): the index bytes (== the source's with same_bytes), every platform
  manifest by digest (verify_image on each), `oci-image-tool validate --type imageIndex` on
  the index, and `skopeo copy --all` of the tag, which must resolve every platform.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

from . import oci_fixtures as of, verify


def _check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- oci-image-tool


def oci_validate(type_: str, path: str, ref: str | None = None) -> str:
    """`oci-image-tool validate --type TYPE [--ref name=REF] PATH`; raises on failure."""
    cmd = ["oci-image-tool", "validate", "--type", type_]
    if ref:
        cmd += ["--ref", f"name={ref}"]
    p = subprocess.run(cmd + [path], capture_output=True, timeout=120)
    out = (p.stdout + p.stderr).decode(errors="replace")
    _check(p.returncode == 0 and "Validation succeeded" in out,
           f"oci-image-tool validate --type {type_} {path} failed ({p.returncode}):\n{out}")
    return out


def validate_json(workdir: str, type_: str, data: bytes, name: str) -> None:
    """Validate one JSON document (manifest, imageIndex, config) written to a file."""
    d = os.path.join(workdir, "validate")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, name.replace(":", "_") + ".json")
    with open(p, "wb") as f:
        f.write(data)
    oci_validate(type_, p)


# --------------------------------------------------------------------------- registry reads


def blob_exists(reg, repo: str, digest: str) -> bool:
    status, _, _ = reg.http("HEAD", f"/v2/{repo}/blobs/{digest}", authenticate=True)
    return status == 200


def manifest_status(reg, repo: str, ref: str) -> int:
    accept = ", ".join([of.OCI_MANIFEST, of.OCI_INDEX, of.DOCKER_MANIFEST, of.DOCKER_LIST])
    status, _, _ = reg.http("HEAD", f"/v2/{repo}/manifests/{ref}", headers={"Accept": accept},
                            authenticate=True)
    return status


def uploads_of(reg, repo: str, digest: str, since=None) -> int:
    """How many times the blob went into repo since the mark: completed uploads (final PUT
    ?digest=) plus cross-repository mounts answered 201."""
    n = sum(1 for u in reg.upload_sessions(repo, since) if u.digest == digest)
    for r in reg.requests(since):
        if (r.method == "POST" and r.path == f"/v2/{repo}/blobs/uploads/"
                and f"mount={digest}" in r.uri.replace("%3A", ":") and r.status == 201):
            n += 1
    return n


# --------------------------------------------------------------------------- images


def _family(media_type: str) -> str:
    return "docker" if media_type in (of.DOCKER_MANIFEST, of.DOCKER_LIST) else "oci"


def _expected_layer_type(src: of.Layer, family: str) -> str:
    comp = "gzip" if src.compression in ("none", "gzip") else src.compression
    if src.foreign:
        return of.DOCKER_FOREIGN if family == "docker" else of.OCI_LAYER_NONDIST_GZIP
    if family == "docker":
        return {"gzip": of.DOCKER_LAYER_GZIP}.get(comp, of.OCI_LAYER_ZSTD)
    return {"gzip": of.OCI_LAYER_GZIP, "zstd": of.OCI_LAYER_ZSTD}[comp]


def pull_image(workdir: str, host: str, repo: str, digest: str, media_type: str):
    """skopeo copy the manifest `digest` to a local dir; returns (dest, manifest bytes,
    blob reader)."""
    dest = os.path.join(workdir, f"pulled-{repo.replace('/', '_')}-{digest[7:19]}")
    shutil.rmtree(dest, ignore_errors=True)
    if _family(media_type) == "oci":
        verify.pull(workdir, host, repo, digest, f"oci:{dest}:x")
        layout = of.load_index_json(dest)
        descs = layout.get("manifests") or []
        _check(len(descs) == 1, f"pulled index.json lists {len(descs)} manifests")

        def blob(d):
            with open(of.blob_path(dest, d), "rb") as f:
                return f.read()
        return dest, blob(descs[0]["digest"]), blob
    verify.pull(workdir, host, repo, digest, f"dir:{dest}")
    with open(os.path.join(dest, "manifest.json"), "rb") as f:
        man = f.read()

    def blob(d):
        with open(os.path.join(dest, d.split(":", 1)[1]), "rb") as f:
            return f.read()
    return dest, man, blob


def verify_image(workdir: str, host: str, repo: str, ref: str, src: of.Image, *,
                 same_manifest: bool, media_type: str | None = None,
                 raw: bytes | None = None) -> bytes:
    """See the module doc. media_type: the manifest type expected (default: the source's).
    Returns the raw manifest."""
    where = verify.image_ref(host, repo, ref)
    if raw is None:
        raw = verify.inspect_raw(workdir, host, repo, ref)
    digest = sha(raw)
    m = json.loads(raw)
    if same_manifest:
        _check(raw == src.manifest_bytes,
               f"{where}: the pushed manifest ({digest}) is not the source's ({src.digest}) "
               f"byte for byte:\n  pushed {raw[:400]!r}\n  source {src.manifest_bytes[:400]!r}")
    media_type = media_type or src.media_type
    family = _family(media_type)
    _check(m.get("schemaVersion") == 2, f"{where}: schemaVersion {m.get('schemaVersion')}")
    got_type = m.get("mediaType")
    if got_type is None and same_manifest and family == "oci":
        got_type = of.OCI_MANIFEST   # legal in OCI (umoci writes it so); pushed as is
    _check(got_type == media_type,
           f"{where}: manifest mediaType {m.get('mediaType')!r}, expected {media_type!r}")
    cfg = m.get("config") or {}
    _check(cfg.get("digest") == src.config_digest and cfg.get("size") == len(src.config_bytes),
           f"{where}: config {cfg.get('digest')}/{cfg.get('size')} is not the source config "
           f"{src.config_digest}/{len(src.config_bytes)}")
    want_cfg_type = of.DOCKER_CONFIG if family == "docker" else of.OCI_CONFIG
    if not same_manifest:
        _check(cfg.get("mediaType") == want_cfg_type,
               f"{where}: config mediaType {cfg.get('mediaType')!r}, expected {want_cfg_type!r}")
    layers = m.get("layers") or []
    _check(len(layers) == len(src.layers),
           f"{where}: {len(layers)} layers, the source has {len(src.layers)}")
    for i, (d, s) in enumerate(zip(layers, src.layers)):
        if s.compression != "none" or s.foreign:
            _check(d.get("digest") == s.digest and d.get("size") == s.size,
                   f"{where}: layer {i}: {d.get('digest')}/{d.get('size')}, but the source "
                   f"layer was already {s.compression}-compressed ({s.digest}/{s.size}) and "
                   f"must pass through unchanged")
        if not same_manifest:
            want = _expected_layer_type(s, family)
            _check(d.get("mediaType") == want,
                   f"{where}: layer {i} mediaType {d.get('mediaType')!r}, expected {want!r}")
        if s.foreign:
            _check(d.get("urls") == s.urls, f"{where}: layer {i} urls {d.get('urls')} != {s.urls}")

    if any(s.foreign for s in src.layers):
        # skopeo keeps foreign layers as references; pulling them is not possible here
        if family == "oci":
            validate_json(workdir, "manifest", raw, f"manifest-{digest}")
        return raw

    dest, pulled_manifest, blob = pull_image(workdir, host, repo, digest, media_type)
    try:
        _check(pulled_manifest == raw,
               f"{where}: the manifest skopeo pulled differs from the one it inspected")
        config_bytes = blob(cfg["digest"])
        _check(config_bytes == src.config_bytes,
               f"{where}: the pulled config differs from the source config")
        for i, (d, s) in enumerate(zip(layers, src.layers)):
            data = blob(d["digest"])
            _check(len(data) == d["size"] and sha(data) == d["digest"],
                   f"{where}: layer {i} blob does not match its descriptor")
            comp = of.compression_of(data)
            _check(comp != "none", f"{where}: layer {i} was pushed uncompressed")
            _check(d["mediaType"].endswith(comp) or (comp == "gzip" and d["mediaType"] in (
                of.DOCKER_LAYER_GZIP, of.DOCKER_FOREIGN)),
                   f"{where}: layer {i} is {comp} but its mediaType is {d['mediaType']}")
            got = sha(of.decompress(data))
            _check(got == s.diff_id,
                   f"{where}: layer {i} decompresses to {got}, the diff_id is {s.diff_id}")
        if family == "oci":
            # oci-image-tool 1.0.0-rc1 predates zstd layers ("invalid descriptor MediaType
            # application/vnd.oci.image.layer.v1.tar+zstd"): for those the layout check is
            # left to skopeo's pull and the decompression above; manifest and config are
            # still validated below.
            if not any(d["mediaType"].endswith("zstd") for d in layers):
                oci_validate("image", dest, "x")
            validate_json(workdir, "manifest", raw, f"manifest-{digest}")
            validate_json(workdir, "config", config_bytes, f"config-{cfg['digest']}")
    finally:
        shutil.rmtree(dest, ignore_errors=True)

    info = verify.inspect(workdir, host, repo, digest)
    _check(info.get("Digest") == digest, f"{where}: skopeo inspect Digest {info.get('Digest')}")
    c = src.config
    _check(info.get("Architecture") == c.get("architecture") and info.get("Os") == c.get("os"),
           f"{where}: skopeo sees {info.get('Os')}/{info.get('Architecture')}, the config "
           f"says {c.get('os')}/{c.get('architecture')}")
    return raw


def verify_index(workdir: str, host: str, repo: str, ref: str, src: of.Index, *,
                 same_bytes: bool, media_type: str | None = None) -> bytes:
    """See the module doc; returns the raw index."""
    where = verify.image_ref(host, repo, ref)
    raw = verify.inspect_raw(workdir, host, repo, ref)
    if same_bytes:
        _check(raw == src.index_bytes,
               f"{where}: the pushed index ({sha(raw)}) is not the source's ({src.digest}) "
               f"byte for byte:\n  pushed {raw[:400]!r}\n  source {src.index_bytes[:400]!r}")
    idx = json.loads(raw)
    media_type = media_type or src.media_type
    _check(idx.get("mediaType") == media_type,
           f"{where}: index mediaType {idx.get('mediaType')!r}, expected {media_type!r}")
    descs = idx.get("manifests") or []
    _check(len(descs) == len(src.children),
           f"{where}: index lists {len(descs)} manifests, the source {len(src.children)}")
    fam = _family(media_type)
    for d, sd, child in zip(descs, src.index.get("manifests") or [], src.children):
        _check(d.get("platform") == sd.get("platform"),
               f"{where}: {d.get('digest')}: platform {d.get('platform')} differs from the "
               f"source's {sd.get('platform')}")
        child_raw = verify.inspect_raw(workdir, host, repo, d["digest"])
        _check(sha(child_raw) == d["digest"] and len(child_raw) == d["size"],
               f"{where}: manifest {d['digest']} served with other bytes")
        if isinstance(child, of.Index):
            _check(not same_bytes or child_raw == child.index_bytes,
                   f"{where}: nested index {d['digest']} differs from the source")
            continue
        want = (of.DOCKER_MANIFEST if fam == "docker" else of.OCI_MANIFEST)
        _check(d.get("mediaType") == want,
               f"{where}: {d['digest']} listed as {d.get('mediaType')}, expected {want}")
        verify_image(workdir, host, repo, d["digest"], child, same_manifest=same_bytes,
                     media_type=want, raw=child_raw)
    if fam == "oci":
        validate_json(workdir, "imageIndex", raw, f"index-{sha(raw)}")
    if any(isinstance(c, of.Index) for c in src.children):
        return raw   # skopeo 1.9 cannot copy an index of indexes; check the inner ones
    # skopeo resolves every platform of the tag (and checks every blob) with --all
    dest = os.path.join(workdir, f"pulled-all-{repo.replace('/', '_')}")
    shutil.rmtree(dest, ignore_errors=True)
    p = verify.skopeo(workdir, "copy", "--quiet", "--all", "--src-tls-verify=false",
                      verify.image_ref(host, repo, ref), f"dir:{dest}")
    verify._ok(p, f"skopeo copy --all {where}")
    with open(os.path.join(dest, "manifest.json"), "rb") as f:
        _check(f.read() == raw, f"{where}: skopeo copy --all stored another index")
    shutil.rmtree(dest, ignore_errors=True)
    return raw


def check_layers_over_http(reg, repo: str, raw: bytes, src: of.Image) -> None:
    """For a manifest skopeo cannot pull here (foreign layers): fetch every distributable
    layer with a plain GET from the registry and check digest, size and diff_id; the foreign
    layers must not be in the repository."""
    m = json.loads(raw)
    for i, (d, s) in enumerate(zip(m.get("layers") or [], src.layers)):
        if s.foreign:
            _check(not blob_exists(reg, repo, d["digest"]),
                   f"{reg.host}/{repo}: the non-distributable layer {d['digest']} was uploaded")
            continue
        status, _, data = reg.http("GET", f"/v2/{repo}/blobs/{d['digest']}", timeout=60,
                                   authenticate=True)
        _check(status == 200, f"{reg.host}/{repo}: layer {i} {d['digest']}: GET answered {status}")
        _check(sha(data) == d["digest"] and len(data) == d["size"],
               f"{reg.host}/{repo}: layer {i} blob does not match its descriptor")
        _check(of.compression_of(data) != "none", f"{reg.host}/{repo}: layer {i} uncompressed")
        got = sha(of.decompress(data))
        _check(got == s.diff_id, f"{reg.host}/{repo}: layer {i} decompresses to {got}, "
                                 f"diff_id {s.diff_id}")
