#!/usr/bin/env bash
# Hash + compress throughput of oci-push at 1, 2, 4, 8, 16 compression threads, and the layer digests at
# each: they must be the same at every thread count and on every machine given the same image bytes.
#
#   bench/scaling.sh [IMAGE.tar]          (default: a synthetic image, the same bytes on every machine)
#   THREADS="1 2" EXPECT=digests.txt bench/scaling.sh
#
# MB/s is uncompressed layer bytes per second of wall time; MB/cpu-s per CPU-second (all threads).
# Each run is `oci-push --dry-run --json --threads N` against an empty docker-registry on loopback (the
# dry run reads, hashes and compresses every layer and uploads nothing), with an empty XDG_CACHE_HOME and
# --no-cache where the build has it. Prints, per thread count: wall, CPU, MB/s of uncompressed layer
# bytes, then the digests; exits 1 if they differ between thread counts or from EXPECT (a file of
# "diffId digest" lines, as this script writes to $OUT_DIGESTS, default $TMPDIR/oci-push-scaling-digests.txt;
# docs/scaling-digests-500mb.txt holds those of the SIZE_MB=500 synthetic image).
# Needs: build/oci-push (Release), docker-registry, /usr/bin/time, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
ocipush=${OCI_PUSH:-$root/build/oci-push}
threads=${THREADS:-1 2 4 8 16}
work=$(mktemp -d "${TMPDIR:-/tmp}/oci-push-scaling.XXXXXX")
reg_pid=""
cleanup() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

image=${1:-}
if [ -z "$image" ]; then
  image=$work/synthetic.tar
  /usr/bin/python3 "$here/make_image.py" "$image" --synthetic --size-mb "${SIZE_MB:-1000}" >&2
fi
layer_bytes=$("$ocipush" inspect --json "$image" | /usr/bin/python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        if "diffId" in o or "diff_id" in o: yield int(o.get("size", 0))
        for v in o.values(): yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
print(sum(walk(json.load(sys.stdin))))' 2>/dev/null || stat -c %s "$image")

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: 127.0.0.1:$port, secret: scaling}
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

no_cache=""
"$ocipush" --help | grep -q -- --no-cache && no_cache=--no-cache
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $("$ocipush" --version)"
echo "image: $image ($layer_bytes bytes of layers)"
printf '%8s %9s %9s %9s %11s\n' threads "wall s" "cpu s" "MB/s" "MB/cpu-s"
first=""
status=0
for t in $threads; do
  rm -rf "$work/xdg"
  XDG_CACHE_HOME=$work/xdg /usr/bin/time -f "%e %U %S" -o "$work/time" \
    "$ocipush" --dry-run --json -q --plain-http $no_cache --threads "$t" "$image" \
    "127.0.0.1:$port/scaling/image:latest" >"$work/out.json"
  read -r wall user sys <"$work/time"
  /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for l in d["layers"]: print(l.get("diffId", "-"), l["digest"])' "$work/out.json" >"$work/digests.$t"
  cpu=$(echo "$user + $sys" | bc)
  printf '%8s %9.2f %9.2f %9.0f %11.0f\n' "$t" "$wall" "$cpu" \
    "$(echo "$layer_bytes / $wall / 1000000" | bc -l)" "$(echo "$layer_bytes / $cpu / 1000000" | bc -l)"
  if [ -z "$first" ]; then first=$t
  elif ! cmp -s "$work/digests.$first" "$work/digests.$t"; then
    echo "DIGESTS DIFFER between $first and $t threads" >&2; status=1
  fi
done
echo "layer digests (diffId -> gzip digest):"
cat "$work/digests.$first"
out_digests=${OUT_DIGESTS:-${TMPDIR:-/tmp}/oci-push-scaling-digests.txt}
cp "$work/digests.$first" "$out_digests"
echo "digests written to $out_digests"
if [ -n "${EXPECT:-}" ]; then
  if cmp -s "$EXPECT" "$work/digests.$first"; then echo "digests equal those in $EXPECT"
  else echo "DIGESTS DIFFER from $EXPECT" >&2; status=1; fi
fi
exit $status
