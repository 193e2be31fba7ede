#!/bin/sh
# growing.sh - the cost of classifying one growing process: a fresh
# tests/helper-fds of about 10k fds (MIX) that leaks 100 files a second,
# watched for 11 samples at 1 s by each fdwatch-bench given, in turn, 3
# runs. Prints, per run and binary, the mean CPU and wall time of samples
# 2-11 and the fd links they read.
#
#   bench/growing.sh BUILDDIR "MIX" BENCH [BENCH...]
#   e.g. bench/growing.sh . "--file 10000" ./old-fdwatch-bench bench/fdwatch-bench
set -eu
build=$1 mix=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for run in 1 2 3; do
	for b in "$@"; do
		rm -f "$dir"/f* "$dir"/out
		# shellcheck disable=SC2086
		"$build/tests/helper-fds" $mix --leak file --rate 100 --leak-max 1500 \
			--nofile 20000 --dir "$dir" --timeout 40 >"$dir/out" 2>/dev/null &
		hp=$!
		while [ ! -s "$dir/out" ]; do sleep 0.1; done
		"$b" -n 11 -d 1 -p "$(cut -d' ' -f1 "$dir/out")" >"$dir/ticks"
		kill "$hp"
		wait "$hp" 2>/dev/null || true
		awk -v b="$b" -v r="$run" '/^tick=/ {
			n++
			for (i = 1; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
			if (n > 1) { c += f["cpu_ms"]; w += f["wall_ms"]; l += f["links_read"]; k++ }
		} END {
			printf "run=%s bench=%s cpu_ms=%.1f wall_ms=%.1f links_read=%.0f fds=%s\n",
			       r, b, c / k, w / k, l / k, f["fds"]
		}' "$dir/ticks"
	done
done
