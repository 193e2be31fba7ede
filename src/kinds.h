/* kinds.h - the fine kind of an fd (a record's "kinds": regular,
 * directory, eventfd, inotify, tcp6, netlink-route, ...; the man page's
 * RECORDS section), beside the five coarse types. A kind is a small number
 * naming one entry of a registry: the fixed kinds below, and the names the
 * kernel gives anon inodes and netlink protocols, added as they are seen.
 * The registry is bounded; what does not fit is counted under its type's
 * catch-all kind. Nothing here reads /proc. */
#ifndef FDWATCH_KINDS_H
#define FDWATCH_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "sample.h"

enum {
	/* opened by path (type "file") */
	KIND_REGULAR, KIND_DIRECTORY, KIND_CHARDEV, KIND_BLOCKDEV, KIND_FIFO, KIND_MEMFD,
	KIND_DELETED, KIND_PROCFS, KIND_MQUEUE, KIND_SECRETMEM, KIND_FILE_OTHER,
	KIND_PIPE,
	/* sockets */
	KIND_TCP, KIND_TCP6, KIND_UDP, KIND_UDP6, KIND_UDPLITE, KIND_UDPLITE6, KIND_RAW,
	KIND_RAW6, KIND_ICMP, KIND_ICMP6, KIND_UNIX, KIND_NETLINK, KIND_PACKET, KIND_VSOCK,
	KIND_SCTP, KIND_MPTCP, KIND_XDP, KIND_SOCKET_OTHER,
	/* anon inodes whose name is not a kind name, namespaces, the rest */
	KIND_ANON_OTHER, KIND_NSFS, KIND_UNKNOWN,
	KIND_NFIXED
};

/* At most this many kinds in all (fixed and added); ids fit a byte. */
#define KIND_MAX 255

/* The name of a kind ("eventfd"), and the type it counts under. */
const char *kind_name(int kind);
enum fd_type kind_type(int kind);

/* The kind named name, added under type t when new and well formed (at
 * most 31 of [a-z0-9_-]); -1 when it cannot be (malformed, or the
 * registry is full). */
int kind_intern(const char *name, enum fd_type t);

/* The kind of an anon inode from its link text ("anon_inode:[eventfd]",
 * "anon_inode:inotify", "anon_inode:[kvm-vcpu:3]" is "kvm-vcpu"). */
int kind_of_anon(const char *link);

/* The kind of a link that is neither a path, a socket, a pipe nor an anon
 * inode: "net:[4026531840]" is nsfs, anything else unknown. */
int kind_of_other(const char *link);

/* The kind of a file fd from its link text and, when st is not NULL, the
 * stat of what it points to and the type of the filesystem holding it
 * (fstype: "proc", "mqueue", "secretmem", ... or NULL when unknown). A link
 * ending in " (deleted)" is deleted only when st says it has no links
 * left: a file's own name can end so. */
int kind_of_file(const char *link, const struct stat *st, const char *fstype);

/* The kind of a socket from its "system.sockprotoname" attribute ("TCP",
 * "UDPLITEv6", "NETLINK", "AF_VSOCK", ...). */
int kind_of_protoname(const char *name);

/* The kind of a netlink socket of protocol number proto
 * ("netlink-route"), and that protocol's name ("route", static; NULL when
 * the number has none). */
int kind_of_netlink(unsigned proto);
const char *netlink_proto_name(unsigned proto);

/* The kind of inotify instances (an anon inode's name, but one the limits
 * of the system record count). */
int kind_inotify(void);

/* Per-process counts of kinds: adds n fds of kind k to the sparse list
 * (*v, *nv). */
void kind_counts_add(struct kind_count **v, size_t *nv, int k, unsigned n);
/* Sorts counts largest first, then by name. */
void kind_counts_sort(struct kind_count *v, size_t n);

#endif
