/* cmd-metrics.c - `fdwatch metrics`: one sample in the Prometheus text
 * format on stdout or, with --textfile, written atomically for
 * node_exporter; with --state, growth and ETA from the kept history. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"

int cmd_metrics(struct options *o)
{
	struct metrics_input in;
	struct metrics_growth *growth = NULL;
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
		in.growth = growth;
	}

	buf_init(&out);
	if (status == 0) {
		metrics_render(&out, &in);
		if (o->textfile) {
			err = metrics_write_atomic(o->textfile, out.data, out.len);
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
	free(growth);
	sample_free(s);
	sampler_free(sm);
	return status;
}
