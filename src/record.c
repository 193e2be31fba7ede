/* record.c - writes and reads sample records as JSON Lines. */
#include "config.h"

#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "kinds.h"
#include "privs.h"

FILE *record_open_output(const char *path, mode_t mode, bool append)
{
	FILE *f;
	int fd, err;

	if (privs_user_begin() < 0)
		return NULL;
	/* The umask can narrow mode, never widen it (0666 under umask 000). */
	fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	err = errno;
	privs_user_end();
	if (fd < 0) {
		if (err == ELOOP)
			warnx_("cannot write %s: it is a symbolic link (give the file's real path)",
			       path);
		else
			warnx_("cannot write %s: %s", path, strerror(err));
		return NULL;
	}
	f = fdopen(fd, append ? "a" : "w");
	if (!f) {
		warnx_("cannot write %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

void record_num(struct buf *out, double v)
{
	char text[40];

	if (!isfinite(v)) {
		buf_adds(out, "null");
		return;
	}
	if (!islessgreater(v, floor(v)) && fabs(v) < 1e15) {
		buf_addf(out, "%.0f", v);
		return;
	}
	/* The fewest digits that strtod turns back into v: 17 always do. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, v);
		if (!islessgreater(strtod(text, NULL), v))
			break;
	}
	buf_adds(out, text);
}

void record_peers_json(struct buf *out, enum peers_state st, const struct sock_peer *peers,
		       size_t n)
{
	if (st != PEERS_KNOWN) {
		buf_adds(out, "null");
		return;
	}
	buf_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		buf_addf(out, "%s{\"pid\": %d, \"start\": %llu, \"comm\": ", i ? ", " : "",
			 peers[i].pid, peers[i].start);
		json_str(out, peers[i].comm);
		buf_addf(out, ", \"count\": %u}", peers[i].count);
	}
	buf_addc(out, ']');
}

/* Appends a group's idle times and peers, where it has them. */
static void group_detail_json(struct buf *out, const struct sock_group *g)
{
	if (g->idle_state == IDLE_KNOWN) {
		buf_adds(out, ", \"idle\": {\"min\": ");
		record_num(out, round(g->idle_min * 1000) / 1000);
		buf_adds(out, ", \"median\": ");
		record_num(out, round(g->idle_median * 1000) / 1000);
		buf_adds(out, ", \"max\": ");
		record_num(out, round(g->idle_max * 1000) / 1000);
		buf_adds(out, "}");
	} else if (g->idle_state == IDLE_UNKNOWN) {
		buf_adds(out, ", \"idle\": null");
	}
	if (g->peers_state != PEERS_NONE) {
		buf_adds(out, ", \"peers\": ");
		record_peers_json(out, g->peers_state, g->peers, g->npeers);
	}
}

/* The groups past RECORD_MAX_GROUPS of n, summed: ", KEY: {groups, count}". */
static void others_json(struct buf *out, const char *key, size_t n, unsigned long long count)
{
	buf_addf(out, ", \"%s\": {\"groups\": %zu, \"count\": %llu}", key,
		 n - RECORD_MAX_GROUPS, count);
}

void record_proc_json(struct buf *out, double t, const struct proc_sample *p)
{
	buf_adds(out, "{\"time\": ");
	buf_addf(out, "%.3f", t);
	buf_addf(out, ", \"pid\": %d, \"start\": %llu, \"comm\": ", p->pid, p->start);
	json_str(out, p->comm);
	buf_adds(out, ", \"user\": ");
	json_str(out, p->user);
	buf_adds(out, ", \"unit\": ");
	json_str(out, p->unit);
	buf_adds(out, ", \"container\": ");
	json_str(out, p->container);
	buf_adds(out, ", \"fds\": ");
	if (p->fds >= 0)
		buf_addf(out, "%ld", p->fds);
	else
		buf_adds(out, "null");
	/* A count carried from an earlier listing says how old it is. */
	if (p->fds >= 0 && p->fds_carried && isgreater(t - p->fds_time, 0.0))
		buf_addf(out, ", \"fds_age\": %.1f", t - p->fds_time);
	buf_adds(out, ", \"limit\": ");
	if (p->limit >= 0)
		buf_addf(out, "%ld", p->limit);
	else
		buf_adds(out, "null");
	if (p->fd_err) {
		buf_addf(out, ", \"readable\": false, \"errno\": %d, \"error\": ", p->fd_err);
		json_str(out, strerror(p->fd_err));
	}
	if (p->classified) {
		buf_adds(out, ", \"types\": {");
		for (int i = 0; i < FD_NTYPES; i++)
			buf_addf(out, "%s\"%s\": %u", i ? ", " : "", fd_type_name(i), p->types[i]);
		buf_adds(out, "}, \"kinds\": {");
		for (size_t i = 0; i < p->nkinds; i++)
			buf_addf(out, "%s\"%s\": %u", i ? ", " : "", kind_name(p->kinds[i].kind),
				 p->kinds[i].count);
		buf_adds(out, "}, \"sockets\": [");
		for (size_t i = 0; i < p->nsocks && i < RECORD_MAX_GROUPS; i++) {
			const struct sock_group *g = &p->socks[i];

			buf_adds(out, i ? ", {\"proto\": " : "{\"proto\": ");
			json_str(out, g->proto);
			buf_addf(out, ", \"direction\": \"%s\", \"%s\": ", sock_dir_name(g->dir),
				 g->dir == SOCK_OUT ? "remote" : "local");
			json_str(out, g->endpoint);
			buf_adds(out, ", \"state\": ");
			json_str(out, g->state);
			buf_addf(out, ", \"count\": %u", g->count);
			group_detail_json(out, g);
			buf_addc(out, '}');
		}
		buf_adds(out, "]");
		if (p->nsocks > RECORD_MAX_GROUPS) {
			unsigned long long c = 0;

			for (size_t i = RECORD_MAX_GROUPS; i < p->nsocks; i++)
				c += p->socks[i].count;
			others_json(out, "sockets_other", p->nsocks, c);
		}
		buf_adds(out, ", \"files\": [");
		for (size_t i = 0; i < p->nfiles && i < RECORD_MAX_GROUPS; i++) {
			buf_adds(out, i ? ", {\"dir\": " : "{\"dir\": ");
			json_str(out, p->files[i].dir);
			buf_addf(out, ", \"count\": %u}", p->files[i].count);
		}
		buf_adds(out, "]");
		if (p->nfiles > RECORD_MAX_GROUPS) {
			unsigned long long c = 0;

			for (size_t i = RECORD_MAX_GROUPS; i < p->nfiles; i++)
				c += p->files[i].count;
			others_json(out, "files_other", p->nfiles, c);
		}
	}
	buf_adds(out, "}\n");
}

void record_sample_json(struct buf *out, const struct sample *s, const struct proc_sample *p)
{
	record_proc_json(out, s->time, p);
}

/* Appends ", \"key\": v", null when v < 0. */
static void add_count(struct buf *out, const char *key, long v)
{
	if (v >= 0)
		buf_addf(out, ", \"%s\": %ld", key, v);
	else
		buf_addf(out, ", \"%s\": null", key);
}

const char record_is_system[] = "a system record";
const char record_is_header[] = "a trace header";

void record_header_json(struct buf *out, const struct trace_header *h)
{
	buf_adds(out, "{\"fdwatch\": ");
	json_str(out, h->version);
	buf_adds(out, ", \"host\": ");
	json_str(out, h->host);
	buf_adds(out, ", \"boot_id\": ");
	json_str(out, h->boot_id);
	if (h->hz > 0)
		buf_addf(out, ", \"hz\": %ld", h->hz);
	else
		buf_adds(out, ", \"hz\": null");
	buf_adds(out, ", \"interval\": ");
	record_num(out, h->interval);
	buf_adds(out, ", \"start_time\": ");
	record_num(out, isfinite(h->start_time) ? round(h->start_time * 1000) / 1000 : NAN);
	buf_adds(out, "}\n");
}

void trace_header_clear(struct trace_header *h)
{
	free(h->version);
	free(h->host);
	free(h->boot_id);
	memset(h, 0, sizeof(*h));
}


void record_system_json(struct buf *out, const struct sample *s)
{
	const struct sys_sample *y = &s->sys;

	buf_addf(out, "{\"time\": %.3f, \"system\": {\"files\": ", s->time);
	if (y->files >= 0)
		buf_addf(out, "%ld", y->files);
	else
		buf_adds(out, "null");
	add_count(out, "files_max", y->files_max);
	add_count(out, "nr_open", y->nr_open);
	buf_adds(out, ", \"inotify\": [");
	for (size_t i = 0; i < y->ninotify; i++) {
		const struct inotify_use *u = &y->inotify[i];

		buf_addf(out, "%s{\"uid\": %ld, \"user\": ", i ? ", " : "", u->uid);
		json_str(out, u->user);
		buf_addf(out, ", \"instances\": %u", u->instances);
		add_count(out, "max_instances", y->max_instances);
		add_count(out, "watches", u->watches);
		add_count(out, "max_watches", y->max_watches);
		buf_addf(out, ", \"upper_bound\": %s, \"partial\": %s, \"pid\": %d, \"start\": %llu, "
			      "\"comm\": ", u->shared ? "true" : "false", u->partial ? "true" : "false",
			 u->top_pid, u->top_start);
		json_str(out, u->top_comm);
		buf_addf(out, ", \"pid_instances\": %u, \"watches_pid\": %d, \"watches_start\": %llu, "
			      "\"watches_comm\": ", u->top_instances, u->wtop_pid, u->wtop_start);
		json_str(out, u->wtop_comm);
		buf_addf(out, ", \"pid_watches\": %u}", u->wtop_watches);
	}
	buf_adds(out, "]}}\n");
}

/* Field readers. Each returns false when the field is there with the wrong
 * type or out of range; an absent field (or null) sets *present false. */
static bool get_int(json_object *o, const char *key, long long min, long long max,
		    long long *out, bool *present)
{
	json_object *v;
	long long x;

	*present = false;
	if (!json_object_object_get_ex(o, key, &v) || json_object_get_type(v) == json_type_null)
		return true;
	if (json_object_get_type(v) != json_type_int)
		return false;
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < min || x > max)
		return false;
	*out = x;
	*present = true;
	return true;
}

/* A string field, or NULL when absent, null or not a string. */
static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_get_type(v) != json_type_string)
		return NULL;
	return json_object_get_string(v);
}

/* A string field that, when present and not null, must be a string. */
static bool str_ok(json_object *o, const char *key)
{
	json_object *v;

	return !json_object_object_get_ex(o, key, &v) || json_object_get_type(v) == json_type_null ||
	       json_object_get_type(v) == json_type_string;
}

static bool get_count(json_object *o, unsigned *out)
{
	long long c;
	bool have;

	if (!get_int(o, "count", 0, UINT32_MAX, &c, &have) || !have)
		return false;
	*out = (unsigned)c;
	return true;
}

/* A number field: true with *v when it is a finite number. */
static bool get_num(json_object *o, const char *key, double *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x) ||
	    (json_object_get_type(x) != json_type_double && json_object_get_type(x) != json_type_int))
		return false;
	*v = json_object_get_double(x);
	return isfinite(*v);
}

