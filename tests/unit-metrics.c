/* unit-metrics.c - the Prometheus exposition of a synthetic sample and the
 * atomic textfile writer. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"

/* Counts the lines of text that start with prefix. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t k = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, k) == 0)
			n++;
	return n;
}

static struct sample *make_sample(void)
{
	struct sample *s = sample_new();
	struct proc_sample *p;

	s->time = 1764000000.25;
	p = sample_add_proc(s);
	p->pid = 4242;
	p->start = 123456;
	p->comm = xstrdup("fe\"t\\ch\ner\xff");
	p->fds = 812;
	p->limit = 1024;
	p->classified = true;
	p->types[FD_SOCKET] = 800;
	p->types[FD_FILE] = 12;
	for (unsigned i = 0; i < 12; i++) {
		char ep[32];

		snprintf(ep, sizeof(ep), "10.0.0.%u:443", i);
		proc_sample_add_socks(p, "tcp", SOCK_OUT, ep, "CLOSE_WAIT", 100 - i);
	}
	proc_sample_add_socks(p, "unix", SOCK_NONE, NULL, NULL, 3);
	/* Two names that differ only in invalid bytes escape alike. */
	proc_sample_add_socks(p, "unix", SOCK_LISTEN, "/run/a\xff", "LISTEN", 1);
	proc_sample_add_socks(p, "unix", SOCK_LISTEN, "/run/a\xfe", "LISTEN", 1);
	proc_sample_sort_groups(p);

	p = sample_add_proc(s);
	p->pid = 7;
	p->start = 99;
	p->comm = xstrdup("init");
	p->fds = 20;
	p->limit = -1;      /* unlimited: no limit series */
	p->fd_err = EACCES; /* unreadable: no types */
	sample_finish(s);
	return s;
}

static void test_render(void **state)
{
	struct sample *s = make_sample();
	struct metrics_input in = { .s = s, .verdicts = NULL, .sample_seconds = 0.0125, .top_k = 3,
				    .max_procs = 50, .state_damaged = -1 };
	struct buf b;

	(void)state;
	buf_init(&b);
	metrics_render(&b, &in);
	/* Every family has exactly one HELP and one TYPE line. */
	assert_int_equal(count_lines(b.data, "# HELP fdwatch_process_open_fds "), 1);
	assert_int_equal(count_lines(b.data, "# TYPE fdwatch_process_open_fds gauge"), 1);
	assert_int_equal(count_lines(b.data, "# TYPE fdwatch_process_sockets gauge"), 1);
	assert_int_equal(count_lines(b.data, "fdwatch_process_open_fds{"), 2);
	/* The limit of the unlimited process is absent, not 0 or -1. */
	assert_int_equal(count_lines(b.data, "fdwatch_process_fd_limit{"), 1);
	assert_non_null(strstr(b.data, "fdwatch_process_fd_limit{pid=\"4242\","));
	/* Hostile comm escaped: quote, backslash, newline; invalid UTF-8. */
	assert_non_null(strstr(b.data, "comm=\"fe\\\"t\\\\ch\\ner\xef\xbf\xbd\""));
	/* Types only for the classified process, and only those it holds. */
	assert_int_equal(count_lines(b.data, "fdwatch_process_fds_by_type{"), 2);
	assert_null(strstr(b.data, ",type=\"pipe\"}"));
	/* The use ratio where there is a limit. */
	assert_non_null(strstr(b.data, "fdwatch_process_fd_use_ratio{pid=\"4242\""));
	assert_int_equal(count_lines(b.data, "fdwatch_process_fd_use_ratio{"), 1);
	assert_non_null(strstr(b.data, "\nfdwatch_fd_use_ratio_max 0.79296875\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_last_sample_timestamp_seconds 1764000000.25\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_processes_omitted 0\n"));
	/* No history: no state health series. */
	assert_null(strstr(b.data, "fdwatch_state_damaged"));
	assert_non_null(strstr(b.data, ",type=\"socket\"} 800\n"));
	/* Top 3 socket groups, the rest summed. */
	assert_int_equal(count_lines(b.data, "fdwatch_process_sockets{"), 3);
	assert_non_null(strstr(b.data, "proto=\"tcp\",direction=\"out\",endpoint=\"10.0.0.0:443\","
				       "state=\"CLOSE_WAIT\"} 100\n"));
	assert_null(strstr(b.data, "10.0.0.3:443"));
	/* 12 groups of 100..89 plus 3+1+1 unix: omitted = 97+..+89 + 5 */
	assert_non_null(strstr(b.data, "fdwatch_process_sockets_omitted{pid=\"4242\""));
	assert_non_null(strstr(b.data, "} 842\n"));
	/* No growth families without history. */
	assert_null(strstr(b.data, "fdwatch_process_fd_growth_per_second"));
	assert_non_null(strstr(b.data, "\nfdwatch_processes_sampled 2\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_processes_unreadable 1\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_open_fds 832\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_sample_duration_seconds 0.0125"));
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	buf_free(&b);
	sample_free(s);
}

