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

/* Growth of one process between two samples in fds per second; NAN when it
 * is not in both or the interval is empty. */
double report_rate(const struct sample *first, const struct sample *last,
		   const struct proc_sample *p);

#endif
