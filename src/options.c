/* options.c - the command line: commands, options, help and usage errors. */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "util.h"

static const char *const command_names[CMD_NCOMMANDS] = {
	"top", "report", "log", "check", "run", "record", "replay", "metrics",
};

const char *command_name(enum command c)
{
	return c < CMD_NCOMMANDS ? command_names[c] : "?";
}

int usage_status(enum command c)
{
	return c == CMD_CHECK ? 3 : 2;
}

int usage_error(enum command c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", progname, command_name(c));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* A monitoring plugin's caller (NRPE) reads stdout only. */
	if (c == CMD_CHECK) {
		fputs("FDWATCH UNKNOWN - ", stdout);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
		fflush(stdout);
	}
	return usage_status(c);
}

/* Every option's code, as getopt_long returns it for the long name. Codes
 * are above the letters, so that a code never reads as a short option
 * and the same long option may have another letter in another command. */
enum {
	OPT_PID = 256, OPT_USER, OPT_COMM, OPT_PROC, OPT_INTERVAL, OPT_ITERATIONS,
	OPT_DURATION, OPT_FORMAT, OPT_COLOR, OPT_OUTPUT, OPT_STATE, OPT_TEXTFILE,
	OPT_SYSLOG, OPT_CHILDREN, OPT_TOPK, OPT_WARN, OPT_CRIT, OPT_WARN_USE, OPT_CRIT_USE,
	OPT_LISTEN, OPT_TLS_CERT, OPT_TLS_KEY, OPT_BASIC_AUTH, OPT_MAX_PROCS, OPT_MIN_FDS, OPT_TIMEOUT, OPT_VERBOSE,
	OPT_NO_CHILDREN, OPT_NO_ADAPTIVE, OPT_HELP, OPT_VERSION,
};

/* Which commands accept an option: a bit per command. */
#define ALL_CMDS ((1u << CMD_NCOMMANDS) - 1)
#define B(c) (1u << (c))
#define SELECTING (ALL_CMDS & ~B(CMD_RUN) & ~B(CMD_REPLAY))
#define SAMPLING (B(CMD_TOP) | B(CMD_REPORT) | B(CMD_LOG) | B(CMD_RUN) | B(CMD_RECORD) | \
		  B(CMD_METRICS))
#define DETECTING (B(CMD_TOP) | B(CMD_LOG) | B(CMD_CHECK) | B(CMD_RUN) | B(CMD_REPLAY) | B(CMD_METRICS))

/* One option of the commands in cmds, with its short letter there (0:
 * none). A long option may have several entries for disjoint sets of
 * commands: `check` follows the monitoring-plugins letters (-w, -c for
 * the use thresholds, -C for --comm), the others keep -c for --comm. */
struct optdef {
	struct option lo;
	char shortopt;
	unsigned cmds;
};

