/* unit-topview.c - the live view's model rendered to text without a
 * terminal: layout at several widths, sort, filter, keys, detail view,
 * sparkline and chart, escaping of hostile names, ASCII fallback. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "kinds.h"
#include "topview.h"

/* A sample of three processes: a leaking client, a steady server, and an
 * unreadable one. */
static struct sample *make_sample(const char *leaker_comm)
{
	struct sample *s = sample_new();
	struct proc_sample *p;

	p = sample_add_proc(s);
	p->pid = 100;
	p->start = 5000;
	p->comm = xstrdup("steady-srv");
	p->user = xstrdup("www");
	p->fds = 300;
	p->limit = 1024;
	p->classified = true;
	p->types[FD_SOCKET] = 290;
	p->types[FD_FILE] = 10;
	proc_sample_add_socks(p, "tcp", SOCK_IN, "0.0.0.0:80", "ESTABLISHED", 289);
	proc_sample_add_socks(p, "tcp", SOCK_LISTEN, "0.0.0.0:80", "LISTEN", 1);

	p = sample_add_proc(s);
	p->pid = 4242;
	p->start = 7000;
	p->comm = xstrdup(leaker_comm);
	p->user = xstrdup("app");
	p->fds = 812;
	p->limit = 1024;
	p->classified = true;
	p->types[FD_SOCKET] = 800;
	p->types[FD_FILE] = 6;
	p->types[FD_PIPE] = 2;
	p->types[FD_ANON] = 4;
	kind_counts_add(&p->kinds, &p->nkinds, KIND_TCP, 800);
	kind_counts_add(&p->kinds, &p->nkinds, KIND_REGULAR, 6);
	kind_counts_add(&p->kinds, &p->nkinds, kind_of_anon("anon_inode:inotify"), 3);
	kind_counts_add(&p->kinds, &p->nkinds, KIND_PIPE, 2);
	kind_counts_add(&p->kinds, &p->nkinds, kind_of_anon("anon_inode:[eventfd]"), 1);
	proc_sample_add_socks(p, "tcp", SOCK_OUT, "127.0.0.1:8080", "CLOSE_WAIT", 640);
	proc_sample_add_socks(p, "tcp", SOCK_OUT, "10.0.0.1:5432", "ESTABLISHED", 160);
	/* the leak's other ends, held by a process with a hostile name */
	p->socks[0].peers_state = PEERS_KNOWN;
	p->socks[0].peers = calloc(1, sizeof(*p->socks[0].peers));
	p->socks[0].peers[0].pid = 812;
	p->socks[0].peers[0].comm = xstrdup("ng\x1b[2Jx");
	p->socks[0].peers[0].count = 640;
	p->socks[0].npeers = 1;
	p->socks[0].idle_state = IDLE_KNOWN;
	p->socks[0].idle_min = 62.5;
	p->socks[0].idle_median = 80;
	p->socks[0].idle_max = 95;
	/* idle known, no local peer */
	p->socks[1].idle_state = IDLE_KNOWN;
	p->socks[1].idle_min = 3;
	p->socks[1].idle_median = 4;
	p->socks[1].idle_max = 5;
	p->files = calloc(2, sizeof(*p->files));
	p->files[0].dir = xstrdup("/tmp");
	p->files[0].count = 4;
	p->files[1].dir = xstrdup("/dev");
	p->files[1].count = 2;
	p->nfiles = 2;

	p = sample_add_proc(s);
	p->pid = 1;
	p->start = 10;
	p->comm = xstrdup("init");
	p->user = xstrdup("root");
	p->fds = -1;
	p->limit = -1;
	p->fd_err = 13;
	for (size_t i = 0; i < s->nprocs; i++)
		proc_sample_sort_groups(&s->procs[i]);
	sample_finish(s);
	s->time = 1764000000;
	/* The system's limits: a user at 122 of 128 inotify instances. */
	s->sys.valid = true;
	s->sys.files = 4549;
	s->sys.files_max = 2466165;
	s->sys.nr_open = 1048576;
	s->sys.max_instances = 128;
	s->sys.max_watches = 8192;
	s->sys.inotify = calloc(1, sizeof(*s->sys.inotify));
	s->sys.ninotify = 1;
	s->sys.inotify[0].uid = 1000;
	s->sys.inotify[0].user = xstrdup("app");
	s->sys.inotify[0].instances = 122;
	s->sys.inotify[0].watches = 300;
	return s;
}

static size_t index_of(const struct sample *s, int pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return i;
	fail_msg("pid %d not in sample", pid);
	return 0;
}

