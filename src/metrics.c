/* metrics.c - the Prometheus text exposition of a sample, and the atomic
 * textfile writer for node_exporter's textfile collector. */
#include "config.h"

#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "kinds.h"

void metrics_value(struct buf *out, double v)
{
	if (isnan(v))
		buf_adds(out, "NaN");
	else if (isinf(v))
		buf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else if (!islessgreater(v, floor(v)) && fabs(v) < 1e15)
		buf_addf(out, "%.0f", v);
	else
		buf_addf(out, "%.17g", v);
}

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label(struct buf *out, const char *key, const char *value, bool first)
{
	buf_addf(out, "%s%s=\"", first ? "" : ",", key);
	if (value)
		escape_prom(out, value, strlen(value));
	buf_addc(out, '"');
}

/* Starts a per-process series: name{pid="..",comm="..", and unit and
 * container where known (left open). */
static void proc_series(struct buf *out, const char *name, const struct proc_sample *p)
{
	buf_addf(out, "%s{pid=\"%d\"", name, p->pid);
	label(out, "comm", p->comm ? p->comm : "", false);
	if (p->unit)
		label(out, "unit", p->unit, false);
	if (p->container)
		label(out, "container", p->container, false);
}

/* The processes that get per-process series: indexes into s->procs, in
 * pid order. */
struct shown {
	const struct sample *s;
	const struct alert *gr;  /* aligned verdicts, or NULL */
	size_t *idx;
	size_t n;
};

static int level_of(const struct shown *v, size_t i)
{
	return v->gr && v->gr[i].pid ? (int)v->gr[i].level : 0;
}

static double rate_of(const struct shown *v, size_t i)
{
	return v->gr && v->gr[i].pid && isfinite(v->gr[i].rate) ? v->gr[i].rate : 0;
}

/* fds over the soft limit, 0 to 1; -1 unknown or unlimited. */
static double use_ratio(const struct proc_sample *p)
{
	return p->limit > 0 && p->fds >= 0 ? (double)p->fds / (double)p->limit : -1;
}

/* Most urgent first: the alert level, the use of the limit, the growth,
 * the open fds, then pid for a stable order. */
static int cmp_urgent(const void *pa, const void *pb, void *ctx)
{
	const struct shown *v = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct proc_sample *x = &v->s->procs[a], *y = &v->s->procs[b];
	double ux = proc_sample_use(x), uy = proc_sample_use(y);

	if (level_of(v, a) != level_of(v, b))
		return level_of(v, a) > level_of(v, b) ? -1 : 1;
	if (islessgreater(ux, uy))
		return ux > uy ? -1 : 1;
	if (islessgreater(rate_of(v, a), rate_of(v, b)))
		return rate_of(v, a) > rate_of(v, b) ? -1 : 1;
	if (x->fds != y->fds)
		return x->fds > y->fds ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_index(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return (a > b) - (a < b);
}

static void shown_pick(struct shown *v, const struct metrics_input *in)
{
	const struct sample *s = in->s;
	size_t max = in->max_procs > 0 ? (size_t)in->max_procs : 0;

	v->s = s;
	v->gr = in->verdicts;
	v->idx = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*v->idx));
	v->n = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];

		/* An unreadable process below the bar stays out; one whose
		 * count is unknown shows only when no bar is set. */
		if (in->min_fds > 0 && p->fds < in->min_fds && level_of(v, i) == 0)
			continue;
		v->idx[v->n++] = i;
	}
	if (v->n > max) {
		qsort_r(v->idx, v->n, sizeof(*v->idx), cmp_urgent, v);
		v->n = max;
	}
	qsort(v->idx, v->n, sizeof(*v->idx), cmp_index);
}

static void end_series(struct buf *out, double v)
{
	buf_adds(out, "} ");
	metrics_value(out, v);
	buf_addc(out, '\n');
}

static void scalar(struct buf *out, const char *name, const char *help, double v)
{
	family(out, name, "gauge", help);
	buf_addf(out, "%s ", name);
	metrics_value(out, v);
	buf_addc(out, '\n');
}

#define KINDS_EXPORTED 10

