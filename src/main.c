/* main.c - parses the command line and hands over to the command. */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "commands.h"
#include "options.h"

int main(int argc, char **argv)
{
	static int (*const run[CMD_NCOMMANDS])(struct options *) = {
		[CMD_TOP] = cmd_top,         [CMD_REPORT] = cmd_report,
		[CMD_LOG] = cmd_log,         [CMD_CHECK] = cmd_check,
		[CMD_RUN] = cmd_run,         [CMD_RECORD] = cmd_record,
		[CMD_REPLAY] = cmd_replay,   [CMD_METRICS] = cmd_metrics,
	};
	struct options o;
	int status;

	setlocale(LC_ALL, "");
	status = options_parse(&o, argc, argv);
	if (status < 0)
		status = run[o.cmd](&o);
	options_free(&o);
	return status;
}
