/* cmd-check.c - `fdwatch check`: a Nagios/Icinga plugin for cron. Loads the
 * history kept in the state file, adds one sample, saves it, judges the
 * whole history with the detector `log` uses, and prints
 * "FDWATCH OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata", then one line
 * per alerting process; exit 0, 1, 2 or 3. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "state.h"
#include "track.h"

enum { CHECK_OK, CHECK_WARNING, CHECK_CRITICAL, CHECK_UNKNOWN };

/* Alerts shown on the first line; the rest are counted. */
#define CHECK_FIRST_LINE_MAX 3

static const char *const check_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Nagios splits text and perfdata at '|': keep it out of the text. */
static void add_plugin_text(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|')
			buf_adds(out, "\\x7c");
		else
			buf_addc(out, s[i]);
	}
}

static int unknown(const char *why)
{
	printf("FDWATCH UNKNOWN - %s\n", why);
	fflush(stdout);
	return CHECK_UNKNOWN;
}

static int cmp_alert(const void *a, const void *b)
{
	const struct alert *x = a, *y = b;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (isnan(x->eta) != isnan(y->eta))
		return isnan(x->eta) ? 1 : -1;
	if (!isnan(x->eta) && x->eta != y->eta)
		return x->eta < y->eta ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* An alert record for a process the tracker holds at a warning or
 * critical level now (strings owned by a). */
static void alert_from(struct alert *a, const struct tproc *tp, const struct proc_sample *p,
		       double now)
{
	memset(a, 0, sizeof(*a));
	a->time = now;
	a->level = tp->level;
	a->pid = p->pid;
	a->start = p->start;
	a->comm = p->comm ? xstrdup(p->comm) : NULL;
	a->fds = p->fds;
	a->limit = p->limit;
	a->why = "growing";
	a->rate = NAN;
	a->eta = NAN;
	if (tp->v.growing) {
		a->rate = tp->v.rate;
		a->eta = tp->v.eta;
		tracker_attribute(tp, tp->v.since, tp->v.until, tp->v.rise, &a->src);
	}
}

static void perfdata(struct buf *out, const struct sample *s, size_t nwarn, size_t ncrit)
{
	double max_use = -1;

	for (size_t i = 0; i < s->nprocs; i++) {
		double u = proc_sample_use(&s->procs[i]);

		if (u > max_use)
			max_use = u;
	}
	buf_addf(out, " | processes=%zu;;;0 unreadable=%zu;;;0 warning=%zu;;;0 critical=%zu;;;0 "
		 "fds=%llu;;;0", s->nprocs, s->nunreadable, nwarn, ncrit, s->total_fds);
	if (max_use >= 0)
		buf_addf(out, " max_fd_use=%.1f%%;;;0;100", max_use);
	buf_addc(out, '\n');
}

int cmd_check(struct options *o)
{
	struct detect_params dp;
	struct sampler *sm;
	struct sample *s;
	struct state *st = NULL;
	struct tracker *tr;
	struct alert *alerts;
	size_t nalerts = 0, nwarn = 0, ncrit = 0;
	struct buf out, msg;
	double oldest;
	char span[32];
	int status = CHECK_OK;

	sm = sampler_open(o, 0);
	if (!sm)
		return unknown("cannot read the process table");
	s = sampler_take(sm);
	sampler_free(sm);
	if (o->sel.npids && warn_missing_pids(o, s) == 0) {
		sample_free(s);
		return unknown("no selected process is running");
	}
	if (state_record(o->state_path, s, &st) < 0) {
		sample_free(s);
		return unknown("cannot keep the history in the state file (see the message above)");
	}
	detect_params_from_options(o, &dp);
	tr = tracker_new(&dp);
	state_feed(st, tr);
	oldest = state_oldest(st);

	alerts = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*alerts));
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		const struct tproc *tp = tracker_find(tr, p->pid, p->start);

		if (!tp || tp->level == LEVEL_OK)
			continue;
		alert_from(&alerts[nalerts++], tp, p, s->time);
		if (tp->level == LEVEL_CRITICAL)
			ncrit++;
		else
			nwarn++;
	}
	qsort(alerts, nalerts, sizeof(*alerts), cmp_alert);
	status = ncrit ? CHECK_CRITICAL : nwarn ? CHECK_WARNING : CHECK_OK;

	buf_init(&out);
	buf_init(&msg);
	if (o->format == FORMAT_JSON) {
		for (size_t i = 0; i < nalerts; i++)
			alert_json(&out, &alerts[i]);
	} else {
		buf_addf(&out, "FDWATCH %s - ", check_names[status]);
		if (nalerts) {
			buf_addf(&out, "%zu of %zu process%s: ", nalerts, s->nprocs,
				 s->nprocs == 1 ? "" : "es");
			for (size_t i = 0; i < nalerts && i < CHECK_FIRST_LINE_MAX; i++) {
				buf_reset(&msg);
				alert_message(&msg, &alerts[i]);
				if (i)
					buf_adds(&out, "; ");
				add_plugin_text(&out, msg.data, msg.len);
			}
			if (nalerts > CHECK_FIRST_LINE_MAX)
				buf_addf(&out, "; and %zu more", nalerts - CHECK_FIRST_LINE_MAX);
		} else {
			buf_addf(&out, "%zu process%s, %llu fds, no fd leak", s->nprocs,
				 s->nprocs == 1 ? "" : "es", s->total_fds);
			if (!isnan(oldest) && s->time - oldest >= 1)
				buf_addf(&out, " in %s of history",
					 fmt_duration(span, sizeof(span), s->time - oldest));
			else
				buf_adds(&out, " yet (the history starts now)");
		}
		if (s->nunreadable)
			buf_addf(&out, ", %zu not readable (run as root or with CAP_SYS_PTRACE)",
				 s->nunreadable);
		perfdata(&out, s, nwarn, ncrit);
		for (size_t i = 0; i < nalerts; i++) {
			buf_reset(&msg);
			alert_message(&msg, &alerts[i]);
			buf_addf(&out, "%s: ", alerts[i].level == LEVEL_CRITICAL ? "CRITICAL" : "WARNING");
			add_plugin_text(&out, msg.data, msg.len);
			buf_addc(&out, '\n');
		}
	}
	if (output_flush(stdout, &out, "the check result") < 0)
		status = CHECK_UNKNOWN;
	alerts_free(alerts, nalerts);
	buf_free(&out);
	buf_free(&msg);
	tracker_free(tr);
	state_close(st);
	sample_free(s);
	return status;
}
