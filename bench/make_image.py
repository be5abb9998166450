#!/usr/bin/python3
"""Builds the benchmark image: a deterministic docker-save tarball of 5 uncompressed layers made of real
files on this machine (binaries, shared libraries, toolchains, Python code, text), so the layers
compress as a real image does.

    bench/make_image.py OUT.tar [--size-mb 2460] [--oci DIR] [--synthetic]
                        [--layers N] [--max-file-kb K]

The images of bench/run.py's link cases:
    bench/make_image.py /tmp/bench.tar                                              # 5 layers, 2.59 GB
    bench/make_image.py /tmp/bench-single.tar --layers 1 --size-mb 233               # 1 layer, 248 MB
    bench/make_image.py /tmp/bench-many.tar --layers 120 --size-mb 3 --max-file-kb 16    # 120 layers, 4.4 MB

Deterministic: files are taken in sorted order from fixed roots until each layer's share of --size-mb is
reached; every tar header has mtime 0, uid/gid 0, owner root, the file's permission bits; directories and
symlinks are recorded as such; hard links, sockets, devices and unreadable files are skipped. The same
machine (same installed packages) therefore gives the same bytes and the same layer digests; another
machine gives other bytes. Layer i's diff_id and size are printed.

--layers N (other than 5) takes files by the same rules (each category its fifth of --size-mb, in
order) and deals them, in order, into N layers of about --size-mb / N each: --layers 1 is one layer of
all five kinds of content. --max-file-kb leaves out bigger files (so that 120 layers of 37 KB are even).
The default (5 layers, no --max-file-kb) is the original image, byte for byte.

--synthetic writes machine-independent content instead (seeded pseudo-random text, binary and zero runs):
the same bytes on every machine, for comparing layer digests across machines (bench/scaling.sh).

--oci DIR also writes an OCI image layout with gzip layers (`skopeo copy docker-archive:OUT.tar
oci:DIR:latest`, which compresses each layer), the source for the "already compressed" case.

Standard library only (Debian's /usr/bin/python3).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile

# (layer description, roots). Each layer takes files from its roots, in sorted order, up to its budget;
# what a layer could not fill is carried over to the next layer's budget.
LAYERS = [
    ("binaries", ["/usr/bin", "/usr/sbin", "/usr/libexec"]),
    ("shared libraries", ["/usr/lib/x86_64-linux-gnu"]),
    ("toolchains", ["/usr/lib/gcc", "/usr/lib/llvm-14", "/usr/lib/jvm", "/usr/lib/postgresql"]),
    ("python code", ["/usr/lib/python3", "/usr/lib/python3.11", "/usr/lib/google-cloud-sdk"]),
    ("text and data", ["/usr/share", "/usr/include"]),
]
REPO_TAG = "bench/image:latest"


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, f):
        self.f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.f.write(b)
        self.sha.update(b)
        self.size += len(b)
        return len(b)


def walk_sorted(root: str):
    """Every path under root (root itself first), depth-first, names sorted bytewise; no symlink followed."""
    try:
        st = os.lstat(root)
    except OSError:
        return
    yield root, st
    if not stat.S_ISDIR(st.st_mode):
        return
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return
    for name in names:
        yield from walk_sorted(os.path.join(root, name))


def base_info(path: str, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    return info


def add_parents(tar: tarfile.TarFile, path: str, seen_dirs: set[str]) -> int:
    """Directory entries for path's ancestors not yet written (mode 0755); bytes of headers added."""
    added = 0
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/" + "/".join(parts[:i])
        if d in seen_dirs:
            continue
        seen_dirs.add(d)
        info = tarfile.TarInfo(d.lstrip("/"))
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.uname = info.gname = "root"
        info.mtime = 0
        tar.addfile(info)
        added += 512
    return added


