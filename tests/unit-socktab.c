/* unit-socktab.c - the netlink sock_diag reply parser on hand-built
 * messages, and the socket map and grouping rules on rows as either path
 * (netlink or /proc/net) produces them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "kinds.h"
#include "socktab-diag.h"
#include "socktab.h"
#include "util.h"

/* A reply buffer under construction. */
struct reply {
	unsigned char data[8192] __attribute__((aligned(8)));
	size_t len;
};

static struct nlmsghdr *put_msg(struct reply *r, unsigned seq, uint16_t type, size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(r->data + r->len);

	assert_true(r->len + NLMSG_SPACE(payload) <= sizeof(r->data));
	memset(h, 0, NLMSG_SPACE(payload));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	h->nlmsg_type = type;
	h->nlmsg_seq = seq;
	h->nlmsg_flags = NLM_F_MULTI;
	r->len += NLMSG_SPACE(payload);
	return h;
}

static void put_inet(struct reply *r, unsigned seq, int family, uint8_t state, uint32_t inode,
		     const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct nlmsghdr *h = put_msg(r, seq, TCPDIAG_GETSOCK, sizeof(struct inet_diag_msg));
	struct inet_diag_msg *m = NLMSG_DATA(h);

	m->idiag_family = (uint8_t)family;
	m->idiag_state = state;
	m->idiag_inode = inode;
	m->id.idiag_sport = htons(sport);
	m->id.idiag_dport = htons(dport);
	assert_int_equal(inet_pton(family, src, m->id.idiag_src), 1);
	assert_int_equal(inet_pton(family, dst, m->id.idiag_dst), 1);
}

/* A unix row with an optional name (raw bytes, namelen of them) and peer. */
static void put_unix(struct reply *r, unsigned seq, uint8_t state, uint32_t inode,
		     const char *name, size_t namelen, uint32_t peer)
{
	size_t payload = sizeof(struct unix_diag_msg);
	struct nlmsghdr *h;
	struct unix_diag_msg *m;
	struct rtattr *a;

	if (name)
		payload += RTA_SPACE(namelen);
	if (peer)
		payload += RTA_SPACE(sizeof(uint32_t));
	h = put_msg(r, seq, SOCK_DIAG_BY_FAMILY, payload);
	m = NLMSG_DATA(h);
	m->udiag_family = AF_UNIX;
	m->udiag_type = SOCK_STREAM;
	m->udiag_state = state;
	m->udiag_ino = inode;
	a = (struct rtattr *)(m + 1);
	if (name) {
		a->rta_type = UNIX_DIAG_NAME;
		a->rta_len = (unsigned short)RTA_LENGTH(namelen);
		memcpy(RTA_DATA(a), name, namelen);
		a = (struct rtattr *)((char *)a + RTA_SPACE(namelen));
	}
	if (peer) {
		a->rta_type = UNIX_DIAG_PEER;
		a->rta_len = (unsigned short)RTA_LENGTH(sizeof(uint32_t));
		memcpy(RTA_DATA(a), &peer, sizeof(peer));
	}
}

static void put_done(struct reply *r, unsigned seq)
{
	put_msg(r, seq, NLMSG_DONE, sizeof(int));
}

static void put_error(struct reply *r, unsigned seq, int err)
{
	struct nlmsghdr *h = put_msg(r, seq, NLMSG_ERROR, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = NLMSG_DATA(h);

	e->error = err;
}

static void free_rows(struct sock_entry *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].path);
	free(rows);
}

