/* sampler.c - one pass over /proc: enumerate, count, classify, resolve
 * sockets, and hand out an immutable sample.
 *
 * Every process is opened once (/proc/PID as a directory descriptor) and all
 * of its files are read relative to it, so a pid that is reused mid-scan
 * fails with ESRCH instead of mixing two processes. The start time comes from
 * that same descriptor. Socket tables are read once per network namespace
 * per sample, only for namespaces whose processes hold sockets
 * (sampler-net.c). */
#include "config.h"

#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "procfs.h"
#include "sampler-int.h"
#include "util.h"

/* The share of its time a watching sampler may spend renewing
 * classifications only because they reached the reuse age: 100k fds
 * (0.25 s of readlinkat) every 30 s fit. When they do not (a slower or
 * busier machine), the rest wait for later samples, but never beyond twice
 * the age. */
#define REFRESH_BUDGET 0.01

/* The client port range of the proc root's namespace (ours, for the real
 * /proc; a fixture tree may give its own), once: it changes rarely, and
 * only the direction of connections without a listener depends on it. */
static void read_client_ports(struct sampler *s)
{
	char *text;

	s->client_lo = SOCKTAB_CLIENT_LO;
	s->client_hi = SOCKTAB_CLIENT_HI;
	if (read_file_at(s->rootfd, "sys/net/ipv4/ip_local_port_range", &text, NULL) < 0)
		return;
	if (sscanf(text, "%u %u", &s->client_lo, &s->client_hi) != 2) {
		s->client_lo = SOCKTAB_CLIENT_LO;
		s->client_hi = SOCKTAB_CLIENT_HI;
	}
	free(text);
}

struct sampler *sampler_new(const struct sampler_config *cfg, int *err)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	int r;

	s->cfg = *cfg;
	s->cfg.proc_root = cfg->proc_root ? cfg->proc_root : "/proc";
	s->cfg.sel = NULL;
	s->rootfd = open(s->cfg.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		*err = -errno;
		free(s);
		return NULL;
	}
	r = procs_open(s);
	if (r < 0) {
		*err = r;
		close(s->rootfd);
		free(s);
		return NULL;
	}
	if (cfg->sel)
		selection_copy(&s->sel, cfg->sel);
	s->selfns = -1;
	s->nl_self = -1;
	s->per_fd = 2e-6; /* until measured: about one readlinkat */
	read_client_ports(s);
	s->use_netlink = s->real_proc && !cfg->no_netlink;
	if (s->real_proc)
		s->self_netns = fds_netns(s->rootfd, "self/ns/net");
	if (s->use_netlink)
		s->selfns = openat(s->rootfd, "self/ns/net", O_RDONLY | O_CLOEXEC);
	*err = 0;
	return s;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	procs_close(s);
	sample_free(s->prev);
	nstables_free_all(s);
	holders_free(&s->outside);
	free(s->incomplete);
	free(s->incomplete_next);
	free(s->changed);
	for (size_t i = 0; i < s->nfdc; i++) {
		fdcache_clear(s->fdc[i]);
		free(s->fdc[i]);
	}
	free(s->fdc);
	fstypes_clear(&s->fstypes);
	selection_free(&s->sel);
	if (s->nl_self >= 0)
		close(s->nl_self);
	if (s->selfns >= 0)
		close(s->selfns);
	close(s->rootfd);
	free(s);
}

void sampler_select_pids(struct sampler *s, const int *pids, size_t n)
{
	selection_set_pids(&s->sel, pids, n);
}

/* Remembers that p holds sockets no table had. */
static void mark_incomplete(struct sampler *s, const struct proc_sample *p)
{
	if (s->nincomplete_next == s->capincomplete_next) {
		s->capincomplete_next = s->capincomplete_next ? s->capincomplete_next * 2 : 8;
		s->incomplete_next = xreallocarray(s->incomplete_next, s->capincomplete_next,
						   sizeof(*s->incomplete_next));
	}
	s->incomplete_next[s->nincomplete_next].pid = p->pid;
	s->incomplete_next[s->nincomplete_next++].start = p->start;
}

