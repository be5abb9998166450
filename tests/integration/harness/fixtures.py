"""Builders for docker-save tarballs (the input of oci-push).

Everything written by the pure-Python builders is deterministic: layer contents come from a
seeded PRNG mapped onto a 16-letter alphabet (about 4 bits of entropy per byte, so gzip gets
roughly 50-55 % and a 12 MiB layer still compresses to more than 5 MiB), and every tar header
has fixed owners and times.

Layouts:
  * "classic" (docker save up to docker 24): <v1id>/VERSION, <v1id>/json, <v1id>/layer.tar,
    <confighex>.json, manifest.json, repositories. A layer whose content was already written
    for another v1 id becomes a symlink <v1id2>/layer.tar -> ../<v1id1>/layer.tar, exactly as
    docker does. Entries are sorted by name, as docker's tar of its temp dir is, so
    manifest.json comes near the end and a symlink may come before its target.
  * "toplevel" (podman / skopeo docker-archive): <diffhex>.tar layers and <confighex>.json at
    the top level, manifest.json lists "<diffhex>.tar", plus legacy <v1id>/layer.tar symlinks
    pointing at ../<diffhex>.tar.

Also: corrupt variants (see CORRUPTIONS) and build_umoci_archive(), which makes an image with
umoci and turns it into a docker-save tarball with `skopeo copy ... docker-archive:`, a tarball
written by a client nobody here wrote.

read_archive() parses any docker-save tarball back into ImageFixture objects (checking that
every layer's sha256 matches the config's diff_ids), for the verifier to compare against.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field

MiB = 1024 * 1024
KiB = 1024

FIXED_MTIME = 1700000000  # 2023-11-14T22:13:20Z
CREATED = "2023-11-14T22:13:20Z"

_ALPHABET = b"etaoinshrdlucmfw"  # 16 symbols -> 4 bits/byte of entropy, deflate ~ 0.53
_TABLE = bytes(_ALPHABET[i % len(_ALPHABET)] for i in range(256))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + sha256_hex(data)


def gen_bytes(seed, n: int) -> bytes:
    """n deterministic, compressible bytes for this seed."""
    s = int.from_bytes(hashlib.sha256(f"oci-push-fixture:{seed}".encode()).digest()[:8], "big")
    return random.Random(s).randbytes(n).translate(_TABLE)


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class LayerSpec:
    """A layer of about `size` bytes of file content spread over `files` files under
    opt/layer-<seed>/, plus a directory entry, an empty file and a symlink."""
    seed: object
    size: int = 64 * KiB
    files: int = 3


def _tarinfo(name: str, type_=tarfile.REGTYPE, size: int = 0, mode: int = 0o644,
             linkname: str = "") -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.size = size
    ti.mode = mode
    ti.linkname = linkname
    ti.mtime = FIXED_MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def make_layer_tar(spec: LayerSpec) -> bytes:
    """An uncompressed layer tar (deterministic for a given spec)."""
    buf = io.BytesIO()
    prefix = f"opt/layer-{spec.seed}"
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(_tarinfo("opt/", tarfile.DIRTYPE, mode=0o755))
        tf.addfile(_tarinfo(prefix + "/", tarfile.DIRTYPE, mode=0o755))
        n = max(1, spec.files)
        base, rest = divmod(spec.size, n)
        content = gen_bytes(spec.seed, spec.size)
        pos = 0
        for i in range(n):
            sz = base + (rest if i == 0 else 0)
            tf.addfile(_tarinfo(f"{prefix}/file{i:03d}.dat", size=sz),
                       io.BytesIO(content[pos:pos + sz]))
            pos += sz
        tf.addfile(_tarinfo(f"{prefix}/empty"), io.BytesIO(b""))
        tf.addfile(_tarinfo(f"{prefix}/link", tarfile.SYMTYPE, mode=0o777,
                            linkname="file000.dat"))
    return buf.getvalue()


def tamper_layer_tar(data: bytes) -> bytes:
    """The same tar with one content byte of its first regular file changed: still a valid
    tar, but its sha256 no longer matches."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        for m in tf.getmembers():
            if m.isreg() and m.size > 0:
                off = m.offset_data + m.size // 2
                b = bytearray(data)
                b[off] = ord("X") if b[off] != ord("X") else ord("Y")
                return bytes(b)
    raise ValueError("layer has no regular file with content")