static void test_parse_tcp_both_families(void **state)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	put_inet(&r, 7, AF_INET, 1, 4242, "127.0.0.1", 40000, "127.0.0.1", 5555);
	put_inet(&r, 7, AF_INET6, 10, 4343, "::1", 443, "::", 0);
	put_inet(&r, 7, AF_INET, 8, 4444, "10.1.2.3", 51000, "93.184.216.34", 443);
	/* no NLMSG_DONE yet: more to come */
	assert_int_equal(sockdiag_parse(r.data, r.len, 7, SOCKDIAG_TCP, &rows, &n, &cap), 0);
	assert_int_equal(n, 3);
	r.len = 0;
	put_done(&r, 7);
	assert_int_equal(sockdiag_parse(r.data, r.len, 7, SOCKDIAG_TCP, &rows, &n, &cap), 1);
	assert_int_equal(n, 3);

	assert_int_equal(rows[0].proto, P_TCP);
	assert_int_equal(rows[0].state, 1);
	assert_int_equal(rows[0].inode, 4242);
	assert_int_equal(rows[0].lport, 40000);
	assert_int_equal(rows[0].rport, 5555);
	assert_memory_equal(rows[0].laddr, lo4, 4);
	assert_memory_equal(rows[0].raddr, lo4, 4);
	assert_null(rows[0].path);

	assert_int_equal(rows[1].proto, P_TCP6);
	assert_int_equal(rows[1].state, 10);
	assert_int_equal(rows[1].lport, 443);
	assert_int_equal(rows[1].rport, 0);
	assert_memory_equal(rows[1].laddr, lo6, 16);

	assert_int_equal(rows[2].state, 8);
	assert_int_equal(rows[2].raddr[0], 93);
	assert_int_equal(rows[2].raddr[3], 34);
	free_rows(rows, n);
}

/* A TCP row with a tcp_info attribute, as a dump that asked for it gives. */
static void put_inet_info(struct reply *r, unsigned seq, uint8_t state, uint32_t inode,
			  uint32_t sent_ms, uint32_t recv_ms)
{
	size_t payload = sizeof(struct inet_diag_msg) + RTA_SPACE(sizeof(struct tcp_info));
	struct nlmsghdr *h = put_msg(r, seq, TCPDIAG_GETSOCK, payload);
	struct inet_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)(m + 1);
	struct tcp_info ti;

	m->idiag_family = AF_INET;
	m->idiag_state = state;
	m->idiag_inode = inode;
	m->id.idiag_sport = htons(40000);
	m->id.idiag_dport = htons(80);
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_last_data_sent = sent_ms;
	ti.tcpi_last_data_recv = recv_ms;
	a->rta_type = INET_DIAG_INFO;
	a->rta_len = (unsigned short)RTA_LENGTH(sizeof(ti));
	memcpy(RTA_DATA(a), &ti, sizeof(ti));
}

/* tcp_info gives the idle time: since data last went either way; a row
 * without it has none (unknown, not 0). */
static void test_parse_tcp_info(void **state)
{
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	put_inet_info(&r, 5, 1, 10, 95000, 62500);
	put_inet_info(&r, 5, 8, 11, 1200, 30000);
	put_inet(&r, 5, AF_INET, 1, 12, "127.0.0.1", 40001, "127.0.0.1", 80);
	put_done(&r, 5);
	assert_int_equal(sockdiag_parse(r.data, r.len, 5, SOCKDIAG_TCP, &rows, &n, &cap), 1);
	assert_int_equal(n, 3);
	assert_true(rows[0].has_idle);
	assert_int_equal(rows[0].idle_ms, 62500);
	assert_true(rows[1].has_idle);
	assert_int_equal(rows[1].idle_ms, 1200);
	assert_false(rows[2].has_idle);
	free_rows(rows, n);
}

static void test_parse_udp_table(void **state)
{
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	put_inet(&r, 3, AF_INET, 7, 11, "0.0.0.0", 53, "0.0.0.0", 0);
	put_inet(&r, 3, AF_INET6, 1, 12, "::1", 40001, "::1", 9);
	put_done(&r, 3);
	assert_int_equal(sockdiag_parse(r.data, r.len, 3, SOCKDIAG_UDP, &rows, &n, &cap), 1);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].proto, P_UDP);
	assert_int_equal(rows[1].proto, P_UDP6);
	assert_int_equal(rows[1].rport, 9);
	free_rows(rows, n);
}

