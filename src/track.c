/* track.c - per-process history, detection and alert events (track.h). */
#include "config.h"

#include "track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "util.h"

struct tsource {
	struct source id;
	struct hseries hs;
	double seen;             /* last time it was non-zero */
};

/* One process as the tracker knows it. */
struct tproc {
	struct proc_key key;
	char *comm;
	char *unit, *container;  /* newest known, NULL none */
	long fds, limit;         /* newest known; -1 unknown */
	double first_t, last_t;
	double interval;         /* smoothed time between its samples */
	struct hseries total;
	struct detect_memo memo; /* the detector's, for total */
	struct tsource *src;
	size_t nsrc;
	struct verdict v;        /* the detector's verdict at the newest sample */
	enum alert_level level;  /* the level last announced */
	double held;             /* last time the verdict supported that level */
	double alert_span;       /* window span behind the level */
	unsigned gen;
	enum resource resource;  /* RES_NOFILE for a process; else the key is
	                          * (-resource, uid) */
	long uid;                /* inotify resources: their user, else -1 */
	char *user;
	int holder;              /* the process holding most of it, 0 none */
	unsigned long long holder_start;
	unsigned holder_count;   /* and how much */
	/* Since when (s) the use has been at or above --warn-use and
	 * --crit-use without a break; NAN while below. */
	double warn_since, crit_since;
	bool by_use;             /* the level announced is the use's, not growth's */
	double fast;             /* adaptive sampling: its extra interval, 0 none */
};

struct tracker {
	struct detect_params params;
	struct tproc **procs;    /* sorted by (pid, start) */
	size_t nprocs, cap;
	struct alert *ev;
	size_t nev, evcap;
	unsigned gen;
	unsigned *marks;         /* scratch for tproc_update */
	size_t nmarks;
	double base_time;        /* of the last sample that was not extra */
	double base_gap;         /* between those samples (smoothed), 0 unknown */
};

/* Samples of slack before a lower level is announced, at the least. */
#define HOLD_SAMPLES 5
/* ... and this fraction of the window that raised the level. */
#define HOLD_FRACTION 0.25

struct tracker *tracker_new(const struct detect_params *p)
{
	struct tracker *t = xcalloc(1, sizeof(*t));

	t->params = *p;
	return t;
}

static void tproc_free(struct tproc *p)
{
	hseries_free(&p->total);
	detect_memo_free(&p->memo);
	for (size_t i = 0; i < p->nsrc; i++) {
		source_clear(&p->src[i].id);
		hseries_free(&p->src[i].hs);
	}
	free(p->src);
	free(p->comm);
	free(p->unit);
	free(p->container);
	free(p->user);
	free(p);
}

const char *resource_name(enum resource r)
{
	static const char *const names[] = {
		"nofile", "files-max", "inotify-instances", "inotify-watches",
	};

	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "nofile";
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprocs; i++)
		tproc_free(t->procs[i]);
	free(t->procs);
	free(t->marks);
	alerts_free(t->ev, t->nev);
	free(t);
}

void alert_clear(struct alert *a)
{
	free(a->comm);
	free(a->unit);
	free(a->container);
	free(a->user);
	source_clear(&a->src);
	memset(a, 0, sizeof(*a));
}

void alerts_free(struct alert *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		alert_clear(&a[i]);
	free(a);
}

