/* topview-detail.c - the detail view of one process: its summary, fd
 * types, socket groups with their growth, files by directory, a chart of
 * its fd count over the history, and its fds as the command listed them. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "report.h"
#include "topview-int.h"

/* A growable list of lines, rendered later into a window of the screen. */
struct doc {
	struct tv_line *lines;
	size_t n, cap;
};

/* A new empty line at the end of d (owned by d). */
static struct tv_line *doc_line(struct doc *d)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->lines = xreallocarray(d->lines, d->cap, sizeof(*d->lines));
	}
	memset(&d->lines[d->n], 0, sizeof(d->lines[0]));
	return &d->lines[d->n++];
}

static void doc_free(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		tv_line_clear(&d->lines[i]);
	free(d->lines);
}

/* Whether the chart's scale reaches up to the limit: when the count is
 * near enough for it to matter, and always for an alerting process,
 * whose chart should show where it is heading. */
static bool chart_shows_limit(const struct proc_sample *p, const struct tv_stats *st)
{
	double hi = 1;

	if (p->limit <= 0)
		return false;
	for (size_t i = 0; st->chart && i < st->nchart; i++)
		if (!isnan(st->chart[i]) && st->chart[i] > hi)
			hi = st->chart[i];
	return st->level != TV_OK || (double)p->limit <= hi * 2.5;
}

/* Chart of the fd count over the history, with the limit marked, into
 * `height` lines of d. */
static void render_chart(struct render *r, struct doc *d, const struct proc_sample *p,
			 const struct tv_stats *st, int height)
{
	const struct tv_glyphs *g = r->g;
	int lw = 7, w = r->cols - lw - 1 - 7, ncol; /* room for " limit" */
	size_t n = st->chart ? st->nchart : 0;
	double hi = 0, top, *col;
	bool limit_in = false;
	char label[32];

	if (n == 0 || w < 10) {
		tv_line_add(r, doc_line(d), TV_A_DIM, "  (no history yet)", -1, false);
		return;
	}
	/* Few steps are widened to fill the width; many are merged, each
	 * column showing the largest of its steps. */
	if (n <= (size_t)w) {
		int per = w / (int)n > 4 ? 4 : w / (int)n;

		ncol = (int)n * per;
		col = xcalloc((size_t)ncol, sizeof(*col));
		for (int c = 0; c < ncol; c++)
			col[c] = st->chart[c / per];
	} else {
		size_t per = (n + (size_t)w - 1) / (size_t)w;

		ncol = (int)((n + per - 1) / per);
		col = xcalloc((size_t)ncol, sizeof(*col));
		for (int c = 0; c < ncol; c++) {
			col[c] = NAN;
			for (size_t i = (size_t)c * per; i < n && i < ((size_t)c + 1) * per; i++)
				if (!isnan(st->chart[i]) && (isnan(col[c]) || st->chart[i] > col[c]))
					col[c] = st->chart[i];
		}
	}
	for (int c = 0; c < ncol; c++)
		if (!isnan(col[c]) && col[c] > hi)
			hi = col[c];
	/* Put the limit on the scale when it is near enough to matter. */
	top = hi > 0 ? hi : 1;
	if (chart_shows_limit(p, st)) {
		top = hi > (double)p->limit ? hi : (double)p->limit;
		limit_in = true;
	}
	for (int row = height - 1; row >= 0; row--) {
		struct tv_line *l = doc_line(d);
		double lo_v = top * row / height, hi_v = top * (row + 1) / height;
		bool limit_row = limit_in && (double)p->limit > lo_v && (double)p->limit <= hi_v;

		if (limit_row)
			snprintf(label, sizeof(label), "%*ld ", lw - 1, p->limit);
		else if (row == height - 1)
			snprintf(label, sizeof(label), "%*.0f ", lw - 1, top);
		else
			snprintf(label, sizeof(label), "%*s ", lw - 1, "");
		tv_line_add(r, l, limit_row ? TV_A_LIMIT : TV_A_DIM, label, lw, false);
		tv_line_add(r, l, TV_A_DIM, g->axis, 1, false);
		for (int c = 0; c < ncol; c++) {
			double eighths;
			int k;

			if (isnan(col[c])) {
				tv_line_add(r, l, TV_A_NORMAL, " ", 1, false);
				continue;
			}
			eighths = col[c] / top * height * 8.0 - row * 8.0;
			k = eighths >= 8 ? 8 : eighths <= 0 ? 0 : (int)lround(eighths);
			if (k == 8)
				tv_line_add(r, l, limit_row ? TV_A_CRITICAL : TV_A_NORMAL, g->full, 1, false);
			else if (k > 0)
				tv_line_add(r, l, limit_row ? TV_A_CRITICAL : TV_A_NORMAL, g->part[k], 1, false);
			else
				tv_line_add(r, l, limit_row ? TV_A_LIMIT : TV_A_NORMAL,
					 limit_row ? g->limit : " ", 1, false);
		}
		if (limit_row) {
			for (int c = ncol; c < w; c++)
				tv_line_add(r, l, TV_A_LIMIT, g->limit, 1, false);
			tv_line_add(r, l, TV_A_LIMIT, " limit", -1, false);
		}
	}
	{
		struct tv_line *l = doc_line(d);
		char span[32], tail[64];

		snprintf(label, sizeof(label), "%*d ", lw - 1, 0);
		tv_line_add(r, l, TV_A_DIM, label, lw, false);
		tv_line_add(r, l, TV_A_DIM, g->corner, 1, false);
		for (int c = 0; c < ncol; c++)
			tv_line_add(r, l, TV_A_DIM, g->base, 1, false);
		l = doc_line(d);
		tv_line_add(r, l, TV_A_DIM, "", lw + 1, false);
		fmt_duration(span, sizeof(span), st->chart_span);
		snprintf(tail, sizeof(tail), "-%s", span);
		tv_line_add(r, l, TV_A_DIM, tail, ncol > 3 + (int)strlen(tail) ? ncol - 3 : -1, false);
		tv_line_add(r, l, TV_A_DIM, "now", -1, false);
	}
	free(col);
}