/* Reads a group's "idle" and "peers" (both optional) into g; false when
 * one is there and malformed. */
static bool parse_group_detail(json_object *o, struct sock_group *g)
{
	json_object *v;

	if (json_object_object_get_ex(o, "idle", &v)) {
		if (json_object_get_type(v) == json_type_null) {
			g->idle_state = IDLE_UNKNOWN;
		} else if (json_object_get_type(v) != json_type_object ||
			   !get_num(v, "min", &g->idle_min) || !get_num(v, "median", &g->idle_median) ||
			   !get_num(v, "max", &g->idle_max) || isless(g->idle_min, 0.0) ||
			   isgreater(g->idle_min, g->idle_median) ||
			   isgreater(g->idle_median, g->idle_max)) {
			return false;
		} else {
			g->idle_state = IDLE_KNOWN;
		}
	}
	if (json_object_object_get_ex(o, "peers", &v)) {
		size_t n;

		if (json_object_get_type(v) == json_type_null) {
			g->peers_state = PEERS_UNKNOWN;
			return true;
		}
		if (json_object_get_type(v) != json_type_array)
			return false;
		n = json_object_array_length(v);
		g->peers = n ? xcalloc(n, sizeof(*g->peers)) : NULL;
		for (size_t i = 0; i < n; i++) {
			json_object *pe = json_object_array_get_idx(v, i);
			struct sock_peer *d = &g->peers[g->npeers];
			long long x;
			bool have;

			if (!pe || json_object_get_type(pe) != json_type_object ||
			    !get_int(pe, "pid", 1, INT_MAX, &x, &have) || !have ||
			    !get_count(pe, &d->count) || !str_ok(pe, "comm"))
				return false;
			d->pid = (int)x;
			if (!get_int(pe, "start", 0, LLONG_MAX, &x, &have))
				return false;
			d->start = have ? (unsigned long long)x : 0;
			d->comm = xstrdup_null(get_str(pe, "comm"));
			g->npeers++;
		}
		g->peers_state = n ? PEERS_KNOWN : PEERS_UNKNOWN;
	}
	return true;
}

