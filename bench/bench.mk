# Performance: the netlink sock_diag fast path, the benchmark and the tests
# of both paths of each fast path.
libfdwatch_a_SOURCES += \
	src/socktab-diag.c src/socktab-diag.h

# The sampler driver (tests and benchmark), a population and the floor walker.
check_PROGRAMS += bench/fdwatch-bench bench/fdpop bench/floor
bench_fdwatch_bench_SOURCES = bench/fdwatch-bench.c
bench_fdwatch_bench_LDADD = $(FDWATCH_LIBS)
bench_fdpop_SOURCES = bench/fdpop.c
bench_fdpop_CFLAGS = $(WARN_CFLAGS) -Wno-missing-prototypes
bench_floor_SOURCES = bench/floor.c
bench_floor_CFLAGS = $(WARN_CFLAGS) -Wno-missing-prototypes

if HAVE_CMOCKA
check_PROGRAMS += tests/unit-socktab
TESTS += tests/unit-socktab
tests_unit_socktab_SOURCES = tests/unit-socktab.c
tests_unit_socktab_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_socktab_LDADD = $(UNIT_LIBS)
endif

TESTS += tests/perf-paths.py tests/perf-reuse.py tests/perf-fallback.py tests/perf-links.py tests/perf-carry.py
EXTRA_DIST += tests/perf-paths.py tests/perf-reuse.py tests/perf-fallback.py tests/perf-links.py tests/perf-carry.py bench/bench.sh bench/growing.sh

# `make bench`: fdwatch against lsof, ss -tanp, lsfd and the floor walker
# (not part of check; BENCH_ARGS="--quick" for a short run).
.PHONY: bench
bench: fdwatch bench/fdwatch-bench bench/fdpop bench/floor
	$(SHELL) $(srcdir)/bench/bench.sh --bindir $(abs_top_builddir) $(BENCH_ARGS)
