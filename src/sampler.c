/* sampler.c - one pass over /proc: enumerate, count, classify, resolve
 * sockets, and hand out an immutable sample.
 *
 * Every process is opened once (/proc/PID as a directory descriptor) and all
 * of its files are read relative to it, so a pid that is reused mid-scan
 * fails with ESRCH instead of mixing two processes. The start time comes from
 * that same descriptor. Socket tables are read once per network namespace
 * per sample, only for namespaces whose processes hold sockets. */
#include "config.h"

#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libproc2/pids.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "procfs.h"
#include "socktab-diag.h"
#include "socktab.h"
#include "util.h"

/* (pid, start): a process. */
struct proc_id {
	int pid;
	unsigned long long start;
};

/* A process found by enumeration, before its /proc directory is read. */
struct candidate {
	int pid;
	long uid;
	char *user;
};

/* The socket tables of one network namespace (TCP, UDP, unix: indexed by
 * enum sockdiag_table), each read at its own time. */
#define NTABLES 3

/* The share of its time a watching sampler may spend renewing
 * classifications only because they reached the reuse age: 100k fds
 * (0.25 s of readlinkat) every 30 s fit. When they do not (a slower or
 * busier machine), the rest wait for later samples, but never beyond twice
 * the age. */
#define REFRESH_BUDGET 0.01
struct nstables {
	unsigned long netns;
	struct socktab *tab[NTABLES]; /* NULL until read */
	double time[NTABLES];         /* time of the sample that read each */
	struct socktab *recent;       /* TCP sockets of known processes read since
	                               * the TCP table, by their ports (fresher) */
	struct socktab *absent;       /* sockets in no table (netlink, packet, ...) */
	double absent_time;
};

struct sampler {
	struct sampler_config cfg;
	int rootfd;
	bool use_libproc2;
	struct pids_info *pids;
	struct sample *prev;     /* last sample, for reusing classifications */
	struct nstables *ns;     /* socket tables per network namespace */
	size_t nns, capns;
	double now;              /* time of the sample being taken */
	double last_now;         /* time of the previous sample, 0 before */
	double refresh_tokens;   /* seconds that renewing old classifications
	                          * may still take (see REFRESH_BUDGET) */
	double per_fd;           /* seconds classifying one fd takes (average) */
	struct proc_id *incomplete, *incomplete_next; /* processes with sockets no
	                          * table held at the last sample: not reused */
	size_t nincomplete, nincomplete_next, capincomplete, capincomplete_next;
	bool use_netlink;        /* real /proc and not FDWATCH_NO_NETLINK */
	bool setns_denied;       /* switching namespaces failed once: do not retry */
	int selfns;              /* our own netns, to come back to; -1 unknown */
	unsigned long self_netns; /* its inode */
	int nl_self;             /* diag socket in our netns, opened on first use */
	struct sampler_stats stats;
};

/* Socket inodes of one process awaiting resolution at the end of a pass. */
struct pending {
	size_t proc;
	unsigned long netns;
	unsigned long *inodes;
	int *fds;                /* the fd holding each inode */
	signed char *kinds;      /* its table (enum sockdiag_table), -1 none,
	                          * KIND_UNASKED */
	size_t n;
};

enum { I_PID, I_TGID, I_EUID, I_EUSER };
static enum pids_item proc2_items[] = { PIDS_ID_PID, PIDS_ID_TGID, PIDS_ID_EUID, PIDS_ID_EUSER };

