/* record.c - writes and reads sample records as JSON Lines. */
#include "config.h"

#include "record.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "kinds.h"

void record_proc_json(struct buf *out, double t, const struct proc_sample *p)
{
	buf_adds(out, "{\"time\": ");
	buf_addf(out, "%.3f", t);
	buf_addf(out, ", \"pid\": %d, \"start\": %llu, \"comm\": ", p->pid, p->start);
	json_str(out, p->comm);
	buf_adds(out, ", \"user\": ");
	json_str(out, p->user);
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
		for (size_t i = 0; i < p->nsocks; i++) {
			const struct sock_group *g = &p->socks[i];

			buf_adds(out, i ? ", {\"proto\": " : "{\"proto\": ");
			json_str(out, g->proto);
			buf_addf(out, ", \"direction\": \"%s\", \"%s\": ", sock_dir_name(g->dir),
				 g->dir == SOCK_OUT ? "remote" : "local");
			json_str(out, g->endpoint);
			buf_adds(out, ", \"state\": ");
			json_str(out, g->state);
			buf_addf(out, ", \"count\": %u}", g->count);
		}
		buf_adds(out, "], \"files\": [");
		for (size_t i = 0; i < p->nfiles; i++) {
			buf_adds(out, i ? ", {\"dir\": " : "{\"dir\": ");
			json_str(out, p->files[i].dir);
			buf_addf(out, ", \"count\": %u}", p->files[i].count);
		}
		buf_adds(out, "]");
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
			proc_sample_add_socks(ps, get_str(g, "proto"), (enum sock_dir)d,
					      get_str(g, ep), get_str(g, "state"), count);
		}
	}
	if (json_object_object_get_ex(o, "files", &files)) {
		size_t n;

		if (json_object_get_type(files) != json_type_array)
			return !strict;
		n = json_object_array_length(files);
		for (size_t i = 0; i < n; i++) {
			json_object *g = json_object_array_get_idx(files, i);
			unsigned count;

			if (!g || !get_str(g, "dir") || !get_count(g, &count)) {
				if (strict)
					return false;
				continue;
			}
			ps->files = xreallocarray(ps->files, ps->nfiles + 1, sizeof(*ps->files));
			ps->files[ps->nfiles].dir = xstrdup(get_str(g, "dir"));
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
