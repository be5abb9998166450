#!/usr/bin/env bash
# The registry's own ingest ceiling: every blob of an OCI layout uploaded as fast as plain curl can, all
# at once, each as POST (start a session) + one streamed PUT ?digest= of the whole file (no chunking,
# no hashing or reading on the client beyond the file itself).
#   bench/curl_ceiling.sh HOST:PORT REPO LAYOUT_DIR
set -euo pipefail
host=$1 repo=$2 layout=$3
upload() {
  local blob=$1 hex location
  hex=$(basename "$blob")
  location=$(curl -sS -f -X POST -o /dev/null -D - "http://$host/v2/$repo/blobs/uploads/" \
    | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  case "$location" in http*) ;; *) location="http://$host$location" ;; esac
  case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -sS -f -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' -T "$blob" \
    "$location${sep}digest=sha256:$hex"
}
pids=()
for blob in "$layout"/blobs/sha256/*; do
  upload "$blob" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
