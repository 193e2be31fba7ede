/* cmd-run.c - `fdwatch run -- COMMAND [ARG]...`: start COMMAND (no shell),
 * watch it (and with --children its descendants) until it exits, report
 * alert events as they happen and a summary at the end. For CI: a command
 * that leaks fds fails. fdwatch's own report goes to stderr (or -o FILE) so
 * that COMMAND's stdout stays COMMAND's, as with time(1). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "escape.h"
#include "loop.h"
#include "track.h"

/* Sampling interval when -d is not given: short, since tests are short. */
#define RUN_DEFAULT_INTERVAL 0.5

/* What the summary needs to remember about one process. */
struct run_proc {
	int pid;
	unsigned long long start;
	char *comm;
	long first_fds, last_fds, peak_fds, limit;
	double first_t, last_t;
};

struct run_ctx {
	const struct options *o;
	FILE *out;
	struct buf buf;
	struct tracker *tr;
	struct run_proc *procs;
	size_t nprocs;
	long nsamples;
	enum alert_level worst;
	struct alert worst_alert;  /* the first event at the worst level */
	bool have_alert;
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

/* Selects the command and, with --children, every descendant of fdwatch
 * (a subreaper, so orphaned grandchildren stay ours). */
static void select_watched(struct options *o, struct sampler *sm, int child)
{
	int *list;
	size_t n;

	if (o->children) {
		n = sampler_descendants(sm, (int)getpid(), &list);
	} else {
		list = xmalloc(2 * sizeof(*list));
		list[0] = (int)getpid();
		n = 1;
	}
	/* fdwatch itself is not watched. */
	memmove(list, list + 1, (n - 1) * sizeof(*list));
	n--;
	if (n == 0)
		list[n++] = child;
	free(o->sel.pids);
	o->sel.pids = list;
	o->sel.npids = n;
}

static struct run_proc *run_proc_get(struct run_ctx *c, const struct proc_sample *p)
{
	struct run_proc *r;

	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == p->pid && c->procs[i].start == p->start)
			return &c->procs[i];
	c->procs = xreallocarray(c->procs, c->nprocs + 1, sizeof(*c->procs));
	r = &c->procs[c->nprocs++];
	memset(r, 0, sizeof(*r));
	r->pid = p->pid;
	r->start = p->start;
	r->first_fds = r->peak_fds = -1;
	return r;
}

static void alert_copy(struct alert *dst, const struct alert *src)
{
	*dst = *src;
	dst->comm = src->comm ? xstrdup(src->comm) : NULL;
	source_copy(&dst->src, &src->src);
}

static int run_flush(struct run_ctx *c)
{
	return output_flush(c->out, &c->buf, "the run report");
}

static void on_sample(struct run_ctx *c, struct sample *s)
{
	struct alert *ev;
	size_t nev;

	c->nsamples++;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		struct run_proc *r;

		/* An exiting process closes its fds before it is reaped: its
		 * last count says nothing about the run. */
		if (p->fds <= 0)
			continue;
		r = run_proc_get(c, p);
		free(r->comm);
		r->comm = p->comm ? xstrdup(p->comm) : NULL;
		if (r->first_fds < 0) {
			r->first_fds = p->fds;
			r->first_t = s->time;
		}
		r->last_fds = p->fds;
		r->last_t = s->time;
		r->limit = p->limit;
		if (p->fds > r->peak_fds)
			r->peak_fds = p->fds;
	}
	tracker_feed(c->tr, s, true);
	nev = tracker_take_events(c->tr, &ev);
	for (size_t i = 0; i < nev; i++) {
		if (c->o->format == FORMAT_JSON)
			alert_json(&c->buf, &ev[i]);
		else
			alert_text(&c->buf, &ev[i]);
		if (ev[i].level > c->worst) {
			if (c->have_alert) {
				free(c->worst_alert.comm);
				source_clear(&c->worst_alert.src);
			}
			c->worst = ev[i].level;
			alert_copy(&c->worst_alert, &ev[i]);
			c->have_alert = true;
		}
	}
	alerts_free(ev, nev);
	sample_free(s);
	if (c->buf.len)
		run_flush(c);
}

