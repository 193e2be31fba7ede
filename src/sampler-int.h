/* sampler-int.h - what the files of the sampler share and nobody else
 * sees: the sampler itself, the socket tables it keeps per network
 * namespace, and the sockets of a process awaiting resolution.
 *
 *   sampler.c         one pass: enumerate, read each process, resolve
 *   sampler-procs.c   which processes exist (procps's library or a fixture tree)
 *   procs-libproc2.c  that library as procps-ng 4 has it (libproc2)
 *   procs-libprocps.c that library as procps-ng 3.3 has it (libprocps)
 *   sampler-fds.c     what each fd is (links, types, file groups)
 *   sampler-net.c     the socket tables of each network namespace
 *   sampler-sys.c     the system's limits: file table, inotify per user
 *   sampler-tree.c    the descendants of a process
 *   sampler-select.c  which processes are wanted */
#ifndef FDWATCH_SAMPLER_INT_H
#define FDWATCH_SAMPLER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "sampler.h"
#include "socktab.h"

struct procs_lib;

/* A process and its parent. */
struct kin {
	int pid, ppid;
};

/* The socket tables of one network namespace (TCP, UDP, unix: indexed by
 * enum sockdiag_table; the rest at SOCKTAB_OTHER), each read at its own
 * time. */
#define NTABLES 4
struct nstables {
	unsigned long netns;
	struct socktab *tab[NTABLES]; /* NULL until read */
	double time[NTABLES];         /* time of the sample that read each */
	unsigned long pass[NTABLES];  /* and its number (sampler.pass) */
	unsigned long seq[NTABLES];   /* and when within it (sampler.seq) */
	bool mptcp;                   /* MPTCP sockets exist here (as the TCP
	                               * table was read): ask TCP sockets' names */
	struct socktab *recent;       /* TCP sockets of known processes read since
	                               * the TCP table, by their ports (fresher) */
	struct socktab *absent;       /* sockets in no table (netlink, packet, ...) */
	double absent_time;
	unsigned long absent_pass;
};

/* The mounts of each mount namespace, read once per pass, for the file
 * kinds a stat cannot tell and the mounts never to stat into
 * (sampler-fds.c). */
#define FSTYPES_MAX 64
struct mnt_ns;
struct fstypes {
	struct mnt_ns *v;
	size_t n;
	unsigned long pass;      /* the sampler's pass */
};
void fstypes_clear(struct fstypes *ft);

/* Which process of a sample holds each socket inode: an open-addressing
 * map, inode 0 empty (sampler-net.c). */
struct holders {
	unsigned long *inode;
	size_t *proc;            /* index in the sample's procs, or base + i
	                          * for extra[i] */
	size_t n;                /* a power of two */
	size_t base;             /* the sample's process count */
	struct sock_peer *extra; /* holders outside the sample (owned; count 0) */
	size_t nextra;
};

struct sampler {
	bool list_warned;           /* a failed listing was said once */
	struct sampler_config cfg; /* cfg.sel is NULL: sel is the sampler's own */
	struct selection sel;
	int rootfd;
	bool real_proc;          /* the machine's own /proc: procps's library
	                          * lists its processes, netlink its sockets */
	struct procs_lib *lib;   /* that library's handle (procs-*.c) */
	struct sample *prev;     /* last sample, for reusing classifications */
	struct nstables *ns;     /* socket tables per network namespace */
	size_t nns, capns;
	double now;              /* time of the sample being taken */
	unsigned long pass;      /* its number, from 1: "read during it" */
	unsigned long seq;       /* counts listings and table reads, to tell
	                          * which came first */
	double last_now;         /* time of the previous sample, 0 before */
	double tick;             /* the interval between samples (average) */
	struct kin *changed;     /* processes whose listed count changed in this
	                          * sample */
	size_t nchanged, capchanged;
	double refresh_tokens;   /* seconds that renewing old classifications
	                          * may still take (see REFRESH_BUDGET) */
	double per_fd;           /* seconds classifying one fd takes (average) */
	struct proc_key *incomplete, *incomplete_next; /* processes with sockets no
	                          * table held at the last sample: not reused */
	size_t nincomplete, nincomplete_next, capincomplete, capincomplete_next;
	bool use_netlink;        /* real /proc and not FDWATCH_NO_NETLINK */
	bool setns_denied;       /* switching namespaces failed once: do not retry */
	int selfns;              /* our own netns, to come back to; -1 unknown */
	unsigned long self_netns; /* its inode */
	unsigned client_lo, client_hi; /* net.ipv4.ip_local_port_range (socktab.h) */
	int nl_self;             /* diag socket in our netns, opened on first use */
	double idle_last;        /* when a TCP dump last asked for idle times */
	struct holders outside;  /* watching: the holders found outside the
	                          * sample by the last look for them (extras
	                          * only), and when it was */
	double outside_time;
	struct fstypes fstypes;  /* filesystem types by device */
	struct fdcache **fdc;     /* per process, by key: [0, nfdc_sorted) sorted,
	                          * the rest added during this pass */
	size_t nfdc, nfdc_sorted, capfdc;
	struct sampler_stats stats;
};