struct sampler *sampler_new(const struct sampler_config *cfg, int *err)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	const char *root = cfg->proc_root ? cfg->proc_root : "/proc";

	s->cfg = *cfg;
	s->cfg.proc_root = root;
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		*err = -errno;
		free(s);
		return NULL;
	}
	/* libproc2 only knows the real /proc; fixture trees are walked by hand. */
	s->use_libproc2 = strcmp(root, "/proc") == 0;
	if (s->use_libproc2) {
		int r = procps_pids_new(&s->pids, proc2_items, ARRAY_SIZE(proc2_items));

		if (r < 0) {
			*err = r;
			close(s->rootfd);
			free(s);
			return NULL;
		}
	}
	s->selfns = -1;
	s->nl_self = -1;
	s->per_fd = 2e-6; /* until measured: about one readlinkat */
	s->use_netlink = s->use_libproc2 && !cfg->no_netlink;
	if (s->use_netlink) {
		char link[64];
		ssize_t r = readlinkat(s->rootfd, "self/ns/net", link, sizeof(link) - 1);

		if (r > 0) {
			link[r] = '\0';
			if (sscanf(link, "net:[%lu]", &s->self_netns) != 1)
				s->self_netns = 0;
		}
		s->selfns = openat(s->rootfd, "self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	*err = 0;
	return s;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	if (s->pids)
		procps_pids_unref(&s->pids);
	sample_free(s->prev);
	for (size_t i = 0; i < s->nns; i++) {
		for (int k = 0; k < NTABLES; k++)
			socktab_free(s->ns[i].tab[k]);
		socktab_free(s->ns[i].recent);
		socktab_free(s->ns[i].absent);
	}
	free(s->ns);
	free(s->incomplete);
	free(s->incomplete_next);
	if (s->nl_self >= 0)
		close(s->nl_self);
	if (s->selfns >= 0)
		close(s->selfns);
	close(s->rootfd);
	free(s);
}

static char *uid_name(long uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return xstrdup(res->pw_name);
	return uid >= 0 ? xasprintf("%ld", uid) : xstrdup("?");
}

static void add_candidate(struct candidate **c, size_t *n, size_t *cap, int pid,
			  long uid, const char *user)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*c = xreallocarray(*c, *cap, sizeof(**c));
	}
	(*c)[*n].pid = pid;
	(*c)[*n].uid = uid;
	(*c)[*n].user = user ? xstrdup(user) : NULL;
	(*n)++;
}

static bool pid_selected(const struct selection *sel, int pid)
{
	if (!sel || !sel->npids)
		return true;
	for (size_t i = 0; i < sel->npids; i++)
		if (sel->pids[i] == pid)
			return true;
	return false;
}

static bool uid_selected(const struct selection *sel, long uid)
{
	if (!sel || !sel->nuids)
		return true;
	for (size_t i = 0; i < sel->nuids; i++)
		if (sel->uids[i] == uid)
			return true;
	return false;
}

/* Thread-group leaders from libproc2, filtered by pid and uid. */
static void enumerate_libproc2(struct sampler *s, struct candidate **c, size_t *n, size_t *cap)
{
	const struct selection *sel = s->cfg.sel;
	size_t done = 0, total = sel && sel->npids ? sel->npids : 1;

	while (done < total) {
		struct pids_fetch *f;

		if (sel && sel->npids) {
			/* select takes at most 255 pids at a time. */
			unsigned ids[255];
			size_t k = 0;

			for (; k < ARRAY_SIZE(ids) && done + k < sel->npids; k++)
				ids[k] = (unsigned)sel->pids[done + k];
			done += k;
			f = procps_pids_select(s->pids, ids, (int)k, PIDS_SELECT_PID);
		} else {
			done = total;
			f = procps_pids_reap(s->pids, PIDS_FETCH_TASKS_ONLY);
		}
		if (!f)
			continue;
		for (int i = 0; i < f->counts->total; i++) {
			struct pids_stack *st = f->stacks[i];
			int pid = PIDS_VAL(I_PID, s_int, st, s->pids);
			long uid = (long)PIDS_VAL(I_EUID, u_int, st, s->pids);

			if (pid != PIDS_VAL(I_TGID, s_int, st, s->pids) || !uid_selected(sel, uid))
				continue;
			add_candidate(c, n, cap, pid, uid, PIDS_VAL(I_EUSER, str, st, s->pids));
		}
	}
}