def write_layer(out, roots: list[str], budget: int, seen_global: set[str]) -> tuple[int, int]:
    """Writes one layer tar to `out`; returns (files, content bytes)."""
    files = 0
    content = 0
    seen_dirs: set[str] = set()
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        for root in roots:
            for path, st in walk_sorted(root):
                if content >= budget:
                    return files, content
                if path in seen_global:
                    continue
                mode = st.st_mode
                if stat.S_ISDIR(mode):
                    content += add_parents(tar, path + "/x", seen_dirs)
                    continue
                if stat.S_ISLNK(mode):
                    content += add_parents(tar, path, seen_dirs)
                    info = base_info(path, st)
                    info.type = tarfile.SYMTYPE
                    info.linkname = os.readlink(path)
                    tar.addfile(info)
                    seen_global.add(path)
                    continue
                if not stat.S_ISREG(mode):
                    continue
                if content + st.st_size > budget and st.st_size > 0:
                    continue  # too big for what is left of the budget; smaller files may still fit
                try:
                    with open(path, "rb") as f:
                        data = f.read(st.st_size + 1)
                except OSError:
                    continue
                if len(data) != st.st_size:
                    continue  # changed while we looked: leave it out
                content += add_parents(tar, path, seen_dirs)
                info = base_info(path, st)
                info.type = tarfile.REGTYPE
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                seen_global.add(path)
                files += 1
                content += 512 + len(data)
    return files, content


class SyntheticFiles:
    """Machine-independent layer content for comparing digests across machines (scaling.sh): files of
    pseudo-random sizes made of 64 KiB pieces, each a slice of a text pool (words), of a binary pool
    (random bytes with runs of zeros), or zeros. Only random.Random(seed).random() is used, whose sequence
    Python guarantees across versions, so every machine writes the same bytes."""

    PIECE = 64 * 1024

    def __init__(self, seed: int):
        import random
        self.r = random.Random(seed)
        rnd = self.r.random
        vocab = []
        for _ in range(4096):
            n = 2 + int(rnd() * 10)
            vocab.append("".join(chr(97 + int(rnd() * 26)) for _ in range(n)))
        words = []
        size = 0
        while size < 512 * 1024:
            w = vocab[int(rnd() ** 2 * len(vocab))]
            words.append(w)
            size += len(w) + 1
        self.text = (" ".join(words)).encode()
        binary = bytearray()
        while len(binary) < 512 * 1024:
            if rnd() < 0.3:
                binary += bytes(int(rnd() * 256))
            else:
                binary += bytes(int(rnd() * 256) for _ in range(64))
        self.binary = bytes(binary)

    def piece(self) -> bytes:
        rnd = self.r.random
        kind = rnd()
        if kind < 0.1:
            return bytes(self.PIECE)
        pool = self.text if kind < 0.65 else self.binary
        off = int(rnd() * (len(pool) - self.PIECE))
        return pool[off:off + self.PIECE]

    def write_layer(self, out, index: int, budget: int, max_file: int = 0) -> tuple[int, int]:
        files = content = 0
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as tar:
            while content < budget:
                pieces = 1 + int(self.r.random() ** 3 * 64)
                data = b"".join(self.piece() for _ in range(pieces))
                data = data[:max(1, min(len(data), budget - content))]
                if max_file:
                    data = data[:max_file]
                info = tarfile.TarInfo(f"synthetic/layer{index}/file{files:06d}.bin")
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 0
                info.uname = info.gname = "root"
                tar.addfile(info, io.BytesIO(data))
                files += 1
                content += 512 + len(data)
        return files, content


def select_entries(roots: list[str], budget: int, seen_global: set[str], max_file: int, taken: list[int]):
    """The files and symlinks write_layer would take from roots for budget (same order, same rules), one
    (path, stat, data or None for a symlink) at a time, leaving out files over max_file bytes (0: no
    limit); taken[0] counts the content bytes (512 per entry + file data) handed out."""
    for root in roots:
        for path, st in walk_sorted(root):
            if taken[0] >= budget:
                return
            if path in seen_global:
                continue
            mode = st.st_mode
            if stat.S_ISLNK(mode):
                seen_global.add(path)
                taken[0] += 512
                yield path, st, None
                continue
            if not stat.S_ISREG(mode):
                continue
            if taken[0] + st.st_size > budget and st.st_size > 0:
                continue
            if max_file and st.st_size > max_file:
                continue
            try:
                with open(path, "rb") as f:
                    data = f.read(st.st_size + 1)
            except OSError:
                continue
            if len(data) != st.st_size:
                continue
            seen_global.add(path)
            taken[0] += 512 + len(data)
            yield path, st, data