static void test_render_growth(void **state)
{
	struct sample *s = make_sample();
	char tcp[] = "tcp", endpoint[] = "10.0.0.0:443", state_name[] = "CLOSE_WAIT";
	struct alert g[2];
	struct metrics_input in = { .s = s, .verdicts = g, .sample_seconds = NAN, .top_k = 100,
				    .max_procs = 50, .state_damaged = -1 };
	struct buf b;

	(void)state;
	memset(g, 0, sizeof(g));
	/* procs are sorted by pid: 7 first, then 4242 */
	g[0].pid = 7;
	g[0].rate = NAN; /* not growing: a rate of 0 */
	g[0].eta = NAN;
	g[0].level = LEVEL_OK;
	g[1].pid = 4242;
	g[1].rate = 2.5;
	g[1].eta = 84.8;
	g[1].level = LEVEL_CRITICAL;
	g[1].src.kind = SRC_SOCKET;
	g[1].src.proto = tcp;
	g[1].src.dir = SOCK_OUT;
	g[1].src.endpoint = endpoint;
	g[1].src.state = state_name;
	g[0].src.kind = SRC_FILE; /* not alerting: no source series */
	buf_init(&b);
	metrics_render(&b, &in);
	/* 15 groups, the two look-alike unix names merged into one series */
	assert_int_equal(count_lines(b.data, "fdwatch_process_sockets{"), 14);
	assert_non_null(strstr(b.data, "endpoint=\"/run/a\xef\xbf\xbd\",state=\"LISTEN\"} 2\n"));
	assert_non_null(strstr(b.data, "} 0\n"));
	assert_int_equal(count_lines(b.data, "fdwatch_process_fd_growth_per_second{"), 2);
	assert_non_null(strstr(b.data, "fdwatch_process_fd_growth_per_second{pid=\"4242\""));
	assert_non_null(strstr(b.data, "fdwatch_process_fd_growth_per_second{pid=\"7\",comm=\"init\"} 0\n"));
	/* ETA only where it is finite. */
	assert_int_equal(count_lines(b.data, "fdwatch_process_fd_limit_eta_seconds{"), 1);
	assert_non_null(strstr(b.data, "} 84.799999999999997\n"));
	assert_int_equal(count_lines(b.data, "fdwatch_process_alert_level{"), 2);
	assert_int_equal(count_lines(b.data, "fdwatch_process_growth_source_info{"), 1);
	assert_non_null(strstr(b.data, ",type=\"socket\",proto=\"tcp\",direction=\"out\","
				       "endpoint=\"10.0.0.0:443\",state=\"CLOSE_WAIT\",dir=\"\",kind=\"\"} 1\n"));
	assert_non_null(strstr(b.data, "fdwatch_sample_duration_seconds NaN\n"));
	buf_free(&b);
	sample_free(s);
}

/* n processes: pid 100+i with 10+i fds of 1000, the last two of a unit
 * and a container. */
static struct sample *make_many(size_t n)
{
	struct sample *s = sample_new();

	s->time = 1764000000;
	for (size_t i = 0; i < n; i++) {
		struct proc_sample *p = sample_add_proc(s);

		p->pid = 100 + (int)i;
		p->start = 1;
		p->comm = xasprintf("w%zu", i);
		p->fds = 10 + (long)i;
		p->limit = 1000;
		if (i + 2 >= n) {
			p->unit = xstrdup("web.service");
			p->container = xstrdup("c0ffee");
		}
	}
	sample_finish(s);
	return s;
}

/* --max-processes keeps the most urgent (the alert level first, then the
 * use of the limit), --min-fds drops the small; the aggregates count all. */
