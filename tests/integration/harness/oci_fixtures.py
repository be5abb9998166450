"""Builders and a reader for OCI sources: image layouts, oci-archives, Docker 25+ save tarballs,
multi-arch indexes, bundles, docker-save tarballs with compressed layers, compressed tarballs.

Builders use real tools where a real tool makes the thing: umoci (init/new/insert/config/gc)
for OCI image layouts, `skopeo copy` for oci-archive:, docker-archive: and Docker schema 2
conversions. What no tool here writes (a Docker 25 `docker save` tarball, an image index over
umoci images, a Docker manifest list, a docker-save tarball with compressed layers) is assembled
per the Docker and OCI specifications from the harness's deterministic layers (fixtures.py).

read_layout() parses any OCI image layout back into Image / Index objects (checking every blob
against its descriptor's digest and size, and every layer against the config's diff_ids): the
ground truth the tests compare a push against, whoever wrote the layout.

Only the standard library of /usr/bin/python3 is used; zstd, gzip and xz are their CLIs.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import zlib
from dataclasses import dataclass, field

from . import fixtures
from .fixtures import KiB, sha256_digest, sha256_hex

OCI_LAYOUT_FILE = b'{"imageLayoutVersion":"1.0.0"}'

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
FOREIGN_TYPES = (DOCKER_FOREIGN, OCI_LAYER_NONDIST_GZIP,
                 "application/vnd.oci.image.layer.nondistributable.v1.tar",
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")

LAYER_TYPES = (OCI_LAYER_TAR, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LAYER_GZIP,
               "application/vnd.docker.image.rootfs.diff.tar") + FOREIGN_TYPES

REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XZ_MAGIC = b"\xfd7zXZ\x00"


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- compression


def compression_of(data: bytes) -> str:
    if data[:2] == GZIP_MAGIC:
        return "gzip"
    if data[:4] == ZSTD_MAGIC:
        return "zstd"
    return "none"


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no name, mtime 0)."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def zstd_bytes(data: bytes) -> bytes:
    p = subprocess.run(["zstd", "-q", "-c", "-3", "--no-check"], input=data,
                       capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"zstd failed: {p.stderr.decode(errors='replace')}")
    return p.stdout


def decompress(data: bytes) -> bytes:
    """The uncompressed bytes of a gzip (all members), zstd or plain blob."""
    kind = compression_of(data)
    if kind == "gzip":
        out = []
        rest = data
        while rest:
            d = zlib.decompressobj(wbits=31)
            out.append(d.decompress(rest))
            if not d.eof:
                raise ValueError("truncated gzip stream")
            rest = d.unused_data
        return b"".join(out)
    if kind == "zstd":
        p = subprocess.run(["zstd", "-q", "-d", "-c"], input=data, capture_output=True,
                           timeout=120)
        if p.returncode != 0:
            raise ValueError(f"zstd -d failed: {p.stderr.decode(errors='replace')}")
        return p.stdout
    return data


def compress_file(src: str, dst: str, kind: str) -> str:
    """Compress a whole file with the gzip, zstd or xz CLI; returns dst."""
    cmd = {"gzip": ["gzip", "-n", "-6", "-c"], "zstd": ["zstd", "-q", "-3", "-c"],
           "xz": ["xz", "-3", "-c"]}[kind]
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        p = subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr.decode(errors='replace')}")
    return dst


# --------------------------------------------------------------------------- model


@dataclass
class Layer:
    digest: str
    size: int
    media_type: str
    diff_id: str
    compression: str                  # "none" | "gzip" | "zstd"
    data: bytes | None = field(default=None, repr=False)   # the blob, None if not present
    urls: list[str] | None = None

    @property
    def foreign(self) -> bool:
        return self.media_type in FOREIGN_TYPES


@dataclass
class Image:
    manifest_bytes: bytes = field(repr=False)
    media_type: str                   # the manifest's media type (descriptor or its own field)
    config_bytes: bytes = field(repr=False)
    config_media_type: str
    layers: list[Layer]
    names: list[str] = field(default_factory=list)       # ref names (top-level images only)
    annotations: dict = field(default_factory=dict)      # the descriptor's annotations
    platform: str | None = None                          # "os/arch[/variant]" inside an index

    @property
    def digest(self) -> str:
        return sha256_digest(self.manifest_bytes)

    @property
    def size(self) -> int:
        return len(self.manifest_bytes)

    @property
    def manifest(self) -> dict:
        return json.loads(self.manifest_bytes)

    @property
    def config(self) -> dict:
        return json.loads(self.config_bytes)

    @property
    def config_digest(self) -> str:
        return sha256_digest(self.config_bytes)

    @property
    def diff_ids(self) -> list[str]:
        return [layer.diff_id for layer in self.layers]

    @property
    def arch_platform(self) -> str:
        """os/arch[/variant] from the config."""
        c = self.config
        p = f"{c.get('os')}/{c.get('architecture')}"
        return p + (f"/{c['variant']}" if c.get("variant") else "")

    def as_image_fixture(self, repo_tags=()) -> fixtures.ImageFixture:
        """For the harness's verify.verify_pushed (which wants diff_ids and config bytes)."""
        return fixtures.ImageFixture(
            list(repo_tags), "blobs/sha256/" + self.config_digest[7:], self.config_bytes,
            [fixtures.LayerFixture("blobs/sha256/" + layer.digest[7:], layer.diff_id,
                                   layer.size) for layer in self.layers])


