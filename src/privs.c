/* privs.c - a capability copy's privileges, used for /proc only (privs.h).
 * libcap reads and sets the capability sets; the ids are plain syscalls. */
#include "config.h"

#include "privs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "util.h"

static bool elevated;
static uid_t ruid, euid;
static gid_t rgid, egid;
static int depth;          /* nested privs_user_begin calls */
static cap_t saved;        /* the capability sets before the outermost begin */

/* Does the process hold any capability in its permitted set? */
static bool any_permitted(void)
{
	cap_t c = cap_get_proc();
	bool any = false;

	if (!c)
		return false;
	/* Past the kernel's last capability cap_get_flag fails: not held. */
	for (cap_value_t v = 0; v < 64 && !any; v++) {
		cap_flag_value_t f = CAP_CLEAR;

		if (cap_get_flag(c, v, CAP_PERMITTED, &f) == 0 && f == CAP_SET)
			any = true;
	}
	cap_free(c);
	return any;
}

void privs_init(void)
{
	uid_t suid;
	gid_t sgid;

	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0) {
		ruid = getuid(), euid = geteuid(), suid = euid;
		rgid = getgid(), egid = getegid(), sgid = egid;
	}
	/* Root has every right already; its capabilities are no elevation. */
	elevated = ruid != euid || ruid != suid || rgid != egid || rgid != sgid ||
		   (ruid != 0 && any_permitted());
	if (!elevated)
		return;
	/* ncurses would load a terminal description from wherever these
	 * point, parsed by a privileged process: the system's database only. */
	unsetenv("TERMINFO");
	unsetenv("TERMINFO_DIRS");
	unsetenv("TERMCAP");
}

bool privs_elevated(void)
{
	return elevated;
}

int privs_user_begin(void)
{
	cap_t c;
	int err = 0;

	if (!elevated || depth++ > 0)
		return 0;
	saved = cap_get_proc();
	c = cap_dup(saved);
	if (!saved || !c || cap_clear_flag(c, CAP_EFFECTIVE) < 0 || cap_set_proc(c) < 0)
		err = -(errno ? errno : EPERM);
	cap_free(c);
	if (!err && euid != ruid) {
		setfsuid(ruid);
		if ((uid_t)setfsuid((uid_t)-1) != ruid)
			err = -EPERM;
	}
	if (!err && egid != rgid) {
		setfsgid(rgid);
		if ((gid_t)setfsgid((gid_t)-1) != rgid)
			err = -EPERM;
	}
	if (err) {
		warnx_("cannot give up capabilities to open a file with the caller's rights: %s",
		       strerror(-err));
		privs_user_end();
	}
	return err;
}

void privs_user_end(void)
{
	if (!elevated || depth == 0 || --depth > 0)
		return;
	/* Back to the ids and sets of before; failing that, with fewer
	 * rights than before, never more. */
	if (egid != rgid)
		setfsgid(egid);
	if (euid != ruid)
		setfsuid(euid);
	if (saved && cap_set_proc(saved) < 0)
		warnx_("warning: cannot take back the capabilities after opening a file: %s",
		       strerror(errno));
	cap_free(saved);
	saved = NULL;
}

int privs_drop_all(void)
{
	cap_t none;
	int err = 0;

	if (!elevated)
		return 0;
	none = cap_init();
	if (!none || cap_set_proc(none) < 0)
		err = -(errno ? errno : EPERM);
	cap_free(none);
	/* Setting one's ids to the real ones needs no capability. */
	if (!err && setresgid(rgid, rgid, rgid) < 0)
		err = -errno;
	if (!err && setresuid(ruid, ruid, ruid) < 0)
		err = -errno;
	if (!err) {
		elevated = false;
		euid = ruid;
		egid = rgid;
	}
	return err;
}
