/* sampler-net.c - the socket tables of each network namespace, kept
 * across samples: read once per sample (through netlink when it can, the
 * /proc/PID/net files otherwise), reused while younger than the reuse age,
 * with only the table a new socket belongs to read again, and the new TCP
 * sockets of a known process found by its ports. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sampler-int.h"
#include "socktab-diag.h"
#include "util.h"

/* A diag socket for the netns of the process at piddir: our own (kept
 * open), or a new one made there through setns when we may (caller closes
 * it when *fresh). -1 when the files must be read instead. */
static int netlink_for(struct sampler *s, int piddir, unsigned long netns, bool *fresh)
{
	int nsfd, nl;

	*fresh = false;
	if (!s->use_netlink || !netns)
		return -1;
	if (netns == s->self_netns) {
		if (s->nl_self < 0)
			s->nl_self = sockdiag_open();
		return s->nl_self;
	}
	if (s->setns_denied || s->selfns < 0)
		return -1;
	nsfd = openat(piddir, "ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -1;
	nl = sockdiag_open_in(nsfd, s->selfns);
	close(nsfd);
	if (nl == -EPERM || nl == -ENOTRECOVERABLE)
		s->setns_denied = true;
	if (nl < 0)
		return -1;
	*fresh = true;
	return nl;
}

struct nstables *nstables_get(struct sampler *s, unsigned long netns)
{
	struct nstables *ns;

	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].netns == netns)
			return &s->ns[i];
	if (s->nns == s->capns) {
		s->capns = s->capns ? s->capns * 2 : 4;
		s->ns = xreallocarray(s->ns, s->capns, sizeof(*s->ns));
	}
	ns = &s->ns[s->nns++];
	memset(ns, 0, sizeof(*ns));
	ns->netns = netns;
	return ns;
}

/* May a table read by sample number pass at time t serve this sample? One
 * read during it always may; an older one while it is younger than the
 * reuse age. */
static bool table_fresh_enough(const struct sampler *s, double t, unsigned long pass)
{
	return pass == s->pass || (s->cfg.reclassify_age > 0 && s->now - t < s->cfg.reclassify_age);
}

/* May table k of ns, when read, serve this sample? */
static bool tab_fresh(const struct sampler *s, const struct nstables *ns, int k)
{
	return table_fresh_enough(s, ns->time[k], ns->pass[k]);
}

/* The key of a socket in the usable tables of ns, or NULL. */
static const struct sock_key *nstables_key(const struct sampler *s, const struct nstables *ns,
					   unsigned long inode)
{
	const struct sock_key *key;

	if (ns->recent && ns->tab[SOCKDIAG_TCP] && tab_fresh(s, ns, SOCKDIAG_TCP) &&
	    (key = socktab_key(ns->recent, inode)))
		return key;
	for (int k = 0; k < NTABLES; k++) {
		if (ns->tab[k] && tab_fresh(s, ns, k) &&
		    (key = socktab_key(ns->tab[k], inode)))
			return key;
	}
	return NULL;
}

/* Does a usable table of ns hold the socket or know it to be absent? */
static bool nstables_knows(const struct sampler *s, const struct nstables *ns, unsigned long inode)
{
	return nstables_key(s, ns, inode) ||
	       (ns->absent && table_fresh_enough(s, ns->absent_time, ns->absent_pass) &&
		socktab_knows(ns->absent, inode));
}


/* Which table holds the socket at fd/N of the process at piddir: asked of
 * the socket itself (its "system.sockprotoname" attribute), one syscall.
 * enum sockdiag_table, -1 for a kind no table lists, or -errno. */
static int socket_table(int piddir, int fd)
{
	char path[64], name[32];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/fd/%d", piddir, fd);
	r = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (r < 0)
		return -errno;
	name[r] = '\0';
	if (strncmp(name, "TCP", 3) == 0)
		return SOCKDIAG_TCP;
	if (strncmp(name, "UDP", 3) == 0 && strncmp(name, "UDPLITE", 7) != 0)
		return SOCKDIAG_UDP;
	if (strncmp(name, "UNIX", 4) == 0)
		return SOCKDIAG_UNIX;
	return -1;
}

