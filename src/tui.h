/* tui.h - the terminal of `fdwatch top`; tui.c is the only file in the
 * project that includes curses. It paints screens rendered by topview and
 * turns keystrokes into topview keys. */
#ifndef FDWATCH_TUI_H
#define FDWATCH_TUI_H

#include <stdbool.h>

#include "topview.h"

/* What tui_wait returns besides a key. */
enum { TUI_TIMEOUT = -1, TUI_RESIZE = -2, TUI_SIGNAL = -3, TUI_HANGUP = -4 };

/* Whether the locale's character set is UTF-8 (else draw with ASCII). */
bool tui_utf8(void);
/* Takes over the terminal: curses on, the fatal hook set, and stderr held
 * back until tui_end so that messages do not scribble on the screen.
 * SIGINT, SIGTERM, SIGHUP and SIGWINCH are blocked from now on except
 * inside tui_wait, so that the caller's handlers run only there and a
 * signal cannot slip in between the caller's check of its flag and the
 * wait. Returns 0, or -1 with the reason in *why (static). */
int tui_start(bool color, const char **why);
/* Gives the terminal back as it was and prints what was written to stderr
 * meanwhile. Safe to call twice, and from fatal(). */
void tui_end(void);
/* The terminal's size now. */
void tui_size(int *cols, int *rows);
/* Paints a rendered screen. */
void tui_paint(const struct tv_screen *scr);
/* Returns the next key (a TV_KEY_* or a character), waiting for one until
 * the monotonic time deadline (< 0: no deadline); TUI_TIMEOUT at the
 * deadline, TUI_RESIZE when the terminal changed size (repaint),
 * TUI_SIGNAL when a signal handler ran (the caller looks at its own stop
 * flag; nothing else has changed), TUI_HANGUP when the terminal went away
 * (leave as on SIGHUP: nothing more can be shown or read). Sleeps in
 * ppoll: no CPU while waiting. The caller checks its flags after every
 * return, whatever it is, before it waits again. */
int tui_wait(double deadline);

#endif
