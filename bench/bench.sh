#!/bin/sh
# bench.sh - fdwatch's benchmark: builds fd populations of several sizes and
# times a whole-system `fdwatch report --format json` beside lsof, `ss -tanp`,
# lsfd and the floor (every fd listed and its link read once, plus one
# netlink TCP dump), then measures what watching a steady population costs
# and how much memory fdwatch holds.
#
#   sh bench/bench.sh --bindir BUILD [--quick] [--sizes "PxN ..."] [--runs R]
#                     [--watch-ticks T] [--no-tools]
#
# BUILD is the build directory (fdwatch, bench/fdpop, bench/floor,
# bench/fdwatch-bench). `make bench` runs it; BENCH_ARGS passes options.
# Timing uses hyperfine when installed, else a median of R runs in shell.
# Defaults: sizes 10x100 10x1000 10x5000 20x5000 (1k to 100k fds), 5 runs,
# watch cost over 61 ticks of 1 s at the largest size (two reuse ages).
# --quick: 10x100 10x1000, 3 runs, 6 ticks.
set -eu

BIN=""
SIZES="10x100 10x1000 10x5000 20x5000"
RUNS=5
TICKS=61
TOOLS=1
while [ $# -gt 0 ]; do
	case "$1" in
	--bindir) BIN=$2; shift ;;
	--quick) SIZES="10x100 10x1000"; RUNS=3; TICKS=6 ;;
	--sizes) SIZES=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--watch-ticks) TICKS=$2; shift ;;
	--no-tools) TOOLS=0 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$BIN" ] || { echo "bench.sh: --bindir BUILD is required (see --help)" >&2; exit 2; }
FDWATCH=$BIN/fdwatch
POPBIN=$BIN/bench/fdpop
FLOOR=$BIN/bench/floor
DRIVER=$BIN/bench/fdwatch-bench
for b in "$FDWATCH" "$POPBIN" "$FLOOR" "$DRIVER"; do
	[ -x "$b" ] || { echo "bench.sh: $b is missing; run 'make bench' or 'make check' first" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fdwatch-bench.XXXXXX")
POP=""
stop_pop() {
	if [ -n "$POP" ]; then
		kill -TERM "$POP" 2>/dev/null || true
		wait "$POP" 2>/dev/null || true
		POP=""
	fi
}
cleanup() {
	stop_pop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# start_pop P N: starts a population and waits for its "pids=... fds=..." line.
start_pop() {
	"$POPBIN" -P "$1" -N "$2" -t 1800 >"$TMP/pop.out" 2>"$TMP/pop.err" &
	POP=$!
	i=0
	while ! grep -q '^pids=' "$TMP/pop.out" 2>/dev/null; do
		if ! kill -0 "$POP" 2>/dev/null; then
			cat "$TMP/pop.err" >&2
			POP=""
			return 1
		fi
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "bench.sh: population not ready after 120 s" >&2; return 1; }
		sleep 0.1
	done
	POP_FDS=$(sed -n 's/.* fds=\([0-9]*\).*/\1/p' "$TMP/pop.out")
}

HF=""
command -v hyperfine >/dev/null 2>&1 && HF=hyperfine

# timeit NAME CMD: appends "NAME median_s cpu_s" to $TMP/times (cpu: mean
# user + system, hyperfine only; "-" otherwise).
timeit() {
	name=$1
	cmd=$2
	if [ -n "$HF" ]; then
		hyperfine -N -i --warmup 1 --runs "$RUNS" --style none \
			--export-csv "$TMP/hf.csv" -n "$name" "$cmd" >/dev/null 2>&1
		awk -F, -v n="$name" 'NR == 2 { print n, $4, $5 + $6 }' "$TMP/hf.csv" >>"$TMP/times"
	else
		sh -c "$cmd" >/dev/null 2>&1 || true
		: >"$TMP/t"
		r=0
		while [ $r -lt "$RUNS" ]; do
			s=$(date +%s%N)
			sh -c "$cmd" >/dev/null 2>&1 || true
			e=$(date +%s%N)
			echo $((e - s)) >>"$TMP/t"
			r=$((r + 1))
		done
		sort -n "$TMP/t" | awk -v n="$name" '{ v[NR] = $1 }
			END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
			      printf "%s %.9f -\n", n, m / 1e9 }' >>"$TMP/times"
	fi
}

echo "# fdwatch benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "timing: ${HF:-shell median} of $RUNS runs (whole processes, exec included)"
if [ "$TOOLS" = 1 ]; then
	for t in lsof ss lsfd; do
		command -v $t >/dev/null 2>&1 || echo "note: $t is not installed; its column stays empty"
	done
