/* topview-keys.c - what each key does to the live view: selection, sort,
 * filter prompt, interval, pause, and moving between the screens. */
#include "config.h"

#include <stdlib.h>

#include "topview-int.h"

/* The columns < and > step through, left to right. */
static const enum tv_col sortable[] = {
	TV_COL_PID, TV_COL_USER, TV_COL_COMM, TV_COL_FDS, TV_COL_LIMIT, TV_COL_USE,
	TV_COL_RATE, TV_COL_ETA,
};

/* Sorts by the sortable column left (dir < 0) or right of the current one. */
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

/* Moves the interval to the next longer (dir > 0) or shorter step. */
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

/* Appends code point key to the filter being typed, as UTF-8. */
static void edit_add(struct buf *edit, int key)
{
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
	buf_add(edit, u, n);
}

/* A key while the filter prompt is open: the filter is applied as it is
 * typed, kept on Enter, restored on Esc. */
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
		if (key < 0x20 || key >= 0x110000 || key == 0x7f || v->edit.len >= 64)
			return 0;
		edit_add(&v->edit, key);
		break;
	}
	if (!v->editing) {
		free(v->filter_before);
		v->filter_before = NULL;
	}
	v->top = 0;
	topview_refresh(v);
	return TV_ACT_REDRAW;
}

/* Moves the selection by delta rows, clamped; from now on it follows its
 * process. */
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
	tv_select_row(v, (size_t)i);
}

/* Scrolls the detail view by delta lines, clamped to its document. */
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
			tv_fds_clear(v);
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
		v->det.pid = p->pid;
		v->det.start = p->start;
		v->dscroll = 0;
		tv_fds_clear(v);
		return TV_ACT_REDRAW | TV_ACT_FDS;
	}
	default:
		return 0;
	}
	return TV_ACT_REDRAW;
}

