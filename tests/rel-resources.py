#!/usr/bin/env python3
"""fdwatch's own resources. It works under `ulimit -n 16` (a handful of its
own fds at a time); over a fast-interval soak with processes coming and
going its RSS and its own fd count stay flat; a write error on stdout is
reported and exits 1."""

import json
import os
import re
import resource
import subprocess
import time

from fdtest import FDWATCH, _children, check, done, equal, fdwatch, json_lines, start_helper, without_idle


def limited(n):
    def pre():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return pre


def run(args, nofile=None, stdout=subprocess.PIPE, timeout=120):
    return subprocess.run([FDWATCH] + [str(a) for a in args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, preexec_fn=limited(nofile) if nofile else None)


# --- ulimit -n 16 ----------------------------------------------------------------
busy = start_helper("--tcp", 20, "--tcp6", 5, "--udp", 3, "--unix", 5, "--pipe", 5, "--file", 10,
                    "--eventfd", 3)
want = json_lines(fdwatch("report", "--format", "json", "-p", busy.pid).stdout)[0]
r = run(["report", "--format", "json", "-p", busy.pid], nofile=16)
equal((r.returncode, r.stderr), (0, ""), "report under ulimit -n 16: exit 0, quiet")
got = json_lines(r.stdout)
equal(len(got), 1, "the busy process is reported")
if got:
    for k in ("fds", "types"):
        equal(got[0].get(k), want.get(k), "under ulimit -n 16, %s as without the limit" % k)
    equal(without_idle(got[0].get("sockets")), without_idle(want.get("sockets")),
          "under ulimit -n 16, sockets as without the limit")
r = run(["report", "--format", "json"], nofile=16)
equal((r.returncode, r.stderr), (0, ""), "whole-system report under ulimit -n 16: exit 0, quiet")
n_all = len(json_lines(fdwatch("report", "--format", "json").stdout))
n_lim = len(json_lines(r.stdout))
check(n_lim >= n_all * 0.9, "and it covers the system (%d processes, %d without the limit)"
      % (n_lim, n_all))
check(not any(x.get("error") == "Too many open files" for x in json_lines(r.stdout)),
      "no process is marked unreadable for lack of fds")
for cmd in (["report", "--color", "never"], ["record", "-n", 3, "-d", 0.05], ["log", "-n", 3, "-d", 0.05],
            ["metrics"], ["report", "-n", 3, "-d", 0.05]):
    r = run(cmd, nofile=16)
    equal((r.returncode, r.stderr), (0, ""), "%s under ulimit -n 16: exit 0, quiet" % " ".join(map(str, cmd)))

# --- soak: RSS and own fds flat ------------------------------------------------------------


PROC_ENTRY = re.compile(r"^/proc/(\d+)(/|$)")


def own(pid):
    """RSS (kB) and the fds it holds throughout: those seen in every one of
    several looks, since a look may catch a file it is reading right then."""
    looks = []
    for i in range(15):
        look = set()
        d = "/proc/%d/fd" % pid
        for fd in os.listdir(d):
            try:
                look.add((int(fd), os.readlink(d + "/" + fd)))
            except OSError:
                pass
        looks.append(look)
        time.sleep(0.03)
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return rss, set.intersection(*looks)


def soak(args, seconds, warm):
    p = subprocess.Popen([FDWATCH] + [str(a) for a in args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    _children.append(p)
    time.sleep(warm)
    first = own(p.pid)
    time.sleep(seconds - warm)
    last = own(p.pid)
    p.terminate()
    _, err = p.communicate(timeout=60)
    return first, last, p.returncode, err


# AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
with open(FDWATCH, "rb") as f:
    sanitized = b"__asan_init" in f.read()
spawner = subprocess.Popen(["sh", "-c", "while :; do sleep 0.2 & /bin/true & /bin/true & wait; done"])
_children.append(spawner)
churner = start_helper("--pool", 100, "--churn", 500)
leaker = start_helper("--leak", "pipe", "--rate", 20, "--leak-max", 2000)
for name, args in (("log", ["log", "-d", "0.01"]),
                   ("report", ["report", "-n", 100000, "-d", "0.01"]),
                   ("record", ["record", "-d", "0.01", "-o", "/dev/null"])):
    (rss0, fd0), (rss1, fd1), rc, err = soak(args, 40 if name == "log" else 20, 8 if name == "log" else 5)
    print("# %s -d 0.01 soak: RSS %d kB -> %d kB, own fds %d -> %d" % (name, rss0, rss1, len(fd0), len(fd1)))
    equal(err, "", "%s soak: nothing on stderr" % name)
    equal(rc, 0, "%s soak: stops cleanly on SIGTERM" % name)
    # The process being read is open for as long as its read takes (the
    # leaker's thousands of pipes, on a loaded machine, may outlast every
    # look): the proc entries of one process at most, never a pile.
    reading = [f for f in fd1 if PROC_ENTRY.match(f[1])]
    check(len({PROC_ENTRY.match(f[1]).group(1) for f in reading}) <= 1,
          "%s soak: at most one process's /proc entries open" % name, reading)
    fd0 = {f for f in fd0 if not PROC_ENTRY.match(f[1])}
    fd1 = {f for f in fd1 if not PROC_ENTRY.match(f[1])}
    check(len(fd1) <= len(fd0), "%s soak: own fd count flat" % name, sorted(fd0 ^ fd1))
    if not sanitized:
        check(rss1 <= rss0 * 1.15 + 2048, "%s soak: RSS flat (%d kB -> %d kB)" % (name, rss0, rss1))
spawner.kill()
spawner.wait()

# --- write errors on stdout --------------------------------------------------------
if os.path.exists("/dev/full"):
    for cmd in (["report"], ["report", "--format", "json"], ["record", "-n", 1], ["metrics"]):
        with open("/dev/full", "w") as full:
            r = run(cmd, stdout=full)
        what = " ".join(map(str, cmd))
        equal(r.returncode, 1, "%s >/dev/full exits 1" % what)
        check("No space left on device" in r.stderr and r.stderr.count("\n") == 1,
              "%s >/dev/full says why in one line" % what, r.stderr)
    # log writes when there is an alert: a leak gives it one.
    lk = start_helper("--leak", "file", "--rate", 40, "--nofile", 400, "--leak-max", 360)
    with open("/dev/full", "w") as full:
        r = run(["log", "-p", lk.pid, "-d", "0.1", "--duration", 20], stdout=full)
    lk.stop()
    equal(r.returncode, 1, "log >/dev/full exits 1 at its first alert")
    check("No space left on device" in r.stderr, "and says why", r.stderr)
done()
