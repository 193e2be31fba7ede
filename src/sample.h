/* sample.h - the immutable snapshot that the sampler produces and every
 * renderer, the history and the detector consume. Nothing here reads /proc. */
#ifndef FDWATCH_SAMPLE_H
#define FDWATCH_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>

/* What an fd points to, as the "types" object of a sample record names it
 * (the man page's RECORDS section). */
enum fd_type { FD_FILE, FD_SOCKET, FD_PIPE, FD_ANON, FD_OTHER, FD_NTYPES };

/* Which endpoint a socket group is keyed by (a record's "direction"). */
enum sock_dir { SOCK_OUT, SOCK_IN, SOCK_LISTEN, SOCK_NONE, SOCK_NDIRS };

/* Returns "file", "socket", ... (static). */
const char *fd_type_name(enum fd_type t);
/* Parses a type name; returns -1 when unknown. */
int fd_type_parse(const char *name);
/* Returns "out", "in", "listen", "none" (static). */
const char *sock_dir_name(enum sock_dir d);
/* Parses a direction name; returns -1 when unknown. */
int sock_dir_parse(const char *name);

/* A process's identity across samples: its pid is reused, (pid, start)
 * is not. */
struct proc_key {
	int pid;
	unsigned long long start; /* clock ticks since boot (stat field 22) */
};
/* Orders keys by pid, then start; 0 when the same process. */
int proc_key_cmp(const struct proc_key *a, const struct proc_key *b);
bool proc_key_eq(const struct proc_key *a, const struct proc_key *b);

/* A local process holding the other ends of some sockets of a group. */
struct sock_peer {
	int pid;
	unsigned long long start;
	char *comm;     /* untrusted */
	unsigned count;
};
/* How many peers a group names at most (the largest). */
#define PEERS_SHOWN 3

/* What is known of the processes at the other ends of a group (a record's
 * "peers"): nothing to know (the other ends are not on this machine, or
 * the sockets are not connected: no key), unknown (local, but this user
 * cannot see who holds them, or that process was not sampled: null), or
 * the holders. */
enum peers_state { PEERS_NONE, PEERS_UNKNOWN, PEERS_KNOWN };
/* Whether a TCP group's idle times are known (a record's "idle"): not a
 * TCP connection (no key), unknown (the /proc tables have no tcp_info:
 * null), or known. */
enum idle_state { IDLE_NONE, IDLE_UNKNOWN, IDLE_KNOWN };

/* Sockets of one process sharing (proto, direction, endpoint, state). */
struct sock_group {
	char *proto;    /* "tcp", "tcp6", "udp", "udp6", "unix", "netlink", ... */
	enum sock_dir dir;
	char *endpoint; /* remote for out, local otherwise; NULL when unnamed */
	char *state;    /* "ESTABLISHED", "CLOSE_WAIT", "UNCONN", ...; NULL if none */
	unsigned count;
	unsigned char peers_state; /* enum peers_state */
	unsigned char idle_state;  /* enum idle_state */
	struct sock_peer *peers;   /* PEERS_KNOWN: largest first, owned */
	size_t npeers;
	double idle_min, idle_median, idle_max; /* IDLE_KNOWN: seconds since
	                           * each socket last sent or received data */
};
/* Frees what a group owns and empties it. */
void sock_group_clear(struct sock_group *g);
/* Deep copy of n peers (NULL for none). */
struct sock_peer *sock_peers_dup(const struct sock_peer *p, size_t n);
void sock_peers_free(struct sock_peer *p, size_t n);

/* How many fds of one kind (kinds.h) a process holds. */
struct kind_count {
	unsigned char kind;
	unsigned count;
};

/* Fds opened by path, grouped by the directory they live in, so that a
 * file leak can be attributed. */
struct file_group {
	char *dir;
	unsigned count;
};

/* What a series of a process counts: all fds of one type, one socket
 * group, the files of one directory, or the fds of one kind that has no
 * groups (an anon inode's: inotify, eventfd; the man page's "source").
 * Strings are owned. */
enum source_kind { SRC_NONE, SRC_TYPE, SRC_SOCKET, SRC_FILE, SRC_KIND };
struct source {
	enum source_kind kind;
	enum fd_type type;       /* SRC_TYPE, SRC_KIND */
	char *name;              /* SRC_KIND: the kind's name */
	char *proto;             /* SRC_SOCKET */
	enum sock_dir dir;
	char *endpoint;          /* remote for out, local otherwise; may be NULL */
	char *state;             /* may be NULL */
	char *path;              /* SRC_FILE: the directory */
	unsigned char peers_state; /* SRC_SOCKET: its group's peers, when the
	                          * alert's writer added them (enum peers_state) */
	struct sock_peer *peers;
	size_t npeers;
	/* A class of several groups (no single one carries the growth): how
	 * many (remotes, local addresses, directories); 0 for one group. Its
	 * endpoint is then the address they share with the port as "*", or
	 * NULL; its path the directory they share. */
	unsigned spread;
};
/* Deep copy (dst's old strings are not freed) and release. */
void source_copy(struct source *dst, const struct source *src);
void source_clear(struct source *s);
/* Same kind and the same key fields. */
bool source_match(const struct source *a, const struct source *b);
/* Whether socket group g is the group that source s names. */
bool source_is_group(const struct source *s, const struct sock_group *g);
struct proc_sample;
/* Gives a socket source the peers of its group in process p (when p has
 * that group), replacing any it had. */
void source_add_peers(struct source *s, const struct proc_sample *p);