/* Numeric entries of a fixture proc tree, uid from each status file. */
static void enumerate_dir(struct sampler *s, struct candidate **c, size_t *n, size_t *cap)
{
	int fd = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char *end, *status, path[64];
		long pid, uid = -1;

		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX || !pid_selected(s->cfg.sel, (int)pid))
			continue;
		snprintf(path, sizeof(path), "%ld/status", pid);
		if (read_file_at(s->rootfd, path, &status, NULL) == 0) {
			if (procfs_parse_status_uid(status, &uid) < 0)
				uid = -1;
			free(status);
		}
		if (!uid_selected(s->cfg.sel, uid))
			continue;
		add_candidate(c, n, cap, (int)pid, uid, NULL);
	}
	closedir(d);
}

/* A small string -> count map for grouping file fds by directory. */
struct dirmap {
	struct file_group *slots;
	size_t cap, n;
};

static uint64_t str_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void dirmap_add(struct dirmap *m, const char *dir, size_t len)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct dirmap g = { xcalloc(m->cap ? m->cap * 2 : 16, sizeof(*g.slots)),
				    m->cap ? m->cap * 2 : 16, 0 };

		for (i = 0; i < m->cap; i++) {
			size_t j;

			if (!m->slots[i].dir)
				continue;
			j = str_hash(m->slots[i].dir, strlen(m->slots[i].dir)) & (g.cap - 1);
			while (g.slots[j].dir)
				j = (j + 1) & (g.cap - 1);
			g.slots[j] = m->slots[i];
			g.n++;
		}
		free(m->slots);
		*m = g;
	}
	for (i = str_hash(dir, len) & (m->cap - 1); m->slots[i].dir; i = (i + 1) & (m->cap - 1)) {
		if (strncmp(m->slots[i].dir, dir, len) == 0 && m->slots[i].dir[len] == '\0') {
			m->slots[i].count++;
			return;
		}
	}
	m->slots[i].dir = xstrndup(dir, len);
	m->slots[i].count = 1;
	m->n++;
}

/* Moves the groups of m into p (largest first after sorting). */
static void dirmap_into(struct dirmap *m, struct proc_sample *p)
{
	p->files = m->n ? xcalloc(m->n, sizeof(*p->files)) : NULL;
	p->nfiles = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].dir)
			p->files[p->nfiles++] = m->slots[i];
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* The directory a file fd belongs to: "/a/b" for "/a/b/c (deleted)", and
 * "/memfd:NAME" for memfds. Returns its length within link. */
static size_t file_dir_len(const char *link)
{
	size_t len = strlen(link);
	const char *slash;

	if (len > 10 && strcmp(link + len - 10, " (deleted)") == 0)
		len -= 10;
	if (strncmp(link, "/memfd:", 7) == 0)
		return len;
	slash = memrchr(link, '/', len);
	if (!slash || slash == link)
		return 1;
	return (size_t)(slash - link);
}

#define KIND_UNASKED (-2)

static void pending_add(struct pending *pd, unsigned long inode, int fd, size_t *cap)
{
	if (pd->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		pd->inodes = xreallocarray(pd->inodes, *cap, sizeof(*pd->inodes));
		pd->fds = xreallocarray(pd->fds, *cap, sizeof(*pd->fds));
		pd->kinds = xreallocarray(pd->kinds, *cap, sizeof(*pd->kinds));
	}
	pd->inodes[pd->n] = inode;
	pd->kinds[pd->n] = KIND_UNASKED;
	pd->fds[pd->n++] = fd;
}

/* Reads every fd link of the process at piddir into p's types and file
 * groups, and its socket inodes into pend. 0 or -errno. */
