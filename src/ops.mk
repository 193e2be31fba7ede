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
	tests/ops-exporter.py tests/ops-plugin.py tests/ops-saturation.py tests/ops-identity.py \
	tests/ops-logrotate.py tests/ops-prometheus.py
EXTRA_DIST += tests/ops-check.py tests/ops-metrics.py tests/ops-run.py tests/ops-contrib.py \
	tests/ops-exporter.py tests/ops-plugin.py tests/ops-saturation.py tests/ops-identity.py \
	tests/ops-logrotate.py tests/ops-prometheus.py tests/lib/httpleak.py

# Fleet setup: Prometheus rules, a Grafana dashboard, systemd units, cron
# and NRPE examples. The units, cron and NRPE files name the installed
# binary, so they are made from their .in with this build's $(bindir).
CONTRIB_MADE = \
	contrib/systemd/fdwatch-exporter.service \
	contrib/systemd/fdwatch-exporter-restricted.service \
	contrib/systemd/fdwatch-check.service \
	contrib/systemd/fdwatch-log.service \
	contrib/systemd/fdwatch-textfile.service \
	contrib/cron/fdwatch \
	contrib/nagios/fdwatch.cfg
CONTRIB_TIMERS = contrib/systemd/fdwatch-check.timer contrib/systemd/fdwatch-textfile.timer
CONTRIB_PROM = \
	contrib/prometheus/fdwatch-rules.yml \
	contrib/prometheus/fdwatch-recording.yml \
	contrib/prometheus/fdwatch-rules.test.yml
CONTRIB_GRAFANA = contrib/grafana/fdwatch.json
EXTRA_DIST += $(CONTRIB_MADE:=.in) $(CONTRIB_TIMERS) $(CONTRIB_PROM) $(CONTRIB_GRAFANA)
CLEANFILES += $(CONTRIB_MADE)
noinst_DATA = $(CONTRIB_MADE)

$(CONTRIB_MADE): %: %.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@localstatedir[@]|$(localstatedir)|g' \
		$(srcdir)/$@.in >$@.tmp && mv $@.tmp $@

# Examples, for the operator to copy: $(docdir)/examples/...
promexamplesdir = $(docdir)/examples/prometheus
promexamples_DATA = $(CONTRIB_PROM)
grafanaexamplesdir = $(docdir)/examples/grafana
grafanaexamples_DATA = $(CONTRIB_GRAFANA)
cronexamplesdir = $(docdir)/examples/cron
cronexamples_DATA = contrib/cron/fdwatch
nagiosexamplesdir = $(docdir)/examples/nagios
nagiosexamples_DATA = contrib/nagios/fdwatch.cfg

# The units themselves, where systemd looks for them (configure's
# --with-systemdsystemunitdir, by default from pkg-config systemd).
if HAVE_SYSTEMD
systemdsystemunit_DATA = \
	contrib/systemd/fdwatch-exporter.service \
	contrib/systemd/fdwatch-exporter-restricted.service \
	contrib/systemd/fdwatch-check.service \
	contrib/systemd/fdwatch-log.service \
	contrib/systemd/fdwatch-textfile.service \
	$(CONTRIB_TIMERS)
endif
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'
