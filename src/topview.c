/* topview.c - the live view's model, free of curses: the sample and the
 * stats it is shown with, the selection, the detail view's process and fd
 * list, and the frame around every screen (header, status line, help).
 * The parts are listed in topview-int.h. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topview-int.h"

/* Frees what st owns and makes every stat unknown. */
static void stats_clear(struct tv_stats *st)
{
	source_clear(&st->src);
	free(st->series);
	free(st->chart);
	free(st->group_rate);
	memset(st, 0, sizeof(*st));
	st->rate = NAN;
	st->eta = NAN;
}

struct topview *topview_new(bool ascii, double interval)
{
	struct topview *v = xcalloc(1, sizeof(*v));

	v->ascii = ascii;
	v->interval = interval;
	v->sort = TV_COL_RATE;
	v->sel_key.pid = -1;
	v->page = 10;
	buf_init(&v->edit);
	return v;
}

void tv_fds_clear(struct topview *v)
{
	if (v->fds)
		fd_entries_free(v->fds, v->nfds > 0 ? (size_t)v->nfds : 0);
	v->fds = NULL;
	v->nfds = 0;
	v->fds_set = false;
}

/* Frees the stats of the current sample. */
static void stats_free_all(struct topview *v)
{
	if (v->s)
		for (size_t i = 0; i < v->s->nprocs; i++)
			stats_clear(&v->stats[i]);
	free(v->stats);
	v->stats = NULL;
}

void topview_free(struct topview *v)
{
	if (!v)
		return;
	stats_free_all(v);
	sample_free(v->s);
	free(v->rows);
	free(v->host);
	free(v->filter);
	free(v->filter_before);
	free(v->msg);
	buf_free(&v->edit);
	tv_fds_clear(v);
	free(v);
}

void topview_set_host(struct topview *v, const char *host)
{
	free(v->host);
	v->host = xstrdup(host);
}

void topview_set_sample(struct topview *v, struct sample *s)
{
	stats_free_all(v);
	sample_free(v->s);
	v->s = s;
	v->stats = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*v->stats));
	for (size_t i = 0; i < s->nprocs; i++)
		stats_clear(&v->stats[i]);
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
}

const struct sample *topview_sample(const struct topview *v)
{
	return v->s;
}

struct tv_stats *topview_stats(struct topview *v, size_t i)
{
	return v->s && i < v->s->nprocs ? &v->stats[i] : NULL;
}

const struct proc_sample *tv_find_proc(const struct topview *v, const struct proc_key *k,
				       size_t *idx)
{
	const struct proc_sample *p = v->s ? sample_find(v->s, k->pid, k->start) : NULL;

	if (p && idx)
		*idx = (size_t)(p - v->s->procs);
	return p;
}

const struct proc_sample *topview_selected(const struct topview *v)
{
	if (v->mode == MODE_DETAIL)
		return tv_find_proc(v, &v->det, NULL);
	if (!v->s || v->nrows == 0)
		return NULL;
	return &v->s->procs[v->rows[v->sel].proc];
}

bool topview_detail_proc(const struct topview *v, int *pid, unsigned long long *start)
{
	if (v->mode != MODE_DETAIL && !(v->mode == MODE_HELP && v->help_from == MODE_DETAIL))
		return false;
	*pid = v->det.pid;
	*start = v->det.start;
	return true;
}

void topview_set_fds(struct topview *v, struct fd_entry *e, long n)
{
	tv_fds_clear(v);
	v->fds = e;
	v->nfds = n;
	v->fds_set = true;
}

bool topview_paused(const struct topview *v)
{
	return v->paused;
}

double topview_interval(const struct topview *v)
{
	return v->interval;
}

void topview_message(struct topview *v, const char *msg)
{
	free(v->msg);
	v->msg = msg ? xstrdup(msg) : NULL;
}

/* ---- the frame ------------------------------------------------------ */

/* The attribute of a limit used to u percent: critical and warning from
 * the levels at which the tracker calls a limit saturated. */
static enum tv_attr limit_attr(double u)
{
	return u >= 95 ? TV_A_CRITICAL : u >= 80 ? TV_A_WARNING : TV_A_NORMAL;
}

/* The system's files and the tightest user's inotify use, on the header's
 * title line. */
