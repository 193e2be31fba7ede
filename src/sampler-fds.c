/* sampler-fds.c - what the fds of one process are: the links of
 * /proc/PID/fd read relative to the process's directory, counted by type,
 * files grouped by directory, sockets set aside for the tables. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kinds.h"
#include "procfs.h"
#include "sampler-int.h"
#include "util.h"

/* The directories of one process's file fds, interned: an index per fd
 * into names (owned), a count per name, and an open-addressed table of
 * index + 1 by name for interning. */
struct dirtab {
	char **names;
	unsigned *counts;
	size_t n, cap;
	unsigned *slots;
	size_t scap;
};

/* FNV-1a of p[0..n). */
static uint64_t str_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The index of directory dir[0..len) in t, added (copied) when new. */
static unsigned dirtab_intern(struct dirtab *t, const char *dir, size_t len)
{
	size_t i;

	if (t->n * 2 >= t->scap) {
		size_t cap = t->scap ? t->scap * 2 : 16;

		free(t->slots);
		t->slots = xcalloc(cap, sizeof(*t->slots));
		t->scap = cap;
		for (size_t k = 0; k < t->n; k++) {
			i = str_hash(t->names[k], strlen(t->names[k])) & (cap - 1);
			while (t->slots[i])
				i = (i + 1) & (cap - 1);
			t->slots[i] = (unsigned)k + 1;
		}
	}
	for (i = str_hash(dir, len) & (t->scap - 1); t->slots[i]; i = (i + 1) & (t->scap - 1)) {
		const char *name = t->names[t->slots[i] - 1];

		if (strncmp(name, dir, len) == 0 && name[len] == '\0')
			return t->slots[i] - 1;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->names = xreallocarray(t->names, t->cap, sizeof(*t->names));
		t->counts = xreallocarray(t->counts, t->cap, sizeof(*t->counts));
	}
	t->names[t->n] = xstrndup(dir, len);
	t->counts[t->n] = 0;
	t->slots[i] = (unsigned)t->n + 1;
	return (unsigned)t->n++;
}

/* Copies the groups of t (the names with a count) into p, unsorted
 * (sampler_take sorts them). */
static void dirtab_groups(const struct dirtab *t, struct proc_sample *p)
{
	p->files = t->n ? xcalloc(t->n, sizeof(*p->files)) : NULL;
	p->nfiles = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->counts[i]) {
			p->files[p->nfiles].dir = xstrdup(t->names[i]);
			p->files[p->nfiles++].count = t->counts[i];
		}
}

/* Frees t's names and tables. */
static void dirtab_free(struct dirtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->counts);
	free(t->slots);
	memset(t, 0, sizeof(*t));
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

/* Sets aside the socket inode held at fd, its table not yet asked. */
static void pending_add(struct pending *pd, unsigned long inode, int fd)
{
	if (pd->n == pd->cap) {
		pd->cap = pd->cap ? pd->cap * 2 : 16;
		pd->inodes = xreallocarray(pd->inodes, pd->cap, sizeof(*pd->inodes));
		pd->fds = xreallocarray(pd->fds, pd->cap, sizeof(*pd->fds));
		pd->kinds = xreallocarray(pd->kinds, pd->cap, sizeof(*pd->kinds));
	}
	pd->inodes[pd->n] = inode;
	pd->kinds[pd->n] = KIND_UNASKED;
	pd->fds[pd->n++] = fd;
}

void pending_clear(struct pending *pd)
{
	free(pd->inodes);
	free(pd->fds);
	free(pd->kinds);
	memset(pd, 0, sizeof(*pd));
}

void fdcache_clear(struct fdcache *fc)
{
	free(fc->v);
	for (size_t i = 0; i < fc->ndirs; i++)
		free(fc->dirs[i]);
	free(fc->dirs);
	fc->v = NULL;
	fc->dirs = NULL;
	fc->n = fc->ndirs = 0;
}

/* Orders cached fds by number, for qsort and bsearch. */
static int cmp_fdc_ent(const void *a, const void *b)
{
	const struct fdc_ent *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The fd number an entry of fd/ names, or -1 when it is not a number. */
static int fd_number(const char *name)
{
	long v = 0;

	if (!*name)
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*name - '0');
	}
	return (int)v;
}

