/* sampler-select.c - the selection of processes: parsing the command
 * line's pid lists, users and name regex, and matching processes. */
#include "config.h"

#include "sampler-select.h"

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* Compiles pattern into sel->comm: 0, or a regcomp error code. */
static int comm_compile(struct selection *sel, const char *pattern)
{
	int r = regcomp(&sel->comm, pattern, REG_EXTENDED | REG_NOSUB);

	if (r == 0) {
		sel->has_comm = true;
		sel->comm_pattern = xstrdup(pattern);
	}
	return r;
}

/* Forgets the name regex of sel. */
static void comm_clear(struct selection *sel)
{
	if (sel->has_comm)
		regfree(&sel->comm);
	free(sel->comm_pattern);
	sel->comm_pattern = NULL;
	sel->has_comm = false;
}

int selection_set_comm(struct selection *sel, const char *regex, const char **why)
{
	static char msg[256];
	int r;

	comm_clear(sel);
	r = comm_compile(sel, regex);
	if (r) {
		regerror(r, &sel->comm, msg, sizeof(msg));
		*why = msg;
		return -EINVAL;
	}
	return 0;
}

void selection_set_pids(struct selection *sel, const int *pids, size_t n)
{
	free(sel->pids);
	sel->pids = NULL;
	sel->npids = n;
	if (n) {
		sel->pids = xreallocarray(NULL, n, sizeof(*sel->pids));
		memcpy(sel->pids, pids, n * sizeof(*sel->pids));
	}
}

void selection_copy(struct selection *dst, const struct selection *src)
{
	memset(dst, 0, sizeof(*dst));
	selection_set_pids(dst, src->pids, src->npids);
	dst->nuids = src->nuids;
	if (src->nuids) {
		dst->uids = xreallocarray(NULL, src->nuids, sizeof(*dst->uids));
		memcpy(dst->uids, src->uids, src->nuids * sizeof(*dst->uids));
	}
	/* The pattern compiled once already: failing now is no user error. */
	if (src->has_comm && (!src->comm_pattern || comm_compile(dst, src->comm_pattern)))
		fatal("cannot copy the process name selection");
}

bool selection_has_pid(const struct selection *sel, int pid)
{
	if (!sel || !sel->npids)
		return true;
	for (size_t i = 0; i < sel->npids; i++)
		if (sel->pids[i] == pid)
			return true;
	return false;
}

bool selection_has_uid(const struct selection *sel, long uid)
{
	if (!sel || !sel->nuids)
		return true;
	for (size_t i = 0; i < sel->nuids; i++)
		if (sel->uids[i] == uid)
			return true;
	return false;
}

bool selection_match(const struct selection *sel, int pid, long uid, const char *comm)
{
	if (!sel)
		return true;
	if (!selection_has_pid(sel, pid) || !selection_has_uid(sel, uid))
		return false;
	return !sel->has_comm || regexec(&sel->comm, comm, 0, NULL, 0) == 0;
}

void selection_free(struct selection *sel)
{
	free(sel->pids);
	free(sel->uids);
	comm_clear(sel);
	memset(sel, 0, sizeof(*sel));
}
