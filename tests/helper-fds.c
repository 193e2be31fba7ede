/* helper-fds.c - a test process that opens a chosen mix of file
 * descriptors, optionally leaks more at a set rate, prints its pid and the
 * port of its own loopback listener, and waits. Only 127.0.0.1 and ::1 are
 * ever used.
 *
 *   helper-fds [--tcp N] [--close-wait N] [--tcp6 N] [--udp N] [--udp6 N]
 *              [--unix N] [--pipe N] [--file N] [--eventfd N]
 *              [--leak tcp|file|pipe|eventfd|inotify] [--rate PER_S] [--leak-max N]
 *              [--pool N] [--churn PER_S] [--nofile N] [--name NAME]
 *              [--dir DIR] [--timeout S] [--connect PORT --connections N]
 *              [--hold] [--drop N --every S]
 *
 * On start it prints "PID PORT PORT6 UNIXPATH" and flushes. --leak opens one
 * more fd every 1/rate seconds and keeps it (tcp: a client connection to the
 * listener whose server end is closed, so it sits in CLOSE_WAIT - the leak of
 * an HTTP client that never closes response bodies). --pool N --churn R opens
 * N such connections, then closes the oldest and opens a new one R times a
 * second (steady work). --connect PORT --connections N opens N client
 * connections to another process's listener on 127.0.0.1:PORT. --drop N
 * --every S closes the N oldest leaked fds every S seconds (a garbage
 * collector's finaliser catching up with part of a leak). It exits on
 * SIGTERM, on --timeout, or when the leak hits EMFILE (then it prints
 * "EMFILE after N" to stderr and exits 3; with --hold it stays at its limit,
 * as a server failing every request does, until SIGTERM or --timeout). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static int lis4 = -1, lis6 = -1, lisu = -1;
static char unix_path[108];
static char file_dir[4096] = "/tmp";
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "helper-fds: %s: %s\n", what, strerror(errno));
	if (unix_path[0])
		unlink(unix_path);
	exit(errno == EMFILE ? 3 : 1);
}

static int listener(int family)
{
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("bind 127.0.0.1");
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1; /* no IPv6 in this namespace */
	}
	if (listen(s, 4096) < 0)
		die("listen");
	return s;
}

static int port_of(int s)
{
	struct sockaddr_storage a;
	socklen_t n = sizeof(a);

	if (s < 0 || getsockname(s, (struct sockaddr *)&a, &n) < 0)
		return 0;
	return ntohs(a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port
					    : ((struct sockaddr_in6 *)&a)->sin6_port);
}

/* Connects to our own listener; keeps or closes the server end. Returns the
 * client fd, or -1 with errno set. */
static int tcp_conn(int lis, int keep_server)
{
	struct sockaddr_storage a;
	socklen_t n = sizeof(a);
	int c, sv;

	if (getsockname(lis, (struct sockaddr *)&a, &n) < 0)
		return -1;
	c = socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&a, n) < 0) {
		int e = errno;

		close(c);
		errno = e;
		return -1;
	}
	sv = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
	if (sv < 0) {
		int e = errno;

		close(c);
		errno = e;
		return -1;
	}
	if (!keep_server)
		close(sv);
	return c;
}

static int udp_conn(int family)
{
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(9),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
	}
	return s;
}

static int unix_conn(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (c < 0)
		return -1;
	memcpy(a.sun_path, unix_path, strlen(unix_path));
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	/* keep the accepted end too: one "in" and one "out" fd per pair */
	if (accept4(lisu, NULL, NULL, SOCK_CLOEXEC) < 0)
		return -1;
	return c;
}

static int open_file(unsigned k)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/helper-fds.%d.%u", file_dir, getpid(), k % 8);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

