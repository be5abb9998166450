#!/usr/bin/python3
"""oci-push pull and copy against skopeo copy, side by side, on docker-registry on loopback.

    bench/pull_bench.py [--image IMG.tar] [--image-mb 480] [--rounds 3] [--cases pull-oci,pull-tar,copy,link]
                        [--link-delay-ms 20] [--link-rate-mb-s 100] [--oci-push BUILD/oci-push] [--out R.json]

The image: IMG.tar (default /tmp/bench-pull.tar, made by bench/make_image.py IMG.tar --size-mb
--image-mb when missing: 5 layers, about 500 MB) is pushed by oci-push into the source registry as
REG/bench:1 before a case's rounds (not timed), so the registry holds gzip layers, as oci-push pushes
them. Each round runs both tools (alternating which goes first), each under /usr/bin/time through
bench/run.py's Bench.timed (wall, user+sys CPU, peak RSS; skopeo with an empty blob-info cache of its
own, in a private mount namespace: needs root), and the summary prints the medians and the ratios
oci-push / skopeo:

  pull-oci   oci-push pull --plain-http REG/bench:1 DIR/   vs
             skopeo copy --src-tls-verify=false docker://REG/bench:1 oci:DIR2:bench
             into a fresh, empty destination every run.
  pull-tar   oci-push pull --plain-http REG/bench:1 FILE.tar   vs   skopeo copy ... docker-archive:FILE:bench:1;
             skipped (and said so) while `oci-push pull --help` mentions neither 'tarball' nor
             'docker-archive:'.
  copy       oci-push copy --plain-http A/bench:1 B/bench:1   vs
             skopeo copy --src-tls-verify=false --dest-tls-verify=false docker://A/bench:1 docker://B/bench:1;
             A holds the image for the whole case, B is a fresh registry (fresh storage) every run.
  ingest     the floor under copy: the same blobs pushed into a fresh registry B from a local OCI layout
             (pulled from A once, not timed), so no source registry serves them:
             oci-push --plain-http oci:DIR B/bench:1   vs   skopeo copy oci:DIR docker://B/bench:1.
             Compare its times with copy's: B's ingest (it hashes and writes every blob, on the same
             cores) is the part of a copy neither tool can take away.
  link-pull-oci, link-copy   the same through bench/link_proxy.py (--link-delay-ms each way, default 20;
             --link-rate-mb-s each direction, default 100): the pull talks to a proxy in front of the
             registry; the copy to one proxy in front of A and another in front of B (one full-duplex
             link: A's bytes come down while B's go up). "link" selects both.
For the link cases the summary adds the bytes moved (pull: down from the registry; copy: the larger of
A's down and B's up, which carry the same blobs at once), the TCP connections the tool opened and the
share of the link used: bytes moved / (rate x wall). "out MB" is what the destination holds afterwards
(the layout, the tarball, B's storage): a check that both tools wrote the same thing; "busy" is the share
of the machine's CPUs busy during the run (everything on them, from /proc/stat): near 100 % a run is bound
by the cores it shares with the registries and proxies.
Debian's /usr/bin/python3, standard library plus bench/run.py (and what it imports).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import ROOT, SKOPEO, Bench, Registry, clean_env  # noqa: E402  (bench/run.py)

PLAIN_CASES = ("pull-oci", "pull-tar", "copy", "ingest")
LINK_CASES = ("link-pull-oci", "link-copy")
REF = "bench:1"
TITLES = {"pull-oci": "1. pull into an OCI layout", "pull-tar": "2. pull into a docker-archive tarball",
          "copy": "3. copy registry A to an empty registry B",
          "ingest": "3b. local layout into an empty B (copy's floor)",
          "link-pull-oci": "4a. pull into an OCI layout, over the link",
          "link-copy": "4b. copy A to empty B, over the link (both)"}


def tree_bytes(path: str) -> int:
    """Bytes in the files under path (or of path itself, a file); 0 when missing."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


