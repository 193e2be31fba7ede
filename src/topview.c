/* topview.c - the live view's model and layout, free of curses: rows,
 * sort, filter, keys, and the text of each screen for a given size. */
#include "config.h"

#include "topview.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "escape.h"

enum tv_mode { MODE_MAIN, MODE_DETAIL, MODE_HELP };

struct row {
	size_t proc;            /* index into sample->procs */
	double use;
};

struct topview {
	bool ascii;
	double interval;
	bool paused;
	char *host;
	struct sample *s;
	struct tv_stats *stats; /* one per s->procs */
	struct row *rows;       /* filtered and sorted */
	size_t nrows;

	enum tv_col sort;
	bool reversed;
	char *filter;           /* NULL or empty: none */
	bool editing;           /* the filter prompt is open */
	struct buf edit;
	char *filter_before;    /* to restore on Esc */

	size_t sel;             /* index into rows */
	bool moved;             /* the user moved the selection: follow its
	                         * process; until then stay on the top row */
	int sel_pid;
	unsigned long long sel_start;
	size_t top;             /* first row shown */
	int page;               /* rows per page at the last render */

	enum tv_mode mode;
	enum tv_mode help_from;
	int det_pid;
	unsigned long long det_start;
	struct fd_entry *fds;
	long nfds;              /* or -errno */
	bool fds_set;
	size_t dscroll;
	size_t dlines;          /* lines of the detail document at last render */

	char *msg;
};

/* The glyphs of one drawing mode. */
struct glyphs {
	const char *spark[8];
	const char *out, *in, *times, *down, *up;
	const char *full, *part[8], *limit, *axis, *corner, *base;
};

static const struct glyphs utf8_glyphs = {
	{ "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
	"\u2192", "\u2190", "\u00d7", "\u25be", "\u25b4",
	"\u2588", { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587" },
	"\u2504", "\u2502", "\u2514", "\u2500",
};

static const struct glyphs ascii_glyphs = {
	{ "_", ".", ",", "-", "~", "=", "*", "#" },
	"->", "<-", "x", "v", "^",
	"#", { " ", ".", ".", ".", ":", ":", ":", ":" },
	"-", "|", "+", "-",
};

static const struct glyphs *glyphs_of(const struct topview *v)
{
	return v->ascii ? &ascii_glyphs : &utf8_glyphs;
}

/* ---- text --------------------------------------------------------- */

static int cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7f ? 1 : 0;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int tv_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (!k) {
			k = 1;
			cp = '?';
		}
		w += cp_width(cp);
		i += k;
	}
	return w;
}

void tv_clean(struct buf *out, const char *s, bool ascii)
{
	struct buf e;
	size_t i = 0;

	if (!s) {
		buf_adds(out, "-");
		return;
	}
	if (!ascii) {
		escape_text(out, s, strlen(s));
		return;
	}
	buf_init(&e);
	escape_text(&e, s, strlen(s));
	while (i < e.len) {
		uint32_t cp;
		size_t k = utf8_decode((const unsigned char *)e.data + i, e.len - i, &cp);

		if (k <= 1)
			buf_addc(out, e.data[i]);
		else
			buf_addc(out, '?');
		i += k ? k : 1;
	}
	buf_free(&e);
}

/* Appends at most `width` columns of safe text s to out; returns the
 * columns used. */
static int cut_text(struct buf *out, const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		int cw;

		if (!k) {
			k = 1;
			cp = '?';
		}
		cw = cp_width(cp);
		if (w + cw > width)
			break;
		buf_add(out, p + i, k);
		w += cw;
		i += k;
	}
	return w;
}

/* ---- screen lines --------------------------------------------------- */

struct render {
	struct tv_screen *scr;
	const struct glyphs *g;
	bool ascii;
	int cols;
};

static struct tv_line *line_at(struct render *r, int row)
{
	return row >= 0 && row < r->scr->rows ? &r->scr->lines[row] : NULL;
}

/* Adds safe text to line l, padded or cut to width columns (width < 0:
 * as wide as it is), aligned right when right; never past the screen's
 * right edge. */
static void line_add(struct render *r, struct tv_line *l, int attr, const char *text,
		     int width, bool right)
{
	struct buf b;
	int room, w, tw;

	if (!l)
		return;
	room = r->cols - l->used;
	if (room <= 0)
		return;
	tw = tv_width(text);
	if (width < 0)
		width = tw;
	if (width > room)
		width = room;
	buf_init(&b);
	if (right && tw < width) {
		for (int i = tw; i < width; i++)
			buf_addc(&b, ' ');
		w = width - tw + cut_text(&b, text, tw);
	} else {
		w = cut_text(&b, text, width);
	}
	for (; w < width; w++)
		buf_addc(&b, ' ');
	if (l->nsegs == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->segs = xreallocarray(l->segs, l->cap, sizeof(*l->segs));
	}
	l->segs[l->nsegs].text = b.data ? b.data : xstrdup("");
	l->segs[l->nsegs].attr = attr;
	l->nsegs++;
	l->used += w;
}

static void line_addf(struct render *r, struct tv_line *l, int attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line_addf(struct render *r, struct tv_line *l, int attr, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	line_add(r, l, attr, b.data ? b.data : "", -1, false);
	buf_free(&b);
}

/* Adds untrusted text, escaped. */
static void line_add_clean(struct render *r, struct tv_line *l, int attr, const char *raw,
			   int width, bool right)
{
	struct buf b;

	buf_init(&b);
	tv_clean(&b, raw, r->ascii);
	line_add(r, l, attr, b.data ? b.data : "", width, right);
	buf_free(&b);
}

void tv_screen_free(struct tv_screen *scr)
{
	for (int i = 0; i < scr->rows; i++) {
		for (size_t k = 0; k < scr->lines[i].nsegs; k++)
			free(scr->lines[i].segs[k].text);
		free(scr->lines[i].segs);
	}
	free(scr->lines);
	memset(scr, 0, sizeof(*scr));
}

char *tv_screen_text(const struct tv_screen *scr)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < scr->rows; i++) {
		size_t start = b.len;

		for (size_t k = 0; k < scr->lines[i].nsegs; k++)
			buf_adds(&b, scr->lines[i].segs[k].text);
		while (b.len > start && b.data[b.len - 1] == ' ')
			b.len--;
		buf_addc(&b, '\n');
	}
	if (!b.data)
		return xstrdup("");
	return b.data;
}

