#!/usr/bin/env python3
"""Inside a pid namespace (fdwatch as a container's pid 1, or unshare -pf
--mount-proc), pid 2 and its children are ordinary processes: report lists
them, and run as pid 1 watches its command (pid 2) and catches its leak.
Kernel threads are told by PF_KTHREAD, never by pid or parent."""

import json
import os
import shutil
import subprocess

from fdtest import FDWATCH, HELPER, check, done, equal, json_lines, note, skip

if os.geteuid() != 0 or not shutil.which("unshare"):
    skip("needs root and unshare(1) for a pid namespace")
probe = subprocess.run(["unshare", "-pf", "--mount-proc", "true"], capture_output=True, text=True)
if probe.returncode != 0:
    skip("unshare -pf --mount-proc is refused here: " + probe.stderr.strip())

# 1. report inside the namespace: sh is pid 1, a sleeping child pid 2.
r = subprocess.run(["unshare", "-pf", "--mount-proc", "sh", "-c",
                    'sleep 30 & sleep 0.2; "$0" report --format json; kill $!', FDWATCH],
                   capture_output=True, text=True, timeout=60)
equal(r.returncode, 0, "report inside a pid namespace exits 0")
recs = {x["pid"]: x for x in json_lines(r.stdout) if "pid" in x}
note("pids seen inside: %s" % sorted(recs))
check(2 in recs and recs[2]["comm"] == "sleep", "pid 2 of the namespace is reported",
      sorted(recs))
check(1 in recs and recs[1]["comm"] == "sh", "its pid 1 too", sorted(recs))
check(all(isinstance(x.get("fds"), int) and x["fds"] > 0 for x in recs.values()),
      "every process there has its fds counted", r.stdout[-400:])

# 2. The host still leaves out its kernel threads: kthreadd (pid 2 of the
#    host) and its children hold no fds and are not listed.
r = subprocess.run([FDWATCH, "report", "--format", "json"], capture_output=True, text=True,
                   timeout=60)
host = [x for x in json_lines(r.stdout) if "pid" in x]
kthreads = set()
for x in host:
    try:
        with open("/proc/%d/stat" % x["pid"]) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        if int(fields[6]) & 0x00200000:
            kthreads.add(x["pid"])
    except (OSError, IndexError, ValueError):
        pass
equal(sorted(kthreads), [], "no kernel thread of the host is reported")
check(all(x["pid"] != 2 for x in host), "the host's kthreadd is not reported")

# 3. run as pid 1 of the namespace: the command is pid 2, and its leak is
#    caught (exit 2) rather than 0 processes watched over a leak.
leak = [HELPER, "--leak", "file", "--rate", "40", "--nofile", "700", "--timeout", "10"]
r = subprocess.run(["unshare", "-pf", "--mount-proc", FDWATCH, "run", "--format", "json", "--"]
                   + leak, capture_output=True, text=True, timeout=120)
note(r.stderr[-600:])
equal(r.returncode, 2, "run as pid 1 of a pid namespace catches its command's leak")
summary = [json.loads(l) for l in r.stderr.splitlines() if l.startswith('{"summary"')]
check(len(summary) == 1 and summary[0]["processes"] >= 1,
      "run watched its command there, not 0 processes", summary)
check(len(summary) == 1 and (summary[0].get("alert") or {}).get("pid") == 2,
      "the alert names the command, pid 2 of the namespace", summary)
done()
