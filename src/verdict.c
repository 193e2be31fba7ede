/* verdict.c - from samples and kept history to alerts (verdict.h). */
#include "config.h"

#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

static void feed(const struct sample *s, void *ctx)
{
	tracker_feed(ctx, s, false);
}

int verdict_from_state(const struct options *o, const struct sample *s,
		       struct verdict_history *h)
{
	struct state *st;
	int err = state_record(o->state_path, s, &st);

	memset(h, 0, sizeof(*h));
	if (err < 0)
		return err;
	h->tr = tracker_new(&o->detect);
	state_each_sample(st, feed, h->tr);
	/* The history keeps processes only: the system's limits are judged
	 * from s alone. Its processes are the history's newest already; fed
	 * again (at the unrounded time, a fraction of a millisecond later)
	 * they would add a point no later check sees, so that a verdict at
	 * its threshold could be raised by one check and not by the next. */
	if (s->sys.valid) {
		struct sample sys_only = *s;

		sys_only.procs = NULL;
		sys_only.nprocs = 0;
		tracker_feed(h->tr, &sys_only, false);
	}
	h->oldest = state_oldest(st);
	h->set_aside = st->set_aside;
	state_close(st);
	return 0;
}

void verdict_history_free(struct verdict_history *h)
{
	tracker_free(h->tr);
	memset(h, 0, sizeof(*h));
}

struct alert *verdict_each(const struct tracker *tr, const struct sample *s, size_t min_samples)
{
	struct alert *a = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*a));

	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc_key k = { s->procs[i].pid, s->procs[i].start };

		if (tracker_samples(tr, &k) < min_samples || !tracker_alert(tr, &k, &a[i]))
			alert_clear(&a[i]);
	}
	return a;
}

/* Most urgent first: the higher level, then the nearer limit, then pid. */
static int cmp_urgency(const void *pa, const void *pb)
{
	const struct alert *x = pa, *y = pb;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (isnan(x->eta) != isnan(y->eta))
		return isnan(x->eta) ? 1 : -1;
	if (isless(x->eta, y->eta) || isgreater(x->eta, y->eta))
		return isless(x->eta, y->eta) ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

size_t verdict_alerting(const struct tracker *tr, const struct sample *s, struct alert **out,
			size_t *ncrit)
{
	struct alert *a = verdict_each(tr, s, 1);
	size_t n = 0;

	*ncrit = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		if (a[i].pid == 0 || a[i].level == LEVEL_OK) {
			alert_clear(&a[i]);
			continue;
		}
		if (a[i].level == LEVEL_CRITICAL)
			(*ncrit)++;
		a[n++] = a[i];
	}
	{
		struct alert *r;
		size_t nr = tracker_resources(tr, &r);

		for (size_t i = 0; i < nr; i++) {
			if (r[i].level == LEVEL_OK) {
				alert_clear(&r[i]);
				continue;
			}
			if (r[i].level == LEVEL_CRITICAL)
				(*ncrit)++;
			a = xreallocarray(a, n + 1, sizeof(*a));
			a[n++] = r[i];
		}
		free(r);
	}
	qsort(a, n, sizeof(*a), cmp_urgency);
	*out = a;
	return n;
}
