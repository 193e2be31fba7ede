/* cmd-log.c - `fdwatch log`: sample until stopped, run the detector, and
 * print one line (or one alert record) per alert event; --syslog also sends
 * them to syslog, -o FILE also writes the sample records the alerts came
 * from, so that `replay FILE` reproduces them exactly. */
#include "config.h"

#include <errno.h>
#include <math.h>
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
	struct buf recbuf;
	struct proc_idset watched; /* -p: the processes as first seen */
	struct adapt adapt;      /* faster samples of the processes near their limit */
	int status;
};

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
static int write_records(struct log_ctx *c, const struct sample *s)
{
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

	if (c->rec && write_records(c, s) < 0) {
		sample_free(s);
		c->status = 1;
		return -1;
	}
	tracker_feed(c->tr, s, !extra);
	sample_free(s);
	adapt_update(&c->adapt, l, c->tr);
	nev = tracker_take_events(c->tr, &ev);
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
		c.rec = fopen(o->output, "we");
		if (!c.rec) {
			warnx_("cannot write %s: %s", o->output, strerror(errno));
			return 1;
		}
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
