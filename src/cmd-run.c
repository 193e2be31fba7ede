/* cmd-run.c - `fdwatch run -- COMMAND [ARG]...`: start COMMAND (no shell),
 * watch it and its descendants (--no-children: it alone) until it exits, report
 * alert events as they happen and a summary at the end. For CI: a command
 * that leaks fds fails. fdwatch's own report goes to stderr (or -o FILE) so
 * that COMMAND's stdout stays COMMAND's, as with time(1). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "escape.h"
#include "loop.h"
#include "privs.h"
#include "record.h"
#include "runsum.h"
#include "track.h"

/* Sampling interval when -d is not given: short, since tests are short. */
#define RUN_DEFAULT_INTERVAL 0.5

struct run_ctx {
	const struct options *o;
	struct sampler *sm;
	int child;
	FILE *out;
	struct buf buf;
	struct tracker *tr;
	struct run_summary sum;
	sigset_t waitset;          /* the signals waited for between samples */
	struct adapt adapt;        /* faster samples of the processes near their limit */
	int wstatus;
	bool lost;                 /* a part of the report could not be written */
};

/* The signals run waits for with sigtimedwait (blocked otherwise). */
static void run_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* Points the sampler at the command and (unless --no-children) every
 * descendant of fdwatch (a subreaper, so orphaned grandchildren stay ours),
 * fdwatch itself left out. */
static void select_watched(struct run_ctx *c)
{
	int *list;
	size_t n;

	if (c->o->children) {
		n = sampler_descendants(c->sm, (int)getpid(), &list);
		memmove(list, list + 1, (n - 1) * sizeof(*list));
		n--;
	} else {
		list = xmalloc(sizeof(*list));
		n = 0;
	}
	if (n == 0)
		list[n++] = c->child;
	sampler_select_pids(c->sm, list, n);
	free(list);
}

static int run_flush(struct run_ctx *c)
{
	int r = output_flush(c->out, &c->buf, "the run report");

	if (r < 0) {
		c->lost = true;
		buf_reset(&c->buf);
	}
	return r;
}

/* Feeds s (of every watched process, or with extra, an extra one of
 * those near their limit) and reports the alert events it raised. */
static int take_in(struct run_ctx *c, struct loop *l, struct sample *s, bool extra)
{
	struct alert *ev;
	size_t nev;

	tracker_feed(c->tr, s, !extra);
	adapt_update(&c->adapt, l, c->tr);
	nev = tracker_take_events(c->tr, &ev);
	alerts_add_peers(ev, nev, s);
	sample_free(s);
	for (size_t i = 0; i < nev; i++) {
		/* run judges its command's processes, not the machine's limits */
		if (ev[i].resource != RES_NOFILE)
			continue;
		alert_write(&c->buf, &ev[i], c->o->format);
		runsum_add_alert(&c->sum, &ev[i]);
	}
	alerts_free(ev, nev);
	if (c->buf.len)
		run_flush(c);
	return 0;
}

static int on_tick(struct loop *l, void *ctx)
{
	struct run_ctx *c = ctx;
	struct sample *s;

	if (c->o->children || l->ticks == 1)
		select_watched(c);
	s = sampler_take(c->sm);
	runsum_add_sample(&c->sum, s);
	return take_in(c, l, s, false);
}

/* An extra sample of the processes near their limit. */
static int on_fast_tick(struct loop *l, void *ctx)
{
	struct run_ctx *c = ctx;
	struct sample *s = adapt_take(&c->adapt);

	return s ? take_in(c, l, s, true) : 0;
}

/* Between samples: waits for the command's end or a signal to pass on.
 * Returns 1 when the command has exited. */
static int on_wait(struct loop *l, double until, void *ctx)
{
	struct run_ctx *c = ctx;
	double wait = until < 0 ? 1 : until - clock_mono();
	struct timespec ts;
	siginfo_t si;
	pid_t w;
	int sig, ws, done = 0;

	if (wait < 0)
		wait = 0;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	sig = sigtimedwait(&c->waitset, &si, &ts);
	if (sig < 0)
		return 0; /* timeout or EINTR */
	if (sig != SIGCHLD) {
		/* A terminal's ^C already reached the command (same process
		 * group); a kill(1) aimed at fdwatch did not. */
		if (si.si_code != SI_KERNEL)
			kill(c->child, sig);
		return 0;
	}
	/* Reap the command and any orphan we adopted. */
	while ((w = waitpid(-1, &ws, WNOHANG)) > 0) {
		if (w == c->child) {
			c->wstatus = ws;
			done = 1;
		}
	}
	return done;
}

