/* socktab.c - the per-sample socket map and the grouping rules of the man
 * page's socket groups (proto, direction, endpoint, state). */
#include "config.h"

#include "socktab.h"

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "socktab-diag.h"
#include "util.h"

/* inode -> row; open addressing, capacity a power of two, load <= 1/2. */
struct slot {
	unsigned long inode; /* 0 = empty */
	size_t row;          /* with ABSENT: in no table, the index of its key
	                      * in absentkeys */
};

#define ABSENT ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Binary form of a key, hashed to intern sock_keys. */
struct keybin {
	uint8_t proto, dir, state, v6;
	uint16_t port;
	uint8_t addr[16];
	const char *path;
};

struct keyslot {
	uint64_t hash;
	struct sock_key *key; /* NULL = empty */
	struct keybin bin;
};

struct socktab {
	struct sock_entry *rows;
	const struct sock_key **rowkeys;
	size_t nrows, caprows;
	struct slot *slots;
	size_t nslots, nabsent;
	struct keyslot *keys;
	size_t nkeys, capkeys;
	bool ifnames;        /* the rows are of our own netns: name interfaces */
	uint16_t client_lo, client_hi; /* the client port range */
	const struct sock_key **absentkeys;
	size_t *tuples;      /* TCP rows by their four-tuple: row + 1, 0 empty;
	                      * built on the first peer asked */
	size_t ntuples;
};

/* Folds p[0..n) into the FNV-1a hash h. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	/* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Mixes the bits of an inode (they are often sequential) for the slots. */
static size_t hash_inode(unsigned long inode)
{
	uint64_t x = inode;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

struct socktab *socktab_new(void)
{
	struct socktab *t = xcalloc(1, sizeof(struct socktab));

	socktab_set_client_ports(t, SOCKTAB_CLIENT_LO, SOCKTAB_CLIENT_HI);
	return t;
}

void socktab_set_client_ports(struct socktab *t, unsigned lo, unsigned hi)
{
	if (lo > hi || hi > 65535) {
		lo = SOCKTAB_CLIENT_LO;
		hi = SOCKTAB_CLIENT_HI;
	}
	t->client_lo = (uint16_t)lo;
	t->client_hi = (uint16_t)hi;
}

void socktab_free(struct socktab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i].path);
	free(t->rows);
	free(t->rowkeys);
	free(t->absentkeys);
	free(t->tuples);
	free(t->slots);
	for (size_t i = 0; i < t->capkeys; i++) {
		if (t->keys[i].key) {
			free(t->keys[i].key->endpoint);
			free(t->keys[i].key);
		}
	}
	free(t->keys);
	free(t);
}

/* Puts (inode, row) into a slot array with room for it. */
static void slots_insert(struct slot *slots, size_t nslots, unsigned long inode, size_t row)
{
	size_t mask = nslots - 1, i = hash_inode(inode) & mask;

	while (slots[i].inode && slots[i].inode != inode)
		i = (i + 1) & mask;
	slots[i].inode = inode;
	slots[i].row = row;
}

/* Makes the slots hold want inodes at load <= 1/2. */
static void slots_grow(struct socktab *t, size_t want)
{
	size_t n = t->nslots ? t->nslots : 64;
	struct slot *s;

	while (n < want * 2)
		n *= 2;
	if (n == t->nslots)
		return;
	s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].inode)
			slots_insert(s, n, t->slots[i].inode, t->slots[i].row);
	free(t->slots);
	t->slots = s;
	t->nslots = n;
}

/* The slot of an inode, or NULL (inode 0 is never stored). */
static const struct slot *slot_find(const struct socktab *t, unsigned long inode)
{
	size_t mask, i;

	if (!t->nslots || !inode)
		return NULL;
	mask = t->nslots - 1;
	for (i = hash_inode(inode) & mask; t->slots[i].inode; i = (i + 1) & mask)
		if (t->slots[i].inode == inode)
			return &t->slots[i];
	return NULL;
}

