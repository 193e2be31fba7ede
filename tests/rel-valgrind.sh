#!/bin/sh
# valgrind memcheck on the integration paths: report (text and JSON) on real
# processes, record, log, metrics, check and replay. Any invalid access, use
# of uninitialised memory or definite leak fails. Skipped without valgrind
# and in sanitizer builds (the two do not mix). Each run is a TAP test point.
command -v valgrind >/dev/null || { echo "1..0 # SKIP valgrind is not installed"; exit 0; }
if grep -q __asan_init "$FDWATCH" 2>/dev/null; then
	echo "1..0 # SKIP a sanitizer build; valgrind runs on the plain build"
	exit 0
fi
tmp=$(mktemp -d)
trap 'kill $helper 2>/dev/null; rm -rf "$tmp"' EXIT
"$TESTS_BUILDDIR/helper-fds" --tcp 5 --close-wait 3 --tcp6 2 --udp 2 --unix 2 --pipe 2 --file 3 \
	--eventfd 1 --leak pipe --rate 20 --leak-max 200 >"$tmp/helper.out" &
helper=$!
while [ ! -s "$tmp/helper.out" ]; do sleep 0.05; done
pid=$(cut -d' ' -f1 "$tmp/helper.out")

supp=
[ -f /usr/lib/valgrind/libproc.supp ] && supp=--suppressions=/usr/lib/valgrind/libproc.supp
fail=0 n=0
vg() { # description fdwatch-arguments...
	what=$1
	shift
	valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no \
		$supp --log-file="$tmp/vg.log" "$FDWATCH" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 99 ] || [ -s "$tmp/vg.log" ]; then
		echo "not ok - $what: memcheck errors"
		head -60 "$tmp/vg.log" | sed 's/^/# /'
		fail=1
	elif [ $rc -gt 3 ]; then
		echo "not ok - $what: exit $rc"
		sed 's/^/# /' "$tmp/err"
		fail=1
	else
		echo "ok - $what: memcheck clean (exit $rc)"
	fi
}
vg "report on every process" report --color never
vg "report --format json on every process" report --format json
vg "report -n 3 on the helper" report -n 3 -d 0.2 -p "$pid"
vg "record" record -n 3 -d 0.2 -o "$tmp/rec.jsonl"
vg "log" log -n 10 -d 0.2 -p "$pid" --format json
vg "metrics" metrics
vg "check" check --state "$tmp/state" -p "$pid"
vg "check again, with history" check --state "$tmp/state" -p "$pid"
vg "replay of what record wrote" replay "$tmp/rec.jsonl"
if [ -d "$TESTS_SRCDIR/fuzz/corpus/fuzz-trace" ]; then
	for f in "$TESTS_SRCDIR"/fuzz/corpus/fuzz-trace/*; do
		vg "replay of $(basename "$f")" replay --format json "$f"
	done
fi
echo "1..$n"
exit $fail
