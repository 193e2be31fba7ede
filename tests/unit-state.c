/* unit-state.c - the state file: format round trip, damaged files, bounds
 * of the kept history, and the file mechanics (modes, lock, set aside). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include "state.h"
#include "track.h"

static struct sample *make_sample(double t, long fds_a, long fds_b)
{
	struct sample *s = sample_new();
	struct proc_sample *p = sample_add_proc(s);

	s->time = t;
	p->pid = 4242;
	p->start = 123456;
	p->comm = xstrdup("fet\"cher\n");
	p->user = xstrdup("www");
	p->fds = fds_a;
	p->limit = 1024;
	p->classified = true;
	p->types[FD_SOCKET] = (unsigned)fds_a - 4;
	p->types[FD_FILE] = 4;
	for (unsigned i = 0; i < 6; i++) {
		char ep[32];

		snprintf(ep, sizeof(ep), "10.0.0.%u:443", i);
		proc_sample_add_socks(p, "tcp", SOCK_OUT, ep, "CLOSE_WAIT", 10 - i);
	}
	proc_sample_add_socks(p, "unix", SOCK_NONE, NULL, NULL, 1);
	proc_sample_sort_groups(p);
	p = sample_add_proc(s);
	p->pid = 99;
	p->start = 5;
	p->comm = xstrdup("quiet");
	p->fds = fds_b;
	p->limit = -1;
	p->fd_err = EACCES;
	sample_finish(s);
	return s;
}

static void test_round_trip(void **state)
{
	struct state st, back;
	struct buf a, b;
	struct sample *s1 = make_sample(1000.5, 40, 7), *s2 = make_sample(1060.25, 50, 7);
	const struct state_proc *sp;
	char why[160];

	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&back, 0, sizeof(back));
	/* Added out of order: kept in time order. */
	state_add_sample(&st, s2);
	state_add_sample(&st, s1);
	assert_int_equal(state_count(&st), 4);
	buf_init(&a);
	state_format(&st, &a);
	assert_memory_equal(a.data, "fdwatch-state 1\n", 16);
	assert_int_equal(state_parse(&back, a.data, a.len, why, sizeof(why)), 0);
	buf_init(&b);
	state_format(&back, &b);
	assert_string_equal(a.data, b.data);
	sp = state_find(&back, 4242, 123456);
	assert_non_null(sp);
	assert_int_equal(sp->n, 2);
	assert_same_double(sp->recs[0].time, 1000.5);
	assert_int_equal(sp->recs[1].p.fds, 50);
	assert_string_equal(sp->recs[1].p.comm, "fet\"cher\n");
	assert_true(sp->recs[1].p.classified);
	assert_int_equal(sp->recs[1].p.nsocks, STATE_GROUPS); /* reduced */
	assert_string_equal(sp->recs[1].p.socks[0].endpoint, "10.0.0.0:443");
	assert_int_equal(sp->recs[1].p.socks[0].count, 10);
	assert_int_equal(sp->recs[1].p.limit, 1024);
	sp = state_find(&back, 99, 5);
	assert_non_null(sp);
	assert_int_equal(sp->recs[0].p.limit, -1);
	assert_int_equal(sp->recs[0].p.fd_err, EACCES);
	assert_false(sp->recs[0].p.classified);
	assert_null(state_find(&back, 4242, 1));
	buf_free(&a);
	buf_free(&b);
	state_clear(&st);
	state_clear(&back);
	sample_free(s1);
	sample_free(s2);
}

static void expect_damaged(const char *text, const char *why_part)
{
	struct state st;
	char why[160] = "";

	memset(&st, 0, sizeof(st));
	assert_int_equal(state_parse(&st, text, strlen(text), why, sizeof(why)), -EINVAL);
	if (!strstr(why, why_part))
		fail_msg("why '%s' lacks '%s'", why, why_part);
	state_clear(&st);
}

static void test_damaged(void **state)
{
	(void)state;
	expect_damaged("hello\n", "line 1");
	expect_damaged("{\"time\": 1, \"pid\": 1, \"start\": 1}\n", "line 1");
	expect_damaged("fdwatch-state 2\n", "version 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1, \"fds\": 3}\n{\"ti\n",
		       "line 3");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1}\n", "no \"fds\"");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"fds\": 3}\n", "\"start\"");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1, \"fds\": 3, "
		       "\"types\": {}, \"sockets\": [{\"proto\": \"tcp\"}]}\n", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": \"x\", \"pid\": 1, \"start\": 1}\n", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": -4, \"start\": 1}\n", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1}\n", "line 2");
	expect_damaged("fdwatch-state 1\n[1, 2]\n", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1} x\n", "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1, \"types\": 3}\n",
		       "line 2");
	expect_damaged("fdwatch-state 1\n{\"time\": 1, \"pid\": 1, \"start\": 1, \"sockets\": [],"
		       " \"types\": {\"file\": -1}}\n", "line 2");
}

