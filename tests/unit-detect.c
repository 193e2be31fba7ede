/* unit-detect.c - the history series, the detector on synthetic series of
 * every shape it must tell apart, and the tracker's events and attribution. */
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
#include "unit.h"
#include <json-c/json.h>

#include "alert.h"
#include "detect.h"
#include "history.h"
#include "options.h"
#include "track.h"
#include "util.h"

static uint64_t rng = 88172645463325252ULL;

/* Uniform in [0, 1), deterministic (xorshift). */
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

typedef double (*shape_fn)(double t);

struct outcome {
	enum alert_level max_level;
	double first_alert;   /* time of the first warning or worse, NAN never */
	double rate_at_alert;
	double eta_at_alert;
};

/* Feeds shape(t) every dt seconds for n samples against limit and runs
 * the detector on every sample. */
static struct outcome run_shape(shape_fn f, double dt, long n, double limit)
{
	struct detect_params p;
	struct hseries s;
	struct detect_memo memo = { NULL, 0 };
	struct outcome o = { LEVEL_OK, NAN, NAN, NAN };

	detect_params_default(&p);
	hseries_init(&s);
	for (long i = 0; i < n; i++) {
		double t = 1000.0 + dt * (double)i, v = floor(f(t - 1000.0));
		struct verdict vd;

		if (v >= limit)
			break;
		hseries_add(&s, t, (float)v);
		detect_series(&s, v, limit, &p, &vd, &memo);
		if (vd.level > o.max_level)
			o.max_level = vd.level;
		if (vd.level != LEVEL_OK && isnan(o.first_alert)) {
			o.first_alert = t - 1000.0;
			o.rate_at_alert = vd.rate;
			o.eta_at_alert = vd.eta;
		}
	}
	hseries_free(&s);
	detect_memo_free(&memo);
	return o;
}

/* ---- the history ---- */

static void test_history_levels(void **state)
{
	struct hseries s;
	struct hbucket w[HIST_RING];
	int level;
	size_t n;

	(void)state;
	hseries_init(&s);
	for (int i = 0; i < 3600; i++)
		hseries_add(&s, (double)i, (float)(i % 10 == 5 ? i + 1000 : i));
	/* 3600 samples need levels 0..7 (32 << 6 = 2048 < 3600). */
	assert_int_equal(s.nlevels, 8);
	assert_true(hseries_bytes(&s) < 8 * 1024);
	assert_int_equal(hseries_level_len(&s, 0), HIST_RING);
	assert_int_equal(hseries_bucket(&s, 0, HIST_RING - 1)->t0, 3599.0);
	/* Level 3 buckets hold 8 samples; their floor ignores the bursts. */
	assert_int_equal((int)hseries_bucket(&s, 3, HIST_RING - 1)->t0, 3592);
	assert_same_double(hseries_bucket(&s, 3, HIST_RING - 2)->min, 3584.0f);
	assert_int_equal(hseries_bucket(&s, 3, HIST_RING - 2)->n, 8);
	/* A window reaching back 1000 s comes from the finest level holding it. */
	n = hseries_window(&s, 2600.0, w, &level);
	assert_int_equal(level, 5);
	assert_true(n >= 31 && n <= 32);
	assert_true(w[0].t0 <= 2600.0);
	assert_same_double(w[n - 1].t1, 3599.0);
	/* The floor of the oldest kept buckets. */
	assert_same_double(hseries_first_time(&s), 0.0);
	assert_same_double(hseries_max_floor(&s, 0.0, 1000.0), 896.0f);
	hseries_free(&s);
}

static void test_history_unknown(void **state)
{
	struct hseries s;

	(void)state;
	hseries_init(&s);
	hseries_add(&s, 1, NAN);
	hseries_add(&s, 2, 5);
	assert_true(isnan(hseries_bucket(&s, 0, 0)->min));
	for (int i = 3; i < 200; i++)
		hseries_add(&s, i, NAN);
	/* The level-1 bucket of samples 0 and 1 keeps the known value. */
	assert_same_double(hseries_max_floor(&s, 0, 3), 5.0f);
	hseries_free(&s);
}

static void test_theil_sen(void **state)
{
	double t[] = { 0, 1, 2, 3, 4, 5 }, v[] = { 0, 2, 4, 100, 8, 10 };

	(void)state;
	assert_true(fabs(detect_theil_sen(t, v, 6) - 2.0) < 1e-9);
	assert_true(isnan(detect_theil_sen(t, v, 1)));
}

/* ---- leaks: must be caught, early ---- */