@dataclass
class Index:
    index_bytes: bytes = field(repr=False)
    media_type: str
    children: list  # Image | Index
    names: list[str] = field(default_factory=list)
    annotations: dict = field(default_factory=dict)
    platform: str | None = None

    @property
    def digest(self) -> str:
        return sha256_digest(self.index_bytes)

    @property
    def size(self) -> int:
        return len(self.index_bytes)

    @property
    def index(self) -> dict:
        return json.loads(self.index_bytes)

    @property
    def images(self) -> list[Image]:
        out = []
        for c in self.children:
            out.extend(c.images if isinstance(c, Index) else [c])
        return out

    def image_for(self, platform: str) -> Image:
        for img in self.images:
            if img.platform == platform:
                return img
        raise KeyError(platform)


@dataclass
class Layout:
    path: str
    entries: list                      # Image | Index, as index.json lists them
    index_json: dict

    def by_name(self, name: str):
        for e in self.entries:
            if name in e.names:
                return e
        raise KeyError(f"{self.path}: no entry named {name!r}")

    @property
    def only(self):
        if len(self.entries) != 1:
            raise ValueError(f"{self.path}: {len(self.entries)} entries")
        return self.entries[0]


def _platform_str(p: dict | None) -> str | None:
    if not p:
        return None
    s = f"{p.get('os')}/{p.get('architecture')}"
    return s + (f"/{p['variant']}" if p.get("variant") else "")


# --------------------------------------------------------------------------- reading


def blob_path(layout: str, digest: str) -> str:
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def _read_blob(layout: str, desc: dict, required: bool = True) -> bytes | None:
    p = blob_path(layout, desc["digest"])
    if not os.path.exists(p):
        if required:
            raise ValueError(f"{layout}: blob {desc['digest']} is missing")
        return None
    with open(p, "rb") as f:
        data = f.read()
    if len(data) != desc["size"]:
        raise ValueError(f"{layout}: blob {desc['digest']} has {len(data)} bytes, "
                         f"descriptor says {desc['size']}")
    if sha256_digest(data) != desc["digest"]:
        raise ValueError(f"{layout}: blob {desc['digest']} has sha256 {sha256_digest(data)}")
    return data


def _read_desc(layout: str, desc: dict, depth: int = 0):
    if depth > 8:
        raise ValueError(f"{layout}: index nesting deeper than 8")
    data = _read_blob(layout, desc)
    doc = json.loads(data)
    mt = desc.get("mediaType") or doc.get("mediaType")
    if mt is None:
        mt = OCI_INDEX if "manifests" in doc else OCI_MANIFEST
    ann = dict(desc.get("annotations") or {})
    names = [ann[REF_NAME]] if REF_NAME in ann else []
    plat = _platform_str(desc.get("platform"))
    if mt in INDEX_TYPES:
        children = [_read_desc(layout, d, depth + 1) for d in doc.get("manifests") or []]
        return Index(data, mt, children, names, ann, plat)
    if mt not in MANIFEST_TYPES:
        raise ValueError(f"{layout}: unsupported media type {mt}")
    cfg_desc = doc["config"]
    cfg = _read_blob(layout, cfg_desc)
    diff_ids = json.loads(cfg)["rootfs"]["diff_ids"]
    if len(diff_ids) != len(doc.get("layers") or []):
        raise ValueError(f"{layout}: {desc['digest']}: layers and diff_ids differ in number")
    layers = []
    for ld, diff_id in zip(doc.get("layers") or [], diff_ids):
        if ld.get("mediaType") not in LAYER_TYPES:
            raise ValueError(f"{layout}: layer {ld.get('digest')}: unsupported media type "
                             f"{ld.get('mediaType')}")
        foreign = ld.get("mediaType") in FOREIGN_TYPES
        blob = _read_blob(layout, ld, required=not foreign)
        if blob is not None:
            comp = compression_of(blob)
            got = sha256_digest(decompress(blob))
            if got != diff_id:
                raise ValueError(f"{layout}: layer {ld['digest']} uncompresses to {got}, "
                                 f"config says {diff_id}")
        else:
            comp = "gzip" if ld["mediaType"].endswith("gzip") else "none"
        layers.append(Layer(ld["digest"], ld["size"], ld["mediaType"], diff_id, comp, blob,
                            ld.get("urls")))
    return Image(data, mt, cfg, cfg_desc["mediaType"], layers, names, ann, plat)


