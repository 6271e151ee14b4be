#!/usr/bin/env bash
# Referral package benchmarks for docs/benchmarks.md (issue 5), each a ratio to a baseline timed in this same run:
#   build  1,000 files of 1 MiB (1 GiB) into a signed BagIt zip  vs  `zip -0 -r` of the same files
#   verify that package offline (every hash, both signatures, every proof)  vs  `sha256sum -c` over the extracted manifest
# Timings are medians of 3 runs with `sync` before each; in-process times exclude start-up (bench/Evidence.Bench).
# Setting up (ingesting and tagging 1,000 files) is not timed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mib() { echo "$1 / 1048576" | bc; }
files="${PACKAGE_FILES:-1000}"

src="$work/package-src-$files"
if [ ! -d "$src" ]; then
  mkdir -p "$src"
  openssl rand -out "$work/package.bin" $((files << 20))
  (cd "$src" && split -b 1048576 -a 4 -d "$work/package.bin" item-)
  rm "$work/package.bin"
fi
home="$work/package-home"; rm -rf "$home"
incident=$(bench package-setup "$src" "$home")

build_t=(); zip_t=(); verify_t=(); sum_t=(); rss_b=0; rss_v=0
for i in 1 2 3; do
  rm -f "$work/p.zip" "$work/z.zip"; sync
  read -r t bytes r < <(bench package-build "$home" "$incident" "$work/p.zip"); build_t+=("$t"); rss_b=$r
  zip_t+=("$(cd "$src/.." && seconds zip -0 -q -r "$work/z.zip" "$(basename "$src")")")
  sync; read -r v _ rv < <(bench package-verify "$work/p.zip" "$home"); verify_t+=("$v"); rss_v=$rv
  rm -rf "$work/unzipped"; unzip -q "$work/p.zip" -d "$work/unzipped"; bag=$(ls -d "$work/unzipped"/*)
  sum_t+=("$(cd "$bag" && seconds sha256sum --quiet -c manifest-sha256.txt)")
done
b=$(echo "${build_t[*]}" | median); z=$(echo "${zip_t[*]}" | median); v=$(echo "${verify_t[*]}" | median); s=$(echo "${sum_t[*]}" | median)
echo "build $files files ($(mib "$bytes") MiB package): ${b}s, zip -0 -r ${z}s -> build/zip $(ratio "$b" "$z"); peak RSS $(mib "$rss_b") MiB"
echo "verify-package: ${v}s, sha256sum -c ${s}s -> verify/sha256sum $(ratio "$v" "$s"); peak RSS $(mib "$rss_v") MiB"
rm -rf "$work/unzipped" "$work/p.zip" "$work/z.zip" "$home"