/* A process found by enumeration, before its /proc directory is read. */
struct candidate {
	int pid;
	long uid;
	char *user;              /* owned; NULL when only the uid is known */
};

/* sampler-procs.c: prepares enumeration under s->cfg.proc_root (procps's
 * library for the real /proc); 0 or -errno. procs_close releases it. */
int procs_open(struct sampler *s);
void procs_close(struct sampler *s);
/* The selected thread-group leaders into *out (caller frees with
 * procs_list_free); returns how many. *ok is false when the table could
 * not be listed (then *out holds what was read, maybe nothing). */
size_t procs_list(struct sampler *s, struct candidate **out, bool *ok);
void procs_list_free(struct candidate *c, size_t n);
/* The user name of uid, or the uid as text (caller frees). */
char *procs_user_name(long uid);

/* A growable list of candidates. */
struct candidates {
	struct candidate *v;
	size_t n, cap;
};
/* Appends a candidate (user copied, may be NULL). */
void candidates_add(struct candidates *c, int pid, long uid, const char *user);

/* procs-libproc2.c or procs-libprocps.c, whichever configure chose: opens
 * the library's handle (*out may stay NULL), 0 or -errno; closes it; and
 * appends the thread-group leaders of the real /proc that sel selects by
 * pid and uid, with their user names (false when the library failed). */
int procs_lib_open(struct procs_lib **out);
void procs_lib_close(struct procs_lib *lib);
bool procs_lib_list(struct procs_lib *lib, const struct selection *sel, struct candidates *c);
/* The /proc directory of a live thread of the process at pd whose leader
 * (pid) is a zombie (caller closes), or -1 for a real zombie. */
int procs_live_thread_dir(int pd, int pid);

/* The socket inodes of one process awaiting resolution at the end of a
 * pass (the arrays are owned). */
#define KIND_UNASKED 255
struct pending {
	size_t proc;             /* index in the sample */
	unsigned long netns;
	unsigned long seq;       /* when its fds were listed (sampler.seq) */
	unsigned long *inodes;
	int *fds;                /* the fd holding each inode */
	unsigned char *kinds;    /* its kind as the socket names it, or
	                          * KIND_UNASKED */
	size_t n, cap;
};
/* Releases the arrays of pd and empties it. */
void pending_clear(struct pending *pd);

/* What the last classification of one process found at each fd number,
 * so that the next one need not read every link again (the man page's
 * SAMPLING COST). A number is taken to hold the same kind of object in
 * the same directory until its slice is due: the listing shows which
 * numbers are open, not what they hold, so a number closed and reused for
 * something else keeps its old kind until then. The slice of fd N is
 * N % FDC_SLICES; each classification re-reads one slice in turn, and any
 * slice read longer ago than the reuse age, so every link is read at least
 * every FDC_SLICES classifications and every reuse age (a renewal for age
 * reads them all). Sockets are never taken from here: their inode is the
 * key into the tables, and a number reused by a new socket (accept and
 * close) holds a new inode, so their links are read at every
 * classification. 16 bytes per fd, and each distinct directory once. */
