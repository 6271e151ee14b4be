#!/usr/bin/env bash
# Resumable uploads for docs/benchmarks.md (issue 19, item 5): a file of RESUMABLE_MB (256) MiB sent through the resumable
# API (POST /api/uploads, 4 MiB chunks with curl, RESUMABLE_PARALLEL (4) at a time, then complete) to `evidence serve` on
# the embedded default (SQLite + folder store, or Azurite when EVIDENCE_AZURE_BLOB is set), against a file of the same size
# as one multipart POST /api/evidence to the same server (the baseline, same run). Both end in the same ingest; the
# resumable path also writes every chunk to the store's upload area and reads it back once at completion.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mb="${RESUMABLE_MB:-256}"; parallel="${RESUMABLE_PARALLEL:-4}"
home="$work/resumable-home"; rm -rf "$home" "$work/resumable-chunks"; mkdir -p "$work/resumable-chunks"
"$root/evidence" help > /dev/null  # build outside the timing
token=$("$root/evidence" --home "$home" user add bench --role investigator --json | jq -r .token)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
"$root/evidence" --home "$home" serve --urls "http://127.0.0.1:$port" > "$work/resumable-serve.log" 2>&1 &
server=$!; trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/api/log/key" && break; sleep 0.2; done
url="http://127.0.0.1:$port"; auth="Authorization: Bearer $token"
head -c $((mb << 20)) /dev/urandom > "$work/resumable-multipart.bin"
head -c $((mb << 20)) /dev/urandom > "$work/resumable.bin"
split -b 4M -d -a 5 "$work/resumable.bin" "$work/resumable-chunks/"

multipart=$(seconds curl -sf -H "$auth" -F "file=@$work/resumable-multipart.bin" -F collector=Bench "$url/api/evidence")

resumable_upload() {
  local id
  id=$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"fileName\":\"r.bin\",\"size\":$((mb << 20)),\"collector\":\"Bench\"}" "$url/api/uploads" | jq -r .id)
  ls "$work/resumable-chunks" | xargs -P "$parallel" -I{} bash -c 'curl -sf -o /dev/null -X PUT -H "$1" --data-binary "@$2/$5" "$3/api/uploads/$4/chunks/$((10#$5))"' _ "$auth" "$work/resumable-chunks" "$url" "$id" {}
  curl -sf -X POST -H "$auth" "$url/api/uploads/$id/complete" | jq -e .sha256
}
resumable=$(seconds resumable_upload)
stored=$(sqlite3 "$home/evidence.db" "SELECT count(*) FROM evidence_items" 2>/dev/null || echo "?")

echo "one file of $mb MiB to evidence serve on loopback ($( [ -n "${EVIDENCE_AZURE_BLOB:-}" ] && echo Azure store || echo folder store)); items stored $stored"
echo "resumable (4 MiB chunks, $parallel at a time): ${resumable}s = $(echo "$mb / $resumable" | bc -l | awk '{printf "%.0f", $1}') MiB/s"
echo "multipart POST (baseline): ${multipart}s = $(echo "$mb / $multipart" | bc -l | awk '{printf "%.0f", $1}') MiB/s"
echo "resumable/multipart throughput ratio $(ratio "$multipart" "$resumable")"
rm -rf "$work/resumable-chunks" "$work/resumable.bin" "$work/resumable-multipart.bin"
