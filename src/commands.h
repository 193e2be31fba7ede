/* commands.h - one entry point per command; each returns the exit status. */
#ifndef FDWATCH_COMMANDS_H
#define FDWATCH_COMMANDS_H

#include "options.h"

int cmd_top(struct options *o);
int cmd_report(struct options *o);
int cmd_log(struct options *o);
int cmd_check(struct options *o);
int cmd_run(struct options *o);
int cmd_record(struct options *o);
int cmd_replay(struct options *o);
int cmd_metrics(struct options *o);

#endif
