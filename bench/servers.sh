#!/usr/bin/env bash
# Issue 7's load (docs/benchmarks.md): ingest throughput with one and with two `evidence serve` processes on
# PostgreSQL + Azurite, the same client load (LOAD_CLIENTS, default 20, uploading 1 MiB files for LOAD_SECONDS,
# default 30), and the ratio between them; p99; then lost or duplicated items (answered uploads vs recorded items)
# and `verify`. Starts its own throw-away PostgreSQL cluster and Azurite on loopback (as ./test.sh does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
clients="${LOAD_CLIENTS:-20}"; seconds="${LOAD_SECONDS:-30}"; size=$((1 << 20))
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }
"$root/evidence" help > /dev/null  # build outside the timing

pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
pgdata="$(mktemp -d /tmp/evidence-bench-pg.XXXXXX)"; as_pg=""; if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; as_pg="runuser -u postgres --"; fi
pgport=$(free_port)
$as_pg "$pgbin/initdb" -D "$pgdata/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > /dev/null
$as_pg "$pgbin/pg_ctl" -D "$pgdata/data" -l "$pgdata/server.log" -w -o "-h 127.0.0.1 -p $pgport -k $pgdata -c max_connections=200" start > /dev/null
azurite="$root/.tools/azurite/node_modules/.bin/azurite-blob"
[ -x "$azurite" ] || npm install --prefix "$root/.tools/azurite" --no-save --no-audit --no-fund --loglevel=error "azurite@$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$root/azurite.json")" > /dev/null
aport=$(free_port); rm -rf "$work/servers-azurite"
"$azurite" --blobHost 127.0.0.1 --blobPort "$aport" --location "$work/servers-azurite" --skipApiVersionCheck --loose --silent &
apid=$!
pids=()
cleanup() { kill "${pids[@]}" $apid 2>/dev/null || true; $as_pg "$pgbin/pg_ctl" -D "$pgdata/data" -m immediate stop > /dev/null 2>&1 || true; rm -rf "$pgdata" "$work/servers-azurite"; }
trap cleanup EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$aport") 2>/dev/null && break; sleep 0.2; done
key=$(node -e 'process.stdout.write(require(process.argv[1]).accountKey)' "$root/azurite.json")
export EVIDENCE_AZURE_BLOB="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$aport/devstoreaccount1;"

run() { # run NAME SERVERS: a fresh database and container, SERVERS serve processes, the load, then the checks
  local name=$1 count=$2 urls=() home="$work/servers-home-$1"
  rm -rf "$home"
  "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -q -c "CREATE DATABASE $name"
  export EVIDENCE_DB="postgres://postgres@127.0.0.1:$pgport/$name" EVIDENCE_AZURE_CONTAINER="$name"
  local token; token=$("$root/evidence" --home "$home" user add load --role investigator --json | jq -r .token)
  pids=()
  for _ in $(seq "$count"); do
    local port; port=$(free_port)
    "$root/evidence" --home "$home" serve --urls "http://127.0.0.1:$port" > "$work/servers-$name-$port.log" 2>&1 &
    pids+=($!); urls+=("http://127.0.0.1:$port")
    for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$port/api/log/key" && break; sleep 0.2; done
  done
  read -r n t rps p50 p99 errors answered < <(bench load "$(IFS=,; echo "${urls[*]}")" "$token" "$clients" "$seconds" "$size")
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=()
  local stored; stored=$("$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d "$name" -tA -c "SELECT count(*) FROM evidence_items")
  local verify=clean; "$root/evidence" --home "$home" --role auditor verify > "$work/servers-$name-verify.log" || verify="NOT clean"
  echo "$rps $p50 $p99 $errors $answered $stored $verify"
}

read -r rps1 p50_1 p99_1 e1 n1 s1 v1 < <(run one 1)
read -r rps2 p50_2 p99_2 e2 n2 s2 v2 < <(run two 2)
echo "$clients clients x 1 MiB uploads for ${seconds}s, PostgreSQL + Azurite on loopback"
echo "one server:  $rps1 req/s, p50 ${p50_1} ms, p99 ${p99_1} ms, errors $e1; answered $n1 (warm-up included), recorded $s1; verify $v1"
echo "two servers: $rps2 req/s, p50 ${p50_2} ms, p99 ${p99_2} ms, errors $e2; answered $n2 (warm-up included), recorded $s2; verify $v2"
echo "two/one throughput ratio $(ratio "$rps2" "$rps1")"
