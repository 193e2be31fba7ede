#!/usr/bin/env python3
"""Saturation in the monitoring commands (the man page's check and
metrics sections): a process steady at 1020/1024 fds is CRITICAL in check,
with its own perfdata, and at alert level 2 in the exporter; -w/-c move
check's use thresholds (700/1024 is OK by default, WARNING at -w 60,
CRITICAL at -c 60)."""

import os
import re
import subprocess
import tempfile
import time
import urllib.request

from fdtest import FDWATCH, _children, check, done, equal, fdwatch, start_helper

tmp = tempfile.mkdtemp(prefix="ops-saturation-")
full = start_helper("--file", 1010, "--nofile", 1024, "--timeout", 60)
busy = start_helper("--file", 690, "--nofile", 1024, "--timeout", 60)


def checks(pid, *args, runs=3):
    state = os.path.join(tmp, "s-%d-%s" % (pid, "_".join(map(str, args))))
    for i in range(runs):
        r = fdwatch("check", "--state", state, "-p", pid, *args)
        time.sleep(0.3)
    return r


r = checks(full.pid)
equal(r.returncode, 2, "steady at 1020/1024: CRITICAL (exit 2)")
check(r.stdout.startswith("FDWATCH CRITICAL - "), "steady at its limit: a CRITICAL line", r.stdout)
check(re.search(r" 'helper-fds\[%d\]'=10\d\d;819;972;0;1024" % full.pid, r.stdout),
      "the alerting process has its own perfdata at the -w/-c thresholds", r.stdout)
equal(checks(busy.pid).returncode, 0, "steady at 700/1024: OK with the defaults")
equal(checks(busy.pid, "-w", 60).returncode, 1, "steady at 700/1024, -w 60: WARNING")
equal(checks(busy.pid, "-w", 50, "-c", 60).returncode, 2, "steady at 700/1024, -c 60: CRITICAL")

p = subprocess.Popen([FDWATCH, "metrics", "--listen", "127.0.0.1:0", "-p", str(full.pid)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
_children.append(p)
base = re.search(r"http://(\S+)/metrics", p.stderr.readline()).group(0)
time.sleep(3.5)
with urllib.request.urlopen(base, timeout=5) as resp:
    text = resp.read().decode()
m = re.search(r'^fdwatch_process_alert_level\{pid="%d"[^}]*\} (\d+)$' % full.pid, text, re.M)
check(m and m.group(1) == "2", "the exporter: steady at its limit is level 2",
      m.group(0) if m else text[-300:])
p.terminate()
subprocess.run(["rm", "-rf", tmp])
done()