static void header_limits(struct render *r, struct tv_line *l, const struct sys_sample *y)
{
	double u = sys_use(y->files, y->files_max);

	if (y->files >= 0 && u >= 0)
		tv_line_addf(r, l, limit_attr(u), "   Files: %ld of %ld", y->files, y->files_max);
	if (y->ninotify) {
		const struct inotify_use *in = &y->inotify[0];
		double ui = sys_use((long)in->instances, y->max_instances);
		double uw = sys_use(in->watches, y->max_watches);

		tv_line_add(r, l, TV_A_NORMAL, "  inotify ", -1, false);
		tv_line_add_clean(r, l, TV_A_NORMAL, in->user ? in->user : "?", -1, false);
		tv_line_addf(r, l, limit_attr(ui), " %u", in->instances);
		if (y->max_instances > 0)
			tv_line_addf(r, l, limit_attr(ui), "/%ld", y->max_instances);
		if (in->watches >= 0)
			tv_line_addf(r, l, limit_attr(uw), " (%ld watches)", in->watches);
	}
}

/* Host, time and interval; the counts of processes, fds and alerts. */
void tv_render_header(struct topview *v, struct render *r, int *row)
{
	const struct sample *s = v->s;
	struct tv_line *l = tv_line_at(r, (*row)++);
	char when[64] = "-", ivl[32];
	size_t crit = 0, warn = 0;

	if (s) {
		time_t t = (time_t)s->time;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		for (size_t i = 0; i < s->nprocs; i++) {
			if (v->stats[i].level == TV_CRITICAL)
				crit++;
			else if (v->stats[i].level == TV_WARNING)
				warn++;
		}
	}
	if (v->interval < 1)
		snprintf(ivl, sizeof(ivl), "%gs", v->interval);
	else
		fmt_duration(ivl, sizeof(ivl), v->interval);
	tv_line_add(r, l, TV_A_TITLE, "fdwatch", -1, false);
	tv_line_add(r, l, TV_A_NORMAL, " - ", -1, false);
	tv_line_add_clean(r, l, TV_A_NORMAL, v->host ? v->host : "localhost", -1, false);
	tv_line_addf(r, l, TV_A_NORMAL, " - %s - every %s", when, ivl);
	if (v->paused)
		tv_line_add(r, l, TV_A_WARNING, "  PAUSED", -1, false);
	if (s && s->sys.valid)
		header_limits(r, l, &s->sys);

	l = tv_line_at(r, (*row)++);
	if (!s) {
		tv_line_add(r, l, TV_A_NORMAL, "taking the first sample...", -1, false);
		(*row)++;
		return;
	}
	tv_line_addf(r, l, TV_A_NORMAL, "Processes: %zu shown of %zu", v->nrows, s->nprocs);
	if (s->nunreadable)
		tv_line_addf(r, l, TV_A_DIM, " (%zu not readable)", s->nunreadable);
	tv_line_addf(r, l, TV_A_NORMAL, "  FDs: %llu", s->total_fds);
	/* A count that is not known is not 0; a carried one is marked ~. */
	if (s->nunknown)
		tv_line_addf(r, l, TV_A_DIM, " (%zu unknown)", s->nunknown);
	if (isgreater(s->fds_age, 0.0))
		tv_line_addf(r, l, TV_A_DIM, "  ~ counts up to %.1fs old", s->fds_age);
	l = tv_line_at(r, (*row)++);
	tv_line_add(r, l, TV_A_NORMAL, "Alerts: ", -1, false);
	tv_line_addf(r, l, crit ? TV_A_CRITICAL : TV_A_NORMAL, "%zu critical", crit);
	tv_line_add(r, l, TV_A_NORMAL, ", ", -1, false);
	tv_line_addf(r, l, warn ? TV_A_WARNING : TV_A_NORMAL, "%zu warning", warn);
	{
		size_t nfast = 0, nnew = 0;
		double fast = 0;

		for (size_t i = 0; i < s->nprocs; i++) {
			const struct tv_stats *st = &v->stats[i];

			if (st->fast > 0 && (!nfast || st->fast < fast))
				fast = st->fast;
			nfast += st->fast > 0;
			nnew += st->level == TV_OK && st->unjudged;
		}
		if (nnew)
			tv_line_addf(r, l, TV_A_WARNING, ", %zu growing fast, not judged yet", nnew);
		if (nfast)
			tv_line_addf(r, l, TV_A_WARNING, "  (%zu near the limit sampled every %.2gs)",
				     nfast, fast);
	}
	if (s->nunreadable)
		tv_line_add(r, l, TV_A_DIM,
			    "   (for every fd table: run as root or with CAP_SYS_PTRACE)", -1, false);
}

