#!/usr/bin/python3
"""oci-push against skopeo, side by side, on a real docker-registry on loopback.

    bench/run.py --image IMG.tar --oci OCI_DIR [--rounds 3] [--cases cold,warm,fresh,oci] [--out R.json]
                 [--baseline OLD-BUILD/oci-push]
    bench/run.py --image IMG.tar --cases link [--link-delay-ms 20] [--link-rate-mb-s 100]
                 [--link-single-rates 100,60] [--link-single-image A.tar] [--link-many-image B.tar]

IMG.tar and OCI_DIR come from bench/make_image.py (--oci). Each case runs both tools in every round,
alternating which goes first, each under `/usr/bin/time -f` (wall, user, sys, peak RSS), and prints the
medians and the ratio oci-push/skopeo:

  cold   push to an empty registry: a fresh registry (fresh storage) and empty local caches per run.
  warm   re-push with a warm local cache: oci-push keeps its XDG_CACHE_HOME (its digest cache, where the
         build has one: see `oci-push --help` for --no-cache), skopeo keeps its blob-info cache; the
         registry already holds the image (each tool pushed it once before the rounds).
  fresh  re-push from a fresh runner: the same registry, but an empty XDG_CACHE_HOME for oci-push and an
         empty blob-info cache for skopeo every run.
  oci    push of the OCI layout whose layers are already gzip, to an empty registry; the registry's own
         ingest ceiling is measured too: curl POST + one streamed PUT per blob, all blobs at once.

Link cases: both tools push through bench/link_proxy.py, a user-space TCP proxy that adds a one-way delay
(--link-delay-ms, default 20: 40 ms RTT) to every byte each way and limits each direction to
--link-rate-mb-s (default 100 MB/s, 10^6 bytes; 0: unlimited), shared by all connections like one link.
The tools talk to the proxy's address (plain HTTP), so the registry's Location headers, built from the
Host header, name the proxy too. Every run adds the proxy's byte counts (up: client to registry, down),
the TCP connections the tool opened, the proxy's own CPU and the share of the link the push used: bytes
up / (rate x wall). The TCP handshake itself is not delayed (the proxy accepts on loopback), only the
bytes: a real link would cost one more RTT per new connection; --link-handshake adds it.

  link-single     a 248 MB single-layer image (--link-single-image, default /tmp/bench-single.tar), cold
                  into a fresh registry, at each rate of --link-single-rates (default: --link-rate-mb-s)
  link-many-cold  120 small layers, 4.4 MB (--link-many-image, default /tmp/bench-many.tar), cold
  link-many-warm  the same, re-pushed to a registry that holds it, local caches warm (oci-push's digest
                  cache, skopeo's blob-info cache: each tool pushed once through the same proxy first)
  link-bench      --image (the five-layer image), cold
  link            all four
The two link images are made by bench/make_image.py when missing (see its --help; deterministic).

skopeo keeps its blob-info cache in /var/lib/containers/cache when run as root, with no flag to move it,
so each skopeo run happens in a private mount namespace (`unshare -m`) where a directory of ours is bind-
mounted there: the machine's own cache is never touched. This needs root.

Each tool pushes to its own repository (bench/ocipush, bench/skopeo) so neither sees the other's blobs.
--baseline adds an earlier oci-push build to the same rotation (repository bench/baseline), so a change's
before and after are measured alternating on the same machine; the summary adds their ratio.
Debian's /usr/bin/python3, standard library plus tests/integration/harness/registry.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness.registry import Registry  # noqa: E402
from link_proxy import LinkProxy  # noqa: E402  (bench/, next to this file)

TIME = "/usr/bin/time"
SKOPEO = shutil.which("skopeo") or "/usr/bin/skopeo"
SKOPEO_CACHE = "/var/lib/containers/cache"
TOOLS = ("oci-push", "skopeo")
LINK_CASES = ("link-single", "link-many-cold", "link-many-warm", "link-bench")
LINK_IMAGES = {  # path option -> make_image.py arguments
    "single": ["--layers", "1", "--size-mb", "233"],
    "many": ["--layers", "120", "--size-mb", "3", "--max-file-kb", "16"],
}


def proc_cpu(reg: Registry) -> float:
    """CPU seconds (user + sys) the registry process has used so far."""
    try:
        with open(f"/proc/{reg.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, IndexError, ValueError):
        return float("nan")


def load_avg() -> float:
    return os.getloadavg()[0]


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    return env


class Bench:
    def __init__(self, args):
        self.args = args
        self.ocipush = os.path.abspath(args.oci_push)
        # --baseline: another oci-push build in the same rotation, for before/after figures of a change.
        self.binaries = {"oci-push": self.ocipush}
        if args.baseline:
            self.binaries["baseline"] = os.path.abspath(args.baseline)
        self.tools = TOOLS + (("baseline",) if args.baseline else ())
        self.work = tempfile.mkdtemp(prefix="oci-push-bench.", dir=args.workdir)
        self.n = 0
        self.results: dict[str, dict[str, list[dict]]] = {}
        help_text = subprocess.run([self.ocipush, "--help"], capture_output=True, text=True).stdout
        self.has_cache = "--no-cache" in help_text
        self.cold_registries: list[str] = []

    def fresh_dir(self, what: str) -> str:
        self.n += 1
        d = os.path.join(self.work, f"{self.n:03d}-{what}")
        os.makedirs(d)
        return d

    # ------------------------------------------------------------------ one timed run

    def timed(self, argv: list[str], env: dict | None = None, skopeo_cache: str | None = None,
              label: str = "", reg: Registry | None = None, link: LinkProxy | None = None) -> dict:
        """Runs argv under GNU time; with skopeo_cache, inside a mount namespace where that directory is
        skopeo's blob-info cache. Returns wall, user, sys, cpu (user+sys) in seconds and rss_mib; with
        link (the proxy the tool talks to), the link's figures for this run too."""
        tfile = os.path.join(self.work, f"time.{self.n}.{time.monotonic_ns()}")
        timed_argv = [TIME, "-f", "%e %U %S %M", "-o", tfile] + argv
        if skopeo_cache is not None:
            script = 'mount --bind "$0" ' + SKOPEO_CACHE + ' && exec "$@"'
            timed_argv = ["unshare", "-m", "sh", "-c", script, skopeo_cache] + timed_argv
        os.sync()  # the previous run's registry writes should not land on this run's clock
        reg_cpu0 = proc_cpu(reg) if reg else float("nan")
        load0 = load_avg()
        link0 = link.stats() if link else None
        proxy_cpu0 = time.process_time()  # the proxy's threads: this process does nothing else meanwhile
        p = subprocess.run(timed_argv, env=env or clean_env(), capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise RuntimeError(f"{label}: {' '.join(argv)} exited {p.returncode}:\n{p.stderr[-3000:]}")
        with open(tfile) as f:
            wall, user, sys_, rss_kib = f.read().split()[-4:]
        os.unlink(tfile)
        r = {"wall": float(wall), "user": float(user), "sys": float(sys_),
             "cpu": float(user) + float(sys_), "rss_mib": int(rss_kib) / 1024, "stdout": p.stdout.strip(),
             "registry_cpu": (proc_cpu(reg) - reg_cpu0) if reg else float("nan"),
             "load1": (load0 + load_avg()) / 2}
        print(f"  {label:<10} {r['wall']:8.2f} s wall {r['cpu']:8.2f} s cpu {r['rss_mib']:7.1f} MiB"
              f"   registry {r['registry_cpu']:6.2f} s cpu   load {r['load1']:5.1f}", flush=True)
        if link:
            proxy_cpu = time.process_time() - proxy_cpu0
            st = link.stats()
            rate = link.rate_mb_s * 1e6 if link.rate_mb_s else float("nan")
            r.update({"link_up": st["up"] - link0["up"], "link_down": st["down"] - link0["down"],
                      "link_connections": st["connections"] - link0["connections"],
                      "proxy_cpu": proxy_cpu, "link_rate_mb_s": link.rate_mb_s or 0,
                      "link_delay_ms": link.delay * 1000})
            r["link_share"] = r["link_up"] / (rate * r["wall"]) if r["wall"] > 0 else float("nan")
            print(f"  {'':<10} link: {r['link_up'] / 1e6:8.2f} MB up {r['link_down'] / 1e6:7.2f} MB down "
                  f"{r['link_connections']:4d} connections   share {r['link_share'] * 100:5.1f}%   "
                  f"proxy {proxy_cpu:5.2f} s cpu", flush=True)
        return r

    def ocipush_run(self, source: str, reg: Registry, xdg_cache: str, label: str, extra=(),
                    link: LinkProxy | None = None) -> dict:
        """label is "oci-push" or "baseline": which build runs, and its repository. With link, the push
        goes through that proxy (its address is the registry's name)."""
        env = clean_env()
        env["XDG_CACHE_HOME"] = xdg_cache
        repo = "ocipush" if label == "oci-push" else label
        host = link.host if link else reg.host
        return self.timed([self.binaries[label], "-q", "--plain-http", *extra, source,
                           f"{host}/bench/{repo}:latest"], env=env, label=label, reg=reg, link=link)

    def skopeo_run(self, source: str, reg: Registry, cache: str, label: str,
                   link: LinkProxy | None = None) -> dict:
        host = link.host if link else reg.host
        return self.timed([SKOPEO, "copy", "-q", "--dest-tls-verify=false", source,
                           f"docker://{host}/bench/skopeo:latest"], skopeo_cache=cache, label=label,
                          reg=reg, link=link)

    def record(self, case: str, tool: str, r: dict) -> None:
        self.results.setdefault(case, {}).setdefault(tool, []).append(r)

    def order(self, rnd: int) -> tuple[str, ...]:
        return self.tools if rnd % 2 == 0 else tuple(reversed(self.tools))

    # ------------------------------------------------------------------ the cases

    def case_cold(self) -> None:
        img = os.path.abspath(self.args.image)
        for rnd in range(self.args.rounds):
            print(f"cold, round {rnd + 1}", flush=True)
            for tool in self.order(rnd):
                d = self.fresh_dir(f"cold-{tool}")
                with Registry(os.path.join(d, "registry")) as reg:
                    if tool in self.binaries:
                        r = self.ocipush_run(img, reg, os.path.join(d, "xdg"), tool)
                    else:
                        r = self.skopeo_run(f"docker-archive:{img}", reg, self.fresh_dir("skcache"), tool)
                self.record("cold", tool, r)
                shutil.rmtree(d)

    def case_warm_and_fresh(self, cases: list[str]) -> None:
        img = os.path.abspath(self.args.image)
        d = self.fresh_dir("repush")
        with Registry(os.path.join(d, "registry")) as reg:
            xdg_warm = {tool: os.path.join(d, f"xdg-warm-{tool}") for tool in self.binaries}
            sk_warm = os.path.join(d, "skopeo-warm")
            os.makedirs(sk_warm)
            print("re-push: first push of each tool (not counted)", flush=True)
            for tool in self.binaries:
                self.ocipush_run(img, reg, xdg_warm[tool], tool)
            self.skopeo_run(f"docker-archive:{img}", reg, sk_warm, "skopeo")
            for rnd in range(self.args.rounds):
                if "warm" in cases:
                    print(f"warm, round {rnd + 1}" + ("" if self.has_cache else
                          " (this oci-push has no --no-cache: no local digest cache to be warm)"), flush=True)
                    for tool in self.order(rnd):
                        if tool in self.binaries:
                            r = self.ocipush_run(img, reg, xdg_warm[tool], tool)
                        else:
                            r = self.skopeo_run(f"docker-archive:{img}", reg, sk_warm, tool)
                        self.record("warm", tool, r)
                if "fresh" in cases:
                    print(f"fresh runner, round {rnd + 1}", flush=True)
                    for tool in self.order(rnd + 1):
                        if tool in self.binaries:
                            r = self.ocipush_run(img, reg, self.fresh_dir("xdg"), tool)
                        else:
                            r = self.skopeo_run(f"docker-archive:{img}", reg, self.fresh_dir("skcache"), tool)
                        self.record("fresh", tool, r)
        shutil.rmtree(d)

    def case_oci(self) -> None:
        layout = os.path.abspath(self.args.oci)
        curl_script = os.path.join(HERE, "curl_ceiling.sh")
        for rnd in range(self.args.rounds):
            print(f"oci gzip layout, round {rnd + 1}", flush=True)
            for tool in self.order(rnd) + ("curl",):
                d = self.fresh_dir(f"oci-{tool}")
                with Registry(os.path.join(d, "registry")) as reg:
                    if tool in self.binaries:
                        r = self.ocipush_run(f"oci:{layout}:latest", reg, os.path.join(d, "xdg"), tool)
                    elif tool == "skopeo":
                        r = self.skopeo_run(f"oci:{layout}:latest", reg, self.fresh_dir("skcache"), tool)
                    else:
                        r = self.timed(["bash", curl_script, reg.host, "bench/curl", layout], label="curl PUTs", reg=reg)
                self.record("oci", tool, r)
                shutil.rmtree(d)

    def link_proxy(self, reg: Registry, rate: float) -> LinkProxy:
        a = self.args
        return LinkProxy(reg.port, delay_ms=a.link_delay_ms, rate_mb_s=rate or None, queue_kb=a.link_queue_kb,
                         window_kb=a.link_window_kb or None, handshake=a.link_handshake)

    def push(self, tool: str, img: str, reg: Registry, xdg: str, skcache: str, link: LinkProxy) -> dict:
        if tool in self.binaries:
            return self.ocipush_run(img, reg, xdg, tool, link=link)
        return self.skopeo_run(f"docker-archive:{img}", reg, skcache, tool, link=link)

    def case_link_cold(self, case: str, img: str, rate: float) -> None:
        """Cold push through the link: a fresh registry, proxy and empty local caches every run."""
        for rnd in range(self.args.rounds):
            print(f"{case}, round {rnd + 1}", flush=True)
            for tool in self.order(rnd):
                d = self.fresh_dir(f"{case}-{tool}")
                with Registry(os.path.join(d, "registry")) as reg, self.link_proxy(reg, rate) as link:
                    if rnd == 0 and tool == self.order(rnd)[0]:
                        print(f"  ({link.describe()})", flush=True)
                    r = self.push(tool, img, reg, os.path.join(d, "xdg"), self.fresh_dir("skcache"), link)
                self.record(case, tool, r)
                shutil.rmtree(d)

    def case_link_warm(self, case: str, img: str, rate: float) -> None:
        """Re-push through the link with warm local caches: one registry and one proxy for the whole case
        (skopeo's blob-info cache knows the proxy's address as the registry), each tool pushed once first."""
        d = self.fresh_dir(case)
        with Registry(os.path.join(d, "registry")) as reg, self.link_proxy(reg, rate) as link:
            xdg = {tool: os.path.join(d, f"xdg-{tool}") for tool in self.binaries}
            sk = os.path.join(d, "skopeo-cache")
            os.makedirs(sk)
            print(f"{case}: first push of each tool through the link (not counted; {link.describe()})",
                  flush=True)
            for tool in self.tools:
                self.push(tool, img, reg, xdg.get(tool, ""), sk, link)
            for rnd in range(self.args.rounds):
                print(f"{case}, round {rnd + 1}", flush=True)
                for tool in self.order(rnd):
                    self.record(case, tool, self.push(tool, img, reg, xdg.get(tool, ""), sk, link))
        shutil.rmtree(d)

    def link_images(self, cases: list[str]) -> dict[str, str]:
        """The link cases' images: made by make_image.py where missing."""
        need = {"single": "link-single" in cases, "many": any(c.startswith("link-many") for c in cases)}
        paths = {}
        for what, args in LINK_IMAGES.items():
            path = os.path.abspath(getattr(self.args, f"link_{what}_image"))
            paths[what] = path
            if need[what] and not os.path.exists(path):
                print(f"making {path}: bench/make_image.py {path} {' '.join(args)}", flush=True)
                subprocess.run([sys.executable, os.path.join(HERE, "make_image.py"), path, *args], check=True)
        return paths

    def case_link(self, cases: list[str]) -> None:
        a = self.args
        images = self.link_images(cases)
        if "link-single" in cases:
            for rate in a.link_single_rates:
                self.case_link_cold(f"link-single-{rate:g}", images["single"], rate)
        if "link-many-cold" in cases:
            self.case_link_cold("link-many-cold", images["many"], a.link_rate_mb_s)
        if "link-many-warm" in cases:
            self.case_link_warm("link-many-warm", images["many"], a.link_rate_mb_s)
        if "link-bench" in cases:
            self.case_link_cold("link-bench", os.path.abspath(a.image), a.link_rate_mb_s)

    # ------------------------------------------------------------------ report

    def link_title(self, case: str) -> str:
        a = self.args
        if case.startswith("link-single-"):
            rate = float(case.rsplit("-", 1)[1])
            what = f"{case}: 1 layer 248 MB, cold"
        else:
            rate = a.link_rate_mb_s
            what = {"link-many-cold": "link-many-cold: 120 layers 4.4 MB, cold",
                    "link-many-warm": "link-many-warm: 120 layers, re-push, caches warm",
                    "link-bench": "link-bench: --image, cold"}[case]
        extra = (f", window {a.link_window_kb} KiB" if a.link_window_kb else "") + \
            (", +handshake" if a.link_handshake else "")
        return f"{what} ({a.link_delay_ms:g} ms, {f'{rate:g} MB/s' if rate else 'unlimited'}{extra})"

    def summary(self) -> str:
        lines = []
        titles = {"cold": "1. cold push, empty registry",
                  "warm": "2. re-push, warm local cache" + ("" if self.has_cache else " (oci-push: no digest cache in this build)"),
                  "fresh": "3. re-push from a fresh runner (no local cache, blobs in the registry)",
                  "oci": "4. OCI layout with gzip layers, empty registry"}
        link_cases = [c for c in self.results if c.startswith("link-")]
        for c in link_cases:
            titles[c] = self.link_title(c)
        lines.append(f"{'case':<72} {'tool':<9} {'wall s':>8} {'cpu s':>8} {'user s':>8} {'sys s':>7} "
                     f"{'RSS MiB':>8} {'reg cpu':>8} {'load':>5}  runs (wall)")
        for case in ["cold", "warm", "fresh", "oci"] + link_cases:
            if case not in self.results:
                continue
            med = {}
            for tool in ("oci-push", "baseline", "skopeo", "curl"):
                runs = self.results[case].get(tool)
                if not runs:
                    continue
                m = {k: statistics.median(r[k] for r in runs)
                     for k in ("wall", "cpu", "user", "sys", "registry_cpu", "load1")}
                m["rss_mib"] = max(r["rss_mib"] for r in runs)
                med[tool] = m
                walls = " ".join(f"{r['wall']:.2f}" for r in runs)
                lines.append(f"{titles[case]:<72} {tool:<9} {m['wall']:8.2f} {m['cpu']:8.2f} {m['user']:8.2f} "
                             f"{m['sys']:7.2f} {m['rss_mib']:8.1f} {m['registry_cpu']:8.2f} {m['load1']:5.1f}  {walls}")
            if "oci-push" in med and "skopeo" in med and med["skopeo"]["wall"] > 0:
                ratio = med["oci-push"]["wall"] / med["skopeo"]["wall"]
                cpu_ratio = med["oci-push"]["cpu"] / med["skopeo"]["cpu"] if med["skopeo"]["cpu"] else float("nan")
                lines.append(f"{'':<72} {'ratio':<9} {ratio:8.3f} {cpu_ratio:8.3f}   (oci-push / skopeo, medians)")
            if "oci-push" in med and "baseline" in med and med["baseline"]["wall"] > 0:
                b = med["baseline"]
                lines.append(f"{'':<72} {'vs base':<9} {med['oci-push']['wall'] / b['wall']:8.3f} "
                             f"{med['oci-push']['cpu'] / b['cpu'] if b['cpu'] else float('nan'):8.3f}   "
                             f"(oci-push / baseline build, medians; RSS {med['oci-push']['rss_mib']:.1f} vs "
                             f"{b['rss_mib']:.1f} MiB)")
            if "curl" in med:
                for tool in ("oci-push", "skopeo"):
                    if tool in med:
                        lines.append(f"{'':<72} {tool + '/curl':<9} {med[tool]['wall'] / med['curl']['wall']:8.3f}"
                                     f"            (wall vs the registry's ingest ceiling)")
        lines.append("wall, cpu (user+sys of the tool), reg cpu (the registry's), load (1-min load average): medians "
                     "over the runs; RSS: the largest peak RSS of any run.")
        if link_cases:
            lines.append("")
            lines.append(f"{'link case':<72} {'tool':<9} {'up MB':>8} {'down MB':>8} {'conns':>6} {'share':>6} "
                         f"{'up/rate s':>9} {'proxy s':>8}")
            for case in link_cases:
                for tool in ("oci-push", "baseline", "skopeo"):
                    runs = self.results[case].get(tool)
                    if not runs:
                        continue
                    m = {k: statistics.median(r[k] for r in runs)
                         for k in ("link_up", "link_down", "link_connections", "link_share", "proxy_cpu")}
                    rate = runs[0]["link_rate_mb_s"]
                    ideal = m["link_up"] / (rate * 1e6) if rate else float("nan")
                    lines.append(f"{titles[case]:<72} {tool:<9} {m['link_up'] / 1e6:8.2f} {m['link_down'] / 1e6:8.2f} "
                                 f"{m['link_connections']:6.0f} {m['link_share'] * 100:5.1f}% {ideal:9.2f} "
                                 f"{m['proxy_cpu']:8.2f}")
            lines.append("up/down: bytes through the proxy each way (HTTP included; up is about the compressed blobs "
                         "of a cold push); conns: TCP connections the tool opened; share: up / (rate x wall); "
                         "up/rate: the wall the bytes alone need at the link's rate; proxy: its CPU; medians.")
        return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", help="docker-save tarball from make_image.py (cases cold, warm, fresh, link-bench)")
    ap.add_argument("--oci", help="OCI layout with gzip layers (make_image.py --oci); needed for case oci")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="cold,warm,fresh,oci")
    ap.add_argument("--oci-push", default=os.path.join(ROOT, "build", "oci-push"))
    ap.add_argument("--baseline", help="another oci-push binary (an earlier build) run in the same rotation")
    ap.add_argument("--workdir", default=None, help="where registries and caches live (default: $TMPDIR)")
    ap.add_argument("--out", help="write every run's figures as JSON here")
    ap.add_argument("--link-delay-ms", type=float, default=20, help="link cases: one-way delay (default 20)")
    ap.add_argument("--link-rate-mb-s", type=float, default=100,
                    help="link cases: MB/s per direction (default 100; 0: unlimited)")
    ap.add_argument("--link-single-rates", default=None,
                    help="link-single: comma-separated rates, e.g. 100,60 (default: --link-rate-mb-s)")
    ap.add_argument("--link-queue-kb", type=int, default=2048, help="link cases: the link's queue (KiB)")
    ap.add_argument("--link-window-kb", type=int, default=0,
                    help="link cases: per-connection window in flight (KiB; default 0: none)")
    ap.add_argument("--link-handshake", action="store_true",
                    help="link cases: one more RTT before each new connection's first bytes (TCP handshake)")
    ap.add_argument("--link-single-image", default="/tmp/bench-single.tar",
                    help="link-single's image (made if missing: make_image.py --layers 1 --size-mb 233)")
    ap.add_argument("--link-many-image", default="/tmp/bench-many.tar",
                    help="link-many-*'s image (made if missing: make_image.py --layers 120 --size-mb 3 "
                         "--max-file-kb 16)")
    args = ap.parse_args()
    cases = []
    for c in (c.strip() for c in args.cases.split(",")):
        cases += list(LINK_CASES) if c == "link" else [c] if c else []
    unknown = [c for c in cases if c not in ("cold", "warm", "fresh", "oci") + LINK_CASES]
    if unknown:
        ap.error(f"unknown case(s): {', '.join(unknown)}")
    args.link_single_rates = [float(x) for x in (args.link_single_rates or str(args.link_rate_mb_s)).split(",")]
    if any(c in cases for c in ("cold", "warm", "fresh", "link-bench")) and not args.image:
        ap.error("cases cold, warm, fresh and link-bench need --image")
    if os.geteuid() != 0:
        ap.error("needs root: skopeo's blob-info cache is isolated with unshare -m + a bind mount")
    if "oci" in cases and not args.oci:
        ap.error("case oci needs --oci DIR")

    b = Bench(args)
    print(f"oci-push: {b.ocipush} (digest cache: {'yes' if b.has_cache else 'no --no-cache in --help'}); "
          f"skopeo: {subprocess.run([SKOPEO, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"nproc {os.cpu_count()}; rounds {args.rounds}", flush=True)
    try:
        if "cold" in cases:
            b.case_cold()
        if "warm" in cases or "fresh" in cases:
            b.case_warm_and_fresh(cases)
        if "oci" in cases:
            b.case_oci()
        if any(c in LINK_CASES for c in cases):
            b.case_link(cases)
    finally:
        print()
        print(b.summary())
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"has_cache": b.has_cache, "rounds": args.rounds, "results": b.results,
                           "link": {"delay_ms": args.link_delay_ms, "rate_mb_s": args.link_rate_mb_s,
                                    "single_rates": args.link_single_rates, "queue_kb": args.link_queue_kb,
                                    "window_kb": args.link_window_kb, "handshake": args.link_handshake}},
                          f, indent=1)
        shutil.rmtree(b.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
