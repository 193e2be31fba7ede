/* report.c - the text report: what a person would otherwise piece together
 * from lsof, ss and /proc/PID/limits. */
#include "config.h"

#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "kinds.h"

/* How many socket and file groups to list under each process. */
#define GROUPS_SHOWN 4

static void add_escaped(struct buf *out, const char *s);

struct row {
	const struct proc_sample *p;
	double rate;
	double use;
	unsigned idle;           /* sockets in flagged idle groups */
};

bool report_idle_flagged(const struct sock_group *g)
{
	return g->idle_state == IDLE_KNOWN && g->count >= IDLE_FLAG_COUNT &&
	       !isless(g->idle_median, IDLE_FLAG_SECS) && g->dir != SOCK_LISTEN;
}

const char report_deleted_words[] =
	"deleted: files removed while still open; their space is freed only when closed";

const char *report_state_words(const struct sock_group *g)
{
	if (g->state && strcmp(g->state, "CLOSE_WAIT") == 0)
		return "CLOSE_WAIT: the peer closed, this process never closed its end "
		       "(a missing close() after the other side hung up)";
	if (report_idle_flagged(g) && g->state && strcmp(g->state, "ESTABLISHED") == 0)
		return g->dir == SOCK_IN ?
			"ESTABLISHED and idle: connections clients opened and keep, unused "
			"(a client that never releases them, or a missing server timeout)" :
			"ESTABLISHED and idle: a response or connection never released "
			"(a body never closed, a pool that never gives back)";
	return NULL;
}

/* Seconds as a report shows them: whole from 10 on. */
static void add_secs(struct buf *out, double s)
{
	if (isless(s, 10.0))
		buf_addf(out, "%.1f", s);
	else
		buf_addf(out, "%.0f", floor(s));
}

void report_idle(struct buf *out, const struct sock_group *g)
{
	if (g->idle_state == IDLE_UNKNOWN) {
		buf_adds(out, "idle unknown");
		return;
	}
	if (g->idle_state != IDLE_KNOWN)
		return;
	buf_adds(out, "idle ");
	add_secs(out, g->idle_min);
	if (islessgreater(floor(g->idle_min), floor(g->idle_max))) {
		buf_adds(out, "-");
		add_secs(out, g->idle_max);
	}
	buf_adds(out, " s");
}

void report_peers(struct buf *out, const struct sock_group *g)
{
	if (g->peers_state == PEERS_UNKNOWN) {
		buf_adds(out, "peer unknown");
		return;
	}
	if (g->peers_state != PEERS_KNOWN || !g->npeers)
		return;
	buf_adds(out, g->dir == SOCK_IN ? "held open by " : "toward ");
	for (size_t i = 0; i < g->npeers; i++) {
		buf_adds(out, i ? ", " : "");
		add_escaped(out, g->peers[i].comm ? g->peers[i].comm : "?");
		buf_addf(out, "[%d]", g->peers[i].pid);
		if (g->peers[i].count != g->count)
			buf_addf(out, " x%u", g->peers[i].count);
	}
}

void report_signature(struct buf *out, const struct sock_group *g)
{
	if (!report_idle_flagged(g))
		return;
	buf_addf(out, "%u sockets %s ", g->count,
		 g->dir == SOCK_OUT ? "to" : g->dir == SOCK_IN ? "accepted on" : "on");
	add_escaped(out, g->endpoint ? g->endpoint : "(unnamed)");
	if (g->state)
		buf_addf(out, " %s", g->state);
	buf_adds(out, ", ");
	report_idle(out, g);
	if (!isless(g->idle_min, 1.0)) {
		buf_adds(out, ", none active in the last ");
		add_secs(out, g->idle_min);
		buf_adds(out, " s");
	} else {
		buf_adds(out, ", half idle for ");
		add_secs(out, g->idle_median);
		buf_adds(out, " s or more");
	}
	if (g->state && strcmp(g->state, "CLOSE_WAIT") == 0)
		buf_adds(out, ": closed by the peer, never by this process");
	else if (g->dir == SOCK_IN)
		buf_adds(out, ": the signature of clients that never release their connections");
	else
		buf_adds(out, ": the signature of responses never closed");
}

