/* fdwatch-bench.c - drives the sampler the way a watching command does and
 * says what each sample cost and did: CPU time, wall time, how many
 * processes were classified or kept their classification, and which socket
 * tables came through netlink. Used by the benchmark (the cost of watching
 * a steady population) and by the tests of the fast paths.
 *
 *   fdwatch-bench [-n TICKS] [-d SECONDS] [-a REUSE_AGE] [-p PID[,PID...]]
 *                 [--proc DIR] [--json] [--quiet] [--history SECONDS]
 *
 * One line per tick ("tick=1 procs=... cpu_ms=..."), then a summary line
 * ("summary ticks=... cpu_ms_per_s=... maxrss_kib=... listed_per_tick=...",
 * the fd/ directories listed and the counts carried per sample; each tick
 * also says how many fd links were read and how many fds were classified
 * from the last classification instead). --json prints the
 * sample records of the last tick after it. --history S then feeds the
 * last sample, re-timed one second apart, S times to the tracker (history
 * and detector), as S seconds of 1 s watching would, and prints its cost
 * and the memory held ("history seconds=... feed_cpu_ms=..."). FDWATCH_NO_STSIZE and
 * FDWATCH_NO_NETLINK apply as they do to fdwatch. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "loop.h"
#include "record.h"
#include "sampler.h"
#include "track.h"
#include "util.h"

/* Is the environment flag set (non-empty, not "0")? */
static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

/* CPU seconds (user + system) this process has used. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Feeds s to a tracker `seconds` times, one second apart, ending at its own
 * time, and prints what that cost and what the tracker holds. */
static void feed_history(struct sample *s, long seconds)
{
	struct detect_params dp;
	struct tracker *t;
	double end = s->time, cpu = cpu_seconds();
	size_t n, bytes;

	detect_params_default(&dp);
	t = tracker_new(&dp);
	for (long i = 0; i < seconds; i++) {
		struct alert *a;
		size_t na;

		s->time = end - (double)(seconds - 1 - i);
		s->mono = s->time;
		tracker_feed(t, s, true);
		na = tracker_take_events(t, &a);
		alerts_free(a, na);
	}
	cpu = cpu_seconds() - cpu;
	bytes = tracker_bytes(t, &n);
	printf("history seconds=%ld procs=%zu feed_cpu_ms_per_sample=%.3f tracker_kib=%zu "
	       "maxrss_kib=%ld\n", seconds, n, cpu * 1e3 / (double)seconds, bytes / 1024,
	       maxrss_kib());
	tracker_free(t);
}