/* Index of k, or of where it would go (*found false). */
static size_t proc_index(const struct tracker *t, const struct proc_key *k, bool *found)
{
	size_t lo = 0, hi = t->nprocs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = proc_key_cmp(k, &t->procs[mid]->key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static const struct tproc *proc_find(const struct tracker *t, const struct proc_key *k)
{
	bool found;
	size_t i = proc_index(t, k, &found);

	return found ? t->procs[i] : NULL;
}

static size_t tproc_bytes(const struct tproc *p)
{
	size_t n = sizeof(*p) + hseries_bytes(&p->total) - sizeof(p->total) +
		   (size_t)p->memo.nlevels * sizeof(*p->memo.lev);

	for (size_t i = 0; i < p->nsrc; i++)
		n += sizeof(p->src[i]) + hseries_bytes(&p->src[i].hs) - sizeof(p->src[i].hs);
	return n;
}

/* The series for source id, created (or recycled from the smallest group)
 * when absent; NULL when the group table is full of larger groups. */
static struct tsource *source_get(struct tproc *p, const struct source *id, float v, double now)
{
	size_t ngroups = 0, small = SIZE_MAX;
	struct tsource *ts;

	for (size_t i = 0; i < p->nsrc; i++) {
		if (source_match(&p->src[i].id, id))
			return &p->src[i];
		if (p->src[i].id.kind != SRC_TYPE) {
			ngroups++;
			if (small == SIZE_MAX || !(p->src[i].hs.last >= p->src[small].hs.last))
				small = i;
		}
	}
	if (id->kind != SRC_TYPE && ngroups >= TRACK_MAX_GROUPS) {
		if (small == SIZE_MAX || p->src[small].hs.last > v)
			return NULL;
		ts = &p->src[small];
		source_clear(&ts->id);
		hseries_free(&ts->hs);
	} else {
		p->src = xreallocarray(p->src, p->nsrc + 1, sizeof(*p->src));
		ts = &p->src[p->nsrc++];
	}
	source_copy(&ts->id, id);
	hseries_init(&ts->hs);
	ts->seen = now;
	return ts;
}

/* Adds this sample's count of one source; a source listed twice in one
 * sample (damaged input) counts once. */
static void source_add(struct tproc *p, const struct source *id, float v, double now,
		       unsigned *marks)
{
	struct tsource *ts = source_get(p, id, v, now);

	if (!ts || marks[ts - p->src])
		return;
	hseries_add(&ts->hs, now, v);
	marks[ts - p->src] = 1;
	if (v > 0)
		ts->seen = now;
}

/* Feeds one process sample into p's series. */
/* Adds one count (of limit) at time now to p's total, with the time
 * between its samples. */
static void add_point(struct tproc *p, double now, long count, long limit)
{
	if (!isnan(p->last_t) && now > p->last_t) {
		double gap = now - p->last_t;

		p->interval = p->interval > 0 ? 0.8 * p->interval + 0.2 * gap : gap;
	}
	if (isnan(p->first_t))
		p->first_t = now;
	p->last_t = now;
	p->fds = count;
	p->limit = limit;
	hseries_add(&p->total, now, (float)count);
}

/* Whether g is a group of unconnected datagram sockets on one port of
 * an address (direction none, state UNCONN); then that address with the
 * port as "*" in buf. */
static bool unconnected_host(const struct sock_group *g, char *buf, size_t size)
{
	const char *c;

	if (g->dir != SOCK_NONE || !g->state || strcmp(g->state, "UNCONN") != 0 || !g->endpoint)
		return false;
	c = strrchr(g->endpoint, ':');
	if (!c || c == g->endpoint || (size_t)(c - g->endpoint) + 3 > size)
		return false;
	snprintf(buf, size, "%.*s:*", (int)(c - g->endpoint), g->endpoint);
	return true;
}

static void tproc_update(struct tracker *t, struct tproc *p, double now,
			 const struct proc_sample *ps)
{
	unsigned *marks;
	struct source id;
	size_t need;

	add_point(p, now, ps->fds, ps->limit);
	if (ps->comm && !str_eq(ps->comm, p->comm)) {
		free(p->comm);
		p->comm = xstrdup(ps->comm);
	}
	if (!str_eq(ps->unit, p->unit)) {
		free(p->unit);
		p->unit = xstrdup_null(ps->unit);
	}
	if (!str_eq(ps->container, p->container)) {
		free(p->container);
		p->container = xstrdup_null(ps->container);
	}

	/* Marks say which sources got a value this sample; the rest get 0
	 * (the group is gone) or NAN (the sample was not classified). */
	need = p->nsrc + FD_NTYPES + ps->nsocks + ps->nfiles + ps->nkinds + 1;
	if (need > t->nmarks) {
		free(t->marks);
		t->nmarks = need * 2;
		t->marks = xcalloc(t->nmarks, sizeof(*t->marks));
	}
	marks = t->marks;
	memset(marks, 0, need * sizeof(*marks));
	if (ps->classified) {
		memset(&id, 0, sizeof(id));
		for (int ty = 0; ty < FD_NTYPES; ty++) {
			bool have = false;

			id.kind = SRC_TYPE;
			id.type = ty;
			for (size_t i = 0; i < p->nsrc && !have; i++)
				have = source_match(&p->src[i].id, &id);
			if (have || ps->types[ty] > 0)
				source_add(p, &id, (float)ps->types[ty], now, marks);
		}
		/* Unconnected datagram sockets each sit on their own
		 * (ephemeral) port: summed into one group per address, port
		 * "*". Their addresses are few, so a short list does. */
		struct anyport { char ep[80]; char *proto; float count; } *any = NULL;
		static char unconn[] = "UNCONN";
		size_t nany = 0;

		for (size_t i = 0; i < ps->nsocks; i++) {
			const struct sock_group *g = &ps->socks[i];
			char ep[80];
			size_t k;

			if (unconnected_host(g, ep, sizeof(ep))) {
				for (k = 0; k < nany; k++)
					if (str_eq(any[k].proto, g->proto) && strcmp(any[k].ep, ep) == 0)
						break;
				if (k == nany) {
					any = xreallocarray(any, nany + 1, sizeof(*any));
					memcpy(any[k].ep, ep, sizeof(ep));
					any[k].proto = g->proto;
					any[k].count = 0;
					nany++;
				}
				any[k].count += (float)g->count;
				continue;
			}
			memset(&id, 0, sizeof(id));
			id.kind = SRC_SOCKET;
			id.proto = g->proto;
			id.dir = g->dir;
			id.endpoint = g->endpoint;
			id.state = g->state;
			source_add(p, &id, (float)g->count, now, marks);
		}
		for (size_t k = 0; k < nany; k++) {
			memset(&id, 0, sizeof(id));
			id.kind = SRC_SOCKET;
			id.proto = any[k].proto;
			id.dir = SOCK_NONE;
			id.endpoint = any[k].ep;
			id.state = unconn;
			source_add(p, &id, any[k].count, now, marks);
		}
		free(any);
		for (size_t i = 0; i < ps->nfiles; i++) {
			memset(&id, 0, sizeof(id));
			id.kind = SRC_FILE;
			id.path = ps->files[i].dir;
			source_add(p, &id, (float)ps->files[i].count, now, marks);
		}
		/* Sockets and files have their groups; the anon inodes and
		 * the rest have only their kind. */
		for (size_t i = 0; i < ps->nkinds; i++) {
			enum fd_type ty = kind_type(ps->kinds[i].kind);
			char name[32];

			/* ... and of the files, those whose kind says more than
			 * their directory: deleted files and memfds. */
			if (ty != FD_ANON && ty != FD_OTHER &&
			    strcmp(kind_name(ps->kinds[i].kind), "deleted") != 0 &&
			    strcmp(kind_name(ps->kinds[i].kind), "memfd") != 0)
				continue;
			snprintf(name, sizeof(name), "%s", kind_name(ps->kinds[i].kind));
			memset(&id, 0, sizeof(id));
			id.kind = SRC_KIND;
			id.type = ty;
			id.name = name;
			source_add(p, &id, (float)ps->kinds[i].count, now, marks);
		}
	}
	for (size_t i = 0; i < p->nsrc; i++)
		if (!marks[i])
			hseries_add(&p->src[i].hs, now, ps->classified ? 0.0f : NAN);
}

size_t tracker_bytes(const struct tracker *t, size_t *nprocs)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nprocs; i++)
		n += tproc_bytes(t->procs[i]);
	*nprocs = t->nprocs;
	return n;
}