/* The processes marked during this sample become the ones the next may
 * not reuse. */
static void swap_incomplete(struct sampler *s)
{
	struct proc_key *v = s->incomplete;
	size_t cap = s->capincomplete;

	s->incomplete = s->incomplete_next;
	s->nincomplete = s->nincomplete_next;
	s->capincomplete = s->capincomplete_next;
	s->incomplete_next = v;
	s->capincomplete_next = cap;
	s->nincomplete_next = 0;
}

/* Was p marked by the previous sample? */
static bool was_incomplete(const struct sampler *s, const struct proc_sample *p)
{
	struct proc_key key = { p->pid, p->start };

	for (size_t i = 0; i < s->nincomplete; i++)
		if (proc_key_eq(&s->incomplete[i], &key))
			return true;
	return false;
}

/* Gives p the classification of old (types, socket and file groups, and
 * the time they were read) with the fd count it has now. */
static void copy_classification(struct proc_sample *p, const struct proc_sample *old, long count)
{
	struct proc_sample copy;

	proc_sample_copy(&copy, old);
	memcpy(p->types, copy.types, sizeof(p->types));
	p->socks = copy.socks;
	p->nsocks = copy.nsocks;
	p->files = copy.files;
	p->nfiles = copy.nfiles;
	p->kinds = copy.kinds;
	p->nkinds = copy.nkinds;
	p->inotify_watches = copy.inotify_watches;
	/* p keeps the identity it read itself. */
	free(copy.unit);
	free(copy.container);
	p->classified = true;
	p->classified_time = old->classified_time;
	p->fds = count;
	free(copy.comm);
	free(copy.user);
}

/* Copies the classification of the same process from the previous sample
 * when its fd count has not changed and it is young enough. */
static bool reuse_classification(struct sampler *s, struct proc_sample *p, long count, double now)
{
	const struct proc_sample *old;
	double age = s->cfg.reclassify_age;

	if (age <= 0 || !s->prev || count < 0)
		return false;
	old = sample_find(s->prev, p->pid, p->start);
	if (!old || !old->classified || old->fds != count || was_incomplete(s, p))
		return false;
	if (now - old->classified_time >= age) {
		/* Renew it if the budget allows, or if it is twice the age. */
		double cost = (double)count * s->per_fd;

		if (cost <= s->refresh_tokens || now - old->classified_time >= 2 * age) {
			s->refresh_tokens -= cost;
			return false;
		}
		s->stats.postponed++;
	}
	copy_classification(p, old, count);
	return true;
}

/* How old a count carried from a listing may grow: COUNT_STALE_TICKS
 * samples, at most COUNT_STALE_MAX seconds. Four samples let a count that
 * starts to grow after a listing show within a few seconds at the usual
 * 1 s interval, while cutting the listings of a steady system to a quarter;
 * at 5 s and more every sample lists. */
static double count_bound(const struct sampler *s)
{
	double b = COUNT_STALE_TICKS * s->tick;

	return isless(b, COUNT_STALE_MAX) ? b : COUNT_STALE_MAX;
}

/* Records that p's count was just read from a listing of its fd/: how many
 * listings in a row found it, and, when it changed, that its neighbours are
 * to be listed again now. */
static void note_listed(struct sampler *s, struct proc_sample *p)
{
	const struct proc_sample *old = s->prev ? sample_find(s->prev, p->pid, p->start) : NULL;

	s->stats.listed++;
	p->fds_carried = false;
	p->fds_time = s->now;
	p->fds_held = 0;
	if (!old || old->fds < 0 || p->fds < 0)
		return;
	if (old->fds == p->fds) {
		p->fds_held = old->fds_held < 255 ? (unsigned char)(old->fds_held + 1) : 255;
		return;
	}
	if (s->nchanged == s->capchanged) {
		s->capchanged = s->capchanged ? s->capchanged * 2 : 8;
		s->changed = xreallocarray(s->changed, s->capchanged, sizeof(*s->changed));
	}
	s->changed[s->nchanged].pid = p->pid;
	s->changed[s->nchanged++].ppid = p->ppid;
}