static double leak_fast(double t) { return 40 + 20 * t; }           /* 0.25 s, limit 1024 */
static double leak_noisy(double t) { return 200 + 0.5 * t + 30 * urand(); }
static double leak_late(double t) { return t < 3600 ? 100 + 5 * urand() : 100 + 0.2 * (t - 3600); }
static double leak_saw(double t) { return 100 + 0.1 * t + 150 * fmod(t, 300) / 300; }
static double leak_stairs(double t) { return 50 + 25 * floor(t / 600); }
static double leak_slow(double t) { return 100 + t / 400.0 + 3 * urand(); } /* 60 s, ~4.3 days */

static void expect_leak(shape_fn f, double dt, long n, double limit, double start, double life)
{
	struct outcome o = run_shape(f, dt, n, limit);
	double lead;

	assert_int_equal(o.max_level, LEVEL_CRITICAL);
	assert_false(isnan(o.first_alert));
	lead = (start + life - o.first_alert) / life;
	print_message("    first alert at %.0f s, lead %.0f%% of the leak's life, rate %.4g/s\n",
		      o.first_alert, 100 * lead, o.rate_at_alert);
	assert_true(lead >= 0.5);
	assert_true(o.first_alert >= start);
}

static void test_leak_fast(void **state)
{
	(void)state;
	expect_leak(leak_fast, 0.25, 400, 1024, 0, (1024 - 40) / 20.0);
}

static void test_leak_noisy(void **state)
{
	struct outcome o;

	(void)state;
	expect_leak(leak_noisy, 1, 4000, 1024, 0, (1024 - 215) / 0.5);
	o = run_shape(leak_noisy, 1, 4000, 1024);
	assert_true(o.rate_at_alert > 0.35 && o.rate_at_alert < 0.7);
}

static void test_leak_late(void **state)
{
	(void)state;
	expect_leak(leak_late, 5, 12000, 1024, 3600, 924 / 0.2);
}

static void test_leak_under_sawtooth(void **state)
{
	(void)state;
	expect_leak(leak_saw, 5, 20000, 1024, 0, (1024 - 175) / 0.1);
}

static void test_leak_staircase(void **state)
{
	(void)state;
	expect_leak(leak_stairs, 10, 10000, 1024, 0, 974 / (25 / 600.0));
}

static void test_leak_slow(void **state)
{
	(void)state;
	expect_leak(leak_slow, 60, 8000, 1024, 0, 924 * 400.0);
}

/* ---- steady work: must raise nothing ---- */

static double steady_noise(double t) { (void)t; return 300 + 40 * urand(); }
static double steady_ramp(double t) { return t < 600 ? 20 + 0.3 * t : 200 + 5 * urand(); }
static double steady_saw(double t) { return 100 + 200 * fmod(t, 900) / 900; }
static double steady_fill(double t) { return 50 + 550 * (1 - exp(-t / 7200)); }
static double steady_step(double t) { return t < 5000 ? 100 : 450; }
static double steady_bursts(double t) { return fmod(t, 1800) < 120 ? 100 + 400 * urand() : 100; }
static double steady_wave(double t) { return 400 + 150 * sin(2 * M_PI * t / 86400); }
static double steady_decline(double t) { return 800 - 0.01 * t; }

static void expect_quiet(shape_fn f, double dt, long n)
{
	struct outcome o = run_shape(f, dt, n, 1024);

	if (o.max_level != LEVEL_OK)
		print_message("    false alarm at %.0f s (rate %.4g/s, eta %.0f s)\n", o.first_alert,
			      o.rate_at_alert, o.eta_at_alert);
	assert_int_equal(o.max_level, LEVEL_OK);
}

static void test_quiet_noise(void **state) { (void)state; expect_quiet(steady_noise, 1, 20000); }
static void test_quiet_ramp(void **state) { (void)state; expect_quiet(steady_ramp, 1, 20000); }
static void test_quiet_sawtooth(void **state) { (void)state; expect_quiet(steady_saw, 5, 20000); }
static void test_quiet_fill(void **state) { (void)state; expect_quiet(steady_fill, 10, 10000); }
static void test_quiet_step(void **state) { (void)state; expect_quiet(steady_step, 1, 20000); }
static void test_quiet_bursts(void **state) { (void)state; expect_quiet(steady_bursts, 5, 20000); }
static void test_quiet_wave(void **state) { (void)state; expect_quiet(steady_wave, 60, 4 * 1440); }
static void test_quiet_decline(void **state) { (void)state; expect_quiet(steady_decline, 10, 8000); }

/* ---- the tracker ---- */