/* Are two binary keys the same group? */
static bool keybin_eq(const struct keybin *a, const struct keybin *b)
{
	if (a->proto != b->proto || a->dir != b->dir || a->state != b->state ||
	    a->v6 != b->v6 || a->port != b->port || memcmp(a->addr, b->addr, 16))
		return false;
	if (!a->path || !b->path)
		return a->path == b->path;
	return strcmp(a->path, b->path) == 0;
}

/* The hash of a binary key, path included. */
static uint64_t keybin_hash(const struct keybin *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_bytes(h, k, offsetof(struct keybin, path));
	if (k->path)
		h = hash_bytes(h, k->path, strlen(k->path));
	return h;
}

/* Doubles the interned keys' table. */
static void keys_grow(struct socktab *t)
{
	size_t n = t->capkeys ? t->capkeys * 2 : 64;
	struct keyslot *k = xcalloc(n, sizeof(*k));

	for (size_t i = 0; i < t->capkeys; i++) {
		size_t j;

		if (!t->keys[i].key)
			continue;
		for (j = t->keys[i].hash & (n - 1); k[j].key; j = (j + 1) & (n - 1))
			;
		k[j] = t->keys[i];
	}
	free(t->keys);
	t->keys = k;
	t->capkeys = n;
}

/* The state a row's group shows (static). */
static const char *state_name(const struct sock_entry *e)
{
	switch (e->proto) {
	case P_TCP:
	case P_TCP6:
		return tcp_state_name(e->state);
	case P_UDP:
	case P_UDP6:
	case P_UDPLITE:
	case P_UDPLITE6:
	case P_ICMP:
	case P_ICMP6:
		return e->rport ? "ESTABLISHED" : "UNCONN";
	case P_RAW:
	case P_RAW6:
		return e->state == 1 ? "ESTABLISHED" : "UNCONN";
	case P_NETLINK:
	case P_PACKET:
		return NULL;
	default:
		if (e->listening)
			return "LISTEN";
		return e->state == 3 ? "ESTABLISHED" : e->state == 2 ? "CONNECTING" :
		       e->state == 4 ? "DISCONNECTING" : "UNCONN";
	}
}

/* Is the row's protocol one whose rows are grouped like UDP's? */
static bool udp_like(uint8_t proto)
{
	return proto == P_UDP || proto == P_UDP6 || proto == P_UDPLITE || proto == P_UDPLITE6 ||
	       proto == P_ICMP || proto == P_ICMP6;
}

/* The kind (kinds.h) of a row's socket. */
static int row_kind(const struct sock_entry *e)
{
	static const int kinds_of[P_NPROTOS] = {
		[P_TCP] = KIND_TCP, [P_TCP6] = KIND_TCP6, [P_UDP] = KIND_UDP,
		[P_UDP6] = KIND_UDP6, [P_UNIX] = KIND_UNIX, [P_UDPLITE] = KIND_UDPLITE,
		[P_UDPLITE6] = KIND_UDPLITE6, [P_RAW] = KIND_RAW, [P_RAW6] = KIND_RAW6,
		[P_ICMP] = KIND_ICMP, [P_ICMP6] = KIND_ICMP6, [P_NETLINK] = KIND_NETLINK,
		[P_PACKET] = KIND_PACKET,
	};

	if (e->proto == P_NETLINK)
		return kind_of_netlink(e->lport);
	return e->proto < P_NPROTOS ? kinds_of[e->proto] : KIND_SOCKET_OTHER;
}

/* The endpoint text of a netlink or packet row: the protocol's name, the
 * interface's name (in our own namespace), or its number. */
static void format_other(const struct socktab *t, const struct sock_entry *e, char *dst,
			 size_t n)
{
	char ifname[IF_NAMESIZE];
	const char *name;
	int iface;

	memcpy(&iface, e->laddr, sizeof(iface));
	if (e->proto == P_NETLINK) {
		name = netlink_proto_name(e->lport);
		if (name)
			snprintf(dst, n, "%s", name);
		else
			snprintf(dst, n, "protocol %u", e->lport);
	} else if (iface == 0) {
		snprintf(dst, n, "any");
	} else if (t->ifnames && if_indextoname((unsigned)iface, ifname)) {
		snprintf(dst, n, "%s", ifname);
	} else {
		snprintf(dst, n, "ifindex %d", iface);
	}
}