static int leak_one(const char *kind, unsigned k)
{
	int p[2];

	if (strcmp(kind, "tcp") == 0)
		return tcp_conn(lis4, 0);
	if (strcmp(kind, "file") == 0)
		return open_file(k);
	if (strcmp(kind, "pipe") == 0) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		return p[0];
	}
	if (strcmp(kind, "eventfd") == 0)
		return eventfd(0, EFD_CLOEXEC);
	if (strcmp(kind, "inotify") == 0)
		return inotify_init1(IN_CLOEXEC);
	errno = EINVAL;
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tcp", 1, 0, 't' }, { "close-wait", 1, 0, 'w' }, { "tcp6", 1, 0, '6' },
		{ "udp", 1, 0, 'u' }, { "udp6", 1, 0, 'U' }, { "unix", 1, 0, 'x' },
		{ "pipe", 1, 0, 'p' }, { "file", 1, 0, 'f' }, { "eventfd", 1, 0, 'e' },
		{ "leak", 1, 0, 'l' }, { "rate", 1, 0, 'r' }, { "leak-max", 1, 0, 'm' },
		{ "pool", 1, 0, 'P' }, { "churn", 1, 0, 'c' }, { "nofile", 1, 0, 'n' },
		{ "name", 1, 0, 'N' }, { "dir", 1, 0, 'd' }, { "timeout", 1, 0, 'T' },
		{ "connect", 1, 0, 'C' }, { "connections", 1, 0, 'k' },
		{ "hold", 0, 0, 'H' }, { "drop", 1, 0, 'D' }, { "every", 1, 0, 'E' },
		{ 0, 0, 0, 0 },
	};
	long tcp = 0, cw = 0, tcp6 = 0, udp = 0, udp6 = 0, nunix = 0, npipe = 0, nfile = 0;
	long nevent = 0, leak_max = -1, pool = 0, nofile = 0, connect_port = 0, nconnect = 0;
	double rate = 0, churn = 0, timeout = 300, every = 0;
	long drop = 0, nheld = 0, held_cap = 0;
	int *held = NULL, hold = 0;
	const char *leak = NULL, *name = NULL;
	struct sockaddr_un ua = { .sun_family = AF_UNIX };
	int *ring = NULL, c;
	long leaked = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't': tcp = atol(optarg); break;
		case 'w': cw = atol(optarg); break;
		case '6': tcp6 = atol(optarg); break;
		case 'u': udp = atol(optarg); break;
		case 'U': udp6 = atol(optarg); break;
		case 'x': nunix = atol(optarg); break;
		case 'p': npipe = atol(optarg); break;
		case 'f': nfile = atol(optarg); break;
		case 'e': nevent = atol(optarg); break;
		case 'l': leak = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'm': leak_max = atol(optarg); break;
		case 'P': pool = atol(optarg); break;
		case 'c': churn = atof(optarg); break;
		case 'n': nofile = atol(optarg); break;
		case 'N': name = optarg; break;
		case 'd': snprintf(file_dir, sizeof(file_dir), "%s", optarg); break;
		case 'T': timeout = atof(optarg); break;
		case 'C': connect_port = atol(optarg); break;
		case 'k': nconnect = atol(optarg); break;
		case 'H': hold = 1; break;
		case 'D': drop = atol(optarg); break;
		case 'E': every = atof(optarg); break;
		default:
			fprintf(stderr, "usage: see the comment at the top of helper-fds.c\n");
			return 2;
		}
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (name)
		prctl(PR_SET_NAME, name);
	if (nofile > 0) {
		struct rlimit rl;

		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = (rlim_t)nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	lis4 = listener(AF_INET);
	lis6 = listener(AF_INET6);
	if (strlen(file_dir) + 32 < sizeof(ua.sun_path))
		snprintf(unix_path, sizeof(unix_path), "%.70s/helper-fds.%d.sock", file_dir, getpid());
	else
		snprintf(unix_path, sizeof(unix_path), "/tmp/helper-fds.%d.sock", getpid());
	memcpy(ua.sun_path, unix_path, strlen(unix_path));
	lisu = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(unix_path);
	if (lisu < 0 || bind(lisu, (struct sockaddr *)&ua, sizeof(ua)) < 0 || listen(lisu, 128) < 0)
		die("unix listener");

	for (long i = 0; i < tcp; i++)
		if (tcp_conn(lis4, 1) < 0)
			die("tcp");
	for (long i = 0; i < cw; i++)
		if (tcp_conn(lis4, 0) < 0)
			die("close-wait");
	for (long i = 0; i < tcp6; i++)
		if (lis6 < 0 || tcp_conn(lis6, 1) < 0)
			die("tcp6");
	for (long i = 0; i < udp; i++)
		if (udp_conn(AF_INET) < 0)
			die("udp");
	for (long i = 0; i < udp6; i++)
		if (udp_conn(AF_INET6) < 0)
			die("udp6");
	for (long i = 0; i < nunix; i++)
		if (unix_conn() < 0)
			die("unix");
	for (long i = 0; i < npipe; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
	}
	for (long i = 0; i < nfile; i++)
		if (open_file((unsigned)i) < 0)
			die("file");
	for (long i = 0; i < nevent; i++)
		if (eventfd(0, EFD_CLOEXEC) < 0)
			die("eventfd");
	for (long i = 0; i < nconnect; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)connect_port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
	}
	if (pool > 0) {
		ring = calloc((size_t)pool, sizeof(int));
		for (long i = 0; i < pool; i++)
			if ((ring[i] = tcp_conn(lis4, 0)) < 0)
				die("pool");
	}

	printf("%d %d %d %s\n", getpid(), port_of(lis4), port_of(lis6), unix_path);
	fflush(stdout);

	{
		double t0 = now(), next_leak = t0, next_churn = t0, next_drop = t0 + every;
		long turn = 0;

		while (!stop && now() - t0 < timeout) {
			double t = now(), wake = t + 0.05;

			if (leak && rate > 0 && (leak_max < 0 || leaked < leak_max)) {
				while (t >= next_leak && (leak_max < 0 || leaked < leak_max)) {
					int fd = leak_one(leak, (unsigned)leaked);

					if (fd < 0) {
						if (errno == EMFILE) {
							fprintf(stderr, "EMFILE after %ld\n", leaked);
							if (hold) {
								leak_max = leaked;
								break;
							}
							unlink(unix_path);
							return 3;
						}
						die("leak");
					}
					if (nheld == held_cap) {
						held_cap = held_cap ? 2 * held_cap : 256;
						held = realloc(held, (size_t)held_cap * sizeof(*held));
						if (!held)
							die("realloc");
					}
					held[nheld++] = fd;
					leaked++;
					next_leak += 1.0 / rate;
				}
				if (next_leak < wake)
					wake = next_leak;
			}
			if (drop > 0 && every > 0 && t >= next_drop) {
				long k = drop < nheld ? drop : nheld;

				for (long i = 0; i < k; i++)
					close(held[i]);
				memmove(held, held + k, (size_t)(nheld - k) * sizeof(*held));
				nheld -= k;
				next_drop += every;
			}
			if (drop > 0 && every > 0 && next_drop < wake)
				wake = next_drop;
			if (ring && churn > 0) {
				while (t >= next_churn) {
					long k = turn++ % pool;

					close(ring[k]);
					if ((ring[k] = tcp_conn(lis4, 0)) < 0)
						die("churn");
					next_churn += 1.0 / churn;
				}
				if (next_churn < wake)
					wake = next_churn;
			}
			if (wake > t)
				usleep((useconds_t)((wake - t) * 1e6));
		}
	}
	unlink(unix_path);
	for (unsigned k = 0; k < 8; k++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/helper-fds.%d.%u", file_dir, getpid(), k);
		unlink(path);
	}
	return 0;
}