/* ---- cells ---------------------------------------------------------- */

static void fmt_rate(char *dst, size_t n, double rate)
{
	double a = fabs(rate);

	if (isnan(rate))
		snprintf(dst, n, "-");
	else if (a < 0.005)
		snprintf(dst, n, "0");
	else if (a >= 1000)
		snprintf(dst, n, "%+.0e", rate);
	else if (a >= 100)
		snprintf(dst, n, "%+.0f", rate);
	else if (a >= 10)
		snprintf(dst, n, "%+.1f", rate);
	else
		snprintf(dst, n, "%+.2f", rate);
}

static void fmt_eta(char *dst, size_t n, double eta)
{
	if (isnan(eta) || eta < 0)
		snprintf(dst, n, "-");
	else if (eta < 0.5)
		snprintf(dst, n, "now");
	else
		fmt_duration(dst, n, eta);
}

static void fmt_use(char *dst, size_t n, double use)
{
	if (use < 0 || isnan(use))
		snprintf(dst, n, "-");
	else if (use >= 9.95)
		snprintf(dst, n, "%.0f", use);
	else
		snprintf(dst, n, "%.1f", use);
}

static const char *level_name(enum tv_level l)
{
	return l == TV_CRITICAL ? "CRIT" : l == TV_WARNING ? "WARN" : "";
}

static int level_attr(enum tv_level l)
{
	return l == TV_CRITICAL ? TV_A_CRITICAL : l == TV_WARNING ? TV_A_WARNING : TV_A_NORMAL;
}

void tv_sparkline(struct buf *out, const double *series, size_t n, int width, bool ascii)
{
	const struct glyphs *g = ascii ? &ascii_glyphs : &utf8_glyphs;
	size_t from = n > (size_t)width ? n - (size_t)width : 0;
	double lo = INFINITY, hi = -INFINITY, span;

	for (size_t i = from; i < n; i++) {
		if (isnan(series[i]))
			continue;
		if (series[i] < lo)
			lo = series[i];
		if (series[i] > hi)
			hi = series[i];
	}
	for (int i = (int)(n - from); i < width; i++)
		buf_addc(out, ' ');
	/* A floor on the span keeps a count that wobbles by one from looking
	 * like a cliff. */
	span = hi - lo < 4 ? 4 : hi - lo;
	for (size_t i = from; i < n; i++) {
		int k;

		if (isnan(series[i]) || !isfinite(lo)) {
			buf_addc(out, ' ');
			continue;
		}
		k = (int)lround((series[i] - lo) / span * 7.0);
		if (k < 0)
			k = 0;
		if (k > 7)
			k = 7;
		buf_adds(out, g->spark[k]);
	}
}

/* Socket group as "→ENDPOINT STATE" (prefixed by its proto unless TCP). */
static void group_text(struct buf *b, const struct glyphs *g, bool ascii, const char *proto,
		       enum sock_dir dir, const char *endpoint, const char *state)
{
	bool tcp = proto && (strcmp(proto, "tcp") == 0 || strcmp(proto, "tcp6") == 0);

	if (!tcp || dir == SOCK_NONE) {
		tv_clean(b, proto ? proto : "?", ascii);
		buf_addc(b, ' ');
	}
	switch (dir) {
	case SOCK_OUT: buf_adds(b, g->out); break;
	case SOCK_IN: buf_adds(b, g->in); break;
	case SOCK_LISTEN: buf_adds(b, "listen "); break;
	default: break;
	}
	if (endpoint)
		tv_clean(b, endpoint, ascii);
	else
		buf_adds(b, "(unnamed)");
	if (state && !(dir == SOCK_LISTEN && strcmp(state, "LISTEN") == 0)) {
		buf_addc(b, ' ');
		tv_clean(b, state, ascii);
	}
}

/* The ENDPOINT cell: the growing source, else the fastest-growing socket
 * group, else the largest one, else the largest fd type. */
static void endpoint_text(struct buf *b, const struct glyphs *g, bool ascii,
			  const struct proc_sample *p, const struct tv_stats *st)
{
	size_t best = (size_t)-1;

	const struct source *src = &st->src;

	if (src->kind == SRC_SOCKET) {
		unsigned n = 0;

		for (size_t i = 0; i < p->nsocks; i++)
			if (source_is_group(src, &p->socks[i]))
				n = p->socks[i].count;
		group_text(b, g, ascii, src->proto ? src->proto : "?", src->dir, src->endpoint,
			   src->state);
		if (n)
			buf_addf(b, " %s%u", g->times, n);
		return;
	}
	if (src->kind == SRC_TYPE || src->kind == SRC_FILE) {
		enum fd_type t = src->kind == SRC_FILE ? FD_FILE : src->type;
		unsigned n = p->classified ? p->types[t] : 0;

		buf_adds(b, fd_type_name(t));
		if (src->kind == SRC_FILE && src->path) {
			buf_addc(b, ' ');
			tv_clean(b, src->path, ascii);
			/* The count of that directory, when it is one of the groups. */
			for (size_t i = 0; i < p->nfiles; i++)
				if (str_eq(p->files[i].dir, src->path))
					n = p->files[i].count;
		}
		if (n)
			buf_addf(b, " %s%u", g->times, n);
		return;
	}
	if (st->group_rate) {
		double r = 0;

		for (size_t i = 0; i < p->nsocks; i++)
			if (!isnan(st->group_rate[i]) && st->group_rate[i] > r) {
				r = st->group_rate[i];
				best = i;
			}
	}
	if (best == (size_t)-1 && p->nsocks)
		best = 0;
	if (best != (size_t)-1) {
		const struct sock_group *sg = &p->socks[best];

		group_text(b, g, ascii, sg->proto, sg->dir, sg->endpoint, sg->state);
		buf_addf(b, " %s%u", g->times, sg->count);
		return;
	}
	if (p->classified) {
		int t = -1;

		for (int i = 0; i < FD_NTYPES; i++)
			if (p->types[i] && (t < 0 || p->types[i] > p->types[t]))
				t = i;
		if (t >= 0)
			buf_addf(b, "%s %s%u", fd_type_name(t), g->times, p->types[t]);
		return;
	}
	if (p->fd_err)
		buf_adds(b, "(not readable)");
}

