/* alert.c - alert records and alert lines (alert.h). */
#include "config.h"

#include "alert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "record.h"

void source_text(struct buf *out, const struct source *s)
{
	char *e;

	switch (s->kind) {
	case SRC_TYPE:
		buf_adds(out, fd_type_name(s->type));
		break;
	case SRC_SOCKET:
		e = text_escaped(s->proto ? s->proto : "?");
		buf_addf(out, "%s %s", e, sock_dir_name(s->dir));
		free(e);
		if (s->endpoint || !s->spread) {
			e = text_escaped(s->endpoint ? s->endpoint : "(unnamed)");
			buf_addf(out, " %s", e);
			free(e);
		}
		if (s->state) {
			e = text_escaped(s->state);
			buf_addf(out, " %s", e);
			free(e);
		}
		/* A class of groups: how many it spreads over. */
		if (s->spread)
			buf_addf(out, ", %u %s", s->spread, s->dir == SOCK_OUT ? "remotes" :
				 s->endpoint ? "ports" : "local addresses");
		break;
	case SRC_FILE:
		e = text_escaped(s->path ? s->path : "?");
		buf_addf(out, "files in %s", e);
		free(e);
		if (s->spread)
			buf_addf(out, " (%u directories)", s->spread);
		break;
	case SRC_KIND:
		e = text_escaped(s->name ? s->name : "?");
		buf_addf(out, "%s (%s)", e, fd_type_name(s->type));
		free(e);
		break;
	default:
		break;
	}
}

void source_json(struct buf *out, const struct source *s)
{
	switch (s->kind) {
	case SRC_TYPE:
		buf_addf(out, "{\"type\": \"%s\"}", fd_type_name(s->type));
		break;
	case SRC_SOCKET:
		buf_adds(out, "{\"type\": \"socket\", \"proto\": ");
		json_str(out, s->proto);
		buf_addf(out, ", \"direction\": \"%s\", \"%s\": ", sock_dir_name(s->dir),
			 s->dir == SOCK_OUT ? "remote" : "local");
		json_str(out, s->endpoint);
		buf_adds(out, ", \"state\": ");
		json_str(out, s->state);
		if (s->peers_state != PEERS_NONE) {
			buf_adds(out, ", \"peers\": ");
			record_peers_json(out, s->peers_state, s->peers, s->npeers);
		}
		if (s->spread)
			buf_addf(out, ", \"groups\": %u", s->spread);
		buf_adds(out, "}");
		break;
	case SRC_FILE:
		/* "dir", as sample records name it; "path" is the old name,
		 * kept for one release. */
		buf_adds(out, "{\"type\": \"file\", \"dir\": ");
		json_str(out, s->path);
		buf_adds(out, ", \"path\": ");
		json_str(out, s->path);
		if (s->spread)
			buf_addf(out, ", \"groups\": %u", s->spread);
		buf_adds(out, "}");
		break;
	case SRC_KIND:
		buf_addf(out, "{\"type\": \"%s\", \"kind\": ", fd_type_name(s->type));
		json_str(out, s->name);
		buf_adds(out, "}");
		break;
	default:
		buf_adds(out, "null");
		break;
	}
}

/* What a resource alert counts, after its use of limit. */
static const char *resource_unit(enum resource r)
{
	switch (r) {
	case RES_FILES_MAX:
		return "files open in the system (fs.file-max)";
	case RES_INOTIFY_INSTANCES:
		return "inotify instances (fs.inotify.max_user_instances)";
	case RES_INOTIFY_WATCHES:
		return "inotify watches (fs.inotify.max_user_watches)";
	default:
		return "fds";
	}
}

/* Whose a resource alert is: "system:" or "user NAME (uid N):". */
static void resource_owner(struct buf *out, const struct alert *a)
{
	char *user;

	if (a->resource == RES_FILES_MAX) {
		buf_adds(out, "system: ");
		return;
	}
	user = text_escaped(a->user ? a->user : "?");
	buf_addf(out, "user %s (uid %ld): ", user, a->uid);
	free(user);
}

void peers_text(struct buf *out, const struct source *s)
{
	if (s->kind != SRC_SOCKET || s->peers_state != PEERS_KNOWN || !s->npeers)
		return;
	/* Where the group points to a service, its holder serves it; where
	 * it is the service's side, its holders are the clients keeping the
	 * connections open. */
	buf_adds(out, s->dir == SOCK_IN ? ", held open by " : " (");
	for (size_t i = 0; i < s->npeers; i++) {
		char *c = text_escaped(s->peers[i].comm ? s->peers[i].comm : "?");

		buf_addf(out, "%s%s[%d]", i ? ", " : "", c, s->peers[i].pid);
		free(c);
	}
	if (s->dir != SOCK_IN)
		buf_addc(out, ')');
}

void alerts_add_peers(struct alert *a, size_t n, const struct sample *s)
{
	/* (a replay's samples are in the records' order, not by pid) */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; a[i].src.kind == SRC_SOCKET && a[i].pid > 0 && k < s->nprocs; k++)
			if (s->procs[k].pid == a[i].pid && s->procs[k].start == a[i].start)
				source_add_peers(&a[i].src, &s->procs[k]);
}