/* Reads "kinds" (optional: older records have none); false (strict) on a
 * malformed one. A kind this program does not know is added to the
 * registry: a socket's when it is a netlink protocol, else an anon
 * inode's (the kinds named by the kernel). */
static bool parse_kinds(json_object *o, bool strict, struct proc_sample *ps)
{
	json_object *kinds;

	if (!json_object_object_get_ex(o, "kinds", &kinds))
		return true;
	if (json_object_get_type(kinds) != json_type_object)
		return !strict;
	json_object_object_foreach(kinds, name, v) {
		enum fd_type t = strncmp(name, "netlink-", 8) == 0 ? FD_SOCKET : FD_ANON;
		int k = kind_intern(name, t);
		long long c;

		errno = 0;
		c = json_object_get_type(v) == json_type_int ? json_object_get_int64(v) : -1;
		if (k < 0 || errno || c < 0 || c > UINT32_MAX) {
			if (strict)
				return false;
			continue;
		}
		kind_counts_add(&ps->kinds, &ps->nkinds, k, (unsigned)c);
	}
	return true;
}

/* Gives the group just added (or added to) the idle times and peers read
 * with it; a group listed twice keeps the first. */
static void group_take_detail(struct proc_sample *ps, const char *proto, enum sock_dir d,
			      const char *ep, const char *state, struct sock_group *detail)
{
	for (size_t i = 0; i < ps->nsocks; i++) {
		struct sock_group *g = &ps->socks[i];

		if (g->dir != d || strcmp(g->proto, proto) != 0 || !str_eq(g->endpoint, ep) ||
		    !str_eq(g->state, state))
			continue;
		if (g->peers_state == PEERS_NONE && g->idle_state == IDLE_NONE) {
			g->peers_state = detail->peers_state;
			g->peers = detail->peers;
			g->npeers = detail->npeers;
			g->idle_state = detail->idle_state;
			g->idle_min = detail->idle_min;
			g->idle_median = detail->idle_median;
			g->idle_max = detail->idle_max;
			detail->peers = NULL;
			detail->npeers = 0;
		}
		break;
	}
	sock_peers_free(detail->peers, detail->npeers);
}

