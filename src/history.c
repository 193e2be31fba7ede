/* history.c - multi-resolution bounded series (see history.h). */
#include "config.h"

#include "history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void hseries_init(struct hseries *s)
{
	memset(s, 0, sizeof(*s));
	s->last = NAN;
	s->last_t = NAN;
}

void hseries_free(struct hseries *s)
{
	for (int k = 0; k < s->nlevels; k++)
		free(s->lev[k]);
	hseries_init(s);
}

static void bucket_merge(struct hbucket *into, const struct hbucket *b)
{
	if (into->n == 0) {
		*into = *b;
		return;
	}
	into->t1 = b->t1;
	if (isnan(into->min) || (!isnan(b->min) && b->min < into->min))
		into->min = b->min;
	into->n += b->n;
}

/* Builds level k from level k-1 when k-1 is about to wrap for the first
 * time: then k-1 holds bucket ids 0..HIST_RING-1, which pair up exactly. */
static void level_create(struct hseries *s, int k)
{
	struct hbucket *up = xcalloc(HIST_RING, sizeof(*up));
	const struct hbucket *down = s->lev[k - 1];

	for (int j = 0; j < HIST_RING / 2; j++) {
		bucket_merge(&up[j], &down[2 * j]);
		bucket_merge(&up[j], &down[2 * j + 1]);
	}
	s->lev[k] = up;
	s->nlevels = k + 1;
}

void hseries_add(struct hseries *s, double t, float v)
{
	uint64_t i = s->n;

	if (s->nlevels == 0) {
		s->lev[0] = xcalloc(HIST_RING, sizeof(struct hbucket));
		s->nlevels = 1;
	}
	if (s->nlevels < HIST_LEVELS) {
		int top = s->nlevels - 1;

		if ((i >> top) == HIST_RING && (i & ((1ULL << top) - 1)) == 0)
			level_create(s, top + 1);
	}
	for (int k = 0; k < s->nlevels; k++) {
		struct hbucket *b = &s->lev[k][(i >> k) % HIST_RING];

		if ((i & ((1ULL << k) - 1)) == 0) {
			b->t0 = b->t1 = t;
			b->min = v;
			b->n = 1;
		} else {
			b->t1 = t;
			if (isnan(b->min) || (!isnan(v) && v < b->min))
				b->min = v;
			b->n++;
		}
	}
	s->n++;
	s->last = v;
	s->last_t = t;
}

size_t hseries_bytes(const struct hseries *s)
{
	return sizeof(*s) + (size_t)s->nlevels * HIST_RING * sizeof(struct hbucket);
}

size_t hseries_level_len(const struct hseries *s, int k)
{
	uint64_t nb;

	if (k < 0 || k >= s->nlevels || s->n == 0)
		return 0;
	nb = ((s->n - 1) >> k) + 1;
	return nb < HIST_RING ? (size_t)nb : HIST_RING;
}

const struct hbucket *hseries_bucket(const struct hseries *s, int k, size_t i)
{
	uint64_t head = (s->n - 1) >> k;
	uint64_t id = head - hseries_level_len(s, k) + 1 + i;

	return &s->lev[k][id % HIST_RING];
}

size_t hseries_copy(const struct hseries *s, int k, size_t m, struct hbucket *out)
{
	size_t len = hseries_level_len(s, k);
	uint64_t id;

	if (m > len)
		m = len;
	if (m == 0)
		return 0;
	id = ((s->n - 1) >> k) - m + 1;
	for (size_t i = 0; i < m; i++)
		out[i] = s->lev[k][(id + i) % HIST_RING];
	return m;
}

/* The finest level whose oldest bucket starts at or before since. */
static int level_for(const struct hseries *s, double since)
{
	for (int k = 0; k < s->nlevels; k++) {
		size_t len = hseries_level_len(s, k);

		if (len && hseries_bucket(s, k, 0)->t0 <= since)
			return k;
	}
	return s->nlevels - 1;
}

size_t hseries_window(const struct hseries *s, double since, struct hbucket *out, int *level)
{
	int k;
	size_t len, n = 0;

	*level = 0;
	if (s->n == 0)
		return 0;
	k = level_for(s, since);
	len = hseries_level_len(s, k);
	for (size_t i = 0; i < len; i++) {
		const struct hbucket *b = hseries_bucket(s, k, i);

		if (b->t1 >= since)
			out[n++] = *b;
	}
	*level = k;
	return n;
}

float hseries_max_floor(const struct hseries *s, double t_a, double t_b)
{
	float best = NAN;
	int k;
	size_t len;

	if (s->n == 0)
		return NAN;
	k = level_for(s, t_a);
	len = hseries_level_len(s, k);
	for (size_t i = 0; i < len; i++) {
		const struct hbucket *b = hseries_bucket(s, k, i);

		if (b->t1 < t_a || b->t0 >= t_b || isnan(b->min))
			continue;
		if (isnan(best) || b->min > best)
			best = b->min;
	}
	return best;
}

double hseries_first_time(const struct hseries *s)
{
	if (s->n == 0)
		return NAN;
	return hseries_bucket(s, s->nlevels - 1, 0)->t0;
}
