/* sampler-procs.c - which processes exist: thread-group leaders from
 * procps's library on the real /proc, the numeric entries of a fixture
 * tree (--proc) otherwise, each filtered by the selection's pids and uids. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "sampler-int.h"
#include "util.h"

int procs_open(struct sampler *s)
{
	/* The library only knows the real /proc; fixture trees are walked by
	 * hand. */
	s->real_proc = strcmp(s->cfg.proc_root, "/proc") == 0;
	if (!s->real_proc)
		return 0;
	return procs_lib_open(&s->lib);
}

void procs_close(struct sampler *s)
{
	if (s->real_proc)
		procs_lib_close(s->lib);
	s->lib = NULL;
}

char *procs_user_name(long uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return xstrdup(res->pw_name);
	return uid >= 0 ? xasprintf("%ld", uid) : xstrdup("?");
}

void candidates_add(struct candidates *c, int pid, long uid, const char *user)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	c->v[c->n].pid = pid;
	c->v[c->n].uid = uid;
	c->v[c->n].user = xstrdup_null(user);
	c->n++;
}

/* Numeric entries of a fixture proc tree, uid from each status file. */
static bool enumerate_dir(struct sampler *s, struct candidates *c)
{
	DIR *d = opendirat(s->rootfd, ".", 0);
	struct dirent *de;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		char *end, *status, path[64];
		long pid, uid = -1;

		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX || !selection_has_pid(&s->sel, (int)pid))
			continue;
		snprintf(path, sizeof(path), "%ld/status", pid);
		if (read_file_at(s->rootfd, path, &status, NULL) == 0) {
			if (procfs_parse_status_uid(status, &uid) < 0)
				uid = -1;
			free(status);
		}
		if (!selection_has_uid(&s->sel, uid))
			continue;
		candidates_add(c, (int)pid, uid, NULL);
	}
	closedir(d);
	return true;
}

size_t procs_list(struct sampler *s, struct candidate **out, bool *ok)
{
	struct candidates c = { 0 };

	*ok = s->real_proc ? procs_lib_list(s->lib, &s->sel, &c) : enumerate_dir(s, &c);
	*out = c.v;
	return c.n;
}

void procs_list_free(struct candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].user);
	free(c);
}

int procs_live_thread_dir(int pd, int pid)
{
	DIR *d = opendirat(pd, "task", 0);
	struct dirent *de;
	int out = -1;

	if (!d)
		return -1;
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
