/* html.c - the self-contained HTML page of a run of samples (html.h). */
#include "config.h"

#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "escape.h"
#include "report.h"

/* Groups followed per process: when more appear, a new one takes the place
 * of the smallest if it is larger. */
#define GROUPS_KEPT 48
/* Points kept per line: wider than any chart is drawn. Past it, pairs of
 * points become their larger one and later points closer than the new
 * spacing join the last, so a day of samples costs what 20 minutes do. */
#define POINTS_KEPT 1024
/* Socket and file groups drawn per process. */
#define SOCK_LINES 3
#define FILE_LINES 2
/* Points drawn per line at most (every k-th beyond). */
#define POINTS_DRAWN 1500

struct hpt {
	double t;
	double v;
};

struct hline {
	char *label;             /* "tcp out 127.0.0.1:8080 ESTABLISHED": raw */
	bool file;
	struct hpt *pt;
	size_t n, cap;
	double gap;              /* least time between kept points (thinning) */
	unsigned peak, last;
	double last_t;
	char *detail;            /* idle and peers as last seen (escaped text) */
	char *signature;         /* the idle signature, when flagged */
	const char *words;       /* what its state means (static) */
};

struct halert {
	double t;
	enum alert_level level;
	char *msg;               /* escaped text */
};

struct hproc {
	struct proc_key key;
	char *comm;
	long limit;              /* last known, -1 none */
	struct hpt *fds;
	size_t n, cap;
	double gap;              /* as hline's */
	long first_fds, last_fds, max_fds;
	struct hline *g;
	size_t ng;
	struct halert *al;
	size_t nal;
	enum alert_level level;  /* as the last event left it */
	enum alert_level worst;
	bool alerted;
};

struct html {
	char *host, *boot, *what;
	struct hproc **p;        /* by key */
	size_t n;
	double t0, t1;
	size_t nsamples;
};

struct html *html_new(const char *host, const char *boot_id, const char *what)
{
	struct html *h = xcalloc(1, sizeof(*h));

	h->host = xstrdup_null(host);
	h->boot = xstrdup_null(boot_id);
	h->what = xstrdup_null(what);
	h->t0 = h->t1 = NAN;
	return h;
}

void html_free(struct html *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		struct hproc *p = h->p[i];

		for (size_t k = 0; k < p->ng; k++) {
			free(p->g[k].label);
			free(p->g[k].pt);
			free(p->g[k].detail);
			free(p->g[k].signature);
		}
		for (size_t k = 0; k < p->nal; k++)
			free(p->al[k].msg);
		free(p->g);
		free(p->al);
		free(p->fds);
		free(p->comm);
		free(p);
	}
	free(h->p);
	free(h->host);
	free(h->boot);
	free(h->what);
	free(h);
}

/* Appends text that is already escaped for a terminal (escape.h) with the
 * characters HTML gives a meaning to as entities. */
static void add_entities(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_adds(out, "&amp;");
			break;
		case '<':
			buf_adds(out, "&lt;");
			break;
		case '>':
			buf_adds(out, "&gt;");
			break;
		case '"':
			buf_adds(out, "&quot;");
			break;
		case '\'':
			buf_adds(out, "&#39;");
			break;
		default:
			buf_addc(out, *s);
		}
	}
}

void html_escape(struct buf *out, const char *s)
{
	struct buf e;

	if (!s)
		return;
	buf_init(&e);
	escape_text(&e, s, strlen(s));
	buf_addc(&e, '\0');
	add_entities(out, e.data);
	buf_free(&e);
}

/* Orders processes by key, for bsearch. */
static int cmp_hproc(const void *a, const void *b)
{
	const struct hproc *x = *(const struct hproc *const *)a, *y = *(const struct hproc *const *)b;

	return proc_key_cmp(&x->key, &y->key);
}

/* The process (pid, start), added when new. */
static struct hproc *proc_get(struct html *h, int pid, unsigned long long start)
{
	struct hproc key = { .key = { pid, start } }, *kp = &key, **f, *p;
	size_t lo = 0, hi = h->n;

