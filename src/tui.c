/* tui.c - curses for `fdwatch top`: starts and restores the terminal,
 * paints rendered screens, and waits for keys without spinning. The only
 * file of the project that includes curses. */
#include "config.h"

#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "privs.h"
#include "util.h"

static bool active;
static bool colored;
static SCREEN *screen;
static FILE *held;        /* stderr while curses owns the terminal */
static int saved_stderr = -1;
static sigset_t saved_mask;
static struct sigaction saved_winch;
static volatile sig_atomic_t winched;

/* Curses notices a resize only while it reads input; this flag lets the
 * wait notice it at once. */
static void on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

/* The colour pairs of the view's attributes. */
enum {
	PAIR_WARNING = 1, PAIR_CRITICAL, PAIR_HEADER, PAIR_SORTED, PAIR_SELECTED,
	PAIR_SEL_WARNING, PAIR_SEL_CRITICAL, PAIR_STATUS, PAIR_LIMIT,
};

bool tui_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Sends what was written to stderr while curses was on to the real one. */
static void release_stderr(void)
{
	char chunk[4096];
	size_t n;

	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	if (held) {
		rewind(held);
		while ((n = fread(chunk, 1, sizeof(chunk), held)) > 0)
			if (fwrite(chunk, 1, n, stderr) != n)
				break;
		fclose(held);
		held = NULL;
		fflush(stderr);
	}
}

void tui_end(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
	if (screen) {
		delscreen(screen);
		screen = NULL;
	}
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	sigaction(SIGWINCH, &saved_winch, NULL);
	release_stderr();
}

/* newterm, reading the terminal description with the caller's rights
 * and, in a capability copy, never from the caller's ~/.terminfo (privs.h
 * has taken TERMINFO and TERMINFO_DIRS away already). */
static SCREEN *tui_newterm(void)
{
	char *home = getenv("HOME");
	SCREEN *sc;

	if (!privs_elevated())
		return newterm(NULL, stdout, stdin);
	if (privs_user_begin() < 0)
		return NULL;
	home = home ? xstrdup(home) : NULL;
	unsetenv("HOME");
	sc = newterm(NULL, stdout, stdin);
	if (home)
		setenv("HOME", home, 1);
	free(home);
	privs_user_end();
	return sc;
}

int tui_start(bool color, const char **why)
{
	sigset_t block;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*why = "the live view needs a terminal on standard input and output "
		       "(for a text report: fdwatch report)";
		return -1;
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_winch;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, &saved_winch);
	}
	set_escdelay(25);
	screen = tui_newterm();
	if (!screen) {
		sigaction(SIGWINCH, &saved_winch, NULL);
		*why = "cannot use this terminal (check TERM)";
		return -1;
	}
	set_term(screen);
	active = true;
	util_set_fatal_hook(tui_end);

	/* Hold stderr back: a message in the middle of the screen would be
	 * overwritten by the next paint, and would garble it meanwhile. */
	held = tmpfile();
	if (held) {
		fflush(stderr);
		saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (saved_stderr < 0 || dup2(fileno(held), STDERR_FILENO) < 0) {
			if (saved_stderr >= 0)
				close(saved_stderr);
			saved_stderr = -1;
			fclose(held);
			held = NULL;
		}
	}

	/* The signals that end or resize are only let in while waiting in
	 * ppoll, so that none slips in between a check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &saved_mask);

	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	leaveok(stdscr, FALSE);
	curs_set(0);
	colored = color && has_colors();
	if (colored) {
		short bg;

		start_color();
		/* The terminal's own background where it can keep it. */
		bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
		init_pair(PAIR_WARNING, COLOR_YELLOW, bg);
		init_pair(PAIR_CRITICAL, COLOR_RED, bg);
		init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_SORTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_SEL_WARNING, COLOR_BLACK, COLOR_YELLOW);
		init_pair(PAIR_SEL_CRITICAL, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_LIMIT, COLOR_RED, bg);
	}
	return 0;
}

void tui_size(int *cols, int *rows)
{
	*cols = COLS;
	*rows = LINES;
}

/* Curses attributes for a view attribute. Without colour, alerting rows
 * are in reverse video and the selection is underlined. */
static attr_t attr_of(int a)
{
	bool sel = a & TV_A_SELECTED;
	int base = a & ~TV_A_SELECTED;

	if (!colored) {
		attr_t r = sel ? A_UNDERLINE | A_BOLD : A_NORMAL;

		switch (base) {
		case TV_A_TITLE: return r | A_BOLD;
		case TV_A_HEADER: return r | A_REVERSE;
		case TV_A_SORTED: return r | A_REVERSE | A_BOLD | A_UNDERLINE;
		case TV_A_WARNING: return r | A_REVERSE;
		case TV_A_CRITICAL: return r | A_REVERSE | A_BOLD;
		case TV_A_DIM: return r | A_DIM;
		case TV_A_LIMIT: return r | A_BOLD;
		case TV_A_STATUS: return r | A_REVERSE;
		case TV_A_PROMPT: return r | A_REVERSE | A_BOLD;
		default: return sel ? A_REVERSE : A_NORMAL;
		}
	}
	if (sel) {
		switch (base) {
		case TV_A_WARNING: return COLOR_PAIR(PAIR_SEL_WARNING) | A_BOLD;
		case TV_A_CRITICAL: return COLOR_PAIR(PAIR_SEL_CRITICAL) | A_BOLD;
		default: return COLOR_PAIR(PAIR_SELECTED);
		}
	}
	switch (base) {
	case TV_A_TITLE: return A_BOLD;
	case TV_A_HEADER: return COLOR_PAIR(PAIR_HEADER);
	case TV_A_SORTED: return COLOR_PAIR(PAIR_SORTED) | A_BOLD;
	case TV_A_WARNING: return COLOR_PAIR(PAIR_WARNING) | A_BOLD;
	case TV_A_CRITICAL: return COLOR_PAIR(PAIR_CRITICAL) | A_BOLD;
	case TV_A_DIM: return A_DIM;
	case TV_A_LIMIT: return COLOR_PAIR(PAIR_LIMIT);
	case TV_A_STATUS: return COLOR_PAIR(PAIR_STATUS);
	case TV_A_PROMPT: return COLOR_PAIR(PAIR_HEADER) | A_BOLD;
	default: return A_NORMAL;
	}
}

