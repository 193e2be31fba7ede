# Operations: check (cron/Nagios) with its state file, metrics (Prometheus),
# run (CI), and the contrib/ files for a fleet.
libfdwatch_a_SOURCES += \
	src/state.c src/state-file.c src/state.h \
	src/verdict.c src/verdict.h \
	src/nagios.c src/nagios.h \
	src/runsum.c src/runsum.h \
	src/metrics.c src/metrics.h \
	src/exporter.c src/exporter.h \
	src/cmd-metrics.c \
	src/cmd-run.c \
	src/cmd-check.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit-state tests/unit-metrics tests/unit-nagios tests/unit-runsum \
	tests/unit-identity
TESTS += tests/unit-state tests/unit-metrics tests/unit-nagios tests/unit-runsum \
	tests/unit-identity
tests_unit_identity_LDADD = $(UNIT_LIBS)
tests_unit_identity_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_nagios_LDADD = $(UNIT_LIBS)
tests_unit_nagios_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_runsum_LDADD = $(UNIT_LIBS)
tests_unit_runsum_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_state_LDADD = $(UNIT_LIBS)
tests_unit_state_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_metrics_LDADD = $(UNIT_LIBS)
tests_unit_metrics_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
endif

# Integration tests with real processes (tests/helper-fds).
TESTS += tests/ops-check.py tests/ops-metrics.py tests/ops-run.py tests/ops-contrib.py \
	tests/ops-exporter.py tests/ops-plugin.py tests/ops-saturation.py tests/ops-identity.py
EXTRA_DIST += tests/ops-check.py tests/ops-metrics.py tests/ops-run.py tests/ops-contrib.py \
	tests/ops-exporter.py tests/ops-plugin.py tests/ops-saturation.py tests/ops-identity.py \
	tests/lib/httpleak.py

# Fleet setup: Prometheus rules, systemd units, cron and NRPE examples.
EXTRA_DIST += \
	contrib/prometheus/fdwatch-rules.yml \
	contrib/prometheus/fdwatch-rules.test.yml \
	contrib/systemd/fdwatch-textfile.service \
	contrib/systemd/fdwatch-textfile.timer \
	contrib/systemd/fdwatch-check.service \
	contrib/systemd/fdwatch-check.timer \
	contrib/systemd/fdwatch-log.service \
	contrib/cron/fdwatch \
	contrib/nagios/fdwatch.cfg
