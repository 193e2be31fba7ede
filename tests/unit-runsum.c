/* unit-runsum.c - run's summary: the process that peaked, the worst alert,
 * the exit status explained, hostile names escaped, and JSON that parses. */
#include "config.h"

#include <json-c/json.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runsum.h"

static struct sample *make_sample(double t, long fds_a, long fds_b)
{
	struct sample *s = sample_new();
	struct proc_sample *p;

	s->time = t;
	p = sample_add_proc(s);
	p->pid = 10;
	p->start = 1;
	p->comm = xstrdup("sh");
	p->fds = fds_a;
	p->limit = 1024;
	p = sample_add_proc(s);
	p->pid = 11;
	p->start = 2;
	p->comm = xstrdup("le\x1b[2Jak");
	p->fds = fds_b;
	p->limit = 256;
	sample_finish(s);
	return s;
}

static void feed(struct run_summary *rs)
{
	for (int i = 0; i < 5; i++) {
		struct sample *s = make_sample(100 + i, 4, i == 4 ? 0 : 10 + 20 * i);

		runsum_add_sample(rs, s);
		sample_free(s);
	}
}

static void test_text(void **state)
{
	struct run_summary rs;
	struct run_outcome oc = { "./test-suite", 0, 2, 4.2 };
	struct alert a;
	struct buf b;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	feed(&rs);
	assert_int_equal(rs.nsamples, 5);
	assert_int_equal(rs.nprocs, 2);
	/* The exiting process's 0 fds do not count as its last count. */
	assert_int_equal(runsum_peak(&rs)->key.pid, 11);
	assert_int_equal(runsum_peak(&rs)->last_fds, 70);

	memset(&a, 0, sizeof(a));
	a.pid = 11;
	a.comm = xstrdup("le\x1b[2Jak");
	a.level = LEVEL_WARNING;
	a.fds = 50;
	a.limit = 256;
	a.rate = 20;
	a.eta = 10;
	a.why = "growing";
	runsum_add_alert(&rs, &a);
	a.level = LEVEL_CRITICAL;
	a.fds = 70;
	runsum_add_alert(&rs, &a);
	a.level = LEVEL_WARNING; /* lower: not the worst */
	runsum_add_alert(&rs, &a);
	alert_clear(&a);

	buf_init(&b);
	runsum_write(&b, &rs, &oc, FORMAT_TEXT);
	assert_non_null(strstr(b.data, "fdwatch run: ./test-suite exited with status 0 after "));
	assert_non_null(strstr(b.data, "; 5 samples of 2 processes\n"));
	assert_non_null(strstr(b.data, "fdwatch run: peak 70 fds (limit 256) in le\\e[2Jak[11]; "
				       "10 -> 70 fds (+20.00/s)\n"));
	assert_non_null(strstr(b.data, "fdwatch run: CRITICAL fd leak: le\\e[2Jak[11] 70/256 fds"));
	assert_non_null(strstr(b.data, "fdwatch run: exit status 2 (the command succeeded but "
				       "leaked fds)\n"));
	assert_null(strchr(b.data, '\x1b'));
	buf_free(&b);
	runsum_free(&rs);
}

static void test_json(void **state)
{
	struct run_summary rs;
	struct run_outcome oc = { "cmd\"x", SIGKILL, 137, 1.5 };
	struct json_object *o, *v;
	struct buf b;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	feed(&rs);
	buf_init(&b);
	runsum_write(&b, &rs, &oc, FORMAT_JSON);
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	assert_null(memchr(b.data, '\n', b.len - 1)); /* one line */
	o = json_tokener_parse(b.data);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "command", &v));
	assert_string_equal(json_object_get_string(v), "cmd\"x");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "signal", &v));
	assert_int_equal(json_object_get_int(v), SIGKILL);
	assert_true(json_object_object_get_ex(o, "level", &v));
	assert_string_equal(json_object_get_string(v), "ok");
	assert_true(json_object_object_get_ex(o, "alert", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "peak", &v));
	assert_int_equal(json_object_get_int(json_object_object_get(v, "fds")), 70);
	assert_int_equal(json_object_get_int(json_object_object_get(v, "limit")), 256);
	json_object_put(o);
	buf_free(&b);
	runsum_free(&rs);
}

static void test_empty(void **state)
{
	struct run_summary rs;
	struct run_outcome oc = { "true", 0, 0, 0.01 };
	struct buf b;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	assert_null(runsum_peak(&rs));
	buf_init(&b);
	runsum_write(&b, &rs, &oc, FORMAT_TEXT);
	assert_non_null(strstr(b.data, "; 0 samples of 0 processes\nfdwatch run: no fd leak "
				       "detected\n"));
	buf_reset(&b);
	runsum_write(&b, &rs, &oc, FORMAT_JSON);
	assert_non_null(strstr(b.data, "\"peak\": null"));
	buf_free(&b);
	runsum_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
