/* procs-libprocps.c - the processes of the real /proc through procps-ng
 * 3.3's libprocps (Debian 11, Ubuntu 22.04, RHEL 9): openproc and readproc
 * with the status file for the effective uid and user name. */
#include "config.h"

#include <proc/readproc.h>
#include <stdlib.h>

#include "sampler-int.h"
#include "util.h"

/* libprocps keeps no state between listings: there is no handle. */
int procs_lib_open(struct procs_lib **out)
{
	*out = NULL;
	return 0;
}

void procs_lib_close(struct procs_lib *lib)
{
	(void)lib;
}

/* Reads every process of pt into c, filtered by sel's uids. */
static void read_all(PROCTAB *pt, const struct selection *sel, struct candidates *c)
{
	proc_t *p;

	/* readproc(pt, NULL) allocates each entry, freeproc frees it whole:
	 * the one way that holds across 3.3 releases. */
	while ((p = readproc(pt, NULL))) {
		long uid = (long)p->euid;

		/* readproc lists processes, not threads: tid is the tgid. */
		if (p->tid == p->tgid && selection_has_uid(sel, uid))
			candidates_add(c, p->tid, uid, p->euser[0] ? p->euser : NULL);
		freeproc(p);
	}
}

bool procs_lib_list(struct procs_lib *lib, const struct selection *sel, struct candidates *c)
{
	int flags = PROC_FILLSTATUS | PROC_FILLUSR;
	PROCTAB *pt;

	(void)lib;
	if (sel->npids) {
		/* PROC_PID takes a list ended by 0. */
		pid_t *list = xcalloc(sel->npids + 1, sizeof(*list));

		for (size_t i = 0; i < sel->npids; i++)
			list[i] = sel->pids[i];
		pt = openproc(flags | PROC_PID, list);
		if (pt) {
			read_all(pt, sel, c);
			closeproc(pt);
		}
		free(list);
		return pt != NULL;
	}
	pt = openproc(flags);
	if (pt) {
		read_all(pt, sel, c);
		closeproc(pt);
	}
	return pt != NULL;
}
