/* procfs.c - parsers of /proc text. */
#include "config.h"

#include "procfs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Parses "<prefix>[<digits>]" and stores the number; false if it is not. */
static bool parse_bracket_inode(const char *s, const char *prefix, unsigned long *inode)
{
	size_t n = strlen(prefix);
	unsigned long v;
	char *end;

	if (strncmp(s, prefix, n) != 0 || s[n] != '[' || !isdigit((unsigned char)s[n + 1]))
		return false;
	errno = 0;
	v = strtoul(s + n + 1, &end, 10);
	if (errno || end[0] != ']' || end[1] != '\0')
		return false;
	*inode = v;
	return true;
}

enum fd_type procfs_classify_link(const char *link, unsigned long *inode)
{
	unsigned long ino = 0;
	enum fd_type t;

	if (link[0] == '/')
		t = FD_FILE;
	else if (parse_bracket_inode(link, "socket:", &ino))
		t = FD_SOCKET;
	else if (parse_bracket_inode(link, "pipe:", &ino))
		t = FD_PIPE;
	else if (strncmp(link, "anon_inode:", 11) == 0)
		t = FD_ANON;
	else
		t = FD_OTHER;
	if (inode)
		*inode = ino;
	return t;
}

/* Parses a limit value ("1024", "unlimited") into *v (-1 = unlimited). */
static int parse_limit_word(const char *s, const char **end, long *v)
{
	char *e;

	while (*s == ' ')
		s++;
	if (strncmp(s, "unlimited", 9) == 0) {
		*v = -1;
		*end = s + 9;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtol(s, &e, 10);
	if (errno)
		return -EINVAL;
	*end = e;
	return 0;
}

int procfs_parse_limits(const char *text, long *soft)
{
	static const char key[] = "Max open files";
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, key, sizeof(key) - 1) == 0) {
			const char *p = line + sizeof(key) - 1, *end;
			long s, h;

			if (parse_limit_word(p, &end, &s) < 0 ||
			    parse_limit_word(end, &end, &h) < 0)
				return -EINVAL;
			*soft = s;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -EINVAL;
}

int procfs_parse_stat(const char *text, struct proc_stat *st)
{
	const char *lp = strchr(text, '('), *rp = strrchr(text, ')');
	unsigned long long start;
	size_t n;
	int pid, ppid, field;
	unsigned flags;
	char state;
	const char *p;

	if (!lp || !rp || rp < lp || sscanf(text, "%d", &pid) != 1)
		return -EINVAL;
	n = (size_t)(rp - lp - 1);
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	/* state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(rp + 1, " %c %d %*d %*d %*d %*d %u", &state, &ppid, &flags) != 3)
		return -EINVAL;
	/* Field 22 (starttime): skip fields 3..21 after the comm. */
	p = rp + 1;
	for (field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (sscanf(p, " %llu", &start) != 1)
		return -EINVAL;
	memcpy(st->comm, lp + 1, n);
	st->comm[n] = '\0';
	st->pid = pid;
	st->state = state;
	st->ppid = ppid;
	st->start = start;
	st->kthread = (flags & 0x00200000) != 0; /* PF_KTHREAD */
	return 0;
}

int procfs_parse_status_uid(const char *text, long *euid)
{
	const char *p = strstr(text, "\nUid:");
	long r, e;

	if (!p && strncmp(text, "Uid:", 4) == 0)
		p = text - 1;
	if (!p || sscanf(p + 5, "%ld %ld", &r, &e) != 2 || e < 0)
		return -EINVAL;
	*euid = e;
	return 0;
}

static const char *const proto_names[P_NPROTOS] = {
	"tcp", "tcp6", "udp", "udp6", "unix", "udplite", "udplite6", "raw", "raw6", "icmp",
	"icmp6", "netlink", "packet",
};

bool sock_proto_v6(enum sock_proto p)
{
	return p == P_TCP6 || p == P_UDP6 || p == P_UDPLITE6 || p == P_RAW6 || p == P_ICMP6;
}

const char *sock_proto_name(enum sock_proto p)
{
	return p < P_NPROTOS ? proto_names[p] : "unknown";
}

const char *tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV",
	};

	return state < ARRAY_SIZE(names) ? names[state] : NULL;
}

