/* unit-record.c - what a reader of the records trips over: numbers in the
 * shortest form that reads back the same, a group's idle times and peers
 * written and read back (null is unknown, never an empty list), "path" as
 * the old name of a file group's "dir", the trace header; and the HTML
 * escaper on hostile names. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "html.h"
#include "record.h"
#include "unit.h"

/* v as record_num writes it (caller frees). */
static char *num(double v)
{
	struct buf b;

	buf_init(&b);
	record_num(&b, v);
	buf_addc(&b, '\0');
	return b.data;
}

static void test_shortest_numbers(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 19.2, "19.2" }, { 2.5, "2.5" }, { 84.8, "84.8" }, { 0.1 + 0.2, "0.30000000000000004" },
		{ 1e-7, "1e-07" }, { 3, "3" }, { -4, "-4" }, { 1e20, "1e+20" }, { 1.0 / 3, "0.3333333333333333" },
	};
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = num(cases[i].v);

		assert_string_equal(t, cases[i].text);
		free(t);
	}
	{
		char *t = num(NAN);

		assert_string_equal(t, "null");
		free(t);
	}
	/* Whatever the value, the text reads back as the same double. */
	for (int i = 0; i < 2000; i++) {
		double v;
		char *t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = (double)(x >> 11) / (double)(1ULL << 53) * pow(10, (int)(x % 40) - 20);
		t = num(v);
		assert_true(strlen(t) <= 24);
		assert_same_double(strtod(t, NULL), v);
		free(t);
	}
}

static const char *parse(const char *line, bool strict, struct proc_sample *ps)
{
	double t;

	memset(ps, 0, sizeof(*ps));
	return record_parse_line(line, strlen(line), strict, &t, ps);
}

static void test_idle_and_peers_round_trip(void **state)
{
	struct proc_sample ps, back;
	struct buf b;
	const char *why;

	(void)state;
	why = parse("{\"time\": 1.5, \"pid\": 7, \"start\": 9, \"fds\": 30, \"types\": {\"socket\": 30},"
		    " \"sockets\": [{\"proto\": \"tcp\", \"direction\": \"out\", \"remote\":"
		    " \"127.0.0.1:8080\", \"state\": \"ESTABLISHED\", \"count\": 20, \"idle\":"
		    " {\"min\": 62.5, \"median\": 80, \"max\": 95.125}, \"peers\": [{\"pid\": 812,"
		    " \"start\": 5, \"comm\": \"nginx\", \"count\": 20}]},"
		    " {\"proto\": \"tcp\", \"direction\": \"out\", \"remote\": \"10.0.0.1:80\","
		    " \"state\": \"ESTABLISHED\", \"count\": 6, \"idle\": null, \"peers\": null},"
		    " {\"proto\": \"unix\", \"direction\": \"out\", \"remote\": \"/run/a\","
		    " \"state\": \"ESTABLISHED\", \"count\": 4, \"peers\": []}],"
		    " \"files\": [{\"path\": \"/var/log\", \"count\": 3}]}",
		    true, &ps);
	assert_null(why);
	assert_int_equal(ps.nsocks, 3);
	assert_int_equal(ps.socks[0].idle_state, IDLE_KNOWN);
	assert_same_double(ps.socks[0].idle_min, 62.5);
	assert_same_double(ps.socks[0].idle_max, 95.125);
	assert_int_equal(ps.socks[0].peers_state, PEERS_KNOWN);
	assert_int_equal(ps.socks[0].npeers, 1);
	assert_int_equal(ps.socks[0].peers[0].pid, 812);
	assert_string_equal(ps.socks[0].peers[0].comm, "nginx");
	assert_int_equal(ps.socks[1].idle_state, IDLE_UNKNOWN);
	assert_int_equal(ps.socks[1].peers_state, PEERS_UNKNOWN);
	/* an empty list would read as "nobody": it is taken as unknown */
	assert_int_equal(ps.socks[2].peers_state, PEERS_UNKNOWN);
	assert_int_equal(ps.socks[2].idle_state, IDLE_NONE);
	/* "path", the old name of "dir" */
	assert_int_equal(ps.nfiles, 1);
	assert_string_equal(ps.files[0].dir, "/var/log");

	buf_init(&b);
	record_proc_json(&b, 1.5, &ps);
	buf_addc(&b, '\0');
	assert_non_null(strstr(b.data, "\"idle\": {\"min\": 62.5, \"median\": 80, \"max\": 95.125}, "
				       "\"peers\": [{\"pid\": 812, \"start\": 5, \"comm\": \"nginx\", "
				       "\"count\": 20}]"));
	assert_non_null(strstr(b.data, "\"count\": 6, \"idle\": null, \"peers\": null}"));
	assert_non_null(strstr(b.data, "\"count\": 4, \"peers\": null}"));
	assert_null(parse(b.data, true, &back));
	assert_int_equal(back.socks[0].peers[0].count, 20);
	assert_same_double(back.socks[0].idle_median, 80);
	proc_sample_clear(&back);
	buf_free(&b);
	proc_sample_clear(&ps);

	/* malformed: rejected when strict, the group skipped when lenient */
	why = parse("{\"time\": 1, \"pid\": 7, \"start\": 1, \"fds\": 3, \"types\": {}, \"sockets\":"
		    " [{\"proto\": \"tcp\", \"direction\": \"out\", \"remote\": \"1.2.3.4:5\","
		    " \"state\": null, \"count\": 3, \"idle\": {\"min\": 9, \"median\": 2,"
		    " \"max\": 1}}]}", true, &ps);
	assert_non_null(why);
	proc_sample_clear(&ps);
	why = parse("{\"time\": 1, \"pid\": 7, \"fds\": 3, \"types\": {}, \"sockets\":"
		    " [{\"proto\": \"tcp\", \"direction\": \"out\", \"remote\": \"1.2.3.4:5\","
		    " \"state\": null, \"count\": 3, \"peers\": [{\"pid\": \"x\"}]}]}", false, &ps);
	assert_null(why);
	assert_int_equal(ps.nsocks, 0);
	proc_sample_clear(&ps);
}

