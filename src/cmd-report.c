/* cmd-report.c - `fdwatch report`: one sample, or the last of several with
 * growth over them, as a report or as JSON Lines sample records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "html.h"
#include "loop.h"
#include "record.h"
#include "report.h"
#include "track.h"

struct report_ctx {
	struct sampler *sm;
	struct sample *first, *last;
	struct html *html;       /* --format html: every sample and alert */
	struct tracker *tr;
};

/* Feeds the page: the sample, and the alerts the detector raises on it. */
static void html_feed(struct report_ctx *c, const struct sample *s)
{
	struct alert *ev;
	size_t n;

	html_add_sample(c->html, s);
	tracker_feed(c->tr, s, true);
	n = tracker_take_events(c->tr, &ev);
	alerts_add_peers(ev, n, s);
	for (size_t i = 0; i < n; i++)
		html_add_alert(c->html, &ev[i]);
	alerts_free(ev, n);
}

/* This boot's id, for the page's header (caller frees), or NULL. */
static char *boot_id(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	char line[64];

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* Keeps the first and the newest sample. */
static void keep(struct report_ctx *c, struct sample *s)
{
	if (!c->first) {
		c->first = s;
	} else {
		sample_free(c->last);
		c->last = s;
	}
}

static int on_tick(struct loop *l, void *ctx)
{
	struct report_ctx *c = ctx;
	struct sample *s = sampler_take(c->sm);

	(void)l;
	if (c->html)
		html_feed(c, s);
	keep(c, s);
	return 0;
}

int cmd_report(struct options *o)
{
	struct report_ctx c = { NULL, NULL, NULL, NULL, NULL };
	struct sample *last;
	struct loop l;
	struct buf out;
	int status = 0;

	if (o->format == FORMAT_HTML && !o->iterations && !(o->duration > 0))
		return usage_error(CMD_REPORT, "--format html charts samples over time: give -n N "
				   "or --duration SECONDS");
	c.sm = sampler_open(o, 0);
	if (!c.sm)
		return 1;
	if (o->format == FORMAT_HTML) {
		char host[256] = "";
		char *boot = boot_id();

		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		c.html = html_new(*host ? host : NULL, boot, "report");
		c.tr = tracker_new(&o->detect);
		free(boot);
	}
	loop_signals();
	if (o->iterations || o->duration > 0) {
		loop_init(&l, o, 1.0, on_tick, &c);
		loop_run(&l);
	} else {
		keep(&c, sampler_take(c.sm));
	}
	last = c.last ? c.last : c.first;
	if (!last) { /* interrupted before the first sample */
		sampler_free(c.sm);
		return 1;
	}
	if (o->sel.npids && warn_missing_pids(o, last) == 0)
		status = 1;

	buf_init(&out);
	if (o->format == FORMAT_HTML) {
		html_write(&out, c.html);
	} else if (o->format == FORMAT_JSON) {
		for (size_t i = 0; i < last->nprocs; i++)
			record_sample_json(&out, last, &last->procs[i]);
		if (last->sys.valid && (last->nprocs || !o->sel.npids))
			record_system_json(&out, last);
	} else if (status == 0) {
		report_text(&out, last, c.last ? c.first : NULL, options_use_color(o, STDOUT_FILENO));
	}
	if (output_flush(stdout, &out, "the report") < 0)
		status = 1;
	buf_free(&out);
	sample_free(c.first);
	sample_free(c.last);
	sampler_free(c.sm);
	html_free(c.html);
	tracker_free(c.tr);
	return status;
}