def read_layout(path: str) -> Layout:
    """Parse (and check) an OCI image layout directory."""
    with open(os.path.join(path, "oci-layout")) as f:
        if json.load(f).get("imageLayoutVersion") != "1.0.0":
            raise ValueError(f"{path}: bad oci-layout")
    with open(os.path.join(path, "index.json")) as f:
        index = json.load(f)
    entries = [_read_desc(path, d) for d in index.get("manifests") or []]
    return Layout(path, entries, index)


def extract_archive(tar_path: str, dest: str) -> str:
    """Unpack a tar (e.g. an oci-archive, or the OCI part of a Docker 25 tar) into dest."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with tarfile.open(tar_path, "r:*") as tf:
        members = []
        for m in tf.getmembers():
            norm = os.path.normpath(m.name)
            if os.path.isabs(m.name) or norm.startswith(".."):
                raise ValueError(f"{tar_path}: entry {m.name!r} escapes the archive")
            if m.issym() or m.islnk():
                raise ValueError(f"{tar_path}: entry {m.name!r} is a link")
            if m.isfile() or m.isdir():
                members.append(m)
        tf.extractall(dest, members=members)
    return dest


def read_oci_archive(tar_path: str, scratch: str) -> Layout:
    layout = read_layout(extract_archive(tar_path, scratch))
    return layout


# --------------------------------------------------------------------------- writing layouts


def write_blob(layout: str, data: bytes) -> str:
    d = sha256_digest(data)
    p = blob_path(layout, d)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return d


def desc_of(data: bytes, media_type: str, **extra) -> dict:
    d = {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data)}
    d.update(extra)
    return d


def load_index_json(layout: str) -> dict:
    with open(os.path.join(layout, "index.json")) as f:
        return json.load(f)


def write_index_json(layout: str, index: dict) -> None:
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(_json(index))


def set_ref_names(layout: str, renames: dict[str, str]) -> None:
    """Rename org.opencontainers.image.ref.name annotations in index.json (old -> new)."""
    index = load_index_json(layout)
    for d in index["manifests"]:
        ann = d.get("annotations") or {}
        if ann.get(REF_NAME) in renames:
            ann[REF_NAME] = renames[ann[REF_NAME]]
    write_index_json(layout, index)


def rewrite_image(layout: str, ref: str, *, manifest=None, config=None,
                  index_json=None) -> dict:
    """Edit the image named ref in a layout: config(cfg dict) and manifest(manifest dict) may
    change the parsed documents in place; new config/manifest blobs are written (old ones are
    left behind) and index.json is updated. Returns the new index.json descriptor."""
    index = load_index_json(layout)
    desc = next(d for d in index["manifests"]
                if (d.get("annotations") or {}).get(REF_NAME) == ref)
    with open(blob_path(layout, desc["digest"]), "rb") as f:
        man = json.load(f)
    if config is not None:
        with open(blob_path(layout, man["config"]["digest"]), "rb") as f:
            cfg = json.load(f)
        config(cfg)
        cfg_bytes = _json(cfg)
        write_blob(layout, cfg_bytes)
        man["config"]["digest"] = sha256_digest(cfg_bytes)
        man["config"]["size"] = len(cfg_bytes)
    if manifest is not None:
        manifest(man)
    man_bytes = _json(man)
    write_blob(layout, man_bytes)
    desc["digest"] = sha256_digest(man_bytes)
    desc["size"] = len(man_bytes)
    if index_json is not None:
        index_json(index, desc)
    write_index_json(layout, index)
    return desc


# --------------------------------------------------------------------------- umoci


def _run(cmd, cwd=None, env=None, timeout=180, input=None) -> bytes:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout, input=input)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                           f"{p.stdout.decode(errors='replace')}\n"
                           f"{p.stderr.decode(errors='replace')}")
    return p.stdout


def _umoci(workdir: str, *args: str) -> None:
    _run(["umoci", *args], cwd=workdir, env=fixtures.tool_env(workdir))


def _skopeo(workdir: str, *args: str) -> None:
    _run(["skopeo", "--policy", fixtures.tool_policy(workdir), *args], cwd=workdir,
         env=fixtures.tool_env(workdir))


def _make_tree(root: str, seed: str, size: int) -> str:
    """A small directory tree for umoci insert: a data file of `size` bytes, a script, a
    symlink. Deterministic content and mtimes, so equal seeds give equal layer tars."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "bin"))
    with open(os.path.join(root, f"{seed}.dat"), "wb") as f:
        f.write(fixtures.gen_bytes(f"umoci-{seed}", size))
    tool = os.path.join(root, "bin", "run")
    with open(tool, "w") as f:
        f.write(f"#!/bin/sh\necho {seed}\n")
    os.chmod(tool, 0o755)
    os.symlink("../bin/run", os.path.join(root, "bin", "link"))
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            os.utime(os.path.join(dirpath, n), (fixtures.FIXED_MTIME,) * 2,
                     follow_symlinks=False)
    os.utime(root, (fixtures.FIXED_MTIME,) * 2)
    return root


