#!/usr/bin/env bash
# What reading a file's own provenance (EXIF/XMP/QuickTime, C2PA) costs at intake, for docs/benchmarks.md: the time to
# read it from every file, against the time to ingest the same files, in the same run (in-process, after start-up).
#   bench/provenance.sh [photos]     default 2,000 photos (copies of a real camera JPEG and a C2PA-signed one) and a 1 GiB video
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
count="${1:-2000}"
photos="$work/photos-$count"
if [ ! -d "$photos" ]; then
  mkdir -p "$photos"
  for i in $(seq 1 "$count"); do
    # Each copy unique (a trailing byte after the JPEG's end), so each is stored and read as its own file.
    src="$root/tests/Evidence.Tests/TestData/provenance/$([ $((i % 2)) -eq 0 ] && echo P1000827.jpg || echo C.jpg)"
    { cat "$src"; printf '%08d' "$i"; } > "$photos/photo-$i.jpg"
  done
fi
video="$work/video-1g.mp4"
if [ ! -f "$video" ]; then
  # An MP4's first box (ftyp) then 1 GiB of random data in one mdat box: the reader must find its way past it.
  { printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2'; printf '\x00\x00\x00\x01mdat'; printf '%016x' $(( (1 << 30) + 16 )) | xxd -r -p; openssl rand $((1 << 30)); } > "$video"
fi
for workload in "$photos" "$video"; do
  rm -rf "$work/home"; sync
  read -r ingest n _ _ < <(bench ingest "$workload" "$work/home")
  read -r read_t _ < <(bench provenance "$workload")
  echo "$(basename "$workload") ($n files): ingest ${ingest}s, provenance read alone ${read_t}s -> share of ingest $(ratio "$read_t" "$ingest")"
done
rm -rf "$work/home"