def all_entries(total_budget: int, max_file: int):
    """Every category of LAYERS in turn, each its fifth of total_budget plus what the previous one could
    not fill: the same kind of selection as the default image, as one stream of entries."""
    per_category = total_budget // len(LAYERS)
    carry = 0
    seen_global: set[str] = set()
    for _what, roots in LAYERS:
        budget = per_category + carry
        taken = [0]
        yield from select_entries(roots, budget, seen_global, max_file, taken)
        carry = max(0, budget - taken[0])


def write_dealt_layers(out_dir: str, total_budget: int, n: int, synthetic: bool, max_file: int,
                       tmp_paths: list[str]) -> list[dict]:
    """--layers N other than 5 (or --max-file-kb): the files of all categories, in order, dealt into N
    layers of about total_budget / N bytes each (layer i is closed once the layers so far hold i + 1
    shares; the last one takes the rest). With --synthetic, N layers of synthetic content, total_budget /
    N each."""
    per_layer = total_budget // n
    layers = []
    gen = SyntheticFiles(seed=20261127) if synthetic else None
    entries = None if gen else all_entries(total_budget, max_file)
    dealt = 0  # content bytes in the layers so far: layer i is closed once dealt reaches (i + 1) shares
    for i in range(n):
        tmp = os.path.join(out_dir, f".make_image.layer{i}.{os.getpid()}.tar")
        tmp_paths.append(tmp)
        with open(tmp, "wb") as raw:
            w = HashingWriter(raw)
            if gen:
                files, _ = gen.write_layer(w, i + 1, per_layer, max_file)
            else:
                files = 0
                seen_dirs: set[str] = set()
                target = total_budget * (i + 1) // n
                with tarfile.open(fileobj=w, mode="w|", format=tarfile.GNU_FORMAT) as tar:
                    while i == n - 1 or dealt < target:
                        entry = next(entries, None)
                        if entry is None:
                            break
                        path, st, data = entry
                        size = 512 + (len(data) if data is not None else 0)
                        add_parents(tar, path, seen_dirs)  # not counted: dealt follows the selection
                        info = base_info(path, st)
                        if data is None:
                            info.type = tarfile.SYMTYPE
                            info.linkname = os.readlink(path)
                            tar.addfile(info)
                        else:
                            info.type = tarfile.REGTYPE
                            info.size = len(data)
                            tar.addfile(info, io.BytesIO(data))
                            files += 1
                        dealt += size
        what = f"{'synthetic' if gen else 'files'} {i + 1}/{n}"
        layers.append({"what": what, "path": tmp, "diff_id": "sha256:" + w.sha.hexdigest(),
                       "size": w.size, "files": files})
        if n <= 20 or i < 3 or i == n - 1:
            print(f"layer {i + 1} ({what}): {files} files, {w.size} bytes, {layers[-1]['diff_id']}",
                  flush=True)
    if len(set(l["diff_id"] for l in layers)) != n:
        raise SystemExit(f"only {len(set(l['diff_id'] for l in layers))} distinct layers of {n}: "
                         "too little content for that many layers (raise --size-mb)")
    return layers


