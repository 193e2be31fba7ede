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

#include "kinds.h"
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
	if (ns->absent && table_fresh_enough(s, ns->absent_time, ns->absent_pass))
		return socktab_key(ns->absent, inode);
	return NULL;
}

/* Does a usable table of ns hold the socket or know it to be absent? */
static bool nstables_knows(const struct sampler *s, const struct nstables *ns, unsigned long inode)
{
	return nstables_key(s, ns, inode) != NULL;
}

/* The table that lists sockets of a kind (enum sockdiag_table or
 * SOCKTAB_OTHER), or -1 when none does (vsock, XDP, SCTP, ...). */
static int kind_table(int kind)
{
	switch (kind) {
	case KIND_TCP:
	case KIND_TCP6:
	case KIND_MPTCP: /* its first subflow, under the same inode */
		return SOCKDIAG_TCP;
	case KIND_UDP:
	case KIND_UDP6:
		return SOCKDIAG_UDP;
	case KIND_UNIX:
		return SOCKDIAG_UNIX;
	case KIND_UDPLITE:
	case KIND_UDPLITE6:
	case KIND_RAW:
	case KIND_RAW6:
	case KIND_ICMP:
	case KIND_ICMP6:
	case KIND_NETLINK:
	case KIND_PACKET:
		return SOCKTAB_OTHER;
	default:
		return -1;
	}
}


/* The kind of the socket at fd/N of the process at piddir, as the socket
 * itself names it (its "system.sockprotoname" attribute): one syscall.
 * A kind (kinds.h), or -errno. */
static int socket_kind(int piddir, int fd)
{
	char path[64], name[32];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/fd/%d", piddir, fd);
	r = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (r < 0)
		return -errno;
	name[r] = '\0';
	return kind_of_protoname(name);
}

/* Asks the socket of pending entry i its kind, once; the kind, or -errno. */
static int pending_kind(int piddir, struct pending *pend, size_t i)
{
	int k;

	if (pend->kinds[i] != KIND_UNASKED)
		return pend->kinds[i];
	k = socket_kind(piddir, pend->fds[i]);
	if (k >= 0)
		pend->kinds[i] = (unsigned char)k;
	return k;
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
	if ((fresh & SOCKTAB_ALL) == SOCKTAB_ALL)
		return 0;
	for (size_t i = 0; i < pend->n; i++) {
		int k, tab;

		if (nstables_knows(s, ns, pend->inodes[i]))
			continue;
		if (s->cfg.reclassify_age <= 0)
			return SOCKTAB_ALL & ~fresh;
		k = pending_kind(piddir, pend, i);
		tab = k >= 0 ? kind_table(k) : -1;
		if (tab >= 0 && tab != SOCKTAB_OTHER)
			need |= 1u << tab;
		else if (k < 0 && k != -ENOENT) /* cannot tell: read them all */
			return SOCKTAB_ALL & ~fresh;
	}
	return need & SOCKTAB_ALL & ~fresh;
}

/* Does the network namespace of the process at piddir hold MPTCP sockets
 * (the "sockets" column of net/protocols)? Their first subflow is in the
 * TCP table under the socket's own inode; only the socket tells it apart. */
static bool mptcp_in_use(int piddir)
{
	char *text, *line;
	bool used = false;

	if (read_file_at(piddir, "net/protocols", &text, NULL) < 0)
		return false;
	for (line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char name[16];
		long n;

		if (sscanf(line, "%15s %*u %ld", name, &n) == 2 && strncmp(name, "MPTCP", 5) == 0 &&
		    n > 0)
			used = true;
	}
	free(text);
	return used;
}

/* Is a whole TCP dump now to ask each socket's idle time? Each one does in
 * a one-shot sampler; a watching one asks every idle_every seconds. */
static bool idle_due(const struct sampler *s)
{
	if (s->cfg.idle_every < 0)
		return false;
	return !isgreater(s->cfg.idle_every, 0.0) || !isgreater(s->idle_last, 0.0) ||
	       !isless(s->now - s->idle_last, s->cfg.idle_every);
}

/* Reads the tables in `need` for the namespace of the process at piddir.
 * A table that cannot be read is replaced by an empty one, so that it is
 * tried once per sample, not once per process. */