static const struct optdef optdefs[] = {
	{ { "pid", required_argument, NULL, OPT_PID }, 'p', SELECTING },
	{ { "user", required_argument, NULL, OPT_USER }, 'u', SELECTING },
	{ { "comm", required_argument, NULL, OPT_COMM }, 'c', SELECTING & ~B(CMD_CHECK) },
	{ { "comm", required_argument, NULL, OPT_COMM }, 'C', B(CMD_CHECK) },
	{ { "proc", required_argument, NULL, OPT_PROC }, 0, SELECTING | B(CMD_RUN) },
	{ { "interval", required_argument, NULL, OPT_INTERVAL }, 'd', SAMPLING },
	{ { "iterations", required_argument, NULL, OPT_ITERATIONS }, 'n', SAMPLING & ~B(CMD_RUN) },
	{ { "duration", required_argument, NULL, OPT_DURATION }, 0, SAMPLING & ~B(CMD_RUN) },
	{ { "format", required_argument, NULL, OPT_FORMAT }, 0, ALL_CMDS & ~B(CMD_TOP) & ~B(CMD_METRICS) & ~B(CMD_RECORD) },
	{ { "color", required_argument, NULL, OPT_COLOR }, 0, ALL_CMDS },
	{ { "output", required_argument, NULL, OPT_OUTPUT }, 'o', B(CMD_RECORD) | B(CMD_RUN) | B(CMD_LOG) },
	{ { "state", required_argument, NULL, OPT_STATE }, 0, B(CMD_CHECK) | B(CMD_METRICS) },
	{ { "textfile", required_argument, NULL, OPT_TEXTFILE }, 0, B(CMD_METRICS) },
	{ { "listen", required_argument, NULL, OPT_LISTEN }, 0, B(CMD_METRICS) },
	{ { "tls-cert", required_argument, NULL, OPT_TLS_CERT }, 0, B(CMD_METRICS) },
	{ { "tls-key", required_argument, NULL, OPT_TLS_KEY }, 0, B(CMD_METRICS) },
	{ { "basic-auth", required_argument, NULL, OPT_BASIC_AUTH }, 0, B(CMD_METRICS) },
	{ { "max-processes", required_argument, NULL, OPT_MAX_PROCS }, 0, B(CMD_METRICS) },
	{ { "min-fds", required_argument, NULL, OPT_MIN_FDS }, 0, B(CMD_METRICS) },
	{ { "syslog", no_argument, NULL, OPT_SYSLOG }, 0, B(CMD_LOG) },
	{ { "children", no_argument, NULL, OPT_CHILDREN }, 0, B(CMD_RUN) },
	{ { "no-children", no_argument, NULL, OPT_NO_CHILDREN }, 0, B(CMD_RUN) },
	{ { "no-adaptive", no_argument, NULL, OPT_NO_ADAPTIVE }, 0,
	  B(CMD_LOG) | B(CMD_TOP) | B(CMD_RUN) },
	{ { "top-k", required_argument, NULL, OPT_TOPK }, 0, B(CMD_METRICS) },
	{ { "warn-eta", required_argument, NULL, OPT_WARN }, 0, DETECTING },
	{ { "crit-eta", required_argument, NULL, OPT_CRIT }, 0, DETECTING },
	{ { "warn-use", required_argument, NULL, OPT_WARN_USE }, 0, DETECTING & ~B(CMD_CHECK) },
	{ { "warn-use", required_argument, NULL, OPT_WARN_USE }, 'w', B(CMD_CHECK) },
	{ { "crit-use", required_argument, NULL, OPT_CRIT_USE }, 0, DETECTING & ~B(CMD_CHECK) },
	{ { "crit-use", required_argument, NULL, OPT_CRIT_USE }, 'c', B(CMD_CHECK) },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, 't', B(CMD_CHECK) },
	{ { "verbose", no_argument, NULL, OPT_VERBOSE }, 'v', B(CMD_CHECK) },
	{ { "help", no_argument, NULL, OPT_HELP }, 'h', ALL_CMDS },
	{ { "version", no_argument, NULL, OPT_VERSION }, 'V', ALL_CMDS },
};

/* The help text of each option, in the order --help prints it, under its
 * heading. A line is shown for the commands in cmds that also accept opt
 * (the long option it documents), so that no command's help lists an
 * option it would refuse. general: also in the help without a command. */
struct helpline {
	const char *heading;
	const char *opt;
	unsigned cmds;
	bool general;
	const char *text;
};

static const char h_select[] = "Selecting processes (default: every process):";
static const char h_sample[] = "Sampling:";
static const char h_detect[] = "Detection:";
static const char h_output[] = "Output:";

