#!/usr/bin/env bash
# Tagging many items to one incident, for docs/benchmarks.md: one `tag --search` command for N items, against one `tag`
# command per item (timed on a sample and scaled to N), on the same fresh home, through the real CLI (./evidence).
#   bench/tag-many.sh [items] [sample]     default 300 items, 20 single-item commands timed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
count="${1:-300}"
sample="${2:-20}"
home="$work/tag-home"
files="$work/tag-files-$count"
rm -rf "$home" "$files"
mkdir -p "$files"
for i in $(seq 1 "$count"); do echo "bus photo $i" > "$files/bus-$i.txt"; done
ev() { "$root/evidence" --home "$home" "$@"; }
ev ingest "$files" --collector "Bench" > /dev/null
incident=$(ev incident add --title "Transfer" --kind deportation --from 2022-10 --place Kherson --article "8(2)(a)(vii)-1" --json | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
ids=$(ev search bus --limit "$count" --json | grep -o '"id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
start=$(now)
for id in $(echo "$ids" | head -n "$sample"); do ev tag "$id" --incident "$incident" > /dev/null; done
single=$(echo "($(now) - $start) / $sample" | bc -l)
many=$(seconds ev tag --search bus --incident "$incident" --note "one step")
echo "tag $count items: one command ${many}s; one command per item $(printf '%.2f' "$single")s each ($sample timed), $(printf '%.1f' "$(echo "$single * $count" | bc -l)")s for $count -> ratio $(echo "scale=4; $many / ($single * $count)" | bc -l)"
rm -rf "$home" "$files"
