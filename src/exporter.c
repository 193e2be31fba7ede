/* exporter.c - the HTTP server of `metrics --listen` (exporter.h), on
 * libmicrohttpd: the HTTP parsing, keep-alive and the connection limits
 * are the library's; this file decides what each path answers. */
#include "config.h"

#include "exporter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The calls below exist from libmicrohttpd 0.9.71 (Debian 11) to 1.0
 * (Debian 13), which deprecates some for forms the older ones lack. */
#define MHD_NO_DEPRECATION 1
#include <microhttpd.h>

#include "privs.h"
#include "util.h"

struct exporter {
	struct MHD_Daemon *d;
	int fd;                  /* the listening socket, ours to close */
	char address[INET6_ADDRSTRLEN + 8];
	pthread_mutex_t lock;    /* guards text and len */
	char *text;              /* the last published exposition; NULL none yet */
	size_t len;
	char *cert, *key;        /* TLS, or NULL */
	char *user, *password;   /* basic authentication, or NULL */
};

static const char page[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>fdwatch exporter</title></head>\n"
	"<body><h1>fdwatch exporter</h1>\n"
	"<p>File descriptors of this host's processes, their growth and the leak detector's "
	"alert levels, in the Prometheus text format: <a href=\"metrics\">/metrics</a>.</p>\n"
	"<p>See <code>man fdwatch</code>, section <em>metrics</em>.</p>\n</body></html>\n";

int exporter_parse_listen(const char *spec, void *sa, unsigned *salen, const char **why)
{
	struct sockaddr_in *v4 = sa;
	struct sockaddr_in6 *v6 = sa;
	const char *colon, *port = spec;
	char addr[INET6_ADDRSTRLEN + 1];
	long p;

	memset(sa, 0, sizeof(*v6));
	v4->sin_family = AF_INET;
	v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*salen = sizeof(*v4);
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof(addr)) {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return -1;
		}
		memcpy(addr, spec + 1, (size_t)(end - spec - 1));
		addr[end - spec - 1] = '\0';
		memset(v6, 0, sizeof(*v6));
		v6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &v6->sin6_addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
		*salen = sizeof(*v6);
		port = end + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if ((size_t)(colon - spec) >= sizeof(addr) || strchr(spec, ':') != colon) {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return -1;
		}
		memcpy(addr, spec, (size_t)(colon - spec));
		addr[colon - spec] = '\0';
		if (inet_pton(AF_INET, addr, &v4->sin_addr) != 1) {
			*why = "not an IPv4 address (give ADDR:PORT, e.g. 127.0.0.1:9925)";
			return -1;
		}
		port = colon + 1;
	}
	if (parse_long(port, 0, 65535, &p) < 0) {
		*why = "not a port number from 0 to 65535";
		return -1;
	}
	if (*salen == sizeof(*v6))
		v6->sin6_port = htons((uint16_t)p);
	else
		v4->sin_port = htons((uint16_t)p);
	return 0;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
			      void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return answer(c, status, "text/plain; charset=utf-8", (void *)(uintptr_t)text, strlen(text),
		      MHD_RESPMEM_PERSISTENT);
}

/* Equal, in a time that does not tell how much of it matched. */
static bool same_secret(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
	return d == 0;
}