/* The tables a process's sockets call for that this sample has not read.
 * Tables still young enough serve the sockets they know; a socket none
 * knows is news (a process that grows or churns), and only its own table
 * is read again. Without reuse every table is read once per sample. */
static unsigned tables_needed(const struct sampler *s, int piddir, const struct nstables *ns,
			      struct pending *pend)
{
	unsigned fresh = 0, need = 0;

	for (int k = 0; k < NTABLES; k++)
		if (ns->tab[k] && ns->pass[k] == s->pass)
			fresh |= 1u << k;
	if (fresh == SOCKTAB_ALL)
		return 0;
	for (size_t i = 0; i < pend->n; i++) {
		int k;

		if (nstables_knows(s, ns, pend->inodes[i]))
			continue;
		if (s->cfg.reclassify_age <= 0)
			return SOCKTAB_ALL & ~fresh;
		k = socket_table(piddir, pend->fds[i]);
		pend->kinds[i] = (signed char)(k >= -1 ? k : KIND_UNASKED);
		if (k >= 0)
			need |= 1u << k;
		else if (k != -1 && k != -ENOENT) /* cannot tell: read them all */
			return SOCKTAB_ALL & ~fresh;
	}
	return need & ~fresh;
}

/* Reads the tables in `need` for the namespace of the process at piddir.
 * A table that cannot be read is replaced by an empty one, so that it is
 * tried once per sample, not once per process. */
static void load_tables(struct sampler *s, int piddir, struct nstables *ns, unsigned need,
			size_t *skipped)
{
	bool fresh;
	int nl = netlink_for(s, piddir, ns->netns, &fresh);
	unsigned via_all = 0;

	for (int k = 0; k < NTABLES; k++) {
		struct socktab *t;
		unsigned via = 0;

		if (!(need & (1u << k)))
			continue;
		t = socktab_new();
		if (socktab_load(t, piddir, nl, 1u << k, skipped, &via) == 0)
			s->stats.tables_read++;
		socktab_free(ns->tab[k]);
		ns->tab[k] = t;
		ns->time[k] = s->now;
		ns->pass[k] = s->pass;
		if (k == SOCKDIAG_TCP) {
			socktab_free(ns->recent);
			ns->recent = NULL;
		}
		via_all |= via;
	}
	if (fresh)
		close(nl);
	if (via_all)
		s->stats.netns_netlink++;
	else
		s->stats.netns_procfs++;
	s->stats.tables_netlink |= via_all;
}

/* A large table that a watching sampler dumped whole less than
 * TABLE_MIN_GAP seconds ago, in an earlier sample, is not dumped whole
 * again for the new sockets of a process: on a busy machine some process
 * opens sockets all the time, and copying 100k rows out for each sample
 * would cost more than everything else. The process waits, its unknown
 * sockets counted but grouped as "other", and is classified again on the
 * next samples until the table is read. New TCP sockets toward the
 * endpoints a process already uses (a leak's shape) never wait: the dump
 * filtered by those ports returns only their rows. Small tables cost
 * little and are read at once. */
#define TABLE_MIN_GAP 5.0
#define TABLE_SMALL 2000

/* Must table k of ns wait for its cadence before it is dumped again? */
static bool table_waits(const struct sampler *s, const struct nstables *ns, int k)
{
	double last;

	if (s->cfg.reclassify_age <= 0 || !ns->tab[k] || ns->pass[k] == s->pass ||
	    socktab_size(ns->tab[k]) <= TABLE_SMALL)
		return false;
	last = ns->time[k];
	return isless(s->now - last, TABLE_MIN_GAP);
}

