/* unit-nagios.c - check's plugin output: the state, the first line with
 * its perfdata, one line per alerting process, and text that cannot split
 * the perfdata. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nagios.h"

static struct sample *make_sample(size_t n)
{
	struct sample *s = sample_new();

	s->time = 1764000000;
	for (size_t i = 0; i < n; i++) {
		struct proc_sample *p = sample_add_proc(s);

		p->pid = 100 + (int)i;
		p->start = 7;
		p->comm = xstrdup(i == 0 ? "we|ird" : "svc");
		p->fds = 100 * (long)(i + 1);
		p->limit = 1024;
	}
	sample_finish(s);
	return s;
}

static char weird[] = "we|ird", plain[] = "ird";

static struct alert make_alert(int pid, enum alert_level level, double eta)
{
	struct alert a;

	memset(&a, 0, sizeof(a));
	a.pid = pid;
	a.comm = pid == 100 ? weird : plain;
	a.level = level;
	a.fds = 812;
	a.limit = 1024;
	a.rate = 2.5;
	a.eta = eta;
	a.why = "growing";
	return a;
}

static char *render(const struct nagios_input *in)
{
	struct buf b;

	buf_init(&b);
	nagios_render(&b, in);
	return b.data;
}

static void test_ok(void **state)
{
	struct sample *s = make_sample(2);
	struct nagios_input in = { .s = s, .alerts = NULL, .nalerts = 0, .history = NAN };
	char *t;

	(void)state;
	assert_int_equal(nagios_state(&in), NAGIOS_OK);
	t = render(&in);
	assert_string_equal(t, "FDWATCH OK - 2 processes, 300 fds, no fd leak yet (the history "
			       "starts now) | processes=2;;;0 unreadable=0;;;0 warning=0;;;0 "
			       "critical=0;;;0 fds=300;;;0 max_fd_use=19.5%;80;95;0;100\n");
	free(t);
	in.history = 5400;
	t = render(&in);
	assert_non_null(strstr(t, "no fd leak in 1h30m of history |"));
	free(t);
	sample_free(s);
}

static void test_alerts(void **state)
{
	struct sample *s = make_sample(5);
	struct alert a[5] = {
		make_alert(100, LEVEL_CRITICAL, 60), make_alert(101, LEVEL_WARNING, 3600),
		make_alert(102, LEVEL_WARNING, 7200), make_alert(103, LEVEL_WARNING, NAN),
		make_alert(104, LEVEL_WARNING, NAN),
	};
	struct nagios_input in = { .s = s, .alerts = a, .nalerts = 5, .history = 60 };
	char *t, *first_end;

	(void)state;
	assert_int_equal(nagios_state(&in), NAGIOS_CRITICAL);
	t = render(&in);
	first_end = strchr(t, '\n');
	assert_non_null(first_end);
	*first_end = '\0';
	assert_true(strncmp(t, "FDWATCH CRITICAL - 5 of 5 processes: ", 37) == 0);
	/* The first line names three and counts the rest; a '|' in a name
	 * never reaches the plugin text, where it would start the perfdata. */
	assert_non_null(strstr(t, "we\\x7cird[100] 812/1024 fds, +2.5/s, limit in 1m00s"));
	assert_non_null(strstr(t, "; and 2 more |"));
	assert_non_null(strstr(t, " warning=4;;;0 critical=1;;;0 "));
	assert_int_equal(strchr(t, '|') - t, strrchr(t, '|') - t);
	/* Then one line per alerting process, most urgent first as given. */
	assert_true(strncmp(first_end + 1, "CRITICAL: we\\x7cird[100]", 24) == 0);
	assert_non_null(strstr(first_end + 1, "\nWARNING: ird[104] 812/1024 fds, +2.5/s\n"));
	free(t);
	in.nalerts = 2;
	in.alerts = a + 1;
	assert_int_equal(nagios_state(&in), NAGIOS_WARNING);
	sample_free(s);
}

/* Per-process perfdata for the alerting processes, at the -w/-c
 * thresholds, with names reduced to what perfdata parsers take. */
static void test_proc_perfdata(void **state)
{
	struct sample *s = make_sample(2);
	struct alert a[2] = { make_alert(100, LEVEL_CRITICAL, 60), make_alert(101, LEVEL_WARNING, NAN) };
	struct nagios_input in = { .s = s, .alerts = a, .nalerts = 2, .history = 60,
				   .warn_use = 50, .crit_use = 90, .verbose = 1 };
	char *t, *nl;

	(void)state;
	t = render(&in);
	nl = strchr(t, '\n');
	*nl = '\0';
	assert_non_null(strstr(t, " max_fd_use=19.5%;50;90;0;100 'we_ird[100]'=812;512;921;0;1024 "
				  "'ird[101]'=812;512;921;0;1024"));
	assert_int_equal(strchr(t, '|') - t, strrchr(t, '|') - t);
	/* -v: the processes nearest their limit follow the alert lines */
	assert_non_null(strstr(nl + 1, "\nNearest the limit: 'svc[101]' 200/1024 fds (19.5%)\n"
				       "Nearest the limit: 'we_ird[100]' 100/1024 fds (9.8%)\n"));
	free(t);
	sample_free(s);
}

/* However many alerts and however long their names, the first line stays
 * within 1 KiB and the output within 8 KiB, the rest counted. */
static void test_bounded(void **state)
{
	enum { N = 400 };
	struct sample *s = make_sample(3);
	struct alert *a = calloc(N, sizeof(*a));
	char *name = calloc(1, 600);
	struct nagios_input in = { .s = s, .alerts = a, .nalerts = N, .history = 60 };
	char *t, *nl;

	(void)state;
	memset(name, 'x', 599);
	for (int i = 0; i < N; i++) {
		a[i] = make_alert(1000 + i, LEVEL_CRITICAL, 10);
		a[i].comm = i < 3 ? name : plain;
	}
	t = render(&in);
	nl = strchr(t, '\n');
	assert_true(nl - t + 1 <= NAGIOS_FIRST_LINE_BYTES);
	assert_true(strlen(t) <= NAGIOS_OUTPUT_BYTES);
	assert_true(strncmp(t, "FDWATCH CRITICAL - 400 of 3 processes: ", 39) == 0);
	/* the perfdata of the host is whole; the text was cut */
	assert_non_null(strstr(t, "... | processes=3;;;0 "));
	assert_non_null(strstr(t, " critical=400;;;0 "));
	assert_non_null(strstr(t, "\n... and "));
	assert_true(t[strlen(t) - 1] == '\n');
	free(t);
	free(name);
	free(a);
	sample_free(s);
}

static void test_unknown(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	nagios_unknown(&b, "cannot read the process table");
	assert_string_equal(b.data, "FDWATCH UNKNOWN - cannot read the process table\n");
	assert_string_equal(nagios_state_name(NAGIOS_UNKNOWN), "UNKNOWN");
	assert_string_equal(nagios_state_name((enum nagios_state)9), "UNKNOWN");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_proc_perfdata),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
