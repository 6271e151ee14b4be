#!/usr/bin/env bash
# Ledger benchmarks for docs/benchmarks.md, each against a baseline timed in the same run.
#   appends:  100,000 events with a checkpoint every 1,000, against bare SQLite inserts of the same leaves
#   proofs:   median inclusion and consistency proof at 1,000,000 events, against one indexed event read
#   verify:   `evidence verify` over 1 GiB of blobs (16 files of 64 MiB), against the same verify of the blobs in clear and `openssl dgst -sha256` over
#             the same blob files one after another (median of 3; files in the page cache for both)
#   records:  `evidence verify` on 100,000 events that all stand for rows (50,000 items, 50,000 tags), against
#             reading every leaf, hashing it and building the root in the same process
#   bench/ledger.sh [appends|proofs|verify|records]   one section only
set -euo pipefail
only="${1:-all}"
run() { [ "$only" = all ] || [ "$only" = "$1" ]; }
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if run appends; then
echo "## Appends"
rm -rf "$work/ledger"; read -r t b n < <(bench ledger-append "$work/ledger" 100000 1000)
echo "100,000 events, checkpoint every 1,000: ${t}s ($(echo "$n / $t" | bc) events/s); bare SQLite inserts ${b}s -> ratio $(ratio "$t" "$b")"

fi
if run proofs; then
echo "## Proofs at 1,000,000 events"
# Written straight into the tables (events, subtree hashes, one checkpoint): appending a million takes minutes.
rm -rf "$work/ledger"; read -r t n < <(bench ledger-fill "$work/ledger" 1000000)
echo "(wrote $n events into the tables in ${t}s)"
read -r size inc con look open < <(bench ledger-proofs "$work/ledger" 1000)
echo "size $size: inclusion ${inc} us, consistency ${con} us (median of 1000; one query of the stored subtree hashes each); one event read ${look} us -> ratios $(ratio "$inc" "$look"), $(ratio "$con" "$look"); opening the database file once ${open} us"
rm -rf "$work/ledger"

fi
if run verify; then
echo "## Verify over 1 GiB"
files="$work/verify-files"; if [ ! -d "$files" ]; then mkdir -p "$files"; for i in $(seq -w 1 16); do openssl rand -out "$files/f$i.bin" $((64 << 20)); done; fi
rm -rf "$work/vhome"; bench ingest "$files" "$work/vhome" > /dev/null
blobs=$(find "$work/vhome/blobs/sha256" -type f | sort)
# The same home with every blob put back in clear: verify as it ran before encryption at rest (issue 20's baseline).
rm -rf "$work/vclear"; cp -a "$work/vhome" "$work/vclear"; bench blobs-in-clear "$work/vclear"
v_t=(); s_t=(); c_t=()
for _ in 1 2 3; do
  read -r v _ < <(bench verify "$work/vhome"); v_t+=("$v")
  read -r c _ < <(bench verify-clear "$work/vclear"); c_t+=("$c")
  s=$(now); for f in $blobs; do openssl dgst -sha256 "$f" > /dev/null; done; s_t+=("$(echo "$(now) - $s" | bc)")
done
v_m=$(echo "${v_t[*]}" | median); s_m=$(echo "${s_t[*]}" | median); c_m=$(echo "${c_t[*]}" | median)
echo "verify ${v_m}s, openssl dgst -sha256 one after another ${s_m}s -> ratio $(ratio "$v_m" "$s_m") on $(nproc) cores"
echo "verify decrypting ${v_m}s, verify of the same blobs in clear ${c_m}s -> ratio $(ratio "$v_m" "$c_m") (goal <= 1.2)"
rm -rf "$work/vhome" "$work/vclear"
fi
if run records; then
echo "## Verify on 100,000 events"
rm -rf "$work/records"; read -r n < <(bench ledger-records "$work/records" 50000)
read -r v t e < <(bench verify-ledger "$work/records")
echo "$e events: verify ${v}s, rebuilding the tree alone ${t}s -> ratio $(ratio "$v" "$t")"
rm -rf "$work/records"
fi
