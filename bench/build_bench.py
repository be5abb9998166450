#!/usr/bin/python3
"""oci-push build against buildah bud + buildah push, side by side, on docker-registry on loopback.

    bench/build_bench.py [--image IMG.tar] [--image-mb 480] [--files-mb 200] [--rounds 3]
                         [--oci-push BUILD/oci-push] [--out R.json]

The base: IMG.tar (default /tmp/bench-pull.tar, made by bench/make_image.py when missing: 5 layers,
about 500 MB), pushed by oci-push into the registry as REG/bench:1 before the rounds (not timed). The
context: --files-mb of files (64 files of mixed text and random bytes, in two directories) and a
COPY-only Dockerfile:

    FROM REG/bench:1
    COPY files/ /opt/files/
    ENV BUILT=1

Each round runs both tools, alternating which goes first, each into a new repository, each cold (oci-push
with an empty digest cache, buildah with empty storage): `oci-push build -q --plain-http -t REG/ours-N:1
CTX` against `buildah bud --isolation chroot --storage-driver vfs -t ... CTX && buildah push ...
docker://REG/theirs-N:1`, under /usr/bin/time through bench/run.py's Bench.timed (wall, user+sys CPU,
peak RSS of the largest process). The summary prints medians and the ratios oci-push / buildah.
Debian's /usr/bin/python3, standard library plus bench/run.py (and what it imports). Needs buildah.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import ROOT, Bench, Registry, clean_env  # noqa: E402  (bench/run.py)

TOOLS = ("oci-push", "buildah")


def make_context(root: str, total_mb: float) -> int:
    """64 files (half text, half random bytes) under files/a and files/b; returns their bytes."""
    rng = random.Random(13)
    per = int(total_mb * 1e6 / 64)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(500)]
    total = 0
    for i in range(64):
        d = os.path.join(root, "files", "a" if i % 2 else "b")
        os.makedirs(d, exist_ok=True)
        if i % 2:
            data = bytearray()
            while len(data) < per:
                data += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
            data = bytes(data[:per])
        else:
            data = rng.randbytes(per)
        with open(os.path.join(d, f"part{i:02d}.bin"), "wb") as f:
            f.write(data)
        total += len(data)
    return total


class BuildBench(Bench):
    def __init__(self, args):
        args.baseline = None
        super().__init__(args)
        self.tools = TOOLS
        self.results = {"build": {t: [] for t in TOOLS}}

    def argv(self, tool: str, reg: Registry, ctx: str, n: int, state: str) -> list[str]:
        if tool == "oci-push":
            return [self.ocipush, "build", "-q", "--plain-http", "-t", f"{reg.host}/ours-{n}:1", ctx]
        buildah = f"buildah --storage-driver vfs --root {state}/root --runroot {state}/run"
        script = (f"{buildah} bud -q --isolation chroot --tls-verify=false -t localhost/theirs-{n}:1 {ctx} >/dev/null"
                  f" && {buildah} push -q --tls-verify=false localhost/theirs-{n}:1 docker://{reg.host}/theirs-{n}:1")
        return ["sh", "-c", script]

    def run(self) -> None:
        d0 = self.fresh_dir("build")
        ctx = os.path.join(d0, "ctx")
        size = make_context(ctx, self.args.files_mb)
        with Registry(os.path.join(d0, "registry")) as reg:
            env = clean_env()
            env["XDG_CACHE_HOME"] = self.fresh_dir("seed-xdg")
            subprocess.run([self.ocipush, "-q", "--plain-http", os.path.abspath(self.args.image), f"{reg.host}/bench:1"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(ctx, "Dockerfile"), "w") as f:
                f.write(f"FROM {reg.host}/bench:1\nCOPY files/ /opt/files/\nENV BUILT=1\n")
            print(f"context: {size / 1e6:.1f} MB in 64 files; base {self.args.image}", flush=True)
            n = 0
            for rnd in range(self.args.rounds):
                print(f"build, round {rnd + 1}", flush=True)
                order = TOOLS if rnd % 2 == 0 else TOOLS[::-1]
                for tool in order:
                    n += 1
                    state = self.fresh_dir(f"{tool}-state")
                    env = clean_env()
                    env["XDG_CACHE_HOME"] = state
                    env["HOME"] = state
                    self.results["build"][tool].append(self.timed(self.argv(tool, reg, ctx, n, state), env=env,
                                                                  label=tool, reg=reg))
                    shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(d0, ignore_errors=True)

    def summary(self) -> str:
        rows = ["build: COPY-only Dockerfile onto the benchmark image in the registry (medians)",
                f"  {'tool':<10} {'wall s':>8} {'cpu s':>8} {'RSS MiB':>8}"]
        med = {}
        for tool in TOOLS:
            runs = self.results["build"][tool]
            if not runs:
                continue
            med[tool] = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mib")}
            rows.append(f"  {tool:<10} {med[tool]['wall']:8.2f} {med[tool]['cpu']:8.2f} {med[tool]['rss_mib']:8.1f}")
        if len(med) == 2:
            o, b = med["oci-push"], med["buildah"]
            rows.append(f"  ratio oci-push/buildah: wall {o['wall'] / b['wall']:.3f} (target <= 0.1), "
                        f"cpu {o['cpu'] / b['cpu']:.3f}; oci-push peak RSS {o['rss_mib']:.1f} MiB (target <= 64)")
        return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", default="/tmp/bench-pull.tar")
    ap.add_argument("--image-mb", type=float, default=480)
    ap.add_argument("--files-mb", type=float, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--oci-push", default=os.path.join(ROOT, "build", "oci-push"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--out")
    args = ap.parse_args()
    if shutil.which("buildah") is None:
        ap.error("needs buildah (scripts/setup.sh installs it)")
    if not os.path.exists(args.image):
        subprocess.run([sys.executable, os.path.join(HERE, "make_image.py"), args.image, "--size-mb",
                        f"{args.image_mb:g}"], check=True)
    b = BuildBench(args)
    try:
        b.run()
    finally:
        print()
        print(b.summary())
        if args.out:
            with open(args.out, "w") as f:
                json.dump(b.results, f, indent=1)
        shutil.rmtree(b.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
