/* exporter.h - the HTTP side of `metrics --listen`: serves the last
 * published exposition on /metrics (and a small page on /) from a thread of
 * its own, so that a scrape never waits for a sample and never causes one.
 * The sampling loop publishes; the server only copies what was published. */
#ifndef FDWATCH_EXPORTER_H
#define FDWATCH_EXPORTER_H

#include <stddef.h>

struct exporter;

/* Limits that keep slow, silent and hostile clients from taking the
 * server: connections at once, seconds a connection may sit idle (a
 * client that never sends its request or never reads the answer), and
 * the bytes a request's headers may take. */
#define EXPORTER_MAX_CONNECTIONS 128
#define EXPORTER_IDLE_TIMEOUT 10
#define EXPORTER_REQUEST_MEMORY (32 * 1024)

/* Parses "[ADDR:]PORT" ("9925", "127.0.0.1:9925", "[::1]:9925",
 * "0.0.0.0:9925"); no address means 127.0.0.1. Fills the socket address in
 * sa (at least sizeof(struct sockaddr_in6) bytes) and its length. 0, or -1
 * with *why set (static). */
int exporter_parse_listen(const char *spec, void *sa, unsigned *salen, const char **why);

/* What the server asks of its clients: TLS with a certificate and key
 * (PEM text, both or neither), and basic authentication with one user and
 * password (both or neither). The strings are copied by exporter_start. */
struct exporter_config {
	const char *listen;          /* [ADDR:]PORT (exporter_parse_listen) */
	const char *cert_pem, *key_pem;
	const char *user, *password;
};

/* Starts serving as cfg says. Returns the server (caller stops it with
 * exporter_stop), or NULL with -errno in *err (-ENOTSUP: this
 * libmicrohttpd has no TLS). Until the first exporter_publish, /metrics
 * answers 503. */
struct exporter *exporter_start(const struct exporter_config *cfg, int *err);
/* Where the server listens, "ADDR:PORT" ("[ADDR]:PORT" for IPv6), the
 * port the kernel chose for port 0 (static storage in ex). */
const char *exporter_address(const struct exporter *ex);
/* Replaces what /metrics serves by a copy of the len bytes at text. */
void exporter_publish(struct exporter *ex, const char *text, size_t len);
/* Stops the server, closing every connection, and frees it. */
void exporter_stop(struct exporter *ex);

#endif