static void load_tables(struct sampler *s, int piddir, struct nstables *ns, unsigned need,
			size_t *skipped)
{
	bool fresh = false;
	int nl = need & SOCKTAB_ALL ? netlink_for(s, piddir, ns->netns, &fresh) : -1;
	unsigned via_all = 0;

	for (int k = 0; k < NTABLES; k++) {
		struct socktab *t;
		unsigned via = 0;

		if (!(need & (1u << k)))
			continue;
		t = socktab_new();
		socktab_set_client_ports(t, s->client_lo, s->client_hi);
		if (ns->netns && ns->netns == s->self_netns)
			socktab_name_interfaces(t);
		if (k == SOCKDIAG_TCP)
			sockdiag_want_idle(idle_due(s));
		if (socktab_load(t, piddir, k == SOCKTAB_OTHER ? -1 : nl, 1u << k, skipped, &via) == 0)
			s->stats.tables_read++;
		socktab_free(ns->tab[k]);
		ns->tab[k] = t;
		ns->time[k] = s->now;
		ns->pass[k] = s->pass;
		ns->seq[k] = ++s->seq;
		if (k == SOCKDIAG_TCP) {
			socktab_free(ns->recent);
			ns->recent = NULL;
			ns->mptcp = mptcp_in_use(piddir);
		}
		via_all |= via;
		if (k == SOCKDIAG_TCP && (via & (1u << SOCKDIAG_TCP)) && idle_due(s))
			s->idle_last = s->now;
	}
	if (fresh)
		close(nl);
	if (!(need & SOCKTAB_ALL))
		; /* only the files of the other protocols */
	else if (via_all)
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
	/* the kernel fills tcp_info for the few rows it sends only */
	sockdiag_want_idle(s->cfg.idle_every >= 0);
	if (sockdiag_dump_tcp_ports(nl, ports, nports, &rows, &n, &cap) < 0) {
		if (fresh)
			close(nl);
		return false;
	}
	if (fresh)
		close(nl);
	if (!ns->recent) {
		ns->recent = socktab_new();
		socktab_set_client_ports(ns->recent, s->client_lo, s->client_hi);
	}
	socktab_add_netns(ns->recent, rows, n); /* takes the rows' paths (none for TCP) */
	free(rows);
	s->stats.tables_by_port++;
	for (size_t i = 0; i < pend->n && all; i++)
		if (pend->kinds[i] != KIND_UNASKED && kind_table(pend->kinds[i]) == SOCKDIAG_TCP &&
		    !socktab_entry(ns->recent, pend->inodes[i]) &&
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


/* The row of a socket in the usable tables of ns, as nstables_key finds
 * its key, and the table holding it in *tab; NULL when none lists it. */
static const struct sock_entry *nstables_row(const struct sampler *s, const struct nstables *ns,
					     unsigned long inode, struct socktab **tab)
{
	const struct sock_entry *e;

	if (ns->recent && ns->tab[SOCKDIAG_TCP] && tab_fresh(s, ns, SOCKDIAG_TCP) &&
	    (e = socktab_entry(ns->recent, inode))) {
		*tab = ns->recent;
		return e;
	}
	for (int k = 0; k < NTABLES; k++) {
		if (ns->tab[k] && tab_fresh(s, ns, k) && (e = socktab_entry(ns->tab[k], inode))) {
			*tab = ns->tab[k];
			return e;
		}
	}
	return NULL;
}

void holders_init(struct holders *h, size_t want)
{
	memset(h, 0, sizeof(*h));
	h->n = 64;
	while (h->n < want * 2)
		h->n *= 2;
	h->inode = xcalloc(h->n, sizeof(*h->inode));
	h->proc = xcalloc(h->n, sizeof(*h->proc));
}

void holders_add(struct holders *h, unsigned long inode, size_t proc)
{
	size_t mask = h->n - 1, i = (size_t)(inode * 0x9e3779b97f4a7c15ULL >> 17) & mask;

	if (!inode)
		return;
	for (; h->inode[i]; i = (i + 1) & mask)
		if (h->inode[i] == inode)
			return;
	h->inode[i] = inode;
	h->proc[i] = proc;
}

long holders_find(const struct holders *h, unsigned long inode)
{
	size_t mask = h->n - 1, i = (size_t)(inode * 0x9e3779b97f4a7c15ULL >> 17) & mask;

	for (; h->inode[i]; i = (i + 1) & mask)
		if (h->inode[i] == inode)
			return (long)h->proc[i];
	return -1;
}

void holders_free(struct holders *h)
{
	free(h->inode);
	free(h->proc);
	sock_peers_free(h->extra, h->nextra);
	memset(h, 0, sizeof(*h));
}

/* What the other end of a socket is, for its group's peers. */
enum peer_of { PEER_NA, PEER_UNKNOWN, PEER_FOUND };

/* A socket of a process resolved: its group's key (NULL when no table
 * read so far holds it), its kind, its idle time (NAN unknown, or not
 * TCP) and who holds its other end (holder, an index in the sample). */
struct resolved {
	const struct sock_key *key;
	int kind;
	double idle;
	unsigned char peer;      /* enum peer_of */
	long holder;
};

/* Orders resolved sockets by key address, then kind, for qsort. */
static int cmp_resolved(const void *a, const void *b)
{
	const struct resolved *x = a, *y = b;
	uintptr_t kx = (uintptr_t)x->key, ky = (uintptr_t)y->key;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Orders by idle time, for the median. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Orders by holder, for counting them. */
static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Orders peers by count, largest first, then pid. */
static int cmp_peer(const void *a, const void *b)
{
	const struct sock_peer *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The inode of the other end of connection e (row of table tab of ns):
 * a TCP connection's other end is local when a table of the namespace
 * holds its reverse four-tuple; a unix socket's when the dump gave its
 * peer (the /proc table does not: *unknown). 0 when there is none to
 * find (not connected, or not on this machine). */
static unsigned long peer_inode(const struct nstables *ns, struct socktab *tab,
				const struct sock_entry *e, bool *unknown)
{
	unsigned long peer = 0;

	*unknown = false;
	if (e->proto == P_TCP || e->proto == P_TCP6) {
		if (e->state == 10)
			return 0;
		peer = socktab_tcp_peer(tab, e);
		if (!peer && ns->tab[SOCKDIAG_TCP] && tab != ns->tab[SOCKDIAG_TCP])
			peer = socktab_tcp_peer(ns->tab[SOCKDIAG_TCP], e);
		if (!peer && ns->recent && tab != ns->recent)
			peer = socktab_tcp_peer(ns->recent, e);
		return peer;
	}
	if (e->proto != P_UNIX || e->state != 3 || e->listening)
		return 0;
	if (!e->has_peer)
		*unknown = true;
	return e->peer;
}

/* Finds the idle time and the other end of socket r (row e of table tab of
 * ns), its holder among those h knows. */
static void resolve_detail(const struct nstables *ns, struct socktab *tab,
			   const struct sock_entry *e, const struct holders *h, struct resolved *r)
{
	unsigned long peer;
	bool unknown;

	r->idle = NAN;
	r->peer = PEER_NA;
	r->holder = -1;
	if ((e->proto == P_TCP || e->proto == P_TCP6) && e->state != 10 && e->has_idle)
		r->idle = e->idle_ms / 1000.0;
	if (!h)
		return;
	peer = peer_inode(ns, tab, e, &unknown);
	if (unknown) {
		r->peer = PEER_UNKNOWN;
		return;
	}
	if (!peer)
		return;
	r->holder = holders_find(h, peer);
	r->peer = r->holder >= 0 ? PEER_FOUND : PEER_UNKNOWN;
}

size_t nstables_peers_missing(struct sampler *s, const struct pending *pend, size_t npend,
			      const struct holders *h, unsigned long **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < npend; i++) {
		struct nstables *ns = nstables_get(s, pend[i].netns);

		for (size_t k = 0; k < pend[i].n; k++) {
			struct socktab *tab = NULL;
			const struct sock_entry *e = nstables_row(s, ns, pend[i].inodes[k], &tab);
			unsigned long peer;
			bool unknown;

			if (!e || !(peer = peer_inode(ns, tab, e, &unknown)) || holders_find(h, peer) >= 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				*out = xreallocarray(*out, cap, sizeof(**out));
			}
			(*out)[n++] = peer;
		}
	}
	return n;
}

/* The idle times and peers of the sockets v[0..n) of one group, into g. */
static void group_detail(struct sock_group *g, const struct resolved *v, size_t n,
			 const struct sample *out, const struct holders *h)
{
	double *idle = xcalloc(n, sizeof(*idle));
	long *who = xcalloc(n, sizeof(*who));
	size_t ni = 0, nw = 0, nunknown = 0, npeers = 0, ntcp = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].key && (v[i].kind == KIND_TCP || v[i].kind == KIND_TCP6) &&
		    v[i].key->dir != SOCK_LISTEN && v[i].key->dir != SOCK_NONE)
			ntcp++;
		if (!isnan(v[i].idle))
			idle[ni++] = v[i].idle;
		if (v[i].peer == PEER_FOUND)
			who[nw++] = v[i].holder;
		else if (v[i].peer == PEER_UNKNOWN)
			nunknown++;
	}
	/* Only the idle times of all its connections describe a group: a few
	 * fresh ones beside many that were not asked would read as active. */
	if (ni && ni >= ntcp) {
		qsort(idle, ni, sizeof(*idle), cmp_double);
		g->idle_state = IDLE_KNOWN;
		g->idle_min = idle[0];
		g->idle_max = idle[ni - 1];
		g->idle_median = ni % 2 ? idle[ni / 2] : (idle[ni / 2 - 1] + idle[ni / 2]) / 2;
	} else if (ntcp) {
		g->idle_state = IDLE_UNKNOWN;
	}
	if (nw) {
		qsort(who, nw, sizeof(*who), cmp_long);
		for (size_t i = 0; i < nw; i++)
			npeers += i == 0 || who[i] != who[i - 1];
		g->peers = xcalloc(npeers, sizeof(*g->peers));
		for (size_t i = 0, j; i < nw; i = j) {
			struct sock_peer *pe = &g->peers[g->npeers++];

			for (j = i + 1; j < nw && who[j] == who[i]; j++)
				;
			if ((size_t)who[i] < out->nprocs) {
				const struct proc_sample *q = &out->procs[who[i]];

				pe->pid = q->pid;
				pe->start = q->start;
				pe->comm = xstrdup_null(q->comm);
			} else { /* a holder outside the sample */
				const struct sock_peer *x = &h->extra[(size_t)who[i] - h->base];

				pe->pid = x->pid;
				pe->start = x->start;
				pe->comm = xstrdup_null(x->comm);
			}
			pe->count = (unsigned)(j - i);
		}
		qsort(g->peers, g->npeers, sizeof(*g->peers), cmp_peer);
		while (g->npeers > PEERS_SHOWN)
			free(g->peers[--g->npeers].comm);
		g->peers_state = PEERS_KNOWN;
	} else if (nunknown) {
		g->peers_state = PEERS_UNKNOWN;
	}
	free(idle);
	free(who);
}