/* A growing process sampled every interval for span seconds. */
static struct state *grow(double interval, double span, bool flat)
{
	struct state *st = xcalloc(1, sizeof(*st));

	for (double t = 0; t <= span; t += interval) {
		struct sample *s = make_sample(1e9 + t, flat ? 40 : 40 + (long)(t / 60), 7);

		state_add_sample(st, s);
		sample_free(s);
		/* As a run would: thin before every save. */
		if (((long)(t / interval)) % 50 == 0)
			state_thin(st, 1e9 + t);
	}
	state_thin(st, 1e9 + span);
	return st;
}

static void test_bounds(void **state)
{
	struct state *st;
	const struct state_proc *sp;
	struct buf b;

	(void)state;
	/* Three days at a 60 s cron interval: 48 h kept, bounded. */
	st = grow(60, 3 * 86400, false);
	sp = state_find(st, 4242, 123456);
	assert_non_null(sp);
	print_message("kept %zu records over 48 h at 60 s, oldest %.0f s old\n", sp->n,
		      3 * 86400 - (sp->recs[0].time - 1e9));
	assert_true(sp->n >= 60 && sp->n <= 300);
	assert_true(sp->recs[0].time >= 1e9 + 3 * 86400 - STATE_MAX_AGE);
	assert_true(sp->recs[0].time <= 1e9 + 3 * 86400 - STATE_MAX_AGE + 8 * 3600);
	/* The newest 16 are all there, 60 s apart. */
	for (size_t i = sp->n - 16; i + 1 < sp->n; i++)
		assert_same_double(sp->recs[i + 1].time - sp->recs[i].time, 60);
	/* The quiet process never moved: few points, groups only on the newest. */
	sp = state_find(st, 99, 5);
	assert_true(sp->n <= 60);
	buf_init(&b);
	state_format(st, &b);
	assert_true(b.len < 200 * 1024);
	buf_free(&b);
	state_clear(st);
	free(st);

	/* Two hours of checks every second stay small too. */
	st = grow(1, 7200, true);
	sp = state_find(st, 4242, 123456);
	assert_true(sp->n >= 16 && sp->n <= 80);
	for (size_t i = 0; i + 1 < sp->n; i++)
		if (sp->recs[i].p.classified)
			fail_msg("a flat process kept groups on an older record");
	assert_true(sp->recs[sp->n - 1].p.classified);
	state_clear(st);
	free(st);
}

static void test_gone(void **state)
{
	struct state st;
	struct sample *s = make_sample(1000, 40, 7);

	(void)state;
	memset(&st, 0, sizeof(st));
	state_add_sample(&st, s);
	sample_free(s);
	s = make_sample(1000 + STATE_GONE_AGE - 10, 41, 7);
	s->procs[0].pid = 99;  /* keep only pid 99 alive (two records) */
	s->procs[0].start = 5;
	s->nprocs = 1;
	state_add_sample(&st, s);
	s->nprocs = 2;
	sample_free(s);
	state_thin(&st, 1000 + STATE_GONE_AGE - 10);
	assert_non_null(state_find(&st, 4242, 123456));
	state_thin(&st, 1000 + STATE_GONE_AGE + 10);
	assert_null(state_find(&st, 4242, 123456));
	assert_non_null(state_find(&st, 99, 5));
	state_clear(&st);
}

