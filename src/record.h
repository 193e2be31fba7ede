/* record.h - the JSON Lines sample record (the man page's RECORDS): the one
 * writer and the one reader, shared by report, record, log -o, replay and
 * the state file of check. */
#ifndef FDWATCH_RECORD_H
#define FDWATCH_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "sample.h"
#include "util.h"

/* Opens an -o FILE for writing (truncated, or appended to when append is
 * set; created with mode, narrowed by the umask, never widened): a
 * symbolic link is refused (O_NOFOLLOW: one planted in a shared directory
 * must not make fdwatch write elsewhere), and a capability copy opens it
 * with its caller's rights. NULL after printing why. */
FILE *record_open_output(const char *path, mode_t mode, bool append);

/* Socket groups and file directories written per process record (the
 * largest): the rest are summed into "sockets_other" and "files_other", so
 * that one process with thousands of endpoints cannot make every record
 * megabytes long. */
#define RECORD_MAX_GROUPS 64

/* Appends v as a JSON number in the shortest form that reads back as the
 * same double (19.2, not 19.199999999999999), null when not finite. */
void record_num(struct buf *out, double v);

/* Appends the "peers" value of a group or source: null (unknown) or the
 * list of holders. */
void record_peers_json(struct buf *out, enum peers_state st, const struct sock_peer *peers,
		       size_t n);

/* Appends the sample record of p at wall time t as one line, newline
 * included. */
void record_proc_json(struct buf *out, double t, const struct proc_sample *p);

/* Appends the record of p, a process of sample s. */
void record_sample_json(struct buf *out, const struct sample *s, const struct proc_sample *p);

/* Appends the system record of s (its sys part, which must be valid) as
 * one line. */
void record_system_json(struct buf *out, const struct sample *s);

/* The header record that begins a trace (record, log -o): which program
 * wrote it, on which host and boot (a (pid, start) pair is unique only
 * within one), the clock ticks per second of start times, the interval
 * and the time it began. Strings owned; NULL unknown. */
struct trace_header {
	char *version, *host, *boot_id;
	long hz;                 /* -1 unknown */
	double interval, start_time; /* NAN unknown */
};
void record_header_json(struct buf *out, const struct trace_header *h);
void trace_header_clear(struct trace_header *h);

/* What record_parse_line returns for a trace header, to be read with
 * record_parse_header. */
extern const char record_is_header[];
/* Parses a header record into h (zeroed by the caller, cleared with
 * trace_header_clear). NULL, or why it is not one (static text). */
const char *record_parse_header(const char *line, size_t len, struct trace_header *h);

/* What record_parse_line returns for a system record: not a process's, to
 * be read with record_parse_system. */
extern const char record_is_system[];

/* Parses a system record into *t and y (zeroed by the caller, cleared with
 * sys_sample_clear). NULL, or why it is not a usable one (static text). */
const char *record_parse_system(const char *line, size_t len, double *t, struct sys_sample *y);

/* Parses one line (len bytes; surrounding white space allowed) into *t and
 * ps, which the caller zeroes and later clears with proc_sample_clear. Only
 * time, pid and fds are required. Lenient parsing skips socket and file
 * groups that are malformed; strict parsing (for files fdwatch wrote
 * itself) rejects the record instead, and also requires start. Returns NULL,
 * or why the line is not a usable record (static text). */
const char *record_parse_line(const char *line, size_t len, bool strict, double *t,
			      struct proc_sample *ps);

#endif