@dataclass(frozen=True)
class UmociImage:
    tag: str                 # umoci tag (becomes org.opencontainers.image.ref.name)
    arch: str = "amd64"
    seed: str = ""           # own layer content; "" -> the tag
    size: int = 400 * KiB    # own layer size
    variant: str = ""


def build_umoci_layout(workdir: str, path: str, images: list[UmociImage],
                       shared: str | None = "base", shared_size: int = 600 * KiB) -> Layout:
    """An OCI image layout written by umoci: per image a shared base layer (same bytes in
    every image, when `shared`) and an own layer, arch/os set with `umoci config`. Stale
    blobs are garbage-collected, so the layout holds exactly what index.json reaches."""
    shutil.rmtree(path, ignore_errors=True)
    rootless = [] if os.geteuid() == 0 else ["--rootless"]
    _umoci(workdir, "init", "--layout", path)
    _umoci(workdir, "new", "--image", path + ":umoci-base")
    created = ["--created", fixtures.CREATED, "--history.created", fixtures.CREATED]
    if shared:
        tree = _make_tree(os.path.join(workdir, f"tree-{shared}"), shared, shared_size)
        _umoci(workdir, "insert", *rootless, *["--history.created", fixtures.CREATED],
               "--image", path + ":umoci-base", tree, "/opt/base")
    for im in images:
        seed = im.seed or im.tag
        cfg = ["config", *created, "--image", path + ":umoci-base", "--tag", im.tag,
               "--architecture", im.arch, "--os", "linux",
               "--config.cmd", "/opt/own/bin/run", "--config.env", f"FIXTURE={seed}",
               "--config.label", f"org.example.fixture={seed}"]
        _umoci(workdir, *cfg)
        tree = _make_tree(os.path.join(workdir, f"tree-{seed}"), seed, im.size)
        _umoci(workdir, "insert", *rootless, "--history.created", fixtures.CREATED,
               "--image", f"{path}:{im.tag}", tree, "/opt/own")
        if im.variant:   # umoci config has no --variant: set the config field directly
            v = im.variant
            rewrite_image(path, im.tag, config=lambda c: c.__setitem__("variant", v))
    _umoci(workdir, "rm", "--image", path + ":umoci-base")
    _umoci(workdir, "gc", "--layout", path)
    return read_layout(path)


def make_index(layout: str, refs: list[str], ref_name: str, media_type: str = OCI_INDEX,
               keep_refs: bool = False) -> dict:
    """Combine the images named refs in index.json into one image index blob (with each
    image's platform from its config), and make index.json list that index under ref_name
    (and the images too if keep_refs). Returns the index descriptor."""
    index = load_index_json(layout)
    manifests = []
    for ref in refs:
        d = next(d for d in index["manifests"]
                 if (d.get("annotations") or {}).get(REF_NAME) == ref)
        with open(blob_path(layout, d["digest"]), "rb") as f:
            man = json.load(f)
        with open(blob_path(layout, man["config"]["digest"]), "rb") as f:
            cfg = json.load(f)
        plat = {"architecture": cfg["architecture"], "os": cfg["os"]}
        if cfg.get("variant"):
            plat["variant"] = cfg["variant"]
        manifests.append({"mediaType": d["mediaType"], "digest": d["digest"],
                          "size": d["size"], "platform": plat})
    idx = {"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}
    data = _json(idx)
    write_blob(layout, data)
    desc = desc_of(data, media_type, annotations={REF_NAME: ref_name})
    new = [d for d in index["manifests"] if keep_refs] + [desc]
    index["manifests"] = new
    write_index_json(layout, index)
    return desc


def build_multiarch_layout(workdir: str, path: str, ref: str = "multi",
                           archs=("amd64", "arm64")) -> Layout:
    """Two (or more) umoci images, one per arch ("amd64", or "arm/v7" with a variant; a
    shared base layer and an own layer each), combined into one OCI image index with platform
    fields, listed in index.json as `ref`."""
    tags = [f"img-{a.replace('/', '-')}" for a in archs]
    build_umoci_layout(workdir, path, [
        UmociImage(t, a.split("/")[0], seed=f"own-{t}", variant=a.partition("/")[2])
        for t, a in zip(tags, archs)])
    make_index(path, tags, ref)
    return read_layout(path)


def build_docker_list_layout(workdir: str, path: str, ref: str = "list",
                             archs=("amd64", "arm64")) -> Layout:
    """Like build_multiarch_layout, but in Docker formats: each umoci image is converted to
    Docker schema 2 with `skopeo copy --format v2s2 oci:... dir:...`, and the images are
    combined into a Docker manifest list, all stored in an OCI image layout."""
    src = os.path.join(workdir, "docker-list-src")
    build_umoci_layout(workdir, src, [UmociImage(f"img-{a}", a, seed=f"dl-{a}")
                                      for a in archs])
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "blobs", "sha256"))
    with open(os.path.join(path, "oci-layout"), "wb") as f:
        f.write(OCI_LAYOUT_FILE)
    index = {"schemaVersion": 2, "manifests": []}
    for a in archs:
        d = os.path.join(workdir, f"docker-list-dir-{a}")
        shutil.rmtree(d, ignore_errors=True)
        _skopeo(workdir, "copy", "--quiet", "--format", "v2s2", f"oci:{src}:img-{a}", f"dir:{d}")
        for name in os.listdir(d):
            if len(name) == 64:
                with open(os.path.join(d, name), "rb") as f:
                    write_blob(path, f.read())
        with open(os.path.join(d, "manifest.json"), "rb") as f:
            man = f.read()
        if json.loads(man).get("mediaType") != DOCKER_MANIFEST:
            raise RuntimeError("skopeo --format v2s2 did not write a Docker schema 2 manifest")
        write_blob(path, man)
        index["manifests"].append(desc_of(man, DOCKER_MANIFEST,
                                          annotations={REF_NAME: f"img-{a}"}))
    write_index_json(path, index)
    make_index(path, [f"img-{a}" for a in archs], ref, media_type=DOCKER_LIST)
    return read_layout(path)


