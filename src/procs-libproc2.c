/* procs-libproc2.c - the processes of the real /proc through procps-ng 4's
 * libproc2 (Debian 12 and later): pid, tgid, effective uid and user name
 * in one reap. */
#include "config.h"

#include <libproc2/pids.h>

#include "sampler-int.h"
#include "util.h"

/* What enumeration asks libproc2 for, in this order. */
enum { I_PID, I_TGID, I_EUID, I_EUSER };
static enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_TGID, PIDS_ID_EUID, PIDS_ID_EUSER };

int procs_lib_open(struct procs_lib **out)
{
	struct pids_info *info = NULL;
	int err = procps_pids_new(&info, items, ARRAY_SIZE(items));

	*out = (struct procs_lib *)info;
	return err;
}

void procs_lib_close(struct procs_lib *lib)
{
	struct pids_info *info = (struct pids_info *)lib;

	if (info)
		procps_pids_unref(&info);
}

bool procs_lib_list(struct procs_lib *lib, const struct selection *sel, struct candidates *c)
{
	struct pids_info *info = (struct pids_info *)lib;
	size_t done = 0, total = sel->npids ? sel->npids : 1;
	bool ok = true;

	while (done < total) {
		struct pids_fetch *f;

		if (sel->npids) {
			/* select takes at most 255 pids at a time. */
			unsigned ids[255];
			size_t k = 0;

			for (; k < ARRAY_SIZE(ids) && done + k < sel->npids; k++)
				ids[k] = (unsigned)sel->pids[done + k];
			done += k;
			f = procps_pids_select(info, ids, (int)k, PIDS_SELECT_PID);
		} else {
			done = total;
			f = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
		}
		if (!f) {
			ok = false;
			continue;
		}
		for (int i = 0; i < f->counts->total; i++) {
			struct pids_stack *st = f->stacks[i];
			int pid = PIDS_VAL(I_PID, s_int, st, info);
			long uid = (long)PIDS_VAL(I_EUID, u_int, st, info);

			if (pid != PIDS_VAL(I_TGID, s_int, st, info) || !selection_has_uid(sel, uid))
				continue;
			candidates_add(c, pid, uid, PIDS_VAL(I_EUSER, str, st, info));
		}
	}
	return ok;
}