static void test_parse_unix(void **state)
{
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	/* a path comes with its NUL; an abstract name starts with one */
	put_unix(&r, 9, 10, 100, "/run/app.sock", 14, 0);
	put_unix(&r, 9, 1, 101, "/run/app.sock", 14, 102);
	put_unix(&r, 9, 1, 102, NULL, 0, 101);
	put_unix(&r, 9, 7, 103, "\0ab\0c", 5, 0);
	put_unix(&r, 9, 2, 104, NULL, 0, 0);
	put_done(&r, 9);
	assert_int_equal(sockdiag_parse(r.data, r.len, 9, SOCKDIAG_UNIX, &rows, &n, &cap), 1);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rows[i].proto, P_UNIX);

	assert_true(rows[0].listening);
	assert_int_equal(rows[0].state, 1);
	assert_string_equal(rows[0].path, "/run/app.sock");
	assert_int_equal(rows[0].peer, 0);

	assert_false(rows[1].listening);
	assert_int_equal(rows[1].state, 3);
	assert_string_equal(rows[1].path, "/run/app.sock");
	assert_int_equal(rows[1].peer, 102);

	assert_null(rows[2].path);
	assert_int_equal(rows[2].state, 3);
	assert_int_equal(rows[2].peer, 101);

	/* as /proc/net/unix spells it: '@', each NUL as '@' */
	assert_string_equal(rows[3].path, "@ab@c");
	assert_int_equal(rows[3].state, 1);

	assert_int_equal(rows[4].state, 2);
	free_rows(rows, n);
}

static void test_parse_errors(void **state)
{
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;
	struct nlmsghdr *h;

	(void)state;
	put_error(&r, 5, -EACCES);
	assert_int_equal(sockdiag_parse(r.data, r.len, 5, SOCKDIAG_TCP, &rows, &n, &cap), -EACCES);
	assert_int_equal(n, 0);

	/* replies to another request are not ours */
	r.len = 0;
	put_inet(&r, 4, AF_INET, 1, 1, "127.0.0.1", 1, "127.0.0.1", 2);
	put_done(&r, 4);
	put_inet(&r, 5, AF_INET, 1, 2, "127.0.0.1", 1, "127.0.0.1", 2);
	assert_int_equal(sockdiag_parse(r.data, r.len, 5, SOCKDIAG_TCP, &rows, &n, &cap), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].inode, 2);

	/* a message cut short */
	r.len = 0;
	n = 0;
	put_inet(&r, 5, AF_INET, 1, 3, "127.0.0.1", 1, "127.0.0.1", 2);
	assert_int_equal(sockdiag_parse(r.data, r.len - 8, 5, SOCKDIAG_TCP, &rows, &n, &cap), -EBADMSG);

	/* a payload too short for its type */
	r.len = 0;
	h = put_msg(&r, 5, TCPDIAG_GETSOCK, 8);
	(void)h;
	assert_int_equal(sockdiag_parse(r.data, r.len, 5, SOCKDIAG_TCP, &rows, &n, &cap), -EINVAL);
	assert_int_equal(n, 0);
	free_rows(rows, n);
}

static struct sock_entry inet_row(enum sock_proto proto, uint8_t state, unsigned long inode,
				  const char *l, uint16_t lport, const char *rem, uint16_t rport)
{
	struct sock_entry e;
	int family = proto == P_TCP6 || proto == P_UDP6 ? AF_INET6 : AF_INET;

	memset(&e, 0, sizeof(e));
	e.proto = (uint8_t)proto;
	e.state = state;
	e.inode = inode;
	e.lport = lport;
	e.rport = rport;
	assert_int_equal(inet_pton(family, l, e.laddr), 1);
	assert_int_equal(inet_pton(family, rem, e.raddr), 1);
	return e;
}

static void assert_key(const struct socktab *t, unsigned long inode, const char *proto,
		       enum sock_dir dir, const char *endpoint, const char *state)
{
	const struct sock_key *k = socktab_key(t, inode);

