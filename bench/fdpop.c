/* fdpop.c - a reproducible population of open file descriptors for the
 * benchmark: P child processes holding about N fds each, in a mix of kinds.
 *
 *   fdpop [-P PROCS] [-N FDS] [-m KIND=PCT,...] [-t TIMEOUT_S]
 *
 * Kinds (percent of N): tcp (ESTABLISHED connections to the child's own
 * 127.0.0.1 listener, both ends kept: 2 fds each), cw (clients whose server
 * end was closed: CLOSE_WAIT), pipe (both ends), file (read-only opens of a
 * few temporary files), eventfd, unix (connected socket pairs), udp
 * (sockets connected to 127.0.0.1:9; nothing is sent). The default mix is
 * tcp=40,cw=10,pipe=20,file=12,eventfd=10,unix=6,udp=2; a mix given with -m
 * replaces it. Only loopback is used.
 *
 * When every child is ready it prints one line, "pids=PID,PID,... fds=TOTAL"
 * (TOTAL counts every open fd of the children), and holds the population
 * until SIGTERM, SIGINT, its stdin pipe closing, or the timeout (default 600 s).
 * Children die with their parent; TCP sockets are reset on exit, so no
 * TIME_WAIT is left to disturb the next measurement. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum kind { K_TCP, K_CW, K_PIPE, K_FILE, K_EVENTFD, K_UNIX, K_UDP, K_N };
static const char *const kind_names[K_N] = { "tcp", "cw", "pipe", "file", "eventfd", "unix", "udp" };
static int mix[K_N] = { 40, 10, 20, 12, 10, 6, 2 };

#define NFILES 16
static char tmpdir[64];
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "fdpop: %s: %s\n", what, strerror(errno));
	_exit(1);
}

/* Resets instead of closing gracefully, so no TIME_WAIT remains. */
static void set_reset_on_close(int s)
{
	struct linger l = { 1, 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static int parse_mix(const char *text)
{
	char *copy = strdup(text), *save = NULL;

	if (!copy)
		return -1;
	memset(mix, 0, sizeof(mix));
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int k;

		if (!eq)
			goto bad;
		*eq = '\0';
		for (k = 0; k < K_N && strcmp(tok, kind_names[k]); k++)
			;
		if (k == K_N)
			goto bad;
		mix[k] = atoi(eq + 1);
		if (mix[k] < 0)
			goto bad;
	}
	free(copy);
	return 0;
bad:
	free(copy);
	return -1;
}

/* One client connected to lis; the accepted end is kept or closed. */
static void tcp_pair(int lis, const struct sockaddr_in *a, int keep_server)
{
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), sv;

	if (c < 0)
		die("socket");
	if (connect(c, (const struct sockaddr *)a, sizeof(*a)) < 0)
		die("connect");
	set_reset_on_close(c);
	sv = accept4(lis, NULL, NULL, SOCK_CLOEXEC);
	if (sv < 0)
		die("accept");
	if (keep_server)
		set_reset_on_close(sv);
	else
		close(sv); /* FIN: the client sits in CLOSE_WAIT */
}

/* The body of one child: builds its fds, signals readiness, waits. */
static void child(long n, int ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in discard = { .sin_family = AF_INET, .sin_port = htons(9),
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct rlimit rl;
	long want[K_N];
	int lis, sv[2];
	char path[128];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int k = 0; k < K_N; k++)
		want[k] = n * mix[k] / 100;
	lis = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lis < 0 || bind(lis, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lis, 4096) < 0 ||
	    getsockname(lis, (struct sockaddr *)&a, &alen) < 0)
		die("listener");
	for (long i = 0; i < want[K_TCP] / 2; i++)
		tcp_pair(lis, &a, 1);
	for (long i = 0; i < want[K_CW]; i++)
		tcp_pair(lis, &a, 0);
	for (long i = 0; i < want[K_PIPE] / 2; i++)
		if (pipe2(sv, O_CLOEXEC) < 0)
			die("pipe");
	for (long i = 0; i < want[K_FILE]; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", tmpdir, i % NFILES);
		if (open(path, O_RDONLY | O_CLOEXEC) < 0)
			die("open");
	}
	for (long i = 0; i < want[K_EVENTFD]; i++)
		if (eventfd(0, EFD_CLOEXEC) < 0)
			die("eventfd");
	for (long i = 0; i < want[K_UNIX] / 2; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair");
	for (long i = 0; i < want[K_UDP]; i++) {
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (u < 0 || connect(u, (struct sockaddr *)&discard, sizeof(discard)) < 0)
			die("udp");
	}
	if (write(ready, "r", 1) != 1)
		die("ready");
	close(ready);
	for (;;)
		pause();
}

/* Open fds of a process, by listing /proc/PID/fd. */
static long count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void cleanup_files(void)
{
	char path[128];

	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", tmpdir, i);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	long procs = 10, n = 100, total = 0;
	double timeout = 600;
	struct sigaction sa;
	pid_t *pids;
	int c, rp[2];

	while ((c = getopt(argc, argv, "P:N:m:t:")) != -1) {
		switch (c) {
		case 'P': procs = atol(optarg); break;
		case 'N': n = atol(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'm':
			if (parse_mix(optarg) < 0) {
				fprintf(stderr, "fdpop: -m %s: expected KIND=PCT,... with kinds "
						"tcp cw pipe file eventfd unix udp\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: fdpop [-P PROCS] [-N FDS] [-m KIND=PCT,...] [-t TIMEOUT_S]\n");
			return 2;
		}
	}
	if (procs < 1 || n < 0) {
		fprintf(stderr, "fdpop: -P must be >= 1 and -N >= 0\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fdpop.XXXXXX");
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	for (int i = 0; i < NFILES; i++) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", tmpdir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			die("create");
		close(fd);
	}
	if (pipe2(rp, O_CLOEXEC) < 0)
		die("pipe");
	pids = calloc((size_t)procs, sizeof(*pids));
	if (!pids)
		die("calloc");
	for (long i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			close(rp[0]);
			child(n, rp[1]);
		}
	}
	close(rp[1]);
	for (long got = 0; got < procs && !stop;) {
		char b;
		ssize_t r = read(rp[0], &b, 1);

		if (r == 1)
			got++;
		else if (r == 0 || errno != EINTR)
			break; /* a child died before it was ready */
		else
			continue;
	}
	if (!stop) {
		printf("pids=");
		for (long i = 0; i < procs; i++) {
			printf("%s%d", i ? "," : "", (int)pids[i]);
			total += count_fds(pids[i]);
		}
		printf(" fds=%ld\n", total);
		fflush(stdout);
	}
	{
		struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
		int left_ms = (int)(timeout * 1000);
		struct stat sb;

		/* Only a pipe on stdin is watched for closing. */
		if (fstat(STDIN_FILENO, &sb) < 0 || !S_ISFIFO(sb.st_mode))
			pf.fd = -1;
		while (!stop && left_ms > 0) {
			int step = left_ms > 1000 ? 1000 : left_ms;
			int r = poll(&pf, 1, step);

			if (r > 0) {
				char b[256];

				if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
					break; /* stdin closed */
			}
			left_ms -= step;
		}
	}
	for (long i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	cleanup_files();
	free(pids);
	return 0;
}