size_t tracker_samples(const struct tracker *t, const struct proc_key *k)
{
	const struct tproc *p = proc_find(t, k);

	return p ? (size_t)p->total.n : 0;
}

const struct hseries *tracker_history(const struct tracker *t, const struct proc_key *k,
				      const struct source *src)
{
	const struct tproc *p = proc_find(t, k);

	if (!p)
		return NULL;
	if (!src)
		return &p->total;
	for (size_t i = 0; i < p->nsrc; i++)
		if (source_match(&p->src[i].id, src))
			return &p->src[i].hs;
	return NULL;
}

static void attribute_series(const struct tsource *s, double since, double until, double *best,
			     const struct tsource **pick)
{
	double r = detect_rise(&s->hs, since, until);

	if (r > *best) {
		*best = r;
		*pick = s;
	}
}

/* The host part of a socket endpoint ("10.0.0.5" of "10.0.0.5:443",
 * "[::1]" of "[::1]:53"), its length; 0 when it has no port. */
static size_t endpoint_host_len(const char *e)
{
	const char *c = e ? strrchr(e, ':') : NULL;

	if (!c || c == e || (e[0] == '[' && c[-1] != ']'))
		return 0;
	return (size_t)(c - e);
}

/* Cuts directory dir to the deepest one that holds both it and path. */
static void dir_common(char *dir, const char *path)
{
	size_t n = 0, cut = 0;

	for (; dir[n] && dir[n] == path[n]; n++)
		if (dir[n] == '/')
			cut = n;
	if (dir[n] == '\0' && (path[n] == '/' || path[n] == '\0'))
		return;           /* dir holds path */
	if (dir[n] == '/' && path[n] == '\0')
		cut = n;          /* path holds dir */
	dir[cut == 0 && dir[0] == '/' ? 1 : cut] = '\0';
}