	f = h->n ? bsearch(&kp, h->p, h->n, sizeof(*h->p), cmp_hproc) : NULL;
	if (f)
		return *f;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (proc_key_cmp(&h->p[mid]->key, &key.key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((h->n & (h->n - 1)) == 0)
		h->p = xreallocarray(h->p, h->n ? h->n * 2 : 1, sizeof(*h->p));
	memmove(h->p + lo + 1, h->p + lo, (h->n - lo) * sizeof(*h->p));
	p = xcalloc(1, sizeof(*p));
	p->key = key.key;
	p->limit = -1;
	p->first_fds = -1;
	p->level = p->worst = LEVEL_OK;
	h->p[lo] = p;
	h->n++;
	return p;
}

/* Appends (t, v) to a line's points, thinned to at most POINTS_KEPT with
 * every peak kept (see there); *gap is the line's spacing, 0 at first. */
static void points_add(struct hpt **pt, size_t *n, size_t *cap, double *gap, double t, double v)
{
	if (*n && t - (*pt)[*n - 1].t < *gap) {
		if (v > (*pt)[*n - 1].v)
			(*pt)[*n - 1].v = v;
		return;
	}
	if (*n == POINTS_KEPT) {
		size_t k = 0;

		for (size_t i = 0; i + 1 < *n; i += 2)
			(*pt)[k++] = (*pt)[i].v >= (*pt)[i + 1].v ? (*pt)[i] : (*pt)[i + 1];
		*n = k;
		*gap = ((*pt)[k - 1].t - (*pt)[0].t) / (double)(k > 1 ? k - 1 : 1);
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*pt = xreallocarray(*pt, *cap, sizeof(**pt));
	}
	(*pt)[*n].t = t;
	(*pt)[(*n)++].v = v;
}

/* The series labelled label of p, added (or taking the place of a smaller
 * one) when new; NULL when every kept one is larger than count. */
static struct hline *series_get(struct hproc *p, const char *label, bool file, unsigned count)
{
	struct hline *g = NULL;

	for (size_t i = 0; i < p->ng; i++)
		if (p->g[i].file == file && strcmp(p->g[i].label, label) == 0)
			return &p->g[i];
	if (p->ng < GROUPS_KEPT) {
		p->g = xreallocarray(p->g, p->ng + 1, sizeof(*p->g));
		g = &p->g[p->ng++];
	} else {
		for (size_t i = 0; i < p->ng; i++)
			if (!g || p->g[i].peak < g->peak)
				g = &p->g[i];
		if (g->peak >= count)
			return NULL;
		free(g->label);
		free(g->pt);
		free(g->detail);
		free(g->signature);
	}
	memset(g, 0, sizeof(*g));
	g->label = xstrdup(label);
	g->file = file;
	return g;
}

/* Notes one count of a group at time t. */
static void series_note(struct hline *g, double t, unsigned count)
{
	points_add(&g->pt, &g->n, &g->cap, &g->gap, t, count);
	g->last = count;
	g->last_t = t;
	if (count > g->peak)
		g->peak = count;
}

/* The label of a socket group as the alert messages write it (raw). */
static void sock_label(struct buf *b, const struct sock_group *sg)
{
	buf_reset(b);
	buf_addf(b, "%s %s %s", sg->proto, sock_dir_name(sg->dir),
		 sg->endpoint ? sg->endpoint : "(unnamed)");
	if (sg->state)
		buf_addf(b, " %s", sg->state);
	buf_addc(b, '\0');
}

/* Keeps the idle range, peers, signature and words of a group as seen. */
static void series_detail(struct hline *g, const struct sock_group *sg)
{
	struct buf b;
	size_t mark;

	buf_init(&b);
	report_idle(&b, sg);
	mark = b.len;
	buf_adds(&b, b.len ? ", " : "");
	report_peers(&b, sg);
	if (b.len == mark + 2)
		b.len = mark;
	buf_addc(&b, '\0');
	free(g->detail);
	g->detail = b.data;
	free(g->signature);
	g->signature = NULL;
	if (report_idle_flagged(sg)) {
		buf_init(&b);
		report_signature(&b, sg);
		buf_addc(&b, '\0');
		g->signature = b.data;
	}
	g->words = report_state_words(sg);
}

void html_add_sample(struct html *h, const struct sample *s)
{
	struct buf b;

	if (!isfinite(s->time))
		return;
	if (isnan(h->t0) || s->time < h->t0)
		h->t0 = s->time;
	if (isnan(h->t1) || s->time > h->t1)
		h->t1 = s->time;
	h->nsamples++;
	buf_init(&b);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *ps = &s->procs[i];
		struct hproc *p = proc_get(h, ps->pid, ps->start);

		if (ps->comm && (!p->comm || strcmp(p->comm, ps->comm) != 0)) {
			free(p->comm);
			p->comm = xstrdup(ps->comm);
		}
		if (ps->limit >= 0)
			p->limit = ps->limit;
		if (ps->fds >= 0) {
			points_add(&p->fds, &p->n, &p->cap, &p->gap, s->time, (double)ps->fds);
			if (p->first_fds < 0)
				p->first_fds = ps->fds;
			p->last_fds = ps->fds;
			if (ps->fds > p->max_fds)
				p->max_fds = ps->fds;
		}
		for (size_t k = 0; k < ps->nsocks; k++) {
			const struct sock_group *sg = &ps->socks[k];
			struct hline *g;

			sock_label(&b, sg);
			g = series_get(p, b.data, false, sg->count);
			if (g) {
				series_note(g, s->time, sg->count);
				series_detail(g, sg);
			}
		}
		for (size_t k = 0; k < ps->nfiles; k++) {
			struct hline *g;

			buf_reset(&b);
			buf_addf(&b, "files in %s", ps->files[k].dir ? ps->files[k].dir : "?");
			buf_addc(&b, '\0');
			g = series_get(p, b.data, true, ps->files[k].count);
			if (g)
				series_note(g, s->time, ps->files[k].count);
		}
	}
	buf_free(&b);
}

void html_add_alert(struct html *h, const struct alert *a)
{
	struct hproc *p;
	struct halert *e;
	struct buf msg;

	if (a->pid <= 0 || !isfinite(a->time))
		return; /* the system's own limits have no process to chart */
	p = proc_get(h, a->pid, a->start);
	if (!p->comm && a->comm)
		p->comm = xstrdup(a->comm);
	p->al = xreallocarray(p->al, p->nal + 1, sizeof(*p->al));
	e = &p->al[p->nal++];
	e->t = a->time;
	e->level = a->level;
	buf_init(&msg);
	alert_message(&msg, a);
	buf_addc(&msg, '\0');
	e->msg = msg.data;
	p->level = a->level;
	if (a->level > p->worst)
		p->worst = a->level;
	p->alerted = true;
	if (isnan(h->t0) || a->time < h->t0)
		h->t0 = a->time;
	if (isnan(h->t1) || a->time > h->t1)
		h->t1 = a->time;
}

/* Does p show the idle signature in some group? */
static bool proc_flagged(const struct hproc *p)
{
	for (size_t i = 0; i < p->ng; i++)
		if (p->g[i].signature)
			return true;
	return false;
}

/* Most worth showing first: alerting now, then alerted, then the idle
 * signature, then grown most, then the most fds. */
static int cmp_shown(const void *a, const void *b)
{
	const struct hproc *x = *(const struct hproc *const *)a, *y = *(const struct hproc *const *)b;
	long gx = x->first_fds >= 0 ? x->last_fds - x->first_fds : 0;
	long gy = y->first_fds >= 0 ? y->last_fds - y->first_fds : 0;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->worst != y->worst)
		return x->worst > y->worst ? -1 : 1;
	if (x->alerted != y->alerted)
		return x->alerted ? -1 : 1;
	if (proc_flagged(x) != proc_flagged(y))
		return proc_flagged(x) ? -1 : 1;
	if (gx != gy)
		return gx > gy ? -1 : 1;
	if (x->max_fds != y->max_fds)
		return x->max_fds > y->max_fds ? -1 : 1;
	return proc_key_cmp(&x->key, &y->key);
}

