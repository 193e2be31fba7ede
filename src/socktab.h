/* socktab.h - every socket of one sample, from the tables of each network
 * namespace, keyed by inode, each resolved to its group key (proto,
 * direction, endpoint, state: the man page's socket groups). Sized to the
 * data. */
#ifndef FDWATCH_SOCKTAB_H
#define FDWATCH_SOCKTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "procfs.h"
#include "sample.h"

/* A group key, interned: equal keys are the same pointer. */
struct sock_key {
	const char *proto;     /* static */
	int kind;              /* kinds.h: tcp6, netlink-route, ... */
	enum sock_dir dir;
	char *endpoint;        /* owned; NULL when unnamed */
	const char *state;     /* static; NULL when none */
};

struct socktab;

/* Creates an empty table (caller frees with socktab_free). */
struct socktab *socktab_new(void);

/* The range the kernel picks client ports from (net.ipv4.ip_local_port_range,
 * SOCKTAB_CLIENT_LO to _HI by default): a connection whose listener has
 * closed is still "in" when its local port is outside it and its remote
 * port inside. Set before rows are added; a range that is no range leaves
 * the default. */
#define SOCKTAB_CLIENT_LO 32768
#define SOCKTAB_CLIENT_HI 60999
void socktab_set_client_ports(struct socktab *t, unsigned lo, unsigned hi);
void socktab_free(struct socktab *t);

/* Adds the rows of one network namespace (all protocols), deciding each
 * socket's direction from the listeners among them. Takes ownership of the
 * entries' paths. Rows with inode 0 (TIME_WAIT) are ignored. */
void socktab_add_netns(struct socktab *t, struct sock_entry *rows, size_t n);

/* Parses the whole text of one /proc/net/{tcp,tcp6,udp,udp6,unix,...} file
 * (proto says which; the first line is its header) into rows, a growable
 * array of *n used and *cap allocated entries (caller frees it and each
 * row's path, or hands them to socktab_add_netns). text is split into
 * lines in place. Lines that do not parse are counted in *skipped. */
void socktab_parse_procnet(char *text, enum sock_proto proto, struct sock_entry **rows,
			   size_t *n, size_t *cap, size_t *skipped);

/* Reads the tables of the network namespace of the process whose /proc
 * directory is piddir (net/tcp, tcp6, udp, udp6, unix) and adds them.
 * *skipped counts lines that did not parse. 0, or -errno if none was read. */
int socktab_load_procfs(struct socktab *t, int piddir, size_t *skipped);

/* Every table sock_diag can dump: TCP, UDP and unix (bits 1 << enum
 * sockdiag_table). */
#define SOCKTAB_ALL 7u
/* The rest, from /proc/net files only (UDP-Lite, raw, ping, netlink,
 * packet): a fourth table, read when a socket of theirs is seen. */
#define SOCKTAB_OTHER 3

/* The same for the tables whose bits are set in `tables` (each table is
 * complete in itself: TCP directions need only TCP listeners, unix peers
 * only unix rows). Each is dumped through the netlink socket nl (made in
 * that namespace, see socktab-diag.h) when nl >= 0, and read from the files
 * under piddir when nl < 0 or its dump fails. *via_netlink (may be NULL)
 * gets the bits of the tables that came through netlink. 0, or -errno if no
 * table was read. */
int socktab_load(struct socktab *t, int piddir, int nl, unsigned tables, size_t *skipped,
		 unsigned *via_netlink);

/* The key of a socket inode, or NULL when no table had it. */
const struct sock_key *socktab_key(const struct socktab *t, unsigned long inode);
/* The table row of a socket inode, or NULL. */
const struct sock_entry *socktab_entry(const struct socktab *t, unsigned long inode);
/* The inode of the socket at the other end of the TCP connection e (a row
 * of any table of the same network namespace) when t holds it, else 0:
 * the row whose local end is e's remote end and whose remote end is e's
 * local one, IPv4 and IPv4-mapped addresses alike. The first call indexes
 * t's connections (one pass over the rows). */
unsigned long socktab_tcp_peer(struct socktab *t, const struct sock_entry *e);
/* Remembers that a socket inode was in none of the tables loaded, so that
 * socktab_knows can tell "known to be absent" (a vsock, or a TCP socket
 * never bound) from "new since the tables were read"; socktab_key gives it
 * a key of its kind, with no endpoint, and state CLOSE when closed. */
void socktab_note_absent(struct socktab *t, unsigned long inode, int kind, bool closed);
/* Does the table hold this inode, or know it to be absent? */
bool socktab_knows(const struct socktab *t, unsigned long inode);
/* Number of sockets in the table. */
size_t socktab_size(const struct socktab *t);

/* The rows to be added are of our own network namespace: packet sockets
 * are named by their interface's name, not its number. */
void socktab_name_interfaces(struct socktab *t);

/* Describes one socket (a row of t) as lsof would ("TCP
 * 127.0.0.1:5->10.0.0.1:80 (ESTABLISHED)") into dst. */
void socktab_describe(const struct socktab *t, const struct sock_entry *e, char *dst, size_t n);

#endif
