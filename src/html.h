/* html.h - the picture to share: one self-contained HTML page (inline SVG
 * and CSS, no script, nothing fetched) of a run of samples, as `report
 * --format html` and `replay --format html` write it. Per shown process:
 * its fd count over time against its limit, its largest socket and file
 * groups over time, and its alerts marked on the time axis; a header with
 * the host, the time span and the verdict. A renderer: it keeps what it is
 * given and writes it, every untrusted name escaped for HTML. */
#ifndef FDWATCH_HTML_H
#define FDWATCH_HTML_H

#include "sample.h"
#include "track.h"
#include "util.h"

/* How many processes the page shows at most: those that alerted first,
 * then those that grew most, then the largest. */
#define HTML_PROCS_SHOWN 8

struct html;

/* An empty page about host (may be NULL: unknown); what says where the
 * samples came from ("report", "replay of FILE"). Caller frees with
 * html_free. */
struct html *html_new(const char *host, const char *boot_id, const char *what);
void html_free(struct html *h);

/* Keeps what the page needs of one sample: each process's count and
 * limit, its socket and file groups, the idle signature and peers of its
 * groups as last seen. */
void html_add_sample(struct html *h, const struct sample *s);

/* Keeps one alert event, to mark on its process's time axis. */
void html_add_alert(struct html *h, const struct alert *a);

/* Appends the whole page. */
void html_write(struct buf *out, const struct html *h);

/* Appends s escaped for HTML text and attributes: control characters and
 * invalid UTF-8 shown as the terminal escaper shows them, then & < > " '
 * as entities. */
void html_escape(struct buf *out, const char *s);

#endif
