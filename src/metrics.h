/* metrics.h - renders a sample (and, when known, each process's growth) in
 * the Prometheus text exposition format, and writes a node_exporter textfile
 * atomically. The renderer never reads /proc. */
#ifndef FDWATCH_METRICS_H
#define FDWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "util.h"

/* What the history says about one process; known false when there is no
 * verdict yet (too little history). rate is fds per second, eta seconds
 * until the limit (NAN when no limit or no growth), level 0 ok, 1 warning,
 * 2 critical. */
struct metrics_growth {
	bool known;
	double rate;
	double eta;
	int level;
	/* What grows, when the detector names it (has_source): the fd type
	 * ("socket", "file", ...), for sockets proto, direction, endpoint and
	 * state, for files the directory; NULL when not applicable. Borrowed. */
	bool has_source;
	const char *type, *proto, *direction, *endpoint, *state, *dir;
};

struct metrics_input {
	const struct sample *s;
	/* NULL, or s->nprocs entries aligned with s->procs (--state given). */
	const struct metrics_growth *growth;
	double scrape_seconds;  /* time the sample took; NAN unknown */
	long top_k;             /* socket series per process (>= 1) */
};

/* Appends the whole exposition for in to out: every family with its HELP
 * and TYPE lines, per-process series labelled pid and comm, socket series
 * bounded to the top_k largest groups per process (the rest summed in
 * fdwatch_process_sockets_omitted); with growth, the growing source of
 * each alerting process as fdwatch_process_growth_source (value 1). */
void metrics_render(struct buf *out, const struct metrics_input *in);

/* Appends v as a Prometheus sample value ("NaN", "+Inf" for non-finite). */
void metrics_value(struct buf *out, double v);

#endif