/* Is a v6 address an IPv4-mapped one (::ffff:a.b.c.d)? */
static bool addr_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* Formats an endpoint, an IPv4-mapped address as the IPv4 one it is: the
 * other side of such a connection (an IPv4 socket) shows it so. */
static void format_endpoint(char *dst, size_t n, bool v6, const uint8_t *addr, uint16_t port)
{
	if (v6 && addr_v4mapped(addr))
		sock_format_addr(dst, n, false, addr + 12, port);
	else
		sock_format_addr(dst, n, v6, addr, port);
}

/* Interns a key given its binary form, making it with make_key when new. */
static const struct sock_key *intern_bin(struct socktab *t, struct keybin *kb,
					 struct sock_key *(*make_key)(const struct socktab *,
								      const struct keybin *,
								      const void *),
					 const void *arg)
{
	struct sock_key *key;
	uint64_t h = keybin_hash(kb);
	size_t i;

	if (t->nkeys * 2 >= t->capkeys)
		keys_grow(t);
	for (i = h & (t->capkeys - 1); t->keys[i].key; i = (i + 1) & (t->capkeys - 1))
		if (t->keys[i].hash == h && keybin_eq(&t->keys[i].bin, kb))
			return t->keys[i].key;
	key = make_key(t, kb, arg);
	/* The interned binary key must not point into a row that may move. */
	if (kb->path)
		kb->path = key->endpoint;
	t->keys[i].hash = h;
	t->keys[i].key = key;
	t->keys[i].bin = *kb;
	t->nkeys++;
	return key;
}

/* A row's key, new. */
static struct sock_key *make_row_key(const struct socktab *t, const struct keybin *kb,
				     const void *arg)
{
	const struct sock_entry *e = arg;
	struct sock_key *key = xcalloc(1, sizeof(*key));
	char ep[64];

	key->proto = sock_proto_name(e->proto);
	key->kind = row_kind(e);
	key->dir = (enum sock_dir)kb->dir;
	key->state = state_name(e);
	if (e->proto == P_UNIX) {
		key->endpoint = kb->path ? xstrdup(kb->path) : NULL;
	} else if (e->proto == P_NETLINK || e->proto == P_PACKET) {
		format_other(t, e, ep, sizeof(ep));
		key->endpoint = xstrdup(ep);
	} else {
		format_endpoint(ep, sizeof(ep), kb->v6, kb->addr, kb->port);
		key->endpoint = xstrdup(ep);
	}
	return key;
}

/* Interns the key for a row given its direction and the peer path (unix). */
static const struct sock_key *key_intern(struct socktab *t, const struct sock_entry *e,
					 enum sock_dir dir, const char *peer_path)
{
	struct keybin kb;
	bool by_remote = dir == SOCK_OUT;

	memset(&kb, 0, sizeof(kb));
	kb.proto = e->proto;
	kb.dir = (uint8_t)dir;
	kb.state = e->listening ? 0xff : e->state;
	if (udp_like(e->proto))
		kb.state = e->rport ? 1 : 7;
	kb.v6 = sock_proto_v6(e->proto);
	if (e->proto == P_UNIX) {
		kb.path = by_remote ? peer_path : e->path;
	} else if (e->proto == P_NETLINK || e->proto == P_PACKET) {
		kb.state = 0;
		kb.port = e->lport;
		memcpy(kb.addr, e->laddr, 16);
	} else {
		kb.port = by_remote ? e->rport : e->lport;
		memcpy(kb.addr, by_remote ? e->raddr : e->laddr, 16);
	}
	return intern_bin(t, &kb, make_row_key, e);
}

/* The key of a socket in no table, new. */
static struct sock_key *make_absent_key(const struct socktab *t, const struct keybin *kb,
					const void *arg)
{
	struct sock_key *key = xcalloc(1, sizeof(*key));

	(void)t;
	(void)arg;
	key->kind = kb->port;
	key->proto = kind_name(kb->port);
	key->dir = SOCK_NONE;
	key->state = kb->state ? "CLOSE" : NULL;
	return key;
}

