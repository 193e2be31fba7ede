/* loop.h - the sampling loop shared by report, log, record and run:
 * samples on a monotonic schedule until -n, --duration or a signal. */
#ifndef FDWATCH_LOOP_H
#define FDWATCH_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "options.h"
#include "sample.h"
#include "sampler.h"
#include "util.h"

/* Set by SIGINT, SIGTERM and SIGHUP once loop_signals() is installed. */
extern volatile sig_atomic_t loop_stop_signal;

/* Installs handlers that only set loop_stop_signal (no SA_RESTART, so a
 * sleep wakes up). */
void loop_signals(void);

/* Called with each sample, which the callee takes ownership of. Returns 0
 * to go on, >0 to stop normally, <0 on error. */
typedef int (*loop_fn)(struct sample *s, void *ctx);

/* Samples every o->interval (default_interval when unset) until
 * o->iterations samples, o->duration seconds, a signal, or fn says stop.
 * Returns fn's last result (0 when the loop ran out). */
int loop_run(struct sampler *sm, const struct options *o, double default_interval,
	     loop_fn fn, void *ctx);

/* Sleeps until the monotonic time `until`, or a signal. */
void loop_sleep_until(double until);

/* Writes b to f and flushes; on failure prints why and returns -1. */
int output_flush(FILE *f, struct buf *b, const char *what);

/* Opens the sampler for o, printing a message on failure. */
struct sampler *sampler_open(const struct options *o, double reclassify_age);

/* Warns about -p pids absent from s; returns how many were found. */
size_t warn_missing_pids(const struct options *o, const struct sample *s);

#endif