/* ---- the model ------------------------------------------------------ */

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
	v->sel_pid = -1;
	v->page = 10;
	buf_init(&v->edit);
	return v;
}

static void fds_clear(struct topview *v)
{
	if (v->fds)
		fd_entries_free(v->fds, v->nfds > 0 ? (size_t)v->nfds : 0);
	v->fds = NULL;
	v->nfds = 0;
	v->fds_set = false;
}

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
	fds_clear(v);
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

static const char *active_filter(const struct topview *v)
{
	if (v->editing)
		return v->edit.data && *v->edit.data ? v->edit.data : NULL;
	return v->filter && *v->filter ? v->filter : NULL;
}

/* Compares the sort column's values; unknown values sort last. */
static int cmp_num(double a, double b, bool asc)
{
	bool ua = isnan(a), ub = isnan(b);

	if (ua || ub)
		return ua == ub ? 0 : ua ? 1 : -1;
	if (a == b)
		return 0;
	return (a < b) == asc ? -1 : 1;
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return !a == !b ? 0 : !a ? 1 : -1;
	return strcmp(a, b);
}

static const struct topview *sort_view; /* qsort has no context argument */

static int cmp_rows(const void *pa, const void *pb)
{
	const struct topview *v = sort_view;
	const struct row *ra = pa, *rb = pb;
	const struct proc_sample *a = &v->s->procs[ra->proc], *b = &v->s->procs[rb->proc];
	const struct tv_stats *sa = &v->stats[ra->proc], *sb = &v->stats[rb->proc];
	int c = 0;

	/* Alerting processes first, whatever the sort column. */
	if (sa->level != sb->level)
		return sa->level > sb->level ? -1 : 1;
	switch (v->sort) {
	case TV_COL_PID: c = cmp_num(a->pid, b->pid, true); break;
	case TV_COL_USER: c = cmp_str(a->user, b->user); break;
	case TV_COL_COMM: c = cmp_str(a->comm, b->comm); break;
	case TV_COL_FDS: c = cmp_num(a->fds < 0 ? NAN : a->fds, b->fds < 0 ? NAN : b->fds, false); break;
	case TV_COL_LIMIT:
		c = cmp_num(a->limit < 0 ? NAN : a->limit, b->limit < 0 ? NAN : b->limit, false);
		break;
	case TV_COL_USE: c = cmp_num(ra->use < 0 ? NAN : ra->use, rb->use < 0 ? NAN : rb->use, false); break;
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
	if ((c = cmp_num(ra->use < 0 ? NAN : ra->use, rb->use < 0 ? NAN : rb->use, false)))
		return c;
	if (a->fds != b->fds)
		return a->fds > b->fds ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static void select_row(struct topview *v, size_t i)
{
	if (v->nrows == 0) {
		v->sel = 0;
		return;
	}
	if (i >= v->nrows)
		i = v->nrows - 1;
	v->sel = i;
	v->sel_pid = v->s->procs[v->rows[i].proc].pid;
	v->sel_start = v->s->procs[v->rows[i].proc].start;
}

void topview_refresh(struct topview *v)
{
	const char *f = active_filter(v);
	size_t keep = v->sel;
	bool found = false;

	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
	if (!v->s)
		return;
	v->rows = xcalloc(v->s->nprocs ? v->s->nprocs : 1, sizeof(*v->rows));
	for (size_t i = 0; i < v->s->nprocs; i++) {
		const struct proc_sample *p = &v->s->procs[i];

		if (f && !(p->comm && strcasestr(p->comm, f)))
			continue;
		v->rows[v->nrows].proc = i;
		v->rows[v->nrows].use = proc_sample_use(p);
		v->nrows++;
	}
	sort_view = v;
	qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_rows);
	sort_view = NULL;
	for (size_t i = 0; i < v->nrows && v->sel_pid >= 0 && v->moved; i++) {
		const struct proc_sample *p = &v->s->procs[v->rows[i].proc];

		if (p->pid == v->sel_pid && p->start == v->sel_start) {
			keep = i;
			found = true;
			break;
		}
	}
	select_row(v, found ? keep : v->moved ? keep : 0);
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

static const struct proc_sample *find_proc(const struct topview *v, int pid,
					   unsigned long long start, size_t *idx)
{
	if (!v->s)
		return NULL;
	for (size_t i = 0; i < v->s->nprocs; i++)
		if (v->s->procs[i].pid == pid && v->s->procs[i].start == start) {
			if (idx)
				*idx = i;
			return &v->s->procs[i];
		}
	return NULL;
}

const struct proc_sample *topview_selected(const struct topview *v)
{
	if (v->mode == MODE_DETAIL)
		return find_proc(v, v->det_pid, v->det_start, NULL);
	if (!v->s || v->nrows == 0)
		return NULL;
	return &v->s->procs[v->rows[v->sel].proc];
}

bool topview_detail_proc(const struct topview *v, int *pid, unsigned long long *start)
{
	if (v->mode != MODE_DETAIL && !(v->mode == MODE_HELP && v->help_from == MODE_DETAIL))
		return false;
	*pid = v->det_pid;
	*start = v->det_start;
	return true;
}

void topview_set_fds(struct topview *v, struct fd_entry *e, long n)
{
	fds_clear(v);
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

/* ---- keys ----------------------------------------------------------- */

static const enum tv_col sortable[] = {
	TV_COL_PID, TV_COL_USER, TV_COL_COMM, TV_COL_FDS, TV_COL_LIMIT, TV_COL_USE,
	TV_COL_RATE, TV_COL_ETA,
};

static void sort_step(struct topview *v, int dir)
{
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sortable); i++)
		if (sortable[i] == v->sort)
			k = i;
	if (dir < 0 && k > 0)
		k--;
	else if (dir > 0 && k + 1 < ARRAY_SIZE(sortable))
		k++;
	v->sort = sortable[k];
	v->reversed = false;
}

/* Intervals that + and - step through. */
static const double steps[] = { 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300 };

static void interval_step(struct topview *v, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
			if (steps[i] > v->interval + 1e-9) {
				v->interval = steps[i];
				return;
			}
	} else {
		for (size_t i = ARRAY_SIZE(steps); i-- > 0;)
			if (steps[i] < v->interval - 1e-9) {
				v->interval = steps[i];
				return;
			}
	}
}

