#!/usr/bin/python3
"""The most a registry on this machine takes in through the link: every layer of an OCI layout uploaded
at once by plain curl (POST, one PATCH of the whole blob, PUT ?digest=), no manifest, no ping, no
existence checks, into a fresh docker-registry behind bench/link_proxy.py. What oci-push's pushes and
copies through the same link can be held to: a share of the link that curl cannot reach is this
machine's (the registry, the proxy and the tools share its cores), not the tool's.

    bench/upload_ceiling.py LAYOUT [--rounds 3] [--link-delay-ms 20] [--link-rate-mb-s 100]

Prints per round the wall from the first POST to the last PUT's answer, the bytes the link carried up,
the share: bytes / (rate x wall), and the slowest blob's three requests; then the median share. Every PUT
must answer 201 (checked).
Debian's /usr/bin/python3, standard library, curl.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import Registry  # noqa: E402  (bench/run.py)
from link_proxy import LinkProxy  # noqa: E402


def layer_blobs(layout: str) -> list[tuple[str, str]]:
    """(digest, path) of the first image's layers."""
    index = json.load(open(os.path.join(layout, "index.json")))
    blob = lambda d: os.path.join(layout, "blobs", *d.split(":", 1))  # noqa: E731
    manifest = json.load(open(blob(index["manifests"][0]["digest"])))
    return [(l["digest"], blob(l["digest"])) for l in manifest["layers"]]


def location(host: str, curl_args: list[str]) -> str:
    out = subprocess.run(["curl", "-sS", "-i", *curl_args], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(?im)^location: *(\S+)", out)
    if not found:
        raise RuntimeError(f"no Location in the answer to curl {' '.join(curl_args)}: {out[:200]}")
    url = found.group(1)
    return f"http://{host}{url}" if url.startswith("/") else url


def upload(host: str, digest: str, path: str, codes: list[str], steps: list[tuple[float, float, float]]) -> None:
    t0 = time.monotonic()
    url = location(host, ["-X", "POST", f"http://{host}/v2/bench/blobs/uploads/"])
    t1 = time.monotonic()
    # Without "Expect: 100-continue" (curl's default for big bodies): it would add a round trip oci-push
    # does not pay.
    url = location(host, ["-X", "PATCH", "-H", "Content-Type: application/octet-stream", "-H", "Expect:",
                          "--data-binary", f"@{path}", url])
    t2 = time.monotonic()
    put = url + ("&" if "?" in url else "?") + "digest=" + digest
    codes.append(subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", put],
                                capture_output=True, text=True).stdout)
    steps.append((t1 - t0, t2 - t1, time.monotonic() - t2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layout")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--link-delay-ms", type=float, default=20)
    ap.add_argument("--link-rate-mb-s", type=float, default=100)
    a = ap.parse_args()
    blobs = layer_blobs(a.layout)
    shares = []
    work = tempfile.mkdtemp(prefix="upload-ceiling-")
    try:
        for rnd in range(a.rounds):
            with Registry(os.path.join(work, f"registry-{rnd}")) as reg, \
                    LinkProxy(reg.port, delay_ms=a.link_delay_ms, rate_mb_s=a.link_rate_mb_s) as link:
                codes: list[str] = []
                steps: list[tuple[float, float, float]] = []
                start = time.monotonic()
                threads = [threading.Thread(target=upload, args=(link.host, d, p, codes, steps)) for d, p in blobs]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                wall = time.monotonic() - start
                if codes != ["201"] * len(blobs):
                    print(f"round {rnd + 1}: the PUTs answered {codes}, not all 201", file=sys.stderr)
                    return 1
                up = link.stats()["up"]
                shares.append(up / (a.link_rate_mb_s * 1e6 * wall))
                post, patch, put = max(steps, key=lambda s: sum(s))
                print(f"round {rnd + 1}: {len(blobs)} blobs at once, {up / 1e6:.1f} MB up in {wall:.2f} s, "
                      f"share {shares[-1] * 100:.1f}%; the slowest blob: POST {post:.3f} s, PATCH {patch:.3f} s, "
                      f"PUT {put:.3f} s (curl processes included)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"median share {statistics.median(shares) * 100:.1f}% of {a.link_rate_mb_s:g} MB/s, "
          f"{a.link_delay_ms:g} ms each way ({a.rounds} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