/* Starts argv with the signal mask restored; returns the pid, or -errno
 * when exec failed (reported through a close-on-exec pipe). */
static int spawn(char **argv, const sigset_t *oldmask)
{
	int pfd[2], err = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				sigaction(sig, &sa, NULL);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		close(pfd[0]);
		/* The command gets none of a capability copy's privileges,
		 * not even to look for itself along PATH. */
		if (privs_drop_all() < 0)
			err = EPERM;
		else
			execvp(argv[0], argv);
		err = err ? err : errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		return -err;
	}
	return pid;
}

/* fdwatch's exit status: the command's, or 2 when it succeeded but leaked. */
static int run_status(const struct run_ctx *c)
{
	int status = WIFEXITED(c->wstatus) ? WEXITSTATUS(c->wstatus) : 128 + WTERMSIG(c->wstatus);

	return c->sum.worst >= LEVEL_WARNING && status == 0 ? 2 : status;
}

int cmd_run(struct options *o)
{
	struct run_ctx c;
	struct run_outcome oc;
	struct loop l;
	sigset_t oldmask;
	int self = (int)getpid();
	double t0;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = stderr;
	/* 0644: the report of the caller's own command, a build artifact. */
	if (o->output && !(c.out = record_open_output(o->output, 0644, false)))
		return 1;
	/* Open the sampler first: a command we cannot watch is not run. A
	 * command and its children are few: classify them fully every time,
	 * so that growth is always attributed to its source. */
	c.sm = sampler_open(o, 0);
	if (!c.sm) {
		if (c.out != stderr)
			fclose(c.out);
		return 1;
	}
	sampler_select_pids(c.sm, &self, 1);
	run_sigset(&c.waitset);
	sigprocmask(SIG_BLOCK, &c.waitset, &oldmask);
	if (o->children)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	c.child = spawn(o->args, &oldmask);
	if (c.child < 0) {
		warnx_("cannot run '%s': %s", o->args[0], strerror(-c.child));
		if (c.out != stderr)
			fclose(c.out);
		sampler_free(c.sm);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		return c.child == -ENOENT ? 127 : 126;
	}
	t0 = clock_mono();
	if (adapt_open(&c.adapt, o) < 0)
		o->no_adaptive = true; /* watched at the interval, as before */
	c.tr = tracker_new(&o->detect);
	buf_init(&c.buf);
	loop_init(&l, o, RUN_DEFAULT_INTERVAL, on_tick, &c);
	l.wait = on_wait;
	l.fast_tick = on_fast_tick;
	/* run ends with its command (on_wait), not with -n, --duration or a
	 * signal: those are passed on to the command. */
	l.iterations = 0;
	l.duration = 0;
	loop_run(&l);
	if (c.buf.len)
		run_flush(&c);
	oc.cmd = o->args[0];
	oc.wstatus = c.wstatus;
	oc.status = run_status(&c);
	oc.seconds = clock_mono() - t0;
	runsum_write(&c.buf, &c.sum, &oc, o->format);
	run_flush(&c);
	if ((fflush(c.out) != 0 || ferror(c.out)) && !c.lost) {
		c.lost = true;
		warnx_("cannot write the run report: %s", strerror(errno));
	}
	if (c.out != stderr && fclose(c.out) != 0 && !c.lost) {
		c.lost = true;
		warnx_("cannot write %s: %s", o->output, strerror(errno));
	}
	/* A report that was lost fails a run that would have passed; a
	 * command that failed keeps its own status. */
	if (c.lost && WIFEXITED(c.wstatus) && WEXITSTATUS(c.wstatus) == 0)
		oc.status = 1;
	runsum_free(&c.sum);
	buf_free(&c.buf);
	tracker_free(c.tr);
	adapt_close(&c.adapt);
	sampler_free(c.sm);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return oc.status;
}