static void render_fds(struct buf *out, const struct shown *v)
{
	family(out, "fdwatch_process_open_fds", "gauge",
	       "Open file descriptors of the process.");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		if (p->fds < 0)
			continue;
		proc_series(out, "fdwatch_process_open_fds", p);
		end_series(out, (double)p->fds);
	}
	family(out, "fdwatch_process_fd_limit", "gauge",
	       "Soft RLIMIT_NOFILE of the process (absent when unlimited or unknown).");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		if (p->limit < 0)
			continue;
		proc_series(out, "fdwatch_process_fd_limit", p);
		end_series(out, (double)p->limit);
	}
	family(out, "fdwatch_process_fd_use_ratio", "gauge",
	       "Open fds over the soft limit, 0 to 1 (absent when unlimited or unknown).");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		if (use_ratio(p) < 0)
			continue;
		proc_series(out, "fdwatch_process_fd_use_ratio", p);
		end_series(out, use_ratio(p));
	}
	family(out, "fdwatch_process_fds_by_type", "gauge",
	       "Open file descriptors of the process by type (file, socket, pipe, anon, other); "
	       "types it holds none of are absent.");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		if (!p->classified)
			continue;
		for (int t = 0; t < FD_NTYPES; t++) {
			if (!p->types[t])
				continue;
			proc_series(out, "fdwatch_process_fds_by_type", p);
			label(out, "type", fd_type_name(t), false);
			end_series(out, (double)p->types[t]);
		}
	}
	/* Kinds are bounded by the registry, and per process by KINDS_EXPORTED
	 * (the largest); zero counts are not series. */
	family(out, "fdwatch_process_fds_by_kind", "gauge",
	       "Open file descriptors of the process by kind (regular, eventfd, inotify, tcp6, "
	       "netlink-route, ...), the largest few.");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		for (size_t k = 0; p->classified && k < p->nkinds && k < KINDS_EXPORTED; k++) {
			if (!p->kinds[k].count)
				continue;
			proc_series(out, "fdwatch_process_fds_by_kind", p);
			label(out, "kind", kind_name(p->kinds[k].kind), false);
			end_series(out, (double)p->kinds[k].count);
		}
	}
}

/* The k largest socket groups of p. Groups whose labels escape to the same
 * text (names that differ only in invalid bytes) are one series, summed,
 * so that no series is duplicated. */
static void render_groups(struct buf *out, const struct proc_sample *p, size_t k)
{
	size_t n = p->nsocks < k ? p->nsocks : k, nkeys = 0;
	struct buf *keys = xcalloc(n ? n : 1, sizeof(*keys));
	double *vals = xcalloc(n ? n : 1, sizeof(*vals));

	for (size_t g = 0; g < n; g++) {
		const struct sock_group *sg = &p->socks[g];
		size_t i;

		buf_init(&keys[nkeys]);
		label(&keys[nkeys], "proto", sg->proto, false);
		label(&keys[nkeys], "direction", sock_dir_name(sg->dir), false);
		label(&keys[nkeys], "endpoint", sg->endpoint, false);
		label(&keys[nkeys], "state", sg->state, false);
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i].data, keys[nkeys].data) == 0)
				break;
		vals[i] += sg->count;
		if (i == nkeys)
			nkeys++;
		else
			buf_free(&keys[nkeys]);
	}
	for (size_t i = 0; i < nkeys; i++) {
		proc_series(out, "fdwatch_process_sockets", p);
		buf_add(out, keys[i].data, keys[i].len);
		end_series(out, vals[i]);
		buf_free(&keys[i]);
	}
	free(keys);
	free(vals);
}

static void render_sockets(struct buf *out, const struct shown *v, long top_k)
{
	size_t k = top_k > 0 ? (size_t)top_k : 1;

	family(out, "fdwatch_process_sockets", "gauge",
	       "Sockets of the process by protocol, direction, endpoint (remote for "
	       "direction out, else local) and state; the largest groups per process only.");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];

		if (!p->classified)
			continue;
		render_groups(out, p, k);
	}
	family(out, "fdwatch_process_sockets_omitted", "gauge",
	       "Sockets of the process in groups beyond the largest ones exported "
	       "(--top-k), so that per-process cardinality stays bounded (absent when none).");
	for (size_t j = 0; j < v->n; j++) {
		const struct proc_sample *p = &v->s->procs[v->idx[j]];
		double rest = 0;

		if (!p->classified)
			continue;
		for (size_t g = k; g < p->nsocks; g++)
			rest += p->socks[g].count;
		if (!(rest > 0))
			continue;
		proc_series(out, "fdwatch_process_sockets_omitted", p);
		end_series(out, rest);
	}
}

