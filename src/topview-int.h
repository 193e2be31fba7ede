/* topview-int.h - what the parts of the live view's model share: the view
 * itself, the glyphs, the screen being rendered and the helpers that fill
 * it. Private to topview*.c; everyone else uses topview.h.
 *
 *   topview.c         the model (sample, stats, selection, fds), the frame
 *                     around every screen (header, status line, help)
 *   topview-text.c    text and cells: width, escaping, cutting, sparkline,
 *                     the formatted cells of a row
 *   topview-screen.c  screens, lines and their segments
 *   topview-keys.c    what each key does
 *   topview-table.c   the main table: rows, sort, filter, layout
 *   topview-detail.c  the detail view: summary, groups, chart, fd list */
#ifndef FDWATCH_TOPVIEW_INT_H
#define FDWATCH_TOPVIEW_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "topview.h"
#include "util.h"

enum tv_mode { MODE_MAIN, MODE_DETAIL, MODE_HELP };

/* One row of the main table. */
struct tv_row {
	size_t proc;            /* index into sample->procs */
	double use;             /* percent of the limit, NAN unknown */
};

struct topview {
	bool ascii;
	double interval;
	bool paused;
	char *host;
	struct sample *s;
	struct tv_stats *stats; /* one per s->procs */
	struct tv_row *rows;    /* filtered and sorted */
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
	struct proc_key sel_key; /* the selected process, pid -1 none */
	size_t top;             /* first row shown */
	int page;               /* rows per page at the last render */

	enum tv_mode mode;
	enum tv_mode help_from;
	struct proc_key det;    /* the process of the detail view */
	struct fd_entry *fds;
	long nfds;              /* or -errno */
	bool fds_set;
	size_t dscroll;
	size_t dlines;          /* lines of the detail document at last render */

	char *msg;
};

/* The glyphs of one drawing mode. */
struct tv_glyphs {
	const char *spark[8];
	const char *out, *in, *times, *down, *up;
	const char *full, *part[8], *limit, *axis, *corner, *base;
};

/* A screen being rendered, and how to draw into it. */
struct render {
	struct tv_screen *scr;
	const struct tv_glyphs *g;
	bool ascii;
	int cols;
};

/* topview-text.c */
/* The glyphs for UTF-8 or ASCII drawing (static). */
const struct tv_glyphs *tv_glyphs(bool ascii);
/* Appends at most `width` columns of safe text s to out; returns the
 * columns used. */
int tv_cut(struct buf *out, const char *s, int width);
/* Cells of a row, into dst of n bytes: "-" when unknown. */
void tv_fmt_rate(char *dst, size_t n, double rate);
void tv_fmt_eta(char *dst, size_t n, double eta);
void tv_fmt_use(char *dst, size_t n, double use);
/* "CRIT", "WARN" or "" (static), and the attribute of a level. */
const char *tv_level_name(enum tv_level l);
int tv_level_attr(enum tv_level l);
/* Appends the ENDPOINT cell of p: what grows, else the largest group. */
void tv_endpoint_text(struct buf *b, const struct tv_glyphs *g, bool ascii,
		      const struct proc_sample *p, const struct tv_stats *st);

/* topview-screen.c */
/* Line `row` of the screen, or NULL when off it. */
struct tv_line *tv_line_at(struct render *r, int row);
/* Adds safe text to l (NULL: nothing), padded or cut to width columns
 * (width < 0: as wide as it is), aligned right when right. */
void tv_line_add(struct render *r, struct tv_line *l, int attr, const char *text,
		 int width, bool right);
void tv_line_addf(struct render *r, struct tv_line *l, int attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds untrusted text, escaped. */
void tv_line_add_clean(struct render *r, struct tv_line *l, int attr, const char *raw,
		       int width, bool right);
/* Frees the segments of l and zeroes it. */
void tv_line_clear(struct tv_line *l);

/* topview.c */
/* The process (pid, start) in the current sample and its index, or NULL. */
const struct proc_sample *tv_find_proc(const struct topview *v, const struct proc_key *k,
				       size_t *idx);
/* Drops the detail view's fd list. */
void tv_fds_clear(struct topview *v);
/* The header lines from *row on (advances it), and the status line. */
void tv_render_header(struct topview *v, struct render *r, int *row);
void tv_render_status(struct topview *v, struct render *r);

/* topview-table.c */
/* The filter being typed or kept, NULL when none (owned by v). */
const char *tv_active_filter(const struct topview *v);
/* Selects rows[i] (clamped) and remembers its process. */
void tv_select_row(struct topview *v, size_t i);
void tv_render_main(struct topview *v, struct render *r);

/* topview-detail.c */
void tv_render_detail(struct topview *v, struct render *r);

#endif
