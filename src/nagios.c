/* nagios.c - check's plugin output (nagios.h). */
#include "config.h"

#include "nagios.h"

#include <math.h>

#include "alert.h"

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

const char *nagios_state_name(enum nagios_state st)
{
	return (unsigned)st < ARRAY_SIZE(state_names) ? state_names[st] : "UNKNOWN";
}

enum nagios_state nagios_state(const struct nagios_input *in)
{
	enum nagios_state st = NAGIOS_OK;

	for (size_t i = 0; i < in->nalerts; i++) {
		if (in->alerts[i].level == LEVEL_CRITICAL)
			return NAGIOS_CRITICAL;
		if (in->alerts[i].level == LEVEL_WARNING)
			st = NAGIOS_WARNING;
	}
	return st;
}

/* Appends n bytes of text, keeping '|' out of it: Nagios splits text and
 * perfdata there. */
static void add_plugin_text(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|')
			buf_adds(out, "\\x7c");
		else
			buf_addc(out, s[i]);
	}
}

static void add_alert(struct buf *out, const struct alert *a)
{
	struct buf msg;

	buf_init(&msg);
	alert_message(&msg, a);
	add_plugin_text(out, msg.data ? msg.data : "", msg.len);
	buf_free(&msg);
}

/* One perfdata value of a limit: used;warn;crit;0;max, the thresholds at
 * the saturation levels. */
static void limit_perfdata(struct buf *out, const char *label, long used, long max)
{
	if (used < 0)
		return;
	buf_addf(out, " %s=%ld", label, used);
	if (max > 0)
		buf_addf(out, ";%ld;%ld;0;%ld", max / 100 * 80 + max % 100 * 80 / 100,
			 max / 100 * 95 + max % 100 * 95 / 100, max); /* file-max may be LONG_MAX */
}

/* The system's file table, and the tightest user's inotify use. */
static void system_perfdata(struct buf *out, const struct sys_sample *y)
{
	limit_perfdata(out, "system_files", y->files, y->files_max);
	if (y->ninotify) {
		limit_perfdata(out, "inotify_instances", (long)y->inotify[0].instances,
			       y->max_instances);
		limit_perfdata(out, "inotify_watches", y->inotify[0].watches, y->max_watches);
	}
}

static void perfdata(struct buf *out, const struct nagios_input *in)
{
	const struct sample *s = in->s;
	size_t ncrit = 0;
	double max_use = -1;

	for (size_t i = 0; i < in->nalerts; i++)
		ncrit += in->alerts[i].level == LEVEL_CRITICAL;
	for (size_t i = 0; i < s->nprocs; i++) {
		double u = proc_sample_use(&s->procs[i]);

		if (u > max_use)
			max_use = u;
	}
	buf_addf(out, " | processes=%zu;;;0 unreadable=%zu;;;0 warning=%zu;;;0 critical=%zu;;;0 "
		 "fds=%llu;;;0", s->nprocs, s->nunreadable, in->nalerts - ncrit, ncrit,
		 s->total_fds);
	if (max_use >= 0)
		buf_addf(out, " max_fd_use=%.1f%%;;;0;100", max_use);
	if (s->sys.valid)
		system_perfdata(out, &s->sys);
	buf_addc(out, '\n');
}

static void summary(struct buf *out, const struct nagios_input *in)
{
	const struct sample *s = in->s;
	const char *es = s->nprocs == 1 ? "" : "es";
	char span[32];

	if (in->nalerts) {
		size_t nres = 0;

		for (size_t i = 0; i < in->nalerts; i++)
			nres += in->alerts[i].resource != RES_NOFILE;
		if (nres < in->nalerts)
			buf_addf(out, "%zu of %zu process%s%s", in->nalerts - nres, s->nprocs, es,
				 nres ? ", " : ": ");
		if (nres)
			buf_addf(out, "%zu system limit%s: ", nres, nres == 1 ? "" : "s");
		for (size_t i = 0; i < in->nalerts && i < NAGIOS_FIRST_LINE_MAX; i++) {
			if (i)
				buf_adds(out, "; ");
			add_alert(out, &in->alerts[i]);
		}
		if (in->nalerts > NAGIOS_FIRST_LINE_MAX)
			buf_addf(out, "; and %zu more", in->nalerts - NAGIOS_FIRST_LINE_MAX);
	} else {
		buf_addf(out, "%zu process%s, %llu fds, no fd leak", s->nprocs, es, s->total_fds);
		if (in->history >= 1)
			buf_addf(out, " in %s of history", fmt_duration(span, sizeof(span), in->history));
		else
			buf_adds(out, " yet (the history starts now)");
	}
	if (s->nunreadable)
		buf_addf(out, ", %zu not readable (run as root or with CAP_SYS_PTRACE)",
			 s->nunreadable);
}

void nagios_render(struct buf *out, const struct nagios_input *in)
{
	buf_addf(out, "FDWATCH %s - ", nagios_state_name(nagios_state(in)));
	summary(out, in);
	perfdata(out, in);
	for (size_t i = 0; i < in->nalerts; i++) {
		buf_adds(out, in->alerts[i].level == LEVEL_CRITICAL ? "CRITICAL: " : "WARNING: ");
		add_alert(out, &in->alerts[i]);
		buf_addc(out, '\n');
	}
}

void nagios_unknown(struct buf *out, const char *why)
{
	buf_addf(out, "FDWATCH UNKNOWN - %s\n", why);
}
