/* helper-zoo.c - one process per kind of file descriptor, each holding
 * exactly the fds of its kind, and what fdwatch is expected to say about it.
 *
 *   helper-zoo [--dir DIR] [KIND ...]      (default: every kind, in order)
 *
 * For each kind one child is forked. It makes the fds of its kind, writes
 * one JSON line to a pipe back to the parent, then closes every other fd
 * (stdin, stdout and stderr too, and the pipe), so that /proc/CHILD/fd
 * holds the kind's fds and nothing else, and waits for SIGTERM. The parent
 * prints the lines in order, then "READY", and waits for SIGTERM or EOF on
 * stdin; then it stops the children, removes what they made under DIR
 * (default: a fresh directory under /tmp, removed too) and exits 0.
 *
 * A made kind's line:
 *
 *   {"kind": "tcp", "pid": 1234, "kinds": {"tcp": 3},
 *    "types": {"file": 0, "socket": 3, "pipe": 0, "anon": 0, "other": 0},
 *    "sockets": [{"proto": "tcp", "direction": "listen",
 *                 "local": "127.0.0.1:4000", "state": "LISTEN", "count": 1}, ...]}
 *
 * "kinds" maps fdwatch's fine kinds to counts, "types" is the five buckets,
 * "sockets" (socket kinds only) the expected groups: the endpoint key is
 * "remote" for direction out, "local" otherwise; a key left out of a group
 * is not part of the expectation. A group's "_bound" is not something
 * fdwatch prints: a unix client's own path, for readers that cannot see
 * unix peers. A kind this machine cannot make (no privilege, no protocol,
 * no device) prints {"kind": K, "skipped": "why"} and has no child; one
 * that failed for any other reason prints {"kind": K, "error": "why"}.
 *
 * Children die with the parent (PR_SET_PDEATHSIG). Only 127.0.0.1 and ::1
 * are ever used. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef NETLINK_SOCK_DIAG
#define NETLINK_SOCK_DIAG 4
#endif

#define MAX_KEEP	16
#define MAX_KINDS	8
#define MAX_GROUPS	6
#define LONG_DEPTH	4200	/* how long file-other's path must grow */

enum { T_FILE, T_SOCKET, T_PIPE, T_ANON, T_OTHER, NTYPES };
static const char *const type_names[NTYPES] = { "file", "socket", "pipe", "anon", "other" };

struct group {
	const char	*proto;
	const char	*dir;		/* listen, in, out or none */
	char		 ep[128];
	int		 ep_null;
	const char	*state;		/* NULL: not part of the expectation */
	char		 bound[128];	/* "" or a unix client's own path */
	int		 count;
};

struct want {
	const char	*kind;
	struct {
		const char	*name;
		int		 n;
	}		 kinds[MAX_KINDS];
	int		 nkinds;
	int		 types[NTYPES];
	struct group	 groups[MAX_GROUPS];
	int		 ngroups;
	int		 sockets;	/* print "sockets" */
	int		 keep[MAX_KEEP];
	int		 nkeep;
	char		 why[256];
	int		 error;		/* why is a failure, not a limit of the machine */
};

struct zoo_kind {
	const char	*name;
	int		(*make)(struct want *);
};

static char dir[PATH_MAX];
static volatile sig_atomic_t stop;

/* Files the children may make under DIR, removed by the parent at the end. */
static const char *const made_names[] = {
	"regular", "x (deleted)", "fifo", "deleted", "many",
	"l.sock", "s.sock", "c.sock", "d.sock", "e.sock",
};
#define LONG_NAME "long"

/* Expectations. */

static int keep(struct want *w, int fd)
{
	if (fd >= 0 && w->nkeep < MAX_KEEP)
		w->keep[w->nkeep++] = fd;
	return fd;
}

/* Closes a kept fd that the kind needed only on the way. */
static void unkeep(struct want *w, int fd)
{
	int i;

	for (i = 0; i < w->nkeep; i++)
		if (w->keep[i] == fd)
			w->keep[i] = w->keep[--w->nkeep];
	close(fd);
}

static void expect(struct want *w, const char *kind, int type, int n)
{
	int i;

	w->types[type] += n;
	for (i = 0; i < w->nkinds; i++) {
		if (strcmp(w->kinds[i].name, kind) == 0) {
			w->kinds[i].n += n;
			return;
		}
	}
	if (w->nkinds < MAX_KINDS) {
		w->kinds[w->nkinds].name = kind;
		w->kinds[w->nkinds].n = n;
		w->nkinds++;
	}
}

/* One expected socket group; ep NULL: the endpoint is null. */
static struct group *group(struct want *w, const char *proto, const char *d, const char *ep,
			   const char *state, int count)
{
	struct group *g = &w->groups[w->ngroups < MAX_GROUPS ? w->ngroups++ : MAX_GROUPS - 1];

	memset(g, 0, sizeof(*g));
	g->proto = proto;
	g->dir = d;
	g->ep_null = ep == NULL;
	snprintf(g->ep, sizeof(g->ep), "%s", ep ? ep : "");
	g->state = state;
	g->count = count;
	w->sockets = 1;
	return g;
}

