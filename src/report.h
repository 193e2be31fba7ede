/* report.h - the human report of `fdwatch report`. */
#ifndef FDWATCH_REPORT_H
#define FDWATCH_REPORT_H

#include <stdbool.h>

#include "sample.h"
#include "util.h"

/* Renders last as a report into out, most suspicious first. When first is
 * not NULL (an earlier sample of the same run), each process that is in
 * both gets a growth rate over the interval between them. */
void report_text(struct buf *out, const struct sample *last, const struct sample *first,
		 bool color);

/* A group of at least IDLE_FLAG_COUNT TCP connections of which half have
 * been idle for IDLE_FLAG_SECS or more is the signature of connections
 * opened and never released (a response body never closed, a pool that
 * never gives back): one sample tells it from a busy pool. */
#define IDLE_FLAG_COUNT 16
#define IDLE_FLAG_SECS 10.0
bool report_idle_flagged(const struct sock_group *g);

/* Appends the one sentence a flagged group earns, escaped: "20 sockets to
 * 127.0.0.1:8080, idle 62-95 s, none active in the last 62 s: the
 * signature of responses never closed". Nothing for another group. */
void report_signature(struct buf *out, const struct sock_group *g);

/* What a suspicious state of a group means and what usually causes it,
 * in one line (static), or NULL: CLOSE_WAIT, and ESTABLISHED and idle. */
const char *report_state_words(const struct sock_group *g);
/* The same for deleted files still open. */
extern const char report_deleted_words[];

/* Appends the local processes at the other ends of a group, escaped
 * ("toward nginx[812]", "held open by fetcher[4242] x640"), "peer
 * unknown" when they are not visible, nothing when there are none. */
void report_peers(struct buf *out, const struct sock_group *g);
/* Appends a TCP group's idle range ("idle 2-95 s"), "idle unknown" when
 * the tables gave none, nothing for other groups. */
void report_idle(struct buf *out, const struct sock_group *g);

/* Growth of one process between two samples in fds per second; NAN when it
 * is not in both or the interval is empty. */
double report_rate(const struct sample *first, const struct sample *last,
		   const struct proc_sample *p);

#endif
