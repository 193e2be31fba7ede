/* state-file.c - the state file of `check` and `metrics --state`:
 * its default path, the lock that serialises runs, loading (a damaged file
 * is set aside), and atomic replacement. */
#include "config.h"

#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "privs.h"
#include "util.h"

/* How long a run waits for another to release the lock. */
#define STATE_LOCK_WAIT 30.0

/* The real user's throughout this file: a setuid copy keeps its caller's
 * history, in files made with its caller's rights (privs.h). */
char *state_default_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (getuid() == 0)
		return xstrdup("/var/lib/fdwatch/state");
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/fdwatch/state", xdg);
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.local/state/fdwatch/state", home);
}

/* Creates every missing directory above path, each 0700. */
static int make_parents(const char *path)
{
	char *p = xstrdup(path);
	int err = 0;

	for (char *s = strchr(p + 1, '/'); s && !err; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			err = -errno;
		*s = '/';
	}
	free(p);
	return err;
}

/* Moves a damaged file out of the way: PATH.corrupt-YYYYmmddTHHMMSS. */
static void set_aside(const char *path, const char *why)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	char *dst;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	dst = xasprintf("%s.corrupt-%s", path, stamp);
	for (int i = 1; access(dst, F_OK) == 0 && i < 100; i++) {
		free(dst);
		dst = xasprintf("%s.corrupt-%s.%d", path, stamp, i);
	}
	if (rename(path, dst) == 0)
		warnx_("warning: state file %s is damaged (%s); moved it to %s and "
		       "started a new history", path, why, dst);
	else
		warnx_("warning: state file %s is damaged (%s) and could not be moved "
		       "aside (%s); starting a new history over it", path, why, strerror(errno));
	free(dst);
}

static int take_lock(const char *path, int *out)
{
	char *lock = xasprintf("%s.lock", path);
	double deadline = clock_mono() + STATE_LOCK_WAIT;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600), err;
	struct stat sb;

	if (fd < 0) {
		err = -errno;
		warnx_("cannot open the lock file %s: %s", lock, strerror(errno));
		free(lock);
		return err;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_uid != getuid() && sb.st_uid != 0)) {
		warnx_("refusing the lock file %s: not a regular file of this user's", lock);
		close(fd);
		free(lock);
		return -EPERM;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err = -errno;
			warnx_("cannot lock %s: %s", lock, strerror(errno));
			close(fd);
			free(lock);
			return err;
		}
		if (clock_mono() > deadline) {
			warnx_("%s is still locked by another run after %.0f s; giving up",
			       lock, STATE_LOCK_WAIT);
			close(fd);
			free(lock);
			return -EWOULDBLOCK;
		}
		usleep(10000);
	}
	free(lock);
	*out = fd;
	return 0;
}

/* Reads fd to its end into a new NUL-terminated string (caller frees);
 * -EFBIG past max bytes. */
