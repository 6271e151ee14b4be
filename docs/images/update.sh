#!/usr/bin/env bash
# Brings the guides' screenshots up to date, in one command, from the repository root or anywhere:
#
#   bash docs/images/update.sh            builds, runs the browser tests that save the screenshots, copies each picture a
#                                         guide shows into docs/images/en and docs/images/uk, removes the pictures no guide
#                                         shows, and writes docs/images/SOURCES
#   bash docs/images/update.sh --no-test  only copies (from the last run's tests/Evidence.Tests/bin/Debug/net10.0/screenshots)
#                                         and writes SOURCES: for when those tests were just run by hand
#
# The screenshots come from the browser tests selected by $filter below (headless Chromium; ./test.sh installs it and
# Azurite). SOURCES holds a hash over the sources that shape the pages (src/Evidence.Web/Pages, Resources and Assets:
# markup, layout, texts, CSS and scripts; each file's path and content with CRLF read as LF, files sorted by path).
# GuideTests computes the same hash and fails when it differs, i.e. when a page changed after its pictures were taken.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shots="$root/tests/Evidence.Tests/bin/Debug/net10.0/screenshots"
# The test classes whose screenshots the guides show (each saves "<language>-<number>-<name>.png").
filter="Category=Browser&(FullyQualifiedName~Web.BrowserFlowTests|FullyQualifiedName~Web.TwoFactorBrowserTests|FullyQualifiedName~Web.PreviewBrowserTests|FullyQualifiedName~Web.TimelineBrowserTests|FullyQualifiedName~Web.CaseBrowserTests|FullyQualifiedName~Web.AuditBrowserTests|FullyQualifiedName~Web.UploadPageTests)"

# The hash GuideTests.Screenshots_AreTakenFromTheCurrentPages computes the same way.
sources_hash() {
  (cd "$root" && find src/Evidence.Web/Pages src/Evidence.Web/Resources src/Evidence.Web/Assets -type f -print0 | LC_ALL=C sort -z |
    while IFS= read -r -d '' file; do
      printf '%s %s\n' "$(perl -pe 's/\r\n/\n/g' "$file" | sha256sum | cut -c1-64)" "$file"
    done | sha256sum | cut -c1-64)
}

if [ "${1:-}" != "--no-test" ]; then
  export EVIDENCE_SKIP_POSTGRES="${EVIDENCE_SKIP_POSTGRES:-1}"
  if [ -z "${EVIDENCE_AZURITE:-}" ]; then
    EVIDENCE_AZURITE="$root/.tools/azurite/node_modules/.bin/azurite-blob"
    [ -x "$EVIDENCE_AZURITE" ] || { echo "update.sh: no Azurite at $EVIDENCE_AZURITE: run ./test.sh once, or set EVIDENCE_AZURITE" >&2; exit 1; }
    export EVIDENCE_AZURITE
  fi
  before="$(sources_hash)"
  (cd "$root" && dotnet build -nologo -v q)
  # No picture of an earlier run may be copied as if it were new.
  rm -rf "$shots"
  (cd "$root" && dotnet test tests/Evidence.Tests --no-build -nologo --filter "$filter") \
    || { echo "update.sh: the browser tests failed: nothing copied" >&2; exit 1; }
  [ "$(sources_hash)" = "$before" ] || { echo "update.sh: the pages' sources changed while the tests ran: run it again" >&2; exit 1; }
fi

for language in en uk; do
  mkdir -p "$root/docs/images/$language"
  shown="$(grep -ho "images/$language/[^)]*\.png" "$root"/docs/guide-*.md | sort -u)"
  for picture in $shown; do
    name="$(basename "$picture")"
    [ -f "$shots/$name" ] || { echo "update.sh: no screenshot $name in $shots: run the browser tests first (filter: $filter)" >&2; exit 1; }
    cp "$shots/$name" "$root/docs/images/$language/$name"
  done
  for kept in "$root/docs/images/$language"/*.png; do
    grep -qx "images/$language/$(basename "$kept")" <<< "$shown" || { rm "$kept"; echo "update.sh: removed $(basename "$kept"), which no guide shows"; }
  done
done
{
  echo "# sha256 over src/Evidence.Web/{Pages,Resources,Assets} when the screenshots were taken; GuideTests compares it. Refresh: bash docs/images/update.sh"
  sources_hash
} > "$root/docs/images/SOURCES"
echo "update.sh: guides' screenshots copied from $shots; docs/images/SOURCES written"
