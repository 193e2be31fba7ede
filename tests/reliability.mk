# Reliability and security: hostile text, races, privileges, the program's
# own resources, bad input, and the fuzz targets with their seed corpora.

# Integration tests with real processes, fixture trees and other users.
REL_TESTS = \
	tests/rel-untrusted.py \
	tests/rel-races.py \
	tests/rel-privileges.py \
	tests/rel-resources.py \
	tests/rel-badinput.py \
	tests/rel-hostile.py \
	tests/rel-valgrind.sh \
	tests/rel-fuzz-corpus.sh
TESTS += $(REL_TESTS)
TESTS += tests/rel-zombie-leader.py
EXTRA_DIST += tests/rel-zombie-leader.py
EXTRA_DIST += $(REL_TESTS)

# libFuzzer targets. With --enable-fuzzing (CC=clang) they are fuzzers,
# built by `make` and run by tests/fuzz/run.sh; otherwise each is linked
# with a small main() that replays its corpus, and rel-fuzz-corpus.sh runs
# every seed and every input once found as a regression test.
FUZZ_TARGETS = \
	tests/fuzz/fuzz-escape \
	tests/fuzz/fuzz-fdlink \
	tests/fuzz/fuzz-procfile \
	tests/fuzz/fuzz-procnet \
	tests/fuzz/fuzz-trace \
	tests/fuzz/fuzz-diag \
	tests/fuzz/fuzz-state
if FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_MAIN =
else
check_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_MAIN = tests/fuzz/standalone.c
endif
FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_escape_SOURCES = tests/fuzz/fuzz-escape.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_escape_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_escape_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_fdlink_SOURCES = tests/fuzz/fuzz-fdlink.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_fdlink_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_fdlink_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_procfile_SOURCES = tests/fuzz/fuzz-procfile.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_procfile_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_procfile_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_procnet_SOURCES = tests/fuzz/fuzz-procnet.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_procnet_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_procnet_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_trace_SOURCES = tests/fuzz/fuzz-trace.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_trace_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_trace_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_diag_SOURCES = tests/fuzz/fuzz-diag.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_diag_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_diag_LDADD = $(FDWATCH_LIBS)
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz-state.c tests/fuzz/fuzz.h $(FUZZ_MAIN)
tests_fuzz_fuzz_state_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_state_LDADD = $(FDWATCH_LIBS)
EXTRA_DIST += tests/fuzz/standalone.c tests/fuzz/run.sh tests/fuzz/corpus \
	tests/static/run.sh tests/static/baseline.txt