static int say(struct want *w, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int say(struct want *w, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->error = error;
	return -1;
}

/* Is errno a limit of this machine (no privilege, protocol, device,
 * syscall) rather than a failure of the zoo? */
static int machine_limit(int e)
{
	switch (e) {
	case EPERM: case EACCES: case EAFNOSUPPORT: case EPROTONOSUPPORT:
	case ESOCKTNOSUPPORT: case EOPNOTSUPP: case ENOPROTOOPT: case ENOSYS:
	case ENOENT: case ENODEV: case ENXIO:
		return 1;
	}
	return 0;
}

/* Records a failed step: skipped when the machine cannot, else an error. */
static int failed(struct want *w, const char *what)
{
	int e = errno;

	return say(w, !machine_limit(e), "%s: %s", what, strerror(e));
}

/* Records a failed step of a kind that is skipped whatever the reason. */
static int unsupported(struct want *w, const char *what)
{
	return say(w, 0, "%s: %s", what, strerror(errno));
}

static int sys_fd(struct want *w, long r, const char *what)
{
	if (r < 0)
		return failed(w, what);
	keep(w, (int)r);
	return 0;
}

/* Paths under DIR. */

static int in_dir(char *buf, size_t n, const char *name)
{
	size_t d = strlen(dir), m = strlen(name);

	if (d + 1 + m + 1 > n)
		return -1;
	memcpy(buf, dir, d);
	buf[d] = '/';
	memcpy(buf + d + 1, name, m);
	buf[d + 1 + m] = '\0';
	return 0;
}

static int open_in_dir(struct want *w, const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	if (in_dir(path, sizeof(path), name) < 0)
		return say(w, 1, "%s: DIR too long", name);
	fd = open(path, flags, 0600);
	if (fd < 0)
		return failed(w, path);
	return keep(w, fd);
}

/* Files. */

static int make_regular(struct want *w)
{
	if (open_in_dir(w, "regular", O_RDWR | O_CREAT) < 0)
		return -1;
	expect(w, "regular", T_FILE, 1);
	return 0;
}

static int make_regular_deleted_name(struct want *w)
{
	if (open_in_dir(w, "x (deleted)", O_RDWR | O_CREAT) < 0)
		return -1;
	expect(w, "regular", T_FILE, 1);
	return 0;
}

static int make_directory(struct want *w)
{
	if (open_in_dir(w, ".", O_RDONLY | O_DIRECTORY) < 0)
		return -1;
	expect(w, "directory", T_FILE, 1);
	return 0;
}

static int make_chardev(struct want *w)
{
	if (sys_fd(w, open("/dev/null", O_RDWR), "/dev/null") < 0)
		return -1;
	expect(w, "chardev", T_FILE, 1);
	return 0;
}

static int make_blockdev(struct want *w)
{
	static const char *const devs[] = { "/dev/loop0", "/dev/ram0", "/dev/vda", "/dev/sda" };
	size_t i;
	int fd;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		fd = open(devs[i], O_RDONLY);
		if (fd >= 0) {
			keep(w, fd);
			expect(w, "blockdev", T_FILE, 1);
			return 0;
		}
	}
	return say(w, 0, "none of /dev/loop0, /dev/ram0, /dev/vda, /dev/sda opens");
}

static int make_fifo(struct want *w)
{
	char path[PATH_MAX];

	if (in_dir(path, sizeof(path), "fifo") < 0)
		return say(w, 1, "fifo: DIR too long");
	unlink(path);
	if (mkfifo(path, 0600) < 0)
		return failed(w, "mkfifo");
	if (open_in_dir(w, "fifo", O_RDWR | O_NONBLOCK) < 0)
		return -1;
	expect(w, "fifo", T_FILE, 1);
	return 0;
}

static int make_memfd(struct want *w)
{
	if (sys_fd(w, memfd_create("fdwatch-zoo", 0), "memfd_create") < 0)
		return -1;
	expect(w, "memfd", T_FILE, 1);
	return 0;
}

static int make_deleted(struct want *w)
{
	char path[PATH_MAX];

	if (open_in_dir(w, "deleted", O_RDWR | O_CREAT) < 0)
		return -1;
	in_dir(path, sizeof(path), "deleted");
	if (unlink(path) < 0)
		return failed(w, "unlink");
	expect(w, "deleted", T_FILE, 1);
	return 0;
}

static int make_procfs(struct want *w)
{
	if (sys_fd(w, open("/proc/self/stat", O_RDONLY), "/proc/self/stat") < 0)
		return -1;
	expect(w, "procfs", T_FILE, 1);
	return 0;
}

/* The syscall itself, which takes the name without glibc's leading '/', so
 * that the zoo needs no -lrt. Unlinked at once: nothing outlives the zoo. */
