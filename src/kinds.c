/* kinds.c - the registry of fd kinds and the rules that name an fd's kind
 * from what /proc and the socket itself say. */
#include "config.h"

#include "kinds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct kind_def {
	char name[32];
	unsigned char type; /* enum fd_type */
};

static struct kind_def kinds[KIND_MAX] = {
	[KIND_REGULAR] = { "regular", FD_FILE },
	[KIND_DIRECTORY] = { "directory", FD_FILE },
	[KIND_CHARDEV] = { "chardev", FD_FILE },
	[KIND_BLOCKDEV] = { "blockdev", FD_FILE },
	[KIND_FIFO] = { "fifo", FD_FILE },
	[KIND_MEMFD] = { "memfd", FD_FILE },
	[KIND_DELETED] = { "deleted", FD_FILE },
	[KIND_PROCFS] = { "procfs", FD_FILE },
	[KIND_MQUEUE] = { "mqueue", FD_FILE },
	[KIND_SECRETMEM] = { "secretmem", FD_FILE },
	[KIND_FILE_OTHER] = { "file-other", FD_FILE },
	[KIND_PIPE] = { "pipe", FD_PIPE },
	[KIND_TCP] = { "tcp", FD_SOCKET },
	[KIND_TCP6] = { "tcp6", FD_SOCKET },
	[KIND_UDP] = { "udp", FD_SOCKET },
	[KIND_UDP6] = { "udp6", FD_SOCKET },
	[KIND_UDPLITE] = { "udplite", FD_SOCKET },
	[KIND_UDPLITE6] = { "udplite6", FD_SOCKET },
	[KIND_RAW] = { "raw", FD_SOCKET },
	[KIND_RAW6] = { "raw6", FD_SOCKET },
	[KIND_ICMP] = { "icmp", FD_SOCKET },
	[KIND_ICMP6] = { "icmp6", FD_SOCKET },
	[KIND_UNIX] = { "unix", FD_SOCKET },
	[KIND_NETLINK] = { "netlink", FD_SOCKET },
	[KIND_PACKET] = { "packet", FD_SOCKET },
	[KIND_VSOCK] = { "vsock", FD_SOCKET },
	[KIND_SCTP] = { "sctp", FD_SOCKET },
	[KIND_MPTCP] = { "mptcp", FD_SOCKET },
	[KIND_XDP] = { "xdp", FD_SOCKET },
	[KIND_SOCKET_OTHER] = { "socket-other", FD_SOCKET },
	[KIND_ANON_OTHER] = { "anon-other", FD_ANON },
	[KIND_NSFS] = { "nsfs", FD_OTHER },
	[KIND_UNKNOWN] = { "unknown", FD_OTHER },
};
static int nkinds = KIND_NFIXED;

const char *kind_name(int kind)
{
	return kind >= 0 && kind < nkinds ? kinds[kind].name : "unknown";
}

enum fd_type kind_type(int kind)
{
	return kind >= 0 && kind < nkinds ? (enum fd_type)kinds[kind].type : FD_OTHER;
}