	assert_non_null(k);
	assert_string_equal(k->proto, proto);
	assert_int_equal(k->dir, dir);
	if (endpoint)
		assert_string_equal(k->endpoint, endpoint);
	else
		assert_null(k->endpoint);
	if (state)
		assert_string_equal(k->state, state);
	else
		assert_null(k->state);
}

static void test_inet_directions(void **state)
{
	struct socktab *t = socktab_new();
	struct sock_entry rows[] = {
		inet_row(P_TCP, 10, 1, "127.0.0.1", 80, "0.0.0.0", 0),
		inet_row(P_TCP, 1, 2, "127.0.0.1", 80, "127.0.0.1", 50000),
		inet_row(P_TCP, 1, 3, "127.0.0.1", 50000, "127.0.0.1", 80),
		inet_row(P_TCP, 8, 4, "127.0.0.1", 50001, "127.0.0.1", 80),
		inet_row(P_TCP6, 10, 5, "::", 443, "::", 0),
		inet_row(P_TCP6, 8, 6, "::1", 443, "::1", 40000),
		inet_row(P_UDP, 7, 7, "0.0.0.0", 53, "0.0.0.0", 0),
		inet_row(P_UDP6, 1, 8, "::1", 40001, "::1", 9),
		inet_row(P_TCP, 6, 0, "127.0.0.1", 50002, "127.0.0.1", 80),
	};

	(void)state;
	socktab_add_netns(t, rows, sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(socktab_size(t), 8); /* the TIME_WAIT row (inode 0) is not kept */
	assert_key(t, 1, "tcp", SOCK_LISTEN, "127.0.0.1:80", "LISTEN");
	assert_key(t, 2, "tcp", SOCK_IN, "127.0.0.1:80", "ESTABLISHED");
	assert_key(t, 3, "tcp", SOCK_OUT, "127.0.0.1:80", "ESTABLISHED");
	assert_key(t, 4, "tcp", SOCK_OUT, "127.0.0.1:80", "CLOSE_WAIT");
	assert_key(t, 5, "tcp6", SOCK_LISTEN, "[::]:443", "LISTEN");
	assert_key(t, 6, "tcp6", SOCK_IN, "[::1]:443", "CLOSE_WAIT");
	assert_key(t, 7, "udp", SOCK_NONE, "0.0.0.0:53", "UNCONN");
	assert_key(t, 8, "udp6", SOCK_OUT, "[::1]:9", "ESTABLISHED");
	assert_ptr_equal(socktab_key(t, 2), socktab_key(t, 2));
	assert_null(socktab_key(t, 9));
	assert_null(socktab_key(t, 0));
	socktab_free(t);
}

/* The other end of a connection is the row with the four-tuple reversed,
 * an IPv4 socket and an IPv6 one connected through an IPv4-mapped address
 * alike; an IPv4-mapped endpoint is shown as the IPv4 address it is. */
static void test_tcp_peer(void **state)
{
	struct socktab *t = socktab_new();
	struct sock_entry rows[] = {
		inet_row(P_TCP, 10, 1, "0.0.0.0", 8080, "0.0.0.0", 0),
		inet_row(P_TCP, 1, 2, "127.0.0.1", 8080, "127.0.0.1", 50000),
		inet_row(P_TCP6, 1, 3, "::ffff:127.0.0.1", 50000, "::ffff:127.0.0.1", 8080),
		inet_row(P_TCP, 1, 4, "127.0.0.1", 50001, "127.0.0.1", 8080),
		inet_row(P_TCP, 1, 5, "127.0.0.1", 8080, "127.0.0.1", 50001),
		inet_row(P_TCP, 1, 6, "10.0.0.5", 50002, "93.184.216.34", 443),
	};

	(void)state;
	socktab_add_netns(t, rows, sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 2)), 3);
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 3)), 2);
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 4)), 5);
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 5)), 4);
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 6)), 0); /* not local */
	assert_int_equal(socktab_tcp_peer(t, socktab_entry(t, 1)), 0); /* a listener */
	assert_key(t, 3, "tcp6", SOCK_OUT, "127.0.0.1:8080", "ESTABLISHED");
	socktab_free(t);
}

