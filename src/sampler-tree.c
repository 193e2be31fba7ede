/* sampler-tree.c - the descendants of a process, for `fdwatch run
 * --children`: through each thread's children file, or by the parent pids
 * of every process where the kernel keeps no such file. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "procfs.h"
#include "sampler-int.h"
#include "util.h"

/* A growable list of pids. */
struct pidlist {
	int *v;
	size_t n, cap;
};

/* Appends pid to l. */
static void pidlist_add(struct pidlist *l, int pid)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = pid;
}

/* Is pid in l? */
static bool pidlist_has(const struct pidlist *l, int pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return true;
	return false;
}

/* Adds the children of pid (every thread's) to l; false when the kernel
 * offers no children files. */
static bool children_of(int rootfd, int pid, struct pidlist *l)
{
	char path[32];
	struct dirent *e;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "%d/task", pid);
	d = opendirat(rootfd, path, 0);
	if (!d)
		return errno != ENOENT; /* gone: not the kernel's fault */
	while ((e = readdir(d))) {
		char file[300], *text = NULL, *p;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/children", e->d_name);
		if (read_file_at(dirfd(d), file, &text, NULL) < 0)
			continue;
		any = true;
		for (p = text; *p;) {
			char *end;
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			if (c > 0)
				pidlist_add(l, (int)c);
			p = end;
		}
		free(text);
	}
	closedir(d);
	return any;
}

/* Without children files: every process whose parent is in l, from
 * /proc/PID/stat, until nothing new is found. */
static void descendants_by_stat(int rootfd, struct pidlist *l)
{
	bool grew = true;

	while (grew) {
		DIR *d = opendirat(rootfd, ".", 0);
		struct dirent *e;

		grew = false;
		if (!d)
			return;
		while ((e = readdir(d))) {
			char file[300], *text = NULL;
			struct proc_stat st;
			bool parent;
			int pid = atoi(e->d_name);

			if (pid <= 0 || pidlist_has(l, pid))
				continue;
			snprintf(file, sizeof(file), "%s/stat", e->d_name);
			if (read_file_at(dirfd(d), file, &text, NULL) < 0)
				continue;
			parent = procfs_parse_stat(text, &st) == 0 && pidlist_has(l, st.ppid);
			free(text);
			if (!parent)
				continue;
			pidlist_add(l, pid);
			grew = true;
		}
		closedir(d);
	}
}

size_t sampler_descendants(struct sampler *s, int pid, int **out)
{
	struct pidlist l = { 0 };

	pidlist_add(&l, pid);
	if (children_of(s->rootfd, pid, &l)) {
		for (size_t i = 1; i < l.n; i++)
			children_of(s->rootfd, l.v[i], &l);
	} else {
		descendants_by_stat(s->rootfd, &l);
	}
	*out = l.v;
	return l.n;
}
