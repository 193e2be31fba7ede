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

from fdtest import FDWATCH, check, done, equal, json_lines, start_helper

tmp = tempfile.mkdtemp(prefix="fdwatch-adapt.")
BASE = 7  # the helper's own fds before it leaks


def watch(*extra, n=16):
    leak = start_helper("--leak", "file", "--rate", 19, "--nofile", 256, "--dir", tmp,
                        "--name", "fast-leaker", "--timeout", 60)
    idle = start_helper("--file", 10, "--dir", tmp, "--name", "idle", "--timeout", 60)
    out = os.path.join(tmp, "log%s.jsonl" % len(extra))
    p = subprocess.run([FDWATCH, "log", "-p", "%d,%d" % (leak.pid, idle.pid), "-n", str(n),
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

subprocess.run(["rm", "-rf", tmp])
done()
