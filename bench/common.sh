# Shared by the benchmark scripts: builds bench/Evidence.Bench once and gives the timing helpers.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$root/bench/out}"
mkdir -p "$work"
dotnet build "$root/bench/Evidence.Bench/Evidence.Bench.csproj" -c Release -o "$root/.build/bench" --nologo -v quiet > "$work/build.log"
bench() { dotnet "$root/.build/bench/Evidence.Bench.dll" "$@"; }
# No resident processes (docs/decisions/0005-resident-process.md): one started by a set-up command would warm up while the
# next baseline is timed. bench/custody.sh turns it on where it measures it.
export EVIDENCE_RESIDENT=off
now() { date +%s.%N; }
# A command that fails is not timed: the script stops (set -e does not reach into the $(...) that callers time it in,
# so the failure is returned here and fails their assignment), rather than report the time of, say, a refused verify.
seconds() { sync; local s; s=$(now); "$@" > /dev/null || return; echo "$(now) - $s" | bc; }
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