/* The process with the most fds at its peak: the one a reader asks about. */
static const struct run_proc *peak_proc(const struct run_ctx *c)
{
	const struct run_proc *best = NULL;

	for (size_t i = 0; i < c->nprocs; i++)
		if (!best || c->procs[i].peak_fds > best->peak_fds)
			best = &c->procs[i];
	return best;
}

static void summary_text(struct run_ctx *c, const char *cmd, int wstatus, int status, double secs)
{
	const struct run_proc *pk = peak_proc(c);
	char dur[32];

	buf_adds(&c->buf, "fdwatch run: ");
	escape_text(&c->buf, cmd, strlen(cmd));
	if (WIFSIGNALED(wstatus))
		buf_addf(&c->buf, " killed by signal %d", WTERMSIG(wstatus));
	else
		buf_addf(&c->buf, " exited with status %d", WEXITSTATUS(wstatus));
	buf_addf(&c->buf, " after %s; %ld sample%s of %zu process%s\n",
		 fmt_duration(dur, sizeof(dur), secs), c->nsamples, c->nsamples == 1 ? "" : "s",
		 c->nprocs, c->nprocs == 1 ? "" : "es");
	if (pk) {
		buf_adds(&c->buf, "fdwatch run: peak ");
		buf_addf(&c->buf, "%ld fds", pk->peak_fds);
		if (pk->limit >= 0)
			buf_addf(&c->buf, " (limit %ld)", pk->limit);
		buf_adds(&c->buf, " in ");
		escape_text(&c->buf, pk->comm ? pk->comm : "?", pk->comm ? strlen(pk->comm) : 1);
		buf_addf(&c->buf, "[%d]; %ld -> %ld fds", pk->pid, pk->first_fds, pk->last_fds);
		if (pk->last_t > pk->first_t)
			buf_addf(&c->buf, " (%+.2f/s)", (double)(pk->last_fds - pk->first_fds) /
				 (pk->last_t - pk->first_t));
		buf_addc(&c->buf, '\n');
	}
	if (c->have_alert) {
		buf_addf(&c->buf, "fdwatch run: %s: ",
			 c->worst == LEVEL_CRITICAL ? "CRITICAL fd leak" : "WARNING fd leak");
		alert_message(&c->buf, &c->worst_alert);
		buf_addc(&c->buf, '\n');
		buf_addf(&c->buf, "fdwatch run: exit status %d%s\n", status,
			 status == 2 && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 2) ?
			 " (the command succeeded but leaked fds)" : "");
	} else {
		buf_adds(&c->buf, "fdwatch run: no fd leak detected\n");
	}
}