static int read_all(int fd, size_t max, char **out, size_t *len)
{
	struct buf b;

	buf_init(&b);
	for (;;) {
		ssize_t r;

		if (b.len > max) {
			buf_free(&b);
			return -EFBIG;
		}
		buf_reserve(&b, 65536);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			buf_free(&b);
			return err;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		b.data[b.len] = '\0';
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

/* Is a directory or file of the state's path safe to trust: owned by this
 * user or root and writable by nobody else, as sshd's StrictModes has it?
 * A sticky directory of root's (/tmp) is fine above the state's own
 * directory, since nobody else may rename what is in it. NULL, or why not
 * (static text). */
static const char *unsafe_why(const struct stat *sb, bool above)
{
	if (sb->st_uid != getuid() && sb->st_uid != 0)
		return "owned by another user";
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		if (above && S_ISDIR(sb->st_mode) && (sb->st_mode & S_ISVTX) && sb->st_uid == 0)
			return NULL;
		return (sb->st_mode & S_IWOTH) ? "writable by others" : "writable by its group";
	}
	return NULL;
}

/* Resolves the directory of st->path (every symbolic link of it, so that a
 * DynamicUser state directory works) and checks it and each directory
 * above it. Returns 0 with st->path in the resolved directory, or -errno
 * after printing why. */
static int resolve_checked(struct state *st)
{
	char *slash = strrchr(st->path, '/'), *dir, *real, *base;
	int err = 0;

	dir = slash ? xstrndup(st->path, slash == st->path ? 1 : (size_t)(slash - st->path))
		    : xstrdup(".");
	base = xstrdup(slash ? slash + 1 : st->path);
	real = realpath(dir, NULL);
	if (!real) {
		err = -errno;
		warnx_("cannot resolve the directory of the state file %s: %s", st->path,
		       strerror(errno));
		goto out;
	}
	/* The state's own directory, then each one above it up to "/". */
	for (char *p = xstrdup(real), *cut; p; ) {
		struct stat sb;
		const char *why;

		if (stat(p, &sb) < 0) {
			err = -errno;
			warnx_("cannot check %s: %s", p, strerror(errno));
		} else if ((why = unsafe_why(&sb, strcmp(p, real) != 0))) {
			warnx_("refusing the state file %s/%s: the directory %s is %s (mode %04o, "
			       "owner %ld); a history others can change cannot be trusted",
			       strcmp(real, "/") ? real : "", base, p, why,
			       (unsigned)(sb.st_mode & 07777), (long)sb.st_uid);
			err = -EPERM;
		}
		cut = strrchr(p, '/');
		if (err || !cut || strcmp(p, "/") == 0) {
			free(p);
			break;
		}
		cut[cut == p] = '\0';
	}
	if (!err) {
		free(st->path);
		st->path = strcmp(real, "/") ? xasprintf("%s/%s", real, base) : xasprintf("/%s", base);
	}
out:
	free(real);
	free(dir);
	free(base);
	return err;
}

static int open_as_user(const char *path, struct state **out);
static int save_as_user(struct state *st);

int state_open(const char *path, struct state **out)
{
	/* The path is the caller's: opened with the caller's rights. */
	int err = privs_user_begin();

	if (err < 0)
		return err;
	err = open_as_user(path, out);
	privs_user_end();
	return err;
}

static int open_as_user(const char *path, struct state **out)
{
	struct state *st;
	struct stat sb;
	char *text = NULL, *def = NULL, why[160];
	size_t len = 0;
	int err, fd;

	if (!path) {
		path = def = state_default_path();
		if (!path) {
			warnx_("no state file: HOME is not set (give --state FILE)");
			return -ENOENT;
		}
	}
	st = xcalloc(1, sizeof(*st));
	st->lock_fd = -1;
	st->path = xstrdup(path);
	free(def);
	if (lstat(st->path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		char *real;

		if (getuid() == 0) {
			warnx_("refusing the state file %s: it is a symbolic link (as root, "
			       "give the real path)", st->path);
			state_close(st);
			return -ELOOP;
		}
		/* Replacing the file must not replace the user's link. */
		real = realpath(st->path, NULL);
		if (real) {
			free(st->path);
			st->path = real;
		}
	}
	err = make_parents(st->path);
	if (err < 0) {
		warnx_("cannot create the directory of %s: %s", st->path, strerror(-err));
		state_close(st);
		return err;
	}
	err = resolve_checked(st);
	if (err < 0) {
		state_close(st);
		return err;
	}
	err = take_lock(st->path, &st->lock_fd);
	if (err < 0) {
		state_close(st);
		return err;
	}
	/* O_NONBLOCK: a FIFO there must not hang the open while the lock is
	 * held (every later run would wait, then give up). */
	fd = open(st->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno != ENOENT) {
		err = -errno;
		warnx_("cannot open the state file %s: %s", st->path, strerror(errno));
		state_close(st);
		return err;
	}
	if (fd >= 0) {
		const char *why_not;

		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			warnx_("cannot use the state file %s: not a regular file", st->path);
			close(fd);
			state_close(st);
			return -EINVAL;
		}
		if ((why_not = unsafe_why(&sb, false))) {
			warnx_("refusing the state file %s: it is %s (mode %04o, owner %ld); a "
			       "history others can change cannot be trusted", st->path, why_not,
			       (unsigned)(sb.st_mode & 07777), (long)sb.st_uid);
			close(fd);
			state_close(st);
			return -EPERM;
		}
		err = read_all(fd, STATE_MAX_BYTES, &text, &len);
		close(fd);
		if (err == -EFBIG) {
			/* Bounded as it is written: only a foreign file is this big. */
			snprintf(why, sizeof(why), "larger than %d MiB", STATE_MAX_BYTES >> 20);
			set_aside(st->path, why);
			st->set_aside = true;
		} else if (err < 0) {
			warnx_("cannot read the state file %s: %s", st->path, strerror(-err));
			state_close(st);
			return err;
		}
		if (text && state_parse(st, text, len, why, sizeof(why)) < 0) {
			state_clear(st);
			set_aside(st->path, why);
			st->set_aside = true;
		}
		free(text);
	}
	*out = st;
	return 0;
}

int state_save(struct state *st)
{
	int err = privs_user_begin();

	if (err < 0)
		return err;
	err = save_as_user(st);
	privs_user_end();
	return err;
}

static int save_as_user(struct state *st)
{
	struct buf b;
	double now = 0;
	int err;

	for (size_t i = 0; i < st->nprocs; i++)
		if (st->procs[i].n && st->procs[i].recs[st->procs[i].n - 1].time > now)
			now = st->procs[i].recs[st->procs[i].n - 1].time;
	state_thin(st, now);
	buf_init(&b);
	state_format(st, &b);
	err = write_file_atomic(st->path, b.data, b.len, 0600);
	if (err)
		warnx_("cannot save the state file %s: %s", st->path, strerror(-err));
	buf_free(&b);
	return err;
}

int state_record(const char *path, const struct sample *s, struct state **out)
{
	struct state *st;
	int err = state_open(path, &st);

	if (err < 0)
		return err;
	state_add_sample(st, s);
	err = state_save(st);
	if (err < 0) {
		state_close(st);
		return err;
	}
	state_unlock(st);
	*out = st;
	return 0;
}

void state_unlock(struct state *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	state_clear(st);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->path);
	free(st);
}