/* One process at one sample. A process is (pid, start). */
struct proc_sample {
	int pid;
	int ppid;                /* -1 unknown */
	unsigned long long start; /* clock ticks since boot (stat field 22) */
	char *comm;              /* raw bytes from the kernel: untrusted */
	char *user;              /* user name, or the uid as text */
	long uid;                /* -1 unknown */
	char *unit;              /* systemd unit from its cgroup, NULL none */
	char *container;         /* container or pod id, NULL none (identity.h) */
	unsigned long netns;     /* netns inode, 0 unknown */
	long fds;                /* open fds, -1 unknown */
	double fds_time;         /* wall time of the count or listing that gave
	                          * fds; older than the sample when carried */
	bool fds_carried;        /* fds repeats an earlier listing (the man
	                          * page's "fds_age"): not a new measurement */
	unsigned char fds_held;  /* listings in a row that found that count */
	char state;              /* stat state (R, S, D, ...), 0 unknown */
	long limit;              /* soft RLIMIT_NOFILE, -1 unlimited or unknown */
	int fd_err;              /* 0, or the errno that kept the fd table unread */
	bool classified;         /* types, socks, files are valid */
	double classified_time;  /* wall time of that classification */
	unsigned types[FD_NTYPES];
	struct kind_count *kinds; /* largest first; they sum to the classified fds */
	size_t nkinds;
	long inotify_watches;    /* watches of its inotify instances; -1 unknown */
	struct sock_group *socks; /* largest first */
	size_t nsocks;
	struct file_group *files; /* largest first */
	size_t nfiles;
};

/* One user's inotify instances and watches (a system record's "inotify"),
 * counted from the fds of the processes sampled. */
struct inotify_use {
	long uid;
	char *user;
	unsigned instances;
	long watches;            /* -1 unknown (an fdinfo not readable) */
	bool shared;             /* held by several processes: one instance
	                          * inherited or passed may count twice, so
	                          * instances is an upper bound */
	bool partial;            /* some process of the user was not readable */
	int top_pid;             /* the process holding most instances */
	unsigned long long top_start;
	char *top_comm;
	unsigned top_instances;
	int wtop_pid;            /* the process holding most watches */
	unsigned long long wtop_start;
	char *wtop_comm;
	unsigned wtop_watches;
};

/* The limits beyond a process's own (the man page's system record). */
struct sys_sample {
	bool valid;              /* read for this sample */
	long files, files_max;   /* /proc/sys/fs/file-nr, file-max; -1 unknown */
	long nr_open;            /* fs.nr_open, the ceiling of ulimit -n */
	long max_instances;      /* fs.inotify.max_user_instances; -1 unknown */
	long max_watches;        /* fs.inotify.max_user_watches */
	struct inotify_use *inotify; /* tightest first */
	size_t ninotify;
};

struct sample {
	double time;             /* wall clock, Unix seconds */
	double mono;             /* monotonic seconds, for intervals */
	struct proc_sample *procs; /* ascending pid */
	size_t nprocs;
	size_t nunreadable;      /* procs with fd_err != 0 */
	size_t nunknown;         /* procs whose fd count is unknown (fds < 0) */
	double fds_age;          /* age of the oldest carried count, 0 if none */
	int unreadable_err;      /* the most common such errno (for the hint) */
	size_t nvanished;        /* processes that exited during the scan */
	bool extra;              /* an adaptive sample of the processes near
	                          * their limit, between the interval's ticks */
	bool list_failed;        /* the process table could not be listed (out
	                          * of memory, /proc unreadable): procs is not
	                          * the host's, whatever it holds */
	size_t nskipped_lines;   /* /proc lines that did not parse */
	unsigned long long total_fds;
	struct sys_sample sys;
};

/* Releases what a system part owns and empties it. */
void sys_sample_clear(struct sys_sample *y);
/* Deep-copies src into dst. */
void sys_sample_copy(struct sys_sample *dst, const struct sys_sample *src);
/* used/limit of one user's inotify instances or watches as a percentage,
 * or -1 when unknown. */
double sys_use(long used, long limit);

/* Allocates an empty sample (caller frees with sample_free). */
struct sample *sample_new(void);
/* Frees a sample and everything it owns. */
void sample_free(struct sample *s);
/* Appends a zeroed process to s and returns it (owned by s). */
struct proc_sample *sample_add_proc(struct sample *s);
/* Drops the classification of p: types and groups become unknown. */
void proc_sample_unclassify(struct proc_sample *p);
/* Releases what a proc_sample owns (not the struct itself). */
void proc_sample_clear(struct proc_sample *p);
/* Deep-copies src into dst. */
void proc_sample_copy(struct proc_sample *dst, const struct proc_sample *src);
/* Sorts procs by pid and recomputes the totals. */
void sample_finish(struct sample *s);
/* Finds a process by (pid, start); NULL if absent. */
const struct proc_sample *sample_find(const struct sample *s, int pid,
				      unsigned long long start);
/* Adds n sockets to the group (proto, dir, endpoint, state) of p. */
void proc_sample_add_socks(struct proc_sample *p, const char *proto,
			   enum sock_dir dir, const char *endpoint,
			   const char *state, unsigned n);
/* Sorts socket and file groups, largest first. */
void proc_sample_sort_groups(struct proc_sample *p);
/* fds/limit as a percentage, or -1 when unknown. */
double proc_sample_use(const struct proc_sample *p);

/* One fd as lsof would list it: what a view of one process's fds shows
 * (the sampler lists them). */
struct fd_entry {
	int fd;
	enum fd_type type;
	char *target;   /* link text, or a socket described; untrusted */
};
/* Frees n entries and the array holding them. */
void fd_entries_free(struct fd_entry *e, size_t n);

#endif
