/* cmd-top.c - `fdwatch top`: samples on a monotonic schedule, feeds the
 * tracker (history and detector), hands each sample to the view model and
 * paints it; keys, resizes and signals are handled between samples. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "detect.h"
#include "loop.h"
#include "sampler.h"
#include "topview.h"
#include "track.h"
#include "tui.h"

struct top {
	struct options *o;
	struct sampler *sm;
	struct tracker *tr;
	struct topview *v;
	struct loop loop;
	struct adapt adapt;     /* faster samples of the processes near their limit */
	bool first_done;
	bool dirty;             /* the screen needs painting */
};

/* Samples the detector needs before its first verdict (its smallest
 * window): a process with fewer is "new", not "safe". */
#define TOP_JUDGED_SAMPLES 12

/* The values of one series' history, one per level-0 bucket, oldest
 * first (caller frees); their count in *n. */
static double *series_values(const struct hseries *hs, size_t *n)
{
	double *v;

	*n = hs ? hseries_level_len(hs, 0) : 0;
	v = xcalloc(*n ? *n : 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = hseries_bucket(hs, 0, i)->min;
	return v;
}

/* Fills the view's stats of process p from the tracker's word on it. */
static void fill_stats(struct tv_stats *st, const struct proc_sample *p, const struct tracker *tr,
		       const struct detect_params *dp)
{
	struct proc_key k = { p->pid, p->start };
	const struct hseries *hs = tracker_history(tr, &k, NULL);
	struct hbucket win[HIST_RING];
	struct alert a;
	int lvl = 0;

	if (!hs || !tracker_alert(tr, &k, &a))
		return;
	st->level = a.level == LEVEL_CRITICAL ? TV_CRITICAL
		    : a.level == LEVEL_WARNING ? TV_WARNING : TV_OK;
	st->rate = isnan(a.rate) ? detect_recent_rate(hs) : a.rate;
	st->eta = a.eta;
	st->fast = a.fast;
	/* Growing fast with no verdict yet: the ETA of the rate shown, and a
	 * mark, rather than a blank that reads as safe. */
	if (a.level == LEVEL_OK && isnan(a.rate) && st->rate > 0 && a.limit > 0 && a.fds >= 0) {
		double eta = a.limit > a.fds ? (double)(a.limit - a.fds) / st->rate : 0;

		if (eta <= dp->crit_eta) {
			st->eta = eta;
			st->unjudged = true;
			st->young = tracker_samples(tr, &k) < TOP_JUDGED_SAMPLES;
		}
	}
	st->src = a.src;        /* the view owns the source now */
	memset(&a.src, 0, sizeof(a.src));
	alert_clear(&a);
	st->series = series_values(hs, &st->nseries);

	/* The chart: the whole history at the finest level that reaches back. */
	if (!isnan(hseries_first_time(hs))) {
		size_t m = hseries_window(hs, hseries_first_time(hs), win, &lvl);

		st->chart = xcalloc(m ? m : 1, sizeof(double));
		st->nchart = m;
		for (size_t i = 0; i < m; i++)
			st->chart[i] = win[i].min;
		st->chart_span = m ? win[m - 1].t1 - win[0].t0 : 0;
		st->chart_floor = lvl > 0;
	}

	/* Each socket group's own growth. */
	if (p->nsocks) {
		st->group_rate = xcalloc(p->nsocks, sizeof(double));
		for (size_t i = 0; i < p->nsocks; i++) {
			const struct sock_group *g = &p->socks[i];
			struct source id = { .kind = SRC_SOCKET, .proto = g->proto, .dir = g->dir,
					     .endpoint = g->endpoint, .state = g->state };
			const struct hseries *gs = tracker_history(tr, &k, &id);

			st->group_rate[i] = gs ? detect_recent_rate(gs) : NAN;
		}
	}
}

/* Lists the fds of the process the detail view shows. */
static void list_fds(struct top *t)
{
	struct fd_entry *e = NULL;
	unsigned long long start;
	long n;
	int pid;

	if (!topview_detail_proc(t->v, &pid, &start))
		return;
	n = sampler_list_fds(t->sm, pid, start, &e);
	topview_set_fds(t->v, n < 0 ? NULL : e, n);
}

/* Takes one sample and hands it, with the tracker's view of it, to the
 * view model. */
static int on_tick(struct loop *l, void *ctx)
{
	struct top *t = ctx;
	struct sample *s = sampler_take(t->sm);
	struct alert *ev = NULL;

	tracker_feed(t->tr, s, true);
	adapt_update(&t->adapt, l, t->tr);
	alerts_free(ev, tracker_take_events(t->tr, &ev));
	topview_set_sample(t->v, s);
	for (size_t i = 0; i < s->nprocs; i++)
		fill_stats(topview_stats(t->v, i), &s->procs[i], t->tr, &t->o->detect);
	topview_refresh(t->v);
	list_fds(t);
	/* Missing -p pids are named on stderr, which is shown on exit. */
	if (!t->first_done && t->o->sel.npids &&
	    warn_missing_pids(t->o, s) < t->o->sel.npids)
		topview_message(t->v, "some -p processes are not running (listed on exit)");
	t->first_done = true;
	t->dirty = true;
	return 0;
}

/* An extra sample of the processes near their limit: judged at once, shown
 * with the next sample of the interval. */
static int on_fast_tick(struct loop *l, void *ctx)
{
	struct top *t = ctx;
	struct sample *s = adapt_take(&t->adapt);
	struct alert *ev = NULL;

	if (!s)
		return 0;
	tracker_feed(t->tr, s, false);
	sample_free(s);
	adapt_update(&t->adapt, l, t->tr);
	alerts_free(ev, tracker_take_events(t->tr, &ev));
	return 0;
}

static void paint(struct top *t)
{
	struct tv_screen scr;
	int cols, rows;

	tui_size(&cols, &rows);
	topview_render(t->v, cols, rows, &scr);
	tui_paint(&scr);
	tv_screen_free(&scr);
}

/* Between samples: paints what changed and handles one key, resize or
 * signal. Returns 1 to quit. */
static int on_wait(struct loop *l, double until, void *ctx)
{
	struct top *t = ctx;
	int key, act;

	if (t->dirty) {
		paint(t);
		t->dirty = false;
	}
	key = tui_wait(until);
	if (key == TUI_HANGUP)
		return 1;
	if (key == TUI_TIMEOUT || key == TUI_SIGNAL)
		return 0;
	t->dirty = true;
	if (key == TUI_RESIZE)
		return 0;
	act = topview_key(t->v, key);
	if (act & TV_ACT_QUIT)
		return 1;
	if (act & TV_ACT_FDS)
		list_fds(t);
	if (act & TV_ACT_SCHEDULE) {
		l->paused = topview_paused(t->v);
		loop_set_interval(l, topview_interval(t->v));
	}
	return 0;
}

int cmd_top(struct options *o)
{
	struct top t;
	char host[256] = "localhost";
	const char *why = NULL;
	int status = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		warnx_("top needs a terminal on standard input and output; "
		       "for a text report use 'fdwatch report'");
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.o = o;
	t.sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (!t.sm)
		return 1;
	if (adapt_open(&t.adapt, o) < 0) {
		sampler_free(t.sm);
		return 1;
	}
	t.tr = tracker_new(&o->detect);
	loop_init(&t.loop, o, 1.0, on_tick, &t);
	t.loop.wait = on_wait;
	t.loop.fast_tick = on_fast_tick;
	t.loop.linger = true;
	t.v = topview_new(!tui_utf8(), t.loop.interval);
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	topview_set_host(t.v, host);

	loop_signals();
	if (tui_start(options_use_color(o, STDOUT_FILENO), &why) < 0) {
		warnx_("%s", why);
		status = 1;
	} else {
		loop_run(&t.loop);
		tui_end();
	}
	topview_free(t.v);
	tracker_free(t.tr);
	adapt_close(&t.adapt);
	sampler_free(t.sm);
	return status;
}