static int make_mqueue(struct want *w)
{
	char name[64];
	long fd;

	snprintf(name, sizeof(name), "fdwatch-zoo-%d", (int)getpid());
	fd = syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	if (sys_fd(w, fd, "mq_open") < 0)
		return -1;
	syscall(SYS_mq_unlink, name);
	expect(w, "mqueue", T_FILE, 1);
	return 0;
}

static int make_secretmem(struct want *w)
{
#ifdef SYS_memfd_secret
	if (sys_fd(w, syscall(SYS_memfd_secret, 0), "memfd_secret") < 0)
		return -1;
	expect(w, "secretmem", T_FILE, 1);
	return 0;
#else
	return say(w, 0, "memfd_secret: not in these headers");
#endif
}

/* Goes one 200-byte directory deeper from *fd; *len grows with the path. */
static int descend(int *fd, size_t *len)
{
	char name[201];
	int sub;

	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	if (mkdirat(*fd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	sub = openat(*fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (sub < 0)
		return -1;
	close(*fd);
	*fd = sub;
	*len += sizeof(name);
	return 0;
}

/* A file whose path is longer than PATH_MAX: /proc cannot name it. */
static int make_file_other(struct want *w)
{
	char link[64], buf[64];
	size_t len = strlen(dir) + sizeof(LONG_NAME);
	int d, fd;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return failed(w, dir);
	if (mkdirat(d, LONG_NAME, 0700) < 0 && errno != EEXIST)
		return failed(w, "mkdir " LONG_NAME);
	fd = openat(d, LONG_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	close(d);
	if ((d = fd) < 0)
		return failed(w, "open " LONG_NAME);
	while (len <= LONG_DEPTH)
		if (descend(&d, &len) < 0)
			return failed(w, "a deep directory");
	fd = openat(d, "f", O_RDWR | O_CREAT, 0600);
	close(d);
	if (sys_fd(w, fd, "the deep file") < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (readlink(link, buf, sizeof(buf)) >= 0 || errno != ENAMETOOLONG)
		return say(w, 0, "readlink of a %zu-byte path did not fail with ENAMETOOLONG", len);
	expect(w, "file-other", T_FILE, 1);
	return 0;
}

static int make_nsfs(struct want *w)
{
	if (sys_fd(w, open("/proc/self/ns/net", O_RDONLY), "/proc/self/ns/net") < 0)
		return -1;
	expect(w, "nsfs", T_OTHER, 1);
	return 0;
}

static int make_pipe(struct want *w)
{
	int p[2];

	if (pipe2(p, 0) < 0)
		return failed(w, "pipe2");
	keep(w, p[0]);
	keep(w, p[1]);
	expect(w, "pipe", T_PIPE, 2);
	return 0;
}

/* Anonymous inodes. */

static int anon(struct want *w, long fd, const char *kind)
{
	if (sys_fd(w, fd, kind) < 0)
		return -1;
	expect(w, kind, T_ANON, 1);
	return 0;
}

static int make_eventfd(struct want *w)
{
	return anon(w, eventfd(0, 0), "eventfd");
}

static int make_eventpoll(struct want *w)
{
	return anon(w, epoll_create1(0), "eventpoll");
}

static int make_timerfd(struct want *w)
{
	return anon(w, timerfd_create(CLOCK_MONOTONIC, 0), "timerfd");
}

static int make_signalfd(struct want *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	return anon(w, signalfd(-1, &set, 0), "signalfd");
}

static int make_inotify(struct want *w)
{
	return anon(w, inotify_init1(0), "inotify");
}

static int make_fanotify(struct want *w)
{
	return anon(w, fanotify_init(FAN_CLASS_NOTIF, O_RDONLY), "fanotify");
}

static int make_pidfd(struct want *w)
{
	return anon(w, syscall(SYS_pidfd_open, getppid(), 0), "pidfd");
}

static int make_io_uring(struct want *w)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return anon(w, syscall(SYS_io_uring_setup, 1, &p), "io_uring");
}

static int make_perf_event(struct want *w)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.disabled = 1;
	return anon(w, syscall(SYS_perf_event_open, &a, 0, -1, -1, 0), "perf_event");
}

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int make_bpf_map(struct want *w)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return anon(w, bpf(BPF_MAP_CREATE, &a), "bpf-map");
}

/* A socket filter that accepts nothing: r0 = 0; exit. */
static int make_bpf_prog(struct want *w)
{
	struct bpf_insn insns[2];
	union bpf_attr a;
	long fd;

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[1].code = BPF_JMP | BPF_EXIT;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (unsigned long)insns;
	a.license = (unsigned long)"GPL";
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		return unsupported(w, "BPF_PROG_LOAD");
	return anon(w, fd, "bpf-prog");
}

static int make_userfaultfd(struct want *w)
{
	return anon(w, syscall(SYS_userfaultfd, 0), "userfaultfd");
}

/* Sockets. */

static socklen_t loopback(int family, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)a)->sin6_addr = in6addr_loopback;
		return sizeof(struct sockaddr_in6);
	}
	((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(struct sockaddr_in);
}

/* "127.0.0.1:PORT" or "[::1]:PORT", as fdwatch prints endpoints. */
static void format_ep(char *buf, size_t n, const struct sockaddr_storage *a)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(buf, n, "[%s]:%d", host, ntohs(s->sin6_port));
	} else {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(buf, n, "%s:%d", host, ntohs(s->sin_port));
	}
}

