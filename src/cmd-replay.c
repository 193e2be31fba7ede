/* cmd-replay.c - `fdwatch replay FILE...`: reads sample records (JSON
 * Lines, as `record` writes them), runs the detector over them in time order
 * and prints the alerts that would have fired live, at the records' times. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "commands.h"
#include "html.h"
#include "loop.h"
#include "options.h"
#include "record.h"
#include "track.h"

/* Damaged lines named one by one, then only counted. */
#define MAX_DAMAGE_MESSAGES 10

struct rec {
	double time;
	size_t order;
	struct proc_sample ps;
	struct sys_sample *sys;  /* a system record's, else NULL */
};

struct recs {
	struct rec *v;
	size_t n, cap;
	size_t damaged;
	struct trace_header head; /* of the first trace that has one */
};

static void damaged(struct recs *r, const char *path, size_t line, const char *why)
{
	if (r->damaged++ < MAX_DAMAGE_MESSAGES)
		warnx_("%s:%zu: skipped a damaged record: %s", path, line, why);
}

/* Reads one file of records into r; -errno when it cannot be read. */
static int read_records(struct recs *r, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err = 0;

	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct rec *rc;
		const char *why;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 1024;
			r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
		}
		rc = &r->v[r->n];
		memset(rc, 0, sizeof(*rc));
		why = record_parse_line(line, (size_t)len, false, &rc->time, &rc->ps);
		if (why == record_is_header) {
			struct trace_header h;

			memset(&h, 0, sizeof(h));
			proc_sample_clear(&rc->ps);
			if (!record_parse_header(line, (size_t)len, &h) && !r->head.version)
				r->head = h;
			else
				trace_header_clear(&h);
			continue;
		}
		if (why == record_is_system) {
			/* The system's limits, judged as a live log would. */
			proc_sample_clear(&rc->ps);
			rc->sys = xcalloc(1, sizeof(*rc->sys));
			why = record_parse_system(line, (size_t)len, &rc->time, rc->sys);
			if (why) {
				sys_sample_clear(rc->sys);
				free(rc->sys);
				rc->sys = NULL;
				damaged(r, path, lineno, why);
				continue;
			}
			rc->order = r->n++;
			continue;
		}
		if (why) {
			proc_sample_clear(&rc->ps);
			damaged(r, path, lineno, why);
			continue;
		}
		rc->order = r->n++;
	}
	if (ferror(f))
		err = -EIO;
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

/* Frees the records of r (r->n stays, for the summary). */
static void recs_free(struct recs *r)
{
	for (size_t k = 0; k < r->n; k++) {
		proc_sample_clear(&r->v[k].ps);
		if (r->v[k].sys)
			sys_sample_clear(r->v[k].sys);
		free(r->v[k].sys);
	}
	free(r->v);
	r->v = NULL;
	trace_header_clear(&r->head);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (isless(x->time, y->time) || isgreater(x->time, y->time))
		return isless(x->time, y->time) ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

struct ending {
	double last;
	struct proc_key key;
};

/* By the time of the last record; of processes gone at the same sample,
 * the last key first, the order in which a live sweep finds them gone. */
static int ending_cmp(const void *a, const void *b)
{
	const struct ending *x = a, *y = b;

	if (isless(x->last, y->last) || isgreater(x->last, y->last))
		return isless(x->last, y->last) ? -1 : 1;
	return proc_key_cmp(&y->key, &x->key);
}

static int key_cmp(const void *a, const void *b)
{
	const struct ending *x = a, *y = b;

	return proc_key_cmp(&x->key, &y->key);
}

/* The time of each process's last record, in order of that time, so that
 * a process whose records stop is taken as gone at the next sample, as a
 * live log would. */
static struct ending *endings(const struct recs *r, size_t *n)
{
	struct ending *e = xcalloc(r->n + 1, sizeof(*e));
	size_t k = 0;

	size_t m = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].sys)
			continue;
		e[m].key.pid = r->v[i].ps.pid;
		e[m].key.start = r->v[i].ps.start;
		e[m++].last = r->v[i].time;
	}
	qsort(e, m, sizeof(*e), key_cmp);
	for (size_t i = 0; i < m; i++) {
		if (k && proc_key_eq(&e[k - 1].key, &e[i].key)) {
			if (e[i].last > e[k - 1].last)
				e[k - 1].last = e[i].last;
		} else {
			e[k++] = e[i];
		}
	}
	qsort(e, k, sizeof(*e), ending_cmp);
	*n = k;
	return e;
}