static void test_trace_header(void **state)
{
	struct trace_header h = { NULL, NULL, NULL, 100, 0.25, 1764000000.25 }, back;
	struct proc_sample ps;
	struct buf b;

	(void)state;
	h.version = strdup("1.2");
	h.host = strdup("web\"1");
	h.boot_id = strdup("c177");
	buf_init(&b);
	record_header_json(&b, &h);
	buf_addc(&b, '\0');
	assert_string_equal(b.data, "{\"fdwatch\": \"1.2\", \"host\": \"web\\\"1\", \"boot_id\": "
				    "\"c177\", \"hz\": 100, \"interval\": 0.25, \"start_time\": "
				    "1764000000.25}\n");
	assert_ptr_equal(parse(b.data, true, &ps), record_is_header);
	proc_sample_clear(&ps);
	memset(&back, 0, sizeof(back));
	assert_null(record_parse_header(b.data, strlen(b.data), &back));
	assert_string_equal(back.host, "web\"1");
	assert_string_equal(back.boot_id, "c177");
	assert_int_equal(back.hz, 100);
	assert_same_double(back.interval, 0.25);
	assert_non_null(record_parse_header("{\"time\": 1}", 11, &back) ? "x" : NULL);
	trace_header_clear(&back);
	trace_header_clear(&h);
	buf_free(&b);
}

static void test_html_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	html_escape(&b, "<img src=x onerror=alert(1)>&\"'\x1b[2J\xff");
	buf_addc(&b, '\0');
	assert_null(strchr(b.data, '<'));
	assert_null(strchr(b.data, '>'));
	assert_null(strchr(b.data, '"'));
	assert_null(strchr(b.data, '\''));
	assert_null(strchr(b.data, '\x1b'));
	assert_null(strchr(b.data, '\xff'));
	assert_non_null(strstr(b.data, "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shortest_numbers),
		cmocka_unit_test(test_idle_and_peers_round_trip),
		cmocka_unit_test(test_trace_header),
		cmocka_unit_test(test_html_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
