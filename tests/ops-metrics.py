#!/usr/bin/env python3
"""fdwatch metrics: the exposition passes promtool, carries what /proc
says about a real process, bounds its socket series with --top-k, exports
growth with --state, and --textfile replaces the file atomically (a reader
never sees a partial file, no temp file is left, a failed write leaves the
old file)."""

import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from fdtest import FDWATCH, check, done, equal, fdwatch, proc_fd_counts, skip_part, start_helper

tmp = tempfile.mkdtemp(prefix="ops-metrics-")
SERIES = re.compile(r'^([a-z_]+)(\{.*\})? (\S+)$')


def parse(text):
    """{(name, labels): value} and the HELP/TYPE names, from an exposition."""
    series, helps, types = {}, set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line.startswith("# TYPE "):
            types.add(line.split()[2])
        elif line:
            m = SERIES.match(line)
            if not m:
                raise ValueError("not a sample line: %r" % line)
            series[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return series, helps, types


def promtool(text):
    if not shutil.which("promtool"):
        return None
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True)


# A process with more socket groups (listeners, established both ways,
# CLOSE_WAIT, udp, unix) than --top-k 3 lets through.
h = start_helper("--tcp", 3, "--close-wait", 2, "--tcp6", 1, "--udp", 2, "--unix", 2,
                 "--pipe", 2, "--file", 3, "--eventfd", 1, "--nofile", 900)

r = fdwatch("metrics", "-p", h.pid, "--top-k", 3)
equal(r.returncode, 0, "metrics exits 0")
series, helps, types = parse(r.stdout)
names = {n for n, l in series}
check(names <= helps and names <= types, "every family has HELP and TYPE", names - helps)
lab = '{pid="%d",comm="helper-fds"}' % h.pid
equal(series.get(("fdwatch_process_open_fds", lab)), float(sum(proc_fd_counts(h.pid).values())),
      "open fds as /proc counts them")
equal(series.get(("fdwatch_process_fd_limit", lab)), 900.0, "the soft limit")
counts = proc_fd_counts(h.pid)
for t in ("file", "socket", "pipe", "anon"):
    equal(series.get(("fdwatch_process_fds_by_type", lab[:-1] + ',type="%s"}' % t)),
          float(counts[t]), "fds of type %s" % t)
socks = {l: v for (n, l), v in series.items()
         if n == "fdwatch_process_sockets" and l.startswith(lab[:-1])}
equal(len(socks), 3, "--top-k 3: three socket series for the process")
omitted = series.get(("fdwatch_process_sockets_omitted", lab), -1)
equal(sum(socks.values()) + omitted, float(counts["socket"]),
      "top series plus omitted add up to the process's sockets")
equal(series.get(("fdwatch_processes_sampled", "")), 1.0, "processes sampled")
equal(series.get(("fdwatch_processes_unreadable", "")), 0.0, "processes unreadable")
check(("fdwatch_sample_duration_seconds", "") in series, "sample duration")
check(("fdwatch_last_sample_timestamp_seconds", "") in series, "last sample time")
check(any(n == "fdwatch_build_info" for n, l in series), "build info")
zeros = [k for k, v in series.items() if k[0] == "fdwatch_process_fds_by_type" and v == 0]
equal(zeros, [], "no zero-valued per-type series")
check(not any(n.startswith("fdwatch_process_fd_growth") for n in names),
      "no growth series without --state")
p = promtool(r.stdout)
if p is None:
    skip_part("promtool is not installed: promtool check metrics")