static void test_unix_peer(void **state)
{
	struct socktab *t = socktab_new();
	struct sock_entry rows[4];

	(void)state;
	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 4; i++) {
		rows[i].proto = P_UNIX;
		rows[i].inode = 100 + (unsigned long)i;
	}
	rows[0].listening = true;
	rows[0].state = 1;
	rows[0].path = strdup("/run/app.sock");
	rows[1].state = 3; /* accepted: carries the listener's name */
	rows[1].path = strdup("/run/app.sock");
	rows[1].peer = 102;
	rows[2].state = 3; /* the client: named by its peer (netlink only) */
	rows[2].peer = 101;
	rows[3].state = 3; /* a socketpair end: no name on either side */
	rows[3].peer = 999;
	socktab_add_netns(t, rows, 4);
	assert_key(t, 100, "unix", SOCK_LISTEN, "/run/app.sock", "LISTEN");
	assert_key(t, 101, "unix", SOCK_IN, "/run/app.sock", "ESTABLISHED");
	assert_key(t, 102, "unix", SOCK_OUT, "/run/app.sock", "ESTABLISHED");
	assert_key(t, 103, "unix", SOCK_NONE, NULL, "ESTABLISHED");
	socktab_free(t);
}

/* A TCP connection whose listener has closed is still the service side
 * when its local port is a service port and its remote one a client's;
 * two client-range ports read as out. */
static void test_orphan_accept(void **state)
{
	struct socktab *t = socktab_new();
	struct sock_entry rows[] = {
		inet_row(P_TCP, 1, 1, "127.0.0.1", 5432, "127.0.0.1", 45000),
		inet_row(P_TCP, 1, 2, "127.0.0.1", 45000, "127.0.0.1", 5432),
		inet_row(P_TCP, 8, 3, "10.0.0.1", 443, "10.0.0.9", 51000),
		inet_row(P_TCP, 1, 4, "127.0.0.1", 40000, "127.0.0.1", 50000),
	};

	(void)state;
	socktab_add_netns(t, rows, sizeof(rows) / sizeof(rows[0]));
	assert_key(t, 1, "tcp", SOCK_IN, "127.0.0.1:5432", "ESTABLISHED");
	assert_key(t, 2, "tcp", SOCK_OUT, "127.0.0.1:5432", "ESTABLISHED");
	assert_key(t, 3, "tcp", SOCK_IN, "10.0.0.1:443", "CLOSE_WAIT");
	assert_key(t, 4, "tcp", SOCK_OUT, "127.0.0.1:50000", "ESTABLISHED");
	socktab_free(t);
	/* A machine whose clients may take any port from 1024: no telling. */
	t = socktab_new();
	socktab_set_client_ports(t, 1024, 65535);
	socktab_add_netns(t, rows, 1);
	assert_key(t, 1, "tcp", SOCK_OUT, "127.0.0.1:45000", "ESTABLISHED");
	socktab_free(t);
}

/* A unix client that bound a path of its own before it connected points
 * out to the server's path; without peers (the /proc tables) it is grouped
 * by its own path, never taken for the accepted side. */
static void test_unix_bound_client(void **state)
{
	for (int peers = 1; peers >= 0; peers--) {
		struct socktab *t = socktab_new();
		struct sock_entry rows[3];

		(void)state;
		memset(rows, 0, sizeof(rows));
		for (int i = 0; i < 3; i++) {
			rows[i].proto = P_UNIX;
			rows[i].inode = 200 + (unsigned long)i;
		}
		rows[0].listening = true;
		rows[0].state = 1;
		rows[0].path = strdup("/run/s.sock");
		rows[1].state = 3; /* accepted */
		rows[1].path = strdup("/run/s.sock");
		rows[1].peer = peers ? 202 : 0;
		rows[2].state = 3; /* the client, bound to /run/c.sock */
		rows[2].path = strdup("/run/c.sock");
		rows[2].peer = peers ? 201 : 0;
		socktab_add_netns(t, rows, 3);
		assert_key(t, 201, "unix", SOCK_IN, "/run/s.sock", "ESTABLISHED");
		if (peers)
			assert_key(t, 202, "unix", SOCK_OUT, "/run/s.sock", "ESTABLISHED");
		else
			assert_key(t, 202, "unix", SOCK_NONE, "/run/c.sock", "ESTABLISHED");
		socktab_free(t);
	}
}

