/* state.c - the history kept between runs of `check` (and `metrics
 * --state`): per-process series of reduced records, bounded and thinned
 * with age, and their text form. The file itself (locking, loading,
 * atomic replacement) is state-file.c. */
#include "config.h"

#include "state.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "record.h"
#include "util.h"

/* Per process, the newest records kept whatever their spacing, so that
 * checks run close together (or at the same time) lose no sample. */
#define STATE_KEEP_NEWEST 16
/* Older records are thinned to about K per doubling of their age: dense
 * when recent, logarithmically sparser with age. A process whose fd count
 * never moved needs few points. */
#define STATE_THIN_K 16.0
#define STATE_THIN_K_FLAT 2.0

static const char state_magic[] = "fdwatch-state";

static int cmp_proc_key(int pid, unsigned long long start, const struct state_proc *sp)
{
	struct proc_key a = { pid, start }, b = { sp->pid, sp->start };

	return proc_key_cmp(&a, &b);
}

/* Binary search: the index of (pid, start), or where it would go. */
static size_t find_slot(const struct state *st, int pid, unsigned long long start, bool *found)
{
	size_t lo = 0, hi = st->nprocs;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_proc_key(pid, start, &st->procs[mid]);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct state_proc *state_find(const struct state *st, int pid, unsigned long long start)
{
	bool found;
	size_t i = find_slot(st, pid, start, &found);

	return found ? &st->procs[i] : NULL;
}

static struct state_proc *get_proc(struct state *st, int pid, unsigned long long start)
{
	bool found;
	size_t i = find_slot(st, pid, start, &found);

	if (found)
		return &st->procs[i];
	st->procs = xreallocarray(st->procs, st->nprocs + 1, sizeof(*st->procs));
	memmove(&st->procs[i + 1], &st->procs[i], (st->nprocs - i) * sizeof(*st->procs));
	st->nprocs++;
	memset(&st->procs[i], 0, sizeof(st->procs[i]));
	st->procs[i].pid = pid;
	st->procs[i].start = start;
	return &st->procs[i];
}

/* Inserts r (taken over) in time order; records usually arrive newest. */
static void proc_insert(struct state_proc *sp, struct state_rec *r)
{
	size_t i = sp->n;

	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? sp->cap * 2 : 8;
		sp->recs = xreallocarray(sp->recs, sp->cap, sizeof(*sp->recs));
	}
	while (i > 0 && sp->recs[i - 1].time > r->time)
		i--;
	memmove(&sp->recs[i + 1], &sp->recs[i], (sp->n - i) * sizeof(*sp->recs));
	sp->recs[i] = *r;
	sp->n++;
}

/* Keeps what naming a source needs: the largest groups, not the user. */
static void reduce(struct proc_sample *dst, const struct proc_sample *src)
{
	struct proc_sample tmp = *src;

	tmp.user = NULL;
	tmp.nsocks = src->nsocks < STATE_GROUPS ? src->nsocks : STATE_GROUPS;
	tmp.nfiles = src->nfiles < STATE_GROUPS ? src->nfiles : STATE_GROUPS;
	if (!src->classified)
		tmp.nsocks = tmp.nfiles = 0;
	proc_sample_copy(dst, &tmp);
}

void state_add_sample(struct state *st, const struct sample *s)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		struct state_rec r;

		memset(&r, 0, sizeof(r));
		r.time = s->time;
		reduce(&r.p, p);
		proc_insert(get_proc(st, p->pid, p->start), &r);
	}
}

size_t state_count(const struct state *st)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nprocs; i++)
		n += st->procs[i].n;
	return n;
}

static void proc_free(struct state_proc *sp)
{
	for (size_t k = 0; k < sp->n; k++)
		proc_sample_clear(&sp->recs[k].p);
	free(sp->recs);
	memset(sp, 0, sizeof(*sp));
}

void state_clear(struct state *st)
{
	for (size_t i = 0; i < st->nprocs; i++)
		proc_free(&st->procs[i]);
	free(st->procs);
	st->procs = NULL;
	st->nprocs = 0;
}

/* A process whose fd count moved less than this over its whole history
 * cannot show a leak to the detector (its smallest rise is 3 fds). */
#define STATE_FLAT_RANGE 3

static bool proc_flat(const struct state_proc *sp)
{
	long lo = sp->n ? sp->recs[0].p.fds : 0, hi = lo;

	for (size_t k = 1; k < sp->n; k++) {
		if (sp->recs[k].p.fds < lo)
			lo = sp->recs[k].p.fds;
		if (sp->recs[k].p.fds > hi)
			hi = sp->recs[k].p.fds;
	}
	return hi - lo < STATE_FLAT_RANGE;
}

static void thin_proc(struct state_proc *sp, double now)
{
	bool flat = proc_flat(sp);
	double k = flat ? STATE_THIN_K_FLAT : STATE_THIN_K;
	double prev_w = 0, prev_bucket = 0;
	size_t w, first = 0;
	bool *keep;

	while (first < sp->n && sp->recs[first].time < now - STATE_MAX_AGE)
		first++;
	keep = xcalloc(sp->n ? sp->n : 1, sizeof(*keep));
	for (size_t i = sp->n; i-- > first;) {
		double age = now - sp->recs[i].time, width, bucket;

		if (i + STATE_KEEP_NEWEST >= sp->n || age <= 0) {
			keep[i] = true;
			continue;
		}
		/* Buckets aligned on absolute time, a power of two seconds wide
		 * between age/k and 2 age/k: as records age, buckets merge in
		 * pairs, so what one run keeps the next keeps or halves, and
		 * every run keeps about k records per doubling of age. */
		width = exp2(ceil(log2(age / k)));
		bucket = floor(sp->recs[i].time / width);
		if (islessgreater(width, prev_w) || islessgreater(bucket, prev_bucket))
			keep[i] = true; /* the newest record of its bucket */
		prev_w = width;
		prev_bucket = bucket;
	}
	w = 0;
	for (size_t i = 0; i < sp->n; i++) {
		if (keep[i])
			sp->recs[w++] = sp->recs[i];
		else
			proc_sample_clear(&sp->recs[i].p);
	}
	sp->n = w;
	free(keep);
	/* A process that never moved needs no source: keep groups only on
	 * its newest record. */
	if (flat)
		for (size_t i = 0; i + 1 < sp->n; i++)
			proc_sample_unclassify(&sp->recs[i].p);
}