/* Appends an entry to the growing array *v of *n (capacity *cap). */
static struct fdc_ent *fdc_push(struct fdc_ent **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	return &(*v)[(*n)++];
}

/* The mounts of one mount namespace, read from the mountinfo of a process
 * in it once per pass: each device's filesystem type, for the kinds that a
 * stat cannot tell (procfs, mqueue), and the mount points of network and
 * FUSE filesystems, whose files are never stat'ed: following a link into
 * them can wait on their server, and a hung server would hang the
 * sampler. */
struct mnt_dev {
	dev_t dev;
	char type[16];
};
struct mnt_ns {
	unsigned long ino;       /* the namespace (ns/mnt) */
	unsigned long pass;      /* the pass (fstypes.pass) that read it */
	struct mnt_dev *devs;
	size_t ndevs;
	char **remote;           /* mount points of network and FUSE mounts */
	size_t nremote;
};

/* Is a filesystem of this type one whose files may wait on a server? */
static bool fstype_remote(const char *type)
{
	static const char *const remote[] = {
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs", "glusterfs", "lustre",
		"gpfs", "ocfs2", "gfs2", "fuse", "fuseblk", "ncpfs", "coda", "orangefs", "beegfs",
		"virtiofs",
	};

	if (strncmp(type, "fuse.", 5) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(remote); i++)
		if (strcmp(type, remote[i]) == 0)
			return true;
	return false;
}

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Empties m (not its namespace). */
static void mnt_ns_clear(struct mnt_ns *m)
{
	for (size_t i = 0; i < m->nremote; i++)
		free(m->remote[i]);
	free(m->remote);
	free(m->devs);
	m->remote = NULL;
	m->devs = NULL;
	m->nremote = m->ndevs = 0;
}

/* Reads the mountinfo of the process at piddir into m ("36 35 98:0 /
 * /mnt rw - ext4 /dev/root rw"). */
static void mnt_ns_read(struct mnt_ns *m, int piddir)
{
	char *text, *line, *next;

	mnt_ns_clear(m);
	if (read_file_at(piddir, "mountinfo", &text, NULL) < 0)
		return;
	for (line = text; line && *line; line = next) {
		char point[4096], *sep, *type, *end;
		unsigned maj, min;
		struct mnt_dev *d;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, point) != 3)
			continue;
		type = sep + 3;
		end = strchr(type, ' ');
		if (end)
			*end = '\0';
		if ((m->ndevs & (m->ndevs - 1)) == 0)
			m->devs = xreallocarray(m->devs, m->ndevs ? m->ndevs * 2 : 1, sizeof(*m->devs));
		d = &m->devs[m->ndevs++];
		d->dev = makedev(maj, min);
		snprintf(d->type, sizeof(d->type), "%s", type);
		if (fstype_remote(type)) {
			unescape_octal(point);
			m->remote = xreallocarray(m->remote, m->nremote + 1, sizeof(*m->remote));
			m->remote[m->nremote++] = xstrdup(point);
		}
	}
	free(text);
}

/* The mounts of the namespace of the process at piddir, read in this pass
 * (owned by ft), or NULL when its namespace cannot be told. */
static struct mnt_ns *mounts_of(struct fstypes *ft, int piddir)
{
	char link[64];
	unsigned long ino;
	ssize_t r = readlinkat(piddir, "ns/mnt", link, sizeof(link) - 1);
	struct mnt_ns *m = NULL;

	if (r <= 0)
		return NULL;
	link[r] = '\0';
	if (sscanf(link, "mnt:[%lu]", &ino) != 1)
		return NULL;
	for (size_t i = 0; i < ft->n && !m; i++)
		if (ft->v[i].ino == ino)
			m = &ft->v[i];
	if (!m) {
		if (ft->n == FSTYPES_MAX) { /* that many namespaces: start over */
			fstypes_clear(ft);
		}
		if ((ft->n & (ft->n - 1)) == 0)
			ft->v = xreallocarray(ft->v, ft->n ? ft->n * 2 : 1, sizeof(*ft->v));
		m = &ft->v[ft->n++];
		memset(m, 0, sizeof(*m));
		m->ino = ino;
	}
	if (m->pass != ft->pass || !m->pass) {
		mnt_ns_read(m, piddir);
		m->pass = ft->pass;
	}
	return m;
}