/* The last line: the filter prompt, a message, or the keys that work. */
void tv_render_status(struct topview *v, struct render *r)
{
	struct tv_line *l = tv_line_at(r, r->scr->rows - 1);

	if (!l)
		return;
	l->fill_attr = TV_A_STATUS;
	if (v->editing) {
		struct buf b;

		buf_init(&b);
		tv_clean(&b, v->edit.data ? v->edit.data : "", r->ascii);
		tv_line_add(r, l, TV_A_PROMPT, "Filter by name: ", -1, false);
		tv_line_add(r, l, TV_A_STATUS, b.data ? b.data : "", -1, false);
		r->scr->cursor_row = r->scr->rows - 1;
		r->scr->cursor_col = l->used < r->cols ? l->used : r->cols - 1;
		tv_line_add(r, l, TV_A_STATUS, "   Enter keep  Esc cancel", -1, false);
		buf_free(&b);
		return;
	}
	if (v->msg) {
		tv_line_add_clean(r, l, TV_A_STATUS, v->msg, -1, false);
		return;
	}
	if (v->mode == MODE_DETAIL) {
		if (v->dlines > (size_t)v->page) {
			size_t last = v->dscroll + (size_t)v->page;

			tv_line_addf(r, l, TV_A_PROMPT, "%zu-%zu/%zu", v->dscroll + 1,
				     last < v->dlines ? last : v->dlines, v->dlines);
			tv_line_add(r, l, TV_A_STATUS, "  ", -1, false);
		}
		tv_line_add(r, l, TV_A_STATUS,
			    "Esc back  Up/Down PgUp/PgDn Home/End scroll  space pause  +/- interval  h help  q quit",
			    -1, false);
		return;
	}
	if (v->filter && *v->filter) {
		tv_line_add(r, l, TV_A_PROMPT, "Filter: ", -1, false);
		tv_line_add_clean(r, l, TV_A_STATUS, v->filter, -1, false);
		tv_line_add(r, l, TV_A_STATUS, " (Esc clears)  ", -1, false);
	}
	tv_line_add(r, l, TV_A_STATUS,
		    "Enter details  / filter  < > sort  space pause  +/- interval  h help  q quit", -1,
		    false);
}

/* ---- help ---------------------------------------------------------- */

static const char *const help_text[] = {
	"fdwatch top - keys",
	"",
	"  Up/Down, PgUp/PgDn,   move the selection (or scroll the detail view)",
	"  Home/End",
	"  Enter                 open the selected process: fd types, sockets by",
	"                        endpoint and state with their growth, a chart of",
	"                        its fd count, and its fds as lsof lists them",
	"  Esc                   back to the list (in the list: clear the filter)",
	"  < >                   sort by the column to the left / right",
	"  r                     reverse the sort",
	"  /                     filter by process name (Enter keeps, Esc cancels)",
	"  space                 pause or resume sampling",
	"  + -                   longer / shorter sampling interval",
	"  h ?                   this help",
	"  q                     quit",
	"",
	"Processes that are alerting (WARN, CRIT) are listed first. RATE is the",
	"growth in fds per second, ETA the time until the fd limit at that rate,",
	"TREND the recent fd count, ENDPOINT the socket group (or fd type) that",
	"grows, else the largest one.",
	"",
	"Press any key to return.",
};

/* The help screen: the keys and what the columns mean. */
static void render_help(struct render *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(help_text) && (int)i < r->scr->rows; i++)
		tv_line_add(r, tv_line_at(r, (int)i), i == 0 ? TV_A_TITLE : TV_A_NORMAL,
			    help_text[i], -1, false);
}

void topview_render(struct topview *v, int cols, int rows, struct tv_screen *scr)
{
	struct render r;

	memset(scr, 0, sizeof(*scr));
	if (cols < 1)
		cols = 1;
	if (rows < 1)
		rows = 1;
	scr->rows = rows;
	scr->cols = cols;
	scr->cursor_row = scr->cursor_col = -1;
	scr->lines = xcalloc((size_t)rows, sizeof(*scr->lines));
	r.scr = scr;
	r.g = tv_glyphs(v->ascii);
	r.ascii = v->ascii;
	r.cols = cols;
	if (cols < TV_MIN_COLS || rows < TV_MIN_ROWS) {
		char msg[96];

		snprintf(msg, sizeof(msg), "terminal too small (%dx%d), needs %dx%d", cols, rows,
			 TV_MIN_COLS, TV_MIN_ROWS);
		tv_line_add(&r, &scr->lines[0], TV_A_NORMAL, msg, -1, false);
		return;
	}
	switch (v->mode) {
	case MODE_MAIN: tv_render_main(v, &r); break;
	case MODE_DETAIL: tv_render_detail(v, &r); break;
	case MODE_HELP: render_help(&r); break;
	}
}