static void test_bounded(void **state)
{
	struct sample *s = make_many(20);
	struct alert g[20];
	struct metrics_input in = { .s = s, .sample_seconds = 0, .top_k = 10, .max_procs = 3,
				    .state_damaged = 1 };
	struct buf b;

	(void)state;
	buf_init(&b);
	metrics_render(&b, &in);
	assert_int_equal(count_lines(b.data, "fdwatch_process_open_fds{"), 3);
	/* the three fullest: pids 117, 118, 119 */
	assert_non_null(strstr(b.data, "fdwatch_process_open_fds{pid=\"117\""));
	assert_non_null(strstr(b.data, "fdwatch_process_open_fds{pid=\"119\",comm=\"w19\","
				       "unit=\"web.service\",container=\"c0ffee\"} 29\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_processes_omitted 17\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_state_damaged 1\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_unit_open_fds{unit=\"web.service\"} 57\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_container_processes{container=\"c0ffee\"} 2\n"));
	assert_non_null(strstr(b.data, "\nfdwatch_unit_fd_use_ratio_max{unit=\"web.service\"} "
				       "0.029000000000000001\n"));
	assert_null(strstr(b.data, "fdwatch_unit_alert_level"));
	buf_free(&b);

	/* An alerting process comes first, however small. */
	memset(g, 0, sizeof(g));
	for (int i = 0; i < 20; i++) {
		g[i].pid = 100 + i;
		g[i].rate = g[i].eta = NAN;
	}
	g[2].level = LEVEL_WARNING;
	in.verdicts = g;
	buf_init(&b);
	metrics_render(&b, &in);
	assert_int_equal(count_lines(b.data, "fdwatch_process_alert_level{"), 3);
	assert_non_null(strstr(b.data, "fdwatch_process_alert_level{pid=\"102\",comm=\"w2\"} 1\n"));
	assert_null(strstr(b.data, "fdwatch_process_open_fds{pid=\"117\""));
	assert_non_null(strstr(b.data, "\nfdwatch_unit_alert_level{unit=\"web.service\"} 0\n"));
	buf_free(&b);

	/* --min-fds 25: only 115..119 qualify, and the alerting 102. */
	in.max_procs = 50;
	in.min_fds = 25;
	buf_init(&b);
	metrics_render(&b, &in);
	assert_int_equal(count_lines(b.data, "fdwatch_process_open_fds{"), 6);
	assert_non_null(strstr(b.data, "fdwatch_process_open_fds{pid=\"102\""));
	assert_null(strstr(b.data, "fdwatch_process_open_fds{pid=\"114\""));
	/* --max-processes 0: no per-process series at all. */
	in.max_procs = 0;
	buf_reset(&b);
	metrics_render(&b, &in);
	assert_int_equal(count_lines(b.data, "fdwatch_process_"), 0);
	assert_non_null(strstr(b.data, "\nfdwatch_processes_omitted 20\n"));
	buf_free(&b);
	sample_free(s);
}

/* At most 100 units (and containers) have aggregates, the fullest; the
 * rest are counted. */
static void test_groups_bounded(void **state)
{
	struct sample *s = sample_new();
	struct metrics_input in = { .s = s, .top_k = 10, .max_procs = 0, .state_damaged = -1 };
	struct buf b;

	(void)state;
	for (int i = 0; i < 120; i++) {
		struct proc_sample *p = sample_add_proc(s);

		p->pid = 1000 + i;
		p->comm = xstrdup("svc");
		p->fds = 10 + i;
		p->limit = 1000;
		p->unit = xasprintf("s%03d.service", i);
	}
	sample_finish(s);
	buf_init(&b);
	metrics_render(&b, &in);
	assert_int_equal(count_lines(b.data, "fdwatch_unit_open_fds{"), 100);
	assert_non_null(strstr(b.data, "\nfdwatch_units_omitted 20\n"));
	/* the fullest stay, the emptiest go */
	assert_non_null(strstr(b.data, "fdwatch_unit_open_fds{unit=\"s119.service\"} 129\n"));
	assert_null(strstr(b.data, "unit=\"s019.service\""));
	assert_non_null(strstr(b.data, "unit=\"s020.service\""));
	buf_free(&b);
	sample_free(s);
}

static void test_value(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	metrics_value(&b, 3);
	buf_addc(&b, ' ');
	metrics_value(&b, INFINITY);
	buf_addc(&b, ' ');
	metrics_value(&b, 0.5);
	assert_string_equal(b.data, "3 +Inf 0.5");
	buf_free(&b);
}

/* Number of entries in dir, . and .. excluded. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_atomic(void **state)
{
	char dir[] = "/tmp/unit-metrics-XXXXXX", *path, *text = NULL;
	FILE *f;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/fdwatch.prom", dir);
	assert_int_equal(write_file_atomic(path, "a 1\n", 4, 0644), 0);
	assert_int_equal(write_file_atomic(path, "b 2\n", 4, 0644), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, 64);
	n = (long)fread(text, 1, 63, f);
	fclose(f);
	assert_int_equal(n, 4);
	assert_string_equal(text, "b 2\n");
	assert_int_equal(dir_entries(dir), 1); /* no temp file left */
	free(text);
	/* A directory that does not exist: an error, nothing created. */
	free(path);
	path = xasprintf("%s/missing/fdwatch.prom", dir);
	assert_int_equal(write_file_atomic(path, "c 3\n", 4, 0644), -ENOENT);
	/* A path that is a directory: rename fails, the temp file is gone. */
	free(path);
	path = xasprintf("%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(write_file_atomic(path, "d 4\n", 4, 0644) < 0);
	assert_int_equal(dir_entries(dir), 2);
	rmdir(path);
	free(path);
	path = xasprintf("%s/fdwatch.prom", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_growth),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_groups_bounded),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