static int classify(int piddir, struct proc_sample *p, struct pending *pend)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirmap dirs = { 0 };
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	long count = 0, listed = 0;
	int denied = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int e = -errno;

		close(fd);
		return e;
	}
	memset(p->types, 0, sizeof(p->types));
	errno = 0;
	while ((de = readdir(d))) {
		char link[4096];
		unsigned long inode;
		enum fd_type t;
		ssize_t r;

		if (de->d_name[0] == '.')
			continue;
		listed++;
		r = readlinkat(fd, de->d_name, link, sizeof(link) - 1);
		if (r < 0) {
			/* ENOENT: closed since readdir, not an fd now. */
			if (errno != ENOENT)
				denied = errno;
			continue;
		}
		link[r] = '\0';
		t = procfs_classify_link(link, &inode);
		p->types[t]++;
		count++;
		if (t == FD_SOCKET)
			pending_add(pend, inode, atoi(de->d_name), &cap);
		else if (t == FD_FILE)
			dirmap_add(&dirs, link, file_dir_len(link));
	}
	closedir(d);
	dirmap_into(&dirs, p);
	if (denied && count == 0) {
		/* Listing allowed, links not (some sandboxes): counts only. */
		p->fds = listed;
		return -denied;
	}
	p->fds = count;
	p->classified = true;
	return 0;
}

