/* topview.h - the model of `fdwatch top` without curses: its rows, sort,
 * filter, selection, keys, and the text of every screen (main table, detail
 * view, help) laid out for a given terminal size. tui.c paints what this
 * renders; tests render it into plain text. */
#ifndef FDWATCH_TOPVIEW_H
#define FDWATCH_TOPVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "util.h"

/* How alarming a process is, as the detector judged it. */
enum tv_level { TV_OK, TV_WARNING, TV_CRITICAL };

/* What the history and the detector say about one process of the current
 * sample. The caller fills it through topview_stats(); every pointer in it
 * is then owned (and freed) by the view. */
struct tv_stats {
	enum tv_level level;
	double rate;            /* fds per second, NAN unknown */
	double eta;             /* seconds until the limit, NAN none */
	struct source src;      /* what accounts for the growth; kind SRC_NONE
	                         * when unknown */
	double *series;         /* recent fd counts, one per sample, oldest
	                         * first (the sparkline); NAN = unknown */
	size_t nseries;
	double *chart;          /* the fd count over the whole history in
	                         * equal steps, oldest first (the chart) */
	size_t nchart;
	double chart_span;      /* seconds the chart covers */
	bool chart_floor;       /* a step shows the lowest count of several
	                         * samples, not one sample */
	double *group_rate;     /* growth of each of the process's socket groups
	                         * (same order as proc_sample.socks), fds/s, NAN
	                         * unknown; NULL when unknown for all */
	/* Growing fast but not judged yet (too few samples, or no verdict
	 * yet): marked "new" or "?", with the ETA of the shown rate. */
	bool unjudged, young;
	double fast;            /* sampled every this many seconds because its
	                         * limit is near; 0 when not */
};

/* Columns of the main table, left to right. */
enum tv_col {
	TV_COL_LEVEL, TV_COL_PID, TV_COL_USER, TV_COL_COMM, TV_COL_FDS, TV_COL_LIMIT,
	TV_COL_USE, TV_COL_RATE, TV_COL_ETA, TV_COL_TREND, TV_COL_ENDPOINT, TV_NCOLS
};

/* Keys the view understands: printable ASCII as itself, the rest here. */
enum {
	TV_KEY_UP = 0x110001, TV_KEY_DOWN, TV_KEY_PGUP, TV_KEY_PGDN, TV_KEY_HOME,
	TV_KEY_END, TV_KEY_ENTER, TV_KEY_ESC, TV_KEY_BACKSPACE, TV_KEY_LEFT, TV_KEY_RIGHT
};

/* What the caller must do after a key (bits). */
enum {
	TV_ACT_REDRAW = 1,      /* the screen changed */
	TV_ACT_QUIT = 2,        /* leave */
	TV_ACT_FDS = 4,         /* the detail view opened: list the fds of
	                         * topview_detail_proc() and topview_set_fds() */
	TV_ACT_SCHEDULE = 8,    /* the interval or the pause changed */
};

/* Display attributes of a piece of text; TV_A_SELECTED may be or'ed in. */
enum tv_attr {
	TV_A_NORMAL, TV_A_TITLE, TV_A_HEADER, TV_A_SORTED, TV_A_WARNING, TV_A_CRITICAL,
	TV_A_DIM, TV_A_LIMIT, TV_A_STATUS, TV_A_PROMPT,
	TV_A_SELECTED = 0x100
};

/* One run of text with one attribute; text is safe to print (escaped). */
struct tv_seg {
	char *text;
	int attr;
};

/* One screen line: segments left to right, then padding in fill_attr. */
struct tv_line {
	struct tv_seg *segs;
	size_t nsegs, cap;
	int fill_attr;
	int used;               /* display columns taken by the segments */
};

/* A rendered screen of exactly `rows` lines no wider than `cols`. */
struct tv_screen {
	struct tv_line *lines;
	int rows, cols;
	int cursor_row, cursor_col; /* where the cursor shows, -1 hidden */
};

struct topview;

/* Creates an empty view (caller frees with topview_free). ascii: the
 * terminal cannot show UTF-8, draw with ASCII only. */
struct topview *topview_new(bool ascii, double interval);
void topview_free(struct topview *v);

/* Sets the host name shown in the header (copied). */
void topview_set_host(struct topview *v, const char *host);

/* Hands the view a new sample, which it owns from now on (and frees the
 * previous one). Stats start unknown; fill them, then topview_refresh(). */
void topview_set_sample(struct topview *v, struct sample *s);
/* The current sample (owned by the view), NULL before the first. */
const struct sample *topview_sample(const struct topview *v);
/* The stats slot of the current sample's procs[i], owned by the view. */
struct tv_stats *topview_stats(struct topview *v, size_t i);
/* Re-sorts and re-filters the rows and keeps the selection on its process. */
void topview_refresh(struct topview *v);

/* The process shown in the detail view, or the selected one in the table;
 * NULL when none. Points into the current sample. */
const struct proc_sample *topview_selected(const struct topview *v);
/* Whether the detail view is open, and for which (pid, start). */
bool topview_detail_proc(const struct topview *v, int *pid, unsigned long long *start);
/* Gives the detail view its fd list (the view owns e), or -errno when it
 * could not be listed (n < 0, e NULL). */
void topview_set_fds(struct topview *v, struct fd_entry *e, long n);

/* Handles one key; returns TV_ACT_* bits. */
int topview_key(struct topview *v, int key);
/* Whether sampling is paused, and the interval, as the keys left them. */
bool topview_paused(const struct topview *v);
double topview_interval(const struct topview *v);
/* Shows a one-line message in the status line until the next key. */
void topview_message(struct topview *v, const char *msg);

/* The sort column and whether it is reversed. */
enum tv_col topview_sort(const struct topview *v, bool *reversed);
/* Rows after filter and sort: how many, and the i-th one's index into the
 * current sample's procs. */
size_t topview_nrows(const struct topview *v);
size_t topview_row(const struct topview *v, size_t i);

/* Renders the current screen (main, detail or help) for a terminal of
 * cols x rows into scr, which the caller frees with tv_screen_free. */
void topview_render(struct topview *v, int cols, int rows, struct tv_screen *scr);
void tv_screen_free(struct tv_screen *scr);
/* The screen as plain text, one line per row with trailing blanks cut
 * (caller frees); for tests and captures. */
char *tv_screen_text(const struct tv_screen *scr);

/* Sparkline of the last `width` values of series (oldest first) into out,
 * right-aligned and padded with blanks; block characters, or ASCII. */
void tv_sparkline(struct buf *out, const double *series, size_t n, int width, bool ascii);
/* Text width in terminal columns of safe (escaped) UTF-8 text. */
int tv_width(const char *s);
/* Appends untrusted text made safe for the terminal: escaped, and in
 * ASCII mode with every non-ASCII character shown as '?'. */
void tv_clean(struct buf *out, const char *s, bool ascii);

/* The smallest terminal the view draws into; smaller gets one line. */
#define TV_MIN_COLS 60
#define TV_MIN_ROWS 8

#endif
