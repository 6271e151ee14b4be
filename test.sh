#!/usr/bin/env bash
# Installs what the tests need (Azurite, pinned in azurite.json, via npm; Chromium and ChromeDriver via apt), runs every test, and ends with
# one line "N passed, N failed[, N skipped]" so that a run that executed no test is visible.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

version="$(node -e 'process.stdout.write(require("./azurite.json").version)')"
tools="$root/.tools/azurite"
if [ ! -x "$tools/node_modules/.bin/azurite-blob" ] || [ "$(node -e "process.stdout.write(require('$tools/node_modules/azurite/package.json').version)" 2>/dev/null)" != "$version" ]; then
  echo "test.sh: installing azurite@$version into .tools/azurite" >&2
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "azurite@$version" >&2 || { echo "test.sh: could not install azurite"; echo "0 passed, 1 failed"; exit 1; }
fi
export EVIDENCE_AZURITE="$tools/node_modules/.bin/azurite-blob"

# The browser tests drive Debian's Chromium through its ChromeDriver.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test.sh: installing chromium and chromium-driver (apt)" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver; } >&2 \
    || { echo "test.sh: could not install chromium and chromium-driver"; echo "0 passed, 1 failed"; exit 1; }
fi

results="$root/TestResults"
rm -rf "$results"
dotnet test "$root/Evidence.sln" --nologo --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  e=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p'); t=$(echo "$counters" | sed -n 's/.* total="\([0-9]*\)".*/\1/p'); x=$(echo "$counters" | sed -n 's/.* executed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