/* Fills the stats as the tracker would: 4242 critical and growing. */
static void fill(struct topview *v)
{
	const struct sample *s = topview_sample(v);
	size_t k = index_of(s, 4242), q = index_of(s, 100);
	struct tv_stats *st = topview_stats(v, k);

	st->level = TV_CRITICAL;
	st->rate = 2.5;
	st->eta = 84.8;
	st->src.kind = SRC_SOCKET;
	st->src.proto = xstrdup("tcp");
	st->src.dir = SOCK_OUT;
	st->src.endpoint = xstrdup("127.0.0.1:8080");
	st->src.state = xstrdup("CLOSE_WAIT");
	st->nseries = 20;
	st->series = calloc(20, sizeof(double));
	for (int i = 0; i < 20; i++)
		st->series[i] = 760 + 2.5 * i;
	st->nchart = 10;
	st->chart = calloc(10, sizeof(double));
	for (int i = 0; i < 10; i++)
		st->chart[i] = 400 + 45 * i;
	st->chart_span = 160;
	st->group_rate = calloc(2, sizeof(double));
	st->group_rate[0] = 2.5; /* sorted largest first: CLOSE_WAIT */
	st->group_rate[1] = 0;

	st = topview_stats(v, q);
	st->rate = 0;
	st->nseries = 20;
	st->series = calloc(20, sizeof(double));
	for (int i = 0; i < 20; i++)
		st->series[i] = 300;
}

static struct topview *make_view(bool ascii, const char *comm)
{
	struct topview *v = topview_new(ascii, 1.0);

	topview_set_host(v, "testhost");
	topview_set_sample(v, make_sample(comm));
	fill(v);
	topview_refresh(v);
	return v;
}

static char *render(struct topview *v, int cols, int rows)
{
	struct tv_screen scr;
	char *text;

	topview_render(v, cols, rows, &scr);
	/* Every line fits, and every segment is free of control bytes. */
	for (int i = 0; i < scr.rows; i++) {
		int w = 0;

		for (size_t k = 0; k < scr.lines[i].nsegs; k++) {
			const char *t = scr.lines[i].segs[k].text;

			for (const char *c = t; *c; c++)
				assert_false((unsigned char)*c < 0x20 || *c == 0x7f);
			w += tv_width(t);
		}
		assert_true(w <= cols);
		assert_int_equal(w, scr.lines[i].used);
	}
	text = tv_screen_text(&scr);
	tv_screen_free(&scr);
	return text;
}

/* The text of screen line n (0-based); caller frees. */
static char *line_of(const char *text, int n)
{
	const char *p = text, *e;

	while (n-- > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	e = strchr(p, '\n');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/* The screen line holding needle, or -1. */
static int line_with(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle);
	int n = 0;

	if (!hit)
		return -1;
	for (const char *p = text; p < hit; p++)
		n += *p == '\n';
	return n;
}

static void test_wide_layout(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	char *t = render(v, 120, 30);
	int h = line_with(t, "PID");
	char *hdr;

	(void)state;
	assert_true(h >= 0);
	hdr = line_of(t, h);
	for (const char *const *c = (const char *const[]){ "LVL", "PID", "USER", "COMMAND", "FDS",
							  "LIMIT", "USE%", "RATE/s", "ETA", "TREND",
							  "ENDPOINT", NULL }; *c; c++)
		assert_non_null(strstr(hdr, *c));
	/* The alerting process is the first row, with its level, its ETA and
	 * the growing endpoint. */
	{
		char *row = line_of(t, h + 1);

		assert_non_null(strstr(row, "CRIT"));
		assert_non_null(strstr(row, "4242"));
		assert_non_null(strstr(row, "fetcher"));
		assert_non_null(strstr(row, "+2.50"));
		assert_non_null(strstr(row, "1m24s"));
		assert_non_null(strstr(row, "\u2192127.0.0.1:8080 CLOSE_WAIT \u00d7640"));
		assert_non_null(strstr(row, "\u2588")); /* sparkline top */
		free(row);
	}
	/* Unknown values are shown as unknown, not as 0. */
	{
		char *row = line_of(t, line_with(t, "init"));

		assert_non_null(strstr(row, "?"));
		assert_non_null(strstr(row, "(not readable)"));
		free(row);
	}
	assert_non_null(strstr(t, "Processes: 3 shown of 3 (1 not readable)"));
	{
		char *row = line_of(t, line_with(t, "testhost"));

		assert_non_null(strstr(row, "Files: 4549 of 2466165  inotify app 122/128 (300 watches)"));
		free(row);
	}
	assert_non_null(strstr(t, "1 critical, 0 warning"));
	assert_non_null(strstr(t, "testhost"));
	free(hdr);
	free(t);
	topview_free(v);
}

static void test_narrow_layout(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	int widths[] = { 60, 61, 70, 80, 95, 100 };

	(void)state;
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		char *t = render(v, widths[i], 15);
		char *hdr = line_of(t, line_with(t, "PID"));

		/* The essentials stay at every width. */
		for (const char *const *c = (const char *const[]){ "LVL", "PID", "COMMAND", "FDS",
								  "RATE/s", "ETA", "ENDPOINT", NULL };
		     *c; c++)
			assert_non_null(strstr(hdr, *c));
		assert_non_null(strstr(t, "127.0.0.1:8080"));
		if (widths[i] == 60) {
			assert_null(strstr(hdr, "USER"));
			assert_null(strstr(hdr, "LIMIT"));
			assert_null(strstr(hdr, "TREND"));
		}
		free(hdr);
		free(t);
	}
	topview_free(v);
}