/* Without st_size, gives p the count of its last listing instead of
 * listing fd/ again, when that count held across two listings, is younger
 * than count_bound, and nothing cheap to see says it moved: the process's
 * stat state is the same and its sockets were all known. Its limit,
 * network namespace and, for a process whose links may not be read, that
 * error are carried with the count, as old as it. */
static bool carry_count(struct sampler *s, struct proc_sample *p)
{
	const struct proc_sample *old;

	if (!s->prev || !isgreater(s->tick, 0.0))
		return false;
	old = sample_find(s->prev, p->pid, p->start);
	if (!old || old->fds <= 0 || old->fds_held < 1 || old->state != p->state ||
	    was_incomplete(s, p))
		return false;
	if (!isless(s->now - old->fds_time + s->tick / 2, count_bound(s)))
		return false;
	p->fds = old->fds;
	p->fds_time = old->fds_time;
	p->fds_held = old->fds_held;
	p->fds_carried = true;
	p->limit = old->limit;
	p->netns = old->netns;
	p->unit = xstrdup_null(old->unit);
	p->container = xstrdup_null(old->container);
	p->fd_err = old->fd_err;
	s->stats.carried++;
	return true;
}

/* Is p a neighbour (parent, child or sibling under the same parent other
 * than init) of a process whose count changed in this sample? Worker
 * pools leak together, and a change next door is cheap to see. */
static bool neighbour_changed(const struct sampler *s, const struct proc_sample *p)
{
	for (size_t i = 0; i < s->nchanged; i++) {
		int pid = s->changed[i].pid, ppid = s->changed[i].ppid;

		if (pid == p->pid)
			continue;
		if (p->ppid == pid || p->pid == ppid || (p->ppid > 1 && p->ppid == ppid))
			return true;
	}
	return false;
}

enum read_result { READ_GONE = -1, READ_SKIPPED = 0, READ_OK = 1 };

/* Opens the process of c and reads its stat into *st: its /proc directory
 * (caller closes), or -1 with *res saying why not. Kernel threads,
 * processes the selection rejects by name and real zombies (they hold no
 * fds) are skipped; a zombie leader is read through a live thread. */
static int open_process(struct sampler *s, const struct candidate *c, struct sample *out,
			struct proc_stat *st, enum read_result *res)
{
	char name[16], *text;
	int pd, err;

	*res = READ_GONE;
	snprintf(name, sizeof(name), "%d", c->pid);
	pd = openat(s->rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0)
		return -1;
	if (read_file_at(pd, "stat", &text, NULL) < 0) {
		close(pd);
		return -1;
	}
	err = procfs_parse_stat(text, st);
	free(text);
	*res = READ_SKIPPED;
	if (err < 0) {
		out->nskipped_lines++;
		close(pd);
		return -1;
	}
	if (st->state == 'X' || st->kthread ||
	    !selection_match(&s->sel, c->pid, c->uid, st->comm)) {
		close(pd);
		return -1;
	}
	if (st->state == 'Z') {
		int td = procs_live_thread_dir(pd, c->pid);

		close(pd);
		return td; /* identity (pid, start, comm) stays the leader's */
	}
	return pd;
}

