/* runsum.c - run's memory of its processes and its summary (runsum.h). */
#include "config.h"

#include "runsum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "alert.h"
#include "escape.h"

static struct run_proc *proc_get(struct run_summary *rs, const struct proc_sample *p)
{
	struct proc_key k = { p->pid, p->start };
	struct run_proc *r;

	for (size_t i = 0; i < rs->nprocs; i++)
		if (proc_key_eq(&rs->procs[i].key, &k))
			return &rs->procs[i];
	rs->procs = xreallocarray(rs->procs, rs->nprocs + 1, sizeof(*rs->procs));
	r = &rs->procs[rs->nprocs++];
	memset(r, 0, sizeof(*r));
	r->key = k;
	r->first_fds = r->peak_fds = -1;
	return r;
}

void runsum_add_sample(struct run_summary *rs, const struct sample *s)
{
	rs->nsamples++;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct proc_sample *p = &s->procs[i];
		struct run_proc *r;

		/* An exiting process closes its fds before it is reaped: its
		 * last count says nothing about the run. */
		if (p->fds <= 0)
			continue;
		r = proc_get(rs, p);
		free(r->comm);
		r->comm = xstrdup_null(p->comm);
		if (r->first_fds < 0) {
			r->first_fds = p->fds;
			r->first_t = s->time;
		}
		r->last_fds = p->fds;
		r->last_t = s->time;
		r->limit = p->limit;
		if (p->fds > r->peak_fds)
			r->peak_fds = p->fds;
	}
}

static void alert_keep(struct alert *dst, const struct alert *a)
{
	*dst = *a;
	dst->comm = xstrdup_null(a->comm);
	dst->unit = xstrdup_null(a->unit);
	dst->container = xstrdup_null(a->container);
	dst->user = xstrdup_null(a->user);
	source_copy(&dst->src, &a->src);
}

void runsum_add_alert(struct run_summary *rs, const struct alert *a)
{
	if (a->level == LEVEL_WARNING && a->by_use) {
		if (!rs->have_near)
			alert_keep(&rs->near_alert, a);
		rs->have_near = true;
		return;
	}
	if (a->level <= rs->worst)
		return;
	if (rs->have_alert)
		alert_clear(&rs->worst_alert);
	rs->worst = a->level;
	alert_keep(&rs->worst_alert, a);
	rs->have_alert = true;
}

const struct run_proc *runsum_peak(const struct run_summary *rs)
{
	const struct run_proc *best = NULL;

	for (size_t i = 0; i < rs->nprocs; i++)
		if (!best || rs->procs[i].peak_fds > best->peak_fds)
			best = &rs->procs[i];
	return best;
}

const struct run_proc *runsum_grower(const struct run_summary *rs)
{
	const struct run_proc *best = NULL;

	for (size_t i = 0; i < rs->nprocs; i++) {
		const struct run_proc *r = &rs->procs[i];

		if (r->peak_fds > r->first_fds &&
		    (!best || r->peak_fds - r->first_fds > best->peak_fds - best->first_fds))
			best = r;
	}
	return best;
}

/* "comm[pid]; first -> last fds (rate)" of r. */
static void proc_text(struct buf *b, const struct run_proc *r)
{
	escape_text(b, r->comm ? r->comm : "?", r->comm ? strlen(r->comm) : 1);
	buf_addf(b, "[%d]; %ld -> %ld fds", r->key.pid, r->first_fds, r->last_fds);
	if (r->last_t > r->first_t)
		buf_addf(b, " (%+.2f/s)", (double)(r->last_fds - r->first_fds) /
			 (r->last_t - r->first_t));
}

