/* commands.h - one entry point per command; each returns the exit status. */
#ifndef FDWATCH_COMMANDS_H
#define FDWATCH_COMMANDS_H

#include "options.h"

int cmd_top(struct options *o);
int cmd_report(struct options *o);
int cmd_log(struct options *o);
int cmd_check(struct options *o);
/* From the very start of a check: a fatal error (out of memory, even
 * while the options are parsed) is UNKNOWN, said on stdout, exit 3. */
void check_fatal_setup(void);
int cmd_run(struct options *o);
int cmd_record(struct options *o);
int cmd_replay(struct options *o);
int cmd_metrics(struct options *o);

#endif