def make_image(out_path: str, size_mb: float, synthetic: bool = False, n_layers: int = len(LAYERS),
               max_file: int = 0) -> list[dict]:
    out_dir = os.path.dirname(os.path.abspath(out_path))
    total_budget = int(size_mb * 1024 * 1024)
    per_layer = total_budget // len(LAYERS)
    carry = 0
    layers = []
    seen_global: set[str] = set()
    tmp_paths = []
    gen = SyntheticFiles(seed=20261127) if synthetic else None
    try:
        for i, (what, roots) in enumerate(LAYERS if n_layers == len(LAYERS) and not max_file else []):
            budget = per_layer + carry
            tmp = os.path.join(out_dir, f".make_image.layer{i}.{os.getpid()}.tar")
            tmp_paths.append(tmp)
            with open(tmp, "wb") as raw:
                w = HashingWriter(raw)
                if gen:
                    files, content = gen.write_layer(w, i + 1, budget)
                    what = "synthetic"
                else:
                    files, content = write_layer(w, roots, budget, seen_global)
            carry = max(0, budget - content)
            layers.append({"what": what, "path": tmp, "diff_id": "sha256:" + w.sha.hexdigest(),
                           "size": w.size, "files": files})
            print(f"layer {i + 1} ({what}): {files} files, {w.size} bytes, {layers[-1]['diff_id']}",
                  flush=True)
        if not layers:
            layers = write_dealt_layers(out_dir, total_budget, n_layers, synthetic, max_file, tmp_paths)

        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": f"bench layer: {l['what']}"}
                        for l in layers],
        }
        config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
        config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
        layer_names = [f"{l['diff_id'][7:]}/layer.tar" for l in layers]
        manifest = [{"Config": config_name, "RepoTags": [REPO_TAG], "Layers": layer_names}]
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()

        tmp_out = out_path + ".partial"
        with tarfile.open(tmp_out, "w", format=tarfile.GNU_FORMAT) as outer:
            def add_bytes(name: str, data: bytes) -> None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 0
                info.uname = info.gname = "root"
                outer.addfile(info, io.BytesIO(data))

            for l, name in zip(layers, layer_names):
                d = tarfile.TarInfo(name.split("/")[0])
                d.type = tarfile.DIRTYPE
                d.mode = 0o755
                d.mtime = 0
                d.uname = d.gname = "root"
                outer.addfile(d)
                info = tarfile.TarInfo(name)
                info.size = l["size"]
                info.mode = 0o644
                info.mtime = 0
                info.uname = info.gname = "root"
                with open(l["path"], "rb") as f:
                    outer.addfile(info, f)
                os.unlink(l["path"])
            add_bytes(config_name, config_bytes)
            add_bytes("manifest.json", manifest_bytes)
        os.replace(tmp_out, out_path)
    finally:
        for p in tmp_paths:
            if os.path.exists(p):
                os.unlink(p)
    return layers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the docker-save tarball to write")
    ap.add_argument("--size-mb", type=float, default=2460,
                    help="total layer content, MiB (default 2460: about 2.58 GB); fractions allowed")
    ap.add_argument("--layers", type=int, default=len(LAYERS),
                    help="number of layers (default 5: one per category); any other number deals the "
                         "same kind of file selection into that many layers of about equal size")
    ap.add_argument("--max-file-kb", type=int, default=0,
                    help="leave out files over this size (KiB; 0: no limit): keeps small layers even")
    ap.add_argument("--oci", metavar="DIR", help="also write an OCI layout with gzip layers (skopeo)")
    ap.add_argument("--synthetic", action="store_true",
                    help="pseudo-random text/binary/zero content, the same bytes on every machine")
    args = ap.parse_args()
    if args.layers < 1:
        ap.error("--layers must be at least 1")
    layers = make_image(args.out, args.size_mb, args.synthetic, args.layers, args.max_file_kb * 1024)
    total = sum(l["size"] for l in layers)
    print(f"wrote {args.out}: {len(layers)} layers, {total} bytes of layers, "
          f"{os.path.getsize(args.out)} bytes in all")
    if args.oci:
        if os.path.exists(args.oci):
            shutil.rmtree(args.oci)
        skopeo = shutil.which("skopeo") or "/usr/bin/skopeo"
        subprocess.run([skopeo, "copy", "-q", f"docker-archive:{os.path.abspath(args.out)}",
                        f"oci:{os.path.abspath(args.oci)}:latest"], check=True)
        blobs = os.path.join(args.oci, "blobs", "sha256")
        size = sum(os.path.getsize(os.path.join(blobs, b)) for b in os.listdir(blobs))
        print(f"wrote {args.oci}: OCI layout, gzip layers (skopeo), {size} bytes of blobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
