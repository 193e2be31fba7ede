#!/usr/bin/env python3
"""Adaptive sampling with real processes at log's default interval (1 s): a
leak that exhausts 256 fds in about 13 s is sampled faster once its limit is
near, raised before it has used 60% of its headroom (a lead of well over a
third of its life where 1 s samples alone give the detector too few), and
its alert says it was sampled faster. The extra samples go to -o FILE, while
-n counts the ticks of the interval; a steady process beside it is sampled
only at the interval; --no-adaptive turns it off."""

import os
import subprocess
import tempfile

from fdtest import FDWATCH, check, done, equal, json_lines, skip_part, start_helper

tmp = tempfile.mkdtemp(prefix="fdwatch-adapt.")
BASE = 7  # the helper's own fds before it leaks


def watch(*extra, n=16, also=()):
    leak = start_helper("--leak", "file", "--rate", 19, "--nofile", 256, "--dir", tmp,
                        "--name", "fast-leaker", "--timeout", 60)
    idle = start_helper("--file", 10, "--dir", tmp, "--name", "idle", "--timeout", 60)
    out = os.path.join(tmp, "log%s.jsonl" % len(extra))
    pids = ",".join(str(x) for x in [leak.pid, idle.pid] + list(also))
    p = subprocess.run([FDWATCH, "log", "-p", pids, "-n", str(n),
                        "--format", "json", "-o", out] + list(extra),
                       capture_output=True, text=True, timeout=90)
    leak.stop()
    idle.stop()
    recs = [r for r in json_lines(open(out).read()) if "pid" in r]
    return p, json_lines(p.stdout), recs, leak.pid, idle.pid


p, ev, recs, lp, ip = watch()
equal(p.returncode, 0, "log ran")
raised = [e for e in ev if e["pid"] == lp and e["level"] != "ok"]
check(raised, "the 13 s leak is raised at the default interval", ev)
if raised:
    first = raised[0]
    check(first["fds"] - BASE <= 0.6 * (256 - BASE),
          "raised with %d of 256 fds, before 60%% of the headroom was used" % first["fds"], first)
    check("sampled every" in first["message"], "the alert says it was sampled faster", first)
lrec = [r for r in recs if r["pid"] == lp]
irec = [r for r in recs if r["pid"] == ip]
check(len(lrec) > 16, "the extra samples of the leak are in -o FILE (%d records)" % len(lrec))
check(len(irec) <= 16, "the steady process is sampled at the interval only (%d records)" % len(irec))
gaps = [b["time"] - a["time"] for a, b in zip(lrec, lrec[1:])]
check(gaps and min(gaps) < 0.5, "the leak was sampled faster than 1 s (smallest gap %.2f s)"
      % (min(gaps) if gaps else 0))

p, ev, recs, lp, ip = watch("--no-adaptive", n=6)
check(all("sampled every" not in e["message"] for e in ev), "--no-adaptive: no faster sampling", ev)
equal(len([r for r in recs if r["pid"] == lp]), 6, "--no-adaptive: one record per tick")

# The extra samples see only the processes near their limit: a user's
# inotify use, near its own limit, stays alerting through them (judged on
# so partial a sample it would be "released" at each one).
with open("/proc/sys/fs/inotify/max_user_instances") as f:
    most = int(f.read())
held = int(most * 0.85) + 1
if os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv") or held > 1000:
    skip_part("needs root, setpriv and a small max_user_instances: inotify beside extra samples")
else:
    # A uid of its own: the per-user budget is not shared with another
    # test's user (limits-system leaks nobody's instances to the limit).
    hold = subprocess.Popen(["setpriv", "--reuid=64321", "--regid=64321", "--clear-groups",
                             "python3", "-c", """
import ctypes, sys
libc = ctypes.CDLL(None)
fds = [libc.inotify_init1(0) for _ in range(%d)]
print("ready" if min(fds) >= 0 else "short", flush=True)
sys.stdin.read()
""" % held], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = hold.stdout.readline().strip()
    p, ev, recs, lp, ip = watch(also=[hold.pid])
    hold.stdin.close()
    hold.wait(10)
    ino = [e for e in ev if e.get("resource") == "inotify-instances"]
    check(ready == "ready" and ino and ino[0]["level"] != "ok" and
          all(e["level"] != "ok" for e in ino),
          "a user's %d of %d inotify instances stay alerting beside the extra samples"
          % (held, most), [(e["level"], e["message"]) for e in ino])
    check(any("sampled every" in e["message"] for e in ev if e["pid"] == lp),
          "(the leak was sampled faster meanwhile)")

subprocess.run(["rm", "-rf", tmp])
done()