static void test_too_small(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	char *t = render(v, 59, 20);

	(void)state;
	assert_non_null(strstr(t, "terminal too small (59x20)"));
	assert_int_equal(line_with(t, "PID"), -1);
	free(t);
	t = render(v, 20, 3);
	assert_non_null(strstr(t, "terminal too"));
	free(t);
	topview_free(v);
}

static void test_sort_keys(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	const struct sample *s = topview_sample(v);
	char *t, *hdr;
	bool rev;

	(void)state;
	assert_int_equal(topview_sort(v, &rev), TV_COL_RATE);
	t = render(v, 120, 30);
	hdr = line_of(t, line_with(t, "PID"));
	assert_non_null(strstr(hdr, "RATE/s\u25be"));
	free(hdr);
	free(t);

	assert_true(topview_key(v, '>') & TV_ACT_REDRAW);
	assert_int_equal(topview_sort(v, NULL), TV_COL_ETA);
	assert_true(topview_key(v, '<') & TV_ACT_REDRAW);
	assert_true(topview_key(v, '<') & TV_ACT_REDRAW);
	assert_int_equal(topview_sort(v, NULL), TV_COL_USE);
	for (int i = 0; i < 10; i++)
		topview_key(v, '<');
	assert_int_equal(topview_sort(v, NULL), TV_COL_PID);
	t = render(v, 120, 30);
	hdr = line_of(t, line_with(t, "PID"));
	assert_non_null(strstr(hdr, "PID\u25b4"));
	assert_null(strstr(hdr, "RATE/s\u25be"));
	free(hdr);
	free(t);
	/* By pid: the alerting process stays first, then ascending pids. */
	assert_int_equal(s->procs[topview_row(v, 0)].pid, 4242);
	assert_int_equal(s->procs[topview_row(v, 1)].pid, 1);
	assert_int_equal(s->procs[topview_row(v, 2)].pid, 100);
	topview_key(v, 'r');
	assert_int_equal(s->procs[topview_row(v, 0)].pid, 4242);
	assert_int_equal(s->procs[topview_row(v, 1)].pid, 100);
	assert_int_equal(s->procs[topview_row(v, 2)].pid, 1);
	/* By FDS: unknown counts go last. */
	topview_key(v, '>');
	topview_key(v, '>');
	topview_key(v, '>');
	assert_int_equal(topview_sort(v, NULL), TV_COL_FDS);
	assert_int_equal(s->procs[topview_row(v, 1)].pid, 100);
	assert_int_equal(s->procs[topview_row(v, 2)].pid, 1);
	topview_free(v);
}

/* Adds a process with fds and limit (-1 unknown) to s. */
static void add_counted(struct sample *s, int pid, long fds, long limit)
{
	struct proc_sample *p = sample_add_proc(s);

	p->pid = pid;
	p->start = 1;
	p->comm = xstrdup("big");
	p->user = xstrdup("u");
	p->fds = fds;
	p->limit = limit;
}