/* A class of groups being summed up by attribute_class. */
struct gclass {
	const struct tsource *first;
	double rise;
	unsigned n;
	bool same_host;          /* all its endpoints share first's host */
};

/* When no single group carries most of p's growth, the narrowest class of
 * them that does (man page, Alert record, source): sockets of one proto,
 * direction and state across endpoints (with their shared address when
 * they have one: unconnected UDP sockets each on its own port), or files
 * in directories under one parent. Fills out and returns true when a
 * class of at least two groups carries at least half of rise. */
static bool attribute_class(const struct tproc *p, double since, double until, double rise,
			    struct source *out)
{
	struct gclass cls[TRACK_MAX_GROUPS + 1] = { { NULL, 0, 0, false } };
	size_t ncls = 0, best = SIZE_MAX;
	char *dir = NULL;
	double frise = 0;
	unsigned nfiles = 0;

	for (size_t i = 0; i < p->nsrc; i++) {
		const struct tsource *ts = &p->src[i];
		double r;
		size_t k;

		if (ts->id.kind != SRC_SOCKET && ts->id.kind != SRC_FILE)
			continue;
		r = detect_rise(&ts->hs, since, until);
		if (!(r > 0))
			continue;
		if (ts->id.kind == SRC_FILE) {
			/* The deepest directory above every growing one. */
			const char *path = ts->id.path ? ts->id.path : "";

			if (!dir)
				dir = xstrdup(path);
			else
				dir_common(dir, path);
			frise += r;
			nfiles++;
			continue;
		}
		for (k = 0; k < ncls; k++) {
			const struct source *a = &cls[k].first->id;

			if (a->dir == ts->id.dir && str_eq(a->proto, ts->id.proto) &&
			    str_eq(a->state, ts->id.state))
				break;
		}
		if (k == ncls) {
			if (ncls == ARRAY_SIZE(cls))
				continue;
			cls[ncls++] = (struct gclass){ ts, 0, 0, true };
		} else {
			size_t h = endpoint_host_len(cls[k].first->id.endpoint);

			if (!h || h != endpoint_host_len(ts->id.endpoint) ||
			    strncmp(cls[k].first->id.endpoint, ts->id.endpoint, h) != 0)
				cls[k].same_host = false;
		}
		cls[k].rise += r;
		cls[k].n++;
	}
	for (size_t k = 0; k < ncls; k++)
		if (cls[k].n >= 2 && (best == SIZE_MAX || cls[k].rise > cls[best].rise))
			best = k;
	memset(out, 0, sizeof(*out));
	if (best != SIZE_MAX && cls[best].rise >= 0.5 * rise && cls[best].rise >= frise) {
		const struct source *a = &cls[best].first->id;

		out->kind = SRC_SOCKET;
		out->proto = xstrdup_null(a->proto);
		out->dir = a->dir;
		out->state = xstrdup_null(a->state);
		out->spread = cls[best].n;
		if (cls[best].same_host) {
			size_t h = endpoint_host_len(a->endpoint);

			out->endpoint = xmalloc(h + 3);
			memcpy(out->endpoint, a->endpoint, h);
			memcpy(out->endpoint + h, ":*", 3);
		}
	} else if (nfiles >= 2 && frise >= 0.5 * rise && dir && dir[0]) {
		out->kind = SRC_FILE;
		out->path = dir;
		out->spread = nfiles;
		dir = NULL;
	}
	free(dir);
	return out->kind != SRC_NONE;
}

