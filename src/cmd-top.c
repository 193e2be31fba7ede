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
#include "history.h"
#include "loop.h"
#include "sampler.h"
#include "topview.h"
#include "track.h"
#include "tui.h"

/* Samples fed to Theil-Sen for the plain rate of a process or group that
 * the detector does not see growing. */
#define RECENT_MIN 3

struct top {
	struct options *o;
	struct sampler *sm;
	struct tracker *tr;
	struct topview *v;
	bool first_done;
};

/* A robust recent rate of series hs over its newest samples (level 0),
 * NAN with too few. */
static double recent_rate(const struct hseries *hs)
{
	size_t n = hseries_level_len(hs, 0), k = 0;
	double t[HIST_RING], y[HIST_RING];

	for (size_t i = 0; i < n && k < HIST_RING; i++) {
		const struct hbucket *b = hseries_bucket(hs, 0, i);

		if (isnan(b->min))
			continue;
		t[k] = b->t1;
		y[k] = b->min;
		k++;
	}
	if (k < RECENT_MIN)
		return NAN;
	return detect_theil_sen(t, y, (int)k);
}

static const struct tsource *find_group(const struct tproc *tp, const struct sock_group *g)
{
	for (size_t i = 0; i < tp->nsrc; i++) {
		const struct source *s = &tp->src[i].id;

		if (source_is_group(s, g))
			return &tp->src[i];
	}
	return NULL;
}

/* Fills the view's stats of one process from what the tracker knows. */
static void fill_stats(struct tv_stats *st, const struct proc_sample *p, const struct tproc *tp)
{
	const struct hseries *hs = &tp->total;
	size_t n = hseries_level_len(hs, 0);
	struct hbucket win[HIST_RING];
	double first = hseries_first_time(hs);
	int lvl = 0;

	st->level = tp->level == LEVEL_CRITICAL ? TV_CRITICAL
		    : tp->level == LEVEL_WARNING ? TV_WARNING : TV_OK;
	st->rate = tp->v.growing ? tp->v.rate : recent_rate(hs);
	st->eta = tp->v.growing ? tp->v.eta : NAN;

	/* The sparkline: one value per sample. */
	st->series = xcalloc(n ? n : 1, sizeof(double));
	st->nseries = n;
	for (size_t i = 0; i < n; i++)
		st->series[i] = hseries_bucket(hs, 0, i)->min;

	/* The chart: the whole history at the finest level that reaches back. */
	if (!isnan(first)) {
		size_t m = hseries_window(hs, first, win, &lvl);

		st->chart = xcalloc(m ? m : 1, sizeof(double));
		st->nchart = m;
		for (size_t i = 0; i < m; i++)
			st->chart[i] = win[i].min;
		st->chart_span = m ? win[m - 1].t1 - win[0].t0 : 0;
		st->chart_floor = lvl > 0;
	}

	/* What grows: the detector's source, over the window where it sees
	 * growth. */
	if (tp->v.growing)
		tracker_attribute(tp, tp->v.since, tp->v.until, tp->v.rise, &st->src);

	/* Each socket group's own growth. */
	if (p->nsocks) {
		st->group_rate = xcalloc(p->nsocks, sizeof(double));
		for (size_t i = 0; i < p->nsocks; i++) {
			const struct tsource *ts = find_group(tp, &p->socks[i]);

			st->group_rate[i] = ts ? recent_rate(&ts->hs) : NAN;
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
static void take_sample(struct top *t)
{
	struct sample *s = sampler_take(t->sm);
	struct alert *ev = NULL;

	tracker_feed(t->tr, s, true);
	alerts_free(ev, tracker_take_events(t->tr, &ev));
	topview_set_sample(t->v, s);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		const struct tproc *tp = tracker_find(t->tr, p->pid, p->start);

		if (tp)
			fill_stats(topview_stats(t->v, i), p, tp);
	}
	topview_refresh(t->v);
	list_fds(t);
	/* Missing -p pids are named on stderr, which is shown on exit. */
	if (!t->first_done && t->o->sel.npids &&
	    warn_missing_pids(t->o, s) < t->o->sel.npids)
		topview_message(t->v, "some -p processes are not running (listed on exit)");
	t->first_done = true;
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

int cmd_top(struct options *o)
{
	struct detect_params dp;
	struct top t;
	char host[256] = "localhost";
	const char *why = NULL;
	double interval = o->interval > 0 ? o->interval : 1.0, t0, next, last = 0;
	long taken = 0;
	bool dirty = true;
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
	detect_params_default(&dp);
	if (!isnan(o->warn_eta))
		dp.warn_eta = o->warn_eta;
	if (!isnan(o->crit_eta))
		dp.crit_eta = o->crit_eta;
	t.tr = tracker_new(&dp);
	t.v = topview_new(!tui_utf8(), interval);
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	topview_set_host(t.v, host);

	loop_signals();
	if (tui_start(options_use_color(o, STDOUT_FILENO), &why) < 0) {
		warnx_("%s", why);
		status = 1;
		goto out;
	}
	t0 = next = clock_mono();
	while (!loop_stop_signal) {
		double now = clock_mono(), deadline;
		int key, act;

		if (o->duration > 0 && now - t0 >= o->duration)
			break;
		if (!topview_paused(t.v) && now >= next) {
			if (o->iterations && taken >= o->iterations)
				break;
			take_sample(&t);
			taken++;
			last = now;
			interval = topview_interval(t.v);
			/* The fixed schedule; missed ticks are skipped, not bunched. */
			next += interval;
			if (next <= clock_mono())
				next = clock_mono() + interval;
			dirty = true;
		}
		if (dirty) {
			paint(&t);
			dirty = false;
		}
		deadline = topview_paused(t.v) ? -1 : next;
		if (o->duration > 0 && (deadline < 0 || deadline > t0 + o->duration))
			deadline = t0 + o->duration;
		key = tui_wait(deadline);
		if (key == TUI_HANGUP)
			break;
		if (key == TUI_TIMEOUT || key == TUI_SIGNAL)
			continue;
		dirty = true;
		if (key == TUI_RESIZE)
			continue;
		act = topview_key(t.v, key);
		if (act & TV_ACT_QUIT)
			break;
		if (act & TV_ACT_FDS)
			list_fds(&t);
		if (act & TV_ACT_SCHEDULE) {
			/* A new interval counts from the last sample; resuming
			 * samples at once when that time has passed. */
			interval = topview_interval(t.v);
			next = last + interval;
			if (next < clock_mono())
				next = clock_mono();
		}
	}
	tui_end();
out:
	topview_free(t.v);
	tracker_free(t.tr);
	sampler_free(t.sm);
	return status;
}