class PullBench(Bench):
    def __init__(self, args):
        super().__init__(args)
        pull_help = subprocess.run([self.ocipush, "pull", "--help"], capture_output=True, text=True).stdout
        self.can_tar = "tarball" in pull_help or "docker-archive:" in pull_help
        self.notes: dict[str, str] = {}
        self.seed_cache = self.fresh_dir("seed-xdg")

    def seed(self, reg: Registry) -> None:
        """Pushes the image into reg as bench:1 (not timed)."""
        env = clean_env()
        env["XDG_CACHE_HOME"] = self.seed_cache
        subprocess.run([self.ocipush, "-q", "--plain-http", os.path.abspath(self.args.image),
                        f"{reg.host}/{REF}"], env=env, check=True, stdout=subprocess.DEVNULL)

    def link(self, reg: Registry, on: bool):
        return self.link_proxy(reg, self.args.link_rate_mb_s) if on else contextlib.nullcontext()

    def argv(self, case: str, tool: str, src: str, dest: str) -> list[str]:
        """The command of one run: src is the source registry's address, dest the destination (a path,
        or for copy the destination registry's address)."""
        kind = case.removeprefix("link-")
        if tool in self.binaries:
            # The proxy is on loopback, where oci-push reads one stream per blob unless told otherwise.
            ranges = ["--ranges", str(self.args.ranges)] if self.args.ranges and case.startswith("link-") else []
            if kind == "ingest":
                return [self.binaries[tool], "-q", "--plain-http", f"oci:{src}", f"{dest}/{REF}"]
            if kind == "copy":
                return [self.binaries[tool], "copy", "-q", "--plain-http", *ranges, f"{src}/{REF}", f"{dest}/{REF}"]
            return [self.binaries[tool], "pull", "-q", "--plain-http", *ranges, f"{src}/{REF}", dest]
        if kind == "ingest":
            return [SKOPEO, "copy", "-q", "--dest-tls-verify=false", f"oci:{src}", f"docker://{dest}/{REF}"]
        if kind == "copy":
            return [SKOPEO, "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
                    f"docker://{src}/{REF}", f"docker://{dest}/{REF}"]
        target = {"pull-oci": f"oci:{dest.rstrip('/')}:bench", "pull-tar": f"docker-archive:{dest}:{REF}"}[kind]
        return [SKOPEO, "copy", "-q", "--src-tls-verify=false", f"docker://{src}/{REF}", target]

    def measure(self, case: str, tool: str, argv: list[str], reg: Registry, links: dict, out: str) -> dict:
        """One timed run; links: {"down": proxy whose downstream bytes count, "up": ...} (may be empty);
        out: what the run writes (its size is recorded)."""
        d = self.fresh_dir(f"{case}-{tool}-env")
        env = clean_env()
        env["XDG_CACHE_HOME"] = d
        before = {k: p.stats() for k, p in links.items()}
        busy0, total0 = cpu_ticks()
        if tool in self.binaries:
            r = self.timed(argv, env=env, label=tool, reg=reg)
        else:
            r = self.timed(argv, skopeo_cache=d, label=tool, reg=reg)
        busy1, total1 = cpu_ticks()
        # How busy the whole machine was meanwhile (tool, registries, proxies): near 100 % the run is
        # bound by the cores everything shares, not by the tool's design or the link.
        r["machine_busy"] = (busy1 - busy0) / (total1 - total0) if total1 > total0 else float("nan")
        r["out_mb"] = tree_bytes(out) / 1e6
        if links:
            after = {k: p.stats() for k, p in links.items()}
            moved = max(after[k][k] - before[k][k] for k in links)
            conns = sum(after[k]["connections"] - before[k]["connections"] for k in links)
            rate = next(iter(links.values())).rate_mb_s
            share = moved / (rate * 1e6 * r["wall"]) if rate and r["wall"] > 0 else float("nan")
            r.update({"link_moved": moved, "link_connections": conns, "link_share": share})
            print(f"  {'':<10} link: {moved / 1e6:8.2f} MB moved {conns:4d} connections   "
                  f"share {share * 100:5.1f}%", flush=True)
        print(f"  {'':<10} out: {r['out_mb']:.2f} MB, machine's CPUs busy {r['machine_busy'] * 100:.0f}%", flush=True)
        shutil.rmtree(d)
        return r

    def case_pull(self, case: str) -> None:
        """pull-oci, pull-tar, link-pull-oci: one source registry for the case, a fresh destination per run."""
        if case == "pull-tar" and not self.can_tar:
            self.notes[case] = "skipped: oci-push cannot write tarballs yet"
            print(f"{case}: {self.notes[case]} (`oci-push pull --help` mentions neither 'tarball' nor "
                  f"'docker-archive:')", flush=True)
            return
        on_link = case.startswith("link-")
        d0 = self.fresh_dir(case)
        with Registry(os.path.join(d0, "registry")) as reg, self.link(reg, on_link) as proxy:
            self.seed(reg)
            if proxy:
                print(f"{case}: {proxy.describe()}", flush=True)
            for rnd in range(self.args.rounds):
                print(f"{case}, round {rnd + 1}", flush=True)
                for tool in self.order(rnd):
                    d = self.fresh_dir(f"{case}-{tool}")
                    dest = os.path.join(d, "image.tar") if case == "pull-tar" else os.path.join(d, "layout") + "/"
                    argv = self.argv(case, tool, proxy.host if proxy else reg.host, dest)
                    links = {"down": proxy} if proxy else {}
                    self.record(case, tool, self.measure(case, tool, argv, reg, links, dest))
                    shutil.rmtree(d)
        shutil.rmtree(d0)

    def case_copy(self, case: str) -> None:
        """copy, link-copy: registry A seeded once, a fresh registry B (and its proxy) every run."""
        on_link = case.startswith("link-")
        d0 = self.fresh_dir(case)
        with Registry(os.path.join(d0, "registry-a")) as a, self.link(a, on_link) as pa:
            self.seed(a)
            if pa:
                print(f"{case}: {pa.describe()}, one proxy for A and one for B", flush=True)
            for rnd in range(self.args.rounds):
                print(f"{case}, round {rnd + 1}", flush=True)
                for tool in self.order(rnd):
                    d = self.fresh_dir(f"{case}-{tool}")
                    with Registry(os.path.join(d, "registry-b")) as b, self.link(b, on_link) as pb:
                        argv = self.argv(case, tool, pa.host if pa else a.host, pb.host if pb else b.host)
                        links = {"down": pa, "up": pb} if pa else {}
                        self.record(case, tool, self.measure(case, tool, argv, b, links, b.storage_dir))
                    shutil.rmtree(d)
        shutil.rmtree(d0)

    def case_ingest(self, case: str) -> None:
        """ingest: the image pulled from A into a local layout once (not timed), then a fresh B every run."""
        d0 = self.fresh_dir(case)
        layout = os.path.join(d0, "layout")
        with Registry(os.path.join(d0, "registry-a")) as a:
            self.seed(a)
            subprocess.run([self.ocipush, "pull", "-q", "--plain-http", f"{a.host}/{REF}", layout + "/"],
                           env=clean_env(), check=True, stdout=subprocess.DEVNULL)
        for rnd in range(self.args.rounds):
            print(f"{case}, round {rnd + 1}", flush=True)
            for tool in self.order(rnd):
                d = self.fresh_dir(f"{case}-{tool}")
                with Registry(os.path.join(d, "registry-b")) as b:
                    argv = self.argv(case, tool, layout, b.host)
                    self.record(case, tool, self.measure(case, tool, argv, b, {}, b.storage_dir))
                shutil.rmtree(d)
        shutil.rmtree(d0)

    # ------------------------------------------------------------------ report

    def medians(self, case: str) -> dict[str, dict]:
        keys = ("wall", "cpu", "rss_mib", "out_mb", "machine_busy", "link_moved", "link_connections", "link_share")
        med = {}
        for tool, runs in self.results.get(case, {}).items():
            med[tool] = {k: statistics.median(r[k] for r in runs) for k in keys if k in runs[0]}
            med[tool]["runs"] = runs
        return med

    def summary(self) -> str:
        lines = [f"{'case':<46} {'tool':<9} {'wall s':>7} {'cpu s':>7} {'RSS MiB':>8} {'out MB':>8} {'busy':>5}"
                 f"  runs (wall s / peak RSS MiB)"]
        for case in PLAIN_CASES + LINK_CASES:
            if case in self.notes:
                lines.append(f"{TITLES[case]:<46} {self.notes[case]}")
            med = self.medians(case)
            for tool in (t for t in self.tools if t in med):
                m = med[tool]
                runs = ", ".join(f"{r['wall']:.2f}/{r['rss_mib']:.1f}" for r in m["runs"])
                lines.append(f"{TITLES[case]:<46} {tool:<9} {m['wall']:7.2f} {m['cpu']:7.2f} {m['rss_mib']:8.1f} "
                             f"{m['out_mb']:8.1f} {m['machine_busy'] * 100:4.0f}%  {runs}")
            for label, other in (("ratio", "skopeo"), ("vs base", "baseline")):
                if "oci-push" in med and other in med:
                    o, s = med["oci-push"], med[other]
                    lines.append(f"{'':<46} {label:<9} {o['wall'] / s['wall']:7.3f} "
                                 f"{o['cpu'] / s['cpu'] if s['cpu'] else float('nan'):7.3f} "
                                 f"{o['rss_mib'] / s['rss_mib']:8.3f}           (oci-push / {other}, medians)")
        lines.append("medians over the rounds: wall, cpu (user+sys of the tool), RSS (its peak RSS), out (what "
                     "the destination holds), busy (the machine's CPUs, everything on them, during the run)")
        lines += self.link_summary()
        return "\n".join(lines)

    def link_summary(self) -> list[str]:
        cases = [c for c in LINK_CASES if c in self.results]
        if not cases:
            return []
        a = self.args
        lines = ["", f"link: {a.link_delay_ms:g} ms each way, {a.link_rate_mb_s:g} MB/s each direction",
                 f"{'link case':<46} {'tool':<9} {'moved MB':>9} {'conns':>6} {'share':>7} {'bytes/rate s':>12}"]
        for case in cases:
            med = self.medians(case)
            for tool in (t for t in self.tools if t in med):
                m = med[tool]
                lines.append(f"{TITLES[case]:<46} {tool:<9} {m['link_moved'] / 1e6:9.2f} "
                             f"{m['link_connections']:6.0f} {m['link_share'] * 100:6.1f}% "
                             f"{m['link_moved'] / (a.link_rate_mb_s * 1e6):12.2f}")
        lines.append("moved: bytes through the link (pull: down; copy: max of A down, B up); share: moved / "
                     "(rate x wall); bytes/rate: the wall the bytes alone need; medians.")
        return lines


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU of the machine since boot, from /proc/stat's first line."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already in user
    return total - idle, total