else:
    equal((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics passes")
# The default bound (10) and every process on the host also pass.
r = fdwatch("metrics")
equal(r.returncode, 0, "metrics of every process exits 0")
p = promtool(r.stdout)
if p is not None:
    equal((p.returncode, p.stdout + p.stderr), (0, ""), "promtool on every process")

# --state: growth and ETA of a leaking process, none for a steady one.
state = os.path.join(tmp, "state")
leak = start_helper("--leak", "tcp", "--rate", 20, "--nofile", 1500, "--timeout", 120)
deadline = time.time() + 60
got = None
while time.time() < deadline and leak.proc.poll() is None:
    r = fdwatch("metrics", "--state", state, "-p", "%d,%d" % (leak.pid, h.pid))
    s, _, _ = parse(r.stdout)
    ll = '{pid="%d",comm="helper-fds"}' % leak.pid
    if s.get(("fdwatch_process_alert_level", ll), 0) >= 1:
        got = s
        break
    time.sleep(0.5)
check(got is not None, "--state: the leaking process reaches an alert level")
if got:
    rate = got.get(("fdwatch_process_fd_growth_per_second", ll))
    check(rate is not None and 10 < rate < 30, "--state: growth rate near 20/s", rate)
    eta = got.get(("fdwatch_process_fd_limit_eta_seconds", ll))
    check(eta is not None and 0 < eta < 80, "--state: ETA under the 75 s left", eta)
    srcs = [l for (n, l) in got if n == "fdwatch_process_growth_source_info"]
    equal(srcs, [ll[:-1] + ',type="socket",proto="tcp",direction="out",endpoint="127.0.0.1:%d",'
                 'state="CLOSE_WAIT",dir="",kind=""}' % leak.port],
          "--state: the growing source of the leaking process, none for the steady one")
    equal(got.get(("fdwatch_process_fd_growth_per_second", lab)), 0.0, "--state: steady grows 0/s")
    equal(got.get(("fdwatch_state_damaged", "")), 0.0, "--state: a sound state file")
    check(("fdwatch_process_fd_limit_eta_seconds", lab) not in got, "--state: steady has no ETA")
    p = promtool(r.stdout)
    if p is not None:
        equal((p.returncode, p.stdout + p.stderr), (0, ""), "promtool on --state output")
leak.stop()

# --textfile: atomic replacement while a reader reads as fast as it can.
out = os.path.join(tmp, "tf", "fdwatch.prom")
os.makedirs(os.path.dirname(out))
stop = threading.Event()
bad, reads = [], [0]


def reader():
    while not stop.is_set():
        try:
            with open(out) as f:
                text = f.read()
        except FileNotFoundError:
            continue
        reads[0] += 1
        if not (text.startswith("# HELP fdwatch_") and text.endswith("\n") and
                "\nfdwatch_sample_duration_seconds " in text):
            bad.append(text[-200:])
            if len(bad) > 3:
                break


t = threading.Thread(target=reader)
t.start()
codes = []
for i in range(25):
    codes.append(fdwatch("metrics", "--textfile", out, "-p", h.pid).returncode)
stop.set()
t.join()
equal(set(codes), {0}, "--textfile: every write exits 0")
check(reads[0] > 0, "--textfile: the reader read the file", reads[0])
equal(bad, [], "--textfile: the reader never saw a partial file")
equal(sorted(os.listdir(os.path.dirname(out))), ["fdwatch.prom"], "--textfile: no temp file left")
r = fdwatch("metrics", "--textfile", out, "-p", h.pid)
equal(r.stdout, "", "--textfile: nothing on stdout")
equal(oct(os.stat(out).st_mode & 0o777), oct(0o644), "--textfile: 0644, readable by the collector")
# Under umask 077 too: node_exporter runs as another user.
r = subprocess.run(["sh", "-c", 'umask 077 && exec "$0" metrics --textfile "$1" -p "$2"', FDWATCH,
                    out, str(h.pid)], capture_output=True, text=True)
equal((r.returncode, oct(os.stat(out).st_mode & 0o777)), (0, oct(0o644)),
      "--textfile: 0644 under umask 077")
for bad_name in ("fdwatch.txt", "fdwatch", ".prom"):
    r = fdwatch("metrics", "--textfile", os.path.join(tmp, bad_name))
    check(r.returncode == 2 and ".prom" in r.stderr,
          "--textfile %s: a usage error naming .prom" % bad_name, r.stderr)

# A damaged --state is exported, not only said on stderr.
dstate = os.path.join(tmp, "damaged")
fdwatch("metrics", "--state", dstate, "-p", h.pid)
with open(dstate, "w") as f:
    f.write("fdwatch-state 1\n{not json\n")
r = fdwatch("metrics", "--state", dstate, "-p", h.pid)
s2, _, _ = parse(r.stdout)
equal((r.returncode, s2.get(("fdwatch_state_damaged", ""))), (0, 1.0),
      "--state damaged: fdwatch_state_damaged 1")
r = fdwatch("metrics", "--state", dstate, "-p", h.pid)
s2, _, _ = parse(r.stdout)
equal(s2.get(("fdwatch_state_damaged", "")), 0.0, "--state: the next run is sound again")

# --max-processes bounds the per-process series of one-shot metrics too.
r = fdwatch("metrics", "--max-processes", 1)
s2, _, _ = parse(r.stdout)
pids = {re.search(r'pid="(\d+)"', l).group(1) for (n, l) in s2 if n.startswith("fdwatch_process_")}
check(len(pids) == 1, "--max-processes 1: one process has series", pids)
check(s2.get(("fdwatch_processes_omitted", ""), 0) >= 1, "--max-processes 1: the rest omitted")
r = fdwatch("metrics", "--min-fds", 1000000)
s2, _, _ = parse(r.stdout)
equal([k for k in s2 if k[0].startswith("fdwatch_process_")], [], "--min-fds: none above a million")
for args in (("--max-processes", "-1"), ("--min-fds", "x"), ("--listen", "nowhere:1"),
             ("--listen", "70000"), ("--interval", "1")):
    r = fdwatch("metrics", *args)
    check(r.returncode == 2 and r.stderr.count("\n") == 1, "metrics %s %s: a usage error" % args,
          r.stderr)

# A write that fails (file size limit) leaves the old file and no temp.
with open(out) as f:
    old = f.read()


def small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


r = subprocess.run([FDWATCH, "metrics", "--textfile", out, "-p", str(h.pid)],
                   capture_output=True, text=True, preexec_fn=small_files)
equal(r.returncode, 1, "--textfile: a failed write exits 1")
check("fdwatch.prom" in r.stderr, "--textfile: it says which file", r.stderr)
with open(out) as f:
    equal(f.read(), old, "--textfile: the old file is left whole")
equal(sorted(os.listdir(os.path.dirname(out))), ["fdwatch.prom"],
      "--textfile: no temp file left after the failure")
r = fdwatch("metrics", "--textfile", os.path.join(tmp, "missing", "x.prom"))
equal(r.returncode, 1, "--textfile into a missing directory exits 1")
r = fdwatch("metrics", "--textfile", "")
equal(r.returncode, 2, "--textfile '' is a usage error")

shutil.rmtree(tmp)
done()
