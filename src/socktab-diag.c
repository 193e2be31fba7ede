/* socktab-diag.c - socket tables through NETLINK_SOCK_DIAG.
 *
 * Reading /proc/net/tcp costs about twice a netlink dump per socket, and
 * tcp6 walks every IPv4 socket again; the legacy TCPDIAG_GETSOCK request
 * with an unspecified family walks the TCP hash once for both families.
 * UDP is asked per family, unix sockets with their bound name and the
 * inode of their peer (which /proc/net/unix does not show). No privilege is
 * needed to dump the namespace the netlink socket lives in. */
#include "config.h"

#include "socktab-diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* TCP states that never carry an inode: left out by the kernel itself. */
#define TCP_STATE_TIME_WAIT 6
#define TCP_STATE_NEW_SYN_RECV 12
#define TCP_STATE_LISTEN 10
#define TCP_STATE_ESTABLISHED 1
#define TCP_STATE_SYN_SENT 2
#define DIAG_TCP_STATES (~((1u << TCP_STATE_TIME_WAIT) | (1u << TCP_STATE_NEW_SYN_RECV)))

/* Unix socket states as /proc/net/unix prints them (SS_*). */
#define UNIX_SS_UNCONNECTED 1
#define UNIX_SS_CONNECTING 2
#define UNIX_SS_CONNECTED 3

#define DIAG_BUF_SIZE 65536

static unsigned diag_seq;
static bool diag_want_info;

void sockdiag_want_idle(bool want)
{
	diag_want_info = want;
}

/* The extensions a TCP request asks for: tcp_info, for idle times. */
static uint8_t tcp_ext(void)
{
	return diag_want_info ? (uint8_t)(1u << (INET_DIAG_INFO - 1)) : 0;
}

int sockdiag_open(void)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return nl < 0 ? -errno : nl;
}

int sockdiag_open_in(int nsfd, int selfns)
{
	int nl;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	nl = sockdiag_open();
	if (setns(selfns, CLONE_NEWNET) < 0) {
		if (nl >= 0)
			close(nl);
		return -ENOTRECOVERABLE;
	}
	return nl;
}

/* Makes room for one more row in *rows. */
static void rows_reserve(struct sock_entry **rows, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*rows = xreallocarray(*rows, *cap, sizeof(**rows));
	}
}

/* NLMSG_DATA and RTA_DATA for read-only messages: the kernel's macros cast
 * the const away, which -Wcast-qual reports under clang. */
static const void *msg_data(const struct nlmsghdr *h)
{
	return (const char *)h + NLMSG_HDRLEN;
}

static const void *rta_data(const struct rtattr *a)
{
	return (const char *)a + RTA_LENGTH(0);
}

/* RTA_NEXT without its cast from char *, which clang's -Wcast-align flags:
 * attributes are RTA_ALIGNed, so the next one is aligned too. */
static const struct rtattr *rta_next(const struct rtattr *a, int *len)
{
	*len -= (int)RTA_ALIGN(a->rta_len);
	return (const void *)((const char *)a + RTA_ALIGN(a->rta_len));
}

/* The idle time of a TCP row from its tcp_info attribute: the time since
 * data last went either way. An older kernel's shorter tcp_info still has
 * both fields (they date from 2.6). */
static void parse_tcp_info(const struct inet_diag_msg *m, size_t len, struct sock_entry *e)
{
	const struct rtattr *a;
	int alen = (int)len;

	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, alen); a = rta_next(a, &alen)) {
		struct tcp_info ti;
		size_t plen = RTA_PAYLOAD(a);

		if (a->rta_type != INET_DIAG_INFO ||
		    plen < offsetof(struct tcp_info, tcpi_last_data_recv) + sizeof(uint32_t))
			continue;
		memset(&ti, 0, sizeof(ti));
		memcpy(&ti, rta_data(a), plen < sizeof(ti) ? plen : sizeof(ti));
		e->idle_ms = ti.tcpi_last_data_sent < ti.tcpi_last_data_recv ?
			     ti.tcpi_last_data_sent : ti.tcpi_last_data_recv;
		e->has_idle = true;
	}
}

/* One inet_diag_msg as a row; -EINVAL when it is too short or of a family
 * we do not read. */