/* Is path on one of m's network or FUSE mounts? */
static bool on_remote(const struct mnt_ns *m, const char *path)
{
	for (size_t i = 0; i < m->nremote; i++) {
		size_t n = strlen(m->remote[i]);

		if (n == 1 || (strncmp(path, m->remote[i], n) == 0 && (path[n] == '/' || !path[n])))
			return true;
	}
	return false;
}

/* The filesystem type of device dev in m, or NULL. A device no mountinfo
 * lists is one of the kernel's internal mounts when the file sits at its
 * root ("/secretmem (deleted)", a message queue's "/NAME" without
 * /dev/mqueue mounted): only such a file is asked (statfs), and only
 * once per device and pass, so a detached network mount is never. */
static const char *fstype_of(struct mnt_ns *m, dev_t dev, int dfd, const char *name,
			     const char *link)
{
	static const struct {
		unsigned long magic;
		const char *type;
	} internal[] = {
		{ 0x5345434dUL, "secretmem" }, { 0x19800202UL, "mqueue" },
	};
	char path[320];
	struct statfs sf;
	struct mnt_dev *d;

	for (size_t i = 0; i < m->ndevs; i++)
		if (m->devs[i].dev == dev)
			return m->devs[i].type[0] ? m->devs[i].type : NULL;
	if (strchr(link + 1, '/'))
		return NULL;
	if ((m->ndevs & (m->ndevs - 1)) == 0)
		m->devs = xreallocarray(m->devs, m->ndevs ? m->ndevs * 2 : 1, sizeof(*m->devs));
	d = &m->devs[m->ndevs++];
	d->dev = dev;
	d->type[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
	if (statfs(path, &sf) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(internal); i++)
			if ((unsigned long)sf.f_type == internal[i].magic)
				snprintf(d->type, sizeof(d->type), "%s", internal[i].type);
	return d->type[0] ? d->type : NULL;
}

/* The kind of the file that fd/NAME links to (link). The stat follows the
 * link without opening it, and never into a network or FUSE mount (its
 * files are file-other). Without ft (a fixture tree), from the link
 * alone. */
static int file_kind(struct fstypes *ft, int piddir, int dfd, const char *name, const char *link)
{
	struct mnt_ns *m = ft ? mounts_of(ft, piddir) : NULL;
	struct statx sx;
	struct stat st;

	if (!m || on_remote(m, link) ||
	    statx(dfd, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_NLINK, &sx) < 0)
		return kind_of_file(link, NULL, NULL);
	memset(&st, 0, sizeof(st));
	st.st_mode = sx.stx_mode;
	st.st_nlink = sx.stx_nlink;
	return kind_of_file(link, &st,
			    S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)
				    ? fstype_of(m, makedev(sx.stx_dev_major, sx.stx_dev_minor), dfd,
						name, link)
				    : NULL);
}

void fstypes_clear(struct fstypes *ft)
{
	for (size_t i = 0; i < ft->n; i++)
		mnt_ns_clear(&ft->v[i]);
	free(ft->v);
	ft->v = NULL;
	ft->n = 0;
}

/* The kind of an fd that is neither a file nor a socket. */
static int link_kind(enum fd_type t, const char *link)
{
	switch (t) {
	case FD_PIPE:
		return KIND_PIPE;
	case FD_ANON:
		return kind_of_anon(link);
	default:
		return kind_of_other(link);
	}
}

/* How many watches the inotify instance at fd/NAME has: the "inotify wd:"
 * lines of its fdinfo. -1 when that cannot be read. */
static long inotify_watches(int piddir, const char *name)
{
	char path[300], *text, *line;
	long n = 0;

	snprintf(path, sizeof(path), "fdinfo/%s", name);
	if (read_file_at(piddir, path, &text, NULL) < 0)
		return -1;
	for (line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, "inotify wd:", 11) == 0)
			n++;
	free(text);
	return n;
}

/* Turns the per-kind tally of a classification into p's kinds. */
static void take_kinds(struct proc_sample *p, const unsigned *tally)
{
	free(p->kinds);
	p->kinds = NULL;
	p->nkinds = 0;
	for (int k = 0; k < KIND_MAX; k++)
		if (tally[k])
			kind_counts_add(&p->kinds, &p->nkinds, k, tally[k]);
}