/* Orders cached fds by number, for bsearch. */
static int cmp_fdc_fd(const void *a, const void *b)
{
	const struct fdc_ent *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Orders fd caches by process key, for qsort and bsearch. */
static int cmp_fdcache(const void *a, const void *b)
{
	const struct fdcache *const *x = a, *const *y = b;

	return proc_key_cmp(&(*x)->key, &(*y)->key);
}

/* The fd cache of process p, or NULL (owned by s); marks it seen in this
 * pass. */
static struct fdcache *fdcache_find(struct sampler *s, const struct proc_sample *p)
{
	struct fdcache key = { .key = { p->pid, p->start } }, *kp = &key, **f;

	f = s->nfdc_sorted ? bsearch(&kp, s->fdc, s->nfdc_sorted, sizeof(*s->fdc), cmp_fdcache)
			   : NULL;
	for (size_t i = s->nfdc_sorted; !f && i < s->nfdc; i++)
		if (proc_key_eq(&s->fdc[i]->key, &key.key))
			f = &s->fdc[i];
	if (f)
		(*f)->seen = s->pass;
	return f ? *f : NULL;
}

/* The fd cache of p, added empty when it has none (owned by s). */
static struct fdcache *fdcache_get(struct sampler *s, const struct proc_sample *p)
{
	struct fdcache *fc = fdcache_find(s, p);

	if (fc)
		return fc;
	if (s->nfdc == s->capfdc) {
		s->capfdc = s->capfdc ? s->capfdc * 2 : 16;
		s->fdc = xreallocarray(s->fdc, s->capfdc, sizeof(*s->fdc));
	}
	fc = xcalloc(1, sizeof(*fc));
	fc->key.pid = p->pid;
	fc->key.start = p->start;
	fc->seen = s->pass;
	s->fdc[s->nfdc++] = fc;
	return fc;
}

/* At the end of a pass: drops the caches of processes it did not see
 * (gone, or no longer selected) and sorts the rest. */
static void fdcache_prune(struct sampler *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->nfdc; i++) {
		if (s->fdc[i]->seen == s->pass) {
			s->fdc[k++] = s->fdc[i];
		} else {
			fdcache_clear(s->fdc[i]);
			free(s->fdc[i]);
		}
	}
	s->nfdc = k;
	if (s->nfdc_sorted != k)
		qsort(s->fdc, k, sizeof(*s->fdc), cmp_fdcache);
	s->nfdc_sorted = k;
}

/* Classifies p (the process at pd, entry of out), its sockets into pend,
 * loading the tables they need; fast is its st_size count or -1. A
 * watching sampler reads only the links its fd cache cannot answer.
 * 0 or -errno (-ENOENT, -ESRCH: it is gone). */
static int classify(struct sampler *s, int pd, struct proc_sample *p, struct sample *out,
		    struct pending *pend, long fast)
{
	double t0 = clock_mono();
	struct fdcache *fc = s->cfg.reclassify_age > 0 ? fdcache_get(s, p) : NULL;
	struct fds_counts cnt = { 0, 0 };
	int err;

	pend->proc = (size_t)(p - out->procs);
	pend->seq = ++s->seq;
	err = fds_classify(pd, p, pend, fc, s->real_proc ? &s->fstypes : NULL, out->time,
			   s->cfg.reclassify_age, &cnt);
	s->stats.classified++;
	s->stats.links_read += cnt.read;
	s->stats.links_reused += cnt.reused;
	if (err == 0 && cnt.read > 0) /* a running average of the cost per link */
		s->per_fd = 0.8 * s->per_fd + 0.2 * (clock_mono() - t0) / (double)cnt.read;
	if (err == -ENOENT || err == -ESRCH)
		return err;
	p->fds_carried = false; /* listed now, whatever it had */
	p->fds_time = out->time;
	if (fast < 0 && (err == 0 || p->fds > 0))
		note_listed(s, p);
	if (err < 0) {
		p->fd_err = -err;
		if (fast >= 0 || p->fds <= 0)
			p->fds = fast;
	} else {
		p->classified_time = out->time;
		pend->netns = p->netns;
		if (pend->n)
			nstables_load_for(s, pd, pend, &out->nskipped_lines);
	}
	return err;
}

/* Reads one process into a new entry of out, its sockets into pend. */
static enum read_result read_process(struct sampler *s, const struct candidate *c,
				     struct sample *out, struct pending *pend)
{
	struct proc_stat st;
	struct proc_sample *p;
	enum read_result res;
	struct stat sb;
	long fast = -1, limit;
	bool carried;
	char *text;
	int pd = open_process(s, c, out, &st, &res), err;

