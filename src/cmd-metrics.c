/* cmd-metrics.c - `fdwatch metrics`: one sample in the Prometheus text
 * format on stdout or, with --textfile, written atomically for
 * node_exporter; with --state, growth and ETA from the kept history. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"
#include "track.h"

/* Adds s to the history in --state and fills growth[] (aligned with
 * s->procs) from the detector's verdicts; src[] holds the sources that
 * growth[] borrows from (caller clears them). 0 or -errno. */
static int judge(const struct options *o, const struct sample *s, struct metrics_growth *growth,
		 struct source *src)
{
	struct detect_params dp;
	struct tracker *tr;
	struct state *st;
	int err = state_record(o->state_path, s, &st);

	if (err < 0)
		return err;
	detect_params_from_options(o, &dp);
	tr = tracker_new(&dp);
	state_feed(st, tr);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		const struct tproc *tp = tracker_find(tr, p->pid, p->start);

		/* One sample is no history: no verdict yet. */
		if (!tp || tp->total.n < 2)
			continue;
		growth[i].known = true;
		growth[i].level = tp->level;
		growth[i].rate = tp->v.growing ? tp->v.rate : 0;
		growth[i].eta = tp->v.growing ? tp->v.eta : NAN;
		if (tp->level == LEVEL_OK || !tp->v.growing)
			continue;
		tracker_attribute(tp, tp->v.since, tp->v.until, tp->v.rise, &src[i]);
		switch (src[i].kind) {
		case SRC_SOCKET:
			growth[i].type = fd_type_name(FD_SOCKET);
			growth[i].proto = src[i].proto;
			growth[i].direction = sock_dir_name(src[i].dir);
			growth[i].endpoint = src[i].endpoint;
			growth[i].state = src[i].state;
			break;
		case SRC_FILE:
			growth[i].type = fd_type_name(FD_FILE);
			growth[i].dir = src[i].path;
			break;
		case SRC_TYPE:
			growth[i].type = fd_type_name(src[i].type);
			break;
		default:
			continue;
		}
		growth[i].has_source = true;
	}
	tracker_free(tr);
	state_close(st);
	return 0;
}

int cmd_metrics(struct options *o)
{
	struct metrics_input in;
	struct metrics_growth *growth = NULL;
	struct source *src = NULL;
	struct sampler *sm = sampler_open(o, 0);
	struct sample *s;
	struct buf out;
	double t0;
	int status = 0, err;

	if (!sm)
		return 1;
	t0 = clock_mono();
	s = sampler_take(sm);
	memset(&in, 0, sizeof(in));
	in.s = s;
	in.scrape_seconds = clock_mono() - t0;
	in.top_k = o->top_k;
	if (o->sel.npids)
		warn_missing_pids(o, s);
	if (o->state_path) {
		growth = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*growth));
		src = xcalloc(s->nprocs ? s->nprocs : 1, sizeof(*src));
		in.growth = growth;
		if (judge(o, s, growth, src) < 0)
			status = 1;
	}

	buf_init(&out);
	if (status == 0) {
		metrics_render(&out, &in);
		if (o->textfile) {
			err = write_file_atomic(o->textfile, out.data, out.len, 0644);
			if (err < 0) {
				warnx_("cannot write %s: %s (the previous file is left as it was)",
				       o->textfile, strerror(-err));
				status = 1;
			}
		} else if (output_flush(stdout, &out, "the metrics") < 0) {
			status = 1;
		}
	}
	buf_free(&out);
	for (size_t i = 0; src && i < s->nprocs; i++)
		source_clear(&src[i]);
	free(src);
	free(growth);
	sample_free(s);
	sampler_free(sm);
	return status;
}