static int key_filter(struct topview *v, int key)
{
	switch (key) {
	case TV_KEY_ENTER:
		free(v->filter);
		v->filter = xstrdup(v->edit.data ? v->edit.data : "");
		v->editing = false;
		break;
	case TV_KEY_ESC:
		free(v->filter);
		v->filter = v->filter_before;
		v->filter_before = NULL;
		v->editing = false;
		break;
	case TV_KEY_BACKSPACE:
		/* Drop a whole UTF-8 sequence. */
		while (v->edit.len > 0) {
			unsigned char c = (unsigned char)v->edit.data[--v->edit.len];

			if ((c & 0xc0) != 0x80)
				break;
		}
		if (v->edit.data)
			v->edit.data[v->edit.len] = '\0';
		break;
	default:
		if (key >= 0x20 && key < 0x110000 && key != 0x7f && v->edit.len < 64) {
			/* Store the code point as UTF-8. */
			char u[4];
			size_t n;

			if (key < 0x80) {
				u[0] = (char)key;
				n = 1;
			} else if (key < 0x800) {
				u[0] = (char)(0xc0 | (key >> 6));
				u[1] = (char)(0x80 | (key & 0x3f));
				n = 2;
			} else if (key < 0x10000) {
				u[0] = (char)(0xe0 | (key >> 12));
				u[1] = (char)(0x80 | ((key >> 6) & 0x3f));
				u[2] = (char)(0x80 | (key & 0x3f));
				n = 3;
			} else {
				u[0] = (char)(0xf0 | (key >> 18));
				u[1] = (char)(0x80 | ((key >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((key >> 6) & 0x3f));
				u[3] = (char)(0x80 | (key & 0x3f));
				n = 4;
			}
			buf_add(&v->edit, u, n);
		} else {
			return 0;
		}
	}
	if (!v->editing) {
		free(v->filter_before);
		v->filter_before = NULL;
	}
	v->top = 0;
	topview_refresh(v);
	return TV_ACT_REDRAW;
}

static void move_sel(struct topview *v, long delta)
{
	long i = (long)v->sel + delta;

	v->moved = true;
	if (v->nrows == 0)
		return;
	if (i < 0)
		i = 0;
	if (i >= (long)v->nrows)
		i = (long)v->nrows - 1;
	select_row(v, (size_t)i);
}

static void scroll_detail(struct topview *v, long delta)
{
	long i = (long)v->dscroll + delta, max = (long)v->dlines - v->page;

	if (max < 0)
		max = 0;
	if (i > max)
		i = max;
	if (i < 0)
		i = 0;
	v->dscroll = (size_t)i;
}

int topview_key(struct topview *v, int key)
{
	long page = v->page > 1 ? v->page - 1 : 1;

	free(v->msg);
	v->msg = NULL;
	if (v->editing)
		return key_filter(v, key);
	if (v->mode == MODE_HELP) {
		v->mode = v->help_from;
		return key == 'q' ? TV_ACT_QUIT : TV_ACT_REDRAW;
	}
	switch (key) {
	case 'q':
		return TV_ACT_QUIT;
	case 'h':
	case '?':
		v->help_from = v->mode;
		v->mode = MODE_HELP;
		return TV_ACT_REDRAW;
	case ' ':
		v->paused = !v->paused;
		return TV_ACT_REDRAW | TV_ACT_SCHEDULE;
	case '+':
		interval_step(v, 1);
		return TV_ACT_REDRAW | TV_ACT_SCHEDULE;
	case '-':
		interval_step(v, -1);
		return TV_ACT_REDRAW | TV_ACT_SCHEDULE;
	default:
		break;
	}
	if (v->mode == MODE_DETAIL) {
		switch (key) {
		case TV_KEY_ESC:
		case TV_KEY_LEFT:
			v->mode = MODE_MAIN;
			fds_clear(v);
			topview_refresh(v);
			return TV_ACT_REDRAW;
		case TV_KEY_UP: scroll_detail(v, -1); break;
		case TV_KEY_DOWN: scroll_detail(v, 1); break;
		case TV_KEY_PGUP: scroll_detail(v, -page); break;
		case TV_KEY_PGDN: scroll_detail(v, page); break;
		case TV_KEY_HOME: v->dscroll = 0; break;
		case TV_KEY_END: scroll_detail(v, (long)v->dlines); break;
		default: return 0;
		}
		return TV_ACT_REDRAW;
	}
	switch (key) {
	case TV_KEY_UP: move_sel(v, -1); break;
	case TV_KEY_DOWN: move_sel(v, 1); break;
	case TV_KEY_PGUP: move_sel(v, -page); break;
	case TV_KEY_PGDN: move_sel(v, page); break;
	case TV_KEY_HOME: move_sel(v, -(long)v->nrows); break;
	case TV_KEY_END: move_sel(v, (long)v->nrows); break;
	case '<':
	case ',':
		sort_step(v, -1);
		topview_refresh(v);
		break;
	case '>':
	case '.':
		sort_step(v, 1);
		topview_refresh(v);
		break;
	case 'r':
		v->reversed = !v->reversed;
		topview_refresh(v);
		break;
	case '/':
		v->editing = true;
		free(v->filter_before);
		v->filter_before = v->filter ? xstrdup(v->filter) : NULL;
		buf_reset(&v->edit);
		if (v->filter)
			buf_adds(&v->edit, v->filter);
		break;
	case TV_KEY_ESC:
		if (!v->filter)
			return 0;
		free(v->filter);
		v->filter = NULL;
		topview_refresh(v);
		break;
	case TV_KEY_ENTER:
	case TV_KEY_RIGHT: {
		const struct proc_sample *p = topview_selected(v);

		if (!p)
			return 0;
		v->mode = MODE_DETAIL;
		v->det_pid = p->pid;
		v->det_start = p->start;
		v->dscroll = 0;
		fds_clear(v);
		return TV_ACT_REDRAW | TV_ACT_FDS;
	}
	default:
		return 0;
	}
	return TV_ACT_REDRAW;
}

/* ---- the main table --------------------------------------------------- */

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

static void render_header_lines(struct topview *v, struct render *r, int *row)
{
	const struct sample *s = v->s;
	struct tv_line *l = line_at(r, (*row)++);
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
	line_add(r, l, TV_A_TITLE, "fdwatch", -1, false);
	line_add(r, l, TV_A_NORMAL, " - ", -1, false);
	line_add_clean(r, l, TV_A_NORMAL, v->host ? v->host : "localhost", -1, false);
	line_addf(r, l, TV_A_NORMAL, " - %s - every %s", when, ivl);
	if (v->paused)
		line_add(r, l, TV_A_WARNING, "  PAUSED", -1, false);

	l = line_at(r, (*row)++);
	if (!s) {
		line_add(r, l, TV_A_NORMAL, "taking the first sample...", -1, false);
		(*row)++;
		return;
	}
	line_addf(r, l, TV_A_NORMAL, "Processes: %zu shown of %zu", v->nrows, s->nprocs);
	if (s->nunreadable)
		line_addf(r, l, TV_A_DIM, " (%zu not readable)", s->nunreadable);
	line_addf(r, l, TV_A_NORMAL, "  FDs: %llu", s->total_fds);
	l = line_at(r, (*row)++);
	line_add(r, l, TV_A_NORMAL, "Alerts: ", -1, false);
	line_addf(r, l, crit ? TV_A_CRITICAL : TV_A_NORMAL, "%zu critical", crit);
	line_add(r, l, TV_A_NORMAL, ", ", -1, false);
	line_addf(r, l, warn ? TV_A_WARNING : TV_A_NORMAL, "%zu warning", warn);
	if (s->nunreadable)
		line_add(r, l, TV_A_DIM, "   (for every fd table: run as root or with CAP_SYS_PTRACE)",
			 -1, false);
}

static void render_row(struct topview *v, struct render *r, struct tv_line *l, size_t i,
		       const int width[TV_NCOLS])
{
	size_t pi = v->rows[i].proc;
	const struct proc_sample *p = &v->s->procs[pi];
	const struct tv_stats *st = &v->stats[pi];
	int base = level_attr(st->level) | (i == v->sel ? TV_A_SELECTED : 0);
	char cell[64];
	struct buf b;
	bool first = true;

	l->fill_attr = base;
	buf_init(&b);
	for (int c = 0; c < TV_NCOLS; c++) {
		if (!width[c])
			continue;
		if (!first)
			line_add(r, l, base, " ", 1, false);
		first = false;
		cell[0] = '\0';
		buf_reset(&b);
		switch (c) {
		case TV_COL_LEVEL: snprintf(cell, sizeof(cell), "%s", level_name(st->level)); break;
		case TV_COL_PID: snprintf(cell, sizeof(cell), "%d", p->pid); break;
		case TV_COL_USER: line_add_clean(r, l, base, p->user, width[c], false); continue;
		case TV_COL_COMM: line_add_clean(r, l, base, p->comm, width[c], false); continue;
		case TV_COL_FDS:
			if (p->fds >= 0)
				snprintf(cell, sizeof(cell), "%ld", p->fds);
			else
				snprintf(cell, sizeof(cell), "?");
			break;
		case TV_COL_LIMIT:
			if (p->limit >= 0)
				snprintf(cell, sizeof(cell), "%ld", p->limit);
			else
				snprintf(cell, sizeof(cell), "-");
			break;
		case TV_COL_USE: fmt_use(cell, sizeof(cell), v->rows[i].use); break;
		case TV_COL_RATE: fmt_rate(cell, sizeof(cell), st->rate); break;
		case TV_COL_ETA: fmt_eta(cell, sizeof(cell), st->eta); break;
		case TV_COL_TREND:
			tv_sparkline(&b, st->series, st->series ? st->nseries : 0, width[c], v->ascii);
			line_add(r, l, base, b.data ? b.data : "", width[c], false);
			continue;
		case TV_COL_ENDPOINT:
			endpoint_text(&b, r->g, v->ascii, p, st);
			line_add(r, l, base, b.data ? b.data : "", width[c], false);
			continue;
		}
		line_add(r, l, base, cell, width[c], colspecs[c].right);
	}
	buf_free(&b);
}

static void render_status(struct topview *v, struct render *r)
{
	struct tv_line *l = line_at(r, r->scr->rows - 1);

	if (!l)
		return;
	l->fill_attr = TV_A_STATUS;
	if (v->editing) {
		struct buf b;

		buf_init(&b);
		tv_clean(&b, v->edit.data ? v->edit.data : "", r->ascii);
		line_add(r, l, TV_A_PROMPT, "Filter by name: ", -1, false);
		line_add(r, l, TV_A_STATUS, b.data ? b.data : "", -1, false);
		r->scr->cursor_row = r->scr->rows - 1;
		r->scr->cursor_col = l->used < r->cols ? l->used : r->cols - 1;
		line_add(r, l, TV_A_STATUS, "   Enter keep  Esc cancel", -1, false);
		buf_free(&b);
		return;
	}
	if (v->msg) {
		line_add_clean(r, l, TV_A_STATUS, v->msg, -1, false);
		return;
	}
	if (v->mode == MODE_DETAIL) {
		if (v->dlines > (size_t)v->page) {
			size_t last = v->dscroll + (size_t)v->page;

			line_addf(r, l, TV_A_PROMPT, "%zu-%zu/%zu", v->dscroll + 1,
				  last < v->dlines ? last : v->dlines, v->dlines);
			line_add(r, l, TV_A_STATUS, "  ", -1, false);
		}
		line_add(r, l, TV_A_STATUS,
			 "Esc back  Up/Down PgUp/PgDn Home/End scroll  space pause  +/- interval  h help  q quit",
			 -1, false);
		return;
	}
	if (v->filter && *v->filter) {
		line_add(r, l, TV_A_PROMPT, "Filter: ", -1, false);
		line_add_clean(r, l, TV_A_STATUS, v->filter, -1, false);
		line_add(r, l, TV_A_STATUS, " (Esc clears)  ", -1, false);
	}
	line_add(r, l, TV_A_STATUS,
		 "Enter details  / filter  < > sort  space pause  +/- interval  h help  q quit", -1, false);
}

static void render_main(struct topview *v, struct render *r)
{
	int width[TV_NCOLS], row = 0, body;
	struct tv_line *l;
	bool first = true;

	layout(r->cols, width);
	render_header_lines(v, r, &row);
	l = line_at(r, row++);
	l->fill_attr = TV_A_HEADER;
	for (int c = 0; c < TV_NCOLS; c++) {
		char name[32];

		if (!width[c])
			continue;
		if (!first)
			line_add(r, l, TV_A_HEADER, " ", 1, false);
		first = false;
		if (c == (int)v->sort) {
			bool desc = (c == TV_COL_PID || c == TV_COL_USER || c == TV_COL_COMM ||
				     c == TV_COL_ETA) == v->reversed;

			snprintf(name, sizeof(name), "%s%s", colspecs[c].name,
				 desc ? r->g->down : r->g->up);
			line_add(r, l, TV_A_SORTED, name, width[c], colspecs[c].right);
		} else {
			line_add(r, l, TV_A_HEADER, colspecs[c].name, width[c], colspecs[c].right);
		}
	}
	body = r->scr->rows - row - 1;
	if (body < 1)
		body = 1;
	v->page = body;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)body)
		v->top = v->sel - (size_t)body + 1;
	if (v->top + (size_t)body > v->nrows)
		v->top = v->nrows > (size_t)body ? v->nrows - (size_t)body : 0;
	if (v->s && v->nrows == 0) {
		l = line_at(r, row);
		line_add(r, l, TV_A_DIM,
			 active_filter(v) ? "  no process matches the filter" : "  no process selected",
			 -1, false);
	}
	for (size_t i = v->top; i < v->nrows && row < r->scr->rows - 1; i++)
		render_row(v, r, line_at(r, row++), i, width);
	render_status(v, r);
}