static int count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void test_files(void **state)
{
	char dir[] = "/tmp/unit-state-XXXXXX", *sdir, *path, *cmd;
	struct state *st;
	struct sample *s = make_sample(1000, 40, 7);
	struct stat sb;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sdir = xasprintf("%s/a/b", dir);
	path = xasprintf("%s/state", sdir);
	/* Missing directories are created 0700, the file 0600. */
	assert_int_equal(state_open(path, &st), 0);
	assert_int_equal(state_count(st), 0);
	assert_false(st->set_aside);
	state_add_sample(st, s);
	assert_int_equal(state_save(st), 0);
	/* While we hold the lock, nobody else does. */
	{
		char *lock = xasprintf("%s.lock", path);

		fd = open(lock, O_RDWR);
		assert_true(fd >= 0);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
		state_close(st);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
		close(fd);
		free(lock);
	}
	assert_int_equal(stat(sdir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(count_prefix(sdir, ".state.tmp"), 0);
	/* It loads back. */
	assert_int_equal(state_open(path, &st), 0);
	assert_int_equal(state_count(st), 2);
	state_close(st);
	/* A damaged file is set aside and the history starts empty. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("fdwatch-state 1\n{\"time\": 1, \"pid\"", f);
	fclose(f);
	assert_int_equal(state_open(path, &st), 0);
	assert_true(st->set_aside);
	assert_int_equal(state_count(st), 0);
	assert_int_equal(count_prefix(sdir, "state.corrupt-"), 1);
	assert_int_equal(access(path, F_OK), -1);
	state_close(st);
	/* As root, a symlink at the state path is refused. */
	if (geteuid() == 0) {
		char *link = xasprintf("%s/link", sdir);

		assert_int_equal(symlink(path, link), 0);
		assert_int_equal(state_open(link, &st), -ELOOP);
		free(link);
	}
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
	free(sdir);
	sample_free(s);
}

/* One process of a run at time t with fds open of a limit of 1024. */
static struct sample *one_proc(double t, int pid, long fds)
{
	struct sample *s = sample_new();
	struct proc_sample *p = sample_add_proc(s);

	s->time = t;
	p->pid = pid;
	p->start = 77;
	p->comm = xstrdup("svc");
	p->fds = fds;
	p->limit = 1024;
	p->classified = true;
	p->types[FD_SOCKET] = (unsigned)fds - 5;
	p->types[FD_FILE] = 5;
	proc_sample_add_socks(p, "tcp", SOCK_OUT, "10.1.1.1:443", "CLOSE_WAIT", (unsigned)fds - 5);
	sample_finish(s);
	return s;
}

static void feed(const struct sample *s, void *tr)
{
	tracker_feed(tr, s, false);
}

/* What check does run after run: add, thin, write, read back; then the
 * level the tracker gives the process over the kept history. */
static enum alert_level judge_runs(double interval, double span, long (*fds_at)(double))
{
	struct state st;
	struct detect_params dp;
	struct tracker *tr;
	struct proc_key k = { 500, 77 };
	struct alert a;
	enum alert_level level;
	char why[160];

	memset(&st, 0, sizeof(st));
	for (double t = 0; t <= span; t += interval) {
		struct sample *s = one_proc(1e9 + t, 500, fds_at(t));
		struct buf b;

		state_add_sample(&st, s);
		sample_free(s);
		state_thin(&st, 1e9 + t);
		buf_init(&b);
		state_format(&st, &b);
		state_clear(&st);
		assert_int_equal(state_parse(&st, b.data, b.len, why, sizeof(why)), 0);
		buf_free(&b);
	}
	detect_params_default(&dp);
	tr = tracker_new(&dp);
	state_each_sample(&st, feed, tr);
	assert_true(tracker_alert(tr, &k, &a));
	level = a.level;
	alert_clear(&a);
	tracker_free(tr);
	state_clear(&st);
	return level;
}

static long slow_leak(double t)
{
	return 100 + (long)(t / 30); /* 2 fds a minute */
}

static long sawtooth(double t)
{
	return 100 + ((long)t % 1800) / 45; /* a pool: 100..139 every 30 min */
}

static long fast_leak(double t)
{
	return 100 + (long)(t / 2); /* 30 fds a minute */
}

static long steady(double t)
{
	return 100 + ((long)t % 7 == 0); /* one fd in and out */
}

static void test_cron_cadence(void **state)
{
	(void)state;
	/* Checks every minute from cron: a slow leak 7 h on (940 of 1024
	 * fds, the limit 40 min away) is critical; a pool's sawtooth and a
	 * steady process stay OK after 10 h. */
	assert_int_equal(judge_runs(60, 7 * 3600, slow_leak), LEVEL_CRITICAL);
	assert_int_equal(judge_runs(60, 10 * 3600, sawtooth), LEVEL_OK);
	assert_int_equal(judge_runs(60, 10 * 3600, steady), LEVEL_OK);
}

static void test_second_cadence(void **state)
{
	(void)state;
	/* A check every second: 15 fds/s... here 0.5 fd/s toward 1024 from
	 * 100, 25 min on (850 fds, the limit 6 min away) is critical; steady
	 * work stays OK. */
	assert_int_equal(judge_runs(1, 1500, fast_leak), LEVEL_CRITICAL);
	assert_int_equal(judge_runs(1, 1500, steady), LEVEL_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_cron_cadence),
		cmocka_unit_test(test_second_cadence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