void state_thin(struct state *st, double now)
{
	size_t w = 0;

	for (size_t i = 0; i < st->nprocs; i++) {
		struct state_proc *sp = &st->procs[i];

		if (sp->n)
			thin_proc(sp, now);
		if (sp->n == 0 || sp->recs[sp->n - 1].time < now - STATE_GONE_AGE) {
			proc_free(sp);
			continue;
		}
		st->procs[w++] = *sp;
	}
	st->nprocs = w;
}

void state_format(const struct state *st, struct buf *out)
{
	buf_addf(out, "%s %d\n", state_magic, STATE_VERSION);
	for (size_t i = 0; i < st->nprocs; i++)
		for (size_t k = 0; k < st->procs[i].n; k++)
			record_proc_json(out, st->procs[i].recs[k].time, &st->procs[i].recs[k].p);
}

int state_parse(struct state *st, const char *text, size_t len, char *why, size_t nwhy)
{
	const char *line = text, *end = text + len;
	char header[64];
	size_t lineno = 1;
	int version;

	if (len == 0)
		return 0;
	{
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		char extra;

		snprintf(header, sizeof(header), "%.*s", (int)(n < 63 ? n : 63), text);
		if (!nl || sscanf(header, "fdwatch-state %d%c", &version, &extra) != 1) {
			snprintf(why, nwhy, "line 1: not an fdwatch state file");
			return -EINVAL;
		}
		if (version != STATE_VERSION) {
			snprintf(why, nwhy, "line 1: state format version %d, this fdwatch "
				 "reads version %d", version, STATE_VERSION);
			return -EINVAL;
		}
		line = nl + 1;
	}
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		struct state_rec r;
		const char *bad;

		lineno++;
		if (!nl) {
			snprintf(why, nwhy, "line %zu: cut short (no newline at the end)", lineno);
			return -EINVAL;
		}
		memset(&r, 0, sizeof(r));
		bad = record_parse_line(line, n, true, &r.time, &r.p);
		if (bad) {
			proc_sample_clear(&r.p);
			snprintf(why, nwhy, "line %zu: not a sample record: %s", lineno, bad);
			return -EINVAL;
		}
		proc_insert(get_proc(st, r.p.pid, r.p.start), &r);
		line = nl + 1;
	}
	return 0;
}

struct rec_ref {
	const struct state_rec *r;
};

/* Time order, ties by process. */
static int cmp_rec_ref(const void *a, const void *b)
{
	const struct state_rec *x = ((const struct rec_ref *)a)->r;
	const struct state_rec *y = ((const struct rec_ref *)b)->r;
	struct proc_key kx = { x->p.pid, x->p.start }, ky = { y->p.pid, y->p.start };

	if (isless(x->time, y->time) || isgreater(x->time, y->time))
		return isless(x->time, y->time) ? -1 : 1;
	return proc_key_cmp(&kx, &ky);
}

/* Every record of st in time order (caller frees); their count in *n. */
static struct rec_ref *sorted_records(const struct state *st, size_t *n)
{
	struct rec_ref *refs;
	size_t k = 0;

	*n = state_count(st);
	refs = xcalloc(*n ? *n : 1, sizeof(*refs));
	for (size_t i = 0; i < st->nprocs; i++)
		for (size_t j = 0; j < st->procs[i].n; j++)
			refs[k++].r = &st->procs[i].recs[j];
	qsort(refs, *n, sizeof(*refs), cmp_rec_ref);
	return refs;
}

void state_each(const struct state *st, void (*fn)(const struct state_rec *r, void *ctx), void *ctx)
{
	size_t n;
	struct rec_ref *refs = sorted_records(st, &n);

	for (size_t i = 0; i < n; i++)
		fn(refs[i].r, ctx);
	free(refs);
}

void state_each_sample(const struct state *st, void (*fn)(const struct sample *s, void *ctx),
		       void *ctx)
{
	size_t n;
	struct rec_ref *refs = sorted_records(st, &n);
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.procs = xcalloc(st->nprocs ? st->nprocs : 1, sizeof(*s.procs));
	for (size_t i = 0; i < n;) {
		size_t j = i;

		/* A shallow view of the records of one time. */
		s.time = refs[i].r->time;
		s.nprocs = 0;
		for (; j < n && !isgreater(refs[j].r->time, s.time); j++)
			if (s.nprocs < st->nprocs)
				s.procs[s.nprocs++] = refs[j].r->p;
		fn(&s, ctx);
		i = j;
	}
	free(s.procs);
	free(refs);
}

double state_oldest(const struct state *st)
{
	double t = NAN;

	for (size_t i = 0; i < st->nprocs; i++)
		if (st->procs[i].n && (isnan(t) || st->procs[i].recs[0].time < t))
			t = st->procs[i].recs[0].time;
	return t;
}
