/* cmd-report.c - `fdwatch report`: one sample, or the last of several with
 * growth over them, as a report or as JSON Lines sample records. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "commands.h"
#include "loop.h"
#include "record.h"
#include "report.h"

struct report_ctx {
	struct sampler *sm;
	struct sample *first, *last;
};

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

	keep(c, sampler_take(c->sm));
	return 0;
}

int cmd_report(struct options *o)
{
	struct report_ctx c = { sampler_open(o, 0), NULL, NULL };
	struct sample *last;
	struct loop l;
	struct buf out;
	int status = 0;

	if (!c.sm)
		return 1;
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
	if (o->format == FORMAT_JSON) {
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
	return status;
}
