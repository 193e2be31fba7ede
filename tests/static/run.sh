#!/bin/sh
# Static analysis of src/: cppcheck and clang-tidy with the checks below.
#   tests/static/run.sh BUILDDIR    (a configured build dir, for config.h)
# A finding fails the run unless baseline.txt lists it, under a comment
# saying why it is not a defect. Entries name the file, the check and the
# message (not the line, which moves).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILDDIR}" && pwd)
out=$(mktemp -d)
status=0

# Checks left out, and why:
#  DeprecatedOrUnsafeBufferHandling: asks for C11 Annex K (memcpy_s...),
#    which glibc does not provide.
#  easily-swappable-parameters, narrowing-conversions, reserved-identifier:
#    style, not defects; -Wall -Wextra -Wconversion-free code is the project's
#    choice.
#  implicit-widening-of-multiplication-result: every such product is of
#    small bounded ints (words of an address, fields of a record).
#  sizeof-expression: flags sizeof(*p) where *p is itself a pointer, the
#    project's idiom for arrays of pointers (xcalloc(n, sizeof(*keys))).
#  cert-err33-c, cert-err34-c: unchecked printf results and atoi-style
#    conversions; output errors are caught once at flush (output_flush),
#    and numbers from /proc are range-checked by the parsers that read them.
#  clang-analyzer-optin.performance.Padding: layout, not correctness.
checks='-*,clang-analyzer-*,bugprone-*,cert-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-optin.performance.Padding,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions,-bugprone-reserved-identifier,-bugprone-implicit-widening-of-multiplication-result,-bugprone-sizeof-expression,-cert-err33-c,-cert-err34-c,-cert-dcl37-c,-cert-dcl51-cpp'
cflags="-std=gnu11 -I$top/src -I$build -D_GNU_SOURCE $(pkg-config --cflags ncursesw json-c 2>/dev/null)"

if command -v cppcheck >/dev/null; then
	cppcheck -q --enable=warning,portability,performance --std=c11 --inline-suppr \
		-I "$top/src" -I "$build" --include="$build/config.h" -D__GNUC__ \
		--template='{file}:{line}:{column}: warning: {message} [cppcheck-{id}]' \
		"$top/src" 2>"$out/cppcheck.txt"
else
	echo "cppcheck is not installed"
	status=1
fi
if command -v clang-tidy >/dev/null; then
	# Of the two procps backends, only those whose library is installed
	# can be compiled (configure builds one).
	ls "$top"/src/*.c | while read -r f; do
		case $f in
		*/procs-libproc2.c) pkg-config --exists libproc2 || continue ;;
		*/procs-libprocps.c) pkg-config --exists libprocps || continue ;;
		esac
		echo "$f"
	done | xargs -P 2 -I{} sh -c \
		'clang-tidy -quiet --checks="$1" "$2" -- $3 >"$4/tidy.$(basename "$2").txt" 2>/dev/null' \
		sh "$checks" {} "$cflags" "$out"
	cat "$out"/tidy.*.txt >"$out/tidy.txt"
else
	echo "clang-tidy is not installed"
	status=1
fi

# file|check|message of each finding, for comparison with the baseline.
# Keys hold no line number, so that edits elsewhere in a file do not
# invalidate them.
cat "$out/cppcheck.txt" "$out/tidy.txt" 2>/dev/null |
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' | sort -u |
	while IFS= read -r l; do
		file=${l%%:*}
		rest=${l#*:}
		line=${rest%%:*}
		check=$(printf '%s\n' "$l" | sed 's/.*\[\([^]]*\)\]$/\1/')
		msg=$(printf '%s\n' "$l" | sed 's/^[^ ]*: \(warning\|error\): //; s/ *\[[^]]*\]$//')
		rel=${file#"$top"/}
		key="$rel|$check|$msg"
		if grep -qxF -- "$key" "$here/baseline.txt" 2>/dev/null; then
			echo "justified: $rel:$line [$check]"
		else
			echo "NEW: $l"
			echo "     key: $key"
			echo "$key" >>"$out/new"
		fi
	done
n_new=$( [ -f "$out/new" ] && wc -l <"$out/new" || echo 0)
echo "static analysis: $n_new unjustified finding(s)"
[ "$n_new" -eq 0 ] || status=1
rm -rf "$out"
exit $status
