/* topview-screen.c - the rendered screen of the live view: lines of
 * segments, each a run of safe text with one attribute, cut to the
 * screen's width. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "topview-int.h"

struct tv_line *tv_line_at(struct render *r, int row)
{
	return row >= 0 && row < r->scr->rows ? &r->scr->lines[row] : NULL;
}

/* Never past the screen's right edge: the segment is cut there. */
void tv_line_add(struct render *r, struct tv_line *l, int attr, const char *text,
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
		w = width - tw + tv_cut(&b, text, tw);
	} else {
		w = tv_cut(&b, text, width);
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

/* Adds formatted safe text, as wide as it is. */
void tv_line_addf(struct render *r, struct tv_line *l, int attr, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	tv_line_add(r, l, attr, text, -1, false);
	free(text);
}

void tv_line_add_clean(struct render *r, struct tv_line *l, int attr, const char *raw,
		       int width, bool right)
{
	struct buf b;

	buf_init(&b);
	tv_clean(&b, raw, r->ascii);
	tv_line_add(r, l, attr, b.data ? b.data : "", width, right);
	buf_free(&b);
}

void tv_line_clear(struct tv_line *l)
{
	for (size_t k = 0; k < l->nsegs; k++)
		free(l->segs[k].text);
	free(l->segs);
	memset(l, 0, sizeof(*l));
}

void tv_screen_free(struct tv_screen *scr)
{
	for (int i = 0; i < scr->rows; i++)
		tv_line_clear(&scr->lines[i]);
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