/* Local time of t ("2026-12-01 13:30:00", or "13:30:00" short). */
static void add_time(struct buf *out, double t, bool shortform)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;
	char s[40];

	if (fabs(t) < 1e15 && localtime_r(&tt, &tm) &&
	    strftime(s, sizeof(s), shortform ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm))
		buf_adds(out, s);
	else
		buf_addf(out, "%.3f", t);
}

static const char *const line_colors[] = { "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2" };

static const char *level_color(enum alert_level l)
{
	return l == LEVEL_CRITICAL ? "#dc2626" : l == LEVEL_WARNING ? "#f59e0b" : "#16a34a";
}

static const char *level_word(enum alert_level l)
{
	return l == LEVEL_CRITICAL ? "critical" : l == LEVEL_WARNING ? "warning" : "ok";
}

/* A rounded step for n ticks up to max. */
static double nice_step(double max, int n)
{
	double raw = max / n, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Chart geometry. */
#define CW 760
#define CH 250
#define ML 60
#define MR 16
#define MT 14
#define MB 30

struct scale {
	double t0, t1, ymax;
};

static double sx(const struct scale *sc, double t)
{
	double span = sc->t1 - sc->t0;

	return ML + (span > 0 ? (t - sc->t0) / span : 0.5) * (CW - ML - MR);
}

static double sy(const struct scale *sc, double v)
{
	return CH - MB - v / sc->ymax * (CH - MT - MB);
}

/* A polyline of n points (every k-th beyond POINTS_DRAWN), the last point
 * always drawn. */
static void add_polyline(struct buf *out, const struct scale *sc, const struct hpt *pt,
			 size_t n, const char *color, double width, bool dashed)
{
	size_t step = n > POINTS_DRAWN ? (n + POINTS_DRAWN - 1) / POINTS_DRAWN : 1;

	if (!n)
		return;
	if (n == 1) {
		buf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
			 sx(sc, pt[0].t), sy(sc, pt[0].v), color);
		return;
	}
	buf_addf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s points=\"",
		 color, width, dashed ? " stroke-dasharray=\"5 3\"" : "");
	for (size_t i = 0; i < n; i += step)
		buf_addf(out, "%.1f,%.1f ", sx(sc, pt[i].t), sy(sc, pt[i].v));
	if ((n - 1) % step)
		buf_addf(out, "%.1f,%.1f", sx(sc, pt[n - 1].t), sy(sc, pt[n - 1].v));
	buf_adds(out, "\"/>\n");
}

