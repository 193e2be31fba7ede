/* detect.h - the growth detector: a history series in, a verdict out. Pure:
 * no I/O, no clock, so that log, replay, check, run and top share it and
 * tests can feed it synthetic series.
 *
 * A window of the series is cut into DETECT_SEGMENTS equal parts and the
 * floor (smallest count) of each part is taken, so that bursts and the peaks
 * of a pool's sawtooth do not count. The window shows a leak when the floor
 *  - rises in every part, each part supplying at least DETECT_MIN_SHARE of
 *    its fair share of the rise and none half of it (not a step, not a
 *    burst's ramp),
 *  - still rises in the last third, at no less than DETECT_KEEP_PACE of the
 *    first third's pace (not a pool filling up and saturating) and no more
 *    than DETECT_MAX_SPEEDUP times it (not the start of a burst or step:
 *    a new leak is judged by a window that starts with it),
 *  - ends well above anything the series held before the window (not the
 *    recovery of a slow wave or of an earlier decline),
 *  - rises DETECT_NOISE_MARGIN times more than the floors scatter around
 *    the trend line, and falls from one bucket to the next at most once in
 *    DETECT_MAX_FALLS steps (not noise, not bursts),
 *  - still rises in the newest half of its last part, by a quarter of what
 *    its rate adds there (not a fill levelling off: keep-alive connections
 *    reaching their timeout, the end of a warm-up ramp),
 * and the evidence grows with the time left: from its start to the newest
 * sample, the window must span at least `evidence` times the forecast time
 * to the limit; the time after the window counts only while the count went
 * on rising (a plateau gains no evidence by lasting). Windows from a few
 * samples to the whole history are tried; the most urgent one wins. */
#ifndef FDWATCH_DETECT_H
#define FDWATCH_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "history.h"

#define DETECT_SEGMENTS 6
#define DETECT_MIN_SHARE 0.25
#define DETECT_KEEP_PACE 0.8
#define DETECT_MAX_SPEEDUP 2.0
#define DETECT_NOISE_MARGIN 4.0
/* At most one step in this many may fall. */
#define DETECT_MAX_FALLS 5
/* How far back (s) a window's end is compared with earlier floors: a day
 * and then some, so that a daily wave's rise is seen as a recovery. */
#define DETECT_LOOKBACK 90000.0

enum alert_level { LEVEL_OK, LEVEL_WARNING, LEVEL_CRITICAL };

struct detect_params {
	double warn_eta;  /* warn when the limit is this near (s); default 7 days */
	double crit_eta;  /* critical when this near (s); default 1 hour */
	double evidence;  /* window span / eta needed; default 0.5 */
	double min_rise;  /* floor growth needed at all (fds); default 3 */
	double warn_use;  /* warning at or above this % of the limit; default 80 */
	double crit_use;  /* critical at or above this %, growing or not; default 95 */
};

struct verdict {
	enum alert_level level;
	bool growing;     /* some window showed sustained growth */
	double rate;      /* fds/s of that growth; NAN when none */
	double eta;       /* seconds to the limit at that rate; NAN when none */
	double since;     /* start of that window (wall s); NAN when none */
	double until;     /* its end */
	double rise;      /* floor growth over it (fds) */
};

/* A window that showed growth, before it is weighed against the limit. */
struct detect_cand {
	double since, until;
	double rate, rise;
	double top;       /* the floor of its newest part */
};

/* What the detector remembers of one series between calls, so that a level
 * is only judged again when it completes a bucket: per sample, about two
 * levels' worth of work instead of all of them. Zero-initialise; free with
 * detect_memo_free. Keep one per series, and reset it (free) when the
 * series is reset. */
struct detect_level_memo {
	uint64_t n;                 /* series length when judged; UINT64_MAX never */
	int ncand;
	struct detect_cand cand[6];
};
struct detect_memo {
	struct detect_level_memo *lev;
	int nlevels;
};

/* Fills in the documented defaults. */
void detect_params_default(struct detect_params *p);
/* "ok", "warning", "critical" (static). */
const char *alert_level_name(enum alert_level l);
/* Judges series s of a process now holding fds of limit (limit < 0 or NAN:
 * unknown; then growth is reported but never alerted). memo may be NULL
 * (judge everything afresh); with a memo, call once per added sample. */
void detect_series(const struct hseries *s, double fds, double limit,
		   const struct detect_params *p, struct verdict *v, struct detect_memo *memo);
/* Frees what a memo holds. */
void detect_memo_free(struct detect_memo *m);
/* Floor growth of a (source) series between the first and the last sixth of
 * [since, until]; a series that started inside the window counts from 0.
 * NAN when unknown. */
double detect_rise(const struct hseries *s, double since, double until);
/* Median of pairwise slopes (Theil-Sen) of n points; NAN when n < 2. For
 * tests and for renderers that want a plain robust rate. */
double detect_theil_sen(const double *t, const double *v, int n);

/* A plain robust rate (fds/s) of s over its newest samples, for a series
 * the detector does not see growing; NAN with fewer than
 * DETECT_RECENT_MIN of them. */
#define DETECT_RECENT_MIN 3
double detect_recent_rate(const struct hseries *s);
/* The same over the newest samples since the lowest of them (the end of
 * the last drop): how fast a series fills again after a partial reset;
 * NAN with fewer than DETECT_RECENT_MIN samples since. */
double detect_refill_rate(const struct hseries *s);

#endif
