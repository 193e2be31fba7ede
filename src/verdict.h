/* verdict.h - the one verdict path from samples to alerts for the commands
 * that judge a history kept between runs (check, metrics --state) and for
 * every renderer that lists alerting processes: the tracker is built from
 * the options' detector parameters and fed by the command, never by the
 * store. */
#ifndef FDWATCH_VERDICT_H
#define FDWATCH_VERDICT_H

#include <stddef.h>

#include "options.h"
#include "sample.h"
#include "track.h"

/* What judging a kept history found. */
struct verdict_history {
	struct tracker *tr;   /* fed with the whole history, s included */
	double oldest;        /* time of the oldest record kept; NAN none */
	bool set_aside;       /* the state file was damaged and set aside */
};

/* Adds sample s to the history in the state file (o->state_path, NULL for
 * the default), then feeds the whole kept history, in time order, to a new
 * tracker with o->detect. Returns 0 and fills h (free with
 * verdict_history_free), or -errno after printing why. */
int verdict_from_state(const struct options *o, const struct sample *s,
		       struct verdict_history *h);
void verdict_history_free(struct verdict_history *h);

/* The tracker's word on every process of s, aligned with s->procs (pid 0
 * where the tracker holds fewer than min_samples samples of it). Caller
 * frees with alerts_free(a, s->nprocs). */
struct alert *verdict_each(const struct tracker *tr, const struct sample *s, size_t min_samples);

/* The processes of s and the system limits the tracker holds at warning
 * or critical, as alerts in *out, most urgent first (critical, then the
 * nearest limit, then pid). Caller frees with alerts_free. Returns how
 * many; *ncrit of them critical. */
size_t verdict_alerting(const struct tracker *tr, const struct sample *s, struct alert **out,
			size_t *ncrit);

#endif
