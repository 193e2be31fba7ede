#!/bin/sh
# The command line's contract: help and version on stdout with exit 0;
# usage errors as one line on stderr naming the argument, exit 2 (check: 3).
# Each check is a TAP test point; the plan comes at the end.
fail=0 n=0
errfile=$(mktemp) || exit 1
trap 'rm -f "$errfile"' EXIT
ok() { n=$((n + 1)); echo "ok - $1"; }
not_ok() { # description [diagnostics]
	n=$((n + 1)) fail=1
	echo "not ok - $1"
	[ -z "$2" ] || printf '%s\n' "$2" | sed 's/^/# /'
}
t() { # expected-status description command...
	want=$1 what=$2
	shift 2
	out=$("$@" 2>"$errfile")
	got=$?
	err=$(cat "$errfile")
	if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what" "exit $got, want $want: $err"; fi
	LAST_OUT=$out LAST_ERR=$err
}
has() { # description needle haystack
	case $3 in *"$2"*) ok "$1" ;; *) not_ok "$1" "no '$2' in: $3" ;; esac
}
lines() { printf '%s\n' "$1" | wc -l; }

t 0 "--help exits 0" "$FDWATCH" --help
has "--help lists the commands" "replay" "$LAST_OUT"
t 0 "--version exits 0" "$FDWATCH" --version
has "--version names the program" "fdwatch" "$LAST_OUT"
for c in top report log check run record replay metrics; do
	t 0 "$c --help exits 0" "$FDWATCH" $c --help
	has "$c --help shows its usage" "Usage: fdwatch $c" "$LAST_OUT"
done
t 2 "unknown command" "$FDWATCH" frobnicate
has "names the command" "frobnicate" "$LAST_ERR"
t 2 "unknown option" "$FDWATCH" report --frobnicate
has "names the option" "--frobnicate" "$LAST_ERR"
[ "$(lines "$LAST_ERR")" = 1 ] && ok "one line" || not_ok "one line" "$LAST_ERR"
t 2 "bad interval" "$FDWATCH" report -d abc
has "names the value and the fix" "--interval 'abc'" "$LAST_ERR"
t 2 "negative interval" "$FDWATCH" report --interval -1
t 2 "missing value" "$FDWATCH" report --interval
has "names the option" "--interval" "$LAST_ERR"
t 2 "bad iterations" "$FDWATCH" report -n 0
t 2 "bad format" "$FDWATCH" report --format xml
has "names the choices" "text, json or html" "$LAST_ERR"
t 2 "bad color" "$FDWATCH" report --color sometimes
t 2 "bad pid list" "$FDWATCH" report -p 12,abc
has "names the argument" "--pid '12,abc'" "$LAST_ERR"
t 2 "unknown user" "$FDWATCH" report -u no-such-user-here
t 2 "bad regex" "$FDWATCH" report -c '('
t 2 "stray argument" "$FDWATCH" report extra
t 3 "check: usage errors are UNKNOWN (3)" "$FDWATCH" check --frobnicate
t 3 "check: bad interval is UNKNOWN (3)" "$FDWATCH" check --interval x
t 2 "run without a command" "$FDWATCH" run
t 2 "replay without a file" "$FDWATCH" replay
t 2 "option of another command" "$FDWATCH" report --syslog
t 1 "--proc that does not exist is a runtime error" "$FDWATCH" report --proc /nonexistent-proc-root
has "says what failed" "/nonexistent-proc-root" "$LAST_ERR"
NO_COLOR=1 t 0 "report works" "$FDWATCH" report --color always -p $$
case $LAST_OUT in *"$(printf '\033')"*) not_ok "NO_COLOR wins over --color always" ;; *) ok "NO_COLOR means never" ;; esac
t 0 "report --color always colours" "$FDWATCH" report --color always -p $$
case $LAST_OUT in *"$(printf '\033')"*) ok "colour codes with --color always" ;; *) not_ok "colour codes with --color always" ;; esac
t 0 "default command off a terminal is report" "$FDWATCH" -p $$
has "it is the report" "fdwatch report" "$LAST_OUT"
# Each command's --help lists only options that command accepts: every
# one, given a valid value, parses (the --help after it ends the parse).
for c in top report log check run record replay metrics; do
	opts=$("$FDWATCH" $c --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | sed 's/.*--/--/')
	bad=
	for o in $opts; do
		case $o in
		--syslog | --children | --no-children | --no-adaptive | --help | --version) set -- "$o" ;;
		--format) set -- "$o" text ;;
		--color) set -- "$o" auto ;;
		--user) set -- "$o" root ;;
		*) set -- "$o" 1 ;;
		esac
		"$FDWATCH" $c "$@" --help >/dev/null 2>"$errfile" || bad="$bad $o"
	done
	if [ -n "$opts" ] && [ -z "$bad" ]; then
		ok "$c --help lists only options $c accepts ($(echo $opts | wc -w) of them)"
	else
		not_ok "$c --help lists only options $c accepts" "refused:$bad"
	fi
done
echo "1..$n"
exit $fail