static const struct helpline helplines[] = {
	{ h_select, "pid", ALL_CMDS, true,
	  "  -p, --pid PID[,PID...]   these processes (repeatable)\n" },
	{ h_select, "user", ALL_CMDS, true,
	  "  -u, --user USER          processes of this user (name or uid)\n" },
	{ h_select, "comm", ALL_CMDS & ~B(CMD_CHECK), true,
	  "  -c, --comm REGEX         processes whose name matches this extended regex\n" },
	{ h_select, "comm", B(CMD_CHECK), false,
	  "  -C, --comm REGEX         processes whose name matches this extended regex\n" },
	{ h_select, "proc", SELECTING, true,
	  "      --proc DIR           read DIR instead of /proc\n" },
	{ h_sample, "interval", ALL_CMDS & ~B(CMD_METRICS), true,
	  "  -d, --interval SECONDS   time between samples, fractions allowed (0.25)\n" },
	{ h_sample, "interval", B(CMD_METRICS), false,
	  "  -d, --interval SECONDS   with --listen: time between samples (default 1)\n" },
	{ h_sample, "iterations", ALL_CMDS & ~B(CMD_METRICS), true,
	  "  -n, --iterations N       stop after N samples\n" },
	{ h_sample, "iterations", B(CMD_METRICS), false,
	  "  -n, --iterations N       with --listen: stop after N samples\n" },
	{ h_sample, "duration", ALL_CMDS & ~B(CMD_METRICS), true,
	  "      --duration SECONDS   stop after this long\n" },
	{ h_sample, "duration", B(CMD_METRICS), false,
	  "      --duration SECONDS   with --listen: stop after this long\n" },
	{ h_sample, "no-adaptive", ALL_CMDS, false,
	  "      --no-adaptive        never sample a process nearing its limit faster\n"
	  "                           than the interval (down to 0.1 s, by default)\n" },
	{ h_detect, "warn-eta", ALL_CMDS, false,
	  "      --warn-eta SECONDS   warn when sustained growth reaches the fd limit\n"
	  "                           within this time (default 604800, 7 days)\n" },
	{ h_detect, "crit-eta", ALL_CMDS, false,
	  "      --crit-eta SECONDS   critical within this time (default 3600)\n" },
	{ h_detect, "warn-use", ALL_CMDS & ~B(CMD_CHECK), false,
	  "      --warn-use PERCENT   warn at this use of a limit, growing or not (default 80)\n" },
	{ h_detect, "warn-use", B(CMD_CHECK), false,
	  "  -w, --warn-use PERCENT   warn at this use of a limit, growing or not (default 80)\n" },
	{ h_detect, "crit-use", ALL_CMDS & ~B(CMD_CHECK), false,
	  "      --crit-use PERCENT   critical at this use of a limit (default 95)\n" },
	{ h_detect, "crit-use", B(CMD_CHECK), false,
	  "  -c, --crit-use PERCENT   critical at this use of a limit (default 95)\n" },
	{ "Log:", "syslog", ALL_CMDS, false,
	  "      --syslog             also send alert events to syslog\n" },
	{ "Log:", "output", B(CMD_LOG), false,
	  "  -o, --output FILE        also write the sample records to FILE, for replay\n"
	  "                           (mode 0600; a symbolic link is refused)\n" },
	{ "Check:", "state", B(CMD_CHECK), false,
	  "      --state FILE         history file (default /var/lib/fdwatch/state\n"
	  "                           as root, else $XDG_STATE_HOME/fdwatch/state);\n"
	  "                           it and its directories must be yours alone\n" },
	{ "Check:", "timeout", B(CMD_CHECK), false,
	  "  -t, --timeout SECONDS    end UNKNOWN when the check takes longer (default: none)\n" },
	{ "Check:", "verbose", B(CMD_CHECK), false,
	  "  -v, --verbose            also list the processes nearest their limit\n" },
	{ "Run:", "no-children", ALL_CMDS, false,
	  "      --no-children        watch COMMAND alone, not its descendants\n"
	  "                           (by default its whole tree; --children is kept)\n" },
	{ "Run:", "output", B(CMD_RUN), false,
	  "  -o, --output FILE        write alert events and the summary to FILE\n"
	  "                           (default: stderr, so COMMAND's stdout stays its own;\n"
	  "                           mode 0644; a symbolic link is refused)\n" },
	{ "Run:", "proc", B(CMD_RUN), false,
	  "      --proc DIR           read DIR instead of /proc\n" },
	{ "Record:", "output", B(CMD_RECORD), false,
	  "  -o, --output FILE        write to FILE instead of stdout\n"
	  "                           (mode 0600; a symbolic link is refused)\n" },
	{ "Metrics:", "listen", ALL_CMDS, false,
	  "      --listen [ADDR:]PORT serve /metrics over HTTP, sampling every --interval\n"
	  "                           (address default 127.0.0.1)\n" },
	{ "Metrics:", "tls-cert", ALL_CMDS, false,
	  "      --tls-cert FILE      with --listen: serve HTTPS with this PEM certificate\n" },
	{ "Metrics:", "tls-key", ALL_CMDS, false,
	  "      --tls-key FILE       and this PEM private key\n" },
	{ "Metrics:", "basic-auth", ALL_CMDS, false,
	  "      --basic-auth FILE    with --listen: require USER:PASSWORD (FILE's first line)\n" },
	{ "Metrics:", "max-processes", ALL_CMDS, false,
	  "      --max-processes N    per-process series for the N most urgent (default 50)\n" },
	{ "Metrics:", "min-fds", ALL_CMDS, false,
	  "      --min-fds N          no per-process series below N open fds (default 0)\n" },
	{ "Metrics:", "textfile", ALL_CMDS, false,
	  "      --textfile PATH      write atomically to PATH (node_exporter)\n" },
	{ "Metrics:", "state", B(CMD_METRICS), false,
	  "      --state FILE         export growth and ETA from this history\n" },
	{ "Metrics:", "top-k", ALL_CMDS, false,
	  "      --top-k N            socket series per process (default 10)\n" },
	{ h_output, "format", ALL_CMDS & ~B(CMD_REPORT) & ~B(CMD_REPLAY), true,
	  "      --format text|json   json = JSON Lines, one object per line\n" },
	{ h_output, "format", B(CMD_REPORT) | B(CMD_REPLAY), false,
	  "      --format text|json|html   json = JSON Lines, one object per line; html = one\n"
	  "                           self-contained page with a chart per process\n"
	  "                           (report: with -n or --duration)\n" },
	{ h_output, "color", ALL_CMDS, true,
	  "      --color auto|always|never   colour (NO_COLOR in the environment: never)\n" },
	{ h_output, "help", ALL_CMDS, true,
	  "  -h, --help               show this help and exit\n" },
	{ h_output, "version", ALL_CMDS, true,
	  "  -V, --version            show the version and exit\n" },
};

