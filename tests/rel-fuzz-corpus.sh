#!/bin/sh
# Every fuzz target runs once over its seed corpus (and every input a fuzzer
# once found, kept beside the seeds): a parser that crashes, reads out of
# bounds (under --enable-sanitizers) or breaks an invariant fails here.
# Each check is a TAP test point.
fail=0 n=0
for name in fuzz-escape fuzz-fdlink fuzz-procfile fuzz-procnet fuzz-trace fuzz-diag fuzz-state; do
	bin=$TESTS_BUILDDIR/fuzz/$name
	dir=$TESTS_SRCDIR/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		n=$((n + 1))
		echo "not ok - $name is built"
		fail=1
		continue
	fi
	inputs=$(ls "$dir" | wc -l)
	n=$((n + 1))
	if [ "$inputs" -lt 5 ]; then
		echo "not ok - $name has a seed corpus ($inputs inputs)"
		fail=1
	else
		echo "ok - $name has a seed corpus ($inputs inputs)"
	fi
	# libFuzzer binaries run the files named and stop; the standalone
	# main does the same.
	n=$((n + 1))
	if out=$("$bin" "$dir"/* 2>&1); then
		echo "ok - $name: $inputs inputs, no crash, no invariant broken"
	else
		echo "not ok - $name over its corpus"
		printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