/* The summary: count (and its age when carried, as of the sample's time
 * now), limit, rate, ETA, and what grows. */
static void doc_summary(struct render *r, struct doc *d, const struct proc_sample *p,
			const struct tv_stats *st, double now)
{
	struct tv_line *l = doc_line(d);
	char a[64], b2[64];

	if (p->fds >= 0)
		tv_line_addf(r, l, TV_A_NORMAL, "FDs %ld", p->fds);
	else
		tv_line_add(r, l, TV_A_NORMAL, "FDs ?", -1, false);
	if (p->fds_carried)
		tv_line_addf(r, l, TV_A_DIM, " (listed %.1fs ago)", now - p->fds_time);
	if (p->limit >= 0) {
		tv_fmt_use(a, sizeof(a), proc_sample_use(p));
		tv_line_addf(r, l, TV_A_NORMAL, " of limit %ld (%s%%)", p->limit, a);
	} else {
		tv_line_add(r, l, TV_A_NORMAL, " (no limit known)", -1, false);
	}
	tv_fmt_rate(a, sizeof(a), st->rate);
	tv_fmt_eta(b2, sizeof(b2), st->eta);
	tv_line_addf(r, l, TV_A_NORMAL, "   rate %s/s   ETA %s", a, b2);
	if (st->src.kind != SRC_NONE) {
		struct buf b;

		buf_init(&b);
		tv_endpoint_text(&b, r->g, r->ascii, p, st);
		l = doc_line(d);
		tv_line_add(r, l, TV_A_NORMAL, "Growing: ", -1, false);
		tv_line_add(r, l, tv_level_attr(st->level), b.data ? b.data : "", -1, false);
		buf_free(&b);
	}
	doc_line(d);
}

