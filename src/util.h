/* util.h - allocation that dies cleanly, growable buffers, small helpers. */
#ifndef FDWATCH_UTIL_H
#define FDWATCH_UTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators that never return NULL: on failure they call fatal(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* A copy of the n bytes at p (n > 0). */
void *xmemdup(const void *p, size_t n);
char *xstrndup(const char *s, size_t n);
/* NULL-safe strings: equal when both are NULL or hold the same text; a copy
 * of s or NULL (caller frees); an order with NULL first. */
bool str_eq(const char *a, const char *b);
char *xstrdup_null(const char *s);
int str_cmp_null(const char *a, const char *b);
/* Formats into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A hook run by fatal() before it prints, e.g. to restore the terminal. */
void util_set_fatal_hook(void (*hook)(void));
/* The exit status of fatal() (default 1; check's is 3, UNKNOWN). */
void util_set_fatal_status(int status);
/* Reports a broken invariant or exhausted memory and exits 1 (or the
 * status set above). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The program name used as the prefix of messages ("fdwatch"). */
extern const char *progname;
/* Prints "fdwatch: MESSAGE" to stderr. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How a command writes what it finds: for people, or as JSON Lines. */
enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_HTML };

/* A growable byte buffer; always NUL-terminated after any append. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Monotonic and wall clock in seconds. */
double clock_mono(void);
double clock_wall(void);

/* Parses a non-negative decimal number of seconds ("0.25"); 0 or -EINVAL. */
int parse_seconds(const char *s, double *out);
/* Parses a whole number in [min, max]; 0 or -EINVAL / -ERANGE. */
int parse_long(const char *s, long min, long max, long *out);

/* Formats a duration compactly ("1m25s", "3h02m", "2d4h") into dst. */
const char *fmt_duration(char *dst, size_t n, double seconds);

/* Reads a whole file relative to dirfd into a new NUL-terminated buffer
 * (caller frees). Returns 0 or -errno. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len);

/* Opens directory path relative to dirfd for reading (O_DIRECTORY,
 * O_CLOEXEC, plus extra_flags such as O_NOFOLLOW); caller closedir()s.
 * NULL with errno set on failure. */
DIR *opendirat(int dirfd, const char *path, int extra_flags);

/* Replaces path with len bytes of data atomically: a hidden temp file in
 * the same directory (".NAME.tmp-XXXXXX", which collectors of *.prom and
 * readers of NAME never see), mode & ~umask, fsync, rename, then fsync of
 * the directory. On any failure the temp file is removed and the old file
 * stays whole. In a capability copy, with the caller's own rights (privs.h).
 * Returns 0 or -errno. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same with exactly mode, whatever the umask (a file that another
 * user's reader must see). */
int write_file_atomic_mode(const char *path, const void *data, size_t len, mode_t mode);

#endif
