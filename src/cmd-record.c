/* cmd-record.c - `fdwatch record`: sample records (JSON Lines) to -o FILE
 * or stdout, one line per process per sample, for replay or a bug report. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "loop.h"
#include "record.h"
#include "track.h"

struct record_ctx {
	const struct options *o;
	FILE *f;
	struct buf out;
	struct proc_idset watched; /* -p: the processes as first seen */
	long nsamples;
	int status;
};

static int on_sample(struct sample *s, void *ctx)
{
	struct record_ctx *c = ctx;

	bool all_gone;

	if (c->nsamples++ == 0 && c->o->sel.npids) {
		if (warn_missing_pids(c->o, s) == 0) {
			sample_free(s);
			c->status = 1;
			return 1;
		}
		proc_idset_take(&c->watched, s);
	}
	/* The processes given with -p have all exited: the recording ends. */
	all_gone = c->o->sel.npids && !proc_idset_any(&c->watched, s);
	for (size_t i = 0; i < s->nprocs; i++)
		record_sample_json(&c->out, s, &s->procs[i]);
	sample_free(s);
	if (output_flush(c->f, &c->out, c->o->output ? c->o->output : "the records") < 0) {
		c->status = 1;
		return -1;
	}
	return all_gone ? 1 : 0;
}

int cmd_record(struct options *o)
{
	struct record_ctx c;
	struct sampler *sm;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.f = stdout;
	if (o->output && strcmp(o->output, "-") != 0) {
		c.f = fopen(o->output, "we");
		if (!c.f) {
			warnx_("cannot write %s: %s", o->output, strerror(errno));
			return 1;
		}
	}
	sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (!sm) {
		if (c.f != stdout)
			fclose(c.f);
		return 1;
	}
	buf_init(&c.out);
	loop_signals();
	loop_run(sm, o, 1.0, on_sample, &c);
	buf_free(&c.out);
	proc_idset_free(&c.watched);
	if (c.f != stdout && fclose(c.f) != 0 && c.status == 0) {
		warnx_("cannot write %s: %s", o->output, strerror(errno));
		c.status = 1;
	}
	sampler_free(sm);
	return c.status;
}