/* The commands that accept the long option name (a bit each). */
static unsigned accepted_by(const char *name)
{
	unsigned cmds = 0;

	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (strcmp(optdefs[i].lo.name, name) == 0)
			cmds |= optdefs[i].cmds;
	return cmds;
}

/* Prints the option help of the commands in mask (every line shown for
 * any of them), each heading once, a blank line after each group. */
static void print_options(unsigned mask, bool general)
{
	const char *open = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(helplines); i++) {
		const struct helpline *h = &helplines[i];

		if (!(h->cmds & accepted_by(h->opt) & mask) || (general && !h->general))
			continue;
		if (h->heading != open) {
			printf("%s%s\n", open ? "\n" : "", h->heading);
			open = h->heading;
		}
		fputs(h->text, stdout);
	}
}

static void print_help(enum command c, bool have_cmd)
{
	static const char *const what[CMD_NCOMMANDS] = {
		"live view of every process's fds, growth and endpoints (keys: h)",
		"one sample (or the last of -n/--duration) as a report, most suspicious first",
		"sample until stopped and print one line per alert event",
		"Nagios/Icinga check with history in --state FILE; exit 0/1/2/3",
		"run COMMAND, watch it, fail (exit 2) if it leaks fds",
		"write sample records (JSON Lines) to -o FILE or stdout",
		"run the detector over recorded samples and print the alerts",
		"Prometheus metrics: one sample, or an exporter serving them (--listen)",
	};
	static const char *const synopsis[CMD_NCOMMANDS] = {
		"top [OPTION]...", "report [OPTION]...", "log [OPTION]... [--syslog]",
		"check [OPTION]... [--state FILE]", "run [OPTION]... -- COMMAND [ARG]...",
		"record [OPTION]... [-o FILE]", "replay [OPTION]... FILE...",
		"metrics [OPTION]... [--textfile PATH] [--state FILE] | [--listen [ADDR:]PORT]",
	};
	static const char *const notes[CMD_NCOMMANDS] = {
		[CMD_TOP] = "Keys:\n"
			    "  q quit   Up/Down PgUp/PgDn Home/End move   Enter details   Esc back\n"
			    "  < > sort column   r reverse sort   / filter by name   space pause\n"
			    "  + - longer/shorter interval   h ? help\n"
			    "The default interval is 1 second. Needs a terminal; see 'fdwatch report'.\n",
		[CMD_CHECK] = "Each run adds a sample to the history and judges it; the first run is OK.\n"
			      "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
		[CMD_RUN] = "Exit status: COMMAND's own; 2 when it exited 0 but leaked fds (an alert "
			    "fired).\n",
		[CMD_REPLAY] = "FILE... are sample records (JSON Lines) as 'record' writes them, '-' for\n"
			       "stdin; merged in time order.\n",
	};

	if (!have_cmd) {
		printf("Usage: %s [COMMAND] [OPTION]...\n"
		       "Watch the file descriptors of Linux processes and catch fd leaks\n"
		       "before they end in 'too many open files'.\n\nCommands:\n", progname);
		for (int i = 0; i < CMD_NCOMMANDS; i++)
			printf("  %-9s %s\n", command_names[i], what[i]);
		printf("\nWithout a COMMAND: top when stdout is a terminal, else report.\n"
		       "'%s COMMAND --help' lists a command's options; 'man fdwatch' tells more.\n\n",
		       progname);
		print_options(ALL_CMDS, true);
		printf("\nReport bugs to <%s>.\n", PACKAGE_BUGREPORT);
		return;
	}
	printf("Usage: %s %s\n%s.\n\n", progname, synopsis[c], what[c]);
	print_options(B(c), false);
	if (notes[c])
		printf("\n%s", notes[c]);
}