/* Counts the entries of fd/ without reading the links; -errno on failure. */
static long count_dents(int piddir)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	long n = 0;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static unsigned long read_netns(int piddir)
{
	char link[64];
	ssize_t r = readlinkat(piddir, "ns/net", link, sizeof(link) - 1);
	unsigned long ino = 0;

	if (r <= 0)
		return 0;
	link[r] = '\0';
	if (sscanf(link, "net:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

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

/* The tables of a namespace, found or added (owned by s). */
static struct nstables *nstables_get(struct sampler *s, unsigned long netns)
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

/* May a table read at time t serve this sample? One read during it always
 * may; an older one while it is younger than the reuse age. */
static bool table_fresh_enough(const struct sampler *s, double t)
{
	return t == s->now || (s->cfg.reclassify_age > 0 && s->now - t < s->cfg.reclassify_age);
}

/* The key of a socket in the usable tables of ns, or NULL. */
static const struct sock_key *nstables_key(const struct sampler *s, const struct nstables *ns,
					   unsigned long inode)
{
	const struct sock_key *key;

	if (ns->recent && ns->tab[SOCKDIAG_TCP] && table_fresh_enough(s, ns->time[SOCKDIAG_TCP]) &&
	    (key = socktab_key(ns->recent, inode)))
		return key;
	for (int k = 0; k < NTABLES; k++) {
		if (ns->tab[k] && table_fresh_enough(s, ns->time[k]) &&
		    (key = socktab_key(ns->tab[k], inode)))
			return key;
	}
	return NULL;
}

static bool nstables_knows(const struct sampler *s, const struct nstables *ns, unsigned long inode)
{
	return nstables_key(s, ns, inode) ||
	       (ns->absent && table_fresh_enough(s, ns->absent_time) &&
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
		if (ns->tab[k] && ns->time[k] == s->now)
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
	    !table_fresh_enough(s, ns->time[SOCKDIAG_TCP]) || ns->time[SOCKDIAG_TCP] == s->now)
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

/* Forgets the tables that can serve no sample any more. */
static void nstables_prune(struct sampler *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nns; i++) {
		struct nstables *ns = &s->ns[i];
		bool live = ns->absent && table_fresh_enough(s, ns->absent_time);

		for (int k = 0; k < NTABLES; k++) {
			if (ns->tab[k] && !table_fresh_enough(s, ns->time[k])) {
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
	struct proc_id *v = s->incomplete;
	size_t cap = s->capincomplete;

	s->incomplete = s->incomplete_next;
	s->nincomplete = s->nincomplete_next;
	s->capincomplete = s->capincomplete_next;
	s->incomplete_next = v;
	s->capincomplete_next = cap;
	s->nincomplete_next = 0;
}

static bool was_incomplete(const struct sampler *s, int pid, unsigned long long start)
{
	for (size_t i = 0; i < s->nincomplete; i++)
		if (s->incomplete[i].pid == pid && s->incomplete[i].start == start)
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
	if (!old || !old->classified || old->fds != count || was_incomplete(s, p->pid, p->start))
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


enum read_result { READ_GONE = -1, READ_SKIPPED = 0, READ_OK = 1 };

/* A process whose leader thread has exited while other threads run on shows
 * the leader as a zombie with an empty fd/; the fd table lives on and is
 * read through a live thread. Returns that thread's /proc directory (caller
 * closes), or -1 for a real zombie. */
static int live_thread_dir(int pd, int pid)
{
	int td = openat(pd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), out = -1;
	struct dirent *de;
	DIR *d;

	if (td < 0)
		return -1;
	d = fdopendir(td);
	if (!d) {
		close(td);
		return -1;
	}
	while (out < 0 && (de = readdir(d))) {
		struct proc_stat ts;
		char *text;
		int tfd;

		if (de->d_name[0] == '.' || atoi(de->d_name) == pid)
			continue;
		tfd = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (tfd < 0)
			continue;
		if (read_file_at(tfd, "stat", &text, NULL) == 0) {
			if (procfs_parse_stat(text, &ts) == 0 && ts.state != 'Z' && ts.state != 'X')
				out = tfd;
			free(text);
		}
		if (out < 0)
			close(tfd);
	}
	closedir(d);
	return out;
}

/* Reads one process into a new entry of out. Zombies (they hold no fds) and
 * processes the selection rejects by name are skipped. */
static enum read_result read_process(struct sampler *s, const struct candidate *c, struct sample *out,
			 struct pending *pend)
{
	char name[16], *text;
	struct proc_stat st;
	struct proc_sample *p;
	struct stat sb;
	long fast = -1, limit;
	double t0;
	int pd, err;

	snprintf(name, sizeof(name), "%d", c->pid);
	pd = openat(s->rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0)
		return READ_GONE;
	if (read_file_at(pd, "stat", &text, NULL) < 0) {
		close(pd);
		return READ_GONE;
	}
	err = procfs_parse_stat(text, &st);
	free(text);
	if (err < 0) {
		out->nskipped_lines++;
		close(pd);
		return READ_SKIPPED;
	}
	/* Kernel threads hold no fds; zombies have released theirs. */
	if (st.state == 'X' || c->pid == 2 || st.ppid == 2 ||
	    (s->cfg.sel && !selection_match(s->cfg.sel, c->pid, c->uid, st.comm))) {
		close(pd);
		return READ_SKIPPED;
	}
	if (st.state == 'Z') {
		int td = live_thread_dir(pd, c->pid);

		close(pd);
		if (td < 0)
			return READ_SKIPPED;
		pd = td; /* identity (pid, start, comm) stays the leader's */
	}
	p = sample_add_proc(out);
	p->pid = c->pid;
	p->ppid = st.ppid;
	p->start = st.start;
	p->comm = xstrdup(st.comm);
	p->uid = c->uid;
	p->user = c->user ? xstrdup(c->user) : uid_name(c->uid);
	p->netns = read_netns(pd);
	if (read_file_at(pd, "limits", &text, NULL) == 0) {
		if (procfs_parse_limits(text, &limit) == 0)
			p->limit = limit;
		else
			out->nskipped_lines++;
		free(text);
	}
	/* The kernel (>= 6.2) reports the open-fd count as the size of fd/,
	 * even to users who may not list it; 0 means "not supported". */
	if (!s->cfg.no_stsize && fstatat(pd, "fd", &sb, 0) == 0 && sb.st_size > 0)
		fast = (long)sb.st_size;

	if (s->cfg.reclassify_age > 0) {
		long count = fast >= 0 ? fast : count_dents(pd);

		if (reuse_classification(s, p, count, out->time)) {
			s->stats.reused++;
			close(pd);
			return READ_OK;
		}
	}
	pend->proc = out->nprocs - 1;
	t0 = clock_mono();
	err = classify(pd, p, pend);
	s->stats.classified++;
	if (err == 0 && p->fds > 0) /* a running average of the cost per fd */
		s->per_fd = 0.8 * s->per_fd + 0.2 * (clock_mono() - t0) / (double)p->fds;
	if (err == -ENOENT || err == -ESRCH) {
		/* Gone between opening and listing. */
		proc_sample_clear(p);
		out->nprocs--;
		pend->n = 0;
		close(pd);
		return READ_GONE;
	}
	if (err < 0) {
		p->fd_err = -err;
		if (fast >= 0 || p->fds <= 0)
			p->fds = fast;
	} else {
		p->classified_time = out->time;
		pend->netns = p->netns;
		if (pend->n) {
			struct nstables *ns = nstables_get(s, p->netns);
			unsigned need = tables_needed(s, pd, ns, pend);

			if (need & (1u << SOCKDIAG_TCP) && find_by_ports(s, pd, ns, pend))
				need &= ~(1u << SOCKDIAG_TCP);
			if (need) {
				size_t skipped = 0;

				load_tables(s, pd, ns, need, &skipped);
				out->nskipped_lines += skipped;
			}
		}
	}
	close(pd);
	return READ_OK;
}

static int cmp_keyptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Turns a process's socket inodes into SPEC socket groups. Interned keys
 * are equal exactly when their pointers are, so sorting the pointers
 * gathers each group; inodes no table holds are remembered as absent. */
static void resolve_sockets(struct sampler *s, struct proc_sample *p, const struct pending *pend)
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
		if (!ns->absent || !table_fresh_enough(s, ns->absent_time)) {
			socktab_free(ns->absent);
			ns->absent = socktab_new();
			ns->absent_time = s->now;
		}
		socktab_note_absent(ns->absent, pend->inodes[i]);
	}
	if (incomplete && s->cfg.reclassify_age > 0)
		mark_incomplete(s, p);
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
			g->endpoint = dup_or_null(keys[i]->endpoint);
			g->state = dup_or_null(keys[i]->state);
		} else { /* netlink, packet, unbound TCP, or a namespace we cannot read */
			g->proto = xstrdup("other");
			g->dir = SOCK_NONE;
		}
	}
	free(keys);
}

struct sample *sampler_take(struct sampler *s)
{
	struct sample *out = sample_new();
	struct candidate *c = NULL;
	struct pending *pend = NULL;
	size_t n = 0, cap = 0, npend = 0;

	out->time = clock_wall();
	out->mono = clock_mono();
	s->now = out->time;
	nstables_prune(s);
	if (s->cfg.reclassify_age > 0) {
		double most = REFRESH_BUDGET * s->cfg.reclassify_age;

		s->refresh_tokens += s->last_now > 0 ? (s->now - s->last_now) * REFRESH_BUDGET : most;
		if (s->refresh_tokens > most)
			s->refresh_tokens = most;
	}
	s->last_now = s->now;
	memset(&s->stats, 0, sizeof(s->stats));

	if (s->use_libproc2)
		enumerate_libproc2(s, &c, &n, &cap);
	else
		enumerate_dir(s, &c, &n, &cap);

	pend = xcalloc(n + 1, sizeof(*pend)); /* one spare: the slot being filled */
	for (size_t i = 0; i < n; i++) {
		struct pending *pe = &pend[npend];

		pe->n = 0;
		if (read_process(s, &c[i], out, pe) == READ_GONE)
			out->nvanished++;
		if (pe->n)
			npend++;
		free(c[i].user);
	}
	free(c);
	s->nincomplete_next = 0;
	for (size_t i = 0; i < npend; i++) {
		resolve_sockets(s, &out->procs[pend[i].proc], &pend[i]);
		free(pend[i].inodes);
		free(pend[i].fds);
		free(pend[i].kinds);
	}
	swap_incomplete(s);
	free(pend[npend].inodes);
	free(pend[npend].fds);
	free(pend[npend].kinds);
	free(pend);
	for (size_t i = 0; i < out->nprocs; i++)
		proc_sample_sort_groups(&out->procs[i]);
	sample_finish(out);

	/* Keep a private copy for reuse; the caller owns out. */
	sample_free(s->prev);
	s->prev = NULL;
	if (s->cfg.reclassify_age > 0) {
		s->prev = sample_new();
		*s->prev = *out;
		s->prev->procs = xcalloc(out->nprocs ? out->nprocs : 1, sizeof(*out->procs));
		for (size_t i = 0; i < out->nprocs; i++)
			proc_sample_copy(&s->prev->procs[i], &out->procs[i]);
	}
	return out;
}

const struct sampler_stats *sampler_stats(const struct sampler *s)
{
	return &s->stats;
}

/* Adds the children of pid (every thread's) to *list; false when the
 * kernel offers no children files. */
static bool children_of(int rootfd, int pid, int **list, size_t *n, size_t *cap)
{
	char path[32];
	int fd, err;
	struct dirent *e;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "%d/task", pid);
	fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	err = errno;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return err != ENOENT; /* gone: not the kernel's fault */
	}
	while ((e = readdir(d))) {
		char file[300], *text = NULL, *p;
		size_t len;
		int dfd = dirfd(d);

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/children", e->d_name);
		if (read_file_at(dfd, file, &text, &len) < 0)
			continue;
		any = true;
		for (p = text; *p;) {
			char *end;
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			if (c > 0) {
				if (*n == *cap) {
					*cap = *cap ? *cap * 2 : 16;
					*list = xreallocarray(*list, *cap, sizeof(**list));
				}
				(*list)[(*n)++] = (int)c;
			}
			p = end;
		}
		free(text);
	}
	closedir(d);
	return any;
}

/* Without children files: every process whose parent is in the list,
 * from /proc/PID/stat, until nothing new is found. */
static void descendants_by_stat(int rootfd, int **list, size_t *n, size_t *cap)
{
	bool grew = true;

	while (grew) {
		int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;

		grew = false;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return;
		}
		while ((e = readdir(d))) {
			char file[300], *text = NULL;
			struct proc_stat st;
			size_t len;
			bool have = false, parent = false;
			int pid = atoi(e->d_name);

			if (pid <= 0)
				continue;
			for (size_t i = 0; i < *n && !have; i++)
				have = (*list)[i] == pid;
			if (have)
				continue;
			snprintf(file, sizeof(file), "%s/stat", e->d_name);
			if (read_file_at(dirfd(d), file, &text, &len) < 0)
				continue;
			if (procfs_parse_stat(text, &st) == 0)
				for (size_t i = 0; i < *n && !parent; i++)
					parent = (*list)[i] == st.ppid;
			free(text);
			if (!parent)
				continue;
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 16;
				*list = xreallocarray(*list, *cap, sizeof(**list));
			}
			(*list)[(*n)++] = pid;
			grew = true;
		}
		closedir(d);
	}
}

