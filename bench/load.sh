#!/usr/bin/env bash
# Web load for docs/benchmarks.md (issue 6): LOAD_CLIENTS (50) clients on loopback each uploading 1 MiB files, one
# after another, for LOAD_SECONDS (30), to `evidence serve` on the embedded default (SQLite + folder store); then the
# same clients against a bare Kestrel endpoint that hashes and fsyncs the same uploads (the baseline, same run).
# Prints requests per second, p50/p99 latency and errors for both, their ratio, and whether `verify` is clean after.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
clients="${LOAD_CLIENTS:-50}"; seconds="${LOAD_SECONDS:-30}"; size=$((1 << 20))
home="$work/load-home"; rm -rf "$home" "$work/load-baseline"
"$root/evidence" help > /dev/null  # build outside the timing
token=$("$root/evidence" --home "$home" user add load --role investigator --json | jq -r .token)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
"$root/evidence" --home "$home" serve --urls "http://127.0.0.1:$port" > "$work/load-serve.log" 2>&1 &
server=$!; trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/api/log/key" && break; sleep 0.2; done

read -r n t rps p50 p99 errors answered < <(bench load "http://127.0.0.1:$port" "$token" "$clients" "$seconds" "$size")
kill $server; wait $server 2>/dev/null || true
read -r bn bt brps bp50 bp99 berrors _ < <(bench load-baseline "$work/load-baseline" "$clients" "$seconds" "$size")
stored=$(sqlite3 "$home/evidence.db" "SELECT count(*) FROM evidence_items" 2>/dev/null || echo "?")
if "$root/evidence" --home "$home" --role auditor verify > "$work/load-verify.log"; then verify=clean; else verify="NOT clean (see $work/load-verify.log)"; fi

echo "$clients clients x 1 MiB uploads for ${seconds}s on loopback, embedded default (SQLite + folder store)"
echo "evidence serve: $n uploads in ${t}s = $rps req/s ($(echo "$rps" | awk '{printf "%.1f", $1}') MiB/s), p50 ${p50} ms, p99 ${p99} ms, errors $errors; answered $answered (warm-up included), items stored $stored; verify $verify"
echo "bare Kestrel hash+fsync: $bn uploads in ${bt}s = $brps req/s, p50 ${bp50} ms, p99 ${bp99} ms, errors $berrors"
echo "evidence/bare throughput ratio $(ratio "$rps" "$brps"); p99 ratio $(ratio "$p99" "$bp99")"
rm -rf "$work/load-baseline"
