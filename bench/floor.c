/* floor.c - the least work that answers fdwatch's question, as the yardstick
 * of the benchmark: list every process's fds (getdents64), read each link
 * once (readlinkat), and dump the TCP table once through NETLINK_SOCK_DIAG,
 * without parsing or printing more than a count.
 *
 *   floor [-m fd|dents|diag|fd,diag] [-n REPEATS]
 *
 * dents lists every fd/ without reading the links: what counting costs
 * without st_size (kernels before 6.2).
 *
 * Prints "fds=N links=N socks=N ms=T" (T: median of the repeats, in
 * process). Run whole under a timer, it is the floor fdwatch is held to. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static char dents[1 << 16];

/* Lists dirfd with getdents64, calling fn on each name not starting with '.'. */
static long each_entry(int dirfd, void (*fn)(int, const char *, long *), long *acc)
{
	long n = 0;

	for (;;) {
		long r = syscall(SYS_getdents64, dirfd, dents, sizeof(dents));

		if (r <= 0)
			return n;
		for (long off = 0; off < r;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(dents + off);

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			n++;
			if (fn)
				fn(dirfd, d->d_name, acc);
		}
	}
}

static void read_link(int dirfd, const char *name, long *links)
{
	char buf[4096];

	if (readlinkat(dirfd, name, buf, sizeof(buf)) >= 0)
		(*links)++;
}

/* Every fd of every process: one listing and, with links, one readlinkat
 * per fd. */
static void walk_fds(long *fds, long *links, int read_links)
{
	static char names[1 << 16];
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	*fds = *links = 0;
	if (proc < 0)
		return;
	while ((r = syscall(SYS_getdents64, proc, names, sizeof(names))) > 0) {
		for (long off = 0; off < r;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(names + off);
			char path[64];
			int fd;

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "%s/fd", d->d_name);
			fd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;
			*fds += each_entry(fd, read_links ? read_link : NULL, links);
			close(fd);
		}
	}
	close(proc);
}

/* One TCP dump of this netns, IPv4 and IPv6 in one walk; counts sockets. */
static long dump_tcp(void)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static char buf[1 << 16];
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	long socks = 0;

	if (nl < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = TCPDIAG_GETSOCK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.idiag_family = AF_UNSPEC;
	/* as fdwatch asks: TIME_WAIT and request sockets hold no fd */
	req.r.idiag_states = ~((1u << 6) | (1u << 12));
	if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		close(nl);
		return -1;
	}
	for (;;) {
		ssize_t r = recv(nl, buf, sizeof(buf), 0);
		size_t off = 0;

		if (r <= 0)
			break;
		while (off + sizeof(struct nlmsghdr) <= (size_t)r) {
			struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)r - off)
				break;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				close(nl);
				return socks;
			}
			socks++;
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
	close(nl);
	return socks;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int do_fd = 1, do_diag = 1, do_links = 1, c;
	long repeats = 1, fds = 0, links = 0, socks = 0;
	double *t;

	while ((c = getopt(argc, argv, "m:n:")) != -1) {
		switch (c) {
		case 'm':
			do_fd = strstr(optarg, "fd") != NULL || strstr(optarg, "dents") != NULL;
			do_links = strstr(optarg, "fd") != NULL;
			do_diag = strstr(optarg, "diag") != NULL;
			break;
		case 'n':
			repeats = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: floor [-m fd|dents|diag|fd,diag] [-n REPEATS]\n");
			return 2;
		}
	}
	if (repeats < 1)
		repeats = 1;
	t = calloc((size_t)repeats, sizeof(*t));
	if (!t)
		return 1;
	for (long i = 0; i < repeats; i++) {
		double t0 = now_ms();

		if (do_fd)
			walk_fds(&fds, &links, do_links);
		if (do_diag)
			socks = dump_tcp();
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)repeats, sizeof(*t), cmp_double);
	printf("fds=%ld links=%ld socks=%ld ms=%.3f\n", fds, links, socks, t[repeats / 2]);
	free(t);
	return 0;
}