/* ---- the detail view ------------------------------------------------- */

/* A growable list of lines, rendered later into a window of the screen. */
struct doc {
	struct tv_line *lines;
	size_t n, cap;
};

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
	for (size_t i = 0; i < d->n; i++) {
		for (size_t k = 0; k < d->lines[i].nsegs; k++)
			free(d->lines[i].segs[k].text);
		free(d->lines[i].segs);
	}
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
	const struct glyphs *g = r->g;
	int lw = 7, w = r->cols - lw - 1 - 7, ncol; /* room for " limit" */
	size_t n = st->chart ? st->nchart : 0;
	double hi = 0, top, *col;
	bool limit_in = false;
	char label[32];

	if (n == 0 || w < 10) {
		line_add(r, doc_line(d), TV_A_DIM, "  (no history yet)", -1, false);
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
		line_add(r, l, limit_row ? TV_A_LIMIT : TV_A_DIM, label, lw, false);
		line_add(r, l, TV_A_DIM, g->axis, 1, false);
		for (int c = 0; c < ncol; c++) {
			double eighths;
			int k;

			if (isnan(col[c])) {
				line_add(r, l, TV_A_NORMAL, " ", 1, false);
				continue;
			}
			eighths = col[c] / top * height * 8.0 - row * 8.0;
			k = eighths >= 8 ? 8 : eighths <= 0 ? 0 : (int)lround(eighths);
			if (k == 8)
				line_add(r, l, limit_row ? TV_A_CRITICAL : TV_A_NORMAL, g->full, 1, false);
			else if (k > 0)
				line_add(r, l, limit_row ? TV_A_CRITICAL : TV_A_NORMAL, g->part[k], 1, false);
			else
				line_add(r, l, limit_row ? TV_A_LIMIT : TV_A_NORMAL,
					 limit_row ? g->limit : " ", 1, false);
		}
		if (limit_row) {
			for (int c = ncol; c < w; c++)
				line_add(r, l, TV_A_LIMIT, g->limit, 1, false);
			line_add(r, l, TV_A_LIMIT, " limit", -1, false);
		}
	}
	{
		struct tv_line *l = doc_line(d);
		char span[32], tail[64];

		snprintf(label, sizeof(label), "%*d ", lw - 1, 0);
		line_add(r, l, TV_A_DIM, label, lw, false);
		line_add(r, l, TV_A_DIM, g->corner, 1, false);
		for (int c = 0; c < ncol; c++)
			line_add(r, l, TV_A_DIM, g->base, 1, false);
		l = doc_line(d);
		line_add(r, l, TV_A_DIM, "", lw + 1, false);
		fmt_duration(span, sizeof(span), st->chart_span);
		snprintf(tail, sizeof(tail), "-%s", span);
		line_add(r, l, TV_A_DIM, tail, ncol > 3 + (int)strlen(tail) ? ncol - 3 : -1, false);
		line_add(r, l, TV_A_DIM, "now", -1, false);
	}
	free(col);
}