/* Parses n 32-bit hex words, each printed in host order, into addr. */
static int parse_hex_addr(const char *s, int words, uint8_t *addr, const char **end)
{
	for (int i = 0; i < words; i++) {
		uint32_t w = 0;

		for (int k = 0; k < 8; k++) {
			int c = (unsigned char)s[i * 8 + k], d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else
				return -EINVAL;
			w = (w << 4) | (uint32_t)d;
		}
		/* The kernel printed the in-memory (network order) word as a
		 * host-order integer: storing it back in host order restores it. */
		memcpy(addr + i * 4, &w, 4);
	}
	*end = s + words * 8;
	return 0;
}

/* Parses the ":PORT" (hex) after an address: 0 or -EINVAL. */
static int parse_hex_port(const char *s, uint16_t *port, const char **end)
{
	char *e;
	unsigned long v;

	if (*s != ':' || !isxdigit((unsigned char)s[1]))
		return -EINVAL;
	v = strtoul(s + 1, &e, 16);
	if (v > 0xffff || e - (s + 1) != 4)
		return -EINVAL;
	*port = (uint16_t)v;
	*end = e;
	return 0;
}

int procfs_parse_inet_line(const char *line, int family, struct sock_entry *e)
{
	int words = family == 6 ? 4 : 1;
	const char *p = line;
	unsigned st;
	unsigned long inode;
	char *end;
	int n;

	memset(e, 0, sizeof(*e));
	while (*p == ' ')
		p++;
	/* "sl:" */
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != ':')
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (parse_hex_addr(p, words, e->laddr, &p) < 0 || parse_hex_port(p, &e->lport, &p) < 0)
		return -EINVAL;
	if (*p++ != ' ')
		return -EINVAL;
	if (parse_hex_addr(p, words, e->raddr, &p) < 0 || parse_hex_port(p, &e->rport, &p) < 0)
		return -EINVAL;
	/* st tx:rx tr:when retrnsmt uid timeout inode */
	if (sscanf(p, " %2x %*x:%*x %*x:%*x %*x %*u %*d %lu%n", &st, &inode, &n) != 2)
		return -EINVAL;
	(void)end;
	if (st == 0 || st > 12)
		return -EINVAL;
	e->state = (uint8_t)st;
	e->inode = inode;
	return 0;
}

int procfs_parse_netlink_line(const char *line, struct sock_entry *e)
{
	unsigned long inode;
	unsigned proto;

	memset(e, 0, sizeof(*e));
	/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
	if (sscanf(line, "%*x %u %*u %*x %*u %*u %*x %*u %*u %lu", &proto, &inode) != 2 ||
	    proto > 0xffff)
		return -EINVAL;
	e->proto = P_NETLINK;
	e->lport = (uint16_t)proto;
	e->inode = inode;
	return 0;
}

int procfs_parse_packet_line(const char *line, struct sock_entry *e)
{
	unsigned long inode;
	int iface;

	memset(e, 0, sizeof(*e));
	/* sk RefCnt Type Proto Iface R Rmem User Inode */
	if (sscanf(line, "%*x %*u %*u %*x %d %*u %*u %*u %lu", &iface, &inode) != 2 || iface < 0)
		return -EINVAL;
	e->proto = P_PACKET;
	memcpy(e->laddr, &iface, sizeof(iface)); /* interface numbers pass 65535 */
	e->inode = inode;
	return 0;
}

int procfs_parse_unix_line(const char *line, struct sock_entry *e)
{
	unsigned long refcnt, proto, flags, type, st, inode;
	int n = 0;
	const char *path;

	memset(e, 0, sizeof(*e));
	/* Num: RefCount Protocol Flags Type St Inode [Path] */
	if (sscanf(line, "%*[0-9a-fA-F]: %lx %lx %lx %lx %lx %lu%n",
		   &refcnt, &proto, &flags, &type, &st, &inode, &n) != 6 || n == 0)
		return -EINVAL;
	/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET: anything else is not a
	 * row the kernel wrote. */
	if (st > 4 || (type != 1 && type != 2 && type != 5))
		return -EINVAL;
	e->proto = P_UNIX;
	e->inode = inode;
	e->state = (uint8_t)st;
	e->listening = (flags & 0x10000) != 0;
	path = line + n;
	if (*path == ' ') {
		size_t len;

		path++;
		len = strcspn(path, "\n");
		if (len)
			e->path = xstrndup(path, len);
	} else if (*path && *path != '\n') {
		return -EINVAL;
	}
	return 0;
}

void sock_format_addr(char *dst, size_t n, bool v6, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (v6)
		snprintf(dst, n, "[%s]:%u", a, port);
	else
		snprintf(dst, n, "%s:%u", a, port);
}