# --------------------------------------------------------------------------- images


@dataclass
class LayerFixture:
    entry: str        # the name manifest.json lists for it
    diff_id: str      # sha256:<hex> of the uncompressed tar
    size: int         # uncompressed size
    data: bytes | None = field(default=None, repr=False)


@dataclass
class ImageFixture:
    repo_tags: list[str]
    config_entry: str
    config_bytes: bytes = field(repr=False)
    layers: list[LayerFixture]

    @property
    def config_digest(self) -> str:
        return sha256_digest(self.config_bytes)

    @property
    def diff_ids(self) -> list[str]:
        return [layer.diff_id for layer in self.layers]

    @property
    def config(self) -> dict:
        return json.loads(self.config_bytes)


@dataclass
class ImageSpec:
    repo_tags: list[str]
    layers: list[LayerSpec]
    architecture: str = "amd64"
    os: str = "linux"
    cmd: list[str] = field(default_factory=lambda: ["/bin/sh", "-c", "echo hello"])
    label: str = "fixture"


def _go_json(obj) -> bytes:
    """Serialise like Go's encoding/json does for docker: compact, keys in the order given,
    raw UTF-8, and <, >, & escaped as \\u003c, \\u003e, \\u0026. Any client that parses and
    re-serialises the config (e.g. sorting keys) changes these bytes, which is the point."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    s = s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return s.encode("utf-8")


def build_config(spec: ImageSpec, diff_ids: list[str]) -> bytes:
    history = []
    for i, d in enumerate(diff_ids):
        history.append({
            "created": CREATED,
            "created_by": f"/bin/sh -c #(nop) ADD file:{d[7:19]} in /opt/layer-{i} ",
        })
    history.append({"created": CREATED,
                     "created_by": "/bin/sh -c #(nop)  CMD [\"/bin/sh\"] && echo <done>",
                     "empty_layer": True})
    cfg = {
        "architecture": spec.architecture,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": spec.cmd,
            "WorkingDir": "/",
            "Labels": {"org.example.fixture": spec.label, "org.example.note": "café <&>"},
        },
        "created": CREATED,
        "history": history,
        "os": spec.os,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return _go_json(cfg)


@dataclass
class _BuiltImage:
    spec: ImageSpec
    layer_data: list[bytes]
    diff_ids: list[str]
    config_bytes: bytes


_LAYER_CACHE: dict[LayerSpec, bytes] = {}


def _layer_bytes(spec: LayerSpec) -> bytes:
    if spec not in _LAYER_CACHE:
        _LAYER_CACHE[spec] = make_layer_tar(spec)
    return _LAYER_CACHE[spec]


def _build_image(spec: ImageSpec) -> _BuiltImage:
    datas = [_layer_bytes(ls) for ls in spec.layers]
    diff_ids = [sha256_digest(d) for d in datas]
    return _BuiltImage(spec, datas, diff_ids, build_config(spec, diff_ids))


def _v1_id(config_digest: str, index: int, diff_id: str, parent: str) -> str:
    return sha256_hex(f"v1|{config_digest}|{index}|{diff_id}|{parent}".encode())


def _v1_json(v1id: str, parent: str, is_top: bool, config_bytes: bytes) -> bytes:
    j = {"id": v1id}
    if parent:
        j["parent"] = parent
    j["created"] = CREATED
    j["container_config"] = {"Cmd": None}
    if is_top:
        cfg = json.loads(config_bytes)
        j["architecture"] = cfg.get("architecture")
        j["os"] = cfg.get("os")
    return _go_json(j)


# An archive is first assembled as a list of entries so that corrupt variants can edit it.


@dataclass
class Entry:
    name: str
    kind: str = "file"   # "file" | "dir" | "symlink"
    data: bytes = b""
    linkname: str = ""


def _assemble(images: list[_BuiltImage], layout: str, legacy_links: bool = True):
    """Returns (entries, fixtures) for these images."""
    entries: dict[str, Entry] = {}
    fixtures: list[ImageFixture] = []
    manifest = []
    repositories: dict[str, dict[str, str]] = {}
    written_by_diff: dict[str, str] = {}   # diff_id -> entry name holding the bytes

    def add(e: Entry):
        entries.setdefault(e.name, e)

    for img in images:
        cfg_digest = sha256_digest(img.config_bytes)
        cfg_entry = cfg_digest[7:] + ".json"
        add(Entry(cfg_entry, data=img.config_bytes))
        parent = ""
        layer_entries = []
        layer_fixtures = []
        for i, (data, diff_id) in enumerate(zip(img.layer_data, img.diff_ids)):
            v1id = _v1_id(cfg_digest, i, diff_id, parent)
            is_top = i == len(img.layer_data) - 1
            if layout == "classic":
                add(Entry(v1id + "/", "dir"))
                add(Entry(v1id + "/VERSION", data=b"1.0"))
                add(Entry(v1id + "/json", data=_v1_json(v1id, parent, is_top, img.config_bytes)))
                name = v1id + "/layer.tar"
                if diff_id in written_by_diff:
                    add(Entry(name, "symlink", linkname="../" + written_by_diff[diff_id]))
                else:
                    add(Entry(name, data=data))
                    written_by_diff[diff_id] = name
            elif layout == "toplevel":
                name = diff_id[7:] + ".tar"
                add(Entry(name, data=data))
                written_by_diff.setdefault(diff_id, name)
                if legacy_links:
                    add(Entry(v1id + "/", "dir"))
                    add(Entry(v1id + "/VERSION", data=b"1.0"))
                    add(Entry(v1id + "/json",
                              data=_v1_json(v1id, parent, is_top, img.config_bytes)))
                    add(Entry(v1id + "/layer.tar", "symlink", linkname="../" + name))
            else:
                raise ValueError(f"unknown layout {layout!r}")
            layer_entries.append(name)
            layer_fixtures.append(LayerFixture(name, diff_id, len(data), data))
            parent = v1id
        manifest.append({"Config": cfg_entry, "RepoTags": list(img.spec.repo_tags),
                         "Layers": layer_entries})
        for rt in img.spec.repo_tags:
            repo, _, tag = rt.rpartition(":")
            repositories.setdefault(repo, {})[tag] = parent
        fixtures.append(ImageFixture(list(img.spec.repo_tags), cfg_entry, img.config_bytes,
                                     layer_fixtures))
    add(Entry("manifest.json", data=_go_json(manifest)))
    if repositories:
        add(Entry("repositories", data=_go_json(repositories)))
    return list(entries.values()), fixtures


def _write_tar(path: str, entries: list[Entry], order: str = "sorted") -> None:
    if order == "sorted":
        entries = sorted(entries, key=lambda e: e.name.rstrip("/"))
    elif order == "manifest_first":
        key = {"manifest.json": 0}
        entries = sorted(entries, key=lambda e: (key.get(e.name, 2 if e.name.endswith(".tar")
                                                         or e.name.endswith("/layer.tar")
                                                         else 1), e.name.rstrip("/")))
    elif order != "as_is":
        raise ValueError(order)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            if e.kind == "dir":
                tf.addfile(_tarinfo(e.name, tarfile.DIRTYPE, mode=0o755))
            elif e.kind == "symlink":
                tf.addfile(_tarinfo(e.name, tarfile.SYMTYPE, mode=0o777, linkname=e.linkname))
            else:
                tf.addfile(_tarinfo(e.name, size=len(e.data)), io.BytesIO(e.data))


def write_archive(path: str, specs: list[ImageSpec], layout: str = "classic",
                  order: str = "sorted", legacy_links: bool = True) -> list[ImageFixture]:
    """Write a docker-save tarball holding these images; returns their fixtures."""
    entries, fixtures = _assemble([_build_image(s) for s in specs], layout, legacy_links)
    _write_tar(path, entries, order)
    return fixtures


# --------------------------------------------------------------------------- ready-made specs


def basic_spec(repo_tags=("example/app:1.0",), big: int = 12 * MiB, label="basic") -> ImageSpec:
    """Three layers: small, big (12 MiB by default, > 5 MiB after gzip), medium."""
    return ImageSpec(list(repo_tags), [
        LayerSpec(f"{label}-a", 48 * KiB, 2),
        LayerSpec(f"{label}-b", big, 4),
        LayerSpec(f"{label}-c", 700 * KiB, 3),
    ], label=label)


def small_spec(repo_tags=("example/small:1.0",), label="small", layers: int = 2) -> ImageSpec:
    return ImageSpec(list(repo_tags),
                     [LayerSpec(f"{label}-{i}", (40 + 30 * i) * KiB, 2) for i in range(layers)],
                     label=label)


def write_basic(path: str, repo_tags=("example/app:1.0",), big: int = 12 * MiB) -> ImageFixture:
    return write_archive(path, [basic_spec(repo_tags, big)])[0]


def write_shared_layer(path: str) -> list[ImageFixture]:
    """Two images in one classic tarball that share their first layer (same diff_id, different
    v1 ids), so the second image's <id>/layer.tar is a symlink to ../<id1>/layer.tar."""
    shared = LayerSpec("shared-base", 300 * KiB, 3)
    one = ImageSpec(["example/one:1.0"], [shared, LayerSpec("one-top", 80 * KiB, 2)], label="one")
    two = ImageSpec(["example/two:2.0"], [shared, LayerSpec("two-top", 90 * KiB, 2)], label="two")
    entries, fixtures = _assemble([_build_image(one), _build_image(two)], "classic")
    # Make the symlink come before its target in the (name-sorted) tar, so a reader has to
    # resolve a forward reference: docker writes the real file under whichever image it saves
    # first, so both placements occur in the wild.
    link = next(e for e in entries if e.kind == "symlink")
    target_name = os.path.normpath(os.path.join(os.path.dirname(link.name), link.linkname))
    target = next(e for e in entries if e.name == target_name)
    if link.name > target.name:
        link.kind, link.data, link.linkname, target.kind, target.data, target.linkname = (
            "file", target.data, "", "symlink", b"", "../" + link.name)
    _write_tar(path, entries)
    return fixtures


