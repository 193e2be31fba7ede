#!/usr/bin/env python3
"""Processes and fds that come and go while fdwatch reads them are skipped
without an error: hundreds of short-lived processes and a process that
opens and closes connections as fast as it can, sampled repeatedly."""

import subprocess
import time

from fdtest import check, done, equal, fdwatch, json_lines, start_helper, _children

# A process whose fds change all the time (close one, open one, 2000/s).
churner = start_helper("--pool", 50, "--churn", 2000)
# A shell that forks short-lived children without pause.
spawner = subprocess.Popen(["sh", "-c", "while :; do /bin/true & /bin/true & wait; done"])
_children.append(spawner)
time.sleep(0.2)

bad = []
records = 0
for i in range(15):
    r = fdwatch("report", "--format", "json")
    try:
        recs = json_lines(r.stdout)
        records += len(recs)
    except ValueError as e:
        bad.append("invalid JSON: %s" % e)
        continue
    if r.returncode != 0 or r.stderr:
        bad.append("exit %d, stderr %r" % (r.returncode, r.stderr))
    for x in recs:
        if x.get("types") and sum(x["types"].values()) != x["fds"]:
            bad.append("pid %d: types do not add up to fds" % x["pid"])
r = fdwatch("report", "-n", "5", "-d", "0.05", "-p", churner.pid, "--format", "json")
equal((r.returncode, r.stderr), (0, ""), "several samples of the churner: exit 0, quiet")
equal(bad, [], "15 whole-system samples during churn: exit 0, no stderr, valid JSON")
check(records > 0, "the samples hold records")
r = fdwatch("report", "-p", churner.pid, "--format", "json")
equal(len(json_lines(r.stdout)), 1, "the churner is sampled")

# A process that is gone by the time it is asked for.
p = subprocess.Popen(["sleep", "0"])
p.wait()
r = fdwatch("report", "-p", p.pid)
equal(r.returncode, 1, "a pid that exited is reported missing (exit 1)")
check("not found" in r.stderr, "with a message", r.stderr)
done()