/* The source that accounts for most of p's growth over [since, until]
 * (copied into out, caller clears); kind SRC_NONE when none carries at
 * least half of it. */
static void tracker_attribute(const struct tproc *p, double since, double until, double rise,
			      struct source *out)
{
	const struct tsource *group = NULL, *type = NULL;
	double gbest = 0, tbest = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->nsrc; i++) {
		if (p->src[i].id.kind == SRC_TYPE)
			attribute_series(&p->src[i], since, until, &tbest, &type);
		else
			attribute_series(&p->src[i], since, until, &gbest, &group);
	}
	/* The group, else a class of groups, else the type must carry at
	 * least half the growth. */
	if (group && gbest >= 0.5 * rise)
		source_copy(out, &group->id);
	else if (attribute_class(p, since, until, rise, out))
		return;
	else if (type && tbest >= 0.5 * rise)
		source_copy(out, &type->id);
}

/* The one place an alert is made from what the tracker holds of p: at
 * time now, at level, for why; with growth, the rate, ETA and source the
 * detector sees (an ok event tells none). */
static void tproc_alert(const struct tproc *p, double now, enum alert_level level,
			const char *why, bool growth, struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->time = now;
	a->level = level;
	a->resource = p->resource;
	a->uid = p->resource == RES_NOFILE ? -1 : p->uid;
	a->user = xstrdup_null(p->user);
	a->pid = p->resource == RES_NOFILE ? p->key.pid : p->holder;
	a->start = p->resource == RES_NOFILE ? p->key.start : p->holder_start;
	a->held = p->holder_count;
	a->comm = xstrdup_null(p->comm);
	a->unit = xstrdup_null(p->unit);
	a->container = xstrdup_null(p->container);
	a->fds = p->fds;
	a->limit = p->limit;
	a->why = why;
	a->rate = NAN;
	a->eta = NAN;
	a->use_for = NAN;
	a->fast = p->fast;
	if (p->by_use && level != LEVEL_OK) {
		double since = level == LEVEL_CRITICAL ? p->crit_since : p->warn_since;

		a->by_use = true;
		a->use_for = isnan(since) ? 0 : fmax(0, now - since);
	}
	if (growth && p->v.growing) {
		a->rate = p->v.rate;
		a->eta = p->v.eta;
		tracker_attribute(p, p->v.since, p->v.until, p->v.rise, &a->src);
	}
}

static const char *tproc_why(const struct tproc *p, enum alert_level level);

bool tracker_alert(const struct tracker *t, const struct proc_key *k, struct alert *out)
{
	const struct tproc *p = proc_find(t, k);

	if (!p) {
		memset(out, 0, sizeof(*out));
		out->rate = out->eta = NAN;
		out->fds = out->limit = -1;
		return false;
	}
	tproc_alert(p, p->last_t, p->level, tproc_why(p, p->level), true, out);
	return true;
}

static void event_push(struct tracker *t, const struct tproc *p, double now,
		       enum alert_level level, const char *why)
{
	if (t->nev == t->evcap) {
		t->evcap = t->evcap ? 2 * t->evcap : 8;
		t->ev = xreallocarray(t->ev, t->evcap, sizeof(*t->ev));
	}
	tproc_alert(p, now, level, why, level != LEVEL_OK, &t->ev[t->nev++]);
}

/* The level p's use of its limit calls for whatever its growth (man page,
 * DETECTION): critical from --crit-use percent, a warning from
 * --warn-use; it keeps since when. A process at its limit fails its
 * requests now, so a stopped growth (it cannot open more) is no reason
 * for an ok. */
static enum alert_level tproc_use_level(const struct detect_params *pr, struct tproc *p,
					double now)
{
	double use = p->limit > 0 && p->fds >= 0 ? 100.0 * (double)p->fds / (double)p->limit : NAN;

	if (!(use >= pr->warn_use))
		p->warn_since = NAN;
	else if (isnan(p->warn_since))
		p->warn_since = now;
	if (!(use >= pr->crit_use))
		p->crit_since = NAN;
	else if (isnan(p->crit_since))
		p->crit_since = now;
	return use >= pr->crit_use ? LEVEL_CRITICAL : use >= pr->warn_use ? LEVEL_WARNING : LEVEL_OK;
}