fi
echo
echo "Ratios are of median wall times, except 'x floor CPU' (user + system)."
echo
echo "| size | system fds | floor ms | fdwatch ms | x floor | x floor CPU | no st_size x floor | no netlink x floor | lsof / fdwatch | ss -tanp / fdwatch | lsfd / fdwatch | fdwatch RSS KiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
LAST=""
for sz in $SIZES; do
	P=${sz%x*}
	N=${sz#*x}
	start_pop "$P" "$N"
	: >"$TMP/times"
	SYSFDS=$("$FLOOR" -m fd | sed -n 's/^fds=\([0-9]*\).*/\1/p')
	timeit floor "$FLOOR -m fd,diag"
	timeit fdwatch "$FDWATCH report --format json"
	timeit no-stsize "env FDWATCH_NO_STSIZE=1 $FDWATCH report --format json"
	timeit no-netlink "env FDWATCH_NO_NETLINK=1 $FDWATCH report --format json"
	if [ "$TOOLS" = 1 ]; then
		command -v lsof >/dev/null 2>&1 && timeit lsof "lsof -n -P"
		command -v ss >/dev/null 2>&1 && timeit ss "ss -tanp"
		command -v lsfd >/dev/null 2>&1 && timeit lsfd "lsfd"
	fi
	RSS=$( (/usr/bin/time -f '%M' "$FDWATCH" report --format json >/dev/null) 2>&1 | tail -n 1) || RSS="?"
	awk -v sz="$sz" -v fds="$SYSFDS" -v rss="$RSS" '
		{ t[$1] = $2; c[$1] = $3 }
		function x(a, b) { return (a in t && b in t && t[b] > 0) ? sprintf("%.2f", t[a] / t[b]) : "" }
		function xc(a, b) { return (c[a] != "-" && c[b] != "-" && c[b] > 0) ? sprintf("%.2f", c[a] / c[b]) : "" }
		END {
			printf "| %s | %d | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s | %s |\n", sz, fds,
				t["floor"] * 1000, t["fdwatch"] * 1000, x("fdwatch", "floor"), xc("fdwatch", "floor"),
				x("no-stsize", "floor"), x("no-netlink", "floor"),
				x("lsof", "fdwatch"), x("ss", "fdwatch"), x("lsfd", "fdwatch"), rss
		}' "$TMP/times"
	cp "$TMP/times" "$TMP/times-$sz"
	LAST=$sz
	stop_pop
done

# Watching: the largest population held steady, sampled every second with
# the reuse age the watching commands use, on both count paths, beside the
# listing floor.
if [ -n "$LAST" ] && [ "$TICKS" -gt 1 ]; then
	P=${LAST%x*}
	N=${LAST#*x}
	start_pop "$P" "$N"
	echo
	echo "## watching $LAST steady: $TICKS samples, 1 s apart, reuse age 30 s"
	echo
	echo "Both count paths one after the other, then the listing floor (\`floor -m dents\`:"
	echo "every fd/ listed, no link read) once a second; fd/ listed and counts carried per"
	echo "sample say how far the listing path backs off."
	echo
	echo "| counting | tables | first sample ms CPU | later samples ms CPU (mean) | % of one core | fd/ listed per sample | counts carried | max RSS KiB |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	: >"$TMP/watch.cost"
	for mode in "st_size netlink" "getdents netlink"; do
		case $mode in
		st_size*) envs="" ;;
		getdents*) envs="FDWATCH_NO_STSIZE=1" ;;
		esac
		env $envs "$DRIVER" -q -n "$TICKS" -d 1 -a 30 >"$TMP/watch.out"
		sed -n 's/^summary //p' "$TMP/watch.out" | tr ' ' '\n' | awk -F= -v m="$mode" -v cost="$TMP/watch.cost" '
			{ v[$1] = $2 }
			END { split(m, w, " ");
			      printf "| %s | %s | %.1f | %.2f | %.2f | %.1f of %.1f | %.1f | %s |\n", w[1], w[2],
				v["first_cpu_ms"], v["later_cpu_ms_per_tick"], v["cpu_ms_per_s"] / 10,
				v["listed_per_tick"], v["procs_per_tick"], v["carried_per_tick"], v["maxrss_kib"];
			      print w[1], v["cpu_ms_per_s"] / 10 >>cost }'
	done
	LIST=$("$FLOOR" -m dents -n 5 | sed -n 's/.* ms=\([0-9.]*\).*/\1/p')
	echo "| listing floor | - | - | $LIST | $(awk -v m="$LIST" 'BEGIN { printf "%.2f", m / 10 }') | all | - | - |"
	echo
	awk -v m="$LIST" '{ c[$1] = $2 }
		END { l = m / 10; if (l + c["st_size"] > 0)
			printf "listing path / (listing floor + st_size path) = %.2f (the aim: at most 0.5)\n",
				c["getdents"] / (l + c["st_size"]) }' "$TMP/watch.cost"
	echo
	echo "## memory at $LAST with one hour of 1 s history (tracker and detector fed 3600 samples)"
	echo
	"$DRIVER" -q -n 1 --history 3600 | sed -n 's/^history /    /p'
	stop_pop
fi