/* The labels of a growing source: its fd type, for sockets protocol,
 * direction, endpoint and state, for files the directory, for the kinds
 * without groups the kind. */
static void source_labels(struct buf *out, const struct source *src)
{
	bool sock = src->kind == SRC_SOCKET, file = src->kind == SRC_FILE;
	enum fd_type t = sock ? FD_SOCKET : file ? FD_FILE : src->type;

	label(out, "type", fd_type_name(t), false);
	label(out, "proto", sock ? src->proto : NULL, false);
	label(out, "direction", sock ? sock_dir_name(src->dir) : NULL, false);
	label(out, "endpoint", sock ? src->endpoint : NULL, false);
	label(out, "state", sock ? src->state : NULL, false);
	label(out, "dir", file ? src->path : NULL, false);
	label(out, "kind", src->kind == SRC_KIND ? src->name : NULL, false);
}

static void render_growth(struct buf *out, const struct shown *v)
{
	const struct alert *gr = v->gr;

	family(out, "fdwatch_process_fd_growth_per_second", "gauge",
	       "Sustained growth of the open fds in fds per second, from the history "
	       "(absent until there is enough history).");
	for (size_t j = 0; j < v->n; j++) {
		size_t i = v->idx[j];

		if (!gr[i].pid)
			continue;
		proc_series(out, "fdwatch_process_fd_growth_per_second", &v->s->procs[i]);
		end_series(out, isfinite(gr[i].rate) ? gr[i].rate : 0);
	}
	family(out, "fdwatch_process_fd_limit_eta_seconds", "gauge",
	       "Seconds until the open fds reach the soft limit at the current growth "
	       "(absent when not growing or without a limit).");
	for (size_t j = 0; j < v->n; j++) {
		size_t i = v->idx[j];

		if (!gr[i].pid || !isfinite(gr[i].eta))
			continue;
		proc_series(out, "fdwatch_process_fd_limit_eta_seconds", &v->s->procs[i]);
		end_series(out, gr[i].eta);
	}
	family(out, "fdwatch_process_growth_source_info", "gauge",
	       "The class of fds that accounts for most of the growth of an alerting "
	       "process (always 1): fd type, and for sockets protocol, direction, endpoint "
	       "and state, for files the directory.");
	for (size_t j = 0; j < v->n; j++) {
		const struct alert *g = &gr[v->idx[j]];

		if (!g->pid || g->src.kind == SRC_NONE || g->level == LEVEL_OK)
			continue;
		proc_series(out, "fdwatch_process_growth_source_info", &v->s->procs[v->idx[j]]);
		source_labels(out, &g->src);
		end_series(out, 1);
	}
	family(out, "fdwatch_process_alert_level", "gauge",
	       "The detector's verdict: 0 ok, 1 warning, 2 critical (the thresholds of "
	       "fdwatch log and check).");
	for (size_t j = 0; j < v->n; j++) {
		size_t i = v->idx[j];

		if (!gr[i].pid)
			continue;
		proc_series(out, "fdwatch_process_alert_level", &v->s->procs[i]);
		end_series(out, gr[i].level);
	}
}

/* One unit's or container's processes together. */
struct group_sum {
	const char *name;
	double fds, worst_use;   /* worst_use: -1 none known */
	int level;               /* -1 no verdict */
	size_t nprocs;
};

/* Units and containers exported at most, each: the most urgent (level,
 * then worst use, then fds), so that a host of thousands of containers
 * stays bounded; the others are counted. */
#define GROUPS_EXPORTED 100

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group_sum *)a)->name, ((const struct group_sum *)b)->name);
}