static void render_detail_doc(struct topview *v, struct render *r, struct doc *d,
			      const struct proc_sample *p, const struct tv_stats *st, size_t body)
{
	const struct glyphs *g = r->g;
	struct tv_line *l;
	char a[64], b2[64];
	struct buf b;
	bool any;

	buf_init(&b);
	/* Summary */
	l = doc_line(d);
	if (p->fds >= 0)
		line_addf(r, l, TV_A_NORMAL, "FDs %ld", p->fds);
	else
		line_add(r, l, TV_A_NORMAL, "FDs ?", -1, false);
	if (p->limit >= 0) {
		fmt_use(a, sizeof(a), proc_sample_use(p));
		line_addf(r, l, TV_A_NORMAL, " of limit %ld (%s%%)", p->limit, a);
	} else {
		line_add(r, l, TV_A_NORMAL, " (no limit known)", -1, false);
	}
	fmt_rate(a, sizeof(a), st->rate);
	fmt_eta(b2, sizeof(b2), st->eta);
	line_addf(r, l, TV_A_NORMAL, "   rate %s/s   ETA %s", a, b2);
	if (st->src.kind != SRC_NONE) {
		l = doc_line(d);
		buf_reset(&b);
		endpoint_text(&b, g, r->ascii, p, st);
		line_add(r, l, TV_A_NORMAL, "Growing: ", -1, false);
		line_add(r, l, level_attr(st->level), b.data ? b.data : "", -1, false);
	}
	doc_line(d);

	/* Types */
	l = doc_line(d);
	line_add(r, l, TV_A_TITLE, "Types  ", -1, false);
	if (!p->classified) {
		if (p->fd_err) {
			line_addf(r, l, TV_A_DIM, "fd table not readable (%s): run as root or with "
				  "CAP_SYS_PTRACE", strerror(p->fd_err));
		} else {
			line_add(r, l, TV_A_DIM, "-", -1, false);
		}
	} else {
		for (int t = 0; t < FD_NTYPES; t++)
			line_addf(r, l, TV_A_NORMAL, "%s %u   ", fd_type_name(t), p->types[t]);
	}
	doc_line(d);

	/* Sockets */
	if (p->nsocks) {
		int ew = r->cols - 6 - 7 - 12 - 8 - 10 - 5;

		if (ew < 16)
			ew = 16;
		if (ew > 48)
			ew = 48;
		l = doc_line(d);
		l->fill_attr = TV_A_HEADER;
		line_add(r, l, TV_A_HEADER, "PROTO", 6, false);
		line_add(r, l, TV_A_HEADER, " DIR", 7, false);
		line_add(r, l, TV_A_HEADER, " ENDPOINT", ew + 1, false);
		line_add(r, l, TV_A_HEADER, " STATE", 13, false);
		line_add(r, l, TV_A_HEADER, "COUNT", 8, true);
		line_add(r, l, TV_A_HEADER, "GROWTH/s", 10, true);
		for (size_t i = 0; i < p->nsocks; i++) {
			const struct sock_group *sg = &p->socks[i];
			double gr = st->group_rate ? st->group_rate[i] : NAN;
			int attr = !isnan(gr) && gr > 0 && st->level != TV_OK ? level_attr(st->level)
									    : TV_A_NORMAL;

			l = doc_line(d);
			line_add_clean(r, l, attr, sg->proto, 6, false);
			line_addf(r, l, attr, " %-6s", sock_dir_name(sg->dir));
			line_add(r, l, attr, " ", 1, false);
			buf_reset(&b);
			if (sg->dir == SOCK_OUT)
				buf_adds(&b, g->out);
			else if (sg->dir == SOCK_IN)
				buf_adds(&b, g->in);
			if (sg->endpoint)
				tv_clean(&b, sg->endpoint, r->ascii);
			else
				buf_adds(&b, "(unnamed)");
			line_add(r, l, attr, b.data, ew, false);
			line_add(r, l, attr, " ", 1, false);
			line_add_clean(r, l, attr, sg->state ? sg->state : "", 12, false);
			line_addf(r, l, attr, "%8u", sg->count);
			fmt_rate(a, sizeof(a), gr);
			line_add(r, l, attr, a, 10, true);
		}
		doc_line(d);
	}

	/* Files by directory */
	any = false;
	for (size_t i = 0; i < p->nfiles && i < 8; i++) {
		if (!any) {
			l = doc_line(d);
			line_add(r, l, TV_A_TITLE, "Files by directory", -1, false);
			any = true;
		}
		l = doc_line(d);
		line_addf(r, l, TV_A_NORMAL, "%8u  ", p->files[i].count);
		line_add_clean(r, l, TV_A_NORMAL, p->files[i].dir, -1, false);
	}
	if (p->nfiles > 8)
		line_addf(r, doc_line(d), TV_A_DIM, "          ... %zu more directories",
			  p->nfiles - 8);
	if (any)
		doc_line(d);

	/* History chart */
	l = doc_line(d);
	line_add(r, l, TV_A_TITLE, "FDs over time", -1, false);
	if (p->limit > 0 && st->nchart && !chart_shows_limit(p, st))
		line_addf(r, l, TV_A_DIM, "  (limit %ld is off the scale)", p->limit);
	if (st->chart_floor)
		line_add(r, l, TV_A_DIM, "  each step shows its lowest count", -1, false);
	render_chart(r, d, p, st, r->scr->rows >= 30 ? 8 : r->scr->rows >= 20 ? 6 : 4);
	doc_line(d);

	/* The fd list, as lsof -p shows it */
	l = doc_line(d);
	if (!v->fds_set) {
		line_add(r, l, TV_A_TITLE, "Open fds", -1, false);
		line_add(r, l, TV_A_DIM, "  (listing...)", -1, false);
	} else if (v->nfds < 0) {
		line_add(r, l, TV_A_TITLE, "Open fds", -1, false);
		line_addf(r, l, TV_A_DIM, "  cannot be listed: %s%s", strerror((int)-v->nfds),
			  v->nfds == -EACCES || v->nfds == -EPERM
				  ? " (run as root or with CAP_SYS_PTRACE)" : "");
	} else {
		line_addf(r, l, TV_A_TITLE, "Open fds (%ld)", v->nfds);
		l = doc_line(d);
		l->fill_attr = TV_A_HEADER;
		line_add(r, l, TV_A_HEADER, "FD", 6, true);
		line_add(r, l, TV_A_HEADER, "  TYPE   ", 9, false);
		line_add(r, l, TV_A_HEADER, "TARGET", -1, false);
		size_t total = d->n + (size_t)v->nfds;

		/* A process may hold a million fds: only the lines in view
		 * get their text. */
		if (v->dscroll + body > total)
			v->dscroll = total > body ? total - body : 0;
		for (long i = 0; i < v->nfds; i++) {
			l = doc_line(d);
			if (d->n - 1 < v->dscroll || d->n - 1 >= v->dscroll + body)
				continue;
			line_addf(r, l, TV_A_NORMAL, "%6d  %-7s", v->fds[i].fd,
				  fd_type_name(v->fds[i].type));
			line_add_clean(r, l, TV_A_NORMAL, v->fds[i].target, -1, false);
		}
	}
	buf_free(&b);
}

