/* sample.c - construction and ownership of samples. */
#include "config.h"

#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "util.h"

static const char *const type_names[FD_NTYPES] = {
	"file", "socket", "pipe", "anon", "other",
};
static const char *const dir_names[SOCK_NDIRS] = { "out", "in", "listen", "none" };

const char *fd_type_name(enum fd_type t)
{
	return t < FD_NTYPES ? type_names[t] : "other";
}

int fd_type_parse(const char *name)
{
	for (int i = 0; i < FD_NTYPES; i++)
		if (strcmp(name, type_names[i]) == 0)
			return i;
	return -1;
}

const char *sock_dir_name(enum sock_dir d)
{
	return d < SOCK_NDIRS ? dir_names[d] : "none";
}

int sock_dir_parse(const char *name)
{
	for (int i = 0; i < SOCK_NDIRS; i++)
		if (strcmp(name, dir_names[i]) == 0)
			return i;
	return -1;
}

struct sample *sample_new(void)
{
	return xcalloc(1, sizeof(struct sample));
}

struct sock_peer *sock_peers_dup(const struct sock_peer *p, size_t n)
{
	struct sock_peer *d;

	if (!n)
		return NULL;
	d = xmemdup(p, n * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		d[i].comm = xstrdup_null(p[i].comm);
	return d;
}

void sock_peers_free(struct sock_peer *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].comm);
	free(p);
}

void sock_group_clear(struct sock_group *g)
{
	free(g->proto);
	free(g->endpoint);
	free(g->state);
	sock_peers_free(g->peers, g->npeers);
	memset(g, 0, sizeof(*g));
}

void proc_sample_unclassify(struct proc_sample *p)
{
	for (size_t i = 0; i < p->nsocks; i++)
		sock_group_clear(&p->socks[i]);
	free(p->socks);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i].dir);
	free(p->files);
	free(p->kinds);
	p->socks = NULL;
	p->files = NULL;
	p->kinds = NULL;
	p->nsocks = p->nfiles = p->nkinds = 0;
	memset(p->types, 0, sizeof(p->types));
	p->classified = false;
}

void proc_sample_clear(struct proc_sample *p)
{
	free(p->comm);
	free(p->user);
	free(p->unit);
	free(p->container);
	proc_sample_unclassify(p);
	memset(p, 0, sizeof(*p));
}

void proc_sample_copy(struct proc_sample *dst, const struct proc_sample *src)
{
	*dst = *src;
	dst->comm = xstrdup_null(src->comm);
	dst->user = xstrdup_null(src->user);
	dst->unit = xstrdup_null(src->unit);
	dst->container = xstrdup_null(src->container);
	dst->socks = src->nsocks ? xcalloc(src->nsocks, sizeof(*dst->socks)) : NULL;
	for (size_t i = 0; i < src->nsocks; i++) {
		dst->socks[i] = src->socks[i];
		dst->socks[i].proto = xstrdup_null(src->socks[i].proto);
		dst->socks[i].endpoint = xstrdup_null(src->socks[i].endpoint);
		dst->socks[i].state = xstrdup_null(src->socks[i].state);
		dst->socks[i].peers = sock_peers_dup(src->socks[i].peers, src->socks[i].npeers);
	}
	dst->kinds = src->nkinds ? xmemdup(src->kinds, src->nkinds * sizeof(*src->kinds)) : NULL;
	dst->files = src->nfiles ? xcalloc(src->nfiles, sizeof(*dst->files)) : NULL;
	for (size_t i = 0; i < src->nfiles; i++) {
		dst->files[i].dir = xstrdup_null(src->files[i].dir);
		dst->files[i].count = src->files[i].count;
	}
}

void sys_sample_clear(struct sys_sample *y)
{
	for (size_t i = 0; i < y->ninotify; i++) {
		free(y->inotify[i].user);
		free(y->inotify[i].top_comm);
		free(y->inotify[i].wtop_comm);
	}
	free(y->inotify);
	memset(y, 0, sizeof(*y));
}

void sys_sample_copy(struct sys_sample *dst, const struct sys_sample *src)
{
	*dst = *src;
	dst->inotify = src->ninotify ? xmemdup(src->inotify, src->ninotify * sizeof(*src->inotify))
				     : NULL;
	for (size_t i = 0; i < src->ninotify; i++) {
		dst->inotify[i].user = xstrdup_null(src->inotify[i].user);
		dst->inotify[i].top_comm = xstrdup_null(src->inotify[i].top_comm);
		dst->inotify[i].wtop_comm = xstrdup_null(src->inotify[i].wtop_comm);
	}
}

double sys_use(long used, long limit)
{
	if (used < 0 || limit <= 0)
		return -1;
	return 100.0 * (double)used / (double)limit;
}

void sample_free(struct sample *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		proc_sample_clear(&s->procs[i]);
	free(s->procs);
	sys_sample_clear(&s->sys);
	free(s);
}

struct proc_sample *sample_add_proc(struct sample *s)
{
	struct proc_sample *p;

	/* Grow by doubling; capacity is implied by powers of two. */
	if ((s->nprocs & (s->nprocs - 1)) == 0)
		s->procs = xreallocarray(s->procs, s->nprocs ? s->nprocs * 2 : 1,
					 sizeof(*s->procs));
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->ppid = -1;
	p->uid = -1;
	p->fds = -1;
	p->limit = -1;
	p->inotify_watches = -1;
	return p;
}

