# The core: /proc readers, the sample model, the command line, report.
libfdwatch_a_SOURCES += \
	src/util.c src/util.h \
	src/escape.c src/escape.h \
	src/privs.c src/privs.h \
	src/sample.c src/sample.h \
	src/identity.c src/identity.h \
	src/kinds.c src/kinds.h \
	src/procfs.c src/procfs.h \
	src/socktab.c src/socktab.h \
	src/sampler.c src/sampler.h src/sampler-int.h \
	src/sampler-procs.c src/sampler-fds.c src/sampler-net.c \
	src/sampler-tree.c src/sampler-sys.c \
	src/sampler-select.c src/sampler-select.h \
	src/options.c src/options.h \
	src/loop.c src/loop.h \
	src/record.c src/record.h \
	src/report.c src/report.h \
	src/commands.h \
	src/cmd-report.c

# procps-ng's process library, as configure found it.
if LIBPROC2
libfdwatch_a_SOURCES += src/procs-libproc2.c
else
libfdwatch_a_SOURCES += src/procs-libprocps.c
endif
EXTRA_DIST += src/procs-libproc2.c src/procs-libprocps.c

# A test process with a chosen mix of fds (and leaks) for integration tests.
check_PROGRAMS += tests/helper-fds
tests_helper_fds_SOURCES = tests/helper-fds.c
tests_helper_fds_CFLAGS = $(WARN_CFLAGS) -Wno-missing-prototypes
# A fixture, not code under test: never linked with the sanitizers, whose
# runtime needs fds of its own and would change how the helper meets EMFILE.
tests_helper_fds_LDFLAGS =

# A process per kind of fd, with what fdwatch should say of each.
check_PROGRAMS += tests/helper-zoo

# Unit tests of the core on fixture strings (cmocka, when configure found it).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit-procfs tests/unit-escape tests/unit-util tests/unit-kinds
TESTS += tests/unit-procfs tests/unit-escape tests/unit-util tests/unit-kinds
tests_unit_procfs_SOURCES = tests/unit-procfs.c
tests_unit_procfs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_procfs_LDADD = $(UNIT_LIBS)
tests_unit_escape_SOURCES = tests/unit-escape.c
tests_unit_escape_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_escape_LDADD = $(UNIT_LIBS)
tests_unit_util_SOURCES = tests/unit-util.c
tests_unit_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_util_LDADD = $(UNIT_LIBS)
tests_unit_kinds_SOURCES = tests/unit-kinds.c
tests_unit_kinds_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_kinds_LDADD = $(UNIT_LIBS)
endif

# Integration tests of the sampler and report.
TESTS += tests/truth-pidns.py tests/limits-system.py
EXTRA_DIST += tests/truth-pidns.py tests/limits-system.py
TESTS += tests/core-fixture.py tests/core-real.py tests/core-netns.py tests/core-vanish.py tests/core-usage.sh tests/core-growth.py
EXTRA_DIST += tests/unit.h tests/lib/fdtest.py tests/core-fixture.py tests/core-real.py tests/core-netns.py tests/core-vanish.py tests/core-usage.sh tests/core-growth.py
TESTS += tests/truth-kinds.py
EXTRA_DIST += tests/truth-kinds.py