static int parse_inet(const struct nlmsghdr *h, enum sockdiag_table table, struct sock_entry *e)
{
	const struct inet_diag_msg *m = msg_data(h);
	size_t alen;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	if (m->idiag_family == AF_INET) {
		e->proto = table == SOCKDIAG_TCP ? P_TCP : P_UDP;
		alen = 4;
	} else if (m->idiag_family == AF_INET6) {
		e->proto = table == SOCKDIAG_TCP ? P_TCP6 : P_UDP6;
		alen = 16;
	} else {
		return -EINVAL;
	}
	e->state = m->idiag_state;
	e->inode = m->idiag_inode;
	e->lport = ntohs(m->id.idiag_sport);
	e->rport = ntohs(m->id.idiag_dport);
	memcpy(e->laddr, m->id.idiag_src, alen);
	memcpy(e->raddr, m->id.idiag_dst, alen);
	/* A listener's tcp_info says nothing of use. */
	if (table == SOCKDIAG_TCP && e->state != TCP_STATE_LISTEN)
		parse_tcp_info(m, h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)), e);
	return 0;
}

/* The name of a unix socket as /proc/net/unix spells it: a path without its
 * terminating NUL, an abstract name as '@' and its bytes, each NUL byte
 * shown as '@'. NULL when unnamed (caller frees). */
static char *unix_name(const char *raw, size_t len)
{
	char *s;

	if (len == 0)
		return NULL;
	if (raw[0] != '\0' && raw[len - 1] == '\0')
		len--;
	if (len == 0)
		return NULL;
	s = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		s[i] = raw[i] ? raw[i] : '@';
	s[len] = '\0';
	return s;
}

/* One unix_diag_msg with its name and peer attributes as a row. */
static int parse_unix(const struct nlmsghdr *h, struct sock_entry *e)
{
	const struct unix_diag_msg *m = msg_data(h);
	const struct rtattr *a;
	int alen;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->proto = P_UNIX;
	e->inode = m->udiag_ino;
	e->has_peer = true; /* asked with UDIAG_SHOW_PEER: no attribute, no peer */
	switch (m->udiag_state) {
	case TCP_STATE_LISTEN:
		e->listening = true;
		e->state = UNIX_SS_UNCONNECTED;
		break;
	case TCP_STATE_ESTABLISHED:
		e->state = UNIX_SS_CONNECTED;
		break;
	case TCP_STATE_SYN_SENT:
		e->state = UNIX_SS_CONNECTING;
		break;
	default:
		e->state = UNIX_SS_UNCONNECTED;
		break;
	}
	alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, alen); a = rta_next(a, &alen)) {
		size_t plen = RTA_PAYLOAD(a);

		if (a->rta_type == UNIX_DIAG_NAME && !e->path) {
			e->path = unix_name(rta_data(a), plen);
		} else if (a->rta_type == UNIX_DIAG_PEER && plen >= sizeof(uint32_t)) {
			uint32_t peer;

			memcpy(&peer, rta_data(a), sizeof(peer));
			e->peer = peer;
		}
	}
	return 0;
}

/* Does a whole message start at h, within left bytes? (NLMSG_OK without
 * its mixed-sign comparisons.) */
static bool msg_fits(const struct nlmsghdr *h, size_t left)
{
	return left >= sizeof(*h) && h->nlmsg_len >= sizeof(*h) && h->nlmsg_len <= left;
}

/* One message of a reply: 1 for NLMSG_DONE, -errno for an error reply or
 * a malformed row, 0 otherwise (a row appended, or nothing to do). */
static int parse_msg(const struct nlmsghdr *h, enum sockdiag_table table,
		     struct sock_entry **rows, size_t *n, size_t *cap)
{
	int r;

	if (h->nlmsg_type == NLMSG_DONE)
		return 1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = msg_data(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
			return -EBADMSG;
		/* An errno, not any int (-INT_MIN would overflow). */
		return err->error < 0 && err->error > -4096 ? err->error : -EBADMSG;
	}
	if (h->nlmsg_type == NLMSG_NOOP)
		return 0;
	rows_reserve(rows, n, cap);
	if (table == SOCKDIAG_UNIX)
		r = parse_unix(h, &(*rows)[*n]);
	else
		r = parse_inet(h, table, &(*rows)[*n]);
	if (r < 0)
		return r;
	(*n)++;
	return 0;
}