def write_duplicate_layer(path: str) -> ImageFixture:
    """One image listing the same layer content twice (docker writes the second as a symlink)."""
    dup = LayerSpec("dup", 120 * KiB, 2)
    spec = ImageSpec(["example/dup:1.0"], [dup, LayerSpec("dup-mid", 60 * KiB, 2), dup],
                     label="dup")
    return write_archive(path, [spec], layout="classic")[0]


def write_toplevel(path: str, repo_tags=("example/top:1.0",)) -> ImageFixture:
    spec = ImageSpec(list(repo_tags), [LayerSpec("top-a", 200 * KiB, 2),
                                       LayerSpec("top-b", 1 * MiB, 3)], label="top")
    return write_archive(path, [spec], layout="toplevel")[0]


def write_multi(path: str) -> list[ImageFixture]:
    return write_archive(path, [small_spec(["alpha/one:1"], label="alpha"),
                                small_spec(["beta/two:2"], label="beta", layers=3)])


# --------------------------------------------------------------------------- corrupt variants

CORRUPTIONS = ("not_a_tar", "empty_file", "truncated", "missing_manifest", "invalid_manifest",
               "manifest_wrong_shape", "layer_absent", "layer_digest_mismatch")


@dataclass
class CorruptFixture:
    path: str
    kind: str
    image: ImageFixture | None  # the image the archive was meant to hold
    names: list[str]            # strings an error message that names the problem may contain