/* With basic authentication set, whether the request carries it. */
static bool authorized(const struct exporter *ex, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	bool ok;

	if (!ex->user)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	/* Both compared, whatever the first says, so that the time taken
	 * does not tell a right user from a wrong one. */
	ok = user && pass;
	if (ok) {
		bool u = same_secret(user, ex->user), p = same_secret(pass, ex->password);

		ok = u && p;
	}
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result refuse_auth(struct MHD_Connection *c)
{
	static const char text[] = "authentication required\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(text) - 1,
								  (void *)(uintptr_t)text,
								  MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(c, "fdwatch", r);
	MHD_destroy_response(r);
	return ret;
}

/* Every request: GET or HEAD of / or /metrics. The exposition is copied
 * under the lock, so that a publish during a slow send changes nothing
 * for that client. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_len, void **req)
{
	struct exporter *ex = cls;
	char *copy;
	size_t len;

	if (!authorized(ex, c))
		return refuse_auth(c);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/") == 0)
		return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)(uintptr_t)page,
			      sizeof(page) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	pthread_mutex_lock(&ex->lock);
	len = ex->len;
	copy = ex->text ? malloc(len ? len : 1) : NULL;
	if (copy)
		memcpy(copy, ex->text, len);
	pthread_mutex_unlock(&ex->lock);
	if (!copy)
		return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "no sample yet: the first one is being taken\n");
	return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", copy, len,
		      MHD_RESPMEM_MUST_FREE);
}

/* A listening socket on spec, so that a failure says exactly why. */
static int listen_on(const char *spec, int *fd)
{
	struct sockaddr_in6 sa;
	unsigned salen;
	const char *why;
	int one = 1, s;

	if (exporter_parse_listen(spec, &sa, &salen, &why) < 0)
		return -EINVAL;
	s = socket(((struct sockaddr *)&sa)->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.sin6_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, salen) < 0 || listen(s, 64) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

static void exporter_free(struct exporter *ex)
{
	free(ex->text);
	free(ex->cert);
	free(ex->key);
	free(ex->user);
	free(ex->password);
	free(ex);
}

struct exporter *exporter_start(const struct exporter_config *cfg, int *err)
{
	struct exporter *ex = xcalloc(1, sizeof(*ex));
	struct sockaddr_in6 sa;
	socklen_t salen = sizeof(sa);
	sigset_t all, old;
	int e;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;

	if (cfg->cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			free(ex);
			*err = -ENOTSUP;
			return NULL;
		}
		flags |= MHD_USE_TLS;
		ex->cert = xstrdup(cfg->cert_pem);
		ex->key = xstrdup(cfg->key_pem);
	}
	if (cfg->user) {
		ex->user = xstrdup(cfg->user);
		ex->password = xstrdup(cfg->password);
	}
	*err = listen_on(cfg->listen, &ex->fd);
	if (*err < 0) {
		exporter_free(ex);
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	if (getsockname(ex->fd, (struct sockaddr *)&sa, &salen) == 0) {
		char a[INET6_ADDRSTRLEN];

		if (sa.sin6_family == AF_INET6) {
			inet_ntop(AF_INET6, &sa.sin6_addr, a, sizeof(a));
			snprintf(ex->address, sizeof(ex->address), "[%s]:%u", a, ntohs(sa.sin6_port));
		} else {
			struct sockaddr_in *v4 = (struct sockaddr_in *)&sa;

			inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
			snprintf(ex->address, sizeof(ex->address), "%s:%u", a, ntohs(v4->sin_port));
		}
	}
	pthread_mutex_init(&ex->lock, NULL);
	/* The server's thread takes no signal: they are the sampling loop's
	 * (SIGTERM must wake its sleep, not the server's poll). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Nor any capability in effect: the thread that parses what the
	 * network sends starts with the caller's own rights (a thread
	 * inherits its creator's sets; only this one is lowered back). */
	if (privs_user_begin() < 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		*err = -EPERM;
		close(ex->fd);
		pthread_mutex_destroy(&ex->lock);
		exporter_free(ex);
		return NULL;
	}
	errno = 0;
	/* Without TLS the option list ends before the key and certificate. */
	ex->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, ex,
				 MHD_OPTION_LISTEN_SOCKET, (MHD_socket)ex->fd,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)EXPORTER_MAX_CONNECTIONS,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)EXPORTER_IDLE_TIMEOUT,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)EXPORTER_REQUEST_MEMORY,
				 ex->cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, ex->key,
				 MHD_OPTION_HTTPS_MEM_CERT, ex->cert,
				 MHD_OPTION_END);
	e = errno;
	privs_user_end();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ex->d) {
		*err = e ? -e : -EIO;
		close(ex->fd);
		pthread_mutex_destroy(&ex->lock);
		exporter_free(ex);
		return NULL;
	}
	return ex;
}

const char *exporter_address(const struct exporter *ex)
{
	return ex->address;
}

void exporter_publish(struct exporter *ex, const char *text, size_t len)
{
	char *copy = xmemdup(text, len ? len : 1), *old;

	pthread_mutex_lock(&ex->lock);
	old = ex->text;
	ex->text = copy;
	ex->len = len;
	pthread_mutex_unlock(&ex->lock);
	free(old);
}

void exporter_stop(struct exporter *ex)
{
	if (!ex)
		return;
	/* The library closes the listening socket it was given. */
	MHD_stop_daemon(ex->d);
	pthread_mutex_destroy(&ex->lock);
	exporter_free(ex);
}
