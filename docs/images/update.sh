#!/usr/bin/env bash
# Copies the screenshots the browser tests save (tests/Evidence.Tests/bin/Debug/net10.0/screenshots, named by language)
# into docs/images/en and docs/images/uk, where the guides show them. Run after ./test.sh (or the browser tests alone);
# GuideTests checks every picture a guide shows is here and that each English guide's pictures have their Ukrainian twins.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shots="${1:-$root/tests/Evidence.Tests/bin/Debug/net10.0/screenshots}"
for language in en uk; do
  mkdir -p "$root/docs/images/$language"
  for picture in $(grep -ho "images/$language/[^)]*\.png" "$root"/docs/guide-*.md | sort -u); do
    name="$(basename "$picture")"
    [ -f "$shots/$name" ] || { echo "update.sh: no screenshot $name in $shots: run the browser tests first" >&2; exit 1; }
    cp "$shots/$name" "$root/docs/images/$language/$name"
  done
done
echo "update.sh: guides' screenshots copied from $shots"
