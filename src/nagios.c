/* nagios.c - check's plugin output (nagios.h). */
#include "config.h"

#include "nagios.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static double warn_pct(const struct nagios_input *in)
{
	return in->warn_use > 0 ? in->warn_use : 80;
}

static double crit_pct(const struct nagios_input *in)
{
	return in->crit_use > 0 ? in->crit_use : 95;
}

/* pct per cent of max, rounded down, without overflow (file-max may be
 * LONG_MAX). */
static long share(long max, double pct)
{
	long p = (long)pct, hundreds = max / 100, rest = max % 100;

	if (!islessgreater(pct, (double)p))
		return hundreds * p + rest * p / 100;
	/* A fraction of a per cent: a long double holds LONG_MAX exactly. */
	return (long)((long double)hundreds * pct + (long double)rest * pct / 100);
}

/* One perfdata value of a limit: used;warn;crit;0;max, the thresholds at
 * the saturation levels. */
static void limit_perfdata(struct buf *out, const struct nagios_input *in, const char *label,
			   long used, long max)
{
	if (used < 0)
		return;
	buf_addf(out, " %s=%ld", label, used);
	if (max > 0)
		buf_addf(out, ";%ld;%ld;0;%ld", share(max, warn_pct(in)), share(max, crit_pct(in)), max);
}

/* The system's file table, and the tightest user's inotify use. */
static void system_perfdata(struct buf *out, const struct nagios_input *in)
{
	const struct sys_sample *y = &in->s->sys;

	limit_perfdata(out, in, "system_files", y->files, y->files_max);
	if (y->ninotify) {
		limit_perfdata(out, in, "inotify_instances", (long)y->inotify[0].instances,
			       y->max_instances);
		limit_perfdata(out, in, "inotify_watches", y->inotify[0].watches, y->max_watches);
	}
}

/* The label of a process's perfdata: 'comm[pid]', the name reduced to
 * the characters every perfdata parser takes. */
static void proc_label(struct buf *out, const struct alert *a)
{
	buf_addc(out, '\'');
	for (const char *c = a->comm ? a->comm : ""; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_' || *c == ':';

		buf_addc(out, ok ? *c : '_');
	}
	buf_addf(out, "[%d]'", a->pid);
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
		buf_addf(out, " max_fd_use=%.1f%%;%g;%g;0;100", max_use, warn_pct(in), crit_pct(in));
	if (s->sys.valid)
		system_perfdata(out, in);
}

/* The perfdata of each alerting process, its fds against its limit, one
 * string each (caller frees the bufs). */
static struct buf *proc_perfdata(const struct nagios_input *in)
{
	struct buf *p = xcalloc(in->nalerts ? in->nalerts : 1, sizeof(*p));

	for (size_t i = 0; i < in->nalerts; i++) {
		const struct alert *a = &in->alerts[i];

		buf_init(&p[i]);
		if (a->resource != RES_NOFILE || a->pid <= 0 || a->fds < 0)
			continue;
		buf_addc(&p[i], ' ');
		proc_label(&p[i], a);
		buf_addf(&p[i], "=%ld", a->fds);
		if (a->limit > 0)
			buf_addf(&p[i], ";%ld;%ld;0;%ld", share(a->limit, warn_pct(in)),
				 share(a->limit, crit_pct(in)), a->limit);
	}
	return p;
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

/* Cuts b to at most n bytes, on a character boundary, with "..." in
 * place of what was cut. */
static void cut(struct buf *b, size_t n)
{
	size_t k;

	if (b->len <= n)
		return;
	k = n > 3 ? n - 3 : 0;
	while (k > 0 && ((unsigned char)b->data[k] & 0xc0) == 0x80)
		k--;
	b->len = k;
	b->data[k] = '\0';
	buf_adds(b, "...");
}

static int cmp_use(const void *pa, const void *pb)
{
	double x = proc_sample_use(*(const struct proc_sample *const *)pa);
	double y = proc_sample_use(*(const struct proc_sample *const *)pb);

	return isgreater(x, y) ? -1 : isless(x, y) ? 1 : 0;
}

/* -v: the processes nearest their limit, one line each. */
static void verbose_lines(struct buf *out, const struct nagios_input *in)
{
	const struct sample *s = in->s;
	const struct proc_sample **by = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*by));
	size_t n = 0;

	for (size_t i = 0; i < s->nprocs; i++)
		if (proc_sample_use(&s->procs[i]) >= 0)
			by[n++] = &s->procs[i];
	qsort(by, n, sizeof(*by), cmp_use);
	for (size_t i = 0; i < n && i < NAGIOS_VERBOSE_MAX; i++) {
		struct alert a;

		memset(&a, 0, sizeof(a));
		a.pid = by[i]->pid;
		a.comm = by[i]->comm;
		buf_adds(out, "Nearest the limit: ");
		proc_label(out, &a);
		buf_addf(out, " %ld/%ld fds (%.1f%%)\n", by[i]->fds, by[i]->limit,
			 proc_sample_use(by[i]));
	}
	free(by);
}

void nagios_render(struct buf *out, const struct nagios_input *in)
{
	struct buf text, perf, lines;
	struct buf *pp = proc_perfdata(in);
	size_t npp = in->nalerts, start = out->len;

	buf_init(&text);
	buf_init(&perf);
	buf_init(&lines);
	buf_addf(&text, "FDWATCH %s - ", nagios_state_name(nagios_state(in)));
	summary(&text, in);
	perfdata(&perf, in);
	/* The first line: the host's perfdata, then as many processes'
	 * perfdata as leave room for the text (or its first part), then the
	 * text cut to what is left. */
	for (size_t i = 0, keep = text.len < 384 ? text.len : 384; i < npp; i++) {
		if (keep + perf.len + pp[i].len + 1 > NAGIOS_FIRST_LINE_BYTES)
			break;
		buf_add(&perf, pp[i].data ? pp[i].data : "", pp[i].len);
	}
	cut(&text, NAGIOS_FIRST_LINE_BYTES - 1 - perf.len);
	buf_add(out, text.data, text.len);
	buf_add(out, perf.data, perf.len);
	buf_addc(out, '\n');
	/* Then the alerting ones, and with -v the fullest, while they fit. */
	for (size_t i = 0; i < in->nalerts; i++) {
		buf_adds(&lines, in->alerts[i].level == LEVEL_CRITICAL ? "CRITICAL: " : "WARNING: ");
		add_alert(&lines, &in->alerts[i]);
		buf_addc(&lines, '\n');
	}
	if (in->verbose)
		verbose_lines(&lines, in);
	for (const char *l = lines.data; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = (size_t)(nl - l) + 1;

		if (out->len - start + n + 48 > NAGIOS_OUTPUT_BYTES) {
			size_t rest = 0;

			for (const char *q = l; (q = strchr(q, '\n')); q++)
				rest++;
			buf_addf(out, "... and %zu more line%s\n", rest, rest == 1 ? "" : "s");
			break;
		}
		buf_add(out, l, n);
		l = nl + 1;
	}
	for (size_t i = 0; i < npp; i++)
		buf_free(&pp[i]);
	free(pp);
	buf_free(&text);
	buf_free(&perf);
	buf_free(&lines);
}

void nagios_unknown(struct buf *out, const char *why)
{
	buf_addf(out, "FDWATCH UNKNOWN - %s\n", why);
}
