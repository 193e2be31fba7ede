/* cmd-log.c - `fdwatch log`: sample until stopped, run the detector, and
 * print one line (or one alert record) per alert event; --syslog also sends
 * them to syslog, -o FILE also writes the sample records the alerts came
 * from, so that `replay FILE` reproduces them exactly. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "record.h"
#include "track.h"

struct log_ctx {
	const struct options *o;
	struct sampler *sm;
	struct tracker *tr;
	struct buf out;
	FILE *rec;               /* -o: sample records, or NULL */
	bool header_due;         /* rec is empty: begin it with the trace header */
	struct buf recbuf;
	struct proc_idset watched; /* -p: the processes as first seen */
	struct adapt adapt;      /* faster samples of the processes near their limit */
	int status;
};

/* SIGHUP with -o: reopen the file (logrotate moved it away). */
static volatile sig_atomic_t reopen_wanted;

static void on_hup(int sig)
{
	(void)sig;
	reopen_wanted = 1;
}

/* After loop_signals(): with -o, SIGHUP asks for the file to be reopened
 * instead of stopping (no SA_RESTART, so that a sleep wakes up). */
static void catch_hup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

/* Opens -o FILE for the records: truncated at start, appended to when
 * reopened (a copytruncate rotation leaves the same file). 0600: a trace
 * names other users' files and connections. */
static FILE *open_records(const char *path, bool append)
{
	return record_open_output(path, 0600, append);
}

/* Closes and reopens -o FILE where it now is: 0, or -1 after saying why
 * (the old file is kept open then, so nothing is lost). */
static int reopen_records(struct log_ctx *c)
{
	FILE *f = open_records(c->o->output, true);

	if (!f)
		return 0;
	/* A new or emptied file is a trace of its own: it gets a header. */
	c->header_due = fseeko(f, 0, SEEK_END) == 0 && ftello(f) == 0;
	if (fclose(c->rec) != 0) {
		warnx_("cannot write %s: %s", c->o->output, strerror(errno));
		c->rec = f;
		return -1;
	}
	c->rec = f;
	return 0;
}

static void send_syslog(const struct alert *a)
{
	struct buf msg;
	int prio = a->level == LEVEL_CRITICAL ? LOG_CRIT :
		   a->level == LEVEL_WARNING ? LOG_WARNING : LOG_NOTICE;

	buf_init(&msg);
	alert_message(&msg, a);
	syslog(prio, "%s %s", a->level == LEVEL_CRITICAL ? "CRITICAL" :
			      a->level == LEVEL_WARNING ? "WARNING" : "OK", msg.data);
	buf_free(&msg);
}

/* Writes the records of s to -o FILE: 0, or -1 after saying why. */
static int write_records(struct log_ctx *c, const struct sample *s, const struct loop *l)
{
	if (c->header_due) { /* a trace begins with who wrote it, where */
		loop_trace_header(&c->recbuf, l->interval, s->time);
		c->header_due = false;
	}
	for (size_t i = 0; i < s->nprocs; i++)
		record_sample_json(&c->recbuf, s, &s->procs[i]);
	if (s->sys.valid)
		record_system_json(&c->recbuf, s);
	return output_flush(c->rec, &c->recbuf, c->o->output);
}

/* Feeds s (a sample of every watched process, or with extra, an extra
 * one of those near their limit) and writes its records and the alert
 * events it raised. 0, or -1 after saying why. */
static int take_in(struct log_ctx *c, struct loop *l, struct sample *s, bool extra)
{
	struct alert *ev;
	size_t nev;

	if (reopen_wanted && c->rec) {
		reopen_wanted = 0;
		if (reopen_records(c) < 0) {
			sample_free(s);
			c->status = 1;
			return -1;
		}
	}
	if (c->rec && write_records(c, s, l) < 0) {
		sample_free(s);
		c->status = 1;
		return -1;
	}
	tracker_feed(c->tr, s, !extra);
	adapt_update(&c->adapt, l, c->tr);
	nev = tracker_take_events(c->tr, &ev);
	alerts_add_peers(ev, nev, s);
	sample_free(s);
	for (size_t i = 0; i < nev; i++) {
		alert_write(&c->out, &ev[i], c->o->format);
		if (c->o->syslog)
			send_syslog(&ev[i]);
	}
	alerts_free(ev, nev);
	if (c->out.len && output_flush(stdout, &c->out, "the alert log") < 0) {
		c->status = 1;
		return -1;
	}
	return 0;
}

static int on_tick(struct loop *l, void *ctx)
{
	struct log_ctx *c = ctx;
	struct sample *s = sampler_take(c->sm);
	int gone;

	/* Judge the time as records carry it (to the millisecond), so that a
	 * replay of -o FILE comes to the very same figures. */
	s->time = round(s->time * 1000) / 1000;
	gone = loop_watch_pids(&c->watched, c->o, s, l->ticks == 1);
	if (gone < 0) {
		sample_free(s);
		c->status = 1;
		return 1;
	}
	if (take_in(c, l, s, false) < 0)
		return -1;
	/* The processes given with -p have all exited: nothing more can come. */
	return gone;
}

/* An extra sample of the processes near their limit. */
static int on_fast_tick(struct loop *l, void *ctx)
{
	struct log_ctx *c = ctx;
	struct sample *s = adapt_take(&c->adapt);

	if (!s)
		return 0;
	s->time = round(s->time * 1000) / 1000;
	return take_in(c, l, s, true) < 0 ? -1 : 0;
}

int cmd_log(struct options *o)
{
	struct log_ctx c;
	struct loop l;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (o->output) {
		c.rec = open_records(o->output, false);
		if (!c.rec)
			return 1;
		c.header_due = true;
	}
	c.sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (!c.sm) {
		if (c.rec)
			fclose(c.rec);
		return 1;
	}
	if (adapt_open(&c.adapt, o) < 0) {
		sampler_free(c.sm);
		if (c.rec)
			fclose(c.rec);
		return 1;
	}
	c.tr = tracker_new(&o->detect);
	buf_init(&c.out);
	buf_init(&c.recbuf);
	if (o->syslog)
		openlog("fdwatch", LOG_PID, LOG_DAEMON);
	loop_signals();
	if (c.rec)
		catch_hup();
	loop_init(&l, o, 1.0, on_tick, &c);
	l.fast_tick = on_fast_tick;
	loop_run(&l);
	if (o->syslog)
		closelog();
	buf_free(&c.out);
	buf_free(&c.recbuf);
	proc_idset_free(&c.watched);
	if (c.rec && fclose(c.rec) != 0 && c.status == 0) {
		warnx_("cannot write %s: %s", o->output, strerror(errno));
		c.status = 1;
	}
	tracker_free(c.tr);
	adapt_close(&c.adapt);
	sampler_free(c.sm);
	return c.status;
}