int fds_classify(int piddir, struct proc_sample *p, struct pending *pend,
		 struct fdcache *fc, struct fstypes *ft, double now, double max_age,
		 struct fds_counts *cnt)
{
	DIR *d = opendirat(piddir, "fd", 0);
	struct dirtab dirs = { 0 };
	struct fdc_ent *nv = NULL;
	size_t nn = 0, ncap = 0, pend0 = pend->n;
	unsigned *remap = NULL, tally[KIND_MAX];
	const struct fdcache *old = fc && fc->n ? fc : NULL;
	bool reread[FDC_SLICES];
	struct dirent *de;
	long count, listed, watches;
	int denied, inotify = kind_inotify();

	if (!d)
		return -errno;
restart:
	count = listed = watches = 0;
	denied = 0;
	for (unsigned j = 0; j < FDC_SLICES; j++)
		reread[j] = !old || j == fc->nclass % FDC_SLICES ||
			    !isless(now - fc->slice_time[j], max_age);
	if (old)
		remap = xcalloc(old->ndirs ? old->ndirs : 1, sizeof(*remap));
	memset(p->types, 0, sizeof(p->types));
	memset(tally, 0, sizeof(tally));
	errno = 0;
	while ((de = readdir(d))) {
		char link[4096];
		unsigned long inode;
		const struct fdc_ent *e = NULL;
		struct fdc_ent key, *ne;
		enum fd_type t;
		ssize_t r;
		int fd, kind;

		if (de->d_name[0] == '.')
			continue;
		listed++;
		if (denied && count == 0)
			continue; /* no link of this process may be read: count them */
		fd = fd_number(de->d_name);
		key.fd = fd;
		if (old && fd >= 0 && !reread[(unsigned)fd % FDC_SLICES])
			e = bsearch(&key, old->v, old->n, sizeof(*old->v), cmp_fdc_ent);
		if (e && e->type != FD_SOCKET) {
			/* Read at an earlier classification and not due yet:
			 * the same number is taken to hold the same kind of
			 * object in the same directory (see fdcache). */
			t = (enum fd_type)e->type;
			p->types[t]++;
			tally[e->kind]++;
			count++;
			cnt->reused++;
			ne = fdc_push(&nv, &nn, &ncap);
			*ne = *e;
			if (e->kind == inotify && watches >= 0)
				watches = e->u.dir == FDC_NO_DIR ? -1 : watches + e->u.dir;
			if (t == FD_FILE && e->u.dir != FDC_NO_DIR) {
				unsigned o = e->u.dir;

				if (!remap[o])
					remap[o] = dirtab_intern(&dirs, old->dirs[o], strlen(old->dirs[o])) + 1;
				ne->u.dir = remap[o] - 1;
				dirs.counts[ne->u.dir]++;
			}
			continue;
		}
		cnt->read++;
		r = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (r < 0 && errno == ENAMETOOLONG) {
			/* A path beyond PATH_MAX: an open file all the same,
			 * counted though it cannot be named. */
			p->types[FD_FILE]++;
			tally[KIND_FILE_OTHER]++;
			count++;
			if (fd >= 0) {
				ne = fdc_push(&nv, &nn, &ncap);
				ne->fd = fd;
				ne->type = FD_FILE;
				ne->kind = KIND_FILE_OTHER;
				ne->u.dir = FDC_NO_DIR;
			}
			continue;
		}
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
		if (t == FD_FILE)
			kind = file_kind(ft, piddir, dirfd(d), de->d_name, link);
		else if (t == FD_SOCKET)
			kind = KIND_SOCKET_OTHER; /* named when its table is asked */
		else
			kind = link_kind(t, link);
		if (t != FD_SOCKET)
			tally[kind]++;
		ne = fd >= 0 ? fdc_push(&nv, &nn, &ncap) : NULL;
		if (ne) {
			ne->fd = fd;
			ne->type = (unsigned char)t;
			ne->kind = (unsigned char)kind;
			ne->u.inode = 0;
		}
		if (kind == inotify) {
			/* Its watches, read with the link: at most once per
			 * slice's turn (see fdcache). */
			long w = inotify_watches(piddir, de->d_name);

			if (ne)
				ne->u.dir = w < 0 ? FDC_NO_DIR : (unsigned)w;
			watches = w < 0 || watches < 0 ? -1 : watches + w;
		}
		if (t == FD_SOCKET) {
			pending_add(pend, inode, atoi(de->d_name));
			if (ne)
				ne->u.inode = inode;
		} else if (t == FD_FILE) {
			unsigned i = dirtab_intern(&dirs, link, file_dir_len(link));

			dirs.counts[i]++;
			if (ne)
				ne->u.dir = i;
		}
	}
	free(remap);
	remap = NULL;
	if (denied && old) {
		/* A link that may not be read now: answer as a full read
		 * would, from the links alone. */
		rewinddir(d);
		pend->n = pend0;
		nn = 0;
		dirtab_free(&dirs);
		fdcache_clear(fc);
		old = NULL;
		goto restart;
	}
	closedir(d);
	dirtab_groups(&dirs, p);
	take_kinds(p, tally);
	if (fc && !denied) {
		for (size_t i = 1; i < nn; i++)
			if (nv[i - 1].fd >= nv[i].fd) {
				qsort(nv, nn, sizeof(*nv), cmp_fdc_ent);
				break;
			}
		for (unsigned j = 0; j < FDC_SLICES; j++)
			if (reread[j])
				fc->slice_time[j] = now;
		fc->nclass++;
		fdcache_clear(fc);
		fc->v = nn ? xreallocarray(nv, nn, sizeof(*nv)) : nv; /* 16 bytes per fd, no slack */
		fc->n = nn;
		fc->dirs = dirs.names;
		fc->ndirs = dirs.n;
		free(dirs.counts);
		free(dirs.slots);
	} else {
		if (fc)
			fdcache_clear(fc);
		free(nv);
		dirtab_free(&dirs);
	}
	if (denied && count == 0) {
		/* Listing allowed, links not (some sandboxes): counts only. */
		p->fds = listed;
		proc_sample_unclassify(p);
		return -denied;
	}
	p->fds = count;
	p->inotify_watches = tally[inotify] ? watches : 0;
	p->classified = true;
	return 0;
}

