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
#include "sample.h"

/* Groups tracked per process besides the fd types; when more appear, the
 * smallest is forgotten. */
#define TRACK_MAX_GROUPS 24

/* What runs out (an alert record's "resource"): the process's own
 * RLIMIT_NOFILE, the system's file table, or one user's inotify instances
 * or watches. */
enum resource { RES_NOFILE, RES_FILES_MAX, RES_INOTIFY_INSTANCES, RES_INOTIFY_WATCHES };
/* "nofile", "files-max", "inotify-instances", "inotify-watches" (static). */
const char *resource_name(enum resource r);

/* One alert (the man page's alert record): an event when the level
 * changes, or the tracker's word on a process now. Strings are owned. For
 * a resource beyond the process, fds and limit are its use and limit, pid
 * and comm the process holding most of it (pid 0: none, the system's). */
struct alert {
	double time;
	enum alert_level level;
	enum resource resource;
	long uid;                /* the user of an inotify resource, else -1 */
	char *user;              /* and that user's name */
	unsigned held;           /* what the process pid holds of it */
	int pid;
	unsigned long long start;
	char *comm;
	char *unit, *container;  /* the process's identity, NULL none */
	long fds, limit;         /* -1 unknown */
	double rate, eta;        /* NAN unknown */
	struct source src;       /* kind SRC_NONE: unknown */
	/* "growing", "at its limit", "near its limit", "stopped growing",
	 * "no longer near its limit", "exited" (static) */
	const char *why;
	/* The level comes from the use alone (--crit-use, --warn-use), not
	 * from growth: how long the use has been at or above that threshold
	 * (s; 0 when it just got there). NAN when the level is growth's. */
	double use_for;
	bool by_use;
	/* Adaptive sampling: seconds between the extra samples taken of this
	 * process because its limit is near; 0 when none. */
	double fast;
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
void alert_clear(struct alert *a);
/* The tracker's word on process k now, as an alert (strings owned by out,
 * free with alert_clear): its fds and limit, the level last announced, and
 * while the detector sees growth its rate, ETA and source (else NAN and
 * SRC_NONE), why "growing". Returns false (out zeroed, level ok) when k is
 * not tracked. */
bool tracker_alert(const struct tracker *t, const struct proc_key *k, struct alert *out);
/* How many samples of k the tracker has taken (0 when untracked). */
size_t tracker_samples(const struct tracker *t, const struct proc_key *k);
/* The history of k's fd count (src NULL) or of one of its sources; NULL
 * when untracked or not a tracked source. Owned by the tracker: valid until
 * the next feed. */
const struct hseries *tracker_history(const struct tracker *t, const struct proc_key *k,
				      const struct source *src);
/* The tracker's word on every resource beyond the processes it follows
 * (the system's file table, each user's inotify use), tightest first, in
 * *out (caller frees with alerts_free); returns how many. */
size_t tracker_resources(const struct tracker *t, struct alert **out);

/* Adaptive sampling (the man page's "Adaptive samples"): the processes
 * whose forecast time to their limit (at the detector's rate, or at the
 * rate of their newest samples before it has judged them) is shorter than
 * TRACK_ADAPT_FACTOR intervals of base, growing ones only, in *pids
 * (caller frees); returns how many, and in *interval how often to sample
 * them (base when none): that time over TRACK_ADAPT_FACTOR, at least
 * fastest. Each such process's alerts say so (alert.fast). */
#define TRACK_ADAPT_FACTOR 30.0
size_t tracker_adapt(struct tracker *t, double base, double fastest, int **pids,
		     double *interval);

/* Bytes of memory the tracker holds for its processes; their count in
 * *nprocs. */
size_t tracker_bytes(const struct tracker *t, size_t *nprocs);

/* The processes (pid, start) a command was asked to watch with -p, as first
 * seen, so that it can tell when they have all exited even if their pids
 * are reused by new processes. */
struct proc_idset {
	struct proc_key *key;
	size_t n;
};
/* Remembers every process of s (the first sample) in ids. */
void proc_idset_take(struct proc_idset *ids, const struct sample *s);
/* Is any remembered process still in s (by pid and start time)? */
bool proc_idset_any(const struct proc_idset *ids, const struct sample *s);
void proc_idset_free(struct proc_idset *ids);

#endif