	if (pd < 0)
		return res;
	p = sample_add_proc(out);
	p->pid = c->pid;
	p->ppid = st.ppid;
	p->start = st.start;
	if (s->cfg.reclassify_age > 0)
		fdcache_find(s, p); /* seen: its cache stays */
	p->comm = xstrdup(st.comm);
	p->state = st.state;
	p->fds_time = out->time;
	p->uid = c->uid;
	p->user = c->user ? xstrdup(c->user) : procs_user_name(c->uid);
	/* The kernel (>= 6.2) reports the open-fd count as the size of fd/,
	 * even to users who may not list it; 0 means "not supported". */
	if (!s->cfg.no_stsize && fstatat(pd, "fd", &sb, 0) == 0 && sb.st_size > 0)
		fast = (long)sb.st_size;
	carried = s->cfg.reclassify_age > 0 && fast < 0 && carry_count(s, p);
	if (!carried) {
		p->netns = fds_netns(pd, "ns/net");
		if (read_file_at(pd, "cgroup", &text, NULL) == 0) {
			identity_parse(text, &p->unit, &p->container);
			free(text);
		}
		if (read_file_at(pd, "limits", &text, NULL) == 0) {
			if (procfs_parse_limits(text, &limit) == 0)
				p->limit = limit;
			else
				out->nskipped_lines++;
			free(text);
		}
	}
	if (carried && p->fd_err) {
		/* Counts only, carried: its links stay unreadable until the
		 * count is listed again. */
		close(pd);
		return READ_OK;
	}

	if (s->cfg.reclassify_age > 0) {
		long count = fast;

		if (carried) {
			count = p->fds;
		} else if (count < 0 && s->prev && sample_find(s->prev, p->pid, p->start)) {
			/* (a process new to the sampler is classified below,
			 * which lists it once) */
			p->fds = count = fds_count(pd);
			note_listed(s, p);
		}
		if (reuse_classification(s, p, count, out->time)) {
			s->stats.reused++;
			close(pd);
			return READ_OK;
		}
	}
	err = classify(s, pd, p, out, pend, fast);
	close(pd);
	if (err == -ENOENT || err == -ESRCH) {
		/* Gone between opening and listing. */
		proc_sample_clear(p);
		out->nprocs--;
		pend->n = 0;
		return READ_GONE;
	}
	return READ_OK;
}

/* Has a socket that p's last classification found closed since: gone
 * from its table, read again during this sample for another process? A
 * count carried past that is stale (a new socket shows only in a
 * listing). */
static bool sockets_moved(struct sampler *s, const struct proc_sample *p)
{
	const struct fdcache *fc = s->cfg.reclassify_age > 0 ? fdcache_find(s, p) : NULL;

	if (!fc || !nstables_read_now(s, p->netns))
		return false; /* nothing read since: nothing to tell */
	for (size_t i = 0; i < fc->n; i++)
		if (fc->v[i].type == FD_SOCKET && fc->v[i].u.inode &&
		    nstables_lost(s, p->netns, fc->v[i].kind, fc->v[i].u.inode))
			return true;
	return false;
}

/* Leaves in p's fd cache the kind each of its sockets was taken for, so
 * that sockets_moved knows which table to look in. */
static void fdcache_note_sockets(struct sampler *s, const struct proc_sample *p,
				 const struct pending *pe)
{
	struct fdcache *fc = s->cfg.reclassify_age > 0 ? fdcache_find(s, p) : NULL;

	for (size_t i = 0; fc && fc->n && i < pe->n; i++) {
		struct fdc_ent key = { .fd = pe->fds[i] }, *e;

		e = bsearch(&key, fc->v, fc->n, sizeof(*fc->v), cmp_fdc_fd);
		if (e && e->type == FD_SOCKET && e->u.inode == pe->inodes[i])
			e->kind = pe->kinds[i];
	}
}

/* Lists again, within this sample, the processes whose count was carried
 * but whose neighbour's count changed or one of whose sockets closed, and
 * classifies those whose count moved (their sockets into the next free
 * slots of pend). */