static int cmp_group_urgent(const void *pa, const void *pb)
{
	const struct group_sum *a = pa, *b = pb;

	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	if (islessgreater(a->worst_use, b->worst_use))
		return a->worst_use > b->worst_use ? -1 : 1;
	if (islessgreater(a->fds, b->fds))
		return a->fds > b->fds ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Sums every process of s (not only the shown ones) by unit (container
 * false) or by container, the GROUPS_EXPORTED most urgent in name order
 * (caller frees), the number of the others in *omitted. */
static size_t group_sums(const struct metrics_input *in, bool container, struct group_sum **out,
			 size_t *omitted)
{
	const struct sample *s = in->s;
	struct group_sum *g = NULL;
	size_t n = 0;

	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		const char *name = container ? p->container : p->unit;
		double use = use_ratio(p);
		size_t k;

		if (!name)
			continue;
		for (k = 0; k < n && strcmp(g[k].name, name) != 0; k++)
			;
		if (k == n) {
			g = xreallocarray(g, n + 1, sizeof(*g));
			g[n++] = (struct group_sum){ name, 0, -1, -1, 0 };
		}
		g[k].nprocs++;
		if (p->fds > 0)
			g[k].fds += (double)p->fds;
		if (use > g[k].worst_use)
			g[k].worst_use = use;
		if (in->verdicts && in->verdicts[i].pid && (int)in->verdicts[i].level > g[k].level)
			g[k].level = (int)in->verdicts[i].level;
		if (in->verdicts && g[k].level < 0)
			g[k].level = 0;
	}
	*omitted = 0;
	if (n > GROUPS_EXPORTED) {
		qsort(g, n, sizeof(*g), cmp_group_urgent);
		*omitted = n - GROUPS_EXPORTED;
		n = GROUPS_EXPORTED;
	}
	if (n)
		qsort(g, n, sizeof(*g), cmp_group);
	*out = g;
	return n;
}

/* Per-unit and per-container aggregates: no pid, so they stay one series
 * across restarts of the service. */
static void render_groups_sum(struct buf *out, const struct metrics_input *in)
{
	static const char *const what[2] = { "unit", "container" };

	for (int c = 0; c < 2; c++) {
		struct group_sum *g;
		size_t omitted, n = group_sums(in, c == 1, &g, &omitted);
		char name[64];

		snprintf(name, sizeof(name), "fdwatch_%s_processes", what[c]);
		family(out, name, "gauge", c ? "Processes sampled in the container." :
		       "Processes sampled in the systemd unit.");
		for (size_t k = 0; k < n; k++) {
			buf_addf(out, "%s{", name);
			label(out, what[c], g[k].name, true);
			end_series(out, (double)g[k].nprocs);
		}
		snprintf(name, sizeof(name), "fdwatch_%s_open_fds", what[c]);
		family(out, name, "gauge", c ? "Open fds of every process of the container." :
		       "Open fds of every process of the systemd unit.");
		for (size_t k = 0; k < n; k++) {
			buf_addf(out, "%s{", name);
			label(out, what[c], g[k].name, true);
			end_series(out, g[k].fds);
		}
		snprintf(name, sizeof(name), "fdwatch_%s_fd_use_ratio_max", what[c]);
		family(out, name, "gauge", "The highest open fds over soft limit of its processes, "
		       "0 to 1.");
		for (size_t k = 0; k < n; k++) {
			if (g[k].worst_use < 0)
				continue;
			buf_addf(out, "%s{", name);
			label(out, what[c], g[k].name, true);
			end_series(out, g[k].worst_use);
		}
		if (in->verdicts) {
			snprintf(name, sizeof(name), "fdwatch_%s_alert_level", what[c]);
			family(out, name, "gauge", "The highest alert level of its processes "
			       "(0 ok, 1 warning, 2 critical).");
			for (size_t k = 0; k < n; k++) {
				if (g[k].level < 0)
					continue;
				buf_addf(out, "%s{", name);
				label(out, what[c], g[k].name, true);
				end_series(out, g[k].level);
			}
		}
		snprintf(name, sizeof(name), "fdwatch_%ss_omitted", what[c]);
		scalar(out, name, c ? "Containers without aggregate series (beyond the 100 most urgent)." :
		       "Units without aggregate series (beyond the 100 most urgent).", (double)omitted);
		free(g);
	}
}

/* One series of a user's inotify use: name{uid="..",user=".."} v. */
static void user_series(struct buf *out, const char *name, const struct inotify_use *u, double v)
{
	char uid[24];

	snprintf(uid, sizeof(uid), "%ld", u->uid);
	buf_addf(out, "%s{", name);
	label(out, "uid", uid, true);
	label(out, "user", u->user, false);
	end_series(out, v);
}

/* Each user's inotify use and the limits (node_exporter's node_filefd_*
 * cover the system's file table), and with a history the alert level of
 * each limit. */
