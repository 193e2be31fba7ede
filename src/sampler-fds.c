/* sampler-fds.c - what the fds of one process are: the links of
 * /proc/PID/fd read relative to the process's directory, counted by type,
 * files grouped by directory, sockets set aside for the tables. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "sampler-int.h"
#include "util.h"

/* A small string -> count map for grouping file fds by directory. */
struct dirmap {
	struct file_group *slots;
	size_t cap, n;
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

/* Counts one more file in directory dir[0..len) (copied when new). */
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

/* Moves the groups of m into p (unsorted; sampler_take sorts them). */
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

int fds_classify(int piddir, struct proc_sample *p, struct pending *pend)
{
	DIR *d = opendirat(piddir, "fd", 0);
	struct dirmap dirs = { 0 };
	struct dirent *de;
	long count = 0, listed = 0;
	int denied = 0;

	if (!d)
		return -errno;
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
		r = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
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
			pending_add(pend, inode, atoi(de->d_name));
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
		ssize_t r;

		if (de->d_name[0] == '.')
			continue;
		r = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (r < 0)
			continue;
		link[r] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].fd = atoi(de->d_name);
		v[n].type = procfs_classify_link(link, &inode);
		e = v[n].type == FD_SOCKET ? nstables_entry(s, inode) : NULL;
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