/* Counts sort and show as integers, however large; unknown ones last. */
static void test_sort_counts(void **state)
{
	struct topview *v = topview_new(false, 1.0);
	struct sample *s = sample_new();
	char *t, *row;

	(void)state;
	add_counted(s, 10, 16777216, 33554432);
	add_counted(s, 11, 16777217, 33554433);
	add_counted(s, 12, -1, -1);
	add_counted(s, 13, 300, 1024);
	sample_finish(s);
	topview_set_sample(v, s);
	topview_refresh(v);
	while (topview_sort(v, NULL) != TV_COL_FDS)
		topview_key(v, '<');
	assert_int_equal(s->procs[topview_row(v, 0)].pid, 11);
	assert_int_equal(s->procs[topview_row(v, 1)].pid, 10);
	assert_int_equal(s->procs[topview_row(v, 2)].pid, 13);
	assert_int_equal(s->procs[topview_row(v, 3)].pid, 12);
	topview_key(v, '>');
	assert_int_equal(topview_sort(v, NULL), TV_COL_LIMIT);
	assert_int_equal(s->procs[topview_row(v, 0)].pid, 11);
	assert_int_equal(s->procs[topview_row(v, 3)].pid, 12);
	topview_key(v, '>');
	assert_int_equal(topview_sort(v, NULL), TV_COL_USE);
	assert_int_equal(s->procs[topview_row(v, 0)].pid, 11);
	assert_int_equal(s->procs[topview_row(v, 1)].pid, 10);
	assert_int_equal(s->procs[topview_row(v, 2)].pid, 13);
	assert_int_equal(s->procs[topview_row(v, 3)].pid, 12);
	t = render(v, 160, 20);
	assert_true(line_with(t, "     13 ") > 0);
	row = line_of(t, line_with(t, "     13 "));
	assert_non_null(strstr(row, "    300    1024    29 "));
	free(row);
	assert_true(line_with(t, "     12 ") > 0);
	row = line_of(t, line_with(t, "     12 "));
	assert_non_null(strstr(row, "      ?       -     - "));
	free(row);
	free(t);
	topview_free(v);
}

/* A count carried from an earlier listing is marked and its age said; an
 * unknown count is said, never added as 0. */
/* A process growing fast with no verdict yet is marked ("new" before the
 * detector's first window, "?" after) and shows the ETA of its rate, and
 * the header counts it and the processes sampled faster. */
static void test_unjudged_mark(void **state)
{
	struct topview *v = topview_new(false, 1.0);
	struct sample *s = sample_new();
	struct tv_stats *st;
	char *t, *row;

	(void)state;
	s->time = 1000;
	add_counted(s, 21, 120, 256);
	add_counted(s, 22, 200, 1024);
	add_counted(s, 23, 30, 1024);
	sample_finish(s);
	topview_set_sample(v, s);
	st = topview_stats(v, index_of(s, 21));
	st->rate = 19.5;
	st->eta = 136 / 19.5;
	st->unjudged = st->young = true;
	st->fast = 0.23;
	st = topview_stats(v, index_of(s, 22));
	st->rate = 40;
	st->eta = 824 / 40.0;
	st->unjudged = true;
	topview_refresh(v);
	t = render(v, 160, 20);
	assert_non_null(strstr(t, "Alerts: 0 critical, 0 warning, 2 growing fast, not judged yet"));
	assert_non_null(strstr(t, "(1 near the limit sampled every 0.23s)"));
	row = line_of(t, line_with(t, "     21 "));
	assert_true(strncmp(row, "new ", 4) == 0);
	assert_non_null(strstr(row, "7s"));
	free(row);
	row = line_of(t, line_with(t, "     22 "));
	assert_true(strncmp(row, "?   ", 4) == 0);
	assert_non_null(strstr(row, "21s"));
	free(row);
	row = line_of(t, line_with(t, "     23 "));
	assert_true(strncmp(row, "    ", 4) == 0);
	free(row);
	free(t);
	topview_free(v);
}

static void test_carried_counts(void **state)
{
	struct topview *v = topview_new(false, 1.0);
	struct sample *s = sample_new();
	char *t, *row;

	(void)state;
	s->time = 1000;
	add_counted(s, 12, -1, -1);
	add_counted(s, 13, 300, 1024);
	sample_finish(s);
	s->procs[1].fds_carried = true;
	s->procs[1].fds_time = 998;
	s->fds_age = 2;
	topview_set_sample(v, s);
	topview_refresh(v);
	t = render(v, 160, 20);
	assert_non_null(strstr(t, "FDs: 300 (1 unknown)  ~ counts up to 2.0s old"));
	row = line_of(t, line_with(t, "     13 "));
	assert_non_null(strstr(row, "   ~300    1024    29 "));
	free(row);
	free(t);
	while (s->procs[topview_row(v, 0)].pid != 13 && topview_sort(v, NULL) != TV_COL_PID)
		topview_key(v, '<');
	if (s->procs[topview_row(v, 0)].pid != 13)
		topview_key(v, TV_KEY_DOWN);
	topview_key(v, TV_KEY_ENTER);
	t = render(v, 160, 30);
	assert_non_null(strstr(t, "FDs 300 (listed 2.0s ago) of limit 1024"));
	free(t);
	topview_free(v);
}

