/* topview-table.c - the main table of the live view: which processes are
 * rows (the filter), their order (the sort), which columns fit the width,
 * and the table's text. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topview-int.h"

const char *tv_active_filter(const struct topview *v)
{
	if (v->editing)
		return v->edit.data && *v->edit.data ? v->edit.data : NULL;
	return v->filter && *v->filter ? v->filter : NULL;
}

/* Compares two values of the sort column, NAN unknown; unknown sorts last. */
static int cmp_num(double a, double b, bool asc)
{
	bool ua = isnan(a), ub = isnan(b);

	if (ua || ub)
		return ua == ub ? 0 : ua ? 1 : -1;
	if (a < b)
		return asc ? -1 : 1;
	if (a > b)
		return asc ? 1 : -1;
	return 0;
}

/* Compares two counts, negative unknown; unknown sorts last. */
static int cmp_count(long a, long b, bool asc)
{
	if (a < 0 || b < 0)
		return (a < 0) == (b < 0) ? 0 : a < 0 ? 1 : -1;
	if (a == b)
		return 0;
	return (a < b) == asc ? -1 : 1;
}

/* Compares two texts; unknown (NULL) sorts last, like the numbers. */
static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return !a == !b ? 0 : !a ? 1 : -1;
	return strcmp(a, b);
}

/* qsort_r order of rows: alerting first, then the sort column of view ctx. */
static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct topview *v = ctx;
	const struct tv_row *ra = pa, *rb = pb;
	const struct proc_sample *a = &v->s->procs[ra->proc], *b = &v->s->procs[rb->proc];
	const struct tv_stats *sa = &v->stats[ra->proc], *sb = &v->stats[rb->proc];
	int c = 0;

	if (sa->level != sb->level)
		return sa->level > sb->level ? -1 : 1;
	switch (v->sort) {
	case TV_COL_PID: c = cmp_count(a->pid, b->pid, true); break;
	case TV_COL_USER: c = cmp_str(a->user, b->user); break;
	case TV_COL_COMM: c = cmp_str(a->comm, b->comm); break;
	case TV_COL_FDS: c = cmp_count(a->fds, b->fds, false); break;
	case TV_COL_LIMIT: c = cmp_count(a->limit, b->limit, false); break;
	case TV_COL_USE: c = cmp_num(ra->use, rb->use, false); break;
	case TV_COL_RATE: c = cmp_num(sa->rate, sb->rate, false); break;
	case TV_COL_ETA: c = cmp_num(sa->eta, sb->eta, true); break;
	default: break;
	}
	if (v->reversed)
		c = -c;
	if (c)
		return c;
	/* Ties: nearest the limit, most fds, then pid. */
	if ((c = cmp_num(sa->eta, sb->eta, true)))
		return c;
	if ((c = cmp_num(ra->use, rb->use, false)))
		return c;
	if (a->fds != b->fds)
		return a->fds > b->fds ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

void tv_select_row(struct topview *v, size_t i)
{
	const struct proc_sample *p;

	if (v->nrows == 0) {
		v->sel = 0;
		return;
	}
	if (i >= v->nrows)
		i = v->nrows - 1;
	v->sel = i;
	p = &v->s->procs[v->rows[i].proc];
	v->sel_key.pid = p->pid;
	v->sel_key.start = p->start;
}

void topview_refresh(struct topview *v)
{
	const char *f = tv_active_filter(v);
	size_t keep = v->sel;

	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
	if (!v->s)
		return;
	v->rows = xcalloc(v->s->nprocs ? v->s->nprocs : 1, sizeof(*v->rows));
	for (size_t i = 0; i < v->s->nprocs; i++) {
		const struct proc_sample *p = &v->s->procs[i];
		double use = proc_sample_use(p);

		if (f && !(p->comm && strcasestr(p->comm, f)))
			continue;
		v->rows[v->nrows].proc = i;
		v->rows[v->nrows].use = use < 0 ? NAN : use;
		v->nrows++;
	}
	qsort_r(v->rows, v->nrows, sizeof(*v->rows), cmp_rows, v);
	/* Until the user moves it the selection stays on the top row; then on
	 * its process while it is a row, else on the same line. */
	if (!v->moved) {
		tv_select_row(v, 0);
		return;
	}
	for (size_t i = 0; i < v->nrows && v->sel_key.pid >= 0; i++) {
		const struct proc_sample *p = &v->s->procs[v->rows[i].proc];

		if (p->pid == v->sel_key.pid && p->start == v->sel_key.start) {
			keep = i;
			break;
		}
	}
	tv_select_row(v, keep);
}

