/* procfs.h - parsers of /proc text: fd link targets, limits, stat, status,
 * and the lines of /proc/net/{tcp,tcp6,udp,udp6,unix}. Pure functions on
 * strings; they never open files, so fixtures and fuzzers can drive them. */
#ifndef FDWATCH_PROCFS_H
#define FDWATCH_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"

/* Classifies the target of /proc/PID/fd/N. For sockets and pipes stores the
 * inode in *inode (else 0). */
enum fd_type procfs_classify_link(const char *link, unsigned long *inode);

/* Finds the soft "Max open files" limit in a limits file: 0 and *soft set
 * (-1 for unlimited), or -EINVAL when absent or unparsable. */
int procfs_parse_limits(const char *text, long *soft);

struct proc_stat {
	int pid;
	char comm[64];          /* as the kernel gives it (<= 15 bytes + NUL) */
	char state;
	int ppid;
	unsigned long long start;
	bool kthread;           /* a kernel thread (PF_KTHREAD in flags): no fds
	                         * of its own; never told by its pid or parent,
	                         * which in a pid namespace are anybody's */
};
/* Parses /proc/PID/stat (comm may hold spaces and parentheses):
 * 0 or -EINVAL. */
int procfs_parse_stat(const char *text, struct proc_stat *st);

/* Finds the effective uid in /proc/PID/status: 0 or -EINVAL. */
int procfs_parse_status_uid(const char *text, long *euid);

/* Socket protocols we read tables for: the three that sock_diag dumps too,
 * and the rest from their /proc/net files only. */
enum sock_proto {
	P_TCP, P_TCP6, P_UDP, P_UDP6, P_UNIX,
	P_UDPLITE, P_UDPLITE6, P_RAW, P_RAW6, P_ICMP, P_ICMP6, P_NETLINK, P_PACKET,
	P_NPROTOS
};
/* "tcp", "tcp6", ... (static). */
const char *sock_proto_name(enum sock_proto p);

/* One row of a socket table. */
struct sock_entry {
	unsigned long inode;
	uint8_t proto;          /* enum sock_proto */
	uint8_t state;          /* TCP state code, or unix St code */
	bool listening;         /* unix: __SO_ACCEPTCON */
	uint16_t lport, rport;  /* netlink: lport the protocol */
	                        /* packet: the interface index, an int in laddr */
	uint8_t laddr[16], raddr[16]; /* network byte order (4 used for IPv4) */
	char *path;             /* unix: bound name ("@..." abstract), or NULL */
	unsigned long peer;     /* unix: peer inode when known, else 0 */
	uint32_t idle_ms;       /* TCP: since data last went either way */
	bool has_idle;          /* idle_ms is known (sock_diag's tcp_info) */
	bool has_peer;          /* unix: the dump could tell peers (0 = none) */
};

/* Parses one data line of /proc/net/tcp or udp (family 4) or tcp6/udp6 (6).
 * 0, or -EINVAL for a header or malformed line. */
int procfs_parse_inet_line(const char *line, int family, struct sock_entry *e);
/* Parses one data line of /proc/net/netlink or /proc/net/packet.
 * 0 or -EINVAL. */
int procfs_parse_netlink_line(const char *line, struct sock_entry *e);
int procfs_parse_packet_line(const char *line, struct sock_entry *e);
/* Is the protocol one of IPv6? */
bool sock_proto_v6(enum sock_proto p);
/* Parses one data line of /proc/net/unix; e->path is allocated (caller frees)
 * or NULL. 0 or -EINVAL. */
int procfs_parse_unix_line(const char *line, struct sock_entry *e);

/* The kernel's name of a TCP state code ("CLOSE_WAIT"), or NULL. */
const char *tcp_state_name(unsigned state);

/* Formats an address and port: "127.0.0.1:80", "[::1]:80". */
void sock_format_addr(char *dst, size_t n, bool v6, const uint8_t *addr, uint16_t port);

#endif