static void test_filter(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	char *t;

	(void)state;
	assert_int_equal(topview_nrows(v), 3);
	topview_key(v, '/');
	topview_key(v, 'S');
	topview_key(v, 't');
	/* Narrows while typing, case-insensitively. */
	assert_int_equal(topview_nrows(v), 1);
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "Filter by name: St"));
	assert_non_null(strstr(t, "steady-srv"));
	assert_null(strstr(t, "fetcher"));
	free(t);
	topview_key(v, TV_KEY_ENTER);
	assert_int_equal(topview_nrows(v), 1);
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "Processes: 1 shown of 3"));
	assert_non_null(strstr(t, "Filter: St"));
	free(t);
	/* A new sample keeps the filter. */
	topview_set_sample(v, make_sample("fetcher"));
	fill(v);
	topview_refresh(v);
	assert_int_equal(topview_nrows(v), 1);
	/* Esc in the prompt restores the filter before; Esc in the list
	 * clears it. */
	topview_key(v, '/');
	topview_key(v, TV_KEY_BACKSPACE);
	topview_key(v, TV_KEY_BACKSPACE);
	assert_int_equal(topview_nrows(v), 3);
	topview_key(v, TV_KEY_ESC);
	assert_int_equal(topview_nrows(v), 1);
	topview_key(v, TV_KEY_ESC);
	assert_int_equal(topview_nrows(v), 3);
	/* No match says so. */
	topview_key(v, '/');
	topview_key(v, 'z');
	topview_key(v, 'z');
	topview_key(v, TV_KEY_ENTER);
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "no process matches"));
	free(t);
	topview_free(v);
}

static void test_hostile_name(void **state)
{
	struct topview *v = make_view(false, "\x1b[2J\x1b]0;x\x07\nevil\xff");
	char *t = render(v, 120, 30);

	(void)state;
	/* render() already checked that no control byte reaches the screen. */
	assert_non_null(strstr(t, "\\e[2J"));
	free(t);
	/* The detail view shows the whole name, escaped. */
	topview_key(v, TV_KEY_ENTER);
	t = render(v, 120, 40);
	assert_non_null(strstr(t, "\\e[2J\\e]0;x\\x07\\nevil\\xff"));
	free(t);
	topview_free(v);
}

static void test_ascii_fallback(void **state)
{
	struct topview *v = make_view(true, "f\xc3\xa9tcher");
	char *t = render(v, 120, 30);

	(void)state;
	for (const char *c = t; *c; c++)
		assert_true((unsigned char)*c < 0x80);
	assert_non_null(strstr(t, "->127.0.0.1:8080 CLOSE_WAIT x640"));
	assert_non_null(strstr(t, "f?tcher"));
	free(t);
	topview_key(v, TV_KEY_ENTER);
	t = render(v, 120, 50);
	for (const char *c = t; *c; c++)
		assert_true((unsigned char)*c < 0x80);
	assert_non_null(strstr(t, "limit"));
	free(t);
	topview_free(v);
}