/* Reads types, kinds, sockets and files; false (strict) on a malformed
 * part. */
static bool parse_groups(json_object *o, bool strict, struct proc_sample *ps)
{
	json_object *types, *socks, *files;

	if (!json_object_object_get_ex(o, "types", &types))
		return true;
	if (json_object_get_type(types) != json_type_object)
		return !strict;
	for (int t = 0; t < FD_NTYPES; t++) {
		long long v;
		bool have;

		if (!get_int(types, fd_type_name(t), 0, UINT32_MAX, &v, &have)) {
			if (strict)
				return false;
		} else if (have) {
			ps->types[t] = (unsigned)v;
		}
	}
	ps->classified = true;
	if (!parse_kinds(o, strict, ps))
		return false;
	if (json_object_object_get_ex(o, "sockets", &socks)) {
		size_t n;

		if (json_object_get_type(socks) != json_type_array)
			return !strict;
		n = json_object_array_length(socks);
		for (size_t i = 0; i < n; i++) {
			json_object *g = json_object_array_get_idx(socks, i);
			const char *dir = g ? get_str(g, "direction") : NULL;
			int d = dir ? sock_dir_parse(dir) : -1;
			const char *ep = d == SOCK_OUT ? "remote" : "local";
			unsigned count;

			/* An entry without a direction (written by another tool)
			 * is grouped by the endpoint it carries: a remote is an
			 * outgoing connection, a local one a listener or a
			 * socket with no peer. */
			if (g && !dir && !strict) {
				const char *st = get_str(g, "state");

				if (get_str(g, "remote")) {
					d = SOCK_OUT;
					ep = "remote";
				} else if (get_str(g, "local")) {
					d = st && strcmp(st, "LISTEN") == 0 ? SOCK_LISTEN : SOCK_NONE;
				}
			}

			if (d < 0 || !get_str(g, "proto") || !str_ok(g, ep) || !str_ok(g, "state") ||
			    !get_count(g, &count)) {
				if (strict)
					return false;
				continue;
			}
			{
				struct sock_group detail;

				memset(&detail, 0, sizeof(detail));
				if (!parse_group_detail(g, &detail)) {
					sock_group_clear(&detail);
					if (strict)
						return false;
					continue;
				}
				proc_sample_add_socks(ps, get_str(g, "proto"), (enum sock_dir)d,
						      get_str(g, ep), get_str(g, "state"), count);
				group_take_detail(ps, get_str(g, "proto"), (enum sock_dir)d,
						  get_str(g, ep), get_str(g, "state"), &detail);
			}
		}
	}
	if (json_object_object_get_ex(o, "files", &files)) {
		size_t n;

		if (json_object_get_type(files) != json_type_array)
			return !strict;
		n = json_object_array_length(files);
		for (size_t i = 0; i < n; i++) {
			json_object *g = json_object_array_get_idx(files, i);
			const char *dir = g ? get_str(g, "dir") : NULL;
			unsigned count;

			/* "path" is what alert sources called it before "dir" */
			if (g && !dir)
				dir = get_str(g, "path");
			if (!dir || !get_count(g, &count)) {
				if (strict)
					return false;
				continue;
			}
			ps->files = xreallocarray(ps->files, ps->nfiles + 1, sizeof(*ps->files));
			ps->files[ps->nfiles].dir = xstrdup(dir);
			ps->files[ps->nfiles].count = count;
			ps->nfiles++;
		}
	}
	return true;
}

