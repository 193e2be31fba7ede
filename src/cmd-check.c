/* cmd-check.c - `fdwatch check`: a Nagios/Icinga plugin for cron. Adds one
 * sample to the history kept in the state file, judges the whole history
 * with the detector every command uses, and prints the plugin output
 * (nagios.h) or the alert records; exit 0, 1, 2 or 3. */
#include "config.h"

#include <math.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "nagios.h"
#include "verdict.h"

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

	sm = sampler_open(o, 0);
	if (!sm)
		return unknown("cannot read the process table");
	s = sampler_take(sm);
	sampler_free(sm);
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
	in.alerts = alerts;
	if (!isnan(h.oldest))
		in.history = s->time - h.oldest;
	status = (int)nagios_state(&in);

	buf_init(&out);
	if (o->format == FORMAT_JSON) {
		for (size_t i = 0; i < in.nalerts; i++)
			alert_json(&out, &alerts[i]);
	} else {
		nagios_render(&out, &in);
	}
	if (output_flush(stdout, &out, "the check result") < 0)
		status = NAGIOS_UNKNOWN;
	buf_free(&out);
	alerts_free(alerts, in.nalerts);
	verdict_history_free(&h);
	sample_free(s);
	return status;
}
