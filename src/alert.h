/* alert.h - writes alert events (track.h) as alert records (JSON Lines, the
 * man page's RECORDS section) or as one text line each, for people and
 * grep. A renderer: it formats the values the tracker made. */
#ifndef FDWATCH_ALERT_H
#define FDWATCH_ALERT_H

#include "track.h"
#include "util.h"

/* Appends the JSON alert record of a, newline included. */
void alert_json(struct buf *out, const struct alert *a);
/* Appends the human message of a (no time, no newline), all untrusted
 * text escaped: "fetcher[4242] 812/1024 fds, +2.5/s, limit in 1m25s,
 * toward tcp out 93.184.216.34:443 CLOSE_WAIT". */
void alert_message(struct buf *out, const struct alert *a);
/* Appends "2026-11-28 13:30:00 WARNING " + the message + newline, the time
 * in local time. */
void alert_text(struct buf *out, const struct alert *a);
/* Appends a as format asks: its JSON record or its text line. */
void alert_write(struct buf *out, const struct alert *a, enum output_format format);
/* Appends the source as text ("tcp out 1.2.3.4:80 CLOSE_WAIT", "file
 * /tmp", "pipe"), escaped; nothing for SRC_NONE. */
void source_text(struct buf *out, const struct source *s);
/* Appends the local processes at the other ends of a socket source, when
 * known: " (nginx[812])" after a connection's endpoint, ", held open by
 * fetcher[4242]" after a service's; escaped. */
void peers_text(struct buf *out, const struct source *s);
/* Gives the socket sources of alerts a[0..n) the peers their groups have
 * in sample s (the one that raised them). */
void alerts_add_peers(struct alert *a, size_t n, const struct sample *s);
/* Appends the source as a JSON object, or null. */
void source_json(struct buf *out, const struct source *s);

#endif
