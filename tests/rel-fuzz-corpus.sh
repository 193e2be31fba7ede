#!/bin/sh
# Every fuzz target runs once over its seed corpus (and every input a fuzzer
# once found, kept beside the seeds): a parser that crashes, reads out of
# bounds (under --enable-sanitizers) or breaks an invariant fails here.
fail=0
for name in fuzz-escape fuzz-fdlink fuzz-procfile fuzz-procnet fuzz-trace; do
	bin=$TESTS_BUILDDIR/fuzz/$name
	dir=$TESTS_SRCDIR/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		echo "not ok - $name is built"
		fail=1
		continue
	fi
	n=$(ls "$dir" | wc -l)
	if [ "$n" -lt 5 ]; then
		echo "not ok - $name has a seed corpus ($n inputs)"
		fail=1
	fi
	# libFuzzer binaries run the files named and stop; the standalone
	# main does the same.
	if out=$("$bin" "$dir"/* 2>&1); then
		echo "ok - $name: $n inputs, no crash, no invariant broken"
	else
		echo "not ok - $name over its corpus:"
		printf '%s\n' "$out" | tail -20
		fail=1
	fi
done
exit $fail
