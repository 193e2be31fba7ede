/* loop.h - the scheduler every watching command shares, its signals, and
 * the small pieces of glue the commands have in common. */
#ifndef FDWATCH_LOOP_H
#define FDWATCH_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "options.h"
#include "sample.h"
#include "sampler.h"
#include "track.h"
#include "util.h"

/* Set by SIGINT, SIGTERM and SIGHUP once loop_signals() is installed. */
extern volatile sig_atomic_t loop_stop_signal;

/* Installs handlers that only set loop_stop_signal (no SA_RESTART, so a
 * sleep wakes up). */
void loop_signals(void);

/* The one scheduler of the watching commands (report -n, log, record, top,
 * run): a tick every interval on a fixed monotonic grid from the first,
 * until a count, a duration, a signal, or a hook says stop. A tick that
 * overruns skips the grid points it missed rather than bunching samples.
 * Between ticks the wait hook runs, so a command can wait on what else it
 * serves (a terminal's keys, a child's signals, a listening socket) and
 * pause, change the interval or ask for an earlier tick. */
struct loop {
	double interval;        /* seconds between ticks */
	long iterations;        /* ticks at most; 0 = unbounded */
	double duration;        /* seconds from the first tick at most; 0 = unbounded */
	bool paused;            /* no ticks while set (the wait hook still runs) */
	bool linger;            /* after the last tick, wait out its interval or
	                         * the duration (a screen shows the last sample) */
	/* Takes and handles one sample: 0 to go on, >0 to stop, <0 error. */
	int (*tick)(struct loop *l, void *ctx);
	/* Waits until the monotonic time until (< 0: nothing is due) or an
	 * event: 0 to go on, anything else stops the loop with that result.
	 * NULL: sleep until then or a signal. */
	int (*wait)(struct loop *l, double until, void *ctx);
	void *ctx;
	/* Adaptive sampling: extra ticks every `fast` seconds between the
	 * ticks of the interval (0: none), taken by fast_tick; they do not
	 * count as ticks. Set with loop_set_fast. */
	double fast;
	int (*fast_tick)(struct loop *l, void *ctx);
	double fast_next;
	/* Kept by the loop. */
	double t0;              /* monotonic time of the first tick */
	double next;            /* when the next tick is due */
	double last;            /* when the last tick began */
	long ticks;             /* ticks so far */
};

/* Sets up l from o's -d, -n and --duration (default_interval when -d is
 * not given), with tick and ctx; no wait hook. */
void loop_init(struct loop *l, const struct options *o, double default_interval,
	       int (*tick)(struct loop *l, void *ctx), void *ctx);
/* Ticks until done. Returns the result of the hook that stopped it, or 0
 * when the count, the duration or a signal ended it. */
int loop_run(struct loop *l);
/* Changes the interval: the next tick comes that long after the last one,
 * or at once when that time has passed. */
void loop_set_interval(struct loop *l, double interval);

/* Asks for extra ticks every fast seconds from now on (0: none). */
void loop_set_fast(struct loop *l, double fast);

/* Adaptive sampling for a watching command (log, top, run): a second
 * sampler for the few processes whose limit is near, sampled faster than
 * the interval until they are safe again. */
struct adapt {
	struct sampler *sm;     /* NULL: off (--no-adaptive) */
	size_t nfast;           /* processes sampled faster now */
	double fast;            /* and how often (s), 0 none */
};
/* Opens the second sampler unless o says --no-adaptive; 0 or -1 after
 * printing why. */
int adapt_open(struct adapt *a, const struct options *o);
/* After a sample went into tr: picks the processes to sample faster and
 * tells the loop how often. */
void adapt_update(struct adapt *a, struct loop *l, struct tracker *tr);
/* One extra sample of those processes (caller frees); NULL when none. */
struct sample *adapt_take(struct adapt *a);
void adapt_close(struct adapt *a);

/* Sleeps until the monotonic time `until`, or a signal. */
void loop_sleep_until(double until);

/* Writes b to f and flushes; on failure prints why and returns -1. */
int output_flush(FILE *f, struct buf *b, const char *what);

/* Opens the sampler for o, printing a message on failure. */
struct sampler *sampler_open(const struct options *o, double reclassify_age);

/* Warns about -p pids absent from s; returns how many were found. */
size_t warn_missing_pids(const struct options *o, const struct sample *s);

/* For commands that end when the processes given with -p have exited:
 * on the first sample, remembers them (by pid and start, so a reused pid
 * is not taken for them) and warns about the missing ones. Returns -1 when
 * none of them is running at the first sample, 1 when all have exited
 * since, else 0; always 0 without -p. */
int loop_watch_pids(struct proc_idset *ids, const struct options *o, const struct sample *s,
		    bool first);

/* Appends the header record a trace begins with (record.h): this program,
 * this host and boot, sampling every interval seconds from start. */
void loop_trace_header(struct buf *out, double interval, double start);

#endif
