/* topview-text.c - text and cells of the live view: display width, making
 * untrusted text safe, cutting to a width, the sparkline, and the
 * formatted cells of a row. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "escape.h"
#include "kinds.h"
#include "topview-int.h"

static const struct tv_glyphs utf8_glyphs = {
	{ "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
	"\u2192", "\u2190", "\u00d7", "\u25be", "\u25b4",
	"\u2588", { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587" },
	"\u2504", "\u2502", "\u2514", "\u2500",
};

static const struct tv_glyphs ascii_glyphs = {
	{ "_", ".", ",", "-", "~", "=", "*", "#" },
	"->", "<-", "x", "v", "^",
	"#", { " ", ".", ".", ".", ":", ":", ":", ":" },
	"-", "|", "+", "-",
};

const struct tv_glyphs *tv_glyphs(bool ascii)
{
	return ascii ? &ascii_glyphs : &utf8_glyphs;
}

/* Columns that code point cp takes; an unknown one is shown as one. */
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

int tv_cut(struct buf *out, const char *s, int width)
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

void tv_sparkline(struct buf *out, const double *series, size_t n, int width, bool ascii)
{
	const struct tv_glyphs *g = tv_glyphs(ascii);
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

/* ---- cells ---------------------------------------------------------- */

void tv_fmt_rate(char *dst, size_t n, double rate)
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

void tv_fmt_eta(char *dst, size_t n, double eta)
{
	if (isnan(eta) || eta < 0)
		snprintf(dst, n, "-");
	else if (eta < 0.5)
		snprintf(dst, n, "now");
	else
		fmt_duration(dst, n, eta);
}

/* use may be NAN or proc_sample_use()'s -1 when unknown. */
void tv_fmt_use(char *dst, size_t n, double use)
{
	if (use < 0 || isnan(use))
		snprintf(dst, n, "-");
	else if (use >= 9.95)
		snprintf(dst, n, "%.0f", use);
	else
		snprintf(dst, n, "%.1f", use);
}

const char *tv_level_name(enum tv_level l)
{
	return l == TV_CRITICAL ? "CRIT" : l == TV_WARNING ? "WARN" : "";
}

int tv_level_attr(enum tv_level l)
{
	return l == TV_CRITICAL ? TV_A_CRITICAL : l == TV_WARNING ? TV_A_WARNING : TV_A_NORMAL;
}

/* Socket group as "→ENDPOINT STATE" (prefixed by its proto unless TCP). */
static void group_text(struct buf *b, const struct tv_glyphs *g, bool ascii, const char *proto,
		       enum sock_dir dir, const char *endpoint, const char *state)
{
	bool tcp = str_eq(proto, "tcp") || str_eq(proto, "tcp6");

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

/* The growing source as a cell, with its count in p. */
static void source_text(struct buf *b, const struct tv_glyphs *g, bool ascii,
			const struct proc_sample *p, const struct source *src)
{
	unsigned n = 0;

	if (src->kind == SRC_SOCKET) {
		for (size_t i = 0; i < p->nsocks; i++)
			if (source_is_group(src, &p->socks[i]))
				n = p->socks[i].count;
		group_text(b, g, ascii, src->proto ? src->proto : "?", src->dir, src->endpoint,
			   src->state);
	} else if (src->kind == SRC_KIND) {
		for (size_t i = 0; i < p->nkinds; i++)
			if (str_eq(kind_name(p->kinds[i].kind), src->name))
				n = p->kinds[i].count;
		tv_clean(b, src->name ? src->name : "?", ascii);
	} else {
		enum fd_type t = src->kind == SRC_FILE ? FD_FILE : src->type;

		n = p->classified ? p->types[t] : 0;
		buf_adds(b, fd_type_name(t));
		if (src->kind == SRC_FILE && src->path) {
			buf_addc(b, ' ');
			tv_clean(b, src->path, ascii);
			/* The count of that directory, when it is one of the groups. */
			for (size_t i = 0; i < p->nfiles; i++)
				if (str_eq(p->files[i].dir, src->path))
					n = p->files[i].count;
		}
	}
	if (n)
		buf_addf(b, " %s%u", g->times, n);
}

/* The growing source, else the fastest-growing socket group, else the
 * largest one, else the largest fd type. */
void tv_endpoint_text(struct buf *b, const struct tv_glyphs *g, bool ascii,
		      const struct proc_sample *p, const struct tv_stats *st)
{
	size_t best = (size_t)-1;

	if (st->src.kind != SRC_NONE) {
		source_text(b, g, ascii, p, &st->src);
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