static void test_sparkline(void **state)
{
	double up[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	double flat[] = { 5, 5, 5, 5 };
	double gap[] = { 10, NAN, 30 };
	struct buf b;

	(void)state;
	buf_init(&b);
	tv_sparkline(&b, up, 16, 8, false);
	/* The last 8 values, lowest to highest. */
	assert_string_equal(b.data, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	buf_reset(&b);
	tv_sparkline(&b, up, 16, 8, true);
	assert_string_equal(b.data, "_.,-~=*#");
	buf_reset(&b);
	/* Fewer values than room: right-aligned. */
	tv_sparkline(&b, flat, 4, 6, true);
	assert_string_equal(b.data, "  ____");
	buf_reset(&b);
	tv_sparkline(&b, gap, 3, 3, true);
	assert_string_equal(b.data, "_ #");
	buf_reset(&b);
	tv_sparkline(&b, NULL, 0, 3, true);
	assert_string_equal(b.data, "   ");
	buf_free(&b);
}

static void test_detail(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	struct fd_entry *e = calloc(3, sizeof(*e));
	unsigned long long start;
	int pid, act;
	char *t;

	(void)state;
	assert_false(topview_detail_proc(v, &pid, &start));
	act = topview_key(v, TV_KEY_ENTER);
	assert_true(act & TV_ACT_FDS);
	assert_true(topview_detail_proc(v, &pid, &start));
	assert_int_equal(pid, 4242);
	assert_int_equal(start, 7000);
	t = render(v, 120, 60);
	assert_non_null(strstr(t, "PID 4242  fetcher"));
	assert_non_null(strstr(t, "(listing...)"));
	free(t);

	e[0].fd = 0;
	e[0].type = FD_FILE;
	e[0].target = xstrdup("/dev/null");
	e[1].fd = 3;
	e[1].type = FD_SOCKET;
	e[1].target = xstrdup("tcp 127.0.0.1:40000->127.0.0.1:8080 CLOSE_WAIT");
	e[2].fd = 4;
	e[2].type = FD_FILE;
	e[2].target = xstrdup("/tmp/\x1b[2Jx");
	topview_set_fds(v, e, 3);
	t = render(v, 120, 60);
	assert_non_null(strstr(t, "CRITICAL"));
	assert_non_null(strstr(t, "Types  file 6   socket 800   pipe 2   anon 4   other 0"));
	assert_non_null(strstr(t, "Kinds  tcp 800   regular 6   inotify 3   pipe 2   eventfd 1"));
	/* Socket groups with their own growth. */
	{
		char *row = line_of(t, line_with(t, "127.0.0.1:8080  "));

		assert_non_null(strstr(row, "out"));
		assert_non_null(strstr(row, "CLOSE_WAIT"));
		assert_non_null(strstr(row, "640"));
		assert_non_null(strstr(row, "+2.50"));
		free(row);
	}
	/* The chart marks the limit. */
	{
		int l = line_with(t, " limit");
		char *row;

		assert_true(l > 0);
		row = line_of(t, l);
		assert_non_null(strstr(row, "1024"));
		free(row);
	}
	/* Under the group: its idle range, the peer (escaped), the sentence
	 * and what CLOSE_WAIT means. */
	assert_non_null(strstr(t, "idle 62-95 s, toward ng\\e[2Jx[812]"));
	assert_non_null(strstr(t, "640 sockets to 127.0.0.1:8080 CLOSE_WAIT, idle 62-95 s, none "
				  "active in the last 62 s"));
	assert_non_null(strstr(t, "CLOSE_WAIT: the peer closed, this process never closed its end"));
	/* idle without peers: no dangling ", " */
	assert_non_null(strstr(t, "idle 3.0-5.0 s"));
	assert_null(strstr(t, "idle 3.0-5.0 s,"));
	assert_null(strstr(t, "\x1b[2J"));
	assert_non_null(strstr(t, "Open fds (3)"));
	assert_non_null(strstr(t, "/dev/null"));
	assert_non_null(strstr(t, "/tmp/\\e[2Jx"));
	free(t);

	/* A small screen scrolls the document. */
	t = render(v, 80, 12);
	assert_null(strstr(t, "/dev/null"));
	free(t);
	topview_key(v, TV_KEY_END);
	t = render(v, 80, 12);
	assert_non_null(strstr(t, "/tmp/\\e[2Jx"));
	assert_non_null(strstr(t, "PID 4242")); /* the title stays */
	free(t);
	topview_key(v, TV_KEY_HOME);
	t = render(v, 80, 12);
	assert_non_null(strstr(t, "Types"));
	free(t);

	/* An error listing says why. */
	topview_set_fds(v, NULL, -13);
	t = render(v, 120, 60);
	assert_non_null(strstr(t, "cannot be listed: Permission denied"));
	free(t);

	/* Esc returns to the list with the same selection. */
	assert_true(topview_key(v, TV_KEY_ESC) & TV_ACT_REDRAW);
	assert_false(topview_detail_proc(v, &pid, &start));
	assert_int_equal(topview_selected(v)->pid, 4242);
	t = render(v, 120, 30);
	assert_true(line_with(t, "ENDPOINT") >= 0);
	free(t);
	topview_free(v);
}

static void test_detail_exited(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	struct sample *s = sample_new();
	char *t;

	(void)state;
	topview_key(v, TV_KEY_ENTER);
	sample_finish(s);
	topview_set_sample(v, s);
	topview_refresh(v);
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "PID 4242 has exited"));
	free(t);
	topview_key(v, TV_KEY_ESC);
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "Processes: 0 shown of 0"));
	free(t);
	topview_free(v);
}