/* Is the address the wildcard (0.0.0.0 or ::)? */
static bool addr_is_any(const uint8_t *a, bool v6)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, v6 ? 16 : 4) == 0;
}

/* Is (proto, laddr, lport) served by a listener among rows[0..n)? */
static bool is_accepted(const struct sock_entry *e, const struct sock_entry *lis, size_t nlis)
{
	bool v6 = e->proto == P_TCP6;

	for (size_t i = 0; i < nlis; i++) {
		const struct sock_entry *l = &lis[i];

		if (l->proto == e->proto && l->lport == e->lport &&
		    (addr_is_any(l->laddr, v6) || memcmp(l->laddr, e->laddr, v6 ? 16 : 4) == 0))
			return true;
	}
	return false;
}

/* Is port in the range the kernel picks client ports from? */
static bool client_port(const struct socktab *t, uint16_t port)
{
	return port >= t->client_lo && port <= t->client_hi;
}

/* Orders listeners by port, then protocol, for qsort. */
static int cmp_listener(const void *a, const void *b)
{
	const struct sock_entry *x = a, *y = b;

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* The listeners with the same port as e, from a port-sorted array. */
static const struct sock_entry *listeners_for(const struct sock_entry *lis, size_t n,
					      uint16_t port, size_t *count)
{
	size_t lo = 0, hi = n;

	*count = 0;
	if (!n) /* lis is NULL then, and NULL + 0 is undefined */
		return lis;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lis[mid].lport < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	*count = 0;
	while (lo + *count < n && lis[lo + *count].lport == port)
		(*count)++;
	return lis + lo;
}

/* Which way a TCP or UDP socket points: listen, in (accepted by one of
 * the listeners lis), out, or none. */
static enum sock_dir inet_direction(const struct socktab *t, const struct sock_entry *e,
				    const struct sock_entry *lis, size_t nlis)
{
	const struct sock_entry *cand;
	size_t ncand;

	if (udp_like(e->proto))
		return e->rport ? SOCK_OUT : SOCK_NONE;
	if (e->proto == P_RAW || e->proto == P_RAW6)
		return addr_is_any(e->raddr, e->proto == P_RAW6) ? SOCK_NONE : SOCK_OUT;
	if (e->proto == P_NETLINK || e->proto == P_PACKET)
		return SOCK_NONE;
	if (e->state == 10)
		return SOCK_LISTEN;
	if (e->state == 7 || (!e->rport && addr_is_any(e->raddr, e->proto == P_TCP6)))
		return SOCK_NONE;
	cand = listeners_for(lis, nlis, e->lport, &ncand);
	if (is_accepted(e, cand, ncand))
		return SOCK_IN;
	/* No listener now (it closed, or restarts): a connection from a
	 * client's port to a port outside that range is the service side
	 * all the same. */
	return !client_port(t, e->lport) && client_port(t, e->rport) ? SOCK_IN : SOCK_OUT;
}

/* Orders strings, for qsort and bsearch over arrays of them. */
static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is path among the (sorted) paths of the namespace's unix listeners? */
static bool unix_listens(const char *const *lis, size_t nlis, const char *path)
{
	return nlis && bsearch(&path, lis, nlis, sizeof(*lis), cmp_strp);
}

/* Which way a unix socket points. An accepted socket carries its
 * listener's path; a client that bound a path of its own before it
 * connected carries that one, and points out to its peer's path. Without
 * peers (the /proc tables), a connected socket with a listener's path is
 * taken to be accepted, and one with another path is grouped by it. */
static enum sock_dir unix_direction(const struct socktab *t, const struct sock_entry *e,
				    const char *const *lis, size_t nlis, const char **peer_path)
{
	const struct slot *ps;
	const struct sock_entry *peer;

	*peer_path = NULL;
	if (e->listening)
		return SOCK_LISTEN;
	if (e->state != 3)
		return SOCK_NONE;
	ps = e->peer ? slot_find(t, e->peer) : NULL;
	peer = ps && !(ps->row & ABSENT) ? &t->rows[ps->row] : NULL;
	if (e->path && (unix_listens(lis, nlis, e->path) || (peer && !peer->path)))
		return SOCK_IN;
	if (!peer || !peer->path)
		return SOCK_NONE;
	*peer_path = peer->path;
	return SOCK_OUT;
}

/* The paths of the unix listeners among rows[base..n), sorted (caller
 * frees). */
static const char **unix_listeners(const struct sock_entry *rows, size_t base, size_t n,
				   size_t *nlis)
{
	const char **v = NULL;

	*nlis = 0;
	for (size_t i = base; i < n; i++)
		if (rows[i].proto == P_UNIX && rows[i].listening && rows[i].path) {
			v = xreallocarray(v, *nlis + 1, sizeof(*v));
			v[(*nlis)++] = rows[i].path;
		}
	if (*nlis > 1)
		qsort(v, *nlis, sizeof(*v), cmp_strp);
	return v;
}

/* socktab_add_netns; with adopt, an empty table takes the rows array
 * itself (it was allocated with xmalloc and holds n entries) instead of a
 * copy, which halves the peak memory of a large dump. */
static void add_rows(struct socktab *t, struct sock_entry *rows, size_t n, bool adopt)
{
	struct sock_entry *lis = NULL;
	size_t nlis = 0, base = t->nrows, nulis;
	const char **ulis;

	free(t->tuples); /* rebuilt with the new rows when asked */
	t->tuples = NULL;
	/* Listeners of this namespace, sorted by port for lookup. */
	for (size_t i = 0; i < n; i++)
		if ((rows[i].proto == P_TCP || rows[i].proto == P_TCP6) && rows[i].state == 10)
			nlis++;
	if (nlis) {
		lis = xcalloc(nlis, sizeof(*lis));
		nlis = 0;
		for (size_t i = 0; i < n; i++)
			if ((rows[i].proto == P_TCP || rows[i].proto == P_TCP6) && rows[i].state == 10)
				lis[nlis++] = rows[i];
		qsort(lis, nlis, sizeof(*lis), cmp_listener);
	}

	if (adopt && t->nrows == 0) {
		/* compacted in place below: row i moves to a slot <= i */
		free(t->rows);
		t->rows = rows;
		t->caprows = n;
		t->rowkeys = xreallocarray(t->rowkeys, n ? n : 1, sizeof(*t->rowkeys));
	} else if (t->nrows + n > t->caprows) {
		t->caprows = t->nrows + n;
		t->rows = xreallocarray(t->rows, t->caprows, sizeof(*t->rows));
		t->rowkeys = xreallocarray(t->rowkeys, t->caprows, sizeof(*t->rowkeys));
	}
	slots_grow(t, t->nrows + t->nabsent + n);
	for (size_t i = 0; i < n; i++) {
		const struct slot *known = rows[i].inode ? slot_find(t, rows[i].inode) : NULL;

		if (!rows[i].inode || (known && !(known->row & ABSENT))) {
			free(rows[i].path);
			continue;
		}
		t->rows[t->nrows] = rows[i];
		slots_insert(t->slots, t->nslots, rows[i].inode, t->nrows);
		t->nrows++;
	}
	/* Second pass, once every row of the namespace is findable: unix peers. */
	ulis = unix_listeners(t->rows, base, t->nrows, &nulis);
	for (size_t r = base; r < t->nrows; r++) {
		struct sock_entry *e = &t->rows[r];
		const char *peer_path = NULL;
		enum sock_dir dir;

		if (e->proto == P_UNIX) {
			dir = unix_direction(t, e, ulis, nulis, &peer_path);
		} else {
			dir = inet_direction(t, e, lis, nlis);
		}
		t->rowkeys[r] = key_intern(t, e, dir, peer_path);
	}
	free(ulis);
	free(lis);
	if (adopt && t->rows != rows)
		free(rows);
}

void socktab_add_netns(struct socktab *t, struct sock_entry *rows, size_t n)
{
	add_rows(t, rows, n, false);
}

const struct sock_key *socktab_key(const struct socktab *t, unsigned long inode)
{
	const struct slot *s = slot_find(t, inode);

	if (!s)
		return NULL;
	return s->row & ABSENT ? t->absentkeys[s->row & ~ABSENT] : t->rowkeys[s->row];
}

const struct sock_entry *socktab_entry(const struct socktab *t, unsigned long inode)
{
	const struct slot *s = slot_find(t, inode);

	return s && !(s->row & ABSENT) ? &t->rows[s->row] : NULL;
}

void socktab_note_absent(struct socktab *t, unsigned long inode, int kind, bool closed)
{
	struct keybin kb;

	if (!inode || slot_find(t, inode))
		return;
	memset(&kb, 0, sizeof(kb));
	kb.proto = 0xff;
	kb.port = (uint16_t)kind;
	kb.state = closed;
	if ((t->nabsent & (t->nabsent - 1)) == 0)
		t->absentkeys = xreallocarray(t->absentkeys, t->nabsent ? t->nabsent * 2 : 1,
					      sizeof(*t->absentkeys));
	t->absentkeys[t->nabsent] = intern_bin(t, &kb, make_absent_key, NULL);
	slots_grow(t, t->nrows + t->nabsent + 1);
	slots_insert(t->slots, t->nslots, inode, ABSENT | t->nabsent);
	t->nabsent++;
}

bool socktab_knows(const struct socktab *t, unsigned long inode)
{
	return slot_find(t, inode) != NULL;
}

size_t socktab_size(const struct socktab *t)
{
	return t->nrows;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* /proc/net/unix prints socket names raw: a name with a newline forges a
 * row of its own, which may carry another socket's inode and so give that
 * socket a made-up path. The kernel lists a socket once, so an inode on
 * more than one row of rows[base..n) is not to be trusted: all its rows
 * are dropped (counted in skipped) and the socket is left as one in no
 * table. */
static void unix_drop_forged(struct sock_entry *rows, size_t base, size_t *n, size_t *skipped)
{
	size_t m = *n - base, k = base, ndup = 0;
	unsigned long *ino, *dup;

	if (m < 2)
		return;
	ino = xcalloc(m, sizeof(*ino));
	for (size_t i = 0; i < m; i++)
		ino[i] = rows[base + i].inode;
	qsort(ino, m, sizeof(*ino), cmp_ulong);
	dup = xcalloc(m, sizeof(*dup));
	for (size_t i = 1; i < m; i++)
		if (ino[i] == ino[i - 1] && (!ndup || dup[ndup - 1] != ino[i]))
			dup[ndup++] = ino[i];
	free(ino);
	for (size_t i = base; ndup && i < *n; i++) {
		if (bsearch(&rows[i].inode, dup, ndup, sizeof(*dup), cmp_ulong)) {
			free(rows[i].path);
			(*skipped)++;
			continue;
		}
		rows[k++] = rows[i];
	}
	if (ndup)
		*n = k;
	free(dup);
}

void socktab_parse_procnet(char *text, enum sock_proto proto, struct sock_entry **rows,
			   size_t *n, size_t *cap, size_t *skipped)
{
	char *line = strchr(text, '\n'), *next; /* skip the header */
	size_t base = *n;

	for (line = line ? line + 1 : NULL; line && *line; line = next) {
		struct sock_entry e;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (proto == P_UNIX)
			r = procfs_parse_unix_line(line, &e);
		else if (proto == P_NETLINK)
			r = procfs_parse_netlink_line(line, &e);
		else if (proto == P_PACKET)
			r = procfs_parse_packet_line(line, &e);
		else
			r = procfs_parse_inet_line(line, sock_proto_v6(proto) ? 6 : 4, &e);
		if (r < 0) {
			(*skipped)++;
			continue;
		}
		e.proto = (uint8_t)proto;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*rows = xreallocarray(*rows, *cap, sizeof(**rows));
		}
		(*rows)[(*n)++] = e;
	}
	if (proto == P_UNIX)
		unix_drop_forged(*rows, base, n, skipped);
}

/* Parses one table file under piddir into rows; returns 0 or -errno. */
static int load_file(int piddir, const char *path, enum sock_proto proto,
		     struct sock_entry **rows, size_t *n, size_t *cap, size_t *skipped)
{
	char *text;
	int err = read_file_at(piddir, path, &text, NULL);

	if (err)
		return err;
	socktab_parse_procnet(text, proto, rows, n, cap, skipped);
	free(text);
	return 0;
}

/* Parses the files of protos under piddir into rows: 0, or -errno when
 * none could be read (-ENOENT when none exists). */
static int load_files(int piddir, const enum sock_proto *protos, size_t nprotos,
		      struct sock_entry **rows, size_t *n, size_t *cap, size_t *skipped)
{
	static const char *const paths[P_NPROTOS] = {
		"net/tcp", "net/tcp6", "net/udp", "net/udp6", "net/unix", "net/udplite",
		"net/udplite6", "net/raw", "net/raw6", "net/icmp", "net/icmp6", "net/netlink",
		"net/packet",
	};
	int first_err = 0, nread = 0;

	for (size_t i = 0; i < nprotos; i++) {
		int err = load_file(piddir, paths[protos[i]], protos[i], rows, n, cap, skipped);

		/* A kernel without IPv6 has no tcp6: not an error. */
		if (err == 0)
			nread++;
		else if (!first_err && err != -ENOENT)
			first_err = err;
	}
	return nread ? 0 : (first_err ? first_err : -ENOENT);
}

int socktab_load(struct socktab *t, int piddir, int nl, unsigned tables, size_t *skipped,
		 unsigned *via_netlink)
{
	static const enum sock_proto tcp[] = { P_TCP, P_TCP6 }, udp[] = { P_UDP, P_UDP6 },
				     unx[] = { P_UNIX },
				     other[] = { P_UDPLITE, P_UDPLITE6, P_RAW, P_RAW6, P_ICMP,
						 P_ICMP6, P_NETLINK, P_PACKET };
	static const struct {
		int table; /* enum sockdiag_table, or SOCKTAB_OTHER (files only) */
		const enum sock_proto *protos;
		size_t nprotos;
	} parts[] = {
		{ SOCKDIAG_TCP, tcp, ARRAY_SIZE(tcp) },
		{ SOCKDIAG_UDP, udp, ARRAY_SIZE(udp) },
		{ SOCKDIAG_UNIX, unx, ARRAY_SIZE(unx) },
		{ SOCKTAB_OTHER, other, ARRAY_SIZE(other) },
	};
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;
	int first_err = 0, nread = 0;

	if (via_netlink)
		*via_netlink = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		int err;

		if (!(tables & (1u << parts[i].table)))
			continue;
		if (nl >= 0 && parts[i].table != SOCKTAB_OTHER &&
		    sockdiag_dump(nl, (enum sockdiag_table)parts[i].table, &rows, &n, &cap) == 0) {
			nread++;
			if (via_netlink)
				*via_netlink |= 1u << parts[i].table;
			continue;
		}
		/* No diag module for this protocol, or no netlink: the files. */
		err = load_files(piddir, parts[i].protos, parts[i].nprotos, &rows, &n, &cap, skipped);
		if (err == 0)
			nread++;
		else if (!first_err)
			first_err = err;
	}
	if (nread)
		add_rows(t, rows, n, true);
	else
		free(rows);
	return nread ? 0 : first_err;
}

