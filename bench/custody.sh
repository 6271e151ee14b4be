#!/usr/bin/env bash
# Issue 19's benchmarks (docs/benchmarks.md), every figure a ratio to a baseline timed in this same run:
#   1. 10,000 files of 10 KiB through `./evidence ingest FOLDER`, start-up included, against `cp -r` + `sync` + `sha256sum`
#      of the same folder (what the command does at its core: copy durably, hash);
#   2. `./evidence case add` against `./evidence help` (median of 5 each: process start, open the home, one request), served by
#      the home's resident process (docs/decisions/0005-resident-process.md), and for reference in its own process
#      (EVIDENCE_RESIDENT=off: what the first command in a while, or one run beside another, takes);
#   3. then, in the same run, bench/load.sh (50 clients x 1 MiB against the bare endpoint), bench/servers.sh (two app servers
#      on PostgreSQL against one), bench/ledger.sh (proofs at 1,000,000 events) and bench/package.sh.
# CUSTODY_FILES (10000) sets the folder's size; CUSTODY_ONLY=1 skips step 3.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
files="${CUSTODY_FILES:-10000}"
folder="$work/custody-$files"
if [ ! -d "$folder" ]; then
  mkdir -p "$folder"; openssl rand -out "$work/custody.bin" $((files * 10240)); (cd "$folder" && split -b 10240 -a 5 -d "$work/custody.bin" f); rm "$work/custody.bin"
fi
"$root/evidence" help > /dev/null  # build outside the timing

echo "## $files files of 10 KiB through the command line"
# Every timed run writes into a folder of its own, and everything is deleted once, a minute before the first: on this
# machine's ext4 (no journal) a new inode is slower to allocate while recently freed inodes may still be written back (the
# kernel's `recently_deleted` check, up to dirty_expire_centisecs plus 5 s: 35 s here), and deleting 10,000 files right
# before a timed run charged seconds of it to whichever side came next (docs/benchmarks.md, issue 19).
rm -rf "$work"/custody-copy* "$work"/custody-home*; sync; sleep 61
base=(); ing=()
for r in 1 2 3; do
  sync; s=$(now); cp -r "$folder" "$work/custody-copy-$r"; sync; (cd "$work/custody-copy-$r" && find . -type f -print0 | xargs -0 sha256sum > /dev/null); base+=("$(echo "$(now) - $s" | bc)")
  # A first command in a fresh home runs in its own process whatever the switch (off here: bench/common.sh).
  sync; s=$(now); "$root/evidence" --home "$work/custody-home-$r" ingest "$folder" --collector bench > /dev/null; ing+=("$(echo "$(now) - $s" | bc)")
done
home="$work/custody-home-3"
b=$(echo "${base[*]}" | median); i=$(echo "${ing[*]}" | median)
items=$(sqlite3 "$home/evidence.db" "SELECT count(*) FROM evidence_items" 2>/dev/null || echo "?")
checkpoints=$(sqlite3 "$home/evidence.db" "SELECT count(*) FROM checkpoints" 2>/dev/null || echo "?")
if "$root/evidence" --home "$home" verify > "$work/custody-verify.log"; then verify=clean; else verify="NOT clean (see $work/custody-verify.log)"; fi
echo "evidence ingest ${i}s ($(echo "$files / $i" | bc) items/s; $items items under $checkpoints checkpoints; verify $verify), cp -r + sync + sha256sum ${b}s -> ratio $(ratio "$i" "$b") (goal <= 5)"

echo "## Start-up"
own=(); add=(); help=()
for _ in 1 2 3 4 5; do
  help+=("$(seconds "$root/evidence" help)")
  own+=("$(seconds "$root/evidence" --home "$home" case add --title startup)")
done
# One command in its own process starts the home's resident; it warms up (a second or so) before the first timed command.
export EVIDENCE_RESIDENT=on
"$root/evidence" --home "$home" case add --title "start the resident" > /dev/null; sleep 5
for _ in 1 2 3 4 5; do
  help+=("$(seconds "$root/evidence" help)")
  add+=("$(seconds "$root/evidence" --home "$home" case add --title startup)")
done
a=$(echo "${add[*]}" | median); o=$(echo "${own[*]}" | median); h=$(echo "${help[*]}" | median)
echo "./evidence case add ${a}s (served by the resident; in its own process ${o}s -> $(ratio "$o" "$h")), ./evidence help ${h}s -> ratio $(ratio "$a" "$h") (goal <= 5)"
# Only the home the resident serves (it stops within seconds); the other folders wait for the next run's one delete, so that
# the steps below do not start right after 50,000 files were deleted.
rm -rf "$home"
export EVIDENCE_RESIDENT=off

if [ "${CUSTODY_ONLY:-0}" != 1 ]; then
  echo "## Web: 50 clients x 1 MiB against the bare endpoint"; LOAD_CLIENTS=50 bash "$root/bench/load.sh"
  echo "## Two app servers on PostgreSQL against one"; LOAD_CLIENTS=50 bash "$root/bench/servers.sh"
  echo "## Proofs"; bash "$root/bench/ledger.sh" proofs
  echo "## Packages"; bash "$root/bench/package.sh"
fi