static int parse_command(const char *s)
{
	for (int i = 0; i < CMD_NCOMMANDS; i++)
		if (strcmp(s, command_names[i]) == 0)
			return i;
	return -1;
}

/* "-X" for a short option, "--name" for a code. */
static const char *opt_label(int code, char *buf, size_t n)
{
	for (size_t i = 0; code >= 256 && i < ARRAY_SIZE(optdefs); i++) {
		if (optdefs[i].lo.val == code) {
			snprintf(buf, n, "--%s", optdefs[i].lo.name);
			return buf;
		}
	}
	snprintf(buf, n, "-%c", code);
	return buf;
}

/* The code of short option c in command cmd, or c when it has none. */
static int short_code(enum command cmd, int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (optdefs[i].shortopt == c && (optdefs[i].cmds & B(cmd)))
			return optdefs[i].lo.val;
	return c;
}

/* A percentage in [1, 100], a trailing '%' allowed ("90", "92.5%"). */
static int parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || isnan(v))
		return -1;
	if (*end == '%')
		end++;
	if (*end || v < 1 || v > 100)
		return -1;
	*out = v;
	return 0;
}

/* Is the environment variable set to something other than "" or "0"? */
static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

void options_set_horizons(struct detect_params *p, double warn_eta, double crit_eta)
{
	if (!isnan(warn_eta))
		p->warn_eta = warn_eta;
	if (!isnan(crit_eta))
		p->crit_eta = crit_eta;
	/* One horizon given alone may pass the other's default: critical is
	 * then as near as warning, never farther. */
	if (p->crit_eta > p->warn_eta)
		p->crit_eta = p->warn_eta;
}