/* The chart of one process: fds, limit, its shown groups, its alerts. */
static void add_chart(struct buf *out, const struct html *h, const struct hproc *p,
		      const struct hline *const *shown, size_t nshown)
{
	struct scale sc = { h->t0, h->t1, (double)p->max_fds };
	bool limit_on = false;
	double step;

	for (size_t i = 0; i < nshown; i++)
		if (shown[i]->peak > sc.ymax)
			sc.ymax = shown[i]->peak;
	/* The limit is drawn when it is near enough to read the rest. */
	if (p->limit > 0 && (double)p->limit <= 2.5 * (sc.ymax > 0 ? sc.ymax : 1)) {
		sc.ymax = (double)p->limit;
		limit_on = true;
	}
	if (sc.ymax < 4)
		sc.ymax = 4;
	step = nice_step(sc.ymax, 4);
	sc.ymax = ceil(sc.ymax * 1.05 / step) * step;
	buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		      "width=\"%d\" height=\"%d\" role=\"img\">\n", CW, CH, CW, CH);
	buf_addf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		      "stroke=\"#ddd\"/>\n", ML, MT, CW - ML - MR, CH - MT - MB);
	for (int k = 0; k * step <= sc.ymax + step / 2; k++) {
		double v = k * step;

		buf_addf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
			      "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%.0f</text>\n",
			 ML, CW - MR, sy(&sc, v), sy(&sc, v), ML - 6, sy(&sc, v) + 4, v);
	}
	buf_addf(out, "<text x=\"%d\" y=\"%d\" class=\"ax\">", ML, CH - 10);
	add_time(out, h->t0, true);
	buf_addf(out, "</text><text x=\"%d\" y=\"%d\" class=\"ax\" text-anchor=\"end\">", CW - MR,
		 CH - 10);
	add_time(out, h->t1, true);
	buf_adds(out, "</text>\n");
	if (limit_on) {
		buf_addf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#dc2626\" "
			      "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" "
			      "class=\"lim\" text-anchor=\"end\">limit %ld</text>\n",
			 ML, CW - MR, sy(&sc, (double)p->limit), sy(&sc, (double)p->limit), CW - MR - 4,
			 sy(&sc, (double)p->limit) - 4, p->limit);
	} else if (p->limit > 0) {
		buf_addf(out, "<text x=\"%d\" y=\"%d\" class=\"lim\" text-anchor=\"end\">limit %ld "
			      "(off the scale)</text>\n", CW - MR - 4, MT + 14, p->limit);
	}
	for (size_t i = 0; i < nshown; i++)
		add_polyline(out, &sc, shown[i]->pt, shown[i]->n,
			     line_colors[i % ARRAY_SIZE(line_colors)], 1.5, shown[i]->file);
	add_polyline(out, &sc, p->fds, p->n, "#2563eb", 2.5, false);
	for (size_t i = 0; i < p->nal; i++) {
		double x = sx(&sc, p->al[i].t);

		buf_adds(out, "<g><title>");
		add_time(out, p->al[i].t, false);
		buf_addf(out, " %s: ", level_word(p->al[i].level));
		add_entities(out, p->al[i].msg);
		buf_addf(out, "</title><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
			      "stroke-width=\"2\"/><path d=\"M%.1f %d l-5 -8 h10 z\" fill=\"%s\"/></g>\n",
			 x, x, MT, CH - MB, level_color(p->al[i].level), x, MT + 8,
			 level_color(p->al[i].level));
	}
	buf_adds(out, "</svg>\n");
}

