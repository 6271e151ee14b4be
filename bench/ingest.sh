#!/usr/bin/env bash
# Ingest benchmarks for docs/benchmarks.md, every figure a ratio to a baseline timed in this same run.
#   bench/ingest.sh            1 GiB and 4 GiB files, 10,000 files of 10 KiB; folder store and Azurite
# Each timing is the median of 3 runs, with `sync` before each so earlier writes do not bill the next.
# Ingest times are measured in-process (bench/Evidence.Bench) after start-up; the CLI's start-up is
# reported on its own line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mib() { echo "$1 / 1048576" | bc; }

big="$work/file-1g.bin"; [ -f "$big" ] || openssl rand -out "$big" $((1 << 30))
small="$work/small"; if [ ! -d "$small" ]; then mkdir -p "$small"; openssl rand -out "$work/small.bin" 102400000; (cd "$small" && split -b 10240 -a 4 -d "$work/small.bin" f); rm "$work/small.bin"; fi

echo "## Folder store (embedded default)"
cp_t=(); ssl_t=(); ing_t=(); rss=0
for i in 1 2 3; do
  rm -f "$work/copy.bin"; cp_t+=("$(seconds cp "$big" "$work/copy.bin")"); rm -f "$work/copy.bin"
  ssl_t+=("$(seconds openssl dgst -sha256 "$big")")
  rm -rf "$work/home"; sync; read -r t _ _ r < <(bench ingest "$big" "$work/home"); ing_t+=("$t"); rss=$r
done
cp_m=$(echo "${cp_t[*]}" | median); ssl_m=$(echo "${ssl_t[*]}" | median); ing_m=$(echo "${ing_t[*]}" | median)
echo "1 GiB file: ingest ${ing_m}s, cp ${cp_m}s, openssl dgst -sha256 ${ssl_m}s -> ingest/cp $(ratio "$ing_m" "$cp_m"), ingest/openssl $(ratio "$ing_m" "$ssl_m"); peak RSS $(mib "$rss") MiB"

big4="$work/file-4g.bin"; [ -f "$big4" ] || for _ in 1 2 3 4; do openssl rand $((1 << 30)) >> "$big4"; done
rm -rf "$work/home"; sync; read -r t4 _ _ r4 < <(bench ingest "$big4" "$work/home")
rm -f "$work/copy.bin"; c4=$(seconds cp "$big4" "$work/copy.bin"); rm -f "$work/copy.bin"
echo "4 GiB file: ingest ${t4}s, cp ${c4}s -> ingest/cp $(ratio "$t4" "$c4"); peak RSS $(mib "$r4") MiB"
rm -rf "$work/home"

rm -rf "$work/small-copy"; cpr=$(seconds cp -r "$small" "$work/small-copy"); rm -rf "$work/small-copy"
rm -rf "$work/home"; sync; read -r ts n _ _ < <(bench ingest "$small" "$work/home")
echo "10,000 files of 10 KiB: ingest ${ts}s ($(echo "$n / $ts" | bc) items/s), cp -r ${cpr}s -> ingest/cp-r $(ratio "$ts" "$cpr")"
rm -rf "$work/home"

"$root/evidence" help > /dev/null  # build outside the timing
start=$(seconds "$root/evidence" --home "$work/home" case add --title startup)
echo "CLI start-up (process start, migrations check, one request): ${start}s"
rm -rf "$work/home"

echo "## Azurite (azurite.json's version, on loopback)"
azurite="$root/.tools/azurite/node_modules/.bin/azurite-blob"
[ -x "$azurite" ] || npm install --prefix "$root/.tools/azurite" --no-save --no-audit --no-fund --loglevel=error "azurite@$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$root/azurite.json")" > /dev/null
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
rm -rf "$work/azurite"; "$azurite" --blobHost 127.0.0.1 --blobPort "$port" --location "$work/azurite" --skipApiVersionCheck --loose --silent &
apid=$!; trap 'kill $apid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$(node -e 'process.stdout.write(require(process.argv[1]).accountKey)' "$root/azurite.json");BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
read -r ub _ _ _ < <(bench upload "$big" "$conn")
rm -rf "$work/home"; read -r ib _ _ rb < <(bench ingest "$big" "$work/home" "$conn")
echo "1 GiB file: ingest ${ib}s, bare Azure.Storage.Blobs upload ${ub}s -> ratio $(ratio "$ib" "$ub"); peak RSS $(mib "$rb") MiB"
read -r us _ _ _ < <(bench upload "$small" "$conn")
rm -rf "$work/home"; read -r is n _ _ < <(bench ingest "$small" "$work/home" "$conn")
echo "10,000 files of 10 KiB: ingest ${is}s ($(echo "$n / $is" | bc) items/s), bare upload ${us}s -> ratio $(ratio "$is" "$us")"
rm -rf "$work/home" "$work/azurite"