static void render_limits(struct buf *out, const struct metrics_input *in)
{
	const struct sys_sample *y = &in->s->sys;

	if (!y->valid)
		return;
	family(out, "fdwatch_user_inotify_instances", "gauge",
	       "inotify instances of the user, counted from the fds of its processes (an upper "
	       "bound when several processes hold them).");
	for (size_t i = 0; i < y->ninotify; i++)
		user_series(out, "fdwatch_user_inotify_instances", &y->inotify[i],
			    (double)y->inotify[i].instances);
	family(out, "fdwatch_user_inotify_watches", "gauge",
	       "inotify watches of the user, from the fdinfo of its instances.");
	for (size_t i = 0; i < y->ninotify; i++)
		if (y->inotify[i].watches >= 0)
			user_series(out, "fdwatch_user_inotify_watches", &y->inotify[i],
				    (double)y->inotify[i].watches);
	if (y->max_instances > 0)
		scalar(out, "fdwatch_inotify_max_user_instances",
		       "fs.inotify.max_user_instances, the inotify instances a user may hold.",
		       (double)y->max_instances);
	if (y->max_watches > 0)
		scalar(out, "fdwatch_inotify_max_user_watches",
		       "fs.inotify.max_user_watches, the inotify watches a user may hold.",
		       (double)y->max_watches);
	if (!in->verdicts)
		return;
	family(out, "fdwatch_limit_alert_level", "gauge",
	       "Alert level of a limit beyond the process (0 ok, 1 warning, 2 critical): "
	       "files-max, inotify-instances or inotify-watches of a user.");
	for (size_t i = 0; i < in->nlimits; i++) {
		const struct alert *a = &in->limits[i];
		char uid[24];

		snprintf(uid, sizeof(uid), "%ld", a->uid);
		buf_adds(out, "fdwatch_limit_alert_level{");
		label(out, "resource", resource_name(a->resource), true);
		label(out, "uid", a->uid >= 0 ? uid : NULL, false);
		label(out, "user", a->user, false);
		end_series(out, a->level == LEVEL_CRITICAL ? 2 : a->level == LEVEL_WARNING ? 1 : 0);
	}
}

void metrics_render(struct buf *out, const struct metrics_input *in)
{
	const struct sample *s = in->s;
	struct shown v;
	double worst = -1;

	shown_pick(&v, in);
	render_fds(out, &v);
	render_limits(out, in);
	render_sockets(out, &v, in->top_k);
	if (in->verdicts)
		render_growth(out, &v);
	render_groups_sum(out, in);
	for (size_t i = 0; i < s->nprocs; i++) {
		double u = use_ratio(&s->procs[i]);

		if (u > worst)
			worst = u;
	}
	scalar(out, "fdwatch_open_fds", "Open file descriptors of every sampled process together.",
	       (double)s->total_fds);
	if (worst >= 0)
		scalar(out, "fdwatch_fd_use_ratio_max", "The highest open fds over soft limit of "
		       "any sampled process, 0 to 1 (process-exporter's worst_fd_ratio).", worst);
	scalar(out, "fdwatch_processes_unreadable",
	       "Processes whose fd table this user may not read (run as root or with "
	       "CAP_SYS_PTRACE).", (double)s->nunreadable);
	scalar(out, "fdwatch_processes_sampled", "Processes sampled.", (double)s->nprocs);
	scalar(out, "fdwatch_processes_omitted", "Sampled processes without per-process series "
	       "(beyond --max-processes, or below --min-fds).", (double)(s->nprocs - v.n));
	if (in->state_damaged >= 0)
		scalar(out, "fdwatch_state_damaged", "1 when the state file was damaged and set "
		       "aside in this run: the history restarted.", in->state_damaged);
	family(out, "fdwatch_build_info", "gauge", "The fdwatch that exports these (always 1).");
	buf_adds(out, "fdwatch_build_info{");
	label(out, "version", PACKAGE_VERSION, true);
	end_series(out, 1);
	scalar(out, "fdwatch_last_sample_timestamp_seconds", "Unix time of the sample exported.",
	       s->time);
	/* Last, so that a reader can tell a whole exposition from a cut one. */
	scalar(out, "fdwatch_sample_duration_seconds", "Time taken to sample the processes.",
	       in->sample_seconds);
	free(v.idx);
}
