#!/usr/bin/env bash
# Installs what the tests need (Azurite, pinned in azurite.json, via npm; Chromium, ChromeDriver and PostgreSQL via apt), starts a
# throw-away PostgreSQL cluster on loopback, runs every test on SQLite and then again on PostgreSQL, and ends with one line
# "N passed, N failed[, N skipped]" (both passes) so that a run that executed no test is visible. EVIDENCE_SKIP_POSTGRES=1 skips
# the PostgreSQL tests (each reported as skipped with the reason) and the PostgreSQL pass.
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

# exiftool: the independent reader the provenance tests compare with (they write GPS tags with it, then read both ways).
if [ ! -x /usr/bin/exiftool ]; then
  echo "test.sh: installing exiftool (apt: libimage-exiftool-perl)" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libimage-exiftool-perl; } >&2 \
    || { echo "test.sh: could not install exiftool"; echo "0 passed, 1 failed"; exit 1; }
fi

# gpg: the independent OpenPGP implementation the signature tests compare with (it makes keys and detached signatures,
# and checks the signatures Evidence keeps).
if [ ! -x /usr/bin/gpg ]; then
  echo "test.sh: installing gpg (apt: gnupg)" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gnupg; } >&2 \
    || { echo "test.sh: could not install gnupg"; echo "0 passed, 1 failed"; exit 1; }
fi

# PostgreSQL: Debian's server, a private cluster in a temporary folder, trust on loopback only, stopped on exit.
# The tests create and drop one database each as role "evidence" (CREATEDB, not a superuser).
if [ "${EVIDENCE_SKIP_POSTGRES:-}" = "1" ]; then
  echo "test.sh: EVIDENCE_SKIP_POSTGRES=1: the PostgreSQL tests will be skipped" >&2
else
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
    echo "test.sh: installing postgresql (apt)" >&2
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql postgresql-contrib; } >&2 \
      || { echo "test.sh: could not install postgresql"; echo "0 passed, 1 failed"; exit 1; }
  fi
  pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  pgdata="$(mktemp -d /tmp/evidence-pg.XXXXXX)"
  # The server refuses to run as root; as root it runs as Debian's "postgres" user.
  as_pg=""; if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; as_pg="runuser -u postgres --"; fi
  # autovacuum is off: the test databases live for seconds, and a worker inside one delays dropping it.
  pgport="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')"
  $as_pg "$pgbin/initdb" -D "$pgdata/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$pgdata/initdb.log" 2>&1 \
    && $as_pg "$pgbin/pg_ctl" -D "$pgdata/data" -l "$pgdata/server.log" -w -o "-h 127.0.0.1 -p $pgport -k $pgdata -c fsync=on -c max_connections=200 -c autovacuum=off" start > /dev/null \
    && "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -q -c "CREATE ROLE evidence LOGIN CREATEDB" \
    || { echo "test.sh: could not start PostgreSQL (see $pgdata)"; echo "0 passed, 1 failed"; exit 1; }
  trap '$as_pg "$pgbin/pg_ctl" -D "$pgdata/data" -m immediate stop > /dev/null 2>&1; rm -rf "$pgdata"' EXIT
  export EVIDENCE_TEST_POSTGRES="postgres://evidence@127.0.0.1:$pgport/postgres"
  export EVIDENCE_TEST_PG_CTL="$as_pg $pgbin/pg_ctl -D $pgdata/data"
fi

results="$root/TestResults"
rm -rf "$results"
dotnet test "$root/Evidence.sln" --nologo --logger "trx;LogFileName=sqlite.trx" --results-directory "$results" "$@"
status=$?
if [ "${EVIDENCE_SKIP_POSTGRES:-}" = "1" ]; then
  echo "test.sh: EVIDENCE_SKIP_POSTGRES=1: the suite's PostgreSQL pass is skipped" >&2
else
  # The same suite again with every test home's records in a PostgreSQL database of its own (tests of what only the
  # SQLite file has are skipped there, with the reason); the PostgreSQL-only tests already ran in the first pass. The
  # browser walks (Category=Browser) run once: they test pages, scripts and layout, which are the same over either
  # database, and everything they send the server is also sent over HTTP by the web tests that do run in this pass.
  # dotnet test takes one --filter: one given to this script (`bash test.sh --filter X`) is joined to the pass's own.
  pg_filter="FullyQualifiedName!~Evidence.Tests.Postgres.&Category!=Browser"; pg_args=(); given=("$@")
  for ((i = 0; i < ${#given[@]}; i++)); do
    if [ "${given[$i]}" = "--filter" ] && [ $((i + 1)) -lt ${#given[@]} ]; then i=$((i + 1)); pg_filter="(${given[$i]})&$pg_filter"
    else pg_args+=("${given[$i]}"); fi
  done
  EVIDENCE_TEST_DB=postgres dotnet test "$root/Evidence.sln" --nologo --no-build --logger "trx;LogFileName=postgres.trx" --results-directory "$results" \
    --filter "$pg_filter" ${pg_args[@]+"${pg_args[@]}"}
  [ $? -eq 0 ] || status=1
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  e=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p'); t=$(echo "$counters" | sed -n 's/.* total="\([0-9]*\)".*/\1/p'); x=$(echo "$counters" | sed -n 's/.* executed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
  echo "test.sh: $(basename "$trx" .trx) pass: ${p:-0} passed, $((${f:-0} + ${e:-0})) failed, $((${t:-0} - ${x:-0})) skipped" >&2
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