def write_corrupt(path: str, kind: str, repo_tags=("example/bad:1.0",)) -> CorruptFixture:
    """A broken docker-save tarball of the given kind (one of CORRUPTIONS)."""
    base = os.path.basename(path)
    if kind == "not_a_tar":
        with open(path, "wb") as f:
            f.write(b"This is not a tar archive, just some text.\n" * 200)
        return CorruptFixture(path, kind, None, [base])
    if kind == "empty_file":
        open(path, "wb").close()
        return CorruptFixture(path, kind, None, [base])

    spec = ImageSpec(list(repo_tags), [LayerSpec(f"bad-{kind}-0", 96 * KiB, 2),
                                       LayerSpec(f"bad-{kind}-1", 160 * KiB, 2)], label=kind)
    built = _build_image(spec)
    entries, fixtures = _assemble([built], "classic")
    img = fixtures[0]
    last = img.layers[-1]
    by_name = {e.name: e for e in entries}

    if kind == "truncated":
        # manifest.json and config first, so a reader that stops at the broken entry has
        # already seen them: the truncation, not a missing manifest, is what must be reported.
        _write_tar(path, entries, order="manifest_first")
        with tarfile.open(path, "r:") as tf:
            member = tf.getmember(last.entry)
            cut = member.offset_data + member.size // 2
        with open(path, "r+b") as f:
            f.truncate(cut)
        return CorruptFixture(path, kind, img, [base, last.entry])
    if kind == "missing_manifest":
        entries = [e for e in entries if e.name != "manifest.json"]
        _write_tar(path, entries)
        return CorruptFixture(path, kind, img, ["manifest.json"])
    if kind == "invalid_manifest":
        by_name["manifest.json"].data = b'[{"Config":"' + img.config_entry.encode() + b'","RepoTags":['
        _write_tar(path, entries)
        return CorruptFixture(path, kind, img, ["manifest.json"])
    if kind == "manifest_wrong_shape":
        by_name["manifest.json"].data = b'{"Config":42,"Layers":"nope"}'
        _write_tar(path, entries)
        return CorruptFixture(path, kind, img, ["manifest.json"])
    if kind == "layer_absent":
        entries = [e for e in entries if e.name != last.entry]
        _write_tar(path, entries)
        return CorruptFixture(path, kind, img, [last.entry])
    if kind == "layer_digest_mismatch":
        bad = tamper_layer_tar(by_name[last.entry].data)
        by_name[last.entry].data = bad
        _write_tar(path, entries)
        actual = sha256_hex(bad)
        return CorruptFixture(path, kind, img, [last.entry, last.diff_id[7:], actual])
    raise ValueError(f"unknown corruption {kind!r}")


