#!/usr/bin/env python3
"""fdwatch log as a service under logrotate: SIGHUP makes it reopen its
-o FILE (which rotation moved away) and go on writing there, with nothing
lost and nothing written to the old file after; without -o, SIGHUP still
stops it."""

import os
import signal
import subprocess
import tempfile
import time

from fdtest import FDWATCH, _children, check, done, equal, start_helper, wait_for

tmp = tempfile.mkdtemp(prefix="ops-logrotate-")
out = os.path.join(tmp, "trace.jsonl")
h = start_helper("--file", 3, "--timeout", 60)
p = subprocess.Popen([FDWATCH, "log", "-o", out, "-d", "0.2", "-p", str(h.pid)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
_children.append(p)


def lines(path):
    try:
        with open(path) as f:
            return f.read().count("\n")
    except FileNotFoundError:
        return 0


check(wait_for(lambda: lines(out) >= 3), "log -o writes records", lines(out))
os.rename(out, out + ".1")
time.sleep(0.5)
os.kill(p.pid, signal.SIGHUP)
check(wait_for(lambda: lines(out) >= 3), "after SIGHUP it writes to a new FILE", lines(out))
moved = lines(out + ".1")
time.sleep(1)
equal(lines(out + ".1"), moved, "nothing more goes to the rotated file")
check(p.poll() is None, "SIGHUP did not stop it")
with open(out + ".1") as f:
    old = f.read()
check(old.endswith("\n"), "the rotated file ends with a whole record")
# Records are samples of one process at 0.2 s: no gap of a second at the turn.
times = []
for path in (out + ".1", out):
    with open(path) as f:
        times += [float(l.split('"time": ')[1].split(",")[0]) for l in f if '"pid"' in l]
gaps = [b - a for a, b in zip(times, times[1:])]
check(gaps and max(gaps) < 1.0, "no sample was lost at the rotation", max(gaps) if gaps else None)
p.send_signal(signal.SIGTERM)
equal(p.wait(10), 0, "SIGTERM ends it, exit 0")

q = subprocess.Popen([FDWATCH, "log", "-d", "0.2", "-p", str(h.pid)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_children.append(q)
time.sleep(0.5)
q.send_signal(signal.SIGHUP)
try:
    code = q.wait(5)
except subprocess.TimeoutExpired:
    code = None
equal(code, 0, "without -o, SIGHUP stops it (exit 0)")
subprocess.run(["rm", "-rf", tmp])
done()