size_t sampler_descendants(struct sampler *s, int pid, int **out)
{
	size_t n = 0, cap = 16;
	int *list = xreallocarray(NULL, cap, sizeof(*list));

	list[n++] = pid;
	if (children_of(s->rootfd, pid, &list, &n, &cap)) {
		for (size_t i = 1; i < n; i++)
			children_of(s->rootfd, list[i], &list, &n, &cap);
	} else {
		descendants_by_stat(s->rootfd, &list, &n, &cap);
	}
	*out = list;
	return n;
}

static int cmp_fd_entry(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The row of a socket in any table read, or NULL. */
static const struct sock_entry *tables_entry(const struct sampler *s, unsigned long inode)
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

long sampler_list_fds(struct sampler *s, int pid, unsigned long long start,
		      struct fd_entry **out)
{
	char name[16], *text;
	struct proc_stat st;
	struct fd_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int pd, fd, err;
	DIR *d;

	snprintf(name, sizeof(name), "%d", pid);
	pd = openat(s->rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = read_file_at(pd, "stat", &text, NULL);
	if (err == 0) {
		err = procfs_parse_stat(text, &st) < 0 || st.start != start ? -ESRCH : 0;
		free(text);
	}
	fd = err ? -1 : openat(pd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!err && fd < 0)
		err = errno == ENOENT ? -ESRCH : -errno;
	close(pd);
	if (err)
		return err;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		char link[4096], desc[256];
		unsigned long inode;
		const struct sock_entry *e;
		ssize_t r;

		if (de->d_name[0] == '.')
			continue;
		r = readlinkat(fd, de->d_name, link, sizeof(link) - 1);
		if (r < 0)
			continue;
		link[r] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].fd = atoi(de->d_name);
		v[n].type = procfs_classify_link(link, &inode);
		e = v[n].type == FD_SOCKET ? tables_entry(s, inode) : NULL;
		if (e) {
			socktab_describe(e, desc, sizeof(desc));
			v[n].target = xstrdup(desc);
		} else {
			v[n].target = xstrdup(link);
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_fd_entry);
	*out = v;
	return (long)n;
}

void fd_entries_free(struct fd_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].target);
	free(e);
}