double report_rate(const struct sample *first, const struct sample *last,
		   const struct proc_sample *p)
{
	const struct proc_sample *q;
	double dt;

	if (!first || !last)
		return NAN;
	dt = last->mono - first->mono;
	q = sample_find(first, p->pid, p->start);
	if (!q || dt <= 0 || q->fds < 0 || p->fds < 0)
		return NAN;
	return (double)(p->fds - q->fds) / dt;
}

/* Most suspicious first: growing fastest, then nearest the limit, then
 * the most fds. */
static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	double rx = isnan(x->rate) ? 0 : x->rate, ry = isnan(y->rate) ? 0 : y->rate;

	if (islessgreater(rx, ry))
		return rx > ry ? -1 : 1;
	if (x->idle != y->idle)
		return x->idle > y->idle ? -1 : 1;
	if (islessgreater(x->use, y->use))
		return x->use > y->use ? -1 : 1;
	if (x->p->fds != y->p->fds)
		return x->p->fds > y->p->fds ? -1 : 1;
	return x->p->pid - y->p->pid;
}

static void add_escaped(struct buf *out, const char *s)
{
	if (s)
		escape_text(out, s, strlen(s));
	else
		buf_adds(out, "-");
}

/* Appends s escaped and padded (or cut) to width display columns; the
 * escaped text is ASCII-safe except for printable UTF-8. */
static void add_cell(struct buf *out, const char *s, int width)
{
	struct buf e;
	size_t cols = 0, i = 0;

	buf_init(&e);
	add_escaped(&e, s);
	/* Count code points as columns (approximation good enough for a report). */
	while (i < e.len && cols < (size_t)width) {
		uint32_t cp;
		size_t n = utf8_decode((const unsigned char *)e.data + i, e.len - i, &cp);

		if (!n)
			n = 1;
		buf_add(out, e.data + i, n);
		i += n;
		cols++;
	}
	for (; cols < (size_t)width; cols++)
		buf_addc(out, ' ');
	buf_free(&e);
}