static int bind_loopback(int s, int family)
{
	struct sockaddr_storage a;
	socklen_t n = loopback(family, &a);

	return bind(s, (struct sockaddr *)&a, n);
}

/* A socket bound to the loopback address of its family, port 0. */
static int bound(struct want *w, int family, int type, int proto, const char *what)
{
	int s = socket(family, type, proto);

	if (s < 0)
		return failed(w, what);
	keep(w, s);
	if (bind_loopback(s, family) < 0)
		return failed(w, "bind");
	return s;
}

static int local_ep(int s, char *buf, size_t n)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (getsockname(s, (struct sockaddr *)&a, &len) < 0)
		return -1;
	format_ep(buf, n, &a);
	return 0;
}

static int connect_to(int s, int to)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	if (getsockname(to, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return connect(s, (struct sockaddr *)&a, len);
}

static int make_tcp_unbound(struct want *w)
{
	if (sys_fd(w, socket(AF_INET, SOCK_STREAM, 0), "socket") < 0)
		return -1;
	expect(w, "tcp", T_SOCKET, 1);
	group(w, "tcp", "none", NULL, "CLOSE", 1);
	return 0;
}

/* A TCP socket of 127.0.0.1 bound to a service port: one below the
 * kernel's ephemeral range (32768 and up by default), as servers use. */
static int bound_service(struct want *w)
{
	struct sockaddr_in a;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return failed(w, "socket");
	keep(w, s);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (unsigned port = 20000; port < 21000; port++) {
		a.sin_port = htons((uint16_t)port);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			return s;
	}
	return failed(w, "bind");
}

/* A listener, a client connected to it and the accepted end; when orphan,
 * the listener is on a service port and closed after accept: the accepted
 * end is still the service side. */
static int tcp_trio(struct want *w, int family, const char *proto, int orphan)
{
	char ep[128];
	int lis, c;

	lis = orphan ? bound_service(w) : bound(w, family, SOCK_STREAM, 0, "socket");
	if (lis < 0)
		return -1;
	if (listen(lis, 4) < 0 || local_ep(lis, ep, sizeof(ep)) < 0)
		return failed(w, "listen");
	c = keep(w, socket(family, SOCK_STREAM, 0));
	if (c < 0 || connect_to(c, lis) < 0)
		return failed(w, "connect");
	if (keep(w, accept(lis, NULL, NULL)) < 0)
		return failed(w, "accept");
	if (orphan)
		unkeep(w, lis);
	else
		group(w, proto, "listen", ep, "LISTEN", 1);

	expect(w, proto, T_SOCKET, orphan ? 2 : 3);
	group(w, proto, "out", ep, "ESTABLISHED", 1);
	group(w, proto, "in", ep, "ESTABLISHED", 1);
	return 0;
}

static int make_tcp(struct want *w)
{
	return tcp_trio(w, AF_INET, "tcp", 0);
}

static int make_tcp6(struct want *w)
{
	return tcp_trio(w, AF_INET6, "tcp6", 0);
}

static int make_tcp_orphan_accept(struct want *w)
{
	return tcp_trio(w, AF_INET, "tcp", 1);
}

/* A bound datagram socket and, when pair, one connected to it. */
static int dgram(struct want *w, int family, int proto, const char *name, int pair)
{
	char ep[128];
	int s, c;

	if ((s = bound(w, family, SOCK_DGRAM, proto, "socket")) < 0)
		return -1;
	if (local_ep(s, ep, sizeof(ep)) < 0)
		return failed(w, "getsockname");
	group(w, name, "none", ep, "UNCONN", 1);
	if (pair) {
		c = keep(w, socket(family, SOCK_DGRAM, proto));
		if (c < 0 || connect_to(c, s) < 0)
			return failed(w, "connect");
		group(w, name, "out", ep, "ESTABLISHED", 1);
	}
	expect(w, name, T_SOCKET, pair ? 2 : 1);
	return 0;
}

static int make_udp(struct want *w)
{
	return dgram(w, AF_INET, 0, "udp", 1);
}

static int make_udp6(struct want *w)
{
	return dgram(w, AF_INET6, 0, "udp6", 1);
}

static int make_udplite(struct want *w)
{
	return dgram(w, AF_INET, IPPROTO_UDPLITE, "udplite", 0);
}

static int make_udplite6(struct want *w)
{
	return dgram(w, AF_INET6, IPPROTO_UDPLITE, "udplite6", 0);
}

/* Protocol 253 is for experiments: nothing on the machine speaks it. */
static int raw(struct want *w, int family, const char *name, const char *ep)
{
	if (sys_fd(w, socket(family, SOCK_RAW, 253), "socket") < 0)
		return -1;
	expect(w, name, T_SOCKET, 1);
	group(w, name, "none", ep, "UNCONN", 1);
	return 0;
}

static int make_raw(struct want *w)
{
	return raw(w, AF_INET, "raw", "0.0.0.0:253");
}

static int make_raw6(struct want *w)
{
	return raw(w, AF_INET6, "raw6", "[::]:253");
}

/* A ping socket (allowed by net.ipv4.ping_group_range, which a test sets
 * inside a network namespace of its own). */
static int ping(struct want *w, int family, int proto, const char *name)
{
	char ep[128];
	int s;

	if ((s = bound(w, family, SOCK_DGRAM, proto, "socket")) < 0)
		return -1;
	if (local_ep(s, ep, sizeof(ep)) < 0)
		return failed(w, "getsockname");
	expect(w, name, T_SOCKET, 1);
	group(w, name, "none", ep, NULL, 1);
	return 0;
}

static int make_icmp(struct want *w)
{
	return ping(w, AF_INET, IPPROTO_ICMP, "icmp");
}

static int make_icmp6(struct want *w)
{
	return ping(w, AF_INET6, IPPROTO_ICMPV6, "icmp6");
}

static int make_unix_pair(struct want *w)
{
	int p[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) < 0)
		return failed(w, "socketpair");
	keep(w, p[0]);
	keep(w, p[1]);
	expect(w, "unix", T_SOCKET, 2);
	group(w, "unix", "none", NULL, NULL, 2);
	return 0;
}