/* The count of each fd type, or why they are unknown. */
static void doc_types(struct render *r, struct doc *d, const struct proc_sample *p)
{
	struct tv_line *l = doc_line(d);

	tv_line_add(r, l, TV_A_TITLE, "Types  ", -1, false);
	if (p->classified) {
		for (int t = 0; t < FD_NTYPES; t++)
			tv_line_addf(r, l, TV_A_NORMAL, "%s %u   ", fd_type_name(t), p->types[t]);
	} else if (p->fd_err) {
		tv_line_addf(r, l, TV_A_DIM, "fd table not readable (%s): run as root or with "
			     "CAP_SYS_PTRACE", strerror(p->fd_err));
	} else {
		tv_line_add(r, l, TV_A_DIM, "-", -1, false);
	}
}

/* The count of each fd kind, largest first (what the types lump together:
 * inotify, eventfd, deleted files, netlink protocols). */
static void doc_kinds(struct render *r, struct doc *d, const struct proc_sample *p)
{
	struct tv_line *l;

	if (!p->classified || !p->nkinds)
		return;
	l = doc_line(d);
	tv_line_add(r, l, TV_A_TITLE, "Kinds  ", -1, false);
	for (size_t i = 0; i < p->nkinds; i++)
		tv_line_addf(r, l, TV_A_NORMAL, "%s %u   ", kind_name(p->kinds[i].kind),
			     p->kinds[i].count);
	for (size_t i = 0; i < p->nkinds; i++) {
		if (p->kinds[i].kind != kind_inotify())
			continue;
		l = doc_line(d);
		tv_line_add(r, l, TV_A_TITLE, "Inotify  ", -1, false);
		tv_line_addf(r, l, TV_A_NORMAL, "%u instances", p->kinds[i].count);
		if (p->inotify_watches >= 0)
			tv_line_addf(r, l, TV_A_NORMAL, ", %ld watches", p->inotify_watches);
		tv_line_add(r, l, TV_A_DIM, "   (limits per user: fs.inotify.max_user_*)", -1, false);
	}
}

/* Under a socket group: its idle range and the processes at the other
 * ends, the idle signature, and what its state means (report.h). */
static void doc_group_detail(struct render *r, struct doc *d, const struct sock_group *sg,
			     struct buf *b)
{
	const char *words = report_state_words(sg);
	size_t mark;

	buf_reset(b);
	report_idle(b, sg);
	mark = b->len;
	buf_adds(b, b->len ? ", " : "");
	report_peers(b, sg);
	if (b->len == mark + 2) { /* no peers: no ", " either */
		b->len = mark;
		b->data[mark] = '\0';
	}
	if (b->len) {
		tv_line_add(r, doc_line(d), TV_A_DIM, "      ", 6, false);
		/* report.c escaped the names already */
		tv_line_add(r, &d->lines[d->n - 1], TV_A_DIM, b->data, -1, false);
	}
	if (report_idle_flagged(sg)) {
		buf_reset(b);
		report_signature(b, sg);
		tv_line_add(r, doc_line(d), TV_A_WARNING, "      ! ", 8, false);
		tv_line_add(r, &d->lines[d->n - 1], TV_A_WARNING, b->data ? b->data : "", -1, false);
	}
	if (words) {
		tv_line_add(r, doc_line(d), TV_A_DIM, "      ", 6, false);
		tv_line_add_clean(r, &d->lines[d->n - 1], TV_A_DIM, words, -1, false);
	}
}