/* Fills *t and ps from one parsed record; NULL or why it is unusable. */
static const char *parse_record(json_object *o, bool strict, double *t, struct proc_sample *ps)
{
	json_object *v;
	long long n;
	bool have;

	ps->ppid = -1;
	ps->uid = -1;
	ps->fds = -1;
	ps->limit = -1;
	if (json_object_get_type(o) != json_type_object)
		return "not a JSON object";
	if (get_str(o, "fdwatch") && !json_object_object_get_ex(o, "pid", &v))
		return record_is_header;
	if (!json_object_object_get_ex(o, "time", &v) ||
	    (json_object_get_type(v) != json_type_double && json_object_get_type(v) != json_type_int))
		return "no \"time\" number";
	*t = json_object_get_double(v);
	if (!isfinite(*t))
		return "\"time\" is not finite";
	if (json_object_object_get_ex(o, "system", &v) && !json_object_object_get_ex(o, "pid", &v))
		return record_is_system;
	if (!get_int(o, "pid", 1, INT_MAX, &n, &have) || !have)
		return "no valid \"pid\"";
	ps->pid = (int)n;
	if (!json_object_object_get_ex(o, "fds", &v))
		return "no \"fds\"";
	if (!get_int(o, "fds", 0, LONG_MAX, &n, &have))
		return "\"fds\" is not a count";
	ps->fds = have ? (long)n : -1;
	ps->fds_time = *t;
	if (json_object_object_get_ex(o, "fds_age", &v) && json_object_get_type(v) != json_type_null) {
		double age;

		if (json_object_get_type(v) != json_type_double && json_object_get_type(v) != json_type_int)
			return "\"fds_age\" is not a number";
		age = json_object_get_double(v);
		if (!isfinite(age) || isless(age, 0.0))
			return "\"fds_age\" is not a number of seconds";
		ps->fds_carried = ps->fds >= 0;
		ps->fds_time = *t - age;
	}
	if (!get_int(o, "start", 0, LLONG_MAX, &n, &have) || (strict && !have))
		return "\"start\" is not a count";
	ps->start = have ? (unsigned long long)n : 0;
	if (!get_int(o, "limit", 0, LONG_MAX, &n, &have))
		return "\"limit\" is not a count";
	ps->limit = have ? (long)n : -1;
	if (!get_int(o, "errno", 1, 4095, &n, &have))
		return "\"errno\" is not an error number";
	ps->fd_err = have ? (int)n : 0;
	if (!str_ok(o, "comm") || !str_ok(o, "user"))
		return "\"comm\" or \"user\" is not a string";
	if (get_str(o, "comm"))
		ps->comm = xstrdup(get_str(o, "comm"));
	if (get_str(o, "user"))
		ps->user = xstrdup(get_str(o, "user"));
	if (!str_ok(o, "unit") || !str_ok(o, "container"))
		return "\"unit\" or \"container\" is not a string";
	ps->unit = xstrdup_null(get_str(o, "unit"));
	ps->container = xstrdup_null(get_str(o, "container"));
	if (!parse_groups(o, strict, ps))
		return "malformed \"types\", \"sockets\" or \"files\"";
	return NULL;
}