def index_to_dir(layout: str, entry: Index, dest: str) -> str:
    """Write an index of a layout (and everything it reaches) as a skopeo `dir:` directory
    (manifest.json = the index, <hex>.manifest.json per instance, blobs by hex), byte for
    byte; skopeo's oci: transport will not read Docker manifest lists, its dir: one does."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with open(os.path.join(dest, "version"), "w") as f:
        f.write("Directory Transport Version: 1.1\n")
    with open(os.path.join(dest, "manifest.json"), "wb") as f:
        f.write(entry.index_bytes)
    for img in entry.images:
        with open(os.path.join(dest, img.digest[7:] + ".manifest.json"), "wb") as f:
            f.write(img.manifest_bytes)
        for d in [img.config_digest] + [layer.digest for layer in img.layers]:
            shutil.copyfile(blob_path(layout, d), os.path.join(dest, d[7:]))
    return dest


def copy_layout(src: str, dst: str) -> str:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True)
    return dst


def skopeo_to_oci_archive(workdir: str, layout: str, ref: str, out: str,
                          all_images: bool = False) -> str:
    """`skopeo copy [--all] oci:LAYOUT:REF oci-archive:OUT:REF`."""
    if os.path.exists(out):
        os.unlink(out)
    _skopeo(workdir, "copy", "--quiet", *(["--all"] if all_images else []),
            f"oci:{layout}:{ref}", f"oci-archive:{out}:{ref}")
    return out


def skopeo_to_docker_archive(workdir: str, layout: str, ref: str, out: str,
                             name_tag: str) -> str:
    if os.path.exists(out):
        os.unlink(out)
    _skopeo(workdir, "copy", "--quiet", f"oci:{layout}:{ref}", f"docker-archive:{out}:{name_tag}")
    return out


def tar_layout(layout: str, out: str, symlink_entries: dict[str, str] | None = None) -> str:
    """Tar an OCI layout directory the way an oci-archive holds it (entries relative to the
    layout root, fixed owners and times); symlink_entries adds name -> target symlinks."""
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        for dirpath, dirnames, filenames in os.walk(layout):
            dirnames.sort()
            for n in sorted(filenames):
                full = os.path.join(dirpath, n)
                rel = os.path.relpath(full, layout)
                if os.path.islink(full):
                    tf.addfile(fixtures._tarinfo(rel, tarfile.SYMTYPE, mode=0o777,
                                                 linkname=os.readlink(full)))
                    continue
                with open(full, "rb") as f:
                    data = f.read()
                tf.addfile(fixtures._tarinfo(rel, size=len(data)), io.BytesIO(data))
        for name, target in (symlink_entries or {}).items():
            tf.addfile(fixtures._tarinfo(name, tarfile.SYMTYPE, mode=0o777, linkname=target))
    return out


# --------------------------------------------------------------------------- Docker 25 tars


def containerd_name(repo_tag: str) -> str:
    """docker.io-qualified name, as Docker 25 writes io.containerd.image.name."""
    name, _, tag = repo_tag.rpartition(":")
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "library/" + name
    if not ("." in first or ":" in first or first == "localhost") or "/" not in repo_tag:
        name = "docker.io/" + name
    return f"{name}:{tag}"


@dataclass
class Docker25Image:
    image: Image                      # the OCI view (manifest, config, uncompressed layers)
    fixture: fixtures.ImageFixture    # the docker-save view (RepoTags, diff_ids) for verify


def write_docker25_tar(path: str, specs: list[fixtures.ImageSpec]) -> list[Docker25Image]:
    """A tarball as `docker save` writes it from Docker 25 on: an OCI image layout (oci-layout,
    index.json with io.containerd.image.name and org.opencontainers.image.ref.name
    annotations, blobs/sha256/<hex>, layers UNCOMPRESSED with media type
    application/vnd.oci.image.layer.v1.tar) plus manifest.json (Config and Layers as
    blobs/sha256/<hex> paths, RepoTags) and repositories."""
    entries: dict[str, fixtures.Entry] = {}

    def add_blob(data: bytes) -> str:
        name = "blobs/sha256/" + sha256_hex(data)
        entries.setdefault(name, fixtures.Entry(name, data=data))
        return name

    entries["blobs/"] = fixtures.Entry("blobs/", "dir")
    entries["blobs/sha256/"] = fixtures.Entry("blobs/sha256/", "dir")
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    manifest_json = []
    repositories: dict[str, dict[str, str]] = {}
    out = []
    for spec in specs:
        built = fixtures._build_image(spec)
        cfg_name = add_blob(built.config_bytes)
        layer_names = [add_blob(d) for d in built.layer_data]
        man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": desc_of(built.config_bytes, OCI_CONFIG),
               "layers": [desc_of(d, OCI_LAYER_TAR) for d in built.layer_data]}
        man_bytes = _json(man)
        add_blob(man_bytes)
        for rt in spec.repo_tags:
            index["manifests"].append(desc_of(man_bytes, OCI_MANIFEST, annotations={
                CONTAINERD_NAME: containerd_name(rt), REF_NAME: rt.rpartition(":")[2]}))
            repo, _, tag = rt.rpartition(":")
            repositories.setdefault(repo, {})[tag] = sha256_hex(built.config_bytes)
        manifest_json.append({"Config": cfg_name, "RepoTags": list(spec.repo_tags),
                              "Layers": layer_names})
        layers = [Layer(sha256_digest(d), len(d), OCI_LAYER_TAR, sha256_digest(d), "none", d)
                  for d in built.layer_data]
        img = Image(man_bytes, OCI_MANIFEST, built.config_bytes, OCI_CONFIG, layers,
                    [rt.rpartition(":")[2] for rt in spec.repo_tags])
        fx = fixtures.ImageFixture(list(spec.repo_tags), cfg_name, built.config_bytes,
                                   [fixtures.LayerFixture(n, d, len(b)) for n, d, b in
                                    zip(layer_names, built.diff_ids, built.layer_data)])
        out.append(Docker25Image(img, fx))
    for name, data in (("index.json", _json(index)), ("manifest.json", fixtures._go_json(manifest_json)),
                       ("oci-layout", OCI_LAYOUT_FILE),
                       ("repositories", fixtures._go_json(repositories))):
        entries[name] = fixtures.Entry(name, data=data)
    fixtures._write_tar(path, list(entries.values()))
    return out


# --------------------------------------------------------------------------- docker-save variants


@dataclass
class CompressedLayersArchive:
    fixture: fixtures.ImageFixture
    blobs: list[bytes] = field(repr=False)     # the compressed layer bytes, in layer order

    @property
    def blob_digests(self) -> list[str]:
        return [sha256_digest(b) for b in self.blobs]

    def as_image(self, media_type: str = DOCKER_MANIFEST) -> Image:
        """The image a push of this archive must produce (manifest bytes unknown: it is
        generated), for oci_verify.verify_image(..., same_manifest=False)."""
        layers = []
        for blob, layer in zip(self.blobs, self.fixture.layers):
            comp = compression_of(blob)
            mt = {("gzip", True): DOCKER_LAYER_GZIP, ("gzip", False): OCI_LAYER_GZIP}.get(
                (comp, media_type == DOCKER_MANIFEST), OCI_LAYER_ZSTD)
            layers.append(Layer(sha256_digest(blob), len(blob), mt, layer.diff_id, comp, blob))
        cfg_type = DOCKER_CONFIG if media_type == DOCKER_MANIFEST else OCI_CONFIG
        return Image(b"", media_type, self.fixture.config_bytes, cfg_type, layers,
                     list(self.fixture.repo_tags))


def write_compressed_layers_archive(path: str, spec: fixtures.ImageSpec,
                                    compression: str) -> CompressedLayersArchive:
    """A classic docker-save tarball whose <v1id>/layer.tar entries hold gzip- or
    zstd-compressed layer tars (docker load accepts these); the config's diff_ids are those
    of the uncompressed tars, as always."""
    comp = {"gzip": gzip_bytes, "zstd": zstd_bytes}[compression]
    entries, fxs = fixtures._assemble([fixtures._build_image(spec)], "classic")
    fx = fxs[0]
    by_name = {e.name: e for e in entries}
    blobs = []
    for layer in fx.layers:
        e = by_name[layer.entry]
        if e.kind == "file":
            e.data = comp(e.data)
        blobs.append(by_name[layer.entry].data if e.kind == "file" else None)
    # symlinked duplicates point at an already compressed entry
    blobs = [b if b is not None else comp(layer.data) for b, layer in zip(blobs, fx.layers)]
    fixtures._write_tar(path, entries)
    return CompressedLayersArchive(fx, blobs)


@dataclass
class ForeignArchive:
    fixture: fixtures.ImageFixture
    foreign_index: int
    foreign_desc: dict

    def as_image(self) -> Image:
        """The Docker schema 2 image a push must produce: the foreign layer as its
        LayerSources descriptor, the other layers (uncompressed in the tar) gzipped."""
        layers = []
        for i, layer in enumerate(self.fixture.layers):
            if i == self.foreign_index:
                d = self.foreign_desc
                layers.append(Layer(d["digest"], d["size"], d["mediaType"], layer.diff_id,
                                    "gzip", None, d["urls"]))
            else:
                layers.append(Layer(layer.diff_id, layer.size, "application/vnd.docker.image."
                                    "rootfs.diff.tar", layer.diff_id, "none"))
        return Image(b"", DOCKER_MANIFEST, self.fixture.config_bytes, DOCKER_CONFIG, layers,
                     list(self.fixture.repo_tags))


def write_foreign_layer_archive(path: str, spec: fixtures.ImageSpec, foreign_index: int = 0,
                                url: str = "https://foreign.example.com/layers/base.tar.gz"
                                ) -> ForeignArchive:
    """A classic docker-save tarball whose manifest.json has LayerSources for one layer (the
    way `docker save` records a Windows base layer): a descriptor of type
    application/vnd.docker.image.rootfs.foreign.diff.tar.gzip, with urls, for the gzip of
    that layer. The layer's tar is still in the archive."""
    entries, fxs = fixtures._assemble([fixtures._build_image(spec)], "classic")
    fx = fxs[0]
    layer = fx.layers[foreign_index]
    gz = gzip_bytes(layer.data)
    desc = {"mediaType": DOCKER_FOREIGN, "size": len(gz), "digest": sha256_digest(gz),
            "urls": [url]}
    man = next(e for e in entries if e.name == "manifest.json")
    doc = json.loads(man.data)
    doc[0]["LayerSources"] = {layer.diff_id: desc}
    man.data = fixtures._go_json(doc)
    fixtures._write_tar(path, entries)
    return ForeignArchive(fx, foreign_index, desc)