/* The socket groups, each with its own growth. */
static void doc_sockets(struct render *r, struct doc *d, const struct proc_sample *p,
			const struct tv_stats *st)
{
	int ew = r->cols - 6 - 7 - 12 - 8 - 10 - 5;
	struct tv_line *l;
	struct buf b;
	char a[64];

	if (!p->nsocks)
		return;
	if (ew < 16)
		ew = 16;
	if (ew > 48)
		ew = 48;
	l = doc_line(d);
	l->fill_attr = TV_A_HEADER;
	tv_line_add(r, l, TV_A_HEADER, "PROTO", 6, false);
	tv_line_add(r, l, TV_A_HEADER, " DIR", 7, false);
	tv_line_add(r, l, TV_A_HEADER, " ENDPOINT", ew + 1, false);
	tv_line_add(r, l, TV_A_HEADER, " STATE", 13, false);
	tv_line_add(r, l, TV_A_HEADER, "COUNT", 8, true);
	tv_line_add(r, l, TV_A_HEADER, "GROWTH/s", 10, true);
	buf_init(&b);
	for (size_t i = 0; i < p->nsocks; i++) {
		const struct sock_group *sg = &p->socks[i];
		double gr = st->group_rate ? st->group_rate[i] : NAN;
		int attr = !isnan(gr) && gr > 0 && st->level != TV_OK ? tv_level_attr(st->level)
								    : TV_A_NORMAL;

		l = doc_line(d);
		tv_line_add_clean(r, l, attr, sg->proto, 6, false);
		tv_line_addf(r, l, attr, " %-6s", sock_dir_name(sg->dir));
		tv_line_add(r, l, attr, " ", 1, false);
		buf_reset(&b);
		if (sg->dir == SOCK_OUT)
			buf_adds(&b, r->g->out);
		else if (sg->dir == SOCK_IN)
			buf_adds(&b, r->g->in);
		if (sg->endpoint)
			tv_clean(&b, sg->endpoint, r->ascii);
		else
			buf_adds(&b, "(unnamed)");
		tv_line_add(r, l, attr, b.data, ew, false);
		tv_line_add(r, l, attr, " ", 1, false);
		tv_line_add_clean(r, l, attr, sg->state ? sg->state : "", 12, false);
		tv_line_addf(r, l, attr, "%8u", sg->count);
		tv_fmt_rate(a, sizeof(a), gr);
		tv_line_add(r, l, attr, a, 10, true);
		doc_group_detail(r, d, sg, &b);
	}
	buf_free(&b);
	doc_line(d);
}

/* The largest directories that files are open in. */
static void doc_files(struct render *r, struct doc *d, const struct proc_sample *p)
{
	struct tv_line *l;

	if (!p->nfiles)
		return;
	tv_line_add(r, doc_line(d), TV_A_TITLE, "Files by directory", -1, false);
	for (size_t i = 0; i < p->nfiles && i < 8; i++) {
		l = doc_line(d);
		tv_line_addf(r, l, TV_A_NORMAL, "%8u  ", p->files[i].count);
		tv_line_add_clean(r, l, TV_A_NORMAL, p->files[i].dir, -1, false);
	}
	if (p->nfiles > 8)
		tv_line_addf(r, doc_line(d), TV_A_DIM, "          ... %zu more directories",
			     p->nfiles - 8);
	doc_line(d);
}

/* The chart of the fd count over the history, under its title. */
static void doc_history(struct render *r, struct doc *d, const struct proc_sample *p,
			const struct tv_stats *st)
{
	struct tv_line *l = doc_line(d);

	tv_line_add(r, l, TV_A_TITLE, "FDs over time", -1, false);
	if (p->limit > 0 && st->nchart && !chart_shows_limit(p, st))
		tv_line_addf(r, l, TV_A_DIM, "  (limit %ld is off the scale)", p->limit);
	if (st->chart_floor)
		tv_line_add(r, l, TV_A_DIM, "  each step shows its lowest count", -1, false);
	render_chart(r, d, p, st, r->scr->rows >= 30 ? 8 : r->scr->rows >= 20 ? 6 : 4);
	doc_line(d);
}

/* The fd list, as lsof -p shows it. Only the lines of the `body` lines in
 * view get their text: a process may hold a million fds. */