/* Why p is at level: its use, or its growth. */
static const char *tproc_why(const struct tproc *p, enum alert_level level)
{
	if (level == LEVEL_OK)
		return p->by_use ? "no longer near its limit" : "stopped growing";
	if (!p->by_use)
		return "growing";
	return level == LEVEL_CRITICAL ? "at its limit" : "near its limit";
}

/* Is p, alerted for growth, filling up again after a partial reset (a
 * garbage collector's finaliser closing some of the leaked fds, a pool
 * trimmed), fast enough that the limit would still be within the time of
 * the level it has? Then the alert stays: a leak that drops and refills
 * must not get an ok after every drop and be raised again late in every
 * refill. */
static bool tproc_refilling(const struct detect_params *pr, const struct tproc *p)
{
	double r = detect_refill_rate(&p->total), eta;

	if (!(r > 0) || p->limit <= 0 || p->fds < 0)
		return false;
	eta = p->limit > p->fds ? (double)(p->limit - p->fds) / r : 0;
	return eta <= (p->level == LEVEL_CRITICAL ? pr->crit_eta : pr->warn_eta);
}

/* Runs the detector on p and announces a change of level. A higher level
 * is announced at once; a lower one only after the verdict has stayed
 * lower for a while, so that one quiet sample does not end an alert. */
static void tproc_judge(struct tracker *t, struct tproc *p, double now)
{
	enum alert_level raw, use;
	double hold;

	detect_series(&p->total, (double)p->fds, p->limit >= 0 ? (double)p->limit : NAN,
		      &t->params, &p->v, &p->memo);
	use = tproc_use_level(&t->params, p, now);
	raw = p->v.level > use ? p->v.level : use;
	if (raw >= p->level) {
		p->held = now;
		if (p->v.level != LEVEL_OK)
			p->alert_span = p->v.until - p->v.since;
		/* Growth names the alert while it explains the level; a
		 * process near its limit that starts to grow is news. */
		if (raw != LEVEL_OK) {
			bool was = p->by_use;

			p->by_use = p->v.level < raw;
			if (raw == p->level && was && !p->by_use)
				event_push(t, p, now, raw, tproc_why(p, raw));
		}
		if (raw > p->level) {
			p->level = raw;
			event_push(t, p, now, raw, tproc_why(p, raw));
		}
		return;
	}
	/* In the interval's samples: extra ones 0.1 s apart must not make an
	 * alert end at each pause of a bursty leak. */
	hold = fmax(HOLD_SAMPLES * fmax(p->interval, t->base_gap), HOLD_FRACTION * p->alert_span);
	if (now - p->held < hold)
		return;
	if (!p->by_use && tproc_refilling(&t->params, p)) {
		p->held = now;
		return;
	}
	p->level = raw;
	p->held = now;
	if (raw != LEVEL_OK)
		p->by_use = p->v.level < raw;
	event_push(t, p, now, raw, tproc_why(p, raw));
}

static struct tproc *proc_get(struct tracker *t, const struct proc_sample *ps)
{
	bool found;
	struct proc_key k = { ps->pid, ps->start };
	size_t i = proc_index(t, &k, &found);
	struct tproc *p;

	if (found)
		return t->procs[i];
	if (t->nprocs == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->procs = xreallocarray(t->procs, t->cap, sizeof(*t->procs));
	}
	memmove(&t->procs[i + 1], &t->procs[i], (t->nprocs - i) * sizeof(*t->procs));
	p = xcalloc(1, sizeof(*p));
	p->key = k;
	p->fds = p->limit = -1;
	p->first_t = p->last_t = NAN;
	p->warn_since = p->crit_since = NAN;
	p->level = LEVEL_OK;
	hseries_init(&p->total);
	p->v.rate = p->v.eta = p->v.since = p->v.until = NAN;
	t->procs[i] = p;
	t->nprocs++;
	return p;
}