int sockdiag_parse(const void *buf, size_t len, unsigned seq, enum sockdiag_table table,
		   struct sock_entry **rows, size_t *n, size_t *cap)
{
	const struct nlmsghdr *h = buf;
	size_t left = len;

	while (msg_fits(h, left)) {
		size_t step = NLMSG_ALIGN(h->nlmsg_len);
		int r = h->nlmsg_seq == seq ? parse_msg(h, table, rows, n, cap) : 0;

		if (r != 0)
			return r;
		left = step < left ? left - step : 0;
		h = (const void *)((const char *)h + step); /* NLMSG_ALIGNed */
	}
	/* A reply cut short is malformed; an exact end means more to come. */
	return left == 0 ? 0 : -EBADMSG;
}

/* Sends one dump request (header filled in here) of len bytes. */
static int send_request(int nl, struct nlmsghdr *h, size_t len, uint16_t type)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = ++diag_seq;
	h->nlmsg_pid = 0;
	for (;;) {
		ssize_t r = sendto(nl, h, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));

		if (r == (ssize_t)len)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : -EIO;
	}
}

int sockdiag_receive(int nl, unsigned seq, enum sockdiag_table table, int timeout_ms,
		     struct sock_entry **rows, size_t *n, size_t *cap)
{
	char *buf = xmalloc(DIAG_BUF_SIZE);
	double deadline = clock_mono() + timeout_ms / 1000.0;
	int done = 0;

	while (!done) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		struct pollfd pfd = { .fd = nl, .events = POLLIN };
		double left = deadline - clock_mono();
		ssize_t r;

		/* A kernel that never answers must not hang a sample. */
		if (left <= 0 || (r = poll(&pfd, 1, (int)(left * 1000) + 1)) == 0) {
			done = -ETIMEDOUT;
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			done = -errno;
			break;
		}
		memset(&from, 0, sizeof(from));
		r = recvfrom(nl, buf, DIAG_BUF_SIZE, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			done = -errno;
			break;
		}
		if (r == 0) {
			done = -EIO;
			break;
		}
		/* Any process may send to this socket's port: only the
		 * kernel's replies (port 0) are rows. */
		if (fromlen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		done = sockdiag_parse(buf, (size_t)r, seq, table, rows, n, cap);
	}
	free(buf);
	return done < 0 ? done : 0;
}

/* Receives the reply to the last request until NLMSG_DONE. */
static int receive_dump(int nl, enum sockdiag_table table, struct sock_entry **rows,
			size_t *n, size_t *cap)
{
	return sockdiag_receive(nl, diag_seq, table, SOCKDIAG_TIMEOUT_MS, rows, n, cap);
}

/* Requests and receives one dump; rows appended on success only. */
static int dump_one(int nl, struct nlmsghdr *req, size_t len, uint16_t type,
		    enum sockdiag_table table, struct sock_entry **rows, size_t *n, size_t *cap)
{
	size_t base = *n;
	int err = send_request(nl, req, len, type);

	if (err == 0)
		err = receive_dump(nl, table, rows, n, cap);
	if (err < 0) {
		for (size_t i = base; i < *n; i++)
			free((*rows)[i].path);
		*n = base;
	}
	return err;
}

/* Both TCP families: the legacy request walks the hash once for both; a
 * kernel without it is asked per family. */
static int dump_tcp(int nl, struct sock_entry **rows, size_t *n, size_t *cap)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req r;
	} legacy;
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	size_t base = *n;
	int err;

	memset(&legacy, 0, sizeof(legacy));
	legacy.r.idiag_family = AF_UNSPEC;
	legacy.r.idiag_states = DIAG_TCP_STATES;
	legacy.r.idiag_ext = tcp_ext();
	err = dump_one(nl, &legacy.h, sizeof(legacy), TCPDIAG_GETSOCK, SOCKDIAG_TCP, rows, n, cap);
	if (err == 0)
		return 0;
	for (int k = 0; k < 2; k++) {
		memset(&req, 0, sizeof(req));
		req.r.sdiag_family = k == 0 ? AF_INET : AF_INET6;
		req.r.sdiag_protocol = IPPROTO_TCP;
		req.r.idiag_states = DIAG_TCP_STATES;
		req.r.idiag_ext = tcp_ext();
		err = dump_one(nl, &req.h, sizeof(req), SOCK_DIAG_BY_FAMILY, SOCKDIAG_TCP, rows, n, cap);
		/* IPv4 alone is an answer; IPv6 may be absent from the kernel. */
		if (err < 0 && (k == 0 || err != -ENOENT)) {
			for (size_t i = base; i < *n; i++)
				free((*rows)[i].path);
			*n = base;
			return err;
		}
	}
	return 0;
}