static void doc_fds(struct topview *v, struct render *r, struct doc *d, size_t body)
{
	struct tv_line *l = doc_line(d);
	size_t total;

	if (!v->fds_set) {
		tv_line_add(r, l, TV_A_TITLE, "Open fds", -1, false);
		tv_line_add(r, l, TV_A_DIM, "  (listing...)", -1, false);
		return;
	}
	if (v->nfds < 0) {
		tv_line_add(r, l, TV_A_TITLE, "Open fds", -1, false);
		tv_line_addf(r, l, TV_A_DIM, "  cannot be listed: %s%s", strerror((int)-v->nfds),
			     v->nfds == -EACCES || v->nfds == -EPERM
				     ? " (run as root or with CAP_SYS_PTRACE)" : "");
		return;
	}
	tv_line_addf(r, l, TV_A_TITLE, "Open fds (%ld)", v->nfds);
	l = doc_line(d);
	l->fill_attr = TV_A_HEADER;
	tv_line_add(r, l, TV_A_HEADER, "FD", 6, true);
	tv_line_add(r, l, TV_A_HEADER, "  TYPE   ", 9, false);
	tv_line_add(r, l, TV_A_HEADER, "TARGET", -1, false);
	total = d->n + (size_t)v->nfds;
	if (v->dscroll + body > total)
		v->dscroll = total > body ? total - body : 0;
	for (long i = 0; i < v->nfds; i++) {
		l = doc_line(d);
		if (d->n - 1 < v->dscroll || d->n - 1 >= v->dscroll + body)
			continue;
		tv_line_addf(r, l, TV_A_NORMAL, "%6d  %-7s", v->fds[i].fd,
			     fd_type_name(v->fds[i].type));
		tv_line_add_clean(r, l, TV_A_NORMAL, v->fds[i].target, -1, false);
	}
}

/* The title line of the detail view: the process and its level. */
static void render_title(struct render *r, struct tv_line *l, const struct proc_sample *p,
			 const struct tv_stats *st)
{
	tv_line_addf(r, l, TV_A_HEADER, "PID %d  ", p->pid);
	tv_line_add_clean(r, l, TV_A_HEADER, p->comm, -1, false);
	tv_line_add(r, l, TV_A_HEADER, "  user ", -1, false);
	tv_line_add_clean(r, l, TV_A_HEADER, p->user, -1, false);
	if (st->level != TV_OK)
		tv_line_addf(r, l, tv_level_attr(st->level) | TV_A_SELECTED, "  %s ",
			     st->level == TV_CRITICAL ? "CRITICAL" : "WARNING");
}

/* The detail view: the document of the process, scrolled to dscroll,
 * between the header and the status line. */
void tv_render_detail(struct topview *v, struct render *r)
{
	size_t idx = 0;
	const struct proc_sample *p = tv_find_proc(v, &v->det, &idx);
	const struct tv_stats *st;
	struct tv_line *l;
	struct doc d = { NULL, 0, 0 };
	int row = 0, body;

	tv_render_header(v, r, &row);
	l = tv_line_at(r, row++);
	l->fill_attr = TV_A_HEADER;
	if (!p) {
		tv_line_addf(r, l, TV_A_HEADER, "PID %d has exited", v->det.pid);
		tv_line_add(r, tv_line_at(r, row + 1), TV_A_DIM, "  Esc returns to the list", -1,
			    false);
		tv_render_status(v, r);
		return;
	}
	st = &v->stats[idx];
	render_title(r, l, p, st);
	body = r->scr->rows - row - 1;
	if (body < 1)
		body = 1;
	doc_summary(r, &d, p, st, v->s->time);
	doc_types(r, &d, p);
	doc_kinds(r, &d, p);
	doc_line(&d);
	doc_sockets(r, &d, p, st);
	doc_files(r, &d, p);
	doc_history(r, &d, p, st);
	doc_fds(v, r, &d, (size_t)body);
	v->page = body;
	v->dlines = d.n;
	if (v->dscroll + (size_t)body > d.n)
		v->dscroll = d.n > (size_t)body ? d.n - (size_t)body : 0;
	for (size_t i = v->dscroll; i < d.n && row < r->scr->rows - 1; i++) {
		/* Move the document's line onto the screen. */
		struct tv_line *dst = tv_line_at(r, row++);

		*dst = d.lines[i];
		memset(&d.lines[i], 0, sizeof(d.lines[i]));
	}
	doc_free(&d);
	tv_render_status(v, r);
}
