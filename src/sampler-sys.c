/* sampler-sys.c - the limits beyond a process's own that end in "too many
 * open files" too: the system's file table and every user's inotify
 * instances and watches (a sample's system part, the man page's system
 * record). The file table and the limits come from /proc/sys; inotify use
 * is counted from the fds the sample classified. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "sampler-int.h"
#include "util.h"

/* The first number of the file at path under the proc root; -1 when it
 * cannot be read (a fixture tree without it). With third, the file is
 * file-nr ("allocated unused max") and its third number goes to *third. */
static long read_number(int rootfd, const char *path, long *third)
{
	char *text;
	long a = -1, b, c;

	if (read_file_at(rootfd, path, &text, NULL) < 0)
		return -1;
	if (third) {
		*third = -1;
		if (sscanf(text, "%ld %ld %ld", &a, &b, &c) == 3)
			*third = c;
		else
			a = -1;
	} else if (sscanf(text, "%ld", &a) != 1) {
		a = -1;
	}
	free(text);
	return a < 0 ? -1 : a;
}

/* The lower of two limits, either -1 unknown: inside a user namespace
 * /proc/sys/user/ holds that namespace's own, which may be lower. */
static long tighter(long a, long b)
{
	if (a < 0 || b < 0)
		return a < 0 ? b : a;
	return a < b ? a : b;
}

/* The entry of uid in y, added when new. */
static struct inotify_use *user_get(struct sys_sample *y, const struct proc_sample *p)
{
	struct inotify_use *u;

	for (size_t i = 0; i < y->ninotify; i++)
		if (y->inotify[i].uid == p->uid)
			return &y->inotify[i];
	y->inotify = xreallocarray(y->inotify, y->ninotify + 1, sizeof(*y->inotify));
	u = &y->inotify[y->ninotify++];
	memset(u, 0, sizeof(*u));
	u->uid = p->uid;
	u->user = xstrdup_null(p->user);
	return u;
}

/* The count of kind k in p. */
static unsigned kind_count(const struct proc_sample *p, int k)
{
	for (size_t i = 0; i < p->nkinds; i++)
		if (p->kinds[i].kind == k)
			return p->kinds[i].count;
	return 0;
}

/* The tighter of a user's two uses of the limits of y, in percent. */
static double tightest(const struct inotify_use *u, const struct sys_sample *y)
{
	double a = sys_use((long)u->instances, y->max_instances);
	double b = sys_use(u->watches, y->max_watches);

	return a > b ? a : b;
}

/* Orders users by their tighter use, then uid, for qsort_r (ctx: the
 * system part, whose limits are every user's). */
static int cmp_use(const void *a, const void *b, void *ctx)
{
	const struct inotify_use *x = a, *y = b;
	double tx = tightest(x, ctx), ty = tightest(y, ctx);

	if (isgreater(tx, ty))
		return -1;
	if (isless(tx, ty))
		return 1;
	if (x->instances != y->instances)
		return x->instances > y->instances ? -1 : 1;
	return (x->uid > y->uid) - (x->uid < y->uid);
}

void sys_read(struct sampler *s, struct sample *out)
{
	struct sys_sample *y = &out->sys;
	int inotify = kind_inotify();

	sys_sample_clear(y);
	y->valid = true;
	y->files = read_number(s->rootfd, "sys/fs/file-nr", &y->files_max);
	if (y->files_max < 0)
		y->files_max = read_number(s->rootfd, "sys/fs/file-max", NULL);
	y->nr_open = read_number(s->rootfd, "sys/fs/nr_open", NULL);
	y->max_instances = tighter(read_number(s->rootfd, "sys/fs/inotify/max_user_instances", NULL),
				   read_number(s->rootfd, "sys/user/max_inotify_instances", NULL));
	y->max_watches = tighter(read_number(s->rootfd, "sys/fs/inotify/max_user_watches", NULL),
				 read_number(s->rootfd, "sys/user/max_inotify_watches", NULL));
	for (size_t i = 0; i < out->nprocs; i++) {
		const struct proc_sample *p = &out->procs[i];
		struct inotify_use *u;
		unsigned n;

		if (p->uid < 0 || !p->classified)
			continue;
		n = kind_count(p, inotify);
		if (!n)
			continue;
		u = user_get(y, p);
		u->shared |= u->instances > 0;
		u->instances += n;
		u->watches = u->watches < 0 || p->inotify_watches < 0 ? -1 : u->watches + p->inotify_watches;
		if (n > u->top_instances) {
			free(u->top_comm);
			u->top_pid = p->pid;
			u->top_start = p->start;
			u->top_comm = xstrdup_null(p->comm);
			u->top_instances = n;
		}
		if (p->inotify_watches > (long)u->wtop_watches || !u->wtop_pid) {
			free(u->wtop_comm);
			u->wtop_pid = p->pid;
			u->wtop_start = p->start;
			u->wtop_comm = xstrdup_null(p->comm);
			u->wtop_watches = p->inotify_watches > 0 ? (unsigned)p->inotify_watches : 0;
		}
	}
	/* A process not read hides its instances: its user's count may be
	 * short. */
	for (size_t i = 0; i < out->nprocs; i++)
		for (size_t k = 0; !out->procs[i].classified && k < y->ninotify; k++)
			if (y->inotify[k].uid == out->procs[i].uid)
				y->inotify[k].partial = true;
	if (y->ninotify > 1)
		qsort_r(y->inotify, y->ninotify, sizeof(*y->inotify), cmp_use, y);
}
