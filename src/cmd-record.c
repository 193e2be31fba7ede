/* cmd-record.c - `fdwatch record`: sample records (JSON Lines) to -o FILE
 * or stdout, one line per process per sample, for replay or a bug report. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "loop.h"
#include "record.h"

struct record_ctx {
	const struct options *o;
	struct sampler *sm;
	FILE *f;
	struct buf out;
	struct proc_idset watched; /* -p: the processes as first seen */
	int status;
};

static int on_tick(struct loop *l, void *ctx)
{
	struct record_ctx *c = ctx;
	struct sample *s = sampler_take(c->sm);
	int gone = loop_watch_pids(&c->watched, c->o, s, l->ticks == 1);

	if (gone < 0) {
		sample_free(s);
		c->status = 1;
		return 1;
	}
	if (l->ticks == 1) /* the trace begins with who wrote it, where */
		loop_trace_header(&c->out, l->interval, s->time);
	for (size_t i = 0; i < s->nprocs; i++)
		record_sample_json(&c->out, s, &s->procs[i]);
	if (s->sys.valid)
		record_system_json(&c->out, s);
	sample_free(s);
	if (output_flush(c->f, &c->out, c->o->output ? c->o->output : "the records") < 0) {
		c->status = 1;
		return -1;
	}
	/* The processes given with -p have all exited: the recording ends. */
	return gone;
}

int cmd_record(struct options *o)
{
	struct record_ctx c;
	struct loop l;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.f = stdout;
	if (o->output && strcmp(o->output, "-") != 0) {
		/* 0600: a trace names other users' files and connections. */
		c.f = record_open_output(o->output, 0600, false);
		if (!c.f)
			return 1;
	}
	c.sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (!c.sm) {
		if (c.f != stdout)
			fclose(c.f);
		return 1;
	}
	buf_init(&c.out);
	loop_signals();
	loop_init(&l, o, 1.0, on_tick, &c);
	loop_run(&l);
	buf_free(&c.out);
	proc_idset_free(&c.watched);
	if (c.f != stdout && fclose(c.f) != 0 && c.status == 0) {
		warnx_("cannot write %s: %s", o->output, strerror(errno));
		c.status = 1;
	}
	sampler_free(c.sm);
	return c.status;
}
