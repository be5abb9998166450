#!/usr/bin/python3
"""Wall time of a push through bench/link_proxy.py (20 ms each way) at each --chunk-size, 3 alternating runs.

    bench/request_size.py BUILD/oci-push IMAGE.tar [RATE_MB_S]      (docs/benchmarks.md, "Request size")
"""
import os, sys, subprocess, tempfile, time, statistics, shutil
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE); sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from link_proxy import LinkProxy
from harness.registry import Registry
binary = sys.argv[1]; image = sys.argv[2]; rate = float(sys.argv[3]) if len(sys.argv) > 3 else 100
sizes = ["8MiB", "32MiB", "128MiB", "1GiB"]
res = {s: [] for s in sizes}
for rnd in range(3):
    for s in (sizes if rnd % 2 == 0 else list(reversed(sizes))):
        d = tempfile.mkdtemp()
        with Registry(os.path.join(d, "r")) as reg, LinkProxy(reg.port, delay_ms=20, rate_mb_s=rate) as px:
            env = dict(os.environ, XDG_CACHE_HOME=os.path.join(d, "xdg"))
            t = time.monotonic()
            p = subprocess.run([binary, "-q", "--plain-http", "--chunk-size", s, image, f"{px.host}/b/x:1"], env=env, capture_output=True, text=True)
            w = time.monotonic() - t
            assert p.returncode == 0, p.stderr
            res[s].append(w)
        shutil.rmtree(d)
        print(s, f"{w:.2f}", flush=True)
for s in sizes: print("median", s, f"{statistics.median(res[s]):.2f}", res[s])
