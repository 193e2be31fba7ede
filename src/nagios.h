/* nagios.h - renders check's verdict as a Nagios/Icinga plugin does: one
 * line "FDWATCH STATE - summary | perfdata", then one line per alerting
 * process (the man page's check section). A renderer: values in, text out. */
#ifndef FDWATCH_NAGIOS_H
#define FDWATCH_NAGIOS_H

#include <stddef.h>

#include "sample.h"
#include "track.h"
#include "util.h"

/* Plugin states, which are also check's exit statuses. */
enum nagios_state { NAGIOS_OK, NAGIOS_WARNING, NAGIOS_CRITICAL, NAGIOS_UNKNOWN };

/* Alerts named on the first line; the rest are counted there. */
#define NAGIOS_FIRST_LINE_MAX 3
/* Output bounds for NRPE, whose buffers are small: the first line (text
 * and perfdata) and the whole output, newlines included. */
#define NAGIOS_FIRST_LINE_BYTES 1024
#define NAGIOS_OUTPUT_BYTES 8192
/* Processes listed by -v, nearest their limit first. */
#define NAGIOS_VERBOSE_MAX 10

struct nagios_input {
	const struct sample *s;      /* the newest sample */
	const struct alert *alerts;  /* its alerting processes, most urgent first */
	size_t nalerts;
	double history;              /* seconds of history judged; NAN none yet */
	double warn_use, crit_use;   /* the use thresholds, per cent (0: 80, 95) */
	int verbose;                 /* -v: also list the processes nearest their limit */
};

/* The state the alerts give: critical if any is, else warning if any. */
enum nagios_state nagios_state(const struct nagios_input *in);
/* "OK", "WARNING", ... (static). */
const char *nagios_state_name(enum nagios_state st);
/* Appends the whole plugin output for in, newline-terminated: the first
 * line at most NAGIOS_FIRST_LINE_BYTES (per-process perfdata dropped
 * first, then the text cut), all of it at most NAGIOS_OUTPUT_BYTES (the
 * lines beyond counted on a last line). */
void nagios_render(struct buf *out, const struct nagios_input *in);
/* Appends "FDWATCH UNKNOWN - why" and a newline. */
void nagios_unknown(struct buf *out, const char *why);

#endif