def parse_args() -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", default="/tmp/bench-pull.tar",
                    help="docker-save tarball pushed into the source registry (made when missing)")
    ap.add_argument("--image-mb", type=float, default=480,
                    help="--size-mb for make_image.py when --image is missing (default 480: 5 layers, ~500 MB)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="pull-oci,pull-tar,copy,link",
                    help=f"comma-separated: {', '.join(PLAIN_CASES + LINK_CASES)}, link (both link cases)")
    ap.add_argument("--oci-push", default=os.path.join(ROOT, "build", "oci-push"))
    ap.add_argument("--baseline", help="another oci-push binary (an earlier build) run in the same rotation")
    ap.add_argument("--workdir", default=None, help="where registries and destinations live (default: $TMPDIR)")
    ap.add_argument("--out", help="write every run's figures as JSON here")
    ap.add_argument("--link-delay-ms", type=float, default=20, help="link cases: one-way delay (default 20)")
    ap.add_argument("--link-rate-mb-s", type=float, default=100, help="link cases: MB/s each direction (default 100)")
    ap.add_argument("--ranges", type=int, default=0,
                    help="link cases: oci-push --ranges N (parallel ranges of a big blob; 0: its loopback default)")
    ap.add_argument("--link-window-kb", type=int, default=0,
                    help="link cases: a TCP window per connection (KiB; 0: none), which caps one stream at W / RTT")
    ap.set_defaults(link_queue_kb=2048, link_handshake=False)  # what Bench.link_proxy reads
    args = ap.parse_args()
    cases = []
    for c in (c.strip() for c in args.cases.split(",")):
        cases += list(LINK_CASES) if c == "link" else [c] if c else []
    unknown = [c for c in cases if c not in PLAIN_CASES + LINK_CASES]
    if unknown:
        ap.error(f"unknown case(s): {', '.join(unknown)}")
    if args.link_rate_mb_s <= 0:
        ap.error("--link-rate-mb-s must be positive (the share of the link needs a rate)")
    if os.geteuid() != 0:
        ap.error("needs root: skopeo's blob-info cache is isolated with unshare -m + a bind mount")
    return args, cases


def main() -> int:
    args, cases = parse_args()
    if not os.path.exists(args.image):
        print(f"making {args.image}: bench/make_image.py {args.image} --size-mb {args.image_mb:g}", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "make_image.py"), args.image,
                        "--size-mb", f"{args.image_mb:g}"], check=True)
    b = PullBench(args)
    print(f"oci-push: {b.ocipush} (pull writes tarballs: {'yes' if b.can_tar else 'no'}); skopeo: "
          f"{subprocess.run([SKOPEO, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"image {args.image} ({os.path.getsize(args.image) / 1e6:.1f} MB); nproc {os.cpu_count()}; "
          f"rounds {args.rounds}", flush=True)
    try:
        for case in (c for c in PLAIN_CASES + LINK_CASES if c in cases):
            (b.case_copy if case.endswith("copy") else b.case_ingest if case == "ingest" else b.case_pull)(case)
    finally:
        print()
        print(b.summary())
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"rounds": args.rounds, "notes": b.notes, "results": b.results,
                           "link": {"delay_ms": args.link_delay_ms, "rate_mb_s": args.link_rate_mb_s}}, f, indent=1)
        shutil.rmtree(b.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