static void usage(void)
{
	fprintf(stderr, "usage: fdwatch-bench [-n TICKS] [-d SECONDS] [-a REUSE_AGE] "
			"[-p PID[,PID...]] [--proc DIR] [--json] [--quiet] [--history SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ticks", 1, 0, 'n' }, { "interval", 1, 0, 'd' }, { "age", 1, 0, 'a' },
		{ "pid", 1, 0, 'p' }, { "proc", 1, 0, 'P' }, { "json", 0, 0, 'j' },
		{ "quiet", 0, 0, 'q' }, { "history", 1, 0, 'H' }, { 0, 0, 0, 0 },
	};
	struct selection sel;
	struct sampler_config cfg;
	struct sampler *sm;
	struct sample *last = NULL;
	long ticks = 1, history = 0;
	double interval = 1.0, age = SAMPLER_REUSE_AGE, t0, cpu0, cpu_first = 0, cpu_rest = 0;
	size_t listed = 0, carried = 0, procs = 0;
	bool json = false, quiet = false;
	const char *why;
	int c, err;

	memset(&sel, 0, sizeof(sel));
	memset(&cfg, 0, sizeof(cfg));
	while ((c = getopt_long(argc, argv, "n:d:a:p:jqH:", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_long(optarg, 1, 1000000, &ticks) < 0)
				usage();
			break;
		case 'd':
			if (parse_seconds(optarg, &interval) < 0)
				usage();
			break;
		case 'a':
			if (parse_seconds(optarg, &age) < 0)
				usage();
			break;
		case 'p':
			if (selection_add_pids(&sel, optarg, &why) < 0) {
				fprintf(stderr, "fdwatch-bench: -p %s: %s\n", optarg, why);
				return 2;
			}
			break;
		case 'P':
			cfg.proc_root = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'H':
			if (parse_long(optarg, 0, 10000000, &history) < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	cfg.sel = &sel;
	cfg.no_stsize = env_flag("FDWATCH_NO_STSIZE");
	cfg.no_netlink = env_flag("FDWATCH_NO_NETLINK");
	cfg.reclassify_age = age;
	sm = sampler_new(&cfg, &err);
	if (!sm) {
		fprintf(stderr, "fdwatch-bench: cannot open the proc root: %s\n", strerror(-err));
		return 1;
	}
	loop_signals();
	t0 = clock_mono();
	cpu0 = cpu_seconds();
	for (long k = 0; k < ticks && !loop_stop_signal; k++) {
		double w, cpu, dcpu, dw;
		const struct sampler_stats *st;
		struct sample *s;

		if (k)
			loop_sleep_until(t0 + interval * (double)k);
		w = clock_mono();
		cpu = cpu_seconds();
		s = sampler_take(sm);
		dcpu = cpu_seconds() - cpu;
		dw = clock_mono() - w;
		if (k == 0)
			cpu_first = dcpu;
		else
			cpu_rest += dcpu;
		st = sampler_stats(sm);
		if (k) {
			listed += st->listed;
			carried += st->carried;
			procs += s->nprocs;
		}
		if (!quiet)
			printf("tick=%ld procs=%zu fds=%llu classified=%zu reused=%zu postponed=%zu "
			       "tables_read=%zu by_port=%zu netns_netlink=%zu netns_procfs=%zu tables_netlink=%u "
			       "listed=%zu carried=%zu relisted=%zu deferred=%zu fds_age=%.1f "
			       "links_read=%zu links_reused=%zu cpu_ms=%.3f wall_ms=%.3f\n",
			       k + 1, s->nprocs, s->total_fds, st->classified, st->reused, st->postponed,
			       st->tables_read, st->tables_by_port, st->netns_netlink, st->netns_procfs, st->tables_netlink,
			       st->listed, st->carried, st->relisted, st->tables_deferred, s->fds_age,
			       st->links_read, st->links_reused, dcpu * 1e3, dw * 1e3);
		fflush(stdout); /* a test may act on a tick as it comes */
		sample_free(last);
		last = s;
	}
	if (last) {
		double span = clock_mono() - t0;
		long n = ticks > 1 ? ticks - 1 : 1;

		printf("summary ticks=%ld interval=%g age=%g first_cpu_ms=%.3f "
		       "later_cpu_ms_per_tick=%.3f cpu_ms_per_s=%.3f total_cpu_ms=%.3f "
		       "span_s=%.3f maxrss_kib=%ld listed_per_tick=%.1f carried_per_tick=%.1f "
		       "procs_per_tick=%.1f\n",
		       ticks, interval, age, cpu_first * 1e3, cpu_rest * 1e3 / (double)n,
		       span > 0 && ticks > 1 ? cpu_rest * 1e3 / (interval * (double)n) : 0.0,
		       (cpu_seconds() - cpu0) * 1e3, span, maxrss_kib(), (double)listed / (double)n,
		       (double)carried / (double)n, (double)procs / (double)n);
		if (json) {
			struct buf out;

			buf_init(&out);
			for (size_t i = 0; i < last->nprocs; i++)
				record_sample_json(&out, last, &last->procs[i]);
			fwrite(out.data, 1, out.len, stdout);
			buf_free(&out);
		}
	}
	if (last && history > 0)
		feed_history(last, history);
	fflush(stdout);
	sample_free(last);
	sampler_free(sm);
	selection_free(&sel);
	return 0;
}
