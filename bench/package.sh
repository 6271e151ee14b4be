#!/usr/bin/env bash
# Referral package benchmarks for docs/benchmarks.md (issues 5 and 19), both ratios from one run, each to a baseline
# timed in this same run on the same files:
#   build   1,000 files of 1 MiB (1 GiB) into a signed BagIt zip with `./evidence package` (the command line as shipped,
#           ReadyToRun, start-up included: what a person waits for)
#           vs `zip -0 -r` of the folder of the same 1,000 files: Info-ZIP reads each file once, computes its CRC-32
#           and stores it uncompressed; it computes no hash, signs nothing and does not fsync. For reference the same
#           zip followed by `sync` (its bytes on disk, as the package's are before it is recorded) is shown too.
#   verify  `./evidence verify-package` on that package, pinned to the home's ledger key (the zip's structure, SHA-256 and
#           SHA-512 of every entry, both signatures, every inclusion proof), start-up included
#           vs `sha256sum --quiet -c manifest-sha256.txt` in the bag as `unzip` extracted it: coreutils reads each
#           payload file once and computes one SHA-256 (its own code, not OpenSSL's).
# Each is run PACKAGE_RUNS times (default 5), the command and its baseline one after the other, and the medians compared:
# on this machine's disk the same zip took 3.5 to 15 s within one run, so a single pair says little.
# `sync` before each; all files are in the page cache (just written or read).
# Setting up (ingesting and tagging 1,000 files) is not timed: it is done once, and each build starts from a fresh
# copy of that home, so that every build does the same work (number 1,000 items, prove the same events).
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
pristine="$work/package-home-pristine"; home="$work/package-home"; rm -rf "$pristine" "$home"
incident=$(bench package-setup "$src" "$pristine")

"$root/evidence" help > /dev/null  # build the command line outside the timing
key=$("$root/evidence" --home "$pristine" log key)
peak() { /usr/bin/time -f %M -o "$work/rss" "$@" > /dev/null || return; echo $(( $(cat "$work/rss") * 1024 )); }  # fails as seconds does
build_t=(); zip_t=(); zipsync_t=(); verify_t=(); sum_t=(); rss_b=0; rss_v=0
for i in $(seq "${PACKAGE_RUNS:-5}"); do
  rm -rf "$home" "$work/p.zip" "$work/z.zip"; cp -a "$pristine" "$home"; sync
  build_t+=("$(seconds "$root/evidence" --home "$home" --role prosecutor package --incident "$incident" --recipient icc --out "$work/p.zip")")
  zip_t+=("$(cd "$src/.." && seconds zip -0 -q -r "$work/z.zip" "$(basename "$src")")")
  rm -f "$work/z.zip"
  zipsync_t+=("$(cd "$src/.." && seconds sh -c "zip -0 -q -r '$work/z.zip' '$(basename "$src")' && sync")")
  verify_t+=("$(seconds "$root/evidence" verify-package "$work/p.zip" --key "$key")")
  rm -rf "$work/unzipped"; unzip -q "$work/p.zip" -d "$work/unzipped"; bag=$(ls -d "$work/unzipped"/*)
  sum_t+=("$(cd "$bag" && seconds sha256sum --quiet -c manifest-sha256.txt)")
done
bytes=$(stat -c %s "$work/p.zip")
# Peak memory, from one more run of each, outside the timing.
rm -rf "$home" "$work/p.zip"; cp -a "$pristine" "$home"
rss_b=$(peak "$root/evidence" --home "$home" --role prosecutor package --incident "$incident" --recipient icc --out "$work/p.zip")
rss_v=$(peak "$root/evidence" verify-package "$work/p.zip" --key "$key")
b=$(echo "${build_t[*]}" | median); z=$(echo "${zip_t[*]}" | median); zs=$(echo "${zipsync_t[*]}" | median)
v=$(echo "${verify_t[*]}" | median); s=$(echo "${sum_t[*]}" | median)
echo "runs: build ${build_t[*]}; zip ${zip_t[*]}; zip+sync ${zipsync_t[*]}; verify ${verify_t[*]}; sha256sum ${sum_t[*]}"
echo "build $files files ($(mib "$bytes") MiB package): ${b}s, zip -0 -r ${z}s -> build/zip $(ratio "$b" "$z") (zip -0 -r + sync ${zs}s -> $(ratio "$b" "$zs")); peak RSS $(mib "$rss_b") MiB"
echo "verify-package: ${v}s, sha256sum -c ${s}s -> verify/sha256sum $(ratio "$v" "$s"); peak RSS $(mib "$rss_v") MiB"
rm -rf "$work/unzipped" "$work/p.zip" "$work/z.zip" "$home" "$pristine"