static void add_types(struct buf *out, const struct proc_sample *p)
{
	bool any = false;

	if (!p->classified) {
		buf_adds(out, p->fd_err ? "(not readable)" : "-");
		return;
	}
	/* Largest type first reads best. */
	{
		int order[FD_NTYPES];

		for (int t = 0; t < FD_NTYPES; t++)
			order[t] = t;
		for (int i = 1; i < FD_NTYPES; i++)
			for (int j = i; j > 0 && p->types[order[j]] > p->types[order[j - 1]]; j--) {
				int tmp = order[j];

				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
		for (int i = 0; i < FD_NTYPES; i++) {
			if (!p->types[order[i]])
				continue;
			buf_addf(out, "%s%s %u", any ? ", " : "", fd_type_name(order[i]),
				 p->types[order[i]]);
			any = true;
		}
	}
	if (!any)
		buf_adds(out, "none");
}

/* The tightest inotify users shown. */
#define INOTIFY_SHOWN 3

/* used of limit and its share, or "used" alone when the limit is unknown. */
static void add_of(struct buf *out, long used, long limit)
{
	double u = sys_use(used, limit);

	if (used < 0)
		buf_adds(out, "?");
	else if (u < 0)
		buf_addf(out, "%ld", used);
	else
		buf_addf(out, "%ld of %ld (%.1f%%)", used, limit, u);
}

/* The system's limits: its file table and the tightest inotify users
 * (what the man page's system record says). */
static void add_system(struct buf *out, const struct sys_sample *y, bool color)
{
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";

	buf_addf(out, "%sSystem%s  files ", bold, off);
	add_of(out, y->files, y->files_max);
	if (y->nr_open >= 0)
		buf_addf(out, "   ulimit -n at most %ld (fs.nr_open)", y->nr_open);
	buf_addc(out, '\n');
	for (size_t i = 0; i < y->ninotify && i < INOTIFY_SHOWN; i++) {
		const struct inotify_use *u = &y->inotify[i];

		buf_adds(out, "inotify ");
		add_escaped(out, u->user ? u->user : "?");
		buf_addf(out, " (uid %ld): instances %s", u->uid, u->shared ? "at most " : "");
		add_of(out, (long)u->instances, y->max_instances);
		buf_adds(out, ", watches ");
		add_of(out, u->watches, y->max_watches);
		buf_addf(out, "; most in %d ", u->top_pid);
		add_escaped(out, u->top_comm ? u->top_comm : "?");
		buf_addf(out, " (%u)%s\n", u->top_instances, u->partial ? "; some processes unreadable" : "");
	}
	if (y->ninotify > INOTIFY_SHOWN)
		buf_addf(out, "inotify: %zu more users\n", y->ninotify - INOTIFY_SHOWN);
}

/* Does p hold fds whose kind says more than their type: anon inodes,
 * namespaces and the like, deleted files, memfds, unnamed paths? */
static bool kinds_tell(const struct proc_sample *p)
{
	for (size_t i = 0; i < p->nkinds; i++) {
		int k = p->kinds[i].kind;
		enum fd_type t = kind_type(k);

		if (t == FD_ANON || t == FD_OTHER || k == KIND_DELETED || k == KIND_MEMFD ||
		    k == KIND_FILE_OTHER)
			return true;
	}
	return false;
}

/* The first KINDS_SHOWN kinds of p, largest first. */
#define KINDS_SHOWN 8
static void add_kinds(struct buf *out, const struct proc_sample *p)
{
	buf_addf(out, "%9skinds  ", "");
	for (size_t i = 0; i < p->nkinds && i < KINDS_SHOWN; i++)
		buf_addf(out, "%s%s %u", i ? ", " : "", kind_name(p->kinds[i].kind), p->kinds[i].count);
	if (p->nkinds > KINDS_SHOWN)
		buf_addf(out, ", ... %zu more", p->nkinds - KINDS_SHOWN);
	buf_addc(out, '\n');
}

/* One socket group's line: its key, count, idle range and peers. */
static void add_group(struct buf *out, const struct sock_group *g)
{
	size_t mark;

	buf_addf(out, "%9s%-6s %-6s ", "", g->proto, sock_dir_name(g->dir));
	buf_adds(out, g->dir == SOCK_OUT ? "-> " : "   ");
	add_escaped(out, g->endpoint ? g->endpoint : "(unnamed)");
	buf_addf(out, " %s x%u", g->state ? g->state : "", g->count);
	mark = out->len;
	buf_adds(out, ", ");
	report_idle(out, g);
	if (out->len == mark + 2)
		out->len = mark;
	mark = out->len;
	buf_adds(out, ", ");
	report_peers(out, g);
	if (out->len == mark + 2)
		out->len = mark;
	buf_addc(out, '\n');
}

/* The first GROUPS_SHOWN socket groups of p, the flagged ones first, each
 * with the sentence and the words its state earns. */
static void add_groups(struct buf *out, const struct proc_sample *p, bool color)
{
	const char *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	size_t shown = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < p->nsocks && shown < GROUPS_SHOWN; k++) {
			const struct sock_group *g = &p->socks[k];
			const char *words = report_state_words(g);

			if (report_idle_flagged(g) != (pass == 0))
				continue;
			add_group(out, g);
			shown++;
			if (report_idle_flagged(g)) {
				buf_addf(out, "%9s%s! ", "", yellow);
				report_signature(out, g);
				buf_addf(out, "%s\n", off);
			}
			if (words)
				buf_addf(out, "%11s%s\n", "", words);
		}
	}
	for (size_t i = 0; i < p->nkinds; i++)
		if (p->kinds[i].kind == KIND_DELETED)
			buf_addf(out, "%9s%u %s\n", "", p->kinds[i].count, report_deleted_words);
}

