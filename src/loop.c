/* loop.c - the scheduler, its signals, and the commands' shared glue. */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record.h"

volatile sig_atomic_t loop_stop_signal;

static void on_signal(int sig)
{
	loop_stop_signal = sig;
}

void loop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void loop_sleep_until(double until)
{
	struct timespec ts;

	if (until <= 0)
		return;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (!loop_stop_signal &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void loop_init(struct loop *l, const struct options *o, double default_interval,
	       int (*tick)(struct loop *l, void *ctx), void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->interval = o->interval > 0 ? o->interval : default_interval;
	l->iterations = o->iterations;
	l->duration = o->duration;
	l->tick = tick;
	l->ctx = ctx;
}

/* The next grid point after the tick that just ran, past the ones an
 * overrun missed. */
static void schedule_next(struct loop *l)
{
	double now = clock_mono();

	l->next += l->interval;
	if (l->next <= now)
		l->next += l->interval * (floor((now - l->next) / l->interval) + 1);
}

int loop_run(struct loop *l)
{
	int r;

	l->t0 = l->next = clock_mono();
	while (!loop_stop_signal) {
		double until;

		if (!l->paused && clock_mono() >= l->next) {
			if (l->iterations && l->ticks >= l->iterations)
				return 0;
			l->last = clock_mono();
			l->ticks++;
			r = l->tick(l, l->ctx);
			if (r)
				return r;
			schedule_next(l);
			/* Extra ticks keep their spacing from this one too. */
			if (l->fast > 0 && l->fast_next < l->last + l->fast)
				l->fast_next = l->last + l->fast;
			if (l->iterations && l->ticks >= l->iterations && !l->linger)
				return 0;
		} else if (!l->paused && l->fast > 0 && l->fast_tick && clock_mono() >= l->fast_next) {
			/* An extra tick, unless the next one of the grid is as near. */
			if (l->next - clock_mono() > l->fast / 2) {
				r = l->fast_tick(l, l->ctx);
				if (r)
					return r;
			}
			if (l->fast > 0 && l->fast_next <= clock_mono())
				l->fast_next = clock_mono() + l->fast;
		}
		until = l->paused ? -1 : l->next;
		if (!l->paused && l->fast > 0 && l->fast_tick && l->fast_next < until)
			until = l->fast_next;
		if (l->duration > 0) {
			double end = l->t0 + l->duration;

			/* The last tick is the one due at the end, if any; a
			 * lingering loop then waits for the end itself. */
			if (l->paused || l->next > end + 1e-9) {
				if (!l->linger || clock_mono() >= end)
					return 0;
				until = end;
			}
		}
		if (l->wait) {
			r = l->wait(l, until, l->ctx);
			if (r)
				return r;
		} else {
			loop_sleep_until(until);
		}
	}
	return 0;
}

void loop_set_interval(struct loop *l, double interval)
{
	double now = clock_mono();

	l->interval = interval;
	l->next = l->last + interval;
	if (l->next < now)
		l->next = now;
}

void loop_set_fast(struct loop *l, double fast)
{
	double now = clock_mono();

	if (fast > 0 && (!(l->fast > 0) || l->fast_next > now + fast || l->fast_next < now))
		l->fast_next = now + fast;
	l->fast = fast > 0 ? fast : 0;
}

/* The fastest extra sampling (s): a listing of a few processes ten times a
 * second costs little, and the detector then needs about a second. */
#define ADAPT_FASTEST 0.1

int adapt_open(struct adapt *a, const struct options *o)
{
	memset(a, 0, sizeof(*a));
	if (o->no_adaptive)
		return 0;
	a->sm = sampler_open(o, SAMPLER_REUSE_AGE);
	return a->sm ? 0 : -1;
}

void adapt_update(struct adapt *a, struct loop *l, struct tracker *tr)
{
	int *pids;
	double iv;

	if (!a->sm)
		return;
	a->nfast = tracker_adapt(tr, l->interval, ADAPT_FASTEST, &pids, &iv);
	a->fast = a->nfast ? iv : 0;
	if (a->nfast)
		sampler_select_pids(a->sm, pids, a->nfast);
	free(pids);
	loop_set_fast(l, a->fast);
}

struct sample *adapt_take(struct adapt *a)
{
	struct sample *s;

	if (!a->sm || !a->nfast)
		return NULL;
	s = sampler_take(a->sm);
	/* It sees only the processes near their limit: the inotify use it
	 * would count per user is not the system's, and judged as such it
	 * would release every user's alert at each extra sample. */
	sys_sample_clear(&s->sys);
	s->extra = true;
	return s;
}

void adapt_close(struct adapt *a)
{
	sampler_free(a->sm);
	memset(a, 0, sizeof(*a));
}

int output_flush(FILE *f, struct buf *b, const char *what)
{
	if ((b->len && fwrite(b->data, 1, b->len, f) != b->len) || fflush(f) != 0 || ferror(f)) {
		warnx_("cannot write %s: %s", what, strerror(errno ? errno : EIO));
		buf_reset(b);
		return -1;
	}
	buf_reset(b);
	return 0;
}

/* Is the environment variable set to something other than "" or "0"? */
static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

struct sampler *sampler_open(const struct options *o, double reclassify_age)
{
	struct sampler_config cfg;
	struct sampler *sm;
	int err;

	options_sampler_config(o, &cfg);
	cfg.reclassify_age = reclassify_age;
	/* One look asks every socket's idle time; watching, a slow cadence.
	 * The environment can turn either part off (the man page's
	 * ENVIRONMENT), to save its cost or to measure it. */
	cfg.idle_every = reclassify_age > 0 ? SAMPLER_IDLE_EVERY : 0;
	if (env_set("FDWATCH_NO_IDLE"))
		cfg.idle_every = -1;
	cfg.no_peers = env_set("FDWATCH_NO_PEERS");
	sm = sampler_new(&cfg, &err);
	if (!sm)
		warnx_("cannot read %s: %s", cfg.proc_root ? cfg.proc_root : "/proc", strerror(-err));
	return sm;
}

size_t warn_missing_pids(const struct options *o, const struct sample *s)
{
	size_t found = 0;

	for (size_t i = 0; i < o->sel.npids; i++) {
		bool here = false;

		for (size_t k = 0; k < s->nprocs && !here; k++)
			here = s->procs[k].pid == o->sel.pids[i];
		if (here)
			found++;
		else
			warnx_("process %d not found (not running, not a thread-group leader, "
			       "or filtered out)", o->sel.pids[i]);
	}
	return found;
}

int loop_watch_pids(struct proc_idset *ids, const struct options *o, const struct sample *s,
		    bool first)
{
	if (!o->sel.npids)
		return 0;
	if (first) {
		if (warn_missing_pids(o, s) == 0)
			return -1;
		proc_idset_take(ids, s);
	}
	/* Their pids may be someone else's by now: (pid, start) decides. */
	return proc_idset_any(ids, s) ? 0 : 1;
}

void loop_trace_header(struct buf *out, double interval, double start)
{
	struct trace_header h = { NULL, NULL, NULL, -1, interval, start };
	char host[256] = "", line[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		h.boot_id = xstrdup(line);
	}
	if (f)
		fclose(f);
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	h.host = *host ? xstrdup(host) : NULL;
	h.version = xstrdup(PACKAGE_VERSION);
	h.hz = sysconf(_SC_CLK_TCK);
	record_header_json(out, &h);
	trace_header_clear(&h);
}