/* The largest socket and file groups of p (by their peak), into shown. */
static size_t pick_groups(const struct hproc *p, const struct hline **shown)
{
	size_t n = 0;

	for (int file = 0; file < 2; file++) {
		size_t want = file ? FILE_LINES : SOCK_LINES, got = 0;
		bool used[GROUPS_KEPT] = { false };

		while (got < want) {
			const struct hline *best = NULL;
			size_t bi = 0;

			for (size_t i = 0; i < p->ng; i++) {
				const struct hline *g = &p->g[i];

				/* a group of one or two fds says nothing over time */
				if (used[i] || g->file != (file == 1) || g->peak < 3)
					continue;
				if (!best || g->peak > best->peak) {
					best = g;
					bi = i;
				}
			}
			if (!best)
				break;
			used[bi] = true;
			shown[n++] = best;
			got++;
		}
	}
	return n;
}

/* One process's section: title, verdict badge, chart, legend, alerts. */
static void add_proc(struct buf *out, const struct html *h, const struct hproc *p)
{
	const struct hline *shown[SOCK_LINES + FILE_LINES];
	size_t nshown = pick_groups(p, shown);

	buf_adds(out, "<section>\n<h2>");
	html_escape(out, p->comm ? p->comm : "?");
	buf_addf(out, "[%d] <span class=\"badge %s\">%s</span></h2>\n<p class=\"facts\">",
		 p->key.pid, level_word(p->level), p->alerted ? level_word(p->level) : "no alert");
	if (p->first_fds >= 0)
		buf_addf(out, "fds %ld &rarr; %ld (peak %ld)", p->first_fds, p->last_fds, p->max_fds);
	else
		buf_adds(out, "fds unknown");
	if (p->limit >= 0)
		buf_addf(out, ", limit %ld", p->limit);
	buf_addf(out, ", start %llu</p>\n", p->key.start);
	add_chart(out, h, p, shown, nshown);
	buf_adds(out, "<ul class=\"legend\">\n<li><span class=\"sw\" style=\"background:#2563eb\">"
		      "</span>all fds</li>\n");
	for (size_t i = 0; i < nshown; i++) {
		const struct hline *g = shown[i];

		buf_addf(out, "<li><span class=\"sw%s\" style=\"background:%s\"></span>", 
			 g->file ? " dash" : "", line_colors[i % ARRAY_SIZE(line_colors)]);
		html_escape(out, g->label);
		buf_addf(out, " &times;%u", g->last);
		if (g->detail && *g->detail) {
			buf_adds(out, " <span class=\"dim\">(");
			add_entities(out, g->detail);
			buf_adds(out, ")</span>");
		}
		if (g->signature) {
			buf_adds(out, "<br><b class=\"sig\">");
			add_entities(out, g->signature);
			buf_adds(out, "</b>");
		}
		if (g->words) {
			buf_adds(out, "<br><span class=\"words\">");
			add_entities(out, g->words);
			buf_adds(out, "</span>");
		}
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n");
	if (p->nal) {
		buf_adds(out, "<ol class=\"alerts\">\n");
		for (size_t i = 0; i < p->nal; i++) {
			buf_addf(out, "<li class=\"%s\"><time>", level_word(p->al[i].level));
			add_time(out, p->al[i].t, false);
			buf_addf(out, "</time> <b>%s</b> ", level_word(p->al[i].level));
			add_entities(out, p->al[i].msg);
			buf_adds(out, "</li>\n");
		}
		buf_adds(out, "</ol>\n");
	}
	buf_adds(out, "</section>\n");
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;"
	"margin:24px auto;max-width:820px;padding:0 12px}\n"
	"h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 2px}\n"
	"header{border-bottom:1px solid #ddd;padding-bottom:10px}\n"
	".verdict{font-size:16px;margin:8px 0;padding:6px 10px;border-radius:4px}\n"
	".verdict.ok{background:#dcfce7}.verdict.warning{background:#fef3c7}"
	".verdict.critical{background:#fee2e2}\n"
	".badge{font-size:12px;padding:1px 6px;border-radius:3px;color:#fff;background:#6b7280;"
	"vertical-align:middle}\n"
	".badge.critical{background:#dc2626}.badge.warning{background:#d97706}\n"
	".facts,.dim,.meta{color:#555}.ax{font-size:11px;fill:#666}.lim{font-size:11px;fill:#dc2626}\n"
	"svg{max-width:100%;height:auto;display:block}\n"
	".legend{list-style:none;padding:0;margin:6px 0}.legend li{margin:3px 0}\n"
	".sw{display:inline-block;width:18px;height:4px;margin:0 6px 3px 0;vertical-align:middle}\n"
	".sw.dash{height:2px;border-top:2px dashed #fff}\n"
	".sig{color:#b45309;font-weight:600}.words{color:#444;font-style:italic}\n"
	".alerts{margin:4px 0;padding-left:20px}.alerts .critical b{color:#dc2626}"
	".alerts .warning b{color:#d97706}.alerts .ok b{color:#16a34a}\n"
	"footer{margin-top:28px;color:#777;font-size:12px}\n";

void html_write(struct buf *out, const struct html *h)
{
	struct hproc **order = xcalloc(h->n + 1, sizeof(*order));
	enum alert_level worst = LEVEL_OK;
	size_t shown = h->n < HTML_PROCS_SHOWN ? h->n : HTML_PROCS_SHOWN, alerting = 0;
	bool any_alert = false;

	if (h->n)
		memcpy(order, h->p, h->n * sizeof(*order));
	if (h->n > 1)
		qsort(order, h->n, sizeof(*order), cmp_shown);
	for (size_t i = 0; i < h->n; i++) {
		if (order[i]->level > worst)
			worst = order[i]->level;
		alerting += order[i]->level != LEVEL_OK;
		any_alert |= order[i]->alerted;
	}
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>fdwatch ");
	html_escape(out, h->what ? h->what : "report");
	buf_adds(out, " - ");
	html_escape(out, h->host ? h->host : "unknown host");
	buf_addf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>fdwatch ", css);
	html_escape(out, h->what ? h->what : "report");
	buf_adds(out, " &mdash; ");
	html_escape(out, h->host ? h->host : "unknown host");
	buf_adds(out, "</h1>\n<p class=\"meta\">");
	if (isfinite(h->t0)) {
		char d[32];

		add_time(out, h->t0, false);
		buf_adds(out, " &ndash; ");
		add_time(out, h->t1, false);
		buf_addf(out, " (%s), ", fmt_duration(d, sizeof(d), h->t1 - h->t0));
	}
	buf_addf(out, "%zu sample%s, %zu process%s", h->nsamples, h->nsamples == 1 ? "" : "s",
		 h->n, h->n == 1 ? "" : "es");
	if (h->boot) {
		buf_adds(out, ", boot ");
		html_escape(out, h->boot);
	}
	buf_addf(out, "</p>\n<p class=\"verdict %s\"><b>%s</b>: ", level_word(worst),
		 worst == LEVEL_CRITICAL ? "CRITICAL" : worst == LEVEL_WARNING ? "WARNING" : "OK");
	if (alerting)
		buf_addf(out, "%zu process%s alerting at the end", alerting, alerting == 1 ? "" : "es");
	else if (any_alert)
		buf_adds(out, "alerts were raised and ended");
	else
		buf_adds(out, "no process was seen growing toward its limit");
	for (size_t i = 0; i < h->n; i++) {
		const struct hproc *p = order[i];

		if (p->level == LEVEL_OK || !p->nal)
			continue;
		buf_adds(out, "<br>");
		add_entities(out, p->al[p->nal - 1].msg);
	}
	for (size_t i = 0; i < shown; i++)
		for (size_t k = 0; k < order[i]->ng; k++)
			if (order[i]->g[k].signature) {
				buf_adds(out, "<br>");
				html_escape(out, order[i]->comm ? order[i]->comm : "?");
				buf_addf(out, "[%d]: ", order[i]->key.pid);
				add_entities(out, order[i]->g[k].signature);
			}
	buf_adds(out, "</p>\n</header>\n");
	for (size_t i = 0; i < shown; i++)
		add_proc(out, h, order[i]);
	if (h->n > shown)
		buf_addf(out, "<p class=\"meta\">%zu more processes not shown.</p>\n", h->n - shown);
	buf_addf(out, "<footer>fdwatch %s</footer>\n</body>\n</html>\n", PACKAGE_VERSION);
	free(order);
}