/* A boolean field: true only when it is there and true. */
static bool get_flag(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_type(v) == json_type_boolean && json_object_get_boolean(v);
}

/* A count field of a system record: true and *v (-1 for null or absent),
 * false when it is there and not a count. */
static bool sys_count(json_object *o, const char *key, long *v)
{
	long long n;
	bool have;

	*v = -1;
	if (!get_int(o, key, 0, LONG_MAX, &n, &have))
		return false;
	if (have)
		*v = (long)n;
	return true;
}

const char *record_parse_system(const char *line, size_t len, double *t, struct sys_sample *y)
{
	json_object *o = len <= INT_MAX ? json_tokener_parse(line) : NULL, *v, *sys, *arr;
	const char *why = NULL;

	(void)len;
	if (!o || !json_object_object_get_ex(o, "system", &sys) ||
	    json_object_get_type(sys) != json_type_object) {
		json_object_put(o);
		return "not a system record";
	}
	if (!json_object_object_get_ex(o, "time", &v) ||
	    (json_object_get_type(v) != json_type_double && json_object_get_type(v) != json_type_int) ||
	    !isfinite(*t = json_object_get_double(v)))
		why = "no \"time\" number";
	else if (!sys_count(sys, "files", &y->files) || !sys_count(sys, "files_max", &y->files_max) ||
		 !sys_count(sys, "nr_open", &y->nr_open))
		why = "malformed \"files\"";
	y->valid = !why;
	if (!why && json_object_object_get_ex(sys, "inotify", &arr) &&
	    json_object_get_type(arr) == json_type_array) {
		size_t n = json_object_array_length(arr);

		for (size_t i = 0; i < n && !why; i++) {
			json_object *u = json_object_array_get_idx(arr, i);
			struct inotify_use *e;
			long uid, inst, watches, pid, start, held, wpid, wstart, wheld;

			if (!u || !sys_count(u, "uid", &uid) || uid < 0 ||
			    !sys_count(u, "instances", &inst) || inst < 0 || inst > UINT32_MAX ||
			    !sys_count(u, "watches", &watches) || !sys_count(u, "pid", &pid) ||
			    pid > INT_MAX || !sys_count(u, "start", &start) ||
			    !sys_count(u, "pid_instances", &held) || held > UINT32_MAX ||
			    !sys_count(u, "watches_pid", &wpid) || wpid > INT_MAX ||
			    !sys_count(u, "watches_start", &wstart) ||
			    !sys_count(u, "pid_watches", &wheld) || wheld > UINT32_MAX ||
			    !sys_count(u, "max_instances", &y->max_instances) ||
			    !sys_count(u, "max_watches", &y->max_watches)) {
				why = "malformed \"inotify\"";
				break;
			}
			y->inotify = xreallocarray(y->inotify, y->ninotify + 1, sizeof(*y->inotify));
			e = &y->inotify[y->ninotify++];
			memset(e, 0, sizeof(*e));
			e->uid = uid;
			e->instances = (unsigned)inst;
			e->watches = watches;
			e->top_pid = pid > 0 ? (int)pid : 0;
			e->top_start = start > 0 ? (unsigned long long)start : 0;
			e->top_instances = held > 0 ? (unsigned)held : 0;
			e->wtop_pid = wpid > 0 ? (int)wpid : 0;
			e->wtop_start = wstart > 0 ? (unsigned long long)wstart : 0;
			e->wtop_watches = wheld > 0 ? (unsigned)wheld : 0;
			e->shared = get_flag(u, "upper_bound");
			e->partial = get_flag(u, "partial");
			e->user = xstrdup_null(get_str(u, "user"));
			e->top_comm = xstrdup_null(get_str(u, "comm"));
			e->wtop_comm = xstrdup_null(get_str(u, "watches_comm"));
		}
	}
	json_object_put(o);
	return why;
}