void alert_message(struct buf *out, const struct alert *a)
{
	char *comm = text_escaped(a->comm ? a->comm : "?");
	char d[32];

	if (a->resource == RES_NOFILE)
		buf_addf(out, "%s[%d] ", comm, a->pid);
	else
		resource_owner(out, a);
	if (a->fds >= 0)
		buf_addf(out, "%ld", a->fds);
	else
		buf_adds(out, "?");
	if (a->limit >= 0)
		buf_addf(out, "/%ld", a->limit);
	buf_addf(out, " %s", resource_unit(a->resource));
	if ((a->resource != RES_NOFILE || a->by_use) && a->limit > 0 && a->fds >= 0)
		buf_addf(out, " (%.0f%%)", 100.0 * (double)a->fds / (double)a->limit);
	if (a->resource != RES_NOFILE && a->resource != RES_FILES_MAX && a->pid > 0 &&
	    a->level != LEVEL_OK)
		buf_addf(out, ", most held by %s[%d] (%u %s%s)", comm, a->pid, a->held,
			 a->resource == RES_INOTIFY_WATCHES ? "watch" : "instance",
			 a->held == 1 ? "" : a->resource == RES_INOTIFY_WATCHES ? "es" : "s");
	free(comm);
	if (a->level == LEVEL_OK) {
		buf_addf(out, ", %s", a->why);
		return;
	}
	if (a->by_use) {
		/* Saturation: what fails now, and since when. */
		buf_addf(out, ", %s", a->why);
		if (a->use_for >= 1)
			buf_addf(out, " for %s", fmt_duration(d, sizeof(d), a->use_for));
	}
	if (isfinite(a->rate))
		buf_addf(out, ", %+.3g/s", a->rate);
	if (isfinite(a->eta))
		buf_addf(out, ", limit in %s", fmt_duration(d, sizeof(d), a->eta));
	if (a->src.kind != SRC_NONE) {
		buf_adds(out, ", toward ");
		source_text(out, &a->src);
		peers_text(out, &a->src);
	}
	if (a->fast > 0 && a->level != LEVEL_OK)
		buf_addf(out, " (sampled every %.2gs: limit near)", a->fast);
}

void alert_json(struct buf *out, const struct alert *a)
{
	struct buf msg;

	buf_adds(out, "{\"time\": ");
	buf_addf(out, "%.3f", a->time);
	buf_addf(out, ", \"level\": \"%s\", \"resource\": \"%s\"", alert_level_name(a->level),
		 resource_name(a->resource));
	if (a->resource == RES_INOTIFY_INSTANCES || a->resource == RES_INOTIFY_WATCHES) {
		buf_addf(out, ", \"uid\": %ld, \"user\": ", a->uid);
		json_str(out, a->user);
	}
	if (a->pid > 0)
		buf_addf(out, ", \"pid\": %d, \"start\": %llu, \"comm\": ", a->pid, a->start);
	else
		buf_adds(out, ", \"pid\": null, \"start\": null, \"comm\": ");
	json_str(out, a->pid > 0 ? a->comm : NULL);
	buf_adds(out, ", \"unit\": ");
	json_str(out, a->pid > 0 ? a->unit : NULL);
	buf_adds(out, ", \"container\": ");
	json_str(out, a->pid > 0 ? a->container : NULL);
	buf_adds(out, ", \"fds\": ");
	json_num(out, a->fds >= 0 ? (double)a->fds : NAN);
	buf_adds(out, ", \"limit\": ");
	json_num(out, a->limit >= 0 ? (double)a->limit : NAN);
	buf_adds(out, ", \"rate\": ");
	record_num(out, a->rate);
	buf_adds(out, ", \"eta\": ");
	record_num(out, a->eta);
	buf_adds(out, ", \"source\": ");
	source_json(out, &a->src);
	buf_adds(out, ", \"message\": ");
	buf_init(&msg);
	alert_message(&msg, a);
	/* The message is already vis-escaped text; JSON-escape it as well. */
	json_str(out, msg.data ? msg.data : "");
	buf_free(&msg);
	buf_adds(out, "}\n");
}

void alert_text(struct buf *out, const struct alert *a)
{
	/* A replayed record may carry any finite time: convert only what fits. */
	bool fits = fabs(a->time) < 1e15;
	time_t t = fits ? (time_t)floor(a->time) : 0;
	struct tm tm;
	char when[40];

	if (fits && localtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		buf_adds(out, when);
	else
		buf_addf(out, "%.3f", a->time);
	buf_addf(out, " %-8s ", a->level == LEVEL_CRITICAL ? "CRITICAL" :
				 a->level == LEVEL_WARNING ? "WARNING" : "OK");
	alert_message(out, a);
	buf_addc(out, '\n');
}

void alert_write(struct buf *out, const struct alert *a, enum output_format format)
{
	if (format == FORMAT_JSON)
		alert_json(out, a);
	else
		alert_text(out, a);
}
