#!/usr/bin/env python3
"""Saturation with real processes: a helper that fills its 256 fds and stays
at its limit (failing every open, as a service does after EMFILE) is
critical "at its limit" in log, replay, check, metrics and run, and never ok
while it stays there; a helper holding steady between --warn-use and
--crit-use (about 87% of 256) is a warning "near its limit" everywhere, and
run does not fail on it; ok comes only when the process is gone."""

import os
import re
import subprocess
import tempfile

from fdtest import FDWATCH, HELPER, check, done, equal, fdwatch, json_lines, start_helper

tmp = tempfile.mkdtemp(prefix="fdwatch-sat.")
FULL = ["--leak", "file", "--rate", 400, "--nofile", 256, "--hold", "--dir", tmp]
NEAR = ["--file", 215, "--nofile", 256, "--dir", tmp]

full = start_helper(*FULL, "--name", "at-limit", "--timeout", 60)
near = start_helper(*NEAR, "--name", "near-limit", "--timeout", 60)

# log: 6 s at 0.25 s, both held all along; then both are stopped and a
# last sample says they exited.
trace = os.path.join(tmp, "log.jsonl")
log = subprocess.Popen([FDWATCH, "log", "-p", "%d,%d" % (full.pid, near.pid), "-d", "0.25",
                        "-n", "24", "--format", "json", "-o", trace],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
out, err = log.communicate(timeout=60)
equal(log.returncode, 0, "log ran")
ev = json_lines(out)


def of(events, pid):
    return [e for e in events if e.get("pid") == pid]


f_ev, n_ev = of(ev, full.pid), of(ev, near.pid)
check(f_ev and f_ev[-1]["level"] == "critical", "log: the process at 256/256 is critical", ev)
check(any(e["level"] == "critical" and "at its limit" in e["message"] and e["fds"] >= 0.95 * 256
          for e in f_ev), "log: its alert says it is at its limit", f_ev)
check(all(e["level"] != "ok" for e in f_ev), "log: never ok while at its limit", f_ev)
check(n_ev and n_ev[-1]["level"] == "warning" and "near its limit" in n_ev[-1]["message"],
      "log: the steady process at 87% is a warning near its limit", n_ev)
check(all(e["level"] != "ok" for e in n_ev), "log: never ok while above --warn-use", n_ev)

# replay of what log saw: the same levels, and no ok before the end.
r = fdwatch("replay", "--format", "json", trace)
rev = json_lines(r.stdout)
rf = of(rev, full.pid)
last = max(rec["time"] for rec in json_lines(open(trace).read()) if "time" in rec)
check(any(e["level"] == "critical" for e in rf) and
      all(e["level"] != "ok" for e in rf if e["time"] < last),
      "replay: critical at the limit, never ok while the trace holds it", rev)
check(any(e["level"] == "warning" for e in of(rev, near.pid)), "replay: the 87% one warns", rev)

# check, through its kept history: a few runs, each adding a sample.
state = os.path.join(tmp, "state")
for _ in range(3):
    c = fdwatch("check", "--state", state, "-p", "%d,%d" % (full.pid, near.pid))
equal(c.returncode, 2, "check: CRITICAL (exit 2) with a process at its limit")
check(c.stdout.startswith("FDWATCH CRITICAL") and "at its limit" in c.stdout and
      "near its limit" in c.stdout, "check: the lines say at and near the limit", c.stdout)
c = fdwatch("check", "--state", os.path.join(tmp, "state-near"), "-p", near.pid)
equal(c.returncode, 1, "check: WARNING (exit 1) for a steady process at 87%")

# metrics with the kept history: the alert level of each.
m = fdwatch("metrics", "--state", state, "-p", "%d,%d" % (full.pid, near.pid))
lv = dict((int(p), float(v)) for p, v in re.findall(
    r'^fdwatch_process_alert_level\{pid="(\d+)"[^}]*\} (\S+)$', m.stdout, re.M))
equal((lv.get(full.pid), lv.get(near.pid)), (2.0, 1.0),
      "metrics: alert level 2 at the limit, 1 near it")

full.stop()
near.stop()

# run: a command held at its limit fails it; one steady at 87% does not.
r = fdwatch("run", "--", HELPER, *[str(a) for a in FULL], "--timeout", 4, timeout=60)
equal(r.returncode, 2, "run: a command held at its limit makes run exit 2")
check("CRITICAL" in r.stderr and "at its limit" in r.stderr, "run: it says at its limit",
      r.stderr)
r = fdwatch("run", "--", HELPER, *[str(a) for a in NEAR], "--timeout", 4, timeout=60)
equal(r.returncode, 0, "run: a steady command between --warn-use and --crit-use exits 0")
check("near its limit" in r.stderr, "run: it still says the command is near its limit", r.stderr)
r = fdwatch("run", "--crit-use", "85", "--", HELPER, *[str(a) for a in NEAR], "--timeout", 4,
            timeout=60)
equal(r.returncode, 2, "run: with --crit-use 85 the same command fails")

subprocess.run(["rm", "-rf", tmp])
done()
