/* cmd-replay.c - `fdwatch replay FILE...`: reads sample records (JSON
 * Lines, as `record` writes them), runs the detector over them in time order
 * and prints the alerts that would have fired live, at the records' times.
 *
 * The records are streamed, never all held: each file is read in time
 * order through a small re-sort window, and the files are merged. A file
 * that can be read twice is first scanned for the time of each process's
 * last record, so that a process whose records stop is taken as gone at the
 * next sample, as live. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alert.h"
#include "commands.h"
#include "html.h"
#include "loop.h"
#include "options.h"
#include "record.h"
#include "track.h"

/* Damaged lines named one by one, then only counted. */
#define MAX_DAMAGE_MESSAGES 10
/* Records held per file to put them back in time order: a file may be
 * out of order by this many records (clocks stepped back, files joined). */
#define REPLAY_WINDOW 4096

struct rec {
	double time;
	size_t order;            /* its place in its file */
	struct proc_sample ps;
	struct sys_sample *sys;  /* a system record's, else NULL */
	const char *boot;        /* its file's boot_id (the input owns it), or NULL */
};

/* One input file: its re-sort window, a min-heap by (time, order). */
struct input {
	const char *path;
	FILE *f;
	size_t lineno, nrecs;
	bool eof, seekable;
	struct rec *heap;
	size_t n;
	double last;             /* time of the last record given out; -inf */
	char *boot;              /* boot_id of its trace header, NULL without */
	char *line;
	size_t cap;
};

struct replay {
	struct input *in;
	size_t nin;
	size_t damaged, used;
	bool scanning;           /* the first pass: damage is told in the second */
	struct trace_header head; /* of the first trace that has one */
};

static void damaged(struct replay *r, const struct input *in, const char *why)
{
	if (!r->scanning && r->damaged++ < MAX_DAMAGE_MESSAGES)
		warnx_("%s:%zu: skipped a damaged record: %s", in->path, in->lineno, why);
}

static void rec_clear(struct rec *rc)
{
	proc_sample_clear(&rc->ps);
	if (rc->sys)
		sys_sample_clear(rc->sys);
	free(rc->sys);
	rc->sys = NULL;
}