static void relist_neighbours(struct sampler *s, struct sample *out, struct pending *pend,
			      size_t *npend)
{
	for (size_t i = 0; i < out->nprocs; i++) {
		struct proc_sample *p = &out->procs[i];
		struct pending *pe = &pend[*npend];
		struct proc_stat st;
		char name[16], *text;
		long count;
		int pd, bad;

		if (!p->fds_carried || !(neighbour_changed(s, p) || sockets_moved(s, p)))
			continue;
		snprintf(name, sizeof(name), "%d", p->pid);
		pd = openat(s->rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pd < 0)
			continue;
		bad = read_file_at(pd, "stat", &text, NULL);
		if (bad == 0) {
			bad = procfs_parse_stat(text, &st) < 0 || st.start != p->start;
			free(text);
		}
		count = bad ? -1 : fds_count(pd);
		if (count < 0) {
			close(pd);
			continue; /* gone or unreadable now: the carried count stays */
		}
		s->stats.relisted++;
		if (count == p->fds) {
			p->fds_carried = false;
			p->fds_time = s->now;
		} else {
			proc_sample_unclassify(p);
			pe->n = 0;
			pe->proc = i;
			if (classify(s, pd, p, out, pe, -1) < 0 && p->fds < 0)
				p->fds = count;
			if (pe->n)
				(*npend)++;
		}
		close(pd);
	}
}

/* Starts the clock of a sample: its time, the tables that still serve,
 * and the refresh budget earned since the last one. */
static void begin_sample(struct sampler *s, struct sample *out)
{
	out->time = clock_wall();
	out->mono = clock_mono();
	s->now = out->time;
	s->pass++;
	s->fstypes.pass = s->pass;
	nstables_prune(s);
	if (s->cfg.reclassify_age > 0) {
		double most = REFRESH_BUDGET * s->cfg.reclassify_age;

		s->refresh_tokens += s->last_now > 0 ? (s->now - s->last_now) * REFRESH_BUDGET : most;
		if (s->refresh_tokens > most)
			s->refresh_tokens = most;
	}
	if (s->last_now > 0 && isgreater(s->now, s->last_now)) {
		double gap = s->now - s->last_now;

		s->tick = isgreater(s->tick, 0.0) ? 0.8 * s->tick + 0.2 * gap : gap;
	}
	s->last_now = s->now;
	s->nchanged = 0;
	memset(&s->stats, 0, sizeof(s->stats));
}

/* Keeps a private copy of out for reuse by the next sample. */
static void keep_previous(struct sampler *s, const struct sample *out)
{
	sample_free(s->prev);
	s->prev = NULL;
	if (s->cfg.reclassify_age <= 0)
		return;
	s->prev = sample_new();
	*s->prev = *out;
	memset(&s->prev->sys, 0, sizeof(s->prev->sys)); /* not needed there */
	s->prev->procs = xcalloc(out->nprocs ? out->nprocs : 1, sizeof(*out->procs));
	for (size_t i = 0; i < out->nprocs; i++)
		proc_sample_copy(&s->prev->procs[i], &out->procs[i]);
}

/* Which sampled process holds each socket: those classified in this
 * sample by their pending sockets, the others by what their fd cache
 * remembers (their groups are reused, but they may be the other end of a
 * new connection). */
static void holders_build(struct sampler *s, const struct sample *out,
			  const struct pending *pend, size_t npend, struct holders *h)
{
	bool *pending = xcalloc(out->nprocs + 1, sizeof(*pending));
	size_t want = 0;

	for (size_t i = 0; i < npend; i++) {
		want += pend[i].n;
		pending[pend[i].proc] = true;
	}
	for (size_t i = 0; i < s->nfdc; i++)
		for (size_t k = 0; k < s->fdc[i]->n; k++)
			want += s->fdc[i]->v[k].type == FD_SOCKET;
	/* room for as many from outside the sample (holders_outside) */
	holders_init(h, 2 * want);
	for (size_t i = 0; i < npend; i++)
		for (size_t k = 0; k < pend[i].n; k++)
			holders_add(h, pend[i].inodes[k], pend[i].proc);
	for (size_t i = 0; i < out->nprocs && s->cfg.reclassify_age > 0; i++) {
		const struct fdcache *fc;

		if (pending[i] || !out->procs[i].classified)
			continue;
		fc = fdcache_find(s, &out->procs[i]);
		for (size_t k = 0; fc && k < fc->n; k++)
			if (fc->v[k].type == FD_SOCKET)
				holders_add(h, fc->v[k].u.inode, i);
	}
	free(pending);
}