void report_text(struct buf *out, const struct sample *last, const struct sample *first,
		 bool color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
		   *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	struct row *rows = xcalloc(last->nprocs ? last->nprocs : 1, sizeof(*rows));
	char host[256] = "localhost", when[64];
	time_t t = (time_t)last->time;
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);

	for (size_t i = 0; i < last->nprocs; i++) {
		rows[i].p = &last->procs[i];
		rows[i].rate = report_rate(first, last, &last->procs[i]);
		rows[i].use = proc_sample_use(&last->procs[i]);
		for (size_t k = 0; k < last->procs[i].nsocks; k++)
			if (report_idle_flagged(&last->procs[i].socks[k]))
				rows[i].idle += last->procs[i].socks[k].count;
	}
	qsort(rows, last->nprocs, sizeof(*rows), cmp_row);

	buf_adds(out, bold);
	buf_adds(out, "fdwatch report");
	buf_adds(out, off);
	buf_adds(out, " - ");
	add_escaped(out, host);
	buf_addf(out, " - %s - %zu process%s, %llu fds", when, last->nprocs,
		 last->nprocs == 1 ? "" : "es", last->total_fds);
	/* A count that is not known is not 0: say how many the total lacks. */
	if (last->nunknown)
		buf_addf(out, " (%zu unknown)", last->nunknown);
	if (first && last->mono > first->mono)
		buf_addf(out, ", growth over %.1fs", last->mono - first->mono);
	buf_adds(out, "\n");
	if (last->nunreadable)
		buf_addf(out, "%s%zu of %zu processes could not be read (%s): counts only; "
			 "run as root or with CAP_SYS_PTRACE for types and sockets%s\n",
			 yellow, last->nunreadable, last->nprocs,
			 strerror(last->unreadable_err ? last->unreadable_err : EACCES), off);
	if (isgreater(last->fds_age, 0.0))
		buf_addf(out, "some counts are carried from an earlier listing of fd/, "
			 "at most %.1fs old\n", last->fds_age);
	if (last->nskipped_lines)
		buf_addf(out, "%zu lines of /proc did not parse and were skipped\n",
			 last->nskipped_lines);
	if (last->sys.valid)
		add_system(out, &last->sys, color);
	buf_addf(out, "\n%s%-8s %-10s %-16s %7s %7s %6s %8s %7s  %s%s\n", bold, "PID", "USER",
		 "COMMAND", "FDS", "LIMIT", "USE%", "RATE/s", "ETA", "TYPES", off);

	for (size_t i = 0; i < last->nprocs; i++) {
		const struct row *r = &rows[i];
		const struct proc_sample *p = r->p;
		const char *hl = r->use >= 90 ? red : r->use >= 70 ? yellow : "";

		buf_addf(out, "%s%-8d ", hl, p->pid);
		add_cell(out, p->user, 10);
		buf_addc(out, ' ');
		add_cell(out, p->comm, 16);
		if (p->fds >= 0)
			buf_addf(out, " %7ld", p->fds);
		else
			buf_addf(out, " %7s", "?");
		if (p->limit >= 0)
			buf_addf(out, " %7ld", p->limit);
		else
			buf_addf(out, " %7s", "-");
		if (r->use >= 0)
			buf_addf(out, " %6.1f", r->use);
		else
			buf_addf(out, " %6s", "-");
		if (!isnan(r->rate))
			buf_addf(out, " %+8.2f", r->rate);
		else
			buf_addf(out, " %8s", "-");
		/* Time to the limit at this rate, only for growth. */
		if (!isnan(r->rate) && r->rate > 0 && p->limit > 0 && p->fds >= 0) {
			char eta[16];

			fmt_duration(eta, sizeof(eta), (double)(p->limit - p->fds) / r->rate);
			buf_addf(out, " %7s  ", eta);
		} else {
			buf_addf(out, " %7s  ", "-");
		}
		add_types(out, p);
		buf_addf(out, "%s\n", *hl ? off : "");
		if (p->unit || p->container) {
			buf_addf(out, "%9s", "");
			if (p->unit) {
				buf_adds(out, "unit ");
				add_escaped(out, p->unit);
			}
			if (p->container) {
				buf_adds(out, p->unit ? "  container " : "container ");
				add_escaped(out, p->container);
			}
			buf_addc(out, '\n');
		}
		if (p->classified && kinds_tell(p))
			add_kinds(out, p);
		add_groups(out, p, color);
		if (p->nsocks > GROUPS_SHOWN)
			buf_addf(out, "%9s... %zu more socket groups\n", "", p->nsocks - GROUPS_SHOWN);
		for (size_t k = 0; k < p->nfiles && k < 2 && p->types[FD_FILE] >= 8; k++) {
			buf_addf(out, "%9sfiles  in ", "");
			add_escaped(out, p->files[k].dir);
			buf_addf(out, " x%u\n", p->files[k].count);
		}
	}
	free(rows);
}