long fds_count(int piddir)
{
	DIR *d = opendirat(piddir, "fd", 0);
	struct dirent *de;
	long n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

unsigned long fds_netns(int dirfd, const char *path)
{
	char link[64];
	ssize_t r = readlinkat(dirfd, path, link, sizeof(link) - 1);
	unsigned long ino = 0;

	if (r <= 0)
		return 0;
	link[r] = '\0';
	if (sscanf(link, "net:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* Orders fd entries by fd number, for qsort. */
static int cmp_fd_entry(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Opens the fd/ directory of (pid, start): 0 and *out, or -ESRCH when that
 * process is gone, or -errno. */
static int open_fd_dir(struct sampler *s, int pid, unsigned long long start, DIR **out)
{
	char name[16], *text;
	struct proc_stat st;
	int pd, err;

	snprintf(name, sizeof(name), "%d", pid);
	pd = openat(s->rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = read_file_at(pd, "stat", &text, NULL);
	if (err == 0) {
		err = procfs_parse_stat(text, &st) < 0 || st.start != start ? -ESRCH : 0;
		free(text);
	}
	if (err == 0) {
		*out = opendirat(pd, "fd", 0);
		if (!*out)
			err = errno == ENOENT ? -ESRCH : errno ? -errno : -EIO;
	}
	close(pd);
	return err;
}

long sampler_list_fds(struct sampler *s, int pid, unsigned long long start,
		      struct fd_entry **out)
{
	struct fd_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int err = open_fd_dir(s, pid, start, &d);

	if (err || !d)
		return err ? err : -EIO;
	while ((de = readdir(d))) {
		char link[4096], desc[256];
		unsigned long inode;
		const struct sock_entry *e;
		const struct socktab *tab;
		bool toolong = false;
		ssize_t r;

		if (de->d_name[0] == '.')
			continue;
		r = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (r < 0 && errno == ENAMETOOLONG) {
			toolong = true;
			r = snprintf(link, sizeof(link), "(a path longer than PATH_MAX)");
		}
		if (r < 0)
			continue;
		link[r] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].fd = atoi(de->d_name);
		v[n].type = toolong ? FD_FILE : procfs_classify_link(link, &inode);
		e = v[n].type == FD_SOCKET ? nstables_entry(s, inode, &tab) : NULL;
		if (e) {
			socktab_describe(tab, e, desc, sizeof(desc));
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