# --------------------------------------------------------------------------- reading back


def read_archive(path: str, keep_data: bool = False) -> list[ImageFixture]:
    """Parse a docker-save tarball (any writer) into fixtures, resolving symlinked layers and
    checking that each layer's sha256 equals the config's diff_id."""
    with tarfile.open(path, "r:") as tf:
        members = {m.name.rstrip("/"): m for m in tf.getmembers()}

        def read(name: str, depth: int = 0) -> bytes:
            m = members.get(name)
            if m is None:
                raise ValueError(f"{path}: no entry {name!r}")
            if m.issym():
                if depth > 8:
                    raise ValueError(f"{path}: symlink loop at {name!r}")
                target = os.path.normpath(os.path.join(os.path.dirname(name), m.linkname))
                return read(target, depth + 1)
            if m.islnk():
                return read(m.linkname, depth + 1)
            return tf.extractfile(m).read()

        manifest = json.loads(read("manifest.json"))
        images = []
        for item in manifest:
            cfg_bytes = read(item["Config"])
            cfg = json.loads(cfg_bytes)
            diff_ids = cfg["rootfs"]["diff_ids"]
            if len(diff_ids) != len(item["Layers"]):
                raise ValueError(f"{path}: {len(item['Layers'])} layers but "
                                 f"{len(diff_ids)} diff_ids")
            layers = []
            for entry, diff_id in zip(item["Layers"], diff_ids):
                data = read(entry)
                if sha256_digest(data) != diff_id:
                    raise ValueError(f"{path}: {entry} does not match diff_id {diff_id}")
                layers.append(LayerFixture(entry, diff_id, len(data), data if keep_data else None))
            images.append(ImageFixture(list(item.get("RepoTags") or []), item["Config"],
                                       cfg_bytes, layers))
        return images


# --------------------------------------------------------------------------- foreign tools