static void summary_text(struct buf *b, const struct run_summary *rs, const struct run_outcome *oc)
{
	const struct run_proc *pk = runsum_peak(rs), *gr = runsum_grower(rs);
	int ws = oc->wstatus;
	char dur[32];

	buf_adds(b, "fdwatch run: ");
	escape_text(b, oc->cmd, strlen(oc->cmd));
	if (WIFSIGNALED(ws))
		buf_addf(b, " killed by signal %d", WTERMSIG(ws));
	else
		buf_addf(b, " exited with status %d", WEXITSTATUS(ws));
	buf_addf(b, " after %s; %ld sample%s of %zu process%s\n",
		 fmt_duration(dur, sizeof(dur), oc->seconds), rs->nsamples,
		 rs->nsamples == 1 ? "" : "s", rs->nprocs, rs->nprocs == 1 ? "" : "es");
	if (pk) {
		buf_addf(b, "fdwatch run: peak %ld fds", pk->peak_fds);
		if (pk->limit >= 0)
			buf_addf(b, " (limit %ld)", pk->limit);
		buf_adds(b, " in ");
		proc_text(b, pk);
		buf_addc(b, '\n');
	}
	/* In a tree, the process that peaked need not be the one that grew. */
	if (gr && gr != pk) {
		buf_addf(b, "fdwatch run: grew most: %ld -> peak %ld fds in ", gr->first_fds,
			 gr->peak_fds);
		proc_text(b, gr);
		buf_addc(b, '\n');
	}
	if (rs->have_near && !rs->have_alert) {
		buf_adds(b, "fdwatch run: steady near its limit (not failing the run): ");
		alert_message(b, &rs->near_alert);
		buf_addc(b, '\n');
	}
	if (!rs->have_alert) {
		buf_adds(b, "fdwatch run: no fd leak detected\n");
		return;
	}
	buf_addf(b, "fdwatch run: %s: ",
		 rs->worst_alert.by_use ? "CRITICAL at its fd limit" :
		 rs->worst == LEVEL_CRITICAL ? "CRITICAL fd leak" : "WARNING fd leak");
	alert_message(b, &rs->worst_alert);
	buf_addc(b, '\n');
	buf_addf(b, "fdwatch run: exit status %d%s\n", oc->status,
		 oc->status == 2 && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 2) ?
		 " (the command succeeded but leaked fds)" : "");
}

static void summary_json(struct buf *b, const struct run_summary *rs, const struct run_outcome *oc)
{
	const struct run_proc *pk = runsum_peak(rs), *gr = runsum_grower(rs);
	int ws = oc->wstatus;

	buf_adds(b, "{\"summary\": true, \"command\": ");
	json_str(b, oc->cmd);
	buf_adds(b, ", \"status\": ");
	if (WIFSIGNALED(ws))
		buf_addf(b, "null, \"signal\": %d", WTERMSIG(ws));
	else
		buf_addf(b, "%d", WEXITSTATUS(ws));
	buf_addf(b, ", \"exit\": %d, \"duration\": %.3f", oc->status, oc->seconds);
	buf_addf(b, ", \"samples\": %ld, \"processes\": %zu, \"level\": \"%s\"",
		 rs->nsamples, rs->nprocs, alert_level_name(rs->worst));
	buf_adds(b, ", \"peak\": ");
	if (pk) {
		buf_addf(b, "{\"pid\": %d, \"start\": %llu, \"comm\": ", pk->key.pid, pk->key.start);
		json_str(b, pk->comm);
		buf_addf(b, ", \"fds\": %ld, \"first_fds\": %ld, \"last_fds\": %ld, \"limit\": ",
			 pk->peak_fds, pk->first_fds, pk->last_fds);
		json_num(b, pk->limit >= 0 ? (double)pk->limit : NAN);
		buf_addc(b, '}');
	} else {
		buf_adds(b, "null");
	}
	buf_adds(b, ", \"grew\": ");
	if (gr) {
		buf_addf(b, "{\"pid\": %d, \"start\": %llu, \"comm\": ", gr->key.pid, gr->key.start);
		json_str(b, gr->comm);
		buf_addf(b, ", \"fds\": %ld, \"first_fds\": %ld, \"last_fds\": %ld}", gr->peak_fds,
			 gr->first_fds, gr->last_fds);
	} else {
		buf_adds(b, "null");
	}
	buf_adds(b, ", \"alert\": ");
	if (rs->have_alert) {
		alert_json(b, &rs->worst_alert);
		if (b->len && b->data[b->len - 1] == '\n')
			b->data[--b->len] = '\0';
	} else {
		buf_adds(b, "null");
	}
	buf_adds(b, "}\n");
}

void runsum_write(struct buf *out, const struct run_summary *rs, const struct run_outcome *oc,
		  enum output_format format)
{
	if (format == FORMAT_JSON)
		summary_json(out, rs, oc);
	else
		summary_text(out, rs, oc);
}

void runsum_free(struct run_summary *rs)
{
	if (rs->have_alert)
		alert_clear(&rs->worst_alert);
	if (rs->have_near)
		alert_clear(&rs->near_alert);
	for (size_t i = 0; i < rs->nprocs; i++)
		free(rs->procs[i].comm);
	free(rs->procs);
	memset(rs, 0, sizeof(*rs));
}
