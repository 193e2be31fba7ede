/* identity.c - a process's unit and container from its cgroup path
 * (identity.h). The container patterns are the runtimes' own cgroup
 * names: a bare hex component anywhere else is not taken for one. */
#include "config.h"

#include "identity.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CONTAINER_ID_LEN 64

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n > 0;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The path of the cgroup line to read: the unified hierarchy's, else the
 * name=systemd one, else any other, the root ("/") counting as none.
 * Points into text; its length in *len. */
static const char *best_path(const char *text, size_t *len)
{
	const char *best = NULL;
	int best_rank = 0;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n'), *end = nl ? nl : l + strlen(l);
		const char *c1 = memchr(l, ':', (size_t)(end - l));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		int rank = 1;

		if (c2 && end - c2 > 2) { /* a path other than "/" */
			if (c1 - l == 1 && l[0] == '0' && c2 == c1 + 1)
				rank = 3;
			else if (c2 - c1 - 1 == 12 && memcmp(c1 + 1, "name=systemd", 12) == 0)
				rank = 2;
			if (rank > best_rank) {
				best = c2 + 1;
				*len = (size_t)(end - best);
				best_rank = rank;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return best;
}

/* A runtime's container scope or directory named PREFIX-<id>[.scope]:
 * the id, or NULL. */
static const char *runtime_id(const char *c, size_t n)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };

	if (ends_with(c, n, ".scope"))
		n -= 6;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t k = strlen(prefixes[i]);

		if (n == k + CONTAINER_ID_LEN && memcmp(c, prefixes[i], k) == 0 &&
		    is_hex(c + k, CONTAINER_ID_LEN))
			return c + k;
	}
	return NULL;
}

/* A Kubernetes pod's cgroup ("pod<uid>", or systemd's
 * "kubepods-<qos>-pod<uid_with_underscores>.slice"): its uid, caller
 * frees, or NULL. */
static char *pod_uid(const char *c, size_t n)
{
	const char *p = NULL;
	char *uid;

	if (n > 3 && memcmp(c, "pod", 3) == 0) {
		p = c + 3;
	} else if (n > 9 && memcmp(c, "kubepods-", 9) == 0 && ends_with(c, n, ".slice")) {
		for (size_t i = 9; i + 3 < n; i++)
			if (memcmp(c + i, "pod", 3) == 0 && c[i - 1] == '-')
				p = c + i + 3;
		n -= 6;
	}
	if (!p || c + n - p < 8)
		return NULL;
	for (const char *q = p; q < c + n; q++)
		if (!is_hex(q, 1) && *q != '-' && *q != '_')
			return NULL;
	uid = xstrndup(p, (size_t)(c + n - p));
	for (char *q = uid; *q; q++)
		if (*q == '_')
			*q = '-';
	return uid;
}

static bool is_unit(const char *c, size_t n)
{
	static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (ends_with(c, n, suffixes[i]) && n > strlen(suffixes[i]))
			return true;
	return false;
}

void identity_parse(const char *text, char **unit, char **container)
{
	size_t len = 0;
	const char *path = text ? best_path(text, &len) : NULL, *end;
	bool kube = false, after_docker = false, after_pod = false;
	char *pod = NULL;

	*unit = *container = NULL;
	if (!path)
		return;
	end = path + len;
	for (const char *next = path; next < end;) {
		const char *c = next, *slash = memchr(c, '/', (size_t)(end - c));
		size_t n = (size_t)((slash ? slash : end) - c);
		const char *id;
		char *uid = NULL;

		next = slash ? slash + 1 : end;
		if (!n)
			continue;
		if (n >= 8 && memcmp(c, "kubepods", 8) == 0)
			kube = true;
		/* A container's own scope is no unit: one per container start,
		 * it would make the per-unit series churn. */
		if (!*unit && is_unit(c, n) && !kube && !runtime_id(c, n))
			*unit = xstrndup(c, n);
		id = runtime_id(c, n);
		/* The cgroupfs drivers name a container by its bare id, but
		 * only right under /docker or a pod's cgroup. */
		if (!id && (after_docker || after_pod) && n == CONTAINER_ID_LEN && is_hex(c, n))
			id = c;
		if (id) {
			free(*container);
			*container = xstrndup(id, CONTAINER_ID_LEN);
		} else if (kube && (uid = pod_uid(c, n))) {
			free(pod);
			pod = uid;
		}
		after_docker = n == 6 && memcmp(c, "docker", 6) == 0;
		after_pod = uid != NULL;
	}
	if (!*container && pod)
		*container = pod;
	else
		free(pod);
}