def add_foreign_layer(layout: str, ref: str, seed: str = "foreign",
                      url: str = "https://foreign.example.com/layers/nondist.tar.gz") -> dict:
    """Put a non-distributable layer (application/vnd.oci.image.layer.nondistributable.v1.
    tar+gzip, with urls) first in the image `ref` of an OCI layout: its blob is written to
    the layout too, the config gets its diff_id. Returns the layer descriptor."""
    tar = fixtures.make_layer_tar(fixtures.LayerSpec(seed, 96 * KiB, 2))
    gz = gzip_bytes(tar)
    write_blob(layout, gz)
    desc = desc_of(gz, OCI_LAYER_NONDIST_GZIP, urls=[url])
    rewrite_image(layout, ref,
                  config=lambda c: c["rootfs"]["diff_ids"].insert(0, sha256_digest(tar)),
                  manifest=lambda m: m["layers"].insert(0, desc))
    return desc


# --------------------------------------------------------------------------- bad layouts

BAD_LAYOUTS = ("missing_manifest_blob", "missing_config_blob", "missing_layer_blob",
               "layer_wrong_digest", "config_wrong_digest", "layer_truncated",
               "layer_extra_bytes", "bogus_layer_media_type", "bogus_manifest_media_type",
               "symlink_escape_absolute", "symlink_escape_relative", "digest_dotdot",
               "layer_digest_absolute", "deep_nesting", "absurd_manifest_size",
               "absurd_config_size", "absurd_layer_size")