static void add_proc(struct sample *s, int pid, long fds, unsigned leaked)
{
	struct proc_sample *p = sample_add_proc(s);

	p->pid = pid;
	p->start = 77;
	p->comm = xstrdup("lea\x1b[2Jker");
	p->fds = fds;
	p->limit = 256;
	p->classified = true;
	p->types[FD_FILE] = 5;
	p->types[FD_SOCKET] = (unsigned)(fds - 5);
	proc_sample_add_socks(p, "tcp", SOCK_OUT, "127.0.0.1:8080", "ESTABLISHED",
			      (unsigned)(fds - 5 - leaked));
	if (leaked)
		proc_sample_add_socks(p, "tcp", SOCK_OUT, "127.0.0.1:9999", "CLOSE_WAIT", leaked);
}

/* ---- one set of detector parameters for every command ---- */

/* The level a tracker with parameters p ends at on a steady leak toward a
 * limit of 1.54 million, about ten days away: between the default warning
 * horizon (7 days) and a --crit-eta of 30 days. */
static enum alert_level level_of_slow_leak(const struct detect_params *p)
{
	struct tracker *tr = tracker_new(p);
	struct proc_key k = { 4242, 77 };
	struct sample *s;
	struct alert a;
	enum alert_level level;

	for (long i = 0; i < 8000; i++) {
		struct proc_sample *ps;

		s = sample_new();
		s->time = 1e9 + 60.0 * (double)i;
		ps = sample_add_proc(s);
		ps->pid = k.pid;
		ps->start = k.start;
		ps->fds = 1000 + (long)(60.0 * 1.15 * (double)i);
		ps->limit = 1540000;
		sample_finish(s);
		tracker_feed(tr, s, true);
		sample_free(s);
	}
	assert_true(tracker_alert(tr, &k, &a));
	assert_true(a.eta > 7 * 86400.0 && a.eta < 30 * 86400.0);
	level = a.level;
	alert_clear(&a);
	tracker_free(tr);
	return level;
}

/* `top --crit-eta 2592000` once rated CRITICAL what log and check rated
 * OK: it built its parameters without the clamp of critical to warning.
 * Every command now takes o->detect, built once by options_parse. */
static void test_params_every_command(void **state)
{
	const char *const cmds[] = { "top", "log", "check", "metrics", "run", "replay" };
	struct detect_params first, unclamped;
	struct options o;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		char prog[] = "fdwatch", crit[] = "--crit-eta", eta[] = "2592000", dash[] = "--",
		     arg[] = "trace", cmd[16];
		char *argv[] = { prog, cmd, crit, eta, dash, arg, NULL };
		int argc = strcmp(cmds[i], "run") == 0 || strcmp(cmds[i], "replay") == 0 ? 6 : 4;

		snprintf(cmd, sizeof(cmd), "%s", cmds[i]);
		assert_int_equal(options_parse(&o, argc, argv), -1);
		if (i == 0)
			first = o.detect;
		assert_true(memcmp(&o.detect, &first, sizeof(first)) == 0);
		options_free(&o);
	}
	/* Critical is never farther than warning. */
	assert_true(first.crit_eta <= first.warn_eta);
	assert_int_equal(level_of_slow_leak(&first), LEVEL_OK);
	/* The parameters top used to build: the test above would fail. */
	detect_params_default(&unclamped);
	unclamped.crit_eta = 2592000;
	assert_int_equal(level_of_slow_leak(&unclamped), LEVEL_CRITICAL);
	/* Either horizon alone moves the other only as far as it must. */
	detect_params_default(&unclamped);
	options_set_horizons(&unclamped, 600, NAN);
	assert_same_double(unclamped.warn_eta, 600);
	assert_same_double(unclamped.crit_eta, 600);
}

