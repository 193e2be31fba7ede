/* metrics.h - renders a sample (and, when known, each process's growth) in
 * the Prometheus text exposition format, and writes a node_exporter textfile
 * atomically. The renderer never reads /proc. */
#ifndef FDWATCH_METRICS_H
#define FDWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "track.h"
#include "util.h"

struct metrics_input {
	const struct sample *s;
	/* NULL, or s->nprocs verdicts aligned with s->procs (--state given):
	 * the tracker's word on each process (tracker_alert); pid 0 where
	 * there is no verdict yet (too little history). */
	const struct alert *verdicts;
	/* With verdicts: the tracker's word on the system limits
	 * (tracker_resources). */
	const struct alert *limits;
	size_t nlimits;
	double sample_seconds;  /* time the sample took; NAN unknown */
	long top_k;             /* socket series per process (>= 1) */
	long max_procs;         /* processes with per-process series */
	long min_fds;           /* none for processes with fewer open fds */
	/* The history's health: -1 no history kept, 0 sound, 1 the state file
	 * was damaged and set aside (the history restarted). */
	int state_damaged;
};

/* Appends the whole exposition for in to out: every family with its HELP
 * and TYPE lines; per-process series, labelled pid, comm, and unit and
 * container where known, for the max_procs most urgent processes with at
 * least min_fds fds (alert level, then use of the limit, then growth,
 * then fds); socket series bounded to the top_k largest groups per
 * process (the rest summed in fdwatch_process_sockets_omitted); per-unit
 * and per-container aggregates over every process; with growth, the
 * growing source of each alerting process; the build and self-health
 * series last, fdwatch_sample_duration_seconds the very last line. */
void metrics_render(struct buf *out, const struct metrics_input *in);

/* Appends v as a Prometheus sample value ("NaN", "+Inf" for non-finite). */
void metrics_value(struct buf *out, double v);

#endif