/* Dumps the UDP sockets of both families into rows (IPv6 may be absent). */
static int dump_udp(int nl, struct sock_entry **rows, size_t *n, size_t *cap)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	size_t base = *n;

	for (int k = 0; k < 2; k++) {
		int err;

		memset(&req, 0, sizeof(req));
		req.r.sdiag_family = k == 0 ? AF_INET : AF_INET6;
		req.r.sdiag_protocol = IPPROTO_UDP;
		req.r.idiag_states = ~0u;
		err = dump_one(nl, &req.h, sizeof(req), SOCK_DIAG_BY_FAMILY, SOCKDIAG_UDP, rows, n, cap);
		if (err < 0 && (k == 0 || err != -ENOENT)) {
			*n = base;
			return err;
		}
	}
	return 0;
}

/* Dumps the unix sockets with their names and peers into rows. */
static int dump_unix(int nl, struct sock_entry **rows, size_t *n, size_t *cap)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;

	memset(&req, 0, sizeof(req));
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0u;
	req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
	return dump_one(nl, &req.h, sizeof(req), SOCK_DIAG_BY_FAMILY, SOCKDIAG_UNIX, rows, n, cap);
}

int sockdiag_dump(int nl, enum sockdiag_table table, struct sock_entry **rows,
		  size_t *n, size_t *cap)
{
	switch (table) {
	case SOCKDIAG_TCP:
		return dump_tcp(nl, rows, n, cap);
	case SOCKDIAG_UDP:
		return dump_udp(nl, rows, n, cap);
	case SOCKDIAG_UNIX:
		return dump_unix(nl, rows, n, cap);
	}
	return -EINVAL;
}

int sockdiag_dump_tcp_ports(int nl, const uint16_t *ports, size_t nports, struct sock_entry **rows,
			    size_t *n, size_t *cap)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req r;
		struct rtattr a;
		struct inet_diag_bc_op ops[6 * SOCKDIAG_MAX_PORTS];
	} req;
	const size_t op = sizeof(struct inet_diag_bc_op);
	size_t nops = 0, ncond = 2 * nports, len;

	if (nports == 0 || nports > SOCKDIAG_MAX_PORTS)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.r.idiag_family = AF_UNSPEC;
	req.r.idiag_states = DIAG_TCP_STATES;
	req.r.idiag_ext = tcp_ext();
	/* Either port equal to any of ports. The kernel wants every jump
	 * target reachable along the "true" branches, so each condition goes
	 * on when true to an unconditional jump to the end (accept), and when
	 * false skips that jump to the next condition; the last one accepts
	 * by running off the end and rejects by jumping past it. */
	len = ncond * 2 * op + (ncond - 1) * op;
	for (size_t c = 0; c < ncond; c++) {
		struct inet_diag_bc_op *cond = &req.ops[nops];

		cond->code = c % 2 == 0 ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ;
		cond->yes = (unsigned char)(2 * op);
		cond->no = (unsigned short)(3 * op);
		cond[1].no = ports[c / 2];
		nops += 2;
		if (c + 1 < ncond) {
			struct inet_diag_bc_op *jmp = &req.ops[nops++];

			jmp->code = INET_DIAG_BC_JMP;
			jmp->yes = (unsigned char)op;
			jmp->no = (unsigned short)(len - (nops - 1) * op);
		}
	}
	req.a.rta_type = INET_DIAG_REQ_BYTECODE;
	req.a.rta_len = (unsigned short)RTA_LENGTH(len);
	return dump_one(nl, &req.h, NLMSG_LENGTH(sizeof(req.r)) + RTA_SPACE(len), TCPDIAG_GETSOCK,
			SOCKDIAG_TCP, rows, n, cap);
}
