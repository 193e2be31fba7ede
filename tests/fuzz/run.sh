#!/bin/sh
# Runs each libFuzzer target of a --enable-fuzzing build for a bounded time,
# starting from its seed corpus, and prints executions per target.
#   tests/fuzz/run.sh BUILDDIR [SECONDS] [TARGET...]
# New interesting inputs go to a scratch corpus, never into the source tree;
# a crash leaves its input in $FUZZ_ARTIFACTS (default: the scratch dir) and
# makes the script exit 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILDDIR [SECONDS] [TARGET...]}
secs=${2:-30}
shift $(($# > 1 ? 2 : 1))
targets=${*:-fuzz-escape fuzz-fdlink fuzz-procfile fuzz-procnet fuzz-trace fuzz-diag fuzz-state}
scratch=$(mktemp -d)
art=${FUZZ_ARTIFACTS:-$scratch/artifacts}
mkdir -p "$art"
fail=0
for t in $targets; do
	bin=$build/tests/fuzz/$t
	[ -x "$bin" ] || { echo "$t: not built (configure CC=clang --enable-fuzzing)"; fail=1; continue; }
	mkdir -p "$scratch/$t"
	"$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=1024 -timeout=10 \
		-artifact_prefix="$art/$t-" "$scratch/$t" "$here/corpus/$t" >"$scratch/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$scratch/$t.log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "$t: ${execs:-?} executions in ${secs}s, ${cov:-cov: ?}, no crash"
	else
		echo "$t: FAILED (exit $rc) after ${execs:-?} executions; input in $art"
		tail -40 "$scratch/$t.log"
		fail=1
	fi
done
[ -z "${FUZZ_ARTIFACTS:-}" ] && [ $fail -eq 0 ] && rm -rf "$scratch"
exit $fail
