/* record.c - writes sample records as JSON Lines. */
#include "config.h"

#include "record.h"

#include <math.h>
#include <string.h>

#include "escape.h"

void json_num(struct buf *out, double v)
{
	if (!isfinite(v))
		buf_adds(out, "null");
	else if (v == floor(v) && fabs(v) < 1e15)
		buf_addf(out, "%.0f", v);
	else
		buf_addf(out, "%.17g", v);
}

void record_sample_json(struct buf *out, const struct sample *s, const struct proc_sample *p)
{
	buf_adds(out, "{\"time\": ");
	buf_addf(out, "%.3f", s->time);
	buf_addf(out, ", \"pid\": %d, \"start\": %llu, \"comm\": ", p->pid, p->start);
	json_str(out, p->comm);
	buf_adds(out, ", \"user\": ");
	json_str(out, p->user);
	buf_adds(out, ", \"fds\": ");
	if (p->fds >= 0)
		buf_addf(out, "%ld", p->fds);
	else
		buf_adds(out, "null");
	buf_adds(out, ", \"limit\": ");
	if (p->limit >= 0)
		buf_addf(out, "%ld", p->limit);
	else
		buf_adds(out, "null");
	if (p->fd_err) {
		buf_adds(out, ", \"readable\": false, \"error\": ");
		json_str(out, strerror(p->fd_err));
	}
	if (p->classified) {
		buf_adds(out, ", \"types\": {");
		for (int t = 0; t < FD_NTYPES; t++)
			buf_addf(out, "%s\"%s\": %u", t ? ", " : "", fd_type_name(t), p->types[t]);
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