int proc_key_cmp(const struct proc_key *a, const struct proc_key *b)
{
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

bool proc_key_eq(const struct proc_key *a, const struct proc_key *b)
{
	return a->pid == b->pid && a->start == b->start;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_sample *x = a, *y = b;
	struct proc_key kx = { x->pid, x->start }, ky = { y->pid, y->start };

	return proc_key_cmp(&kx, &ky);
}

void sample_finish(struct sample *s)
{
	size_t counts[8] = { 0 };
	int errs[8] = { 0 };

	if (s->nprocs > 1) /* procs is NULL when empty, which qsort may not get */
		qsort(s->procs, s->nprocs, sizeof(*s->procs), cmp_pid);
	s->total_fds = 0;
	s->nunreadable = 0;
	s->nunknown = 0;
	s->fds_age = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];

		if (p->fds > 0)
			s->total_fds += (unsigned long long)p->fds;
		if (p->fds < 0)
			s->nunknown++;
		if (p->fds_carried && isgreater(s->time - p->fds_time, s->fds_age))
			s->fds_age = s->time - p->fds_time;
		if (p->fd_err) {
			s->nunreadable++;
			for (size_t k = 0; k < ARRAY_SIZE(errs); k++) {
				if (errs[k] == p->fd_err || !errs[k]) {
					errs[k] = p->fd_err;
					counts[k]++;
					break;
				}
			}
		}
	}
	s->unreadable_err = 0;
	for (size_t k = 0, best = 0; k < ARRAY_SIZE(errs); k++) {
		if (errs[k] && counts[k] > best) {
			best = counts[k];
			s->unreadable_err = errs[k];
		}
	}
}

const struct proc_sample *sample_find(const struct sample *s, int pid,
				      unsigned long long start)
{
	struct proc_sample key = { .pid = pid, .start = start };

	if (!s->nprocs) /* procs is NULL then: bsearch(NULL) is undefined */
		return NULL;
	return bsearch(&key, s->procs, s->nprocs, sizeof(*s->procs), cmp_pid);
}

void proc_sample_add_socks(struct proc_sample *p, const char *proto,
			   enum sock_dir dir, const char *endpoint,
			   const char *state, unsigned n)
{
	struct sock_group *g;

	for (size_t i = 0; i < p->nsocks; i++) {
		g = &p->socks[i];
		if (g->dir == dir && strcmp(g->proto, proto) == 0 &&
		    str_eq(g->endpoint, endpoint) && str_eq(g->state, state)) {
			g->count += n;
			return;
		}
	}
	if ((p->nsocks & (p->nsocks - 1)) == 0)
		p->socks = xreallocarray(p->socks, p->nsocks ? p->nsocks * 2 : 1,
					 sizeof(*p->socks));
	g = &p->socks[p->nsocks++];
	g->proto = xstrdup(proto);
	g->dir = dir;
	g->endpoint = xstrdup_null(endpoint);
	g->state = xstrdup_null(state);
	g->count = n;
	g->peers_state = PEERS_NONE;
	g->idle_state = IDLE_NONE;
	g->peers = NULL;
	g->npeers = 0;
}

static int cmp_sock_group(const void *a, const void *b)
{
	const struct sock_group *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->proto, y->proto)))
		return c;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if ((c = str_cmp_null(x->endpoint, y->endpoint)))
		return c;
	return str_cmp_null(x->state, y->state);
}

static int cmp_file_group(const void *a, const void *b)
{
	const struct file_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

void proc_sample_sort_groups(struct proc_sample *p)
{
	if (p->nsocks > 1)
		qsort(p->socks, p->nsocks, sizeof(*p->socks), cmp_sock_group);
	if (p->nfiles > 1)
		qsort(p->files, p->nfiles, sizeof(*p->files), cmp_file_group);
	kind_counts_sort(p->kinds, p->nkinds);
}

double proc_sample_use(const struct proc_sample *p)
{
	if (p->fds < 0 || p->limit <= 0)
		return -1;
	return 100.0 * (double)p->fds / (double)p->limit;
}

void source_copy(struct source *dst, const struct source *src)
{
	*dst = *src;
	dst->proto = xstrdup_null(src->proto);
	dst->endpoint = xstrdup_null(src->endpoint);
	dst->state = xstrdup_null(src->state);
	dst->path = xstrdup_null(src->path);
	dst->name = xstrdup_null(src->name);
	dst->peers = sock_peers_dup(src->peers, src->npeers);
}

void source_clear(struct source *s)
{
	free(s->proto);
	free(s->endpoint);
	free(s->state);
	free(s->path);
	free(s->name);
	sock_peers_free(s->peers, s->npeers);
	memset(s, 0, sizeof(*s));
}

bool source_match(const struct source *a, const struct source *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SRC_TYPE:
		return a->type == b->type;
	case SRC_SOCKET:
		return a->dir == b->dir && a->spread == b->spread && str_eq(a->proto, b->proto) &&
		       str_eq(a->endpoint, b->endpoint) && str_eq(a->state, b->state);
	case SRC_FILE:
		return a->spread == b->spread && str_eq(a->path, b->path);
	case SRC_KIND:
		return a->type == b->type && str_eq(a->name, b->name);
	default:
		return false;
	}
}

bool source_is_group(const struct source *s, const struct sock_group *g)
{
	return s->kind == SRC_SOCKET && s->dir == g->dir && str_eq(s->proto, g->proto) &&
	       str_eq(s->endpoint, g->endpoint) && str_eq(s->state, g->state);
}

void source_add_peers(struct source *s, const struct proc_sample *p)
{
	for (size_t i = 0; p && i < p->nsocks; i++) {
		const struct sock_group *g = &p->socks[i];

		if (!source_is_group(s, g))
			continue;
		sock_peers_free(s->peers, s->npeers);
		s->peers_state = g->peers_state;
		s->peers = sock_peers_dup(g->peers, g->npeers);
		s->npeers = g->npeers;
		return;
	}
}

void fd_entries_free(struct fd_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].target);
	free(e);
}