int options_parse(struct options *o, int argc, char **argv)
{
	double warn_eta = NAN, crit_eta = NAN;
	struct option longopts[ARRAY_SIZE(optdefs) + 1];
	char shortopts[64], label[32];
	const char *why;
	int argi = 1, c, cmd = -1;
	size_t ns = 0;

	memset(o, 0, sizeof(*o));
	detect_params_default(&o->detect);
	o->top_k = 10;
	o->max_procs = 50;
	/* run watches COMMAND's whole tree: CI wrappers are shells, make
	 * and test runners, and the leak is in what they start. */
	o->children = true;
	o->no_stsize = env_flag("FDWATCH_NO_STSIZE");
	o->no_netlink = env_flag("FDWATCH_NO_NETLINK");

	if (argc > 1 && argv[1][0] != '-') {
		cmd = parse_command(argv[1]);
		if (cmd < 0) {
			fprintf(stderr, "%s: unknown command '%s' (commands: top, report, log, check, "
				"run, record, replay, metrics; see --help)\n", progname, argv[1]);
			return 2;
		}
		argi = 2;
	}
	o->cmd = cmd >= 0 ? (enum command)cmd :
		 isatty(STDOUT_FILENO) ? CMD_TOP : CMD_REPORT;

	/* Options this command accepts; '+' stops `run` at its COMMAND. */
	shortopts[ns++] = o->cmd == CMD_RUN ? '+' : ':';
	if (o->cmd == CMD_RUN)
		shortopts[ns++] = ':';
	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0, k = 0; i < ARRAY_SIZE(optdefs); i++) {
		if (!(optdefs[i].cmds & (1u << o->cmd)))
			continue;
		longopts[k++] = optdefs[i].lo;
		if (optdefs[i].shortopt) {
			shortopts[ns++] = optdefs[i].shortopt;
			if (optdefs[i].lo.has_arg)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';

	/* getopt sees the arguments after the command. */
	argv[argi - 1] = argv[0];
	argc -= argi - 1;
	argv += argi - 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *arg = optarg;
		long v;

		if (c > 0 && c < 256 && c != ':' && c != '?')
			c = short_code(o->cmd, c);
		switch (c) {
		case OPT_PID:
			if (selection_add_pids(&o->sel, arg, &why) < 0)
				return usage_error(o->cmd, "--pid '%s': %s (e.g. --pid 4242,4243)", arg, why);
			break;
		case OPT_USER:
			if (selection_add_user(&o->sel, arg, &why) < 0)
				return usage_error(o->cmd, "--user '%s': %s (give a user name or uid)", arg, why);
			break;
		case OPT_COMM:
			if (selection_set_comm(&o->sel, arg, &why) < 0)
				return usage_error(o->cmd, "--comm '%s': %s (a POSIX extended regex)", arg, why);
			break;
		case OPT_PROC:
			o->proc_root = arg;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(arg, &o->interval) < 0 || o->interval < 0.01 || o->interval > 86400)
				return usage_error(o->cmd, "--interval '%s': not a number of seconds "
						   "from 0.01 to 86400 (e.g. --interval 0.5)", arg);
			break;
		case OPT_ITERATIONS:
			if (parse_long(arg, 1, 1000000000, &o->iterations) < 0)
				return usage_error(o->cmd, "--iterations '%s': not a whole number "
						   "from 1 (e.g. -n 10)", arg);
			break;
		case OPT_DURATION:
			if (parse_seconds(arg, &o->duration) < 0 || o->duration <= 0)
				return usage_error(o->cmd, "--duration '%s': not a positive number "
						   "of seconds (e.g. --duration 60)", arg);
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(arg, "json") == 0)
				o->format = FORMAT_JSON;
			else if (strcmp(arg, "html") == 0 &&
				 (o->cmd == CMD_REPORT || o->cmd == CMD_REPLAY))
				o->format = FORMAT_HTML;
			else if (o->cmd == CMD_REPORT || o->cmd == CMD_REPLAY)
				return usage_error(o->cmd, "--format '%s': use text, json or html", arg);
			else
				return usage_error(o->cmd, "--format '%s': use text or json", arg);
			break;
		case OPT_COLOR:
			if (strcmp(arg, "auto") == 0)
				o->color = COLOR_AUTO;
			else if (strcmp(arg, "always") == 0)
				o->color = COLOR_ALWAYS;
			else if (strcmp(arg, "never") == 0)
				o->color = COLOR_NEVER;
			else
				return usage_error(o->cmd, "--color '%s': use auto, always or never", arg);
			break;
		case OPT_OUTPUT:
			o->output = arg;
			break;
		case OPT_STATE:
			if (!*arg)
				return usage_error(o->cmd, "--state '': give a file path");
			o->state_path = arg;
			break;
		case OPT_TEXTFILE:
			if (!*arg)
				return usage_error(o->cmd, "--textfile '': give a file path");
			o->textfile = arg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case OPT_CHILDREN:
			o->children = true;
			break;
		case OPT_LISTEN:
			if (exporter_parse_listen(arg, &o->listen_addr, &o->listen_len, &why) < 0)
				return usage_error(o->cmd, "--listen '%s': %s (e.g. --listen 9925 or "
						   "--listen 127.0.0.1:9925)", arg, why);
			o->listen = arg;
			break;
		case OPT_TLS_CERT:
		case OPT_TLS_KEY:
		case OPT_BASIC_AUTH:
			if (!*arg)
				return usage_error(o->cmd, "--%s '': give a file path",
						   c == OPT_TLS_CERT ? "tls-cert" : c == OPT_TLS_KEY ?
						   "tls-key" : "basic-auth");
			*(c == OPT_TLS_CERT ? &o->tls_cert : c == OPT_TLS_KEY ? &o->tls_key :
			  &o->basic_auth) = arg;
			break;
		case OPT_MAX_PROCS:
			if (parse_long(arg, 0, 1000000, &o->max_procs) < 0)
				return usage_error(o->cmd, "--max-processes '%s': not a whole number from 0 "
						   "(e.g. --max-processes 50; 0: no per-process series)", arg);
			break;
		case OPT_MIN_FDS:
			if (parse_long(arg, 0, 1L << 30, &o->min_fds) < 0)
				return usage_error(o->cmd, "--min-fds '%s': not a whole number from 0 "
						   "(e.g. --min-fds 100)", arg);
			break;
		case OPT_TIMEOUT:
			if (parse_long(arg, 1, 86400, &o->timeout) < 0)
				return usage_error(o->cmd, "-t/--timeout '%s': not a whole number of seconds "
						   "from 1 to 86400 (e.g. -t 10)", arg);
			break;
		case OPT_VERBOSE:
			o->verbose++;
			break;
		case OPT_NO_CHILDREN:
			o->children = false;
			break;
		case OPT_NO_ADAPTIVE:
			o->no_adaptive = true;
			break;
		case OPT_TOPK:
			if (parse_long(arg, 1, 10000, &v) < 0)
				return usage_error(o->cmd, "--top-k '%s': not a whole number from 1 "
						   "to 10000 (e.g. --top-k 10)", arg);
			o->top_k = v;
			break;
		case OPT_WARN:
			if (parse_seconds(arg, &warn_eta) < 0 || warn_eta <= 0)
				return usage_error(o->cmd, "--warn-eta '%s': not a positive number "
						   "of seconds (e.g. --warn-eta 604800)", arg);
			break;
		case OPT_CRIT:
			if (parse_seconds(arg, &crit_eta) < 0 || crit_eta <= 0)
				return usage_error(o->cmd, "--crit-eta '%s': not a positive number "
						   "of seconds (e.g. --crit-eta 3600)", arg);
			break;
		case OPT_WARN_USE:
		case OPT_CRIT_USE:
			if (parse_percent(arg, c == OPT_WARN_USE ? &o->detect.warn_use :
					  &o->detect.crit_use) < 0)
				return usage_error(o->cmd, "--%s '%s': not a percentage from 1 to 100 "
						   "(e.g. --%s %s)", c == OPT_WARN_USE ? "warn-use" : "crit-use",
						   arg, c == OPT_WARN_USE ? "warn-use" : "crit-use",
						   c == OPT_WARN_USE ? "80" : "95");
			break;
		case OPT_HELP:
			print_help(o->cmd, cmd >= 0);
			return 0;
		case OPT_VERSION:
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		case ':':
			return usage_error(o->cmd, "%s needs a value (see %s %s --help)",
					   optopt ? opt_label(optopt, label, sizeof(label)) : argv[optind - 1],
					   progname, command_name(o->cmd));
		default:
			if (optopt && optopt < 256)
				return usage_error(o->cmd, "unknown option '-%c' (see %s %s --help)",
						   optopt, progname, command_name(o->cmd));
			return usage_error(o->cmd, "unknown option '%s' (see %s %s --help)",
					   argv[optind - 1], progname, command_name(o->cmd));
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->cmd == CMD_RUN && o->nargs == 0)
		return usage_error(o->cmd, "no COMMAND to run (usage: %s run [OPTION]... -- COMMAND [ARG]...)",
				   progname);
	if (o->cmd == CMD_REPLAY && o->nargs == 0)
		return usage_error(o->cmd, "no trace FILE to replay (usage: %s replay FILE...)", progname);
	if (o->cmd != CMD_RUN && o->cmd != CMD_REPLAY && o->nargs > 0)
		return usage_error(o->cmd, "unexpected argument '%s' (see %s %s --help)",
				   o->args[0], progname, command_name(o->cmd));
	if (!isnan(warn_eta) && !isnan(crit_eta) && crit_eta > warn_eta)
		return usage_error(o->cmd, "--crit-eta %g is longer than --warn-eta %g "
				   "(critical must be the nearer horizon)", crit_eta, warn_eta);
	options_set_horizons(&o->detect, warn_eta, crit_eta);
	if (o->cmd == CMD_METRICS && !o->listen && (o->interval > 0 || o->iterations || o->duration > 0))
		return usage_error(o->cmd, "--interval, --iterations and --duration need --listen "
				   "(without it metrics takes one sample)");
	if (!o->listen && (o->tls_cert || o->tls_key || o->basic_auth))
		return usage_error(o->cmd, "--tls-cert, --tls-key and --basic-auth need --listen");
	if (!o->tls_cert != !o->tls_key)
		return usage_error(o->cmd, "--tls-cert and --tls-key go together (give both)");
	if (o->listen && o->textfile)
		return usage_error(o->cmd, "--listen and --textfile: choose one (a server, or a file "
				   "for node_exporter)");
	if (o->listen && o->state_path)
		return usage_error(o->cmd, "--listen keeps the history in memory: --state is for "
				   "one-shot metrics");
	if (o->textfile) {
		size_t n = strlen(o->textfile);

		if (n < 6 || strcmp(o->textfile + n - 5, ".prom") != 0 || o->textfile[n - 6] == '/')
			return usage_error(o->cmd, "--textfile '%s': the name must end in .prom "
					   "(node_exporter reads only those)", o->textfile);
	}
	if (o->detect.warn_use > o->detect.crit_use)
		return usage_error(o->cmd, "--warn-use %g is above --crit-use %g "
				   "(warning must come first)", o->detect.warn_use, o->detect.crit_use);
	return -1;
}

void options_free(struct options *o)
{
	selection_free(&o->sel);
}

bool options_use_color(const struct options *o, int fd)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (o->color == COLOR_NEVER || (nc && *nc))
		return false;
	if (o->color == COLOR_ALWAYS)
		return true;
	return isatty(fd) && term && strcmp(term, "dumb") != 0;
}

void options_sampler_config(const struct options *o, struct sampler_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->proc_root = o->proc_root;
	cfg->sel = &o->sel;
	cfg->no_stsize = o->no_stsize;
	cfg->no_netlink = o->no_netlink;
}
