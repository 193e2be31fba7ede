/* socktab-diag.h - socket tables through NETLINK_SOCK_DIAG, the fast path
 * beside the /proc/PID/net text files. A dump covers the network namespace
 * the netlink socket was created in; rows come out in the same form the
 * procfs parsers give (struct sock_entry), so socktab groups both alike. */
#ifndef FDWATCH_SOCKTAB_DIAG_H
#define FDWATCH_SOCKTAB_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "procfs.h"

/* Opens a NETLINK_SOCK_DIAG socket in the caller's network namespace
 * (caller closes). Returns the fd or -errno. */
int sockdiag_open(void);

/* Opens one in the network namespace nsfd refers to (an open
 * /proc/PID/ns/net), returning to the namespace selfns refers to before it
 * returns. Needs CAP_SYS_ADMIN: -EPERM without it. -ENOTRECOVERABLE when the
 * way back failed (the caller must then stop switching namespaces; the
 * returned error means no socket was made). */
int sockdiag_open_in(int nsfd, int selfns);

/* Whether TCP dumps from now on ask each socket's tcp_info, for its idle
 * time (sock_entry.idle_ms): the kernel fills and copies it for each
 * socket, so a sampler asks only when its command wants it (the man page's
 * SAMPLING COST). Off at first. */
void sockdiag_want_idle(bool want);

/* Which table a dump reads. SOCKDIAG_TCP gives IPv4 and IPv6 in one walk
 * (rows come out as P_TCP and P_TCP6). */
enum sockdiag_table { SOCKDIAG_TCP, SOCKDIAG_UDP, SOCKDIAG_UNIX };

/* Appends the rows of one table, read through nl, to *rows (growable array
 * of *n used and *cap allocated entries; caller frees it and each row's
 * path). Unix rows carry the bound path and the peer's inode. On failure
 * nothing is appended and -errno is returned (e.g. -ENOENT when the kernel
 * has no diag module for that protocol). */
int sockdiag_dump(int nl, enum sockdiag_table table, struct sock_entry **rows,
		  size_t *n, size_t *cap);

/* Appends the TCP sockets (both families) with a local or remote port
 * among ports, as sockdiag_dump does: the kernel still walks the table but
 * sends only those, which makes finding a few new sockets of a known
 * process cheap in a large table. At most SOCKDIAG_MAX_PORTS ports. */
#define SOCKDIAG_MAX_PORTS 15
int sockdiag_dump_tcp_ports(int nl, const uint16_t *ports, size_t nports, struct sock_entry **rows,
			    size_t *n, size_t *cap);

/* How long a dump waits for the kernel's next reply. */
#define SOCKDIAG_TIMEOUT_MS 5000

/* Receives the reply to request seq on nl until NLMSG_DONE, into rows:
 * messages from any sender but the kernel are ignored, and a reply that
 * does not come within timeout_ms is -ETIMEDOUT. Returns 0 or -errno
 * (exposed for tests). */
int sockdiag_receive(int nl, unsigned seq, enum sockdiag_table table, int timeout_ms,
		     struct sock_entry **rows, size_t *n, size_t *cap);

/* Parses the netlink messages of one reply buffer into rows, as
 * sockdiag_dump does (exposed for tests). Returns 1 when the buffer held
 * NLMSG_DONE, 0 when more is to come, or -errno (an NLMSG_ERROR reply or a
 * malformed message). Messages whose sequence number is not seq are
 * ignored. */
int sockdiag_parse(const void *buf, size_t len, unsigned seq, enum sockdiag_table table,
		   struct sock_entry **rows, size_t *n, size_t *cap);

#endif