/* Interned keys are equal exactly when their pointers are, so sorting the
 * pointers gathers each group (the man page's socket groups). */
bool nstables_resolve(struct sampler *s, struct proc_sample *p, struct pending *pend,
		      const struct holders *h, const struct sample *out)
{
	struct resolved *v = xcalloc(pend->n ? pend->n : 1, sizeof(*v));
	struct nstables *ns = nstables_get(s, pend->netns);
	size_t ngroups = 0, cap = 1;
	bool incomplete = false;

	for (size_t i = 0; i < pend->n; i++) {
		int asked = pend->kinds[i] == KIND_UNASKED ? -1 : pend->kinds[i];
		struct socktab *tab = NULL;
		const struct sock_entry *e;

		v[i].key = nstables_key(s, ns, pend->inodes[i]);
		v[i].idle = NAN;
		v[i].holder = -1;
		if (v[i].key) {
			/* the table's kind, but MPTCP, which only the socket tells */
			v[i].kind = asked == KIND_MPTCP ? KIND_MPTCP : v[i].key->kind;
			e = nstables_row(s, ns, pend->inodes[i], &tab);
			if (e)
				resolve_detail(ns, tab, e, h, &v[i]);
			continue;
		}
		/* A socket made after its table was read (settle_unknown
		 * named the rest): grouped by its kind alone for now, and
		 * the process is classified again next time, with that table
		 * read again. */
		v[i].kind = asked >= 0 ? asked : KIND_SOCKET_OTHER;
		incomplete = true;
	}
	for (size_t i = 0; i < pend->n; i++) /* what each fd was taken for */
		pend->kinds[i] = (unsigned char)v[i].kind;
	qsort(v, pend->n, sizeof(*v), cmp_resolved);
	for (size_t i = 0; i < pend->n; i++)
		ngroups += i == 0 || cmp_resolved(&v[i], &v[i - 1]) != 0;
	/* sample.c grows socks by doubling: keep the capacity a power of two. */
	while (cap < ngroups)
		cap *= 2;
	p->socks = xcalloc(cap, sizeof(*p->socks));
	p->nsocks = 0;
	for (size_t i = 0, j; i < pend->n; i = j) {
		struct sock_group *g = &p->socks[p->nsocks++];
		const struct sock_key *key = v[i].key;

		for (j = i + 1; j < pend->n && cmp_resolved(&v[j], &v[i]) == 0; j++)
			;
		g->count = (unsigned)(j - i);
		kind_counts_add(&p->kinds, &p->nkinds, v[i].kind, g->count);
		if (key) {
			g->proto = xstrdup(v[i].kind == KIND_MPTCP ? "mptcp" : key->proto);
			g->dir = key->dir;
			g->endpoint = xstrdup_null(key->endpoint);
			g->state = xstrdup_null(key->state);
			group_detail(g, v + i, j - i, out, h);
		} else {
			g->proto = xstrdup(kind_name(v[i].kind));
			g->dir = SOCK_NONE;
		}
	}
	free(v);
	return incomplete;
}