/* Drops from need the tables that are to wait for their cadence. */
static unsigned defer_tables(struct sampler *s, const struct nstables *ns, unsigned need)
{
	for (int k = 0; k < NTABLES; k++) {
		if ((need & (1u << k)) && table_waits(s, ns, k)) {
			need &= ~(1u << k);
			s->stats.tables_deferred++;
		}
	}
	return need;
}

/* Finds the new TCP sockets of a process whose other TCP sockets the
 * (still young) TCP table knows, with a dump filtered by the ports those
 * use: a leak opens its connections toward the endpoints it already uses,
 * a server accepts on the ports it listens on. Reading only those costs a
 * fraction of reading 100k sockets. True when every socket of the process
 * that the TCP table lacked was found; the rows go to ns->recent. */
static bool find_by_ports(struct sampler *s, int piddir, struct nstables *ns,
			  const struct pending *pend)
{
	uint16_t ports[SOCKDIAG_MAX_PORTS];
	size_t nports = 0, n = 0, cap = 0;
	struct sock_entry *rows = NULL;
	bool fresh, all = true;
	int nl;

	if (s->cfg.reclassify_age <= 0 || !ns->tab[SOCKDIAG_TCP] ||
	    !tab_fresh(s, ns, SOCKDIAG_TCP) || ns->pass[SOCKDIAG_TCP] == s->pass)
		return false;
	for (size_t i = 0; i < pend->n; i++) {
		const struct sock_entry *e = socktab_entry(ns->tab[SOCKDIAG_TCP], pend->inodes[i]);
		const struct sock_key *key = socktab_key(ns->tab[SOCKDIAG_TCP], pend->inodes[i]);
		uint16_t want;
		size_t k;

		/* the service side of each: where it listens or was accepted,
		 * the remote port of what it opened */
		if (!e || !key || key->dir == SOCK_NONE)
			continue;
		want = key->dir == SOCK_OUT ? e->rport : e->lport;
		for (k = 0; k < nports && ports[k] != want; k++)
			;
		if (k < nports)
			continue;
		if (nports == SOCKDIAG_MAX_PORTS)
			return false; /* too many endpoints: read the table */
		ports[nports++] = want;
	}
	if (!nports)
		return false;
	nl = netlink_for(s, piddir, ns->netns, &fresh);
	if (nl < 0)
		return false;
	if (sockdiag_dump_tcp_ports(nl, ports, nports, &rows, &n, &cap) < 0) {
		if (fresh)
			close(nl);
		return false;
	}
	if (fresh)
		close(nl);
	if (!ns->recent)
		ns->recent = socktab_new();
	socktab_add_netns(ns->recent, rows, n); /* takes the rows' paths (none for TCP) */
	free(rows);
	s->stats.tables_by_port++;
	for (size_t i = 0; i < pend->n && all; i++)
		if (pend->kinds[i] == SOCKDIAG_TCP && !socktab_entry(ns->recent, pend->inodes[i]) &&
		    !socktab_entry(ns->tab[SOCKDIAG_TCP], pend->inodes[i]))
			all = false;
	return all;
}


void nstables_prune(struct sampler *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nns; i++) {
		struct nstables *ns = &s->ns[i];
		bool live = ns->absent && table_fresh_enough(s, ns->absent_time, ns->absent_pass);

		for (int k = 0; k < NTABLES; k++) {
			if (ns->tab[k] && !tab_fresh(s, ns, k)) {
				socktab_free(ns->tab[k]);
				ns->tab[k] = NULL;
			}
			live |= ns->tab[k] != NULL;
		}
		if (!ns->tab[SOCKDIAG_TCP]) {
			socktab_free(ns->recent);
			ns->recent = NULL;
		}
		if (!live) {
			for (int k = 0; k < NTABLES; k++)
				socktab_free(ns->tab[k]);
			socktab_free(ns->recent);
			socktab_free(ns->absent);
			continue;
		}
		s->ns[kept++] = *ns;
	}
	s->nns = kept;
}


