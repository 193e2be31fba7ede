/* state.h - the history file of `check` and `metrics --state`: per-process
 * series of reduced sample records, kept between runs, locked, replaced
 * atomically, bounded in time and size, and set aside when damaged.
 *
 * Format: a first line "fdwatch-state VERSION", then one JSON object per
 * line, a sample record (the man page's RECORDS section) reduced to time, pid, start, comm, fds, limit
 * and, when useful to name a growing source, types, the largest socket
 * groups and file directories. */
#ifndef FDWATCH_STATE_H
#define FDWATCH_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "util.h"

#define STATE_VERSION 1
/* Records older than this (seconds before the newest) are dropped. */
#define STATE_MAX_AGE (48.0 * 3600)
/* A process absent from the newest sample for this long is dropped. */
#define STATE_GONE_AGE 3600.0
/* A state file larger than this is not fdwatch's: it is set aside. */
#define STATE_MAX_BYTES (256 << 20)
/* Socket groups and file directories kept per record. */
#define STATE_GROUPS 3

/* One process at one time: a reduced copy of a proc_sample. */
struct state_rec {
	double time;
	struct proc_sample p;
};

/* The series of one process (pid, start), oldest first. */
struct state_proc {
	int pid;
	unsigned long long start;
	struct state_rec *recs;
	size_t n, cap;
};

struct state {
	char *path;             /* the state file */
	int lock_fd;            /* held flock on PATH.lock, -1 when none */
	struct state_proc *procs; /* ascending (pid, start) */
	size_t nprocs;
	bool set_aside;         /* a damaged file was moved away on load */
};

/* The default state path (the man page's FILES section): /var/lib/fdwatch/state for root, else
 * $XDG_STATE_HOME/fdwatch/state (~/.local/state when unset). Caller frees;
 * NULL when no home directory is known. */
char *state_default_path(void);

/* Opens the state at path (NULL = default): creates missing directories
 * 0700, takes an exclusive lock that serialises concurrent runs, and loads
 * the history. A damaged or foreign file is renamed PATH.corrupt-TIMESTAMP
 * with a warning and the history starts empty, as is one larger than
 * STATE_MAX_BYTES. As root a symlink at the path is refused; the
 * directory's symbolic links are resolved, and the file, its directory and
 * every directory above it must be this user's or root's and writable by
 * nobody else (-EPERM). A FIFO or other special file there is refused
 * without blocking. A capability copy opens it with its caller's rights.
 * Returns 0 and *out (free with state_close), or -errno after printing
 * why. */
int state_open(const char *path, struct state **out);

/* Parses state text into st (which must be empty). Returns 0, or -EINVAL
 * with a reason in why (file:line style, caller-sized) for a damaged or
 * foreign file. Exposed for the unit tests. */
int state_parse(struct state *st, const char *text, size_t len, char *why, size_t nwhy);

/* Appends one record per process of s to the history. */
void state_add_sample(struct state *st, const struct sample *s);

/* Bounds the history as of time now: drops old records and long-gone
 * processes, thins each series logarithmically with age. */
void state_thin(struct state *st, double now);

/* Appends the file text of st (header and records) to out. */
void state_format(const struct state *st, struct buf *out);

/* Thins and writes the history: temp file in the same directory (0600),
 * fsync, rename, fsync of the directory. Returns 0 or -errno. */
int state_save(struct state *st);

/* Finds the series of (pid, start); NULL if absent. */
const struct state_proc *state_find(const struct state *st, int pid, unsigned long long start);

/* Number of records held. */
size_t state_count(const struct state *st);

/* Calls fn for every record in time order (ties by pid). */
void state_each(const struct state *st, void (*fn)(const struct state_rec *r, void *ctx), void *ctx);

/* Calls fn with the whole history in time order, one sample per distinct
 * time: a shallow view that is valid only during the call (copy what you
 * keep). Thinning leaves gaps that are not exits: do not sweep. */
void state_each_sample(const struct state *st, void (*fn)(const struct sample *s, void *ctx),
		       void *ctx);

/* Time of the oldest record; NAN when empty. */
double state_oldest(const struct state *st);

/* Opens the state at path, adds s and saves it: what check and metrics
 * --state do on every run. Returns 0 and *out with the lock released
 * (free with state_close), or -errno after printing why. */
int state_record(const char *path, const struct sample *s, struct state **out);

/* Releases the lock early (the history stays in memory). */
void state_unlock(struct state *st);

/* Releases the lock and frees st (NULL is fine). */
void state_close(struct state *st);

/* Frees the history held in st without touching its file or lock. */
void state_clear(struct state *st);

#endif