static int rec_cmp(const struct rec *x, const struct rec *y)
{
	if (isless(x->time, y->time) || isgreater(x->time, y->time))
		return isless(x->time, y->time) ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static void heap_push(struct input *in, const struct rec *rc)
{
	size_t i = in->n++;

	in->heap[i] = *rc;
	while (i && rec_cmp(&in->heap[(i - 1) / 2], &in->heap[i]) > 0) {
		struct rec t = in->heap[i];

		in->heap[i] = in->heap[(i - 1) / 2];
		in->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct rec heap_pop(struct input *in)
{
	struct rec top = in->heap[0];
	size_t i = 0;

	in->heap[0] = in->heap[--in->n];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < in->n && rec_cmp(&in->heap[l], &in->heap[m]) < 0)
			m = l;
		if (l + 1 < in->n && rec_cmp(&in->heap[l + 1], &in->heap[m]) < 0)
			m = l + 1;
		if (m == i)
			break;
		{
			struct rec t = in->heap[i];

			in->heap[i] = in->heap[m];
			in->heap[m] = t;
		}
		i = m;
	}
	return top;
}

/* Reads the next usable record of in into *rc: 1, 0 at the end of the
 * file, -errno on a read error (an allocation that failed included). */
static int read_rec(struct replay *r, struct input *in, struct rec *rc)
{
	for (;;) {
		ssize_t len;
		const char *why;

		errno = 0;
		len = getline(&in->line, &in->cap, in->f);
		if (len < 0) {
			if (ferror(in->f) || !feof(in->f))
				return -(errno ? errno : EIO);
			return 0;
		}
		in->lineno++;
		if (strspn(in->line, " \t\r\n") == (size_t)len)
			continue;
		memset(rc, 0, sizeof(*rc));
		why = record_parse_line(in->line, (size_t)len, false, &rc->time, &rc->ps);
		if (why == record_is_header) {
			struct trace_header h;

			memset(&h, 0, sizeof(h));
			proc_sample_clear(&rc->ps);
			if (record_parse_header(in->line, (size_t)len, &h)) {
				trace_header_clear(&h);
				continue;
			}
			if (!in->boot && h.boot_id)
				in->boot = xstrdup(h.boot_id);
			if (!r->head.version)
				r->head = h;
			else
				trace_header_clear(&h);
			continue;
		}
		if (why == record_is_system) {
			/* The system's limits, judged as a live log would. */
			proc_sample_clear(&rc->ps);
			rc->sys = xcalloc(1, sizeof(*rc->sys));
			why = record_parse_system(in->line, (size_t)len, &rc->time, rc->sys);
		}
		if (why) {
			rec_clear(rc);
			damaged(r, in, why);
			continue;
		}
		rc->order = in->nrecs++;
		rc->boot = in->boot;
		return 1;
	}
}

/* Fills the window of in; -errno after printing why on a read error or a
 * record older than one already given out. */
static int fill(struct replay *r, struct input *in)
{
	while (!in->eof && in->n < REPLAY_WINDOW) {
		struct rec rc;
		int got;

		memset(&rc, 0, sizeof(rc));
		got = read_rec(r, in, &rc);
		if (got < 0) {
			warnx_("cannot read %s (line %zu): %s", in->path, in->lineno + 1,
			       strerror(-got));
			return got;
		}
		if (got == 0) {
			in->eof = true;
			break;
		}
		if (isless(rc.time, in->last)) {
			warnx_("%s:%zu: the record of time %.3f comes after records of time %.3f "
			       "already replayed: the file is out of time order by more than %d "
			       "records (sort it by time)", in->path, in->lineno, rc.time, in->last,
			       REPLAY_WINDOW);
			rec_clear(&rc);
			return -EINVAL;
		}
		heap_push(in, &rc);
	}
	return 0;
}

/* The input whose next record comes first; NULL when all are done. */
static struct input *next_input(struct replay *r)
{
	struct input *best = NULL;

	for (size_t i = 0; i < r->nin; i++) {
		struct input *in = &r->in[i];

		if (!in->n)
			continue;
		if (!best || isless(in->heap[0].time, best->heap[0].time))
			best = in;
	}
	return best;
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

/* The time of each process's last record, collected with duplicates and
 * compacted as it grows: memory per process, not per record. */
struct endings {
	struct ending *v;
	size_t n, cap;
};

/* Merges the entries of one process, keeping its latest time. */
static void endings_compact(struct endings *e)
{
	size_t k = 0;

	if (!e->n)
		return;
	qsort(e->v, e->n, sizeof(*e->v), key_cmp);
	for (size_t i = 0; i < e->n; i++) {
		if (k && proc_key_eq(&e->v[k - 1].key, &e->v[i].key)) {
			if (e->v[i].last > e->v[k - 1].last)
				e->v[k - 1].last = e->v[i].last;
		} else {
			e->v[k++] = e->v[i];
		}
	}
	e->n = k;
}

static void endings_add(struct endings *e, const struct rec *rc)
{
	if (e->n == e->cap) {
		endings_compact(e);
		if (e->n >= e->cap / 2) {
			e->cap = e->cap ? 2 * e->cap : 1024;
			e->v = xreallocarray(e->v, e->cap, sizeof(*e->v));
		}
	}
	e->v[e->n].key.pid = rc->ps.pid;
	e->v[e->n].key.start = rc->ps.start;
	e->v[e->n++].last = rc->time;
}

/* The time, pid and start of a record as fdwatch writes it, without
 * parsing the rest: 1, 0 for a system record, -1 when the line is not in
 * that form (then it is parsed whole). A line cut short (no closing brace)
 * is not taken here, so a crash in mid-write leaves no ending behind. */
static int quick_key(const char *line, size_t len, struct rec *rc)
{
	const char *p = line, *end = line + len;
	char *q;
	long pid;
	unsigned long long start;

	while (end > p && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	if (end == p || end[-1] != '}' || strncmp(p, "{\"time\": ", 9) != 0)
		return -1;
	rc->time = strtod(p + 9, &q);
	if (q == p + 9 || !isfinite(rc->time))
		return -1;
	if (strncmp(q, ", \"system\": ", 12) == 0)
		return 0;
	if (strncmp(q, ", \"pid\": ", 9) != 0 || q[9] < '1' || q[9] > '9')
		return -1;
	errno = 0;
	pid = strtol(q + 9, &q, 10);
	if (errno || pid > INT_MAX || strncmp(q, ", \"start\": ", 11) != 0 ||
	    q[11] < '0' || q[11] > '9')
		return -1;
	start = strtoull(q + 11, &q, 10);
	if (errno || (*q != ',' && *q != '}'))
		return -1;
	rc->ps.pid = (int)pid;
	rc->ps.start = start;
	return 1;
}

/* First pass over the files that can be read twice: the endings, in order
 * of time. Returns 0 or -errno after printing why. */
static int scan_endings(struct replay *r, struct endings *e)
{
	r->scanning = true;
	for (size_t i = 0; i < r->nin; i++) {
		struct input *in = &r->in[i];
		struct rec rc;
		int got;

		if (!in->seekable)
			continue;
		for (;;) {
			ssize_t len;
			int q;

			errno = 0;
			len = getline(&in->line, &in->cap, in->f);
			if (len < 0) {
				got = ferror(in->f) || !feof(in->f) ? -(errno ? errno : EIO) : 0;
				break;
			}
			in->lineno++;
			memset(&rc, 0, sizeof(rc));
			q = quick_key(in->line, (size_t)len, &rc);
			if (q > 0)
				endings_add(e, &rc);
			if (q >= 0)
				continue;
			/* Any other form: the parser decides, as the second pass will. */
			if (strspn(in->line, " \t\r\n") != (size_t)len &&
			    !record_parse_line(in->line, (size_t)len, false, &rc.time, &rc.ps))
				endings_add(e, &rc);
			proc_sample_clear(&rc.ps);
		}
		if (got < 0) {
			warnx_("cannot read %s (line %zu): %s", in->path, in->lineno + 1,
			       strerror(-got));
			return got;
		}
		rewind(in->f);
		in->lineno = in->nrecs = 0;
	}
	r->scanning = false;
	endings_compact(e);
	if (e->n)
		qsort(e->v, e->n, sizeof(*e->v), ending_cmp);
	return 0;
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

/* Opens every input; a usage error (status 2) when one cannot be read. */
static int open_inputs(struct replay *r, const struct options *o)
{
	r->in = xcalloc((size_t)o->nargs + 1, sizeof(*r->in));
	for (int i = 0; i < o->nargs; i++) {
		struct input *in = &r->in[r->nin];
		struct stat sb;
		int err = 0;

		memset(&sb, 0, sizeof(sb));
		in->path = o->args[i];
		in->f = strcmp(in->path, "-") == 0 ? stdin : fopen(in->path, "re");
		if (!in->f || fstat(fileno(in->f), &sb) < 0)
			err = errno ? errno : EIO;
		else if (S_ISDIR(sb.st_mode))
			err = EISDIR;
		r->nin++;
		if (err)
			return usage_error(CMD_REPLAY, "cannot read '%s': %s", in->path,
					   strerror(err));
		/* A pipe cannot be read twice for its processes' endings. */
		in->seekable = S_ISREG(sb.st_mode);
		in->last = -INFINITY;
		in->heap = xcalloc(REPLAY_WINDOW, sizeof(*in->heap));
	}
	return -1;
}

static void close_inputs(struct replay *r)
{
	for (size_t i = 0; i < r->nin; i++) {
		struct input *in = &r->in[i];

		while (in->n) {
			struct rec rc = heap_pop(in);

			rec_clear(&rc);
		}
		free(in->heap);
		free(in->boot);
		free(in->line);
		if (in->f && in->f != stdin)
			fclose(in->f);
	}
	free(r->in);
}

int cmd_replay(struct options *o)
{
	struct replay r;
	struct endings end = { NULL, 0, 0 };
	struct tracker *tr = NULL;
	struct html *html = NULL;
	struct buf out;
	struct sample s;
	struct rec *held = NULL;
	const char *boot = NULL; /* of the samples replayed so far */
	size_t nheld = 0, capheld = 0, e = 0;
	int status;

	memset(&r, 0, sizeof(r));
	buf_init(&out);
	memset(&s, 0, sizeof(s));
	status = open_inputs(&r, o);
	if (status >= 0)
		goto out;
	status = 0;
	if (scan_endings(&r, &end) < 0) {
		status = 1;
		goto out;
	}
	tr = tracker_new(&o->detect);
	for (;;) {
		struct input *in;
		double t;

		for (size_t i = 0; i < r.nin && status == 0; i++)
			if (fill(&r, &r.in[i]) < 0)
				status = 1;
		/* Made once the first records are read: a trace header comes first. */
		if (o->format == FORMAT_HTML && !html)
			html = html_new(r.head.host, r.head.boot_id, "replay");
		if (status || !(in = next_input(&r)))
			break;
		/* One sample: every record of this time, from every file. */
		t = in->heap[0].time;
		nheld = 0;
		while ((in = next_input(&r)) && !isgreater(in->heap[0].time, t)) {
			if (nheld == capheld) {
				capheld = capheld ? 2 * capheld : 64;
				held = xreallocarray(held, capheld, sizeof(*held));
			}
			held[nheld++] = heap_pop(in);
			in->last = t;
			if (!in->n && fill(&r, in) < 0) {
				status = 1;
				break;
			}
		}
		/* Processes whose records ended before this sample are gone. */
		while (e < end.n && end.v[e].last < t) {
			tracker_drop(tr, end.v[e].key.pid, end.v[e].key.start, t);
			e++;
		}
		s.time = t;
		s.nprocs = 0;
		s.procs = xreallocarray(s.procs, nheld + 1, sizeof(*s.procs));
		memset(&s.sys, 0, sizeof(s.sys));
		for (size_t k = 0; k < nheld; k++) {
			/* shallow: held owns them */
			if (held[k].sys)
				s.sys = *held[k].sys;
			else
				s.procs[s.nprocs++] = held[k].ps;
		}
		r.used += nheld;
		if (status == 0 && nheld && held[0].boot) {
			/* (pid, start) names a process within one boot only: at a
			 * reboot between the traces, every process ended. */
			if (boot && strcmp(boot, held[0].boot) != 0) {
				struct sample none;

				memset(&none, 0, sizeof(none));
				none.time = t;
				tracker_feed(tr, &none, true);
			}
			boot = held[0].boot;
		}
		if (status == 0) {
			tracker_feed(tr, &s, false);
			print_events(tr, o, &out, &s, html);
		}
		for (size_t k = 0; k < nheld; k++)
			rec_clear(&held[k]);
		if (status)
			break;
		if (out.len > 65536 && output_flush(stdout, &out, "the alerts") < 0) {
			status = 1;
			break;
		}
	}
	if (html && status == 0)
		html_write(&out, html);
	if (status == 0 && output_flush(stdout, &out, html ? "the page" : "the alerts") < 0)
		status = 1;
	if (r.damaged > MAX_DAMAGE_MESSAGES)
		warnx_("skipped %zu damaged records in all", r.damaged);
	if (status == 0 && r.used == 0 && r.damaged) {
		warnx_("no usable record in the input");
		status = 1;
	}
out:
	html_free(html);
	trace_header_clear(&r.head);
	free(held);
	free(s.procs);
	buf_free(&out);
	tracker_free(tr);
	free(end.v);
	close_inputs(&r);
	return status;
}