size_t topview_nrows(const struct topview *v)
{
	return v->nrows;
}

size_t topview_row(const struct topview *v, size_t i)
{
	return i < v->nrows ? v->rows[i].proc : (size_t)-1;
}

enum tv_col topview_sort(const struct topview *v, bool *reversed)
{
	if (reversed)
		*reversed = v->reversed;
	return v->sort;
}

/* ---- layout and text -------------------------------------------------- */

struct colspec {
	const char *name;
	int width;
	bool right;
};

static const struct colspec colspecs[TV_NCOLS] = {
	[TV_COL_LEVEL] = { "LVL", 4, false },
	[TV_COL_PID] = { "PID", 7, true },
	[TV_COL_USER] = { "USER", 9, false },
	[TV_COL_COMM] = { "COMMAND", 15, false },
	[TV_COL_FDS] = { "FDS", 6, true },
	[TV_COL_LIMIT] = { "LIMIT", 7, true },
	[TV_COL_USE] = { "USE%", 5, true },
	[TV_COL_RATE] = { "RATE/s", 7, true },
	[TV_COL_ETA] = { "ETA", 6, true },
	[TV_COL_TREND] = { "TREND", 10, false },
	[TV_COL_ENDPOINT] = { "ENDPOINT", 34, false },
};

/* How the table narrows: each step gives up a column (width 0) or lets
 * the command name shrink to the given width. */
static const struct { enum tv_col col; int width; } narrowing[] = {
	{ TV_COL_COMM, 13 }, { TV_COL_USER, 0 }, { TV_COL_LIMIT, 0 }, { TV_COL_COMM, 10 },
	{ TV_COL_USE, 0 }, { TV_COL_ENDPOINT, 24 }, { TV_COL_COMM, 8 }, { TV_COL_TREND, 0 },
	{ TV_COL_ENDPOINT, 16 },
};