/* The protocols read from /proc/net files only: UDP-Lite and raw rows as
 * UDP's, netlink by protocol name, packet by interface. */
static void test_other_protocols(void **state)
{
	char udplite[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
			 "  1: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 301 2 0000000000000000 0\n";
	char raw[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		     "  1: 00000000:00FD 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 302 2 0000000000000000 0\n";
	char netlink[] = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
			 "0000000000000000 0   1234       00000000 0        0        0     2        0        303\n"
			 "0000000000000000 4   1235       00000000 0        0        0     2        0        304\n"
			 "0000000000000000 30  1236       00000000 0        0        0     2        0        305\n"
			 "not a line\n";
	char packet[] = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
			"0000000000000000 3      3    0003   0     1 0      0      306\n"
			"0000000000000000 3      3    0003   7     1 0      0      307\n";
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, skipped = 0;
	struct socktab *t = socktab_new();

	(void)state;
	socktab_parse_procnet(udplite, P_UDPLITE, &rows, &n, &cap, &skipped);
	socktab_parse_procnet(raw, P_RAW, &rows, &n, &cap, &skipped);
	socktab_parse_procnet(netlink, P_NETLINK, &rows, &n, &cap, &skipped);
	socktab_parse_procnet(packet, P_PACKET, &rows, &n, &cap, &skipped);
	assert_int_equal(n, 7);
	assert_int_equal(skipped, 1);
	socktab_add_netns(t, rows, n);
	free(rows);
	assert_key(t, 301, "udplite", SOCK_NONE, "127.0.0.1:8080", "UNCONN");
	assert_key(t, 302, "raw", SOCK_NONE, "0.0.0.0:253", "UNCONN");
	assert_key(t, 303, "netlink", SOCK_NONE, "route", NULL);
	assert_key(t, 304, "netlink", SOCK_NONE, "sock_diag", NULL);
	assert_key(t, 305, "netlink", SOCK_NONE, "protocol 30", NULL);
	assert_key(t, 306, "packet", SOCK_NONE, "any", NULL);
	assert_key(t, 307, "packet", SOCK_NONE, "ifindex 7", NULL); /* not our namespace */
	assert_string_equal(kind_name(socktab_key(t, 303)->kind), "netlink-route");
	assert_string_equal(kind_name(socktab_key(t, 304)->kind), "netlink-sock_diag");
	assert_int_equal(socktab_key(t, 305)->kind, KIND_NETLINK);
	assert_int_equal(socktab_key(t, 301)->kind, KIND_UDPLITE);
	socktab_free(t);
}

/* Sockets in no table: known to be absent, keyed by their kind alone. */
static void test_absent(void **state)
{
	struct socktab *t = socktab_new();

	(void)state;
	socktab_note_absent(t, 401, KIND_TCP, true);
	socktab_note_absent(t, 402, KIND_TCP, true);
	socktab_note_absent(t, 403, KIND_VSOCK, false);
	socktab_note_absent(t, 401, KIND_UDP, false); /* already known: kept */
	assert_true(socktab_knows(t, 401));
	assert_key(t, 401, "tcp", SOCK_NONE, NULL, "CLOSE");
	assert_ptr_equal(socktab_key(t, 401), socktab_key(t, 402));
	assert_key(t, 403, "vsock", SOCK_NONE, NULL, NULL);
	assert_null(socktab_entry(t, 401));
	assert_int_equal(socktab_size(t), 0);
	socktab_free(t);
}

/* A whole /proc/net file as the sampler reads it: the header is skipped, a
 * damaged line is counted, the TIME_WAIT row (inode 0) parses but is not
 * kept, and directions come from the listener in the same text. */
static void test_procnet_file(void **state)
{
	char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
		"retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
		"00000000     0        0 1001 1 0000000000000000 100 0 0 10 0\n"
		"   1: 0100007F:1F90 0100007F:C351 08 00000000:00000000 00:00000000 "
		"00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1\n"
		"   2: 0100007F:C351 0100007F:1F90 01 00000000:00000000 00:00000000 "
		"00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1\n"
		"   3: 0302010A:9C40 22D8B85D:01BB 06 00000000:00000000 03:00001234 "
		"00000000     0        0 0 3 0000000000000000\n"
		"   4: this line is damaged\n";
	char unx[] =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 1008 /run/web.sock\n"
		"0000000000000000: 00000003 00000000 00000000 0001 03 1009 /run/web.sock";
	char header_only[] = "Num       RefCount Protocol Flags    Type St Inode Path\n";
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, skipped = 0;
	struct socktab *t = socktab_new();

	(void)state;
	socktab_parse_procnet(tcp, P_TCP, &rows, &n, &cap, &skipped);
	assert_int_equal(n, 4);
	assert_int_equal(skipped, 1);
	socktab_parse_procnet(unx, P_UNIX, &rows, &n, &cap, &skipped);
	assert_int_equal(n, 6); /* appended; the last line needs no newline */
	assert_int_equal(skipped, 1);
	socktab_parse_procnet(header_only, P_UNIX, &rows, &n, &cap, &skipped);
	assert_int_equal(n, 6);
	assert_int_equal(skipped, 1);
	assert_int_equal(rows[0].proto, P_TCP);
	assert_int_equal(rows[5].proto, P_UNIX);
	socktab_add_netns(t, rows, n); /* takes the paths */
	free(rows);
	assert_int_equal(socktab_size(t), 5);
	assert_key(t, 1001, "tcp", SOCK_LISTEN, "127.0.0.1:8080", "LISTEN");
	assert_key(t, 1002, "tcp", SOCK_IN, "127.0.0.1:8080", "CLOSE_WAIT");
	assert_key(t, 1003, "tcp", SOCK_OUT, "127.0.0.1:8080", "ESTABLISHED");
	assert_key(t, 1008, "unix", SOCK_LISTEN, "/run/web.sock", "LISTEN");
	assert_key(t, 1009, "unix", SOCK_IN, "/run/web.sock", "ESTABLISHED");
	socktab_free(t);
}

/* The receive loop trusts the kernel only. Another process may send to a
 * netlink socket's port: a forged reply (a made-up row and NLMSG_DONE with
 * the right sequence number) queued before the kernel's is ignored, and a
 * socket whose reply never comes times out instead of blocking. */
static void test_receive_kernel_only(void **state)
{
	struct reply r = { .len = 0 };
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0;
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	socklen_t melen = sizeof(me);
	int nl = sockdiag_open(), forger = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
						  NETLINK_SOCK_DIAG);
	double t0;
	bool forged = false;

	(void)state;
	if (nl < 0 || forger < 0)
		skip();
	assert_int_equal(getsockname(nl, (struct sockaddr *)&me, &melen), 0);
	/* Without a request the kernel has not bound the port: bind it. */
	if (me.nl_pid == 0) {
		assert_int_equal(bind(nl, (struct sockaddr *)&me, sizeof(me)), 0);
		assert_int_equal(getsockname(nl, (struct sockaddr *)&me, &melen), 0);
	}
	put_unix(&r, 1, 1, 777777, "/run/forged.sock", 17, 0);
	put_done(&r, 1);
	assert_int_equal(sendto(forger, r.data, r.len, 0, (struct sockaddr *)&me, sizeof(me)),
			 (ssize_t)r.len);
	/* The first request of this process has sequence number 1. */
	assert_int_equal(sockdiag_dump(nl, SOCKDIAG_UNIX, &rows, &n, &cap), 0);
	for (size_t i = 0; i < n; i++)
		if (rows[i].inode == 777777)
			forged = true;
	assert_false(forged);
	free_rows(rows, n);
	rows = NULL;
	n = cap = 0;

	/* Nothing asked, nothing comes: a timeout, not a hang. */
	t0 = clock_mono();
	assert_int_equal(sockdiag_receive(nl, 99, SOCKDIAG_UNIX, 200, &rows, &n, &cap), -ETIMEDOUT);
	assert_true(clock_mono() - t0 < 5.0);
	assert_int_equal(n, 0);
	free(rows);
	close(forger);
	close(nl);
}

/* A unix socket named with a newline forges a row of its own in
 * /proc/net/unix: one that gives another process's socket (inode 2002) a
 * made-up path. An inode on two rows is trusted on neither; the forger's
 * own socket keeps the part of its name before the newline; a row with a
 * socket type the kernel does not have is damaged. */
static void test_unix_forged_row(void **state)
{
	char unx[] =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 2001 /tmp/evil\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 2002 /run/fake-db.sock\n"
		"0000000000000000: 00000003 00000000 00000000 0001 03 2002 /run/real.sock\n"
		"0000000000000000: 00000003 00000000 00000000 0009 03 2003 /run/bad-type\n"
		"0000000000000000: 00000003 00000000 00000000 0002 01 2004\n";
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, skipped = 0;
	struct socktab *t = socktab_new();

	(void)state;
	socktab_parse_procnet(unx, P_UNIX, &rows, &n, &cap, &skipped);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 3);
	socktab_add_netns(t, rows, n);
	free(rows);
	assert_null(socktab_entry(t, 2002));
	assert_non_null(socktab_entry(t, 2001));
	assert_string_equal(socktab_entry(t, 2001)->path, "/tmp/evil");
	assert_non_null(socktab_entry(t, 2004));
	assert_null(socktab_entry(t, 2003));
	socktab_free(t);
}