static void proc_remove(struct tracker *t, size_t i, double now)
{
	struct tproc *p = t->procs[i];

	if (p->level != LEVEL_OK) {
		p->level = LEVEL_OK;
		event_push(t, p, now, LEVEL_OK, p->resource == RES_NOFILE ? "exited" : "released");
	}
	tproc_free(p);
	memmove(&t->procs[i], &t->procs[i + 1], (t->nprocs - i - 1) * sizeof(*t->procs));
	t->nprocs--;
}

/* Feeds one measurement of a resource (its use of limit at time now,
 * held mostly by holder) and judges it. */
static void feed_resource(struct tracker *t, enum resource r, long uid, const char *user,
			  long used, long limit, const struct inotify_use *holder, int by_watches,
			  double now)
{
	struct proc_sample key;
	struct tproc *p;

	memset(&key, 0, sizeof(key));
	key.pid = -(int)r;
	key.start = uid >= 0 ? (unsigned long long)uid : 0;
	if (used < 0 || limit <= 0) {
		/* Unknown this time (an fdinfo closed while read): kept,
		 * with no new point. */
		bool found;
		size_t i = proc_index(t, &(struct proc_key){ key.pid, key.start }, &found);

		if (found)
			t->procs[i]->gen = t->gen;
		return;
	}
	p = proc_get(t, &key);
	p->gen = t->gen;
	p->resource = r;
	p->uid = uid;
	if (!str_eq(p->user, user)) {
		free(p->user);
		p->user = xstrdup_null(user);
	}
	p->holder = !holder ? 0 : by_watches ? holder->wtop_pid : holder->top_pid;
	p->holder_start = !holder ? 0 : by_watches ? holder->wtop_start : holder->top_start;
	p->holder_count = !holder ? 0 : by_watches ? holder->wtop_watches : holder->top_instances;
	{
		const char *comm = !holder ? NULL : by_watches ? holder->wtop_comm : holder->top_comm;

		if (!str_eq(p->comm, comm)) {
			free(p->comm);
			p->comm = xstrdup_null(comm);
		}
	}
	if (!(now > p->last_t) && !isnan(p->last_t))
		return;
	add_point(p, now, used, limit);
	tproc_judge(t, p, now);
}

/* The system's file table and every user's inotify use of sample s; a
 * system part is the whole picture, so a limit it no longer shows (a user
 * who holds no instance now) is released. */
static void feed_system(struct tracker *t, const struct sample *s)
{
	const struct sys_sample *y = &s->sys;

	feed_resource(t, RES_FILES_MAX, -1, NULL, y->files, y->files_max, NULL, 0, s->time);
	for (size_t i = 0; i < y->ninotify; i++) {
		const struct inotify_use *u = &y->inotify[i];

		feed_resource(t, RES_INOTIFY_INSTANCES, u->uid, u->user, (long)u->instances,
			      y->max_instances, u, 0, s->time);
		feed_resource(t, RES_INOTIFY_WATCHES, u->uid, u->user, u->watches, y->max_watches, u,
			      1, s->time);
	}
	for (size_t i = t->nprocs; i-- > 0;)
		if (t->procs[i]->resource != RES_NOFILE && t->procs[i]->gen != t->gen)
			proc_remove(t, i, s->time);
}

size_t tracker_resources(const struct tracker *t, struct alert **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tproc *p = t->procs[i];

		if (p->resource == RES_NOFILE)
			continue;
		*out = xreallocarray(*out, n + 1, sizeof(**out));
		tproc_alert(p, p->last_t, p->level, tproc_why(p, p->level), true, &(*out)[n++]);
	}
	return n;
}