void tui_paint(const struct tv_screen *scr)
{
	if (!active)
		return;
	erase();
	for (int y = 0; y < scr->rows && y < LINES; y++) {
		const struct tv_line *l = &scr->lines[y];

		move(y, 0);
		for (size_t k = 0; k < l->nsegs; k++) {
			attrset(attr_of(l->segs[k].attr));
			addstr(l->segs[k].text);
		}
		if (l->fill_attr != TV_A_NORMAL && l->used < COLS) {
			attrset(attr_of(l->fill_attr));
			for (int x = l->used; x < COLS; x++)
				mvaddch(y, x, ' ');
		}
	}
	attrset(A_NORMAL);
	if (scr->cursor_row >= 0) {
		curs_set(1);
		move(scr->cursor_row, scr->cursor_col);
	} else {
		curs_set(0);
	}
	refresh();
}

/* The view's key for what get_wch gave (r, ch): 0 for one the view does
 * not know, TUI_RESIZE for one that asks for a full repaint. */
static int map_key(int r, wint_t ch)
{
	if (r == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return TV_KEY_UP;
		case KEY_DOWN: return TV_KEY_DOWN;
		case KEY_LEFT: return TV_KEY_LEFT;
		case KEY_RIGHT: return TV_KEY_RIGHT;
		case KEY_PPAGE: return TV_KEY_PGUP;
		case KEY_NPAGE: return TV_KEY_PGDN;
		case KEY_HOME: return TV_KEY_HOME;
		case KEY_END: return TV_KEY_END;
		case KEY_ENTER: return TV_KEY_ENTER;
		case KEY_BACKSPACE: return TV_KEY_BACKSPACE;
		case KEY_RESIZE:
			clearok(curscr, TRUE);
			return TUI_RESIZE;
		default: return 0;
		}
	}
	switch (ch) {
	case '\r':
	case '\n': return TV_KEY_ENTER;
	case 27: return TV_KEY_ESC;
	case 8:
	case 127: return TV_KEY_BACKSPACE;
	case 12: /* ^L: repaint everything */
		clearok(curscr, TRUE);
		return TUI_RESIZE;
	default: return ch < 0x20 ? 0 : (int)ch;
	}
}

/* A key curses already has, or 0 when none is waiting. */
static int read_key(void)
{
	wint_t ch;
	int r;

	while ((r = get_wch(&ch)) != ERR) {
		int k = map_key(r, ch);

		if (k)
			return k;
	}
	return 0;
}

/* Lets in the signals that arrived while they were blocked. ppoll only
 * delivers them when it sleeps, and it does not sleep while input keeps
 * arriving (or the terminal has hung up), so they are taken here. Returns
 * whether one of them was a signal that ends (its handler has run). */
static bool take_pending_signals(void)
{
	sigset_t pend, cur;
	bool stop;

	if (sigpending(&pend) != 0)
		return false;
	stop = sigismember(&pend, SIGINT) || sigismember(&pend, SIGTERM) ||
	       sigismember(&pend, SIGHUP);
	if (stop || sigismember(&pend, SIGWINCH)) {
		sigprocmask(SIG_SETMASK, &saved_mask, &cur);
		sigprocmask(SIG_SETMASK, &cur, NULL);
	}
	return stop;
}

int tui_wait(double deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		struct winsize ws;
		int k, n;

		if (take_pending_signals())
			return TUI_SIGNAL;
		if (winched) {
			winched = 0;
			if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
				resizeterm(ws.ws_row, ws.ws_col);
			/* What the terminal shows after a resize is not what
			 * curses remembers: paint everything again. */
			clearok(curscr, TRUE);
			return TUI_RESIZE;
		}
		k = read_key();
		if (k)
			return k;
		if (deadline >= 0) {
			double left = deadline - clock_mono();

			if (left <= 0)
				return TUI_TIMEOUT;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		n = ppoll(&pfd, 1, tsp, &saved_mask);
		if (n < 0 && errno != EINTR)
			fatal("waiting for input: %s", strerror(errno));
		/* A handler ran: a resize is taken above, anything else is
		 * for the caller to look at. */
		if (n < 0 && !winched)
			return TUI_SIGNAL;
		if (n > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return TUI_HANGUP;
	}
}