/* The map grows with the data: 100k sockets, each found, equal keys shared. */
static void test_sized_to_data(void **state)
{
	enum { N = 100000 };
	struct socktab *t = socktab_new();
	struct sock_entry *rows = calloc(N + 2, sizeof(*rows));
	const struct sock_key *first;

	(void)state;
	assert_non_null(rows);
	for (unsigned long i = 0; i < N; i++)
		rows[i] = inet_row(P_TCP, 1, 1000 + i * 7919, "127.0.0.1", (uint16_t)(1024 + i % 60000),
				   "10.0.0.1", 443);
	rows[N] = rows[5];       /* a duplicate inode is kept once */
	rows[N + 1] = rows[6];
	rows[N + 1].inode = 0;   /* no inode: not kept */
	socktab_add_netns(t, rows, N + 2);
	assert_int_equal(socktab_size(t), N);
	first = socktab_key(t, 1000);
	assert_non_null(first);
	for (unsigned long i = 0; i < N; i++) {
		const struct sock_key *k = socktab_key(t, 1000 + i * 7919);

		assert_ptr_equal(k, first); /* same (proto, out, 10.0.0.1:443, state) */
		assert_int_equal(socktab_entry(t, 1000 + i * 7919)->lport, 1024 + i % 60000);
	}
	assert_null(socktab_key(t, 1001));
	assert_string_equal(first->endpoint, "10.0.0.1:443");
	free(rows);
	socktab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tcp_both_families),
		cmocka_unit_test(test_parse_udp_table),
		cmocka_unit_test(test_parse_unix),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_inet_directions),
		cmocka_unit_test(test_unix_peer),
		cmocka_unit_test(test_orphan_accept),
		cmocka_unit_test(test_unix_bound_client),
		cmocka_unit_test(test_other_protocols),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_procnet_file),
		cmocka_unit_test(test_unix_forged_row),
		cmocka_unit_test(test_receive_kernel_only),
		cmocka_unit_test(test_sized_to_data),
		cmocka_unit_test(test_parse_tcp_info),
		cmocka_unit_test(test_tcp_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