/* A unix socket of type bound to DIR/name; path gets the full path. */
static int unix_bound(struct want *w, int type, const char *name, char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s;

	if (in_dir(a.sun_path, sizeof(a.sun_path), name) < 0)
		return say(w, 0, "DIR is too long for a unix socket path");
	strcpy(path, a.sun_path);
	unlink(path);
	if ((s = keep(w, socket(AF_UNIX, type, 0))) < 0)
		return failed(w, "socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return failed(w, "bind");
	return s;
}

static int unix_connect(int s, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	strcpy(a.sun_path, path);
	return connect(s, (struct sockaddr *)&a, sizeof(a));
}

static int make_unix_listen(struct want *w)
{
	char path[108];
	int s;

	if ((s = unix_bound(w, SOCK_STREAM, "l.sock", path)) < 0)
		return -1;
	if (listen(s, 4) < 0)
		return failed(w, "listen");
	expect(w, "unix", T_SOCKET, 1);
	group(w, "unix", "listen", path, "LISTEN", 1);
	return 0;
}

/* The client bound to a path of its own is a client all the same: out
 * toward the listener, not in under its own path. */
static int make_unix_bound_client(struct want *w)
{
	char spath[108], cpath[108];
	int lis, c;

	if ((lis = unix_bound(w, SOCK_STREAM, "s.sock", spath)) < 0)
		return -1;
	if (listen(lis, 4) < 0)
		return failed(w, "listen");
	if ((c = unix_bound(w, SOCK_STREAM, "c.sock", cpath)) < 0)
		return -1;
	if (unix_connect(c, spath) < 0)
		return failed(w, "connect");
	if (keep(w, accept(lis, NULL, NULL)) < 0)
		return failed(w, "accept");
	expect(w, "unix", T_SOCKET, 3);
	group(w, "unix", "listen", spath, "LISTEN", 1);
	strcpy(group(w, "unix", "out", spath, "ESTABLISHED", 1)->bound, cpath);
	group(w, "unix", "in", spath, "ESTABLISHED", 1);
	return 0;
}

static int make_unix_dgram_bound_client(struct want *w)
{
	char dpath[108], epath[108];
	int c;

	if (unix_bound(w, SOCK_DGRAM, "d.sock", dpath) < 0)
		return -1;
	if ((c = unix_bound(w, SOCK_DGRAM, "e.sock", epath)) < 0)
		return -1;
	if (unix_connect(c, dpath) < 0)
		return failed(w, "connect");
	expect(w, "unix", T_SOCKET, 2);
	group(w, "unix", "none", dpath, NULL, 1);
	strcpy(group(w, "unix", "out", dpath, NULL, 1)->bound, epath);
	return 0;
}

/* A netlink socket of protocol proto, bound (the kernel picks the port). */
static int netlink(struct want *w, int proto, const char *kind, const char *name)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	int s = keep(w, socket(AF_NETLINK, SOCK_RAW, proto));

	if (s < 0)
		return failed(w, "socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return failed(w, "bind");
	expect(w, kind, T_SOCKET, 1);
	group(w, "netlink", "none", name, NULL, 1);
	return 0;
}

static int make_netlink_route(struct want *w)
{
	return netlink(w, NETLINK_ROUTE, "netlink-route", "route");
}

static int make_netlink_sock_diag(struct want *w)
{
	return netlink(w, NETLINK_SOCK_DIAG, "netlink-sock_diag", "sock_diag");
}

static int make_netlink_kobject_uevent(struct want *w)
{
	return netlink(w, NETLINK_KOBJECT_UEVENT, "netlink-kobject_uevent", "kobject_uevent");
}

static int make_packet(struct want *w)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = keep(w, socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
	int small = 4096;

	if (s < 0)
		return failed(w, "socket");
	/* It sees every loopback frame: keep only a few. */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	a.sll_ifindex = (int)if_nametoindex("lo");
	if (a.sll_ifindex == 0)
		return failed(w, "if_nametoindex lo");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return failed(w, "bind");
	expect(w, "packet", T_SOCKET, 1);
	group(w, "packet", "none", "lo", NULL, 1);
	return 0;
}

/* An unbound socket of a family fdwatch names but cannot place. */
static int lone(struct want *w, int family, int type, int proto, const char *name, int any)
{
	int s = socket(family, type, proto);

	if (s < 0)
		return any ? unsupported(w, "socket") : failed(w, "socket");
	keep(w, s);
	expect(w, name, T_SOCKET, 1);
	group(w, name, "none", NULL, NULL, 1);
	return 0;
}

static int make_vsock(struct want *w)
{
	return lone(w, AF_VSOCK, SOCK_STREAM, 0, "vsock", 0);
}

static int make_xdp(struct want *w)
{
	return lone(w, AF_XDP, SOCK_RAW, 0, "xdp", 1);
}

/* Off (net.mptcp.enabled=0) it is ENOPROTOOPT, or EINVAL on some kernels. */
static int make_mptcp(struct want *w)
{
	char ep[128];
	int s = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);

	if (s < 0 && errno == EINVAL)
		return unsupported(w, "socket");
	if (s < 0)
		return failed(w, "socket");
	keep(w, s);
	if (bind_loopback(s, AF_INET) < 0)
		return failed(w, "bind");
	if (listen(s, 4) < 0 || local_ep(s, ep, sizeof(ep)) < 0)
		return failed(w, "listen");
	expect(w, "mptcp", T_SOCKET, 1);
	group(w, "mptcp", "listen", ep, "LISTEN", 1);
	return 0;
}

