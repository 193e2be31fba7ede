/* record.h - the JSON Lines sample record of SPEC ("Records"). */
#ifndef FDWATCH_RECORD_H
#define FDWATCH_RECORD_H

#include "sample.h"
#include "util.h"

/* Appends one sample record for p (a process of s) as one line, newline
 * included. */
void record_sample_json(struct buf *out, const struct sample *s, const struct proc_sample *p);

/* Appends a JSON number, or null when v is not finite. */
void json_num(struct buf *out, double v);

#endif