/* Is name[0..len) a kind name: 1 to 31 of [a-z0-9_-]? */
static bool well_formed(const char *name, size_t len)
{
	if (len == 0 || len >= sizeof(kinds[0].name))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* kind_intern for name[0..len). */
static int intern_len(const char *name, size_t len, enum fd_type t)
{
	if (!well_formed(name, len))
		return -1;
	for (int i = 0; i < nkinds; i++)
		if (strncmp(kinds[i].name, name, len) == 0 && kinds[i].name[len] == '\0')
			return i;
	if (nkinds == KIND_MAX)
		return -1;
	memcpy(kinds[nkinds].name, name, len);
	kinds[nkinds].name[len] = '\0';
	kinds[nkinds].type = (unsigned char)t;
	return nkinds++;
}

int kind_intern(const char *name, enum fd_type t)
{
	return intern_len(name, strlen(name), t);
}

int kind_of_anon(const char *link)
{
	const char *name = link + strlen("anon_inode:");
	size_t len;
	int k;

	if (strncmp(link, "anon_inode:", 11) != 0)
		return KIND_ANON_OTHER;
	if (*name == '[') {
		const char *end = strchr(++name, ']');

		if (!end || end[1])
			return KIND_ANON_OTHER;
		len = (size_t)(end - name);
	} else {
		len = strlen(name);
	}
	/* "kvm-vcpu:3": one kind for every vcpu */
	for (size_t i = 0; i < len; i++)
		if (name[i] == ':') {
			len = i;
			break;
		}
	k = intern_len(name, len, FD_ANON);
	return k >= 0 && kind_type(k) == FD_ANON ? k : KIND_ANON_OTHER;
}

int kind_inotify(void)
{
	static int k = -1;

	if (k < 0)
		k = kind_of_anon("anon_inode:inotify");
	return k;
}

int kind_of_other(const char *link)
{
	static const char *const ns[] = {
		"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
		"time_for_children", "user", "uts",
	};
	const char *br = strchr(link, ':');
	unsigned long ino;
	char tail;

	if (!br || sscanf(br, ":[%lu]%c", &ino, &tail) != 1)
		return KIND_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
		if (strlen(ns[i]) == (size_t)(br - link) && strncmp(link, ns[i], (size_t)(br - link)) == 0)
			return KIND_NSFS;
	return KIND_UNKNOWN;
}

/* Does the link text end in " (deleted)"? */
static bool says_deleted(const char *link)
{
	size_t len = strlen(link);

	return len > 10 && strcmp(link + len - 10, " (deleted)") == 0;
}

int kind_of_file(const char *link, const struct stat *st, const char *fstype)
{
	bool memfd = strncmp(link, "/memfd:", 7) == 0;

	if (fstype) {
		if (strcmp(fstype, "proc") == 0)
			return KIND_PROCFS;
		if (strcmp(fstype, "mqueue") == 0)
			return KIND_MQUEUE;
		if (strcmp(fstype, "secretmem") == 0)
			return KIND_SECRETMEM;
	}
	if (!st)
		return memfd ? KIND_MEMFD : KIND_FILE_OTHER;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		if (memfd)
			return KIND_MEMFD;
		return says_deleted(link) && st->st_nlink == 0 ? KIND_DELETED : KIND_REGULAR;
	case S_IFDIR:
		return KIND_DIRECTORY;
	case S_IFCHR:
		return KIND_CHARDEV;
	case S_IFBLK:
		return KIND_BLOCKDEV;
	case S_IFIFO:
		return KIND_FIFO;
	default:
		return KIND_FILE_OTHER;
	}
}

int kind_of_protoname(const char *name)
{
	static const struct {
		const char *name;
		int kind;
	} map[] = {
		{ "TCP", KIND_TCP }, { "TCPv6", KIND_TCP6 },
		{ "UDP", KIND_UDP }, { "UDPv6", KIND_UDP6 },
		{ "UDP-Lite", KIND_UDPLITE }, { "UDPLITE", KIND_UDPLITE },
		{ "UDPLITEv6", KIND_UDPLITE6 },
		{ "RAW", KIND_RAW }, { "RAWv6", KIND_RAW6 },
		{ "PING", KIND_ICMP }, { "PINGv6", KIND_ICMP6 },
		{ "UNIX", KIND_UNIX }, { "UNIX-STREAM", KIND_UNIX },
		{ "NETLINK", KIND_NETLINK }, { "PACKET", KIND_PACKET },
		{ "AF_VSOCK", KIND_VSOCK }, { "SCTP", KIND_SCTP }, { "SCTPv6", KIND_SCTP },
		{ "MPTCP", KIND_MPTCP }, { "MPTCPv6", KIND_MPTCP }, { "XDP", KIND_XDP },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(name, map[i].name) == 0)
			return map[i].kind;
	return KIND_SOCKET_OTHER;
}

const char *netlink_proto_name(unsigned proto)
{
	/* linux/netlink.h */
	static const char *const names[] = {
		"route", "unused", "usersock", "firewall", "sock_diag", "nflog", "xfrm",
		"selinux", "iscsi", "audit", "fib_lookup", "connector", "netfilter", "ip6_fw",
		"dnrtmsg", "kobject_uevent", "generic", NULL, "scsitransport", "ecryptfs",
		"rdma", "crypto", "smc",
	};

	return proto < ARRAY_SIZE(names) ? names[proto] : NULL;
}

int kind_of_netlink(unsigned proto)
{
	const char *name = netlink_proto_name(proto);
	char buf[32];
	int k;

	if (!name)
		return KIND_NETLINK;
	snprintf(buf, sizeof(buf), "netlink-%s", name);
	k = kind_intern(buf, FD_SOCKET);
	return k >= 0 ? k : KIND_NETLINK;
}

void kind_counts_add(struct kind_count **v, size_t *nv, int k, unsigned n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < *nv; i++)
		if ((*v)[i].kind == k) {
			(*v)[i].count += n;
			return;
		}
	/* grown by one: a process has a handful of kinds */
	*v = xreallocarray(*v, *nv + 1, sizeof(**v));
	(*v)[*nv].kind = (unsigned char)k;
	(*v)[*nv].count = n;
	(*nv)++;
}

/* Largest first, then by name, for qsort. */
static int cmp_kind_count(const void *a, const void *b)
{
	const struct kind_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(kind_name(x->kind), kind_name(y->kind));
}

void kind_counts_sort(struct kind_count *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_kind_count);
}
