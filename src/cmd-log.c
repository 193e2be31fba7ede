/* cmd-log.c - `fdwatch log`: sample until stopped, run the detector, and
 * print one line (or one alert record) per alert event; --syslog also sends
 * them to syslog, -o FILE also writes the sample records the alerts came
 * from, so that `replay FILE` reproduces them exactly. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alert.h"
#include "commands.h"
#include "loop.h"
#include "options.h"
#include "record.h"
#include "track.h"

struct log_ctx {
	const struct options *o;
	struct tracker *tr;
	struct buf out;
	FILE *rec;               /* -o: sample records, or NULL */
	struct buf recbuf;
	struct proc_idset watched; /* -p: the processes as first seen */
	long nsamples;
	int status;
};

void detect_params_from_options(const struct options *o, struct detect_params *p)
{
	detect_params_default(p);
	if (!isnan(o->warn_eta))
		p->warn_eta = o->warn_eta;
	if (!isnan(o->crit_eta))
		p->crit_eta = o->crit_eta;
	if (p->crit_eta > p->warn_eta)
		p->crit_eta = p->warn_eta;
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

static int on_sample(struct sample *s, void *ctx)
{
	struct log_ctx *c = ctx;
	struct alert *ev;
	size_t nev;
	bool all_gone;

	/* Judge the time as records carry it (to the millisecond), so that a
	 * replay of -o FILE comes to the very same figures. */
	s->time = round(s->time * 1000) / 1000;
	if (c->nsamples++ == 0 && c->o->sel.npids) {
		if (warn_missing_pids(c->o, s) == 0) {
			sample_free(s);
			c->status = 1;
			return 1;
		}
		proc_idset_take(&c->watched, s);
	}
	all_gone = c->o->sel.npids && !proc_idset_any(&c->watched, s);
	if (c->rec) {
		for (size_t i = 0; i < s->nprocs; i++)
			record_sample_json(&c->recbuf, s, &s->procs[i]);
		if (output_flush(c->rec, &c->recbuf, c->o->output) < 0) {
			sample_free(s);
			c->status = 1;
			return -1;
		}
	}
	tracker_feed(c->tr, s, true);
	sample_free(s);
	nev = tracker_take_events(c->tr, &ev);
	for (size_t i = 0; i < nev; i++) {
		if (c->o->format == FORMAT_JSON)
			alert_json(&c->out, &ev[i]);
		else
			alert_text(&c->out, &ev[i]);
		if (c->o->syslog)
			send_syslog(&ev[i]);
	}
	alerts_free(ev, nev);
	if (c->out.len && output_flush(stdout, &c->out, "the alert log") < 0) {
		c->status = 1;
		return -1;
	}
	/* The processes given with -p have all exited (their pids may be
	 * someone else's by now): nothing more can come. */
	return all_gone ? 1 : 0;
}

int cmd_log(struct options *o)
{
	struct detect_params p;
	struct log_ctx c;
	struct sampler *sm;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (o->output) {
		c.rec = fopen(o->output, "we");
		if (!c.rec) {
			warnx_("cannot write %s: %s", o->output, strerror(errno));
			return 1;
		}
	}
	sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (!sm) {
		if (c.rec)
			fclose(c.rec);
		return 1;
	}
	detect_params_from_options(o, &p);
	c.tr = tracker_new(&p);
	buf_init(&c.out);
	buf_init(&c.recbuf);
	if (o->syslog)
		openlog("fdwatch", LOG_PID, LOG_DAEMON);
	loop_signals();
	loop_run(sm, o, 1.0, on_sample, &c);
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
	sampler_free(sm);
	return c.status;
}