static void test_selection(void **state)
{
	struct topview *v = make_view(false, "fetcher");

	(void)state;
	assert_int_equal(topview_selected(v)->pid, 4242);
	topview_key(v, TV_KEY_DOWN);
	assert_int_equal(topview_selected(v)->pid, 100);
	/* The selection follows its process into the next sample. */
	topview_set_sample(v, make_sample("fetcher"));
	fill(v);
	topview_refresh(v);
	assert_int_equal(topview_selected(v)->pid, 100);
	topview_key(v, TV_KEY_END);
	assert_int_equal(topview_selected(v)->pid, 1);
	topview_key(v, TV_KEY_DOWN);
	assert_int_equal(topview_selected(v)->pid, 1);
	topview_key(v, TV_KEY_HOME);
	assert_int_equal(topview_selected(v)->pid, 4242);
	topview_key(v, TV_KEY_UP);
	assert_int_equal(topview_selected(v)->pid, 4242);
	topview_key(v, TV_KEY_PGDN);
	assert_int_equal(topview_selected(v)->pid, 1);
	topview_free(v);
}

static void test_keys(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	char *t;

	(void)state;
	assert_true(topview_key(v, 'q') & TV_ACT_QUIT);
	assert_false(topview_paused(v));
	assert_true(topview_key(v, ' ') & TV_ACT_SCHEDULE);
	assert_true(topview_paused(v));
	t = render(v, 100, 20);
	assert_non_null(strstr(t, "PAUSED"));
	free(t);
	topview_key(v, ' ');
	assert_false(topview_paused(v));
	assert_true(topview_key(v, '+') & TV_ACT_SCHEDULE);
	assert_true(topview_interval(v) > 1.0);
	topview_key(v, '-');
	topview_key(v, '-');
	assert_true(topview_interval(v) < 1.0);
	for (int i = 0; i < 30; i++)
		topview_key(v, '-');
	assert_true(topview_interval(v) > 0.05);
	/* Help lists the keys; any key returns. */
	topview_key(v, 'h');
	t = render(v, 100, 30);
	assert_non_null(strstr(t, "keys"));
	assert_non_null(strstr(t, "filter by process name"));
	free(t);
	assert_false(topview_key(v, 'x') & TV_ACT_QUIT);
	t = render(v, 100, 30);
	assert_true(line_with(t, "ENDPOINT") >= 0);
	free(t);
	/* A message shows until the next key. */
	topview_message(v, "hello\x1b[2J");
	t = render(v, 100, 30);
	assert_non_null(strstr(t, "hello\\e[2J"));
	free(t);
	topview_key(v, TV_KEY_DOWN);
	t = render(v, 100, 30);
	assert_null(strstr(t, "hello"));
	free(t);
	topview_free(v);
}

static void test_no_sample(void **state)
{
	struct topview *v = topview_new(false, 0.25);
	char *t;

	(void)state;
	t = render(v, 80, 20);
	assert_non_null(strstr(t, "every 0.25s"));
	assert_non_null(strstr(t, "taking the first sample"));
	free(t);
	assert_null(topview_selected(v));
	assert_int_equal(topview_key(v, TV_KEY_ENTER), 0);
	topview_free(v);
}


static void test_selection_stays_on_top(void **state)
{
	struct topview *v = topview_new(false, 1.0);
	struct sample *s = make_sample("fetcher");

	(void)state;
	/* First sample: nothing alerts; the fastest-growing process leads. */
	topview_set_sample(v, s);
	topview_stats(v, index_of(s, 100))->rate = 1.0;
	topview_refresh(v);
	assert_int_equal(topview_selected(v)->pid, 100);
	/* Next sample: the leak is detected and moves to the top; an
	 * untouched selection goes with the top row. */
	topview_set_sample(v, make_sample("fetcher"));
	fill(v);
	topview_refresh(v);
	assert_int_equal(topview_selected(v)->pid, 4242);
	topview_free(v);
}