int selection_add_pids(struct selection *sel, const char *list, const char **why)
{
	const char *p = list;

	if (!*p) {
		*why = "an empty pid list";
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		char tok[24];
		long pid;

		if (len == 0 || len >= sizeof(tok)) {
			*why = "not a list of process ids";
			return -EINVAL;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (parse_long(tok, 1, INT32_MAX, &pid) < 0) {
			*why = "not a list of process ids";
			return -EINVAL;
		}
		sel->pids = xreallocarray(sel->pids, sel->npids + 1, sizeof(int));
		sel->pids[sel->npids++] = (int)pid;
		p += len;
		if (*p == ',' && *++p == '\0') {
			*why = "not a list of process ids";
			return -EINVAL;
		}
	}
	return 0;
}

int selection_add_user(struct selection *sel, const char *user, const char **why)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	long uid;

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 && res) {
		uid = (long)res->pw_uid;
	} else if (parse_long(user, 0, UINT32_MAX - 1, &uid) < 0) {
		*why = "no such user";
		return -ENOENT;
	}
	sel->uids = xreallocarray(sel->uids, sel->nuids + 1, sizeof(long));
	sel->uids[sel->nuids++] = uid;
	return 0;
}

int selection_set_comm(struct selection *sel, const char *regex, const char **why)
{
	static char msg[256];
	int r;

	if (sel->has_comm) {
		regfree(&sel->comm);
		sel->has_comm = false;
	}
	r = regcomp(&sel->comm, regex, REG_EXTENDED | REG_NOSUB);
	if (r) {
		regerror(r, &sel->comm, msg, sizeof(msg));
		*why = msg;
		return -EINVAL;
	}
	sel->has_comm = true;
	return 0;
}

bool selection_match(const struct selection *sel, int pid, long uid, const char *comm)
{
	if (!pid_selected(sel, pid) || !uid_selected(sel, uid))
		return false;
	return !sel->has_comm || regexec(&sel->comm, comm, 0, NULL, 0) == 0;
}

void selection_free(struct selection *sel)
{
	free(sel->pids);
	free(sel->uids);
	if (sel->has_comm)
		regfree(&sel->comm);
	memset(sel, 0, sizeof(*sel));
}
