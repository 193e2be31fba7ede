/* history.h - bounded series of one count over time (a process's fds, one
 * fd type, one socket or file group), kept at several resolutions so that
 * both the last few seconds and the last days can be judged.
 *
 * Level k of a series holds HIST_RING buckets of 2^k consecutive samples
 * each; every level is fed every sample (its newest bucket may be partial).
 * A level is created from the one below when that one first wraps, so a
 * series costs HIST_RING buckets per doubling of its length: one hour of
 * 1 s samples uses 8 levels, 8 * 32 * 24 bytes = 6 KiB; a day at 1 s, 13
 * levels (10 KiB); a year at 60 s, 15 levels (11 KiB). */
#ifndef FDWATCH_HISTORY_H
#define FDWATCH_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define HIST_RING 32
#define HIST_LEVELS 40

/* Samples t0..t1 (wall seconds) whose smallest value was min: the floor of
 * the count over that span, which ignores bursts and the peaks of a pool's
 * sawtooth. min is NAN when every sample of the bucket was unknown. */
struct hbucket {
	double t0, t1;
	float min;
	uint32_t n;
};

struct hseries {
	uint64_t n;                   /* samples added */
	int nlevels;                  /* levels allocated */
	struct hbucket *lev[HIST_LEVELS]; /* each HIST_RING buckets */
	double last_t;                /* time of the newest sample */
	float last;                   /* newest value (NAN unknown) */
};

/* Initialises an empty series. */
void hseries_init(struct hseries *s);
/* Frees what a series owns. */
void hseries_free(struct hseries *s);
/* Appends a sample at time t (non-decreasing); v may be NAN (unknown). */
void hseries_add(struct hseries *s, double t, float v);
/* Bytes of memory the series holds. */
size_t hseries_bytes(const struct hseries *s);
/* Number of buckets level k holds now (0 when absent), oldest first via
 * hseries_bucket. */
size_t hseries_level_len(const struct hseries *s, int k);
/* The i-th oldest bucket of level k (i < hseries_level_len). */
const struct hbucket *hseries_bucket(const struct hseries *s, int k, size_t i);
/* Copies the newest m buckets of level k (fewer when it holds fewer) into
 * out, oldest first; returns how many. */
size_t hseries_copy(const struct hseries *s, int k, size_t m, struct hbucket *out);
/* Copies the buckets that overlap [since, now] from the finest level whose
 * buckets reach back to since (or the coarsest, when none does) into out
 * (room for HIST_RING), oldest first. Returns how many; *level gets the
 * level used. */
size_t hseries_window(const struct hseries *s, double since, struct hbucket *out, int *level);
/* The largest bucket floor in [t_a, t_b), from the finest level reaching
 * back to t_a; NAN when none is known. */
float hseries_max_floor(const struct hseries *s, double t_a, double t_b);
/* Time of the oldest sample still held; NAN when empty. */
double hseries_first_time(const struct hseries *s);

#endif
