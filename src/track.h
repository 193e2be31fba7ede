/* track.h - follows processes across samples: keeps each one's history (its
 * fd count, each fd type, each socket and file group), runs the detector on
 * every new sample, and turns changes of level into alert events. Shared by
 * log, replay and the other watching commands. No I/O, no clock: time comes
 * from the samples. */
#ifndef FDWATCH_TRACK_H
#define FDWATCH_TRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "detect.h"
#include "history.h"
#include "sample.h"

/* Groups tracked per process besides the fd types; when more appear, the
 * smallest is forgotten. */
#define TRACK_MAX_GROUPS 24

struct tsource {
	struct source id;
	struct hseries hs;
	double seen;             /* last time it was non-zero */
};

/* One process as the tracker knows it. */
struct tproc {
	int pid;
	unsigned long long start;
	char *comm;
	long fds, limit;         /* newest known; -1 unknown */
	double first_t, last_t;
	double interval;         /* smoothed time between its samples */
	struct hseries total;
	struct detect_memo memo; /* the detector's, for total */
	struct tsource *src;
	size_t nsrc;
	struct verdict v;        /* the detector's verdict at the newest sample */
	enum alert_level level;  /* the level last announced */
	double held;             /* last time the verdict supported that level */
	double alert_span;       /* window span behind the level */
	unsigned gen;
};

/* One alert event (SPEC "Alert record"). Strings are owned. */
struct alert {
	double time;
	enum alert_level level;
	int pid;
	unsigned long long start;
	char *comm;
	long fds, limit;         /* -1 unknown */
	double rate, eta;        /* NAN unknown */
	struct source src;       /* kind SRC_NONE: unknown */
	const char *why;         /* "growing", "stopped growing", "exited" (static) */
};

struct tracker;

/* Creates a tracker with detector parameters p (copied); caller frees. */
struct tracker *tracker_new(const struct detect_params *p);
void tracker_free(struct tracker *t);
/* Adds one sample: every readable process in it is updated and judged.
 * With sweep, processes absent from s are taken as gone (an alerting one
 * gets an ok event "exited"). */
void tracker_feed(struct tracker *t, const struct sample *s, bool sweep);
/* Takes process (pid, start) as gone at time now (replay knows when a
 * recorded process ended). */
void tracker_drop(struct tracker *t, int pid, unsigned long long start, double now);
/* Moves the pending events to *out (caller frees with alerts_free) and
 * returns how many. */
size_t tracker_take_events(struct tracker *t, struct alert **out);
void alerts_free(struct alert *a, size_t n);
/* The tracked process (pid, start), or NULL. */
const struct tproc *tracker_find(const struct tracker *t, int pid, unsigned long long start);
/* All tracked processes (ascending pid), their count in *n. */
struct tproc *const *tracker_procs(const struct tracker *t, size_t *n);
/* The source that accounts for most of p's growth over [since, until]
 * (copied into out, caller clears with source_clear); kind SRC_NONE when
 * none does. */
void tracker_attribute(const struct tproc *p, double since, double until, double rise,
		       struct source *out);
/* The processes (pid, start) a command was asked to watch with -p, as first
 * seen, so that it can tell when they have all exited even if their pids
 * are reused by new processes. */
struct proc_idset {
	int *pid;
	unsigned long long *start;
	size_t n;
};
/* Remembers every process of s (the first sample) in ids. */
void proc_idset_take(struct proc_idset *ids, const struct sample *s);
/* Is any remembered process still in s (by pid and start time)? */
bool proc_idset_any(const struct proc_idset *ids, const struct sample *s);
void proc_idset_free(struct proc_idset *ids);

/* Bytes of memory the tracker holds for p. */
size_t tproc_bytes(const struct tproc *p);

#endif
