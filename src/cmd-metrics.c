/* cmd-metrics.c - `fdwatch metrics`: one sample in the Prometheus text
 * format on stdout or, with --textfile, written atomically for
 * node_exporter; with --state, growth and ETA from the kept history. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "commands.h"
#include "loop.h"
#include "metrics.h"
#include "verdict.h"

/* Writes the exposition where o asks: 0, or 1 after printing why. */
static int emit(const struct options *o, struct buf *out)
{
	int err;

	if (!o->textfile)
		return output_flush(stdout, out, "the metrics") < 0;
	err = write_file_atomic(o->textfile, out->data, out->len, 0644);
	if (err < 0) {
		warnx_("cannot write %s: %s (the previous file is left as it was)", o->textfile,
		       strerror(-err));
		return 1;
	}
	return 0;
}

int cmd_metrics(struct options *o)
{
	struct metrics_input in;
	struct verdict_history h = { NULL, 0 };
	struct alert *verdicts = NULL, *limits = NULL;
	struct sampler *sm = sampler_open(o, 0);
	struct sample *s;
	struct buf out;
	double t0;
	int status = 0;

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
		if (verdict_from_state(o, s, &h) < 0) {
			status = 1;
		} else {
			/* One sample is no history: no verdict yet. */
			verdicts = verdict_each(h.tr, s, 2);
			in.verdicts = verdicts;
			in.nlimits = tracker_resources(h.tr, &limits);
			in.limits = limits;
		}
	}
	buf_init(&out);
	if (status == 0) {
		metrics_render(&out, &in);
		status = emit(o, &out);
	}
	buf_free(&out);
	if (verdicts)
		alerts_free(verdicts, s->nprocs);
	alerts_free(limits, in.nlimits);
	if (h.tr)
		verdict_history_free(&h);
	sample_free(s);
	sampler_free(sm);
	return status;
}