ABSURD = 10 ** 15
NEST_DEPTH = 10


@dataclass
class BadLayout:
    path: str
    kind: str
    ref: str
    names: list[str]          # strings an error line that names the item may contain


def _flip_middle_byte(p: str) -> None:
    with open(p, "r+b") as f:
        data = bytearray(f.read())
        i = len(data) // 2
        data[i] ^= 0x55
        f.seek(0)
        f.write(data)


def write_bad_layout(good: str, path: str, kind: str, ref: str = "1.0") -> BadLayout:
    """Copy the good single-image layout `good` (image `ref`) to `path` and break it."""
    copy_layout(good, path)
    lay = read_layout(path)
    img = lay.by_name(ref)
    last = img.layers[-1]

    def hexes(*digests):
        out = []
        for d in digests:
            out += [d, d.split(":", 1)[-1]]
        return out

    if kind == "missing_manifest_blob":
        os.unlink(blob_path(path, img.digest))
        return BadLayout(path, kind, ref, hexes(img.digest))
    if kind == "missing_config_blob":
        os.unlink(blob_path(path, img.config_digest))
        return BadLayout(path, kind, ref, hexes(img.config_digest))
    if kind == "missing_layer_blob":
        os.unlink(blob_path(path, last.digest))
        return BadLayout(path, kind, ref, hexes(last.digest))
    if kind == "layer_wrong_digest":
        _flip_middle_byte(blob_path(path, last.digest))
        return BadLayout(path, kind, ref, hexes(last.digest))
    if kind == "config_wrong_digest":
        p = blob_path(path, img.config_digest)
        with open(p, "rb") as f:
            data = f.read()
        with open(p, "wb") as f:   # same size, same JSON shape, other bytes
            f.write(data.replace(b'"linux"', b'"LINUX"', 1))
        return BadLayout(path, kind, ref, hexes(img.config_digest))
    if kind == "layer_truncated":
        with open(blob_path(path, last.digest), "r+b") as f:
            f.truncate(last.size // 2)
        return BadLayout(path, kind, ref, hexes(last.digest))
    if kind == "layer_extra_bytes":
        with open(blob_path(path, last.digest), "ab") as f:
            f.write(b"\0" * 1000)
        return BadLayout(path, kind, ref, hexes(last.digest))
    if kind == "bogus_layer_media_type":
        def m(doc):
            doc["layers"][-1]["mediaType"] = "application/x-bogus"
        rewrite_image(path, ref, manifest=m)
        return BadLayout(path, kind, ref, ["application/x-bogus"])
    if kind == "bogus_manifest_media_type":
        def ix(index, desc):
            desc["mediaType"] = "application/x-bogus-manifest"
        rewrite_image(path, ref, index_json=ix)
        return BadLayout(path, kind, ref, ["application/x-bogus-manifest"])
    if kind in ("symlink_escape_absolute", "symlink_escape_relative"):
        # the blob's bytes are right (digest and size match): only where it lives is wrong
        outside = os.path.join(os.path.dirname(os.path.abspath(path)),
                               f"outside-{os.path.basename(path)}")
        os.makedirs(outside, exist_ok=True)
        target = os.path.join(outside, last.digest[7:])
        shutil.move(blob_path(path, last.digest), target)
        link = target if kind.endswith("absolute") else os.path.relpath(
            target, os.path.dirname(blob_path(path, last.digest)))
        os.symlink(link, blob_path(path, last.digest))
        return BadLayout(path, kind, ref, hexes(last.digest) + [link])
    if kind == "digest_dotdot":
        bad = "sha256:../../../../../../etc/passwd"
        index = load_index_json(path)
        index["manifests"][0]["digest"] = bad
        write_index_json(path, index)
        # the item: the digest itself, or where it is ("index.json: manifests[0]")
        return BadLayout(path, kind, ref, [bad, "../../../../../../etc/passwd", "manifests[0]"])
    if kind == "layer_digest_absolute":
        bad = "sha256:/etc/passwd"

        def m(doc):
            doc["layers"][-1]["digest"] = bad
        desc = rewrite_image(path, ref, manifest=m)
        # the item: the digest itself, or the manifest that holds it
        return BadLayout(path, kind, ref, [bad, "/etc/passwd"] + hexes(desc["digest"]))
    if kind == "deep_nesting":
        index = load_index_json(path)
        desc = dict(index["manifests"][0])
        desc.pop("annotations", None)
        chain = []
        for _ in range(NEST_DEPTH):
            data = _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]})
            write_blob(path, data)
            desc = desc_of(data, OCI_INDEX)
            chain.append(desc["digest"])
        desc["annotations"] = {REF_NAME: ref}
        index["manifests"] = [desc]
        write_index_json(path, index)
        return BadLayout(path, kind, ref, hexes(*chain) + ["nest", "deep", "depth", "level"])
    if kind == "absurd_manifest_size":
        index = load_index_json(path)
        index["manifests"][0]["size"] = ABSURD
        write_index_json(path, index)
        return BadLayout(path, kind, ref, hexes(img.digest))
    if kind == "absurd_config_size":
        def m(doc):
            doc["config"]["size"] = ABSURD
        rewrite_image(path, ref, manifest=m)
        return BadLayout(path, kind, ref, hexes(img.config_digest))
    if kind == "absurd_layer_size":
        def m(doc):
            doc["layers"][-1]["size"] = ABSURD
        rewrite_image(path, ref, manifest=m)
        return BadLayout(path, kind, ref, hexes(last.digest))
    raise ValueError(f"unknown bad layout {kind!r}")
