/* runsum.h - what `fdwatch run` remembers of the processes it watched, and
 * its closing summary as text or as one JSON object (the man page's run
 * section). Samples and alerts in, text out: no I/O. */
#ifndef FDWATCH_RUNSUM_H
#define FDWATCH_RUNSUM_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "track.h"
#include "util.h"

/* One watched process as the summary knows it. */
struct run_proc {
	struct proc_key key;
	char *comm;
	long first_fds, last_fds, peak_fds, limit;
	double first_t, last_t;
};

struct run_summary {
	struct run_proc *procs;
	size_t nprocs;
	long nsamples;
	enum alert_level worst;
	struct alert worst_alert;  /* the first event at the worst level */
	bool have_alert;
	/* A warning for use alone (between --warn-use and --crit-use, not
	 * growing): said, but no failure (man page, DETECTION). */
	struct alert near_alert;
	bool have_near;
};

/* How the command ended: its wait(2) status, fdwatch's exit status, and
 * how long it ran. */
struct run_outcome {
	const char *cmd;
	int wstatus;
	int status;
	double seconds;
};

/* Takes in one sample and the alert events it raised. An event fails the
 * run (worst) when it is a leak or at --crit-use; a steady warning near
 * the limit is only remembered (near_alert). */
void runsum_add_sample(struct run_summary *rs, const struct sample *s);
void runsum_add_alert(struct run_summary *rs, const struct alert *a);
/* The process with the most fds at its peak, or NULL. */
const struct run_proc *runsum_peak(const struct run_summary *rs);
/* The process whose count rose most from its first sample to its peak,
 * or NULL when none rose. */
const struct run_proc *runsum_grower(const struct run_summary *rs);
/* Appends the summary: "fdwatch run: ..." lines, or one JSON object. */
void runsum_write(struct buf *out, const struct run_summary *rs, const struct run_outcome *oc,
		  enum output_format format);
void runsum_free(struct run_summary *rs);

#endif
