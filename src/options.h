/* options.h - the parsed command line, shared by every command. */
#ifndef FDWATCH_OPTIONS_H
#define FDWATCH_OPTIONS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "detect.h"
#include "sampler.h"
#include "util.h"

enum command {
	CMD_TOP, CMD_REPORT, CMD_LOG, CMD_CHECK, CMD_RUN, CMD_RECORD, CMD_REPLAY,
	CMD_METRICS, CMD_NCOMMANDS
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct options {
	enum command cmd;
	struct selection sel;
	const char *proc_root;      /* NULL = /proc */
	double interval;            /* seconds; <= 0 = the command's default */
	long iterations;            /* 0 = unbounded */
	double duration;            /* 0 = unbounded */
	enum output_format format;
	enum color_mode color;
	const char *output;         /* record -o */
	const char *state_path;     /* check, metrics --state */
	const char *textfile;       /* metrics --textfile */
	bool syslog;                /* log --syslog */
	bool children;              /* run: the whole tree (not --no-children) */
	bool no_adaptive;           /* log, top, run: never sample faster */
	long top_k;                 /* metrics: socket series per process */
	const char *listen;         /* metrics --listen [ADDR:]PORT, or NULL */
	struct sockaddr_storage listen_addr; /* and the address it names */
	unsigned listen_len;
	const char *tls_cert, *tls_key; /* --listen over HTTPS: PEM files */
	const char *basic_auth;     /* --listen: a file with USER:PASSWORD */
	long max_procs;             /* metrics: processes with series (default 50) */
	long min_fds;               /* metrics: no series below this many fds */
	long timeout;               /* check -t: seconds, 0 none */
	int verbose;                /* check -v */
	/* The detector's parameters: --warn-eta and --crit-eta over the
	 * defaults, critical never farther than warning. Built once, here,
	 * for every command that judges. */
	struct detect_params detect;
	bool no_stsize;             /* FDWATCH_NO_STSIZE: force getdents counting */
	bool no_netlink;            /* FDWATCH_NO_NETLINK: force /proc/net */
	char **args;                /* run: COMMAND [ARG]...; replay: FILE... */
	int nargs;
};

/* The name of a command ("top"). */
const char *command_name(enum command c);

/* Exit status for a usage error of this command (2, or 3 for check). */
int usage_status(enum command c);

/* Parses argv into o. Returns -1 to go on, or an exit status (help and
 * version print and return 0; usage errors print one line and return
 * usage_status). */
int options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);

/* Sets the detector's horizons from --warn-eta and --crit-eta (NAN: not
 * given, keep p's), critical clamped to warning. options_parse does this
 * for o->detect. */
void options_set_horizons(struct detect_params *p, double warn_eta, double crit_eta);

/* Whether to colour output for stream f under o->color and NO_COLOR. */
bool options_use_color(const struct options *o, int fd);

/* The sampler configuration these options ask for. */
void options_sampler_config(const struct options *o, struct sampler_config *cfg);

/* Prints one usage-error line for command c and returns its exit status. */
int usage_error(enum command c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