static int make_sctp(struct want *w)
{
	char ep[128];
	int s;

	if ((s = bound(w, AF_INET, SOCK_STREAM, IPPROTO_SCTP, "socket")) < 0)
		return -1;
	if (listen(s, 4) < 0 || local_ep(s, ep, sizeof(ep)) < 0)
		return failed(w, "listen");
	expect(w, "sctp", T_SOCKET, 1);
	group(w, "sctp", "listen", ep, "LISTEN", 1);
	return 0;
}

/* A socket of another network namespace: fdwatch cannot see its table, so
 * only its kind is expected ("sockets" is left out). */
static int make_netns_socket(struct want *w)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int home, s;

	if ((home = open("/proc/self/ns/net", O_RDONLY)) < 0)
		return failed(w, "/proc/self/ns/net");
	if (unshare(CLONE_NEWNET) < 0)
		return failed(w, "unshare");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return failed(w, "a socket in the new namespace");
	if (setns(home, CLONE_NEWNET) < 0)
		return failed(w, "setns back");
	close(home);
	keep(w, s);
	expect(w, "udp", T_SOCKET, 1);
	return 0;
}

/* One of several kinds in one process: the counts must add up. */
static int make_many_kinds(struct want *w)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	int p[2], s;

	if (sys_fd(w, eventfd(0, 0), "eventfd") < 0 || sys_fd(w, inotify_init1(0), "inotify") < 0 ||
	    sys_fd(w, timerfd_create(CLOCK_MONOTONIC, 0), "timerfd") < 0 ||
	    open_in_dir(w, "many", O_RDWR | O_CREAT) < 0 ||
	    sys_fd(w, socket(AF_INET, SOCK_STREAM, 0), "socket tcp") < 0 ||
	    sys_fd(w, s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), "socket netlink") < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return failed(w, "bind netlink");
	if (pipe2(p, 0) < 0)
		return failed(w, "pipe2");
	keep(w, p[0]);
	keep(w, p[1]);
	expect(w, "eventfd", T_ANON, 1);
	expect(w, "inotify", T_ANON, 1);
	expect(w, "timerfd", T_ANON, 1);
	expect(w, "regular", T_FILE, 1);
	expect(w, "pipe", T_PIPE, 2);
	expect(w, "tcp", T_SOCKET, 1);
	expect(w, "netlink-route", T_SOCKET, 1);
	group(w, "tcp", "none", NULL, "CLOSE", 1);
	group(w, "netlink", "none", "route", NULL, 1);
	return 0;
}