static void test_endpoint_choice(void **state)
{
	struct topview *v = topview_new(false, 1.0);
	struct sample *s = make_sample("fetcher");
	size_t k = index_of(s, 4242);
	struct tv_stats *st;
	char *t;

	(void)state;
	topview_set_sample(v, s);
	/* No source known: the fastest-growing group wins over the largest. */
	st = topview_stats(v, k);
	st->group_rate = calloc(2, sizeof(double));
	st->group_rate[0] = 0;
	st->group_rate[1] = 0.5;
	topview_refresh(v);
	t = render(v, 120, 20);
	assert_non_null(strstr(t, "\u2192" "10.0.0.1:5432 ESTABLISHED \u00d7160"));
	free(t);
	/* A file leak names the type and directory, with that directory's
	 * count when the sample has it. */
	st->src.kind = SRC_FILE;
	st->src.path = xstrdup("/var/log/app");
	t = render(v, 120, 20);
	assert_non_null(strstr(t, "file /var/log/app \u00d76"));
	free(t);
	free(st->src.path);
	st->src.path = xstrdup("/tmp");
	t = render(v, 120, 20);
	assert_non_null(strstr(t, "file /tmp \u00d74\n"));
	free(t);
	/* A pipe leak names the type with its count. */
	free(st->src.path);
	st->src.path = NULL;
	st->src.kind = SRC_TYPE;
	st->src.type = FD_PIPE;
	t = render(v, 120, 20);
	assert_non_null(strstr(t, "pipe \u00d72"));
	free(t);
	/* The unreadable process gets the hint in the header. */
	assert_non_null(strstr(t = render(v, 140, 20), "run as root or with CAP_SYS_PTRACE"));
	free(t);
	topview_free(v);
}

static void test_chart_limit_off_scale(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	struct sample *s = make_sample("fetcher");
	char *t;

	(void)state;
	s->procs[index_of(s, 4242)].limit = 1000000;
	topview_set_sample(v, s);
	fill(v);
	topview_refresh(v);
	topview_key(v, TV_KEY_ENTER);
	/* Alerting: the scale reaches the limit, wherever it is. */
	t = render(v, 120, 60);
	assert_null(strstr(t, "off the scale"));
	assert_true(line_with(t, "1000000 ") > 0);
	assert_true(line_with(t, " limit\n") > 0);
	free(t);
	/* Not alerting and far below it: the limit is named, not drawn. */
	topview_stats(v, index_of(s, 4242))->level = TV_OK;
	t = render(v, 120, 60);
	assert_non_null(strstr(t, "(limit 1000000 is off the scale)"));
	assert_int_equal(line_with(t, " limit\n"), -1);
	assert_non_null(strstr(t, "-2m40s"));
	free(t);
	topview_free(v);
}

static void test_detail_many_fds(void **state)
{
	struct topview *v = make_view(false, "fetcher");
	long n = 100000;
	struct fd_entry *e = calloc((size_t)n, sizeof(*e));
	char *t;

	(void)state;
	for (long i = 0; i < n; i++) {
		e[i].fd = (int)i;
		e[i].type = FD_SOCKET;
		e[i].target = xasprintf("tcp 127.0.0.1:%ld->127.0.0.1:8080 (CLOSE_WAIT)", 10000 + i);
	}
	topview_key(v, TV_KEY_ENTER);
	topview_set_fds(v, e, n);
	t = render(v, 100, 30);
	assert_non_null(strstr(t, "Types"));
	free(t);
	/* End shows the last fds; PgUp moves back by a page. */
	topview_key(v, TV_KEY_END);
	t = render(v, 100, 30);
	assert_non_null(strstr(t, " 99999  socket tcp 127.0.0.1:109999->127.0.0.1:8080 (CLOSE_WAIT)"));
	assert_null(strstr(t, " 99900  socket"));
	/* The status line tells the position in the document: at its end. */
	{
		char *st = line_of(t, 29);
		unsigned long a = 0, b = 0, total = 0;

		assert_int_equal(sscanf(st, "%lu-%lu/%lu", &a, &b, &total), 3);
		assert_int_equal(b, total);
		assert_true(total > 100000);
		assert_int_equal(b - a + 1, 25);
		free(st);
	}
	free(t);
	topview_key(v, TV_KEY_PGUP);
	t = render(v, 100, 30);
	assert_null(strstr(t, " 99999  socket"));
	assert_non_null(strstr(t, " 99970  socket"));
	free(t);
	topview_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wide_layout),
		cmocka_unit_test(test_narrow_layout),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_sort_counts),
		cmocka_unit_test(test_carried_counts),
		cmocka_unit_test(test_unjudged_mark),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_hostile_name),
		cmocka_unit_test(test_ascii_fallback),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_detail_exited),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_no_sample),
		cmocka_unit_test(test_selection_stays_on_top),
		cmocka_unit_test(test_endpoint_choice),
		cmocka_unit_test(test_chart_limit_off_scale),
		cmocka_unit_test(test_detail_many_fds),
	};

	/* Widths of non-ASCII characters need a UTF-8 locale. */
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "en_US.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