int socktab_load_procfs(struct socktab *t, int piddir, size_t *skipped)
{
	return socktab_load(t, piddir, -1, SOCKTAB_ALL, skipped, NULL);
}

void socktab_name_interfaces(struct socktab *t)
{
	t->ifnames = true;
}

void socktab_describe(const struct socktab *t, const struct sock_entry *e, char *dst, size_t n)
{
	bool v6 = sock_proto_v6(e->proto);
	char l[64], r[64];
	const char *st;

	if (e->proto == P_NETLINK || e->proto == P_PACKET) {
		format_other(t, e, l, sizeof(l));
		snprintf(dst, n, "%s %s", sock_proto_name(e->proto), l);
		return;
	}
	if (e->proto == P_UNIX) {
		snprintf(dst, n, "unix %s%s", e->path ? e->path : "(unnamed)",
			 e->listening ? " (LISTEN)" : e->state == 3 ? " (CONNECTED)" : "");
		return;
	}
	format_endpoint(l, sizeof(l), v6, e->laddr, e->lport);
	st = e->proto == P_TCP || e->proto == P_TCP6 ? tcp_state_name(e->state) : NULL;
	if (e->rport) {
		format_endpoint(r, sizeof(r), v6, e->raddr, e->rport);
		snprintf(dst, n, "%s %s->%s%s%s%s", sock_proto_name(e->proto), l, r,
			 st ? " (" : "", st ? st : "", st ? ")" : "");
	} else {
		snprintf(dst, n, "%s %s%s%s%s", sock_proto_name(e->proto), l,
			 st ? " (" : "", st ? st : "", st ? ")" : "");
	}
}