static void summary_json(struct run_ctx *c, const char *cmd, int wstatus, int status, double secs)
{
	const struct run_proc *pk = peak_proc(c);

	buf_adds(&c->buf, "{\"summary\": true, \"command\": ");
	json_str(&c->buf, cmd);
	buf_adds(&c->buf, ", \"status\": ");
	if (WIFSIGNALED(wstatus))
		buf_addf(&c->buf, "null, \"signal\": %d", WTERMSIG(wstatus));
	else
		buf_addf(&c->buf, "%d", WEXITSTATUS(wstatus));
	buf_addf(&c->buf, ", \"exit\": %d, \"duration\": %.3f", status, secs);
	buf_addf(&c->buf, ", \"samples\": %ld, \"processes\": %zu, \"level\": \"%s\"",
		 c->nsamples, c->nprocs, alert_level_name(c->worst));
	buf_adds(&c->buf, ", \"peak\": ");
	if (pk) {
		buf_addf(&c->buf, "{\"pid\": %d, \"start\": %llu, \"comm\": ", pk->pid, pk->start);
		json_str(&c->buf, pk->comm);
		buf_addf(&c->buf, ", \"fds\": %ld, \"first_fds\": %ld, \"last_fds\": %ld, \"limit\": ",
			 pk->peak_fds, pk->first_fds, pk->last_fds);
		if (pk->limit >= 0)
			buf_addf(&c->buf, "%ld}", pk->limit);
		else
			buf_adds(&c->buf, "null}");
	} else {
		buf_adds(&c->buf, "null");
	}
	buf_adds(&c->buf, ", \"alert\": ");
	if (c->have_alert) {
		alert_json(&c->buf, &c->worst_alert);
		if (c->buf.len && c->buf.data[c->buf.len - 1] == '\n')
			c->buf.data[--c->buf.len] = '\0';
	} else {
		buf_adds(&c->buf, "null");
	}
	buf_adds(&c->buf, "}\n");
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
		execvp(argv[0], argv);
		err = errno;
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

int cmd_run(struct options *o)
{
	double interval = o->interval > 0 ? o->interval : RUN_DEFAULT_INTERVAL, t0, next;
	struct run_ctx c;
	struct detect_params dp;
	struct sampler *sm = NULL;
	sigset_t set, oldmask;
	int child, wstatus = 0, status;
	bool exited = false;
	const char *cmd = o->args[0];

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = stderr;
	if (o->output) {
		c.out = fopen(o->output, "we");
		if (!c.out) {
			warnx_("cannot write %s: %s", o->output, strerror(errno));
			return 1;
		}
	}
	/* Open the sampler first: a command we cannot watch is not run. */
	o->sel.pids = xmalloc(sizeof(*o->sel.pids));
	o->sel.pids[0] = (int)getpid();
	o->sel.npids = 1;
	/* A command and its children are few: classify them fully every time,
	 * so that growth is always attributed to its source. */
	sm = sampler_open(o, 0);
	if (!sm) {
		if (c.out != stderr)
			fclose(c.out);
		return 1;
	}
	run_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	if (o->children)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	child = spawn(o->args, &oldmask);
	if (child < 0) {
		warnx_("cannot run '%s': %s", cmd, strerror(-child));
		if (c.out != stderr)
			fclose(c.out);
		sampler_free(sm);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		return child == -ENOENT ? 127 : 126;
	}
	t0 = clock_mono();
	select_watched(o, sm, child);
	detect_params_from_options(o, &dp);
	c.tr = tracker_new(&dp);
	buf_init(&c.buf);
	next = t0;
	while (!exited) {
		struct timespec ts;
		siginfo_t si;
		double wait;
		int sig;

		if (clock_mono() >= next) {
			if (o->children)
				select_watched(o, sm, child);
			on_sample(&c, sampler_take(sm));
			next += interval;
			if (next < clock_mono()) /* overran: skip the missed ticks */
				next = clock_mono() + interval;
		}
		wait = next - clock_mono();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		sig = sigtimedwait(&set, &si, &ts);
		if (sig < 0)
			continue; /* timeout or EINTR */
		if (sig == SIGCHLD) {
			pid_t w;
			int ws;

			/* Reap the command and any orphan we adopted. */
			while ((w = waitpid(-1, &ws, WNOHANG)) > 0) {
				if (w == child) {
					wstatus = ws;
					exited = true;
				}
			}
			continue;
		}
		/* A terminal's ^C already reached the command (same process
		 * group); a kill(1) aimed at fdwatch did not. */
		if (si.si_code != SI_KERNEL)
			kill(child, sig);
	}
	if (c.buf.len)
		run_flush(&c);
	if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else
		status = 128 + WTERMSIG(wstatus);
	if (c.worst >= LEVEL_WARNING && status == 0)
		status = 2;
	if (o->format == FORMAT_JSON)
		summary_json(&c, cmd, wstatus, status, clock_mono() - t0);
	else
		summary_text(&c, cmd, wstatus, status, clock_mono() - t0);
	run_flush(&c);
	if (c.out != stderr)
		fclose(c.out);
	if (c.have_alert) {
		free(c.worst_alert.comm);
		source_clear(&c.worst_alert.src);
	}
	for (size_t i = 0; i < c.nprocs; i++)
		free(c.procs[i].comm);
	free(c.procs);
	buf_free(&c.buf);
	tracker_free(c.tr);
	sampler_free(sm);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return status;
}