void tracker_feed(struct tracker *t, const struct sample *s, bool sweep)
{
	t->gen++;
	if (!s->extra && isfinite(s->time)) {
		double gap = s->time - t->base_time;

		if (t->base_time > 0 && gap > 0)
			t->base_gap = t->base_gap > 0 ? 0.8 * t->base_gap + 0.2 * gap : gap;
		t->base_time = s->time;
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *ps = &s->procs[i];
		struct tproc *p;

		if (ps->fds < 0)
			continue; /* no reading this time */
		if (ps->fds == 0) {
			/* No fds at all: a process on its way out (a zombie's fd
			 * table is gone), with nothing left to leak. */
			struct proc_key k = { ps->pid, ps->start };
			bool found;
			size_t i_gone = proc_index(t, &k, &found);

			if (found)
				proc_remove(t, i_gone, s->time);
			continue;
		}
		p = proc_get(t, ps);
		p->gen = t->gen;
		if (ps->fds_carried)
			continue; /* the count of an earlier listing: no new point */
		if (!(s->time > p->last_t) && !isnan(p->last_t))
			continue; /* same or older time: nothing new */
		tproc_update(t, p, s->time, ps);
		tproc_judge(t, p, s->time);
	}
	if (s->sys.valid)
		feed_system(t, s);
	if (!sweep)
		return;
	for (size_t i = t->nprocs; i-- > 0;) {
		struct tproc *p = t->procs[i];

		if (p->gen == t->gen)
			continue;
		if (p->resource != RES_NOFILE) {
			proc_remove(t, i, s->time); /* no longer measured */
			continue;
		}
		/* Present but unreadable this time is not gone. */
		if (sample_find(s, p->key.pid, p->key.start))
			continue;
		proc_remove(t, i, s->time);
	}
}

void tracker_drop(struct tracker *t, int pid, unsigned long long start, double now)
{
	struct proc_key k = { pid, start };
	bool found;
	size_t i = proc_index(t, &k, &found);

	if (found)
		proc_remove(t, i, now);
}

/* The rate of p's newest samples: robust over the last few, else from
 * the last two (a leak's first seconds); NAN when unknown. */
static double tproc_quick_rate(const struct tproc *p)
{
	size_t n = hseries_level_len(&p->total, 0);
	const struct hbucket *a, *b;
	double r = detect_recent_rate(&p->total);

	if (!isnan(r) || n < 2)
		return r;
	a = hseries_bucket(&p->total, 0, n - 2);
	b = hseries_bucket(&p->total, 0, n - 1);
	if (isnan(a->min) || isnan(b->min) || !(b->t1 > a->t1))
		return NAN;
	return (b->min - a->min) / (b->t1 - a->t1);
}

size_t tracker_adapt(struct tracker *t, double base, double fastest, int **pids,
		     double *interval)
{
	size_t n = 0;

	*pids = NULL;
	*interval = base;
	for (size_t i = 0; i < t->nprocs; i++) {
		struct tproc *p = t->procs[i];
		double r, eta, iv;

		p->fast = 0;
		if (p->resource != RES_NOFILE || p->limit <= 0 || p->fds < 0 || p->fds >= p->limit)
			continue;
		r = p->v.growing ? p->v.rate : tproc_quick_rate(p);
		if (!(r > 0))
			continue;
		eta = (double)(p->limit - p->fds) / r;
		if (!(eta < TRACK_ADAPT_FACTOR * base))
			continue;
		iv = fmax(fastest, eta / TRACK_ADAPT_FACTOR);
		if (iv > 0.75 * base)
			continue; /* not worth an extra sample */
		p->fast = iv;
		*pids = xreallocarray(*pids, n + 1, sizeof(**pids));
		(*pids)[n++] = p->key.pid;
		if (iv < *interval)
			*interval = iv;
	}
	return n;
}

size_t tracker_take_events(struct tracker *t, struct alert **out)
{
	size_t n = t->nev;

	*out = t->ev;
	t->ev = NULL;
	t->nev = t->evcap = 0;
	return n;
}

void proc_idset_take(struct proc_idset *ids, const struct sample *s)
{
	proc_idset_free(ids);
	ids->key = xcalloc(s->nprocs + 1, sizeof(*ids->key));
	for (size_t i = 0; i < s->nprocs; i++) {
		ids->key[i].pid = s->procs[i].pid;
		ids->key[i].start = s->procs[i].start;
	}
	ids->n = s->nprocs;
}

bool proc_idset_any(const struct proc_idset *ids, const struct sample *s)
{
	for (size_t i = 0; i < ids->n; i++) {
		const struct proc_sample *p = sample_find(s, ids->key[i].pid, ids->key[i].start);

		/* A zombie (no fd table left) has exited too. */
		if (p && p->fds != 0)
			return true;
	}
	return false;
}

void proc_idset_free(struct proc_idset *ids)
{
	free(ids->key);
	memset(ids, 0, sizeof(*ids));
}
