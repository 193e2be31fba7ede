/* sampler.h - reads /proc (or a fixture tree) and produces samples. The only
 * module, with socktab and the procfs parsers, that touches /proc. */
#ifndef FDWATCH_SAMPLER_H
#define FDWATCH_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "sampler-select.h"

struct sampler_config {
	const char *proc_root;      /* "/proc" unless --proc */
	const struct selection *sel; /* NULL: every process; sampler_new copies
	                             * it, so the caller's may change or go */
	bool no_stsize;             /* never trust stat(fd/).st_size counts */
	bool no_netlink;            /* read the /proc/PID/net files only */
	double reclassify_age;      /* seconds a classification may be reused
	                             * while the count holds; 0 = classify always */
	double idle_every;          /* seconds between the TCP dumps that ask
	                             * each socket's idle time (tcp_info); 0 =
	                             * every dump, < 0 never */
	bool no_peers;              /* do not name the processes at the other
	                             * ends of connections */
};

/* How often a watching command asks the kernel for idle times: the dump
 * that asks costs more per socket (the man page's SAMPLING COST). */
#define SAMPLER_IDLE_EVERY 10.0

/* How long a watching command (log, top, check, run) may reuse a process's
 * classification while its fd count holds still, in seconds. A count that
 * changes always triggers a fresh classification. */
#define SAMPLER_REUSE_AGE 30.0

struct sampler;

/* What the last sampler_take did, for benchmarks and tests of the fast
 * paths. */
struct sampler_stats {
	size_t classified;      /* processes whose fd links were read */
	size_t reused;          /* processes that kept their classification */
	size_t postponed;       /* of those, ones past the reuse age that wait
	                         * for the refresh budget (at most twice the age) */
	size_t netns_netlink;   /* table reads (per namespace) that used netlink */
	size_t netns_procfs;    /* those that read /proc/PID/net only */
	size_t tables_read;     /* tables (TCP, UDP, unix of one namespace) read */
	size_t tables_by_port;  /* TCP dumps filtered by a process's ports */
	unsigned tables_netlink; /* bit (1 << enum sockdiag_table) per table dumped */
	size_t listed;          /* fd/ directories listed (to count or classify) */
	size_t carried;         /* counts carried from an earlier listing */
	size_t relisted;        /* of those, listed again within the sample
	                         * because a neighbour's count changed */
	size_t tables_deferred; /* whole-table reads put off to the table cadence */
	size_t links_read;      /* fd links read to classify */
	size_t links_reused;    /* fds classified from the last classification
	                         * of their process instead */
};

/* Without st_size, a watching sampler lists fd/ of a process whose count
 * held across two listings at most every COUNT_STALE_TICKS samples and
 * COUNT_STALE_MAX seconds, whichever comes first (see the man page's
 * SAMPLING COST). */
#define COUNT_STALE_TICKS 4
#define COUNT_STALE_MAX 5.0

/* Creates a sampler (caller frees with sampler_free). 0 or -errno in *err
 * when the proc root cannot be opened. */
struct sampler *sampler_new(const struct sampler_config *cfg, int *err);
void sampler_free(struct sampler *s);
/* Replaces the pids the sampler selects by a copy of pids[0..n); n == 0
 * selects by the rest of the selection only. */
void sampler_select_pids(struct sampler *s, const int *pids, size_t n);
/* Takes one sample of the selected processes (caller frees). */
struct sample *sampler_take(struct sampler *s);
/* Lists the fds of one process, sockets resolved against the last sample's
 * tables. Returns the number of entries (caller frees with fd_entries_free),
 * or -errno (ESRCH when (pid, start) is gone, EACCES when unreadable). */
long sampler_list_fds(struct sampler *s, int pid, unsigned long long start,
		      struct fd_entry **out);
/* Lists pid and every descendant of it (through each thread's children
 * file, or by parent pids where the kernel keeps none) into *out (caller
 * frees); returns how many. */
size_t sampler_descendants(struct sampler *s, int pid, int **out);
/* Counters of the last sample (owned by s). */
const struct sampler_stats *sampler_stats(const struct sampler *s);

#endif
