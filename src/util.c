/* util.c - allocation that dies cleanly, growable buffers, small helpers. */
#include "config.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "privs.h"

const char *progname = "fdwatch";
static void (*fatal_hook)(void);
static int fatal_status = 1;

void util_set_fatal_status(int status)
{
	fatal_status = status;
}

void util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook) {
		void (*hook)(void) = fatal_hook;
		fatal_hook = NULL;
		hook();
	}
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(fatal_status);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void *xmemdup(const void *p, size_t n)
{
	return memcpy(xmalloc(n), p, n);
}

char *xstrdup_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int str_cmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	struct buf b;

	buf_init(&b);
	buf_vaddf(&b, fmt, ap);
	return b.data ? b.data : xstrdup("");
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void buf_init(struct buf *b)
{
	b->cap = 64;
	b->len = 0;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (extra >= SIZE_MAX - b->len)
		fatal("buffer too large");
	if (b->len + extra + 1 <= b->cap)
		return;
	/* A freed buffer (cap 0) may be used again: start it afresh. */
	if (b->cap == 0)
		b->cap = 64;
	while (b->len + extra + 1 > b->cap)
		b->cap = b->cap < SIZE_MAX / 2 ? b->cap * 2 : SIZE_MAX;
	b->data = xrealloc(b->data, b->cap);
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, aq);
	va_end(aq);
	if (n < 0)
		fatal("bad format string");
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

double clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *fmt_duration(char *dst, size_t n, double s)
{
	if (!isfinite(s) || s < 0)
		snprintf(dst, n, "-");
	else if (s < 60)
		snprintf(dst, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(dst, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else if (s < 86400)
		snprintf(dst, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
	else if (s < 86400.0 * 1000)
		snprintf(dst, n, "%dd%02dh", (int)(s / 86400), (int)fmod(s / 3600, 24));
	else
		snprintf(dst, n, ">999d");
	return dst;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len)
{
	struct buf b;
	int fd, err = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf_init(&b);
	for (;;) {
		ssize_t r;

		buf_reserve(&b, 4096);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
	}
	close(fd);
	if (err) {
		buf_free(&b);
		return err;
	}
	b.data[b.len] = '\0';
	*out = b.data;
	if (len)
		*len = b.len;
	return 0;
}

static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool exact);

static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool exact)
{
	const char *slash = strrchr(path, '/');
	const char *bytes = data;
	char *tmp, *dir;
	mode_t mask;
	size_t off = 0;
	int fd, err = 0;

	if (slash)
		tmp = xasprintf("%.*s/.%s.tmp-XXXXXX", (int)(slash - path), path, slash + 1);
	else
		tmp = xasprintf(".%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, exact ? mode : mode & ~mask) < 0)
		err = -errno;
	while (!err && off < len) {
		ssize_t n = write(fd, bytes + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		free(tmp);
		return err;
	}
	free(tmp);
	/* The rename itself must survive a crash. */
	dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	return 0;
}

/* Both run with the caller's own rights (a capability copy writes only
 * where its caller may). */
static int write_as_user(const char *path, const void *data, size_t len, mode_t mode, bool exact)
{
	int err = privs_user_begin();

	if (err < 0)
		return err;
	err = write_atomic(path, data, len, mode, exact);
	privs_user_end();
	return err;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_as_user(path, data, len, mode, false);
}

int write_file_atomic_mode(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_as_user(path, data, len, mode, true);
}

DIR *opendirat(int dirfd, const char *path, int extra_flags)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags);
	DIR *d;
	int err;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		err = errno;
		close(fd);
		errno = err;
	}
	return d;
}