/* Orders pids, for bsearch. */
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The socket inode an fd link names ("socket:[N]"), or 0. */
static unsigned long link_socket(int fddir, const char *name)
{
	char link[64];
	ssize_t r = readlinkat(fddir, name, link, sizeof(link) - 1);

	if (r <= 9 || strncmp(link, "socket:[", 8) != 0)
		return 0;
	link[r] = '\0';
	return strtoul(link + 8, NULL, 10);
}

/* Looks for the holders of a one-shot sample's missing peers (the other
 * ends of its local connections, held by no sampled process) among the
 * processes it did not select: a report of one client names the server
 * it leaks toward. Only the fd tables this user may read are looked at,
 * and only their socket links, until every missing peer is found; the
 * rest stay unknown. */
static void holders_outside(struct sampler *s, const struct sample *out,
			    const unsigned long *want, size_t nwant, struct holders *h)
{
	size_t left = 0;
	struct holders wanted;
	int *pids;
	DIR *root;
	struct dirent *de;

	if (!nwant)
		return;
	holders_init(&wanted, nwant);
	for (size_t i = 0; i < nwant; i++)
		holders_add(&wanted, want[i], 1);
	for (size_t i = 0; i < wanted.n; i++)
		left += wanted.inode[i] != 0;
	pids = xcalloc(out->nprocs + 1, sizeof(*pids));
	for (size_t i = 0; i < out->nprocs; i++)
		pids[i] = out->procs[i].pid;
	qsort(pids, out->nprocs, sizeof(*pids), cmp_int);
	/* A directory of its own: a dup would share (and keep) the read
	 * position of every earlier listing of the proc root. */
	root = opendirat(s->rootfd, ".", 0);
	while (root && left && (de = readdir(root))) {
		int pid = atoi(de->d_name), pd, fddir;
		struct proc_stat st;
		bool had = false;
		char *text;
		DIR *fds;
		struct dirent *fe;

		if (pid <= 0 || bsearch(&pid, pids, out->nprocs, sizeof(*pids), cmp_int))
			continue;
		pd = openat(s->rootfd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pd < 0)
			continue;
		fddir = openat(pd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fds = fddir >= 0 ? fdopendir(fddir) : NULL;
		if (!fds) {
			if (fddir >= 0)
				close(fddir);
			close(pd);
			continue; /* not ours to read, or gone */
		}
		while ((fe = readdir(fds))) {
			unsigned long inode = fe->d_name[0] != '.' ? link_socket(fddir, fe->d_name) : 0;
			size_t slot;

			if (!inode)
				continue;
			/* a wanted inode not yet found (proc 1): take it */
			slot = (size_t)(inode * 0x9e3779b97f4a7c15ULL >> 17) & (wanted.n - 1);
			while (wanted.inode[slot] && wanted.inode[slot] != inode)
				slot = (slot + 1) & (wanted.n - 1);
			if (wanted.inode[slot] != inode || wanted.proc[slot] != 1)
				continue;
			wanted.proc[slot] = 0;
			left--;
			if (!had && read_file_at(pd, "stat", &text, NULL) == 0) {
				if (procfs_parse_stat(text, &st) == 0) {
					h->extra = xreallocarray(h->extra, h->nextra + 1, sizeof(*h->extra));
					memset(&h->extra[h->nextra], 0, sizeof(*h->extra));
					h->extra[h->nextra].pid = pid;
					h->extra[h->nextra].start = st.start;
					h->extra[h->nextra].comm = xstrdup(st.comm);
					h->nextra++;
					had = true;
				}
				free(text);
			}
			if (had)
				holders_add(h, inode, h->base + h->nextra - 1);
		}
		closedir(fds);
		close(pd);
	}
	if (root)
		closedir(root);
	holders_free(&wanted);
	free(pids);
}

/* How often a watching sampler looks outside the sample for the holders
 * of its missing peers: reading other processes' socket links every
 * second would cost more than the rest (the man page's SAMPLING COST). */
#define OUTSIDE_EVERY 30.0

/* Adds to h an outside holder (a copy of pe) of inode. */
static void holders_add_extra(struct holders *h, unsigned long inode, const struct sock_peer *pe)
{
	for (size_t i = 0; i < h->nextra; i++)
		if (h->extra[i].pid == pe->pid && h->extra[i].start == pe->start) {
			holders_add(h, inode, h->base + i);
			return;
		}
	h->extra = xreallocarray(h->extra, h->nextra + 1, sizeof(*h->extra));
	h->extra[h->nextra] = *pe;
	h->extra[h->nextra].comm = xstrdup_null(pe->comm);
	h->extra[h->nextra].count = 0;
	holders_add(h, inode, h->base + h->nextra++);
}

/* The holders of the sample's missing peers outside it: looked for at
 * once in a one-shot sample; in a watching one every OUTSIDE_EVERY
 * seconds, what that look found serving the samples in between (a
 * connection made since stays unknown until the next look). */
static void peers_outside(struct sampler *s, const struct sample *out,
			  const struct pending *pend, size_t npend, struct holders *h)
{
	unsigned long *want;
	size_t nwant = nstables_peers_missing(s, pend, npend, h, &want);
	bool watching = s->cfg.reclassify_age > 0;

	h->base = out->nprocs;
	if (!nwant || !s->real_proc) {
		free(want);
		return;
	}
	if (!watching) {
		holders_outside(s, out, want, nwant, h);
	} else if (s->outside_time <= 0 || !isless(s->now - s->outside_time, OUTSIDE_EVERY)) {
		holders_outside(s, out, want, nwant, h);
		holders_free(&s->outside);
		holders_init(&s->outside, nwant);
		for (size_t i = 0; i < nwant; i++) {
			long k = holders_find(h, want[i]);

			if (k >= (long)h->base)
				holders_add_extra(&s->outside, want[i], &h->extra[(size_t)k - h->base]);
		}
		s->outside_time = s->now;
	} else if (s->outside.n) {
		for (size_t i = 0; i < nwant; i++) {
			long k = holders_find(&s->outside, want[i]);

			if (k >= 0)
				holders_add_extra(h, want[i], &s->outside.extra[k]);
		}
	}
	free(want);
}

struct sample *sampler_take(struct sampler *s)
{
	struct holders h;
	struct sample *out = sample_new();
	struct candidate *c = NULL;
	struct pending *pend;
	size_t n, npend = 0;
	bool ok;

	memset(&h, 0, sizeof(h));
	begin_sample(s, out);
	n = procs_list(s, &c, &ok);
	out->list_failed = !ok;
	if (!ok && !s->list_warned) /* once: a watching command would repeat it */
		warnx_("cannot list the processes (out of memory, or /proc unreadable): "
		       "this sample holds only what could be read");
	s->list_warned |= !ok;
	pend = xcalloc(n + 1, sizeof(*pend)); /* one spare: the slot being filled */
	for (size_t i = 0; i < n; i++) {
		struct pending *pe = &pend[npend];

		pe->n = 0;
		if (read_process(s, &c[i], out, pe) == READ_GONE)
			out->nvanished++;
		if (pe->n)
			npend++;
	}
	procs_list_free(c, n);
	relist_neighbours(s, out, pend, &npend);
	s->nincomplete_next = 0;
	if (!s->cfg.no_peers && npend) { /* (nothing to resolve otherwise) */
		holders_build(s, out, pend, npend, &h);
		peers_outside(s, out, pend, npend, &h);
	}
	for (size_t i = 0; i < npend; i++) {
		struct proc_sample *p = &out->procs[pend[i].proc];

		if (nstables_resolve(s, p, &pend[i], h.n ? &h : NULL, out) &&
		    s->cfg.reclassify_age > 0)
			mark_incomplete(s, p);
		fdcache_note_sockets(s, p, &pend[i]);
		pending_clear(&pend[i]);
	}
	holders_free(&h);
	swap_incomplete(s);
	fdcache_prune(s);
	pending_clear(&pend[npend]);
	free(pend);
	for (size_t i = 0; i < out->nprocs; i++)
		proc_sample_sort_groups(&out->procs[i]);
	sample_finish(out);
	sys_read(s, out);
	keep_previous(s, out);
	return out;
}

const struct sampler_stats *sampler_stats(const struct sampler *s)
{
	return &s->stats;
}
