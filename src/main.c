/* main.c - parses the command line and hands over to the command. */
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "escape.h"
#include "options.h"
#include "privs.h"

/* Puts /dev/null on whichever of fds 0-2 is closed: else the next file
 * opened (a trace, the state lock) would become standard error and take
 * the messages meant for it. False when that is not possible. */
static bool std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		n = open("/dev/null", O_RDWR);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	static int (*const run[CMD_NCOMMANDS])(struct options *) = {
		[CMD_TOP] = cmd_top,         [CMD_REPORT] = cmd_report,
		[CMD_LOG] = cmd_log,         [CMD_CHECK] = cmd_check,
		[CMD_RUN] = cmd_run,         [CMD_RECORD] = cmd_record,
		[CMD_REPLAY] = cmd_replay,   [CMD_METRICS] = cmd_metrics,
	};
	bool check = argc > 1 && strcmp(argv[1], "check") == 0;
	struct options o;
	int status;

	if (check)
		check_fatal_setup();
	if (!std_fds_open())
		return check ? 3 : 1;
	privs_init();
	setlocale(LC_ALL, "");
	escape_use_locale();
	status = options_parse(&o, argc, argv);
	/* A replay or a fixture tree needs no privilege: it gets none. */
	if (status < 0 && (o.cmd == CMD_REPLAY || (o.proc_root && strcmp(o.proc_root, "/proc") != 0)) &&
	    privs_drop_all() < 0) {
		fprintf(stderr, "fdwatch: cannot give up its capabilities\n");
		status = 1;
		if (o.cmd == CMD_CHECK) {
			fputs("FDWATCH UNKNOWN - cannot give up its capabilities\n", stdout);
			status = 3;
		}
	}
	if (status < 0)
		status = run[o.cmd](&o);
	options_free(&o);
	return status;
}
