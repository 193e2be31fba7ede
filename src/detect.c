/* detect.c - the growth detector (see detect.h for the rules and why). */
#include "config.h"

#include "detect.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define K DETECT_SEGMENTS

void detect_params_default(struct detect_params *p)
{
	p->warn_eta = 7 * 86400.0;
	p->crit_eta = 3600.0;
	p->evidence = 0.5;
	p->min_rise = 3.0;
	p->warn_use = 80.0;
	p->crit_use = 95.0;
}

const char *alert_level_name(enum alert_level l)
{
	switch (l) {
	case LEVEL_WARNING: return "warning";
	case LEVEL_CRITICAL: return "critical";
	default: return "ok";
	}
}

/* Sorts a short array in place (the arrays here hold at most a few dozen). */
static void sort_small(double *v, int n)
{
	for (int i = 1; i < n; i++) {
		double x = v[i];
		int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static double median_sorted(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double detect_theil_sen(const double *t, const double *v, int n)
{
	double slopes[K * (K - 1) / 2 + 1], *heap = NULL, *sl = slopes, r = NAN;
	int ns = 0, cap = (int)(sizeof(slopes) / sizeof(slopes[0]));

	if (n < 2)
		return NAN;
	if (n * (n - 1) / 2 > cap)
		sl = heap = xreallocarray(NULL, (size_t)(n * (n - 1) / 2), sizeof(double));
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (t[j] > t[i])
				sl[ns++] = (v[j] - v[i]) / (t[j] - t[i]);
	if (ns > 0) {
		sort_small(sl, ns);
		r = median_sorted(sl, ns);
	}
	free(heap);
	return r;
}

/* The floor of part j of K equal parts of buckets b[0..m), and its time;
 * false when the part has no known value. */
static bool part_floor(const struct hbucket *b, size_t m, int j, double *f, double *tf)
{
	size_t lo = (size_t)j * m / K, hi = (size_t)(j + 1) * m / K;

	*f = NAN;
	for (size_t i = lo; i < hi; i++) {
		if (isnan(b[i].min))
			continue;
		if (isnan(*f) || b[i].min < *f) {
			*f = b[i].min;
			*tf = (b[i].t0 + b[i].t1) / 2;
		}
	}
	return !isnan(*f);
}

/* Floors of the K parts; the first and last first, since most windows
 * fail on their difference alone. */
static bool window_floors(const struct hbucket *b, size_t m, double min_rise, double *f, double *tf)
{
	if (!part_floor(b, m, 0, &f[0], &tf[0]) || !part_floor(b, m, K - 1, &f[K - 1], &tf[K - 1]) ||
	    !(f[K - 1] - f[0] >= min_rise))
		return false;
	for (int j = 1; j < K - 1; j++)
		if (!part_floor(b, m, j, &f[j], &tf[j]))
			return false;
	return true;
}

/* The scatter of the bucket floors around the trend line through the
 * part floors: the median absolute residual. A leak's floors sit on its
 * line; noise and bursts scatter far from any line. */
static double window_noise(const struct hbucket *b, size_t m, const double *f, const double *tf,
			   double rate)
{
	double c[K], r[HIST_RING], base;
	size_t n = 0;

	for (int j = 0; j < K; j++)
		c[j] = f[j] - rate * (tf[j] - tf[0]);
	sort_small(c, K);
	base = median_sorted(c, K);
	for (size_t i = 0; i < m; i++)
		if (!isnan(b[i].min))
			r[n++] = fabs(b[i].min - (base + rate * ((b[i].t0 + b[i].t1) / 2 - tf[0])));
	if (n == 0)
		return 0;
	sort_small(r, (int)n);
	return median_sorted(r, (int)n);
}

/* Does the newest half of the last part of buckets b[0..m) stand above
 * the half before it by a quarter of what rate would add? */
static bool newest_rises(const struct hbucket *b, size_t m, double rate)
{
	size_t lo = m - m / K, mid = m - m / (2 * K);
	double fa = NAN, fb = NAN, dt;

	if (mid <= lo || mid >= m)
		return true;
	for (size_t i = lo; i < m; i++) {
		double *f = i < mid ? &fa : &fb;

		if (!isnan(b[i].min) && (isnan(*f) || b[i].min < *f))
			*f = b[i].min;
	}
	if (isnan(fa) || isnan(fb))
		return true;
	dt = (b[m - 1].t1 + b[mid].t0) / 2 - (b[mid - 1].t1 + b[lo].t0) / 2;
	return fb - fa >= 0.25 * rate * dt;
}

/* The shape tests on one window; fills rate and rise when they pass. */
static bool window_grows(const struct hbucket *b, size_t m, const struct detect_params *p,
			 double *rate, double *rise_out, double *f0, double *f1)
{
	double f[K], tf[K], rise, r_early, r_late;

	if (m < K || !window_floors(b, m, p->min_rise, f, tf))
		return false;
	rise = f[K - 1] - f[0];
	if (!(rise >= p->min_rise))
		return false;
	/* Every part carries a fair share of the rise: none a half (a step),
	 * none next to nothing (a ramp that started or ended in the window). */
	for (int j = 1; j < K; j++) {
		double d = f[j] - f[j - 1];

		if (d < DETECT_MIN_SHARE * rise / (K - 1) || d > 0.5 * rise)
			return false;
	}
	/* Step by step, a leak's floors seldom fall; noise falls half the time. */
	for (size_t i = 1, ndec = 0, prev = 0; i < m; i++) {
		if (isnan(b[i].min))
			continue;
		if (!isnan(b[prev].min) && b[i].min < b[prev].min && ++ndec > m / DETECT_MAX_FALLS)
			return false;
		prev = i;
	}
	/* Still growing in the last third, and not slowing down. */
	if (!(f[K - 1] > f[K / 2]) || tf[2] <= tf[0] || tf[K - 1] <= tf[K - 3])
		return false;
	r_early = (f[2] - f[0]) / (tf[2] - tf[0]);
	r_late = (f[K - 1] - f[K - 3]) / (tf[K - 1] - tf[K - 3]);
	if (r_late < DETECT_KEEP_PACE * r_early)
		return false;
	/* Nor a sudden start: a ramp of a few samples is a burst or a step
	 * until it has lasted a whole window of its own. */
	if (r_late > DETECT_MAX_SPEEDUP * r_early)
		return false;
	*rate = detect_theil_sen(tf, f, K);
	/* Still rising at the newest end: a fill that levels off inside
	 * the last part (a pool, keep-alive connections reaching their
	 * timeout) has a flat newest half-part. */
	if (!newest_rises(b, m, *rate))
		return false;
	/* The rise must stand well clear of the scatter (bursts, noise). */
	if (rise < DETECT_NOISE_MARGIN * window_noise(b, m, f, tf, *rate))
		return false;
	*rise_out = rise;
	*f0 = f[0];
	*f1 = f[K - 1];
	return *rate > 0;
}

static enum alert_level level_for_eta(double eta, const struct detect_params *p)
{
	if (eta <= p->crit_eta)
		return LEVEL_CRITICAL;
	if (eta <= p->warn_eta)
		return LEVEL_WARNING;
	return LEVEL_OK;
}

/* Shape-tests the last m buckets of level k; fills c when they grow. The
 * result does not depend on the current count or limit, so it can be kept
 * until the level gets a new bucket. */
static bool window_judge(const struct hseries *s, int k, size_t m, const struct detect_params *p,
			 struct detect_cand *c)
{
	struct hbucket w[HIST_RING];
	double rate, rise, f0, f1, span, prior;

	if (hseries_copy(s, k, m, w) != m || !window_grows(w, m, p, &rate, &rise, &f0, &f1))
		return false;
	span = w[m - 1].t1 - w[0].t0;
	/* A rise back to where the series already was is a recovery (a wave,
	 * the refill after a drop), not new growth. */
	prior = hseries_max_floor(s, w[0].t0 - fmax(3 * span, DETECT_LOOKBACK), w[0].t0);
	if (!isnan(prior) && prior > f0 && w[m - 1].min - prior < 0.5 * rise)
		return false;
	c->rate = rate;
	c->rise = rise;
	c->top = f1;
	c->since = w[0].t0;
	c->until = w[m - 1].t1;
	return true;
}

/* Weighs a growing window against the current count and limit, and keeps
 * it in v when it is the most urgent so far. */
static void cand_apply(const struct detect_cand *c, double now, double fds, double limit,
		       const struct detect_params *p, struct verdict *v)
{
	enum alert_level level = LEVEL_OK;
	double eta = NAN;

	if (limit >= 0 && !isnan(limit) && isfinite(fds)) {
		double seen = c->until;

		eta = limit > fds ? (limit - fds) / c->rate : 0;
		/* The growth seen then counts up to now while the count went
		 * on rising (a coarse level is judged again only when it
		 * completes a bucket); a fill that has levelled off since
		 * gains no evidence by waiting. */
		if (now > c->until &&
		    fds >= c->top + 0.5 * c->rate * (now - c->until + (c->until - c->since) / (2 * K)))
			seen = now;
		if (seen - c->since >= p->evidence * eta)
			level = level_for_eta(eta, p);
	}
	if (v->growing && (level < v->level || (level == v->level && !(eta < v->eta))))
		return;
	v->growing = true;
	v->level = level;
	v->rate = c->rate;
	v->eta = eta;
	v->since = c->since;
	v->until = c->until;
	v->rise = c->rise;
}

/* Re-judges the windows of level k into lm. */
static void level_judge(const struct hseries *s, int k, const struct detect_params *p,
			struct detect_level_memo *lm)
{
	static const size_t fine[] = { 12, 16, 20, 24, 28, 32 };
	static const size_t coarse[] = { 16, 20, 24, 28, 32 };
	size_t len = hseries_level_len(s, k);
	const size_t *ms = k ? coarse : fine;
	size_t nm = k ? ARRAY_SIZE(coarse) : ARRAY_SIZE(fine);

	lm->ncand = 0;
	lm->n = s->n;
	for (size_t i = 0; i < nm; i++) {
		/* 32 buckets of level k are 16 of level k+1. */
		if (ms[i] > len || (ms[i] == HIST_RING && k + 1 < s->nlevels))
			continue;
		if (window_judge(s, k, ms[i], p, &lm->cand[lm->ncand]))
			lm->ncand++;
	}
}

void detect_series(const struct hseries *s, double fds, double limit,
		   const struct detect_params *p, struct verdict *v, struct detect_memo *memo)
{
	struct detect_level_memo scratch;

	memset(&scratch, 0, sizeof(scratch));
	memset(v, 0, sizeof(*v));
	v->level = LEVEL_OK;
	v->rate = v->eta = v->since = v->until = NAN;
	if (memo && memo->nlevels < s->nlevels) {
		memo->lev = xreallocarray(memo->lev, (size_t)s->nlevels, sizeof(*memo->lev));
		for (int k = memo->nlevels; k < s->nlevels; k++)
			memo->lev[k].n = UINT64_MAX;
		memo->nlevels = s->nlevels;
	}
	for (int k = 0; k < s->nlevels; k++) {
		struct detect_level_memo *lm = memo ? &memo->lev[k] : &scratch;

		/* A level's windows change when it completes a bucket. */
		if (!memo || lm->n == UINT64_MAX || lm->n > s->n || (s->n & ((1ULL << k) - 1)) == 0)
			level_judge(s, k, p, lm);
		for (int i = 0; i < lm->ncand; i++)
			cand_apply(&lm->cand[i], s->last_t, fds, limit, p, v);
	}
}

void detect_memo_free(struct detect_memo *m)
{
	free(m->lev);
	m->lev = NULL;
	m->nlevels = 0;
}

double detect_rise(const struct hseries *s, double since, double until)
{
	struct hbucket w[HIST_RING];
	double span = until - since, first = NAN, last = NAN;
	int level;
	size_t n = hseries_window(s, since, w, &level);

	if (n == 0 || !(span > 0))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double mid = (w[i].t0 + w[i].t1) / 2;

		if (isnan(w[i].min))
			continue;
		if (mid <= since + span / K && (isnan(first) || w[i].min < first))
			first = w[i].min;
		if (mid >= until - span / K && (isnan(last) || w[i].min < last))
			last = w[i].min;
	}
	if (isnan(first) && hseries_first_time(s) > since + span / K)
		first = 0; /* the group appeared inside the window */
	if (isnan(first) || isnan(last))
		return NAN;
	return last - first;
}

/* The floors (times and minima) of the newest finest buckets of hs into
 * t and y, oldest first: how many. */
static size_t recent_floors(const struct hseries *hs, double *t, double *y)
{
	size_t n = hseries_level_len(hs, 0), k = 0;

	for (size_t i = 0; i < n && k < HIST_RING; i++) {
		const struct hbucket *b = hseries_bucket(hs, 0, i);

		if (isnan(b->min))
			continue;
		t[k] = b->t1;
		y[k] = b->min;
		k++;
	}
	return k;
}

double detect_recent_rate(const struct hseries *hs)
{
	double t[HIST_RING], y[HIST_RING];
	size_t k = recent_floors(hs, t, y);

	if (k < DETECT_RECENT_MIN)
		return NAN;
	return detect_theil_sen(t, y, (int)k);
}

double detect_refill_rate(const struct hseries *hs)
{
	double t[HIST_RING], y[HIST_RING];
	size_t k = recent_floors(hs, t, y), lo = 0;

	/* the newest lowest point: where the last drop ended */
	for (size_t i = 1; i < k; i++)
		if (y[i] <= y[lo])
			lo = i;
	if (k - lo < DETECT_RECENT_MIN)
		return NAN;
	return detect_theil_sen(t + lo, y + lo, (int)(k - lo));
}
