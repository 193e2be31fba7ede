/* loop.c - the sampling loop, its signals, and checked output. */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

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

int loop_run(struct sampler *sm, const struct options *o, double default_interval,
	     loop_fn fn, void *ctx)
{
	double interval = o->interval > 0 ? o->interval : default_interval;
	double t0 = clock_mono();
	long k = 0;
	int r = 0;

	while (!loop_stop_signal) {
		struct sample *s = sampler_take(sm);
		double next;

		k++;
		r = fn(s, ctx);
		if (r)
			return r;
		if (o->iterations && k >= o->iterations)
			break;
		/* The next tick on the fixed schedule; if a sample overran,
		 * skip the missed ticks rather than bunching samples. */
		next = t0 + interval * (double)k;
		if (next < clock_mono())
			next = t0 + interval * ceil((clock_mono() - t0) / interval);
		if (o->duration > 0 && next - t0 > o->duration + 1e-9)
			break;
		loop_sleep_until(next);
	}
	return 0;
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

struct sampler *sampler_open(const struct options *o, double reclassify_age)
{
	struct sampler_config cfg;
	struct sampler *sm;
	int err;

	options_sampler_config(o, &cfg);
	cfg.reclassify_age = reclassify_age;
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