static void render_detail(struct topview *v, struct render *r)
{
	size_t idx = 0;
	const struct proc_sample *p = find_proc(v, v->det_pid, v->det_start, &idx);
	struct tv_line *l;
	struct doc d = { NULL, 0, 0 };
	int row = 0, body;

	render_header_lines(v, r, &row);
	l = line_at(r, row++);
	l->fill_attr = TV_A_HEADER;
	if (!p) {
		line_addf(r, l, TV_A_HEADER, "PID %d has exited", v->det_pid);
		l = line_at(r, row + 1);
		line_add(r, l, TV_A_DIM, "  Esc returns to the list", -1, false);
		render_status(v, r);
		return;
	}
	line_addf(r, l, TV_A_HEADER, "PID %d  ", p->pid);
	line_add_clean(r, l, TV_A_HEADER, p->comm, -1, false);
	line_add(r, l, TV_A_HEADER, "  user ", -1, false);
	line_add_clean(r, l, TV_A_HEADER, p->user, -1, false);
	if (v->stats[idx].level != TV_OK)
		line_addf(r, l, level_attr(v->stats[idx].level) | TV_A_SELECTED, "  %s ",
			  v->stats[idx].level == TV_CRITICAL ? "CRITICAL" : "WARNING");

	body = r->scr->rows - row - 1;
	if (body < 1)
		body = 1;
	render_detail_doc(v, r, &d, p, &v->stats[idx], (size_t)body);
	v->page = body;
	v->dlines = d.n;
	if (v->dscroll + (size_t)body > d.n)
		v->dscroll = d.n > (size_t)body ? d.n - (size_t)body : 0;
	for (size_t i = v->dscroll; i < d.n && row < r->scr->rows - 1; i++) {
		/* Move the document's line onto the screen. */
		struct tv_line *dst = line_at(r, row++);

		*dst = d.lines[i];
		memset(&d.lines[i], 0, sizeof(d.lines[i]));
	}
	doc_free(&d);
	render_status(v, r);
}

/* ---- help ------------------------------------------------------------- */

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

static void render_help(struct topview *v, struct render *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(help_text) && (int)i < r->scr->rows; i++)
		line_add(r, line_at(r, (int)i), i == 0 ? TV_A_TITLE : TV_A_NORMAL, help_text[i], -1,
			 false);
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
	r.g = glyphs_of(v);
	r.ascii = v->ascii;
	r.cols = cols;
	if (cols < TV_MIN_COLS || rows < TV_MIN_ROWS) {
		char msg[96];

		snprintf(msg, sizeof(msg), "terminal too small (%dx%d), needs %dx%d", cols, rows,
			 TV_MIN_COLS, TV_MIN_ROWS);
		line_add(&r, &scr->lines[0], TV_A_NORMAL, msg, -1, false);
		return;
	}
	switch (v->mode) {
	case MODE_MAIN: render_main(v, &r); break;
	case MODE_DETAIL: render_detail(v, &r); break;
	case MODE_HELP: render_help(v, &r); break;
	}
}