def _run(cmd: list[str], cwd: str, env: dict) -> None:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                           f"{p.stdout.decode(errors='replace')}\n{p.stderr.decode(errors='replace')}")


def tool_env(workdir: str) -> dict:
    """A hermetic environment for skopeo/umoci: own HOME, no user auth files, no proxies,
    an empty registries.conf and our own policy.json (see tool_policy)."""
    home = os.path.join(workdir, ".tool-home")
    os.makedirs(os.path.join(home, "run"), exist_ok=True)
    os.makedirs(os.path.join(home, "tmp"), exist_ok=True)
    regconf = os.path.join(home, "registries.conf")
    if not os.path.exists(regconf):
        with open(regconf, "w") as f:
            f.write("unqualified-search-registries = []\n")
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": home,
        "XDG_RUNTIME_DIR": os.path.join(home, "run"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "DOCKER_CONFIG": os.path.join(home, ".docker"),
        "REGISTRY_AUTH_FILE": os.path.join(home, "auth.json"),
        "CONTAINERS_REGISTRIES_CONF": regconf,
        "TMPDIR": os.path.join(home, "tmp"),
        "LANG": "C.UTF-8",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


def tool_policy(workdir: str) -> str:
    """A policy.json accepting anything (so skopeo never depends on /etc/containers)."""
    p = os.path.join(workdir, ".tool-home", "policy.json")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if not os.path.exists(p):
        with open(p, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    return p


def build_umoci_archive(workdir: str, out_path: str,
                        name_tag: str = "example/umoci:1.0") -> ImageFixture:
    """Build an OCI image layout with umoci (two inserted layers and a config change) and
    convert it to a docker-save tarball with `skopeo copy oci:... docker-archive:...`."""
    env = tool_env(workdir)
    layout = os.path.join(workdir, "umoci-layout")
    shutil.rmtree(layout, ignore_errors=True)
    rootless = [] if os.geteuid() == 0 else ["--rootless"]
    _run(["umoci", "init", "--layout", layout], workdir, env)
    _run(["umoci", "new", "--image", layout + ":base"], workdir, env)

    src1 = os.path.join(workdir, "umoci-src1")
    os.makedirs(os.path.join(src1, "bin"), exist_ok=True)
    os.makedirs(os.path.join(src1, "share", "doc"), exist_ok=True)
    with open(os.path.join(src1, "bin", "tool"), "wb") as f:
        f.write(b"#!/bin/sh\necho umoci fixture\n")
    os.chmod(os.path.join(src1, "bin", "tool"), 0o755)
    with open(os.path.join(src1, "share", "data.bin"), "wb") as f:
        f.write(gen_bytes("umoci-1", 600 * KiB))
    with open(os.path.join(src1, "share", "doc", "README"), "w") as f:
        f.write("A layer made by umoci insert.\n" * 50)
    os.symlink("../bin/tool", os.path.join(src1, "share", "tool-link"))

    src2 = os.path.join(workdir, "umoci-src2")
    os.makedirs(src2, exist_ok=True)
    with open(os.path.join(src2, "big.dat"), "wb") as f:
        f.write(gen_bytes("umoci-2", 2 * MiB))

    _run(["umoci", "insert", *rootless, "--image", layout + ":base", src1, "/opt/app"],
         workdir, env)
    _run(["umoci", "insert", *rootless, "--image", layout + ":base", src2, "/var/lib/data"],
         workdir, env)
    _run(["umoci", "config", "--image", layout + ":base", "--config.cmd", "/opt/app/bin/tool",
          "--config.env", "FIXTURE=umoci", "--config.label", "org.example.fixture=umoci"],
         workdir, env)
    if os.path.exists(out_path):
        os.unlink(out_path)
    _run(["skopeo", "--policy", tool_policy(workdir), "copy", "--quiet",
          f"oci:{layout}:base", f"docker-archive:{out_path}:{name_tag}"], workdir, env)
    images = read_archive(out_path)
    if len(images) != 1:
        raise RuntimeError(f"skopeo wrote {len(images)} images into {out_path}")
    return images[0]