static const struct zoo_kind zoo[] = {
	{ "regular", make_regular },
	{ "regular-deleted-name", make_regular_deleted_name },
	{ "directory", make_directory },
	{ "chardev", make_chardev },
	{ "blockdev", make_blockdev },
	{ "fifo", make_fifo },
	{ "memfd", make_memfd },
	{ "deleted", make_deleted },
	{ "procfs", make_procfs },
	{ "mqueue", make_mqueue },
	{ "secretmem", make_secretmem },
	{ "file-other", make_file_other },
	{ "nsfs", make_nsfs },
	{ "pipe", make_pipe },
	{ "eventfd", make_eventfd },
	{ "eventpoll", make_eventpoll },
	{ "timerfd", make_timerfd },
	{ "signalfd", make_signalfd },
	{ "inotify", make_inotify },
	{ "fanotify", make_fanotify },
	{ "pidfd", make_pidfd },
	{ "io_uring", make_io_uring },
	{ "perf_event", make_perf_event },
	{ "bpf-map", make_bpf_map },
	{ "bpf-prog", make_bpf_prog },
	{ "userfaultfd", make_userfaultfd },
	{ "tcp-unbound", make_tcp_unbound },
	{ "tcp", make_tcp },
	{ "tcp6", make_tcp6 },
	{ "tcp-orphan-accept", make_tcp_orphan_accept },
	{ "udp", make_udp },
	{ "udp6", make_udp6 },
	{ "udplite", make_udplite },
	{ "udplite6", make_udplite6 },
	{ "raw", make_raw },
	{ "raw6", make_raw6 },
	{ "icmp", make_icmp },
	{ "icmp6", make_icmp6 },
	{ "unix-pair", make_unix_pair },
	{ "unix-listen", make_unix_listen },
	{ "unix-bound-client", make_unix_bound_client },
	{ "unix-dgram-bound-client", make_unix_dgram_bound_client },
	{ "netlink-route", make_netlink_route },
	{ "netlink-sock_diag", make_netlink_sock_diag },
	{ "netlink-kobject_uevent", make_netlink_kobject_uevent },
	{ "packet", make_packet },
	{ "vsock", make_vsock },
	{ "xdp", make_xdp },
	{ "mptcp", make_mptcp },
	{ "sctp", make_sctp },
	{ "netns-socket", make_netns_socket },
	{ "many-kinds", make_many_kinds },
};
#define NZOO ((int)(sizeof(zoo) / sizeof(zoo[0])))

/* The JSON line. */

struct buf {
	char	s[8192];
	size_t	n;
};

static void bput(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		b->n += (size_t)r < sizeof(b->s) - b->n ? (size_t)r : sizeof(b->s) - b->n - 1;
}

static void bstr(struct buf *b, const char *s)
{
	bput(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			bput(b, "\\%c", c);
		else if (c < 0x20)
			bput(b, "\\u%04x", c);
		else
			bput(b, "%c", c);
	}
	bput(b, "\"");
}

static void put_group(struct buf *b, const struct group *g)
{
	bput(b, "{\"proto\": ");
	bstr(b, g->proto);
	bput(b, ", \"direction\": ");
	bstr(b, g->dir);
	bput(b, ", \"%s\": ", strcmp(g->dir, "out") == 0 ? "remote" : "local");
	if (g->ep_null)
		bput(b, "null");
	else
		bstr(b, g->ep);
	if (g->state) {
		bput(b, ", \"state\": ");
		bstr(b, g->state);
	}
	if (g->bound[0]) {
		bput(b, ", \"_bound\": ");
		bstr(b, g->bound);
	}
	bput(b, ", \"count\": %d}", g->count);
}

static void put_want(struct buf *b, const struct want *w)
{
	int i;

	bput(b, "{\"kind\": ");
	bstr(b, w->kind);
	bput(b, ", \"pid\": %d, \"kinds\": {", (int)getpid());
	for (i = 0; i < w->nkinds; i++) {
		bput(b, i ? ", " : "");
		bstr(b, w->kinds[i].name);
		bput(b, ": %d", w->kinds[i].n);
	}
	bput(b, "}, \"types\": {");
	for (i = 0; i < NTYPES; i++)
		bput(b, "%s\"%s\": %d", i ? ", " : "", type_names[i], w->types[i]);
	bput(b, "}");
	if (w->sockets) {
		bput(b, ", \"sockets\": [");
		for (i = 0; i < w->ngroups; i++) {
			bput(b, i ? ", " : "");
			put_group(b, &w->groups[i]);
		}
		bput(b, "]");
	}
	bput(b, "}\n");
}

static void put_refusal(struct buf *b, const struct want *w)
{
	bput(b, "{\"kind\": ");
	bstr(b, w->kind);
	bput(b, ", \"%s\": ", w->error ? "error" : "skipped");
	bstr(b, w->why);
	bput(b, "}\n");
}

/* The child. */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void close_from(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	if (hi > 65535)
		hi = 65535;
	for (; lo <= hi; lo++)
		close((int)lo);
}

/* Closes every fd but the kind's own. */
static void close_others(struct want *w)
{
	unsigned lo = 0;
	int i;

	qsort(w->keep, (size_t)w->nkeep, sizeof(int), cmp_int);
	for (i = 0; i < w->nkeep; i++) {
		if (w->keep[i] > 0)
			close_from(lo, (unsigned)w->keep[i] - 1);
		lo = (unsigned)w->keep[i] + 1;
	}
	close_from(lo, ~0U);
}