#define FDC_SLICES 8
struct fdc_ent {
	int fd;
	unsigned char type;      /* enum fd_type */
	unsigned char kind;      /* kinds.h; not yet known for sockets */
	union {
		unsigned long inode; /* FD_SOCKET */
		unsigned dir;        /* FD_FILE: index in dirs, or FDC_NO_DIR;
		                      * inotify: its watches, FDC_NO_DIR unknown */
	} u;
};
#define FDC_NO_DIR ((unsigned)-1)
struct fdcache {
	struct proc_key key;
	unsigned long seen;      /* the pass (sampler.pass) that last saw it */
	unsigned long nclass;    /* classifications so far: whose slice is due */
	double slice_time[FDC_SLICES]; /* when each slice was last read */
	struct fdc_ent *v;       /* by fd number; owned */
	size_t n;
	char **dirs;             /* the file directories; owned */
	size_t ndirs;
};
/* Frees the entries and directories of fc (not fc itself). */
void fdcache_clear(struct fdcache *fc);

/* Links read and entries reused by fds_classify (added to). */
struct fds_counts {
	size_t read, reused;
};

/* sampler-fds.c: reads the fd links of the process at piddir into p's
 * types, kinds (but for its sockets) and file groups, and its socket
 * inodes into pend. With fc, takes what it can from fc (see struct
 * fdcache; a slice is due when read max_age seconds before now) and leaves
 * this classification in it. ft (NULL for a fixture tree) tells file
 * kinds by their filesystem. 0 or -errno. */
int fds_classify(int piddir, struct proc_sample *p, struct pending *pend,
		 struct fdcache *fc, struct fstypes *ft, double now, double max_age,
		 struct fds_counts *cnt);
/* Counts the entries of fd/ without reading the links; -errno on failure. */
long fds_count(int piddir);
/* The inode of the network namespace that the link at path (relative to
 * dirfd: "ns/net" in a process's directory) names; 0 unknown. */
unsigned long fds_netns(int dirfd, const char *path);

/* sampler-sys.c: fills out->sys from /proc/sys and the fds out holds. */
void sys_read(struct sampler *s, struct sample *out);

/* sampler-net.c: the tables of a namespace, found or added (owned by s). */
struct nstables *nstables_get(struct sampler *s, unsigned long netns);
/* Forgets the tables that can serve no sample any more. */
void nstables_prune(struct sampler *s);
/* Frees every namespace's tables. */
void nstables_free_all(struct sampler *s);
/* Makes sure this sample's tables of the namespace of the process at
 * piddir hold the sockets in pend, reading what is missing; lines that did
 * not parse are added to *skipped. */
void nstables_load_for(struct sampler *s, int piddir, struct pending *pend, size_t *skipped);
/* Makes h an empty map with room for want inodes (free with holders_free). */
void holders_init(struct holders *h, size_t want);
/* Notes that the process at index proc holds inode (the first holder
 * stays: a socket shared after fork has several). */
void holders_add(struct holders *h, unsigned long inode, size_t proc);
void holders_free(struct holders *h);
/* The index of the process holding inode, or -1. */
long holders_find(const struct holders *h, unsigned long inode);
/* The other ends of the sockets of pend[0..npend) that are local but held
 * by no process h knows, into *out (caller frees); returns how many. */
size_t nstables_peers_missing(struct sampler *s, const struct pending *pend, size_t npend,
			      const struct holders *h, unsigned long **out);

/* Turns the socket inodes of pend into p's socket groups, and leaves in
 * pend->kinds the kind each was taken for; with h (NULL: no peers), names
 * the processes of out holding the other ends of its connections. True
 * when some TCP, UDP or unix socket was in no table read so far (made
 * after it). */
bool nstables_resolve(struct sampler *s, struct proc_sample *p, struct pending *pend,
		      const struct holders *h, const struct sample *out);
/* Is a socket of this kind (inode, in network namespace netns) gone from
 * its table, read during this sample? False when that table was not read
 * in it, or lists no such kind. */
bool nstables_lost(const struct sampler *s, unsigned long netns, int kind, unsigned long inode);
/* Was a TCP, UDP or unix table of network namespace netns read during
 * this sample? */
bool nstables_read_now(const struct sampler *s, unsigned long netns);
/* The row of a socket in any table read, and that table in *tab, or NULL
 * (owned by s). */
const struct sock_entry *nstables_entry(const struct sampler *s, unsigned long inode,
				       const struct socktab **tab);

#endif