const char *record_parse_line(const char *line, size_t len, bool strict, double *t,
			      struct proc_sample *ps)
{
	json_tokener *tok;
	json_object *o;
	const char *why;
	size_t end;

	if (len > INT_MAX)
		return "line too long";
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		why = o ? "not one JSON value" : json_tokener_error_desc(json_tokener_get_error(tok));
		json_object_put(o);
		json_tokener_free(tok);
		return why;
	}
	for (end = (size_t)json_tokener_get_parse_end(tok); end < len; end++) {
		if (!strchr(" \t\r\n", line[end])) {
			json_object_put(o);
			json_tokener_free(tok);
			return "trailing bytes after the record";
		}
	}
	json_tokener_free(tok);
	why = parse_record(o, strict, t, ps);
	json_object_put(o);
	return why;
}

const char *record_parse_header(const char *line, size_t len, struct trace_header *h)
{
	json_object *o = len <= INT_MAX ? json_tokener_parse(line) : NULL;
	double v;
	long long n;
	bool have;

	if (!o || json_object_get_type(o) != json_type_object || !get_str(o, "fdwatch")) {
		json_object_put(o);
		return "not a trace header";
	}
	h->version = xstrdup(get_str(o, "fdwatch"));
	h->host = xstrdup_null(get_str(o, "host"));
	h->boot_id = xstrdup_null(get_str(o, "boot_id"));
	h->hz = get_int(o, "hz", 1, 1000000, &n, &have) && have ? (long)n : -1;
	h->interval = get_num(o, "interval", &v) ? v : NAN;
	h->start_time = get_num(o, "start_time", &v) ? v : NAN;
	json_object_put(o);
	return NULL;
}