static void test_tracker_events(void **state)
{
	struct detect_params p;
	struct tracker *tr;
	struct alert *ev;
	size_t nev, total = 0;
	enum alert_level seen[8];
	struct buf b;
	double t = 0;

	(void)state;
	detect_params_default(&p);
	tr = tracker_new(&p);
	buf_init(&b);
	/* 60 s steady with churn in the pool, 40 s leaking 2/s, 150 s holding. */
	for (int i = 0; i < 1000; i++, t += 0.25) {
		struct sample *s = sample_new();
		unsigned leaked = t < 60 ? 0 : t < 100 ? (unsigned)((t - 60) * 2) : 80;

		s->time = 1e9 + t;
		add_proc(s, 4242, 50 + (i % 7) + leaked, leaked);
		tracker_feed(tr, s, true);
		sample_free(s);
		nev = tracker_take_events(tr, &ev);
		for (size_t k = 0; k < nev; k++) {
			assert_true(total < 8);
			seen[total++] = ev[k].level;
			if (ev[k].level != LEVEL_OK) {
				assert_true(ev[k].time >= 1e9 + 60);
				assert_int_equal(ev[k].src.kind, SRC_SOCKET);
				assert_string_equal(ev[k].src.endpoint, "127.0.0.1:9999");
				assert_string_equal(ev[k].src.state, "CLOSE_WAIT");
				assert_true(ev[k].rate > 1.0 && ev[k].rate < 3.0);
				print_message("    %s at %.2f s, rate %.3g\n", alert_level_name(ev[k].level),
					      ev[k].time - 1e9, ev[k].rate);
				alert_json(&b, &ev[k]);
				/* The hostile name is escaped in both fields. */
				assert_null(strchr(b.data, '\x1b'));
				assert_non_null(strstr(b.data, "\"remote\": \"127.0.0.1:9999\""));
				buf_reset(&b);
			} else {
				print_message("    ok at %.2f s\n", ev[k].time - 1e9);
				assert_string_equal(ev[k].why, "stopped growing");
			}
		}
		alerts_free(ev, nev);
	}
	/* Raised once (warning then critical at most), then one ok. */
	assert_true(total >= 2 && total <= 3);
	assert_int_equal(seen[0] == LEVEL_WARNING || seen[0] == LEVEL_CRITICAL, 1);
	assert_int_equal(seen[total - 1], LEVEL_OK);
	{
		struct proc_key k = { 4242, 77 };
		size_t n;

		assert_true(tracker_samples(tr, &k) > 0);
		assert_true(tracker_bytes(tr, &n) < 64 * 1024);
		assert_int_equal(n, 1);
	}
	buf_free(&b);
	tracker_free(tr);
}

/* A leaking process seen with no fds at all (a zombie) has exited. */
static void test_tracker_zombie(void **state)
{
	struct detect_params p;
	struct tracker *tr;
	struct alert *ev = NULL;
	size_t nev = 0, total = 0;
	struct sample *s;

	(void)state;
	detect_params_default(&p);
	tr = tracker_new(&p);
	for (int i = 0; i < 60; i++) {
		s = sample_new();
		s->time = 100 + i * 0.25;
		add_proc(s, 9, 20 + 3 * i, 3 * (unsigned)i);
		tracker_feed(tr, s, true);
		sample_free(s);
		nev = tracker_take_events(tr, &ev);
		total += nev;
		alerts_free(ev, nev);
	}
	assert_true(total >= 1);
	s = sample_new();
	s->time = 120;
	add_proc(s, 9, 0, 0);
	s->procs[0].classified = false;
	tracker_feed(tr, s, true);
	sample_free(s);
	nev = tracker_take_events(tr, &ev);
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].level, LEVEL_OK);
	assert_string_equal(ev[0].why, "exited");
	/* The last real count, not the zombie's empty table. */
	assert_true(ev[0].fds > 100);
	alerts_free(ev, nev);
	{
		struct proc_key k = { 9, 77 };

		assert_int_equal(tracker_samples(tr, &k), 0);
	}
	tracker_free(tr);
}

static void test_tracker_exit(void **state)
{
	struct detect_params p;
	struct tracker *tr;
	struct alert *ev = NULL;
	size_t nev = 0;
	struct sample *s;
	bool raised = false;

	(void)state;
	detect_params_default(&p);
	tr = tracker_new(&p);
	for (int i = 0; i < 200 && !raised; i++) {
		s = sample_new();
		s->time = 100 + i * 0.25;
		add_proc(s, 7, 20 + 3 * i, 3 * (unsigned)i);
		tracker_feed(tr, s, true);
		sample_free(s);
		nev = tracker_take_events(tr, &ev);
		raised = nev > 0;
		alerts_free(ev, nev);
	}
	assert_true(raised);
	s = sample_new();
	s->time = 200;
	tracker_feed(tr, s, true);
	sample_free(s);
	nev = tracker_take_events(tr, &ev);
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].level, LEVEL_OK);
	assert_string_equal(ev[0].why, "exited");
	assert_same_double(ev[0].time, 200);
	alerts_free(ev, nev);
	{
		struct proc_key k = { 7, 77 };

		assert_int_equal(tracker_samples(tr, &k), 0);
	}
	tracker_free(tr);
}

/* Alert records are valid JSON with the man page's fields; text lines escape
 * names. */