/* Picks the columns and widths for cols columns; ENDPOINT takes the rest. */
static void layout(int cols, int width[TV_NCOLS])
{
	int total = 0;

	for (int c = 0; c < TV_NCOLS; c++) {
		width[c] = colspecs[c].width;
		total += width[c] + (c ? 1 : 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(narrowing) && total > cols; i++) {
		enum tv_col c = narrowing[i].col;
		int w = narrowing[i].width;

		if (w == 0) {
			total -= width[c] + 1;
			width[c] = 0;
		} else if (width[c] > w) {
			int less = width[c] - w > total - cols ? total - cols : width[c] - w;

			width[c] -= less;
			total -= less;
		}
	}
	if (total < cols)
		width[TV_COL_ENDPOINT] += cols - total;
	if (width[TV_COL_TREND] && cols >= 140) { /* room to spare: a longer trend */
		int more = (cols - 140) / 4 > 12 ? 12 : (cols - 140) / 4;

		width[TV_COL_TREND] += more;
		width[TV_COL_ENDPOINT] -= more;
	}
}

/* A count cell: the number, or `unknown` when it is negative. */
static void fmt_count(char *dst, size_t n, long count, const char *unknown)
{
	if (count >= 0)
		snprintf(dst, n, "%ld", count);
	else
		snprintf(dst, n, "%s", unknown);
}

/* Fills line l with rows[i] in the columns of width. */
static void render_row(struct topview *v, struct render *r, struct tv_line *l, size_t i,
		       const int width[TV_NCOLS])
{
	size_t pi = v->rows[i].proc;
	const struct proc_sample *p;
	const struct tv_stats *st;
	char cell[64];
	struct buf b;
	bool first = true;
	int base;

	if (!v->s) /* rows come from a sample: none without one */
		return;
	p = &v->s->procs[pi];
	st = &v->stats[pi];
	base = tv_level_attr(st->level) | (i == v->sel ? TV_A_SELECTED : 0);
	l->fill_attr = base;
	buf_init(&b);
	for (int c = 0; c < TV_NCOLS; c++) {
		if (!width[c])
			continue;
		if (!first)
			tv_line_add(r, l, base, " ", 1, false);
		first = false;
		cell[0] = '\0';
		buf_reset(&b);
		switch (c) {
		case TV_COL_LEVEL:
			snprintf(cell, sizeof(cell), "%s", st->level == TV_OK && st->unjudged ?
				 (st->young ? "new" : "?") : tv_level_name(st->level));
			break;
		case TV_COL_PID: snprintf(cell, sizeof(cell), "%d", p->pid); break;
		case TV_COL_USER: tv_line_add_clean(r, l, base, p->user, width[c], false); continue;
		case TV_COL_COMM: tv_line_add_clean(r, l, base, p->comm, width[c], false); continue;
		case TV_COL_FDS:
			/* A count carried from an earlier listing is marked. */
			fmt_count(cell + p->fds_carried, sizeof(cell) - 1, p->fds, "?");
			if (p->fds_carried)
				cell[0] = '~';
			break;
		case TV_COL_LIMIT: fmt_count(cell, sizeof(cell), p->limit, "-"); break;
		case TV_COL_USE: tv_fmt_use(cell, sizeof(cell), v->rows[i].use); break;
		case TV_COL_RATE: tv_fmt_rate(cell, sizeof(cell), st->rate); break;
		case TV_COL_ETA: tv_fmt_eta(cell, sizeof(cell), st->eta); break;
		case TV_COL_TREND:
			tv_sparkline(&b, st->series, st->series ? st->nseries : 0, width[c], v->ascii);
			tv_line_add(r, l, base, b.data ? b.data : "", width[c], false);
			continue;
		case TV_COL_ENDPOINT:
			tv_endpoint_text(&b, r->g, v->ascii, p, st);
			tv_line_add(r, l, base, b.data ? b.data : "", width[c], false);
			continue;
		}
		tv_line_add(r, l, base, cell, width[c], colspecs[c].right);
	}
	buf_free(&b);
}

/* The column names, the sorted one marked with its direction. */
static void render_names(struct topview *v, struct render *r, struct tv_line *l,
			 const int width[TV_NCOLS])
{
	bool first = true;

	l->fill_attr = TV_A_HEADER;
	for (int c = 0; c < TV_NCOLS; c++) {
		char name[32];

		if (!width[c])
			continue;
		if (!first)
			tv_line_add(r, l, TV_A_HEADER, " ", 1, false);
		first = false;
		if (c == (int)v->sort) {
			bool desc = (c == TV_COL_PID || c == TV_COL_USER || c == TV_COL_COMM ||
				     c == TV_COL_ETA) == v->reversed;

			snprintf(name, sizeof(name), "%s%s", colspecs[c].name,
				 desc ? r->g->down : r->g->up);
			tv_line_add(r, l, TV_A_SORTED, name, width[c], colspecs[c].right);
		} else {
			tv_line_add(r, l, TV_A_HEADER, colspecs[c].name, width[c], colspecs[c].right);
		}
	}
}

void tv_render_main(struct topview *v, struct render *r)
{
	int width[TV_NCOLS], row = 0, body;

	layout(r->cols, width);
	tv_render_header(v, r, &row);
	render_names(v, r, tv_line_at(r, row++), width);
	body = r->scr->rows - row - 1;
	if (body < 1)
		body = 1;
	v->page = body;
	/* Scroll so that the selection is in view and no page is half empty. */
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)body)
		v->top = v->sel - (size_t)body + 1;
	if (v->top + (size_t)body > v->nrows)
		v->top = v->nrows > (size_t)body ? v->nrows - (size_t)body : 0;
	if (v->s && v->nrows == 0)
		tv_line_add(r, tv_line_at(r, row), TV_A_DIM,
			    tv_active_filter(v) ? "  no process matches the filter"
						: "  no process selected", -1, false);
	for (size_t i = v->top; i < v->nrows && row < r->scr->rows - 1; i++)
		render_row(v, r, tv_line_at(r, row++), i, width);
	tv_render_status(v, r);
}