static void write_all(int fd, const char *s, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

/* Makes the kind; reports 'R' and the line when it lives on, 'S' and the
 * refusal when it exits. */
static void child(const struct zoo_kind *k, int wfd, pid_t parent) __attribute__((noreturn));

static void child(const struct zoo_kind *k, int wfd, pid_t parent)
{
	struct want w;
	struct buf b;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	memset(&w, 0, sizeof(w));
	memset(&b, 0, sizeof(b));
	w.kind = k->name;
	if (k->make(&w) < 0) {
		bput(&b, "S");
		put_refusal(&b, &w);
		write_all(wfd, b.s, b.n);
		_exit(0);
	}
	bput(&b, "R");
	put_want(&b, &w);
	write_all(wfd, b.s, b.n);
	close_others(&w);
	for (;;)
		pause();
}

/* The parent. */

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Reads the child's report until it closes the pipe (so its fds are final
 * when this returns), at most 10 s. Returns the length read. */
static size_t read_report(int rfd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap) {
		if (poll(&p, 1, 10000) <= 0)
			break;
		r = read(rfd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static void print_error(const char *kind, const char *why)
{
	struct want w;
	struct buf b;

	memset(&w, 0, sizeof(w));
	memset(&b, 0, sizeof(b));
	w.kind = kind;
	say(&w, 1, "%s", why);
	put_refusal(&b, &w);
	fputs(b.s, stdout);
}

/* Prints the kind's line; returns the pid of its child, or 0 when none
 * lives on. */
static pid_t raise_kind(const struct zoo_kind *k)
{
	char buf[8192];
	int p[2];
	pid_t pid, me = getpid();

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		print_error(k->name, strerror(errno));
		return 0;
	}
	if (pid == 0)
		child(k, p[1], me);
	close(p[1]);
	read_report(p[0], buf, sizeof(buf));
	close(p[0]);
	if (buf[0] == 'R') {
		fputs(buf + 1, stdout);
		return pid;
	}
	if (buf[0] == 'S')
		fputs(buf + 1, stdout);
	else
		print_error(k->name, "the child did not report");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

/* Removes name under the directory fd d, whatever it holds. */
static void rm_tree(int d, const char *name)
{
	struct dirent *de;
	DIR *dp;
	int sub;

	if (unlinkat(d, name, 0) == 0 || errno == ENOENT)
		return;
	sub = openat(d, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (sub < 0 || !(dp = fdopendir(sub))) {
		if (sub >= 0)
			close(sub);
		return;
	}
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rm_tree(dirfd(dp), de->d_name);
	closedir(dp);
	unlinkat(d, name, AT_REMOVEDIR);
}

static void clean_dir(int own)
{
	size_t i;
	int d = open(dir, O_RDONLY | O_DIRECTORY);

	if (d < 0)
		return;
	for (i = 0; i < sizeof(made_names) / sizeof(made_names[0]); i++)
		unlinkat(d, made_names[i], 0);
	rm_tree(d, LONG_NAME);
	close(d);
	if (own)
		rmdir(dir);
}

static const struct zoo_kind *find_kind(const char *name)
{
	int i;

	for (i = 0; i < NZOO; i++)
		if (strcmp(zoo[i].name, name) == 0)
			return &zoo[i];
	return NULL;
}

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	int i;

	fprintf(stderr, "usage: helper-zoo [--dir DIR] [KIND ...], each kind once; kinds:\n");
	for (i = 0; i < NZOO; i++)
		fprintf(stderr, " %s", zoo[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

/* Waits for SIGTERM or EOF on stdin. */
static void wait_for_end(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char junk[256];

	while (!stop) {
		if (poll(&p, 1, 200) > 0 && read(0, junk, sizeof(junk)) <= 0)
			break;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "dir", 1, 0, 'd' }, { 0, 0, 0, 0 } };
	const struct zoo_kind *order[NZOO];
	pid_t pids[NZOO];
	struct sigaction sa;
	int n = 0, own = 0, c, i, j;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != 'd')
			usage();
		snprintf(dir, sizeof(dir), "%s", optarg);
	}
	for (i = optind; i < argc; i++) {
		if (n == NZOO || !(order[n] = find_kind(argv[i])))
			usage();
		for (j = 0; j < n; j++)
			if (order[j] == order[n])
				usage();
		n++;
	}
	if (n == 0)
		for (; n < NZOO; n++)
			order[n] = &zoo[n];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fdwatch-zoo.XXXXXX");
		if (!mkdtemp(dir)) {
			perror("helper-zoo: mkdtemp");
			return 1;
		}
		own = 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < n && !stop; i++) {
		pids[i] = raise_kind(order[i]);
		fflush(stdout);
	}
	n = i;
	printf("READY\n");
	fflush(stdout);
	wait_for_end();

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	clean_dir(own);
	return 0;
}