/* Orders interned keys by address, for qsort. */
static int cmp_keyptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

/* Interned keys are equal exactly when their pointers are, so sorting the
 * pointers gathers each group (the man page's socket groups); inodes no
 * table holds are remembered as absent. */
bool nstables_resolve(struct sampler *s, struct proc_sample *p, const struct pending *pend)
{
	const struct sock_key **keys = xcalloc(pend->n, sizeof(*keys));
	struct nstables *ns = nstables_get(s, pend->netns);
	size_t ngroups = 0, cap = 1;
	bool incomplete = false;

	for (size_t i = 0; i < pend->n; i++) {
		keys[i] = nstables_key(s, ns, pend->inodes[i]);
		if (keys[i])
			continue;
		if (pend->kinds[i] != -1) {
			/* A TCP, UDP or unix socket (or one not asked) that no
			 * table read so far holds: made after its table was read.
			 * Not remembered as absent, and the process is classified
			 * again next time, with that table read again. */
			incomplete = true;
			continue;
		}
		if (!ns->absent || !table_fresh_enough(s, ns->absent_time, ns->absent_pass)) {
			socktab_free(ns->absent);
			ns->absent = socktab_new();
			ns->absent_time = s->now;
			ns->absent_pass = s->pass;
		}
		socktab_note_absent(ns->absent, pend->inodes[i]);
	}
	qsort(keys, pend->n, sizeof(*keys), cmp_keyptr);
	for (size_t i = 0; i < pend->n; i++)
		ngroups += i == 0 || keys[i] != keys[i - 1];
	/* sample.c grows socks by doubling: keep the capacity a power of two. */
	while (cap < ngroups)
		cap *= 2;
	p->socks = xcalloc(cap, sizeof(*p->socks));
	p->nsocks = 0;
	for (size_t i = 0, j; i < pend->n; i = j) {
		struct sock_group *g = &p->socks[p->nsocks++];

		for (j = i + 1; j < pend->n && keys[j] == keys[i]; j++)
			;
		g->count = (unsigned)(j - i);
		if (keys[i]) {
			g->proto = xstrdup(keys[i]->proto);
			g->dir = keys[i]->dir;
			g->endpoint = xstrdup_null(keys[i]->endpoint);
			g->state = xstrdup_null(keys[i]->state);
		} else { /* netlink, packet, unbound TCP, or a namespace we cannot read */
			g->proto = xstrdup("other");
			g->dir = SOCK_NONE;
		}
	}
	free(keys);
	return incomplete;
}


const struct sock_entry *nstables_entry(const struct sampler *s, unsigned long inode)
{
	for (size_t i = 0; i < s->nns; i++) {
		for (int k = 0; k < NTABLES; k++) {
			const struct sock_entry *e;

			if (s->ns[i].tab[k] && (e = socktab_entry(s->ns[i].tab[k], inode)))
				return e;
		}
	}
	return NULL;
}

void nstables_free_all(struct sampler *s)
{
	for (size_t i = 0; i < s->nns; i++) {
		for (int k = 0; k < NTABLES; k++)
			socktab_free(s->ns[i].tab[k]);
		socktab_free(s->ns[i].recent);
		socktab_free(s->ns[i].absent);
	}
	free(s->ns);
	s->ns = NULL;
	s->nns = s->capns = 0;
}

void nstables_load_for(struct sampler *s, int piddir, struct pending *pend, size_t *skipped)
{
	struct nstables *ns = nstables_get(s, pend->netns);
	unsigned need = tables_needed(s, piddir, ns, pend);

	if (need & (1u << SOCKDIAG_TCP) && find_by_ports(s, piddir, ns, pend))
		need &= ~(1u << SOCKDIAG_TCP);
	need = defer_tables(s, ns, need);
	if (need)
		load_tables(s, piddir, ns, need, skipped);
}