/* Prints the pending alerts, or with --format html keeps them for the
 * page (which keeps the sample too). */
static void print_events(struct tracker *tr, const struct options *o, struct buf *out,
			 const struct sample *s, struct html *html)
{
	struct alert *ev;
	size_t n = tracker_take_events(tr, &ev);

	alerts_add_peers(ev, n, s);
	if (html && s->nprocs)
		html_add_sample(html, s);
	for (size_t i = 0; i < n; i++) {
		if (html)
			html_add_alert(html, &ev[i]);
		else
			alert_write(out, &ev[i], o->format);
	}
	alerts_free(ev, n);
}

int cmd_replay(struct options *o)
{
	struct recs r;
	struct tracker *tr;
	struct ending *end;
	struct html *html = NULL;
	struct buf out;
	struct sample s;
	size_t nend, e = 0;
	int status = 0;

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < o->nargs; i++) {
		int err = read_records(&r, o->args[i]);

		if (err < 0) {
			recs_free(&r);
			return usage_error(CMD_REPLAY, "cannot read '%s': %s", o->args[i],
					   strerror(-err));
		}
	}
	if (r.damaged > MAX_DAMAGE_MESSAGES)
		warnx_("skipped %zu damaged records in all", r.damaged);
	if (r.n) /* r.v is NULL for an empty input: qsort(NULL) is undefined */
		/* One recording is in time order already; only a merge needs sorting. */
	for (size_t i = 1; i < r.n; i++) {
		if (rec_cmp(&r.v[i - 1], &r.v[i]) > 0) {
			qsort(r.v, r.n, sizeof(*r.v), rec_cmp);
			break;
		}
	}
	end = endings(&r, &nend);

	tr = tracker_new(&o->detect);
	if (o->format == FORMAT_HTML)
		html = html_new(r.head.host, r.head.boot_id, "replay");
	buf_init(&out);
	memset(&s, 0, sizeof(s));
	s.procs = xcalloc(r.n + 1, sizeof(*s.procs));
	for (size_t i = 0; i < r.n;) {
		double t = r.v[i].time;
		size_t j = i;

		/* Processes whose records ended before this sample are gone. */
		while (e < nend && end[e].last < t) {
			tracker_drop(tr, end[e].key.pid, end[e].key.start, t);
			e++;
		}
		s.nprocs = 0;
		s.time = t;
		memset(&s.sys, 0, sizeof(s.sys));
		for (; j < r.n && !isgreater(r.v[j].time, t); j++) {
			/* shallow: r owns them */
			if (r.v[j].sys)
				s.sys = *r.v[j].sys;
			else
				s.procs[s.nprocs++] = r.v[j].ps;
		}
		tracker_feed(tr, &s, false);
		print_events(tr, o, &out, &s, html);
		if (out.len > 65536 && output_flush(stdout, &out, "the alerts") < 0) {
			status = 1;
			break;
		}
		i = j;
	}
	if (html && status == 0)
		html_write(&out, html);
	if (status == 0 && output_flush(stdout, &out, html ? "the page" : "the alerts") < 0)
		status = 1;
	html_free(html);
	free(s.procs);
	buf_free(&out);
	tracker_free(tr);
	free(end);
	recs_free(&r);
	if (status == 0 && r.n == 0 && r.damaged) {
		warnx_("no usable record in the input");
		status = 1;
	}
	return status;
}