static void test_alert_format(void **state)
{
	struct alert a;
	struct buf b;
	json_object *o, *v, *src;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.time = 1764000123.5;
	a.level = LEVEL_CRITICAL;
	a.pid = 4242;
	a.start = 123456;
	a.comm = xstrdup("fet\"ch\n\x1b[2J\xff");
	a.fds = 812;
	a.limit = 1024;
	a.rate = 2.5;
	a.eta = 84.8;
	a.src.kind = SRC_SOCKET;
	a.src.proto = xstrdup("tcp");
	a.src.dir = SOCK_OUT;
	a.src.endpoint = xstrdup("93.184.216.34:443");
	a.src.state = xstrdup("CLOSE_WAIT");
	a.why = "growing";
	buf_init(&b);
	alert_json(&b, &a);
	assert_int_equal(b.data[b.len - 1], '\n');
	assert_null(memchr(b.data, '\n', b.len - 1));
	o = json_tokener_parse(b.data);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "level", &v));
	assert_string_equal(json_object_get_string(v), "critical");
	assert_true(json_object_object_get_ex(o, "comm", &v));
	assert_string_equal(json_object_get_string(v), "fet\"ch\n\x1b[2J\xef\xbf\xbd");
	assert_true(json_object_object_get_ex(o, "eta", &v));
	assert_true(fabs(json_object_get_double(v) - 84.8) < 1e-9);
	assert_true(json_object_object_get_ex(o, "source", &src));
	assert_true(json_object_object_get_ex(src, "remote", &v));
	assert_string_equal(json_object_get_string(v), "93.184.216.34:443");
	assert_false(json_object_object_get_ex(src, "local", &v));
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_non_null(strstr(json_object_get_string(v), "limit in 1m24s, toward tcp out 93.184.216.34:443 CLOSE_WAIT"));
	json_object_put(o);

	buf_reset(&b);
	alert_text(&b, &a);
	assert_non_null(strstr(b.data, " CRITICAL fet\"ch\\n\\e[2J\\xff[4242] 812/1024 fds, +2.5/s"));
	assert_null(strchr(b.data, '\x1b'));

	/* ok: rate, eta and source are null. */
	a.level = LEVEL_OK;
	a.rate = a.eta = NAN;
	source_clear(&a.src);
	a.why = "stopped growing";
	buf_reset(&b);
	alert_json(&b, &a);
	o = json_tokener_parse(b.data);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "rate", &v) && v == NULL);
	assert_true(json_object_object_get_ex(o, "source", &v) && v == NULL);
	json_object_put(o);
	buf_reset(&b);
	alert_text(&b, &a);
	assert_non_null(strstr(b.data, " OK       fet"));
	assert_non_null(strstr(b.data, "812/1024 fds, stopped growing\n"));
	free(a.comm);
	buf_free(&b);
}

/* -p watches (pid, start): a reused pid or a zombie is not the process. */
static void test_idset(void **state)
{
	struct proc_idset ids = { NULL, 0 };
	struct sample *s = sample_new();

	(void)state;
	add_proc(s, 5, 40, 0);
	add_proc(s, 6, 40, 0);
	sample_finish(s);
	proc_idset_take(&ids, s);
	assert_int_equal(ids.n, 2);
	assert_true(proc_idset_any(&ids, s));
	sample_free(s);

	s = sample_new();
	add_proc(s, 6, 40, 0);
	s->procs[0].start = 78;          /* pid 6 reused by a new process */
	add_proc(s, 5, 0, 0);            /* pid 5 a zombie */
	s->procs[1].classified = false;
	sample_finish(s);
	assert_false(proc_idset_any(&ids, s));
	sample_free(s);
	proc_idset_free(&ids);
	assert_int_equal(ids.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_levels),
		cmocka_unit_test(test_history_unknown),
		cmocka_unit_test(test_theil_sen),
		cmocka_unit_test(test_leak_fast),
		cmocka_unit_test(test_leak_noisy),
		cmocka_unit_test(test_leak_late),
		cmocka_unit_test(test_leak_under_sawtooth),
		cmocka_unit_test(test_leak_staircase),
		cmocka_unit_test(test_leak_slow),
		cmocka_unit_test(test_quiet_noise),
		cmocka_unit_test(test_quiet_ramp),
		cmocka_unit_test(test_quiet_sawtooth),
		cmocka_unit_test(test_quiet_fill),
		cmocka_unit_test(test_quiet_step),
		cmocka_unit_test(test_quiet_bursts),
		cmocka_unit_test(test_quiet_wave),
		cmocka_unit_test(test_quiet_decline),
		cmocka_unit_test(test_tracker_events),
		cmocka_unit_test(test_tracker_exit),
		cmocka_unit_test(test_tracker_zombie),
		cmocka_unit_test(test_alert_format),
		cmocka_unit_test(test_idset),
		cmocka_unit_test(test_params_every_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
