/* cmd-check.c - `fdwatch check`: a Nagios/Icinga plugin for cron. Adds one
 * sample to the history kept in the state file, judges the whole history
 * with the detector every command uses, and prints the plugin output
 * (nagios.h) or the alert records; exit 0, 1, 2 or 3. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "nagios.h"
#include "verdict.h"

/* -t: the line the alarm prints, made before it is armed (a signal
 * handler may only write). */
static char timeout_line[96];
static size_t timeout_len;

static void on_alarm(int sig)
{
	ssize_t r = write(STDOUT_FILENO, timeout_line, timeout_len);

	(void)r;
	(void)sig;
	_exit(NAGIOS_UNKNOWN);
}

static void arm_timeout(long seconds)
{
	struct sigaction sa;
	int n = snprintf(timeout_line, sizeof(timeout_line),
			 "FDWATCH UNKNOWN - check timed out after %ld second%s (-t)\n", seconds,
			 seconds == 1 ? "" : "s");

	timeout_len = n > 0 && (size_t)n < sizeof(timeout_line) ? (size_t)n : 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)seconds);
}

/* A fatal error (out of memory) is UNKNOWN too, said on stdout where the
 * monitoring system reads. */
static void on_fatal(void)
{
	fputs("FDWATCH UNKNOWN - internal error (see the message on stderr)\n", stdout);
	fflush(stdout);
}

void check_fatal_setup(void)
{
	util_set_fatal_status(NAGIOS_UNKNOWN);
	util_set_fatal_hook(on_fatal);
}

static int unknown(const char *why)
{
	struct buf out;

	buf_init(&out);
	nagios_unknown(&out, why);
	output_flush(stdout, &out, "the check result");
	buf_free(&out);
	return NAGIOS_UNKNOWN;
}

int cmd_check(struct options *o)
{
	struct nagios_input in = { .history = NAN };
	struct verdict_history h;
	struct sampler *sm;
	struct alert *alerts;
	struct sample *s;
	struct buf out;
	size_t ncrit;
	int status;

	check_fatal_setup();
	if (o->timeout > 0)
		arm_timeout(o->timeout);
	sm = sampler_open(o, 0);
	if (!sm)
		return unknown("cannot read the process table");
	s = sampler_take(sm);
	sampler_free(sm);
	/* The time as the state file keeps it (to the millisecond): the next
	 * check replays this sample as this one judges it. */
	s->time = round(s->time * 1000) / 1000;
	if (s->list_failed) {
		sample_free(s);
		return unknown("cannot list the processes (out of memory, or /proc unreadable)");
	}
	if (o->sel.npids && warn_missing_pids(o, s) == 0) {
		sample_free(s);
		return unknown("no selected process is running");
	}
	if (verdict_from_state(o, s, &h) < 0) {
		sample_free(s);
		return unknown("cannot keep the history in the state file (see the message above)");
	}
	in.s = s;
	in.nalerts = verdict_alerting(h.tr, s, &alerts, &ncrit);
	alerts_add_peers(alerts, in.nalerts, s);
	in.alerts = alerts;
	if (!isnan(h.oldest))
		in.history = s->time - h.oldest;
	in.warn_use = o->detect.warn_use;
	in.crit_use = o->detect.crit_use;
	in.verbose = o->verbose;
	status = (int)nagios_state(&in);

	buf_init(&out);
	if (o->format == FORMAT_JSON) {
		for (size_t i = 0; i < in.nalerts; i++)
			alert_json(&out, &alerts[i]);
	} else {
		nagios_render(&out, &in);
	}
	/* Done in time: the answer goes out whole, not cut by the alarm. */
	alarm(0);
	if (output_flush(stdout, &out, "the check result") < 0)
		status = NAGIOS_UNKNOWN;
	buf_free(&out);
	alerts_free(alerts, in.nalerts);
	verdict_history_free(&h);
	sample_free(s);
	return status;
}