/* An address as 16 bytes, IPv4 as IPv4-mapped, so that the two ends of a
 * connection between an IPv6 socket and an IPv4 one compare equal. */
static void addr_norm(uint8_t *dst, const uint8_t *a, bool v6)
{
	if (v6) {
		memcpy(dst, a, 16);
		return;
	}
	memset(dst, 0, 10);
	dst[10] = dst[11] = 0xff;
	memcpy(dst + 12, a, 4);
}

/* The hash of a four-tuple (local end first). */
static uint64_t tuple_hash(const uint8_t *la, uint16_t lp, const uint8_t *ra, uint16_t rp)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_bytes(h, la, 16);
	h = hash_bytes(h, &lp, sizeof(lp));
	h = hash_bytes(h, ra, 16);
	return hash_bytes(h, &rp, sizeof(rp));
}

/* Is a row a TCP connection, with a remote end? */
static bool tcp_connected(const struct sock_entry *e)
{
	return (e->proto == P_TCP || e->proto == P_TCP6) && e->rport && e->state != 10;
}

/* Indexes the connected TCP rows by their four-tuple. */
static void tuples_build(struct socktab *t)
{
	size_t n = 64, want = 0;

	for (size_t i = 0; i < t->nrows; i++)
		want += tcp_connected(&t->rows[i]);
	while (n < want * 2)
		n *= 2;
	t->tuples = xcalloc(n, sizeof(*t->tuples));
	t->ntuples = n;
	for (size_t i = 0; i < t->nrows; i++) {
		const struct sock_entry *e = &t->rows[i];
		uint8_t la[16], ra[16];
		size_t j;

		if (!tcp_connected(e))
			continue;
		addr_norm(la, e->laddr, e->proto == P_TCP6);
		addr_norm(ra, e->raddr, e->proto == P_TCP6);
		for (j = tuple_hash(la, e->lport, ra, e->rport) & (n - 1); t->tuples[j];
		     j = (j + 1) & (n - 1))
			;
		t->tuples[j] = i + 1;
	}
}

unsigned long socktab_tcp_peer(struct socktab *t, const struct sock_entry *e)
{
	uint8_t la[16], ra[16];
	size_t mask, j;

	if (!tcp_connected(e))
		return 0;
	if (!t->tuples)
		tuples_build(t);
	mask = t->ntuples - 1;
	addr_norm(la, e->laddr, e->proto == P_TCP6);
	addr_norm(ra, e->raddr, e->proto == P_TCP6);
	/* the other end: its local end is our remote one */
	for (j = tuple_hash(ra, e->rport, la, e->lport) & mask; t->tuples[j]; j = (j + 1) & mask) {
		const struct sock_entry *o = &t->rows[t->tuples[j] - 1];
		uint8_t ol[16], orr[16];

		addr_norm(ol, o->laddr, o->proto == P_TCP6);
		addr_norm(orr, o->raddr, o->proto == P_TCP6);
		if (o->lport == e->rport && o->rport == e->lport && !memcmp(ol, ra, 16) &&
		    !memcmp(orr, la, 16) && o != e)
			return o->inode;
	}
	return 0;
}