bool nstables_read_now(const struct sampler *s, unsigned long netns)
{
	for (size_t i = 0; i < s->nns; i++)
		for (int k = 0; k < NTABLES && s->ns[i].netns == netns; k++)
			if (s->ns[i].tab[k] && s->ns[i].pass[k] == s->pass && k != SOCKTAB_OTHER)
				return true;
	return false;
}

bool nstables_lost(const struct sampler *s, unsigned long netns, int kind, unsigned long inode)
{
	int k = kind_table(kind);

	for (size_t i = 0; i < s->nns; i++) {
		const struct nstables *ns = &s->ns[i];

		if (ns->netns != netns)
			continue;
		if (k < 0 || k == SOCKTAB_OTHER || !ns->tab[k] || ns->pass[k] != s->pass)
			return false;
		return !socktab_entry(ns->tab[k], inode) &&
		       !(k == SOCKDIAG_TCP && ns->recent && socktab_entry(ns->recent, inode));
	}
	return false;
}

const struct sock_entry *nstables_entry(const struct sampler *s, unsigned long inode,
				       const struct socktab **tab)
{
	for (size_t i = 0; i < s->nns; i++) {
		for (int k = 0; k < NTABLES; k++) {
			const struct sock_entry *e;

			if (s->ns[i].tab[k] && (e = socktab_entry(s->ns[i].tab[k], inode))) {
				*tab = s->ns[i].tab[k];
				return e;
			}
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

/* The sockets of pend that the tables still lack after loading: each
 * asked its kind; the other protocols' table read if one of theirs is
 * among them; and those whose table was read after the process's fds were
 * listed, or that no table lists, remembered as absent under their kind
 * (a TCP socket never bound, refused or shut down is CLOSE). The rest
 * were made since their table was read. With MPTCP in use, the sockets the
 * TCP table holds are asked too. */
static void settle_unknown(struct sampler *s, int piddir, struct nstables *ns,
			   struct pending *pend, size_t *skipped)
{
	bool other = false;

	for (size_t i = 0; i < pend->n; i++) {
		const struct sock_key *key = nstables_key(s, ns, pend->inodes[i]);
		int k;

		if (key && !(ns->mptcp && kind_table(key->kind) == SOCKDIAG_TCP))
			continue;
		k = pending_kind(piddir, pend, i);
		other |= !key && k >= 0 && kind_table(k) == SOCKTAB_OTHER;
	}
	if (other && !(ns->tab[SOCKTAB_OTHER] && ns->seq[SOCKTAB_OTHER] > pend->seq))
		load_tables(s, piddir, ns, 1u << SOCKTAB_OTHER, skipped);
	for (size_t i = 0; i < pend->n; i++) {
		int k = pend->kinds[i] == KIND_UNASKED ? -1 : pend->kinds[i];
		int tab = k >= 0 ? kind_table(k) : -1;

		if (nstables_knows(s, ns, pend->inodes[i]))
			continue;
		if (k >= 0 && tab >= 0 && !(ns->tab[tab] && ns->seq[tab] > pend->seq))
			continue; /* new since its table was read */
		if (!ns->absent || !table_fresh_enough(s, ns->absent_time, ns->absent_pass)) {
			socktab_free(ns->absent);
			ns->absent = socktab_new();
			ns->absent_time = s->now;
			ns->absent_pass = s->pass;
		}
		socktab_note_absent(ns->absent, pend->inodes[i], k >= 0 ? k : KIND_SOCKET_OTHER,
				    tab == SOCKDIAG_TCP);
	}
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
	settle_unknown(s, piddir, ns, pend, skipped);
}
