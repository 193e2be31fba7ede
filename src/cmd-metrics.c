/* cmd-metrics.c - `fdwatch metrics`: one sample in the Prometheus text
 * format on stdout or, with --textfile, written atomically for
 * node_exporter; with --state, growth and ETA from the kept history. With
 * --listen, an exporter: it samples every --interval, keeps the history in
 * memory, and serves the exposition of the last sample over HTTP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exporter.h"
#include "loop.h"
#include "metrics.h"
#include "privs.h"
#include "state.h"
#include "verdict.h"

/* Writes the exposition where o asks: 0, or 1 after printing why. The
 * textfile is 0644 whatever the umask: node_exporter reads it as another
 * user. */
static int emit(const struct options *o, struct buf *out)
{
	int err;

	if (!o->textfile)
		return output_flush(stdout, out, "the metrics") < 0;
	err = write_file_atomic_mode(o->textfile, out->data, out->len, 0644);
	if (err < 0) {
		warnx_("cannot write %s: %s (the previous file is left as it was)", o->textfile,
		       strerror(-err));
		return 1;
	}
	return 0;
}

static void input_init(struct metrics_input *in, const struct options *o, const struct sample *s)
{
	memset(in, 0, sizeof(*in));
	in->s = s;
	in->top_k = o->top_k;
	in->max_procs = o->max_procs;
	in->min_fds = o->min_fds;
	in->state_damaged = -1;
}

static int metrics_once(struct options *o)
{
	struct metrics_input in;
	struct tracker *tr = NULL;
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
	s->time = round(s->time * 1000) / 1000; /* as --state keeps it (check does so too) */
	input_init(&in, o, s);
	in.sample_seconds = clock_mono() - t0;
	if (o->sel.npids)
		warn_missing_pids(o, s);
	if (o->state_path) {
		struct verdict_history h;

		if (verdict_from_state(o, s, &h) < 0) {
			status = 1;
		} else {
			tr = h.tr;
			/* One sample is no history: no verdict yet. */
			verdicts = verdict_each(tr, s, 2);
			in.verdicts = verdicts;
			in.nlimits = tracker_resources(tr, &limits);
			in.limits = limits;
			in.state_damaged = h.set_aside;
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
	tracker_free(tr);
	sample_free(s);
	sampler_free(sm);
	return status;
}

struct serve_ctx {
	const struct options *o;
	struct sampler *sm;
	struct tracker *tr;
	struct exporter *ex;
	struct buf out;
};

/* One sample: fed to the history, judged, rendered and published. The
 * alert events are the log's business; here only the levels count. */
static int on_tick(struct loop *l, void *ctx)
{
	struct serve_ctx *c = ctx;
	struct metrics_input in;
	struct alert *ev, *verdicts, *limits = NULL;
	double t0 = clock_mono();
	struct sample *s = sampler_take(c->sm);
	size_t nev;

	input_init(&in, c->o, s);
	in.sample_seconds = clock_mono() - t0;
	if (l->ticks == 1 && c->o->sel.npids)
		warn_missing_pids(c->o, s);
	tracker_feed(c->tr, s, true);
	nev = tracker_take_events(c->tr, &ev);
	alerts_free(ev, nev);
	verdicts = verdict_each(c->tr, s, 2);
	in.verdicts = verdicts;
	in.nlimits = tracker_resources(c->tr, &limits);
	in.limits = limits;
	metrics_render(&c->out, &in);
	exporter_publish(c->ex, c->out.data, c->out.len);
	buf_reset(&c->out);
	alerts_free(verdicts, s->nprocs);
	alerts_free(limits, in.nlimits);
	sample_free(s);
	return 0;
}

/* Reads a file the server needs (a key, a password), with the caller's
 * own rights: its text, caller frees, or NULL after saying why. */
static char *read_secret(const char *path, const char *what)
{
	char *text;
	int err = privs_user_begin();

	if (err < 0)
		return NULL;
	err = read_file_at(AT_FDCWD, path, &text, NULL);
	privs_user_end();

	if (err < 0) {
		warnx_("cannot read %s %s: %s", what, path, strerror(-err));
		return NULL;
	}
	return text;
}

/* The server's TLS and authentication from o's files into cfg (strings
 * in *bufs, caller frees each): 0, or -1 after saying why. */
static int server_config(const struct options *o, struct exporter_config *cfg, char *bufs[3])
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen = o->listen;
	if (o->tls_cert) {
		bufs[0] = read_secret(o->tls_cert, "the certificate");
		bufs[1] = bufs[0] ? read_secret(o->tls_key, "the key") : NULL;
		if (!bufs[1])
			return -1;
		cfg->cert_pem = bufs[0];
		cfg->key_pem = bufs[1];
	}
	if (o->basic_auth) {
		char *colon, *nl;

		bufs[2] = read_secret(o->basic_auth, "the password file");
		if (!bufs[2])
			return -1;
		nl = strchr(bufs[2], '\n');
		if (nl)
			*nl = '\0';
		if (nl > bufs[2] && nl[-1] == '\r')
			nl[-1] = '\0';
		colon = strchr(bufs[2], ':');
		if (!colon || colon == bufs[2] || !colon[1]) {
			warnx_("%s: the first line must be USER:PASSWORD", o->basic_auth);
			return -1;
		}
		*colon = '\0';
		cfg->user = bufs[2];
		cfg->password = colon + 1;
	}
	return 0;
}

static int metrics_serve(struct options *o)
{
	struct exporter_config cfg;
	struct serve_ctx c;
	struct loop l;
	char *bufs[3] = { NULL, NULL, NULL };
	int err;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (server_config(o, &cfg, bufs) < 0) {
		for (int i = 0; i < 3; i++)
			free(bufs[i]);
		return 1;
	}
	c.sm = sampler_open(o, SAMPLER_REUSE_AGE);
	if (c.sm)
		c.ex = exporter_start(&cfg, &err);
	for (int i = 0; i < 3; i++)
		free(bufs[i]);
	if (!c.sm)
		return 1;
	if (!c.ex) {
		if (err == -ENOTSUP)
			warnx_("this libmicrohttpd has no TLS: --tls-cert cannot be served");
		else if (o->tls_cert && err != -EADDRINUSE && err != -EACCES && err != -EADDRNOTAVAIL)
			warnx_("cannot serve HTTPS on %s: is %s a PEM certificate and %s its PEM key?",
			       o->listen, o->tls_cert, o->tls_key);
		else
			warnx_("cannot listen on %s: %s", o->listen, strerror(-err));
		sampler_free(c.sm);
		return 1;
	}
	/* Said once, so that a journal (and a caller that asked for port 0)
	 * knows where to scrape. */
	fprintf(stderr, "%s: serving %s://%s/metrics\n", progname, o->tls_cert ? "https" : "http",
		exporter_address(c.ex));
	c.tr = tracker_new(&o->detect);
	buf_init(&c.out);
	loop_signals();
	loop_init(&l, o, 1.0, on_tick, &c);
	loop_run(&l);
	exporter_stop(c.ex);
	buf_free(&c.out);
	tracker_free(c.tr);
	sampler_free(c.sm);
	return 0;
}

int cmd_metrics(struct options *o)
{
	return o->listen ? metrics_serve(o) : metrics_once(o);
}
