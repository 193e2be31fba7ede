#!/usr/bin/env python3
"""fdwatch check as a monitoring plugin (the monitoring-plugins
conventions, as check_procs): a usage error prints FDWATCH UNKNOWN on
stdout for NRPE as well as its line on stderr and exits 3; -t ends a check
that cannot finish (its state file locked by another) UNKNOWN in time;
-C selects by name, -c is the critical threshold; -v lists the processes
nearest their limit; a fatal error exits 3."""

import fcntl
import os
import re
import subprocess
import tempfile
import time

from fdtest import FDWATCH, check, done, equal, fdwatch, skip_part, start_helper

tmp = tempfile.mkdtemp(prefix="ops-plugin-")
state = os.path.join(tmp, "state")
h = start_helper("--file", 700, "--nofile", 1024, "--timeout", 60)

# Usage errors: UNKNOWN on stdout, one line on stderr, exit 3.
for args, says in ((["--bogus"], "--bogus"), (["-w", "90", "-c", "80"], "--warn-use"),
                   (["-w", "lots"], "--warn-use"), (["-c", "^nginx$"], "--crit-use"),
                   (["-t", "0"], "--timeout"), (["-c"], "-c needs a value"),
                   (["-C", "("], "--comm")):
    r = fdwatch("check", "--state", state, *args)
    check(r.returncode == 3 and r.stdout.startswith("FDWATCH UNKNOWN - ") and
          r.stdout.count("\n") == 1 and says in r.stdout and r.stderr.count("\n") == 1,
          "usage error %r: UNKNOWN on stdout naming %s, a line on stderr, exit 3" % (args, says),
          (r.returncode, r.stdout, r.stderr))

# -C selects by name (the -c of the other commands).
r = fdwatch("check", "--state", state, "-C", "^helper-fds$", "-v")
check(r.returncode in (0, 1, 2) and
      re.search(r"\nNearest the limit: 'helper-fds\[%d\]' 7\d\d/1024 fds \(" % h.pid, r.stdout),
      "-C selects by name; -v lists the fullest", r.stdout)
r = fdwatch("check", "--state", state, "-C", "^no-such-name$")
check(r.returncode == 0 and r.stdout.startswith("FDWATCH OK - 0 processes"),
      "-C matching nothing: OK, 0 processes", r.stdout)
r = fdwatch("check", "--state", state, "-p", h.pid, "-w", 50, "-c", "90%")
check(re.search(r" max_fd_use=6\d\.\d%;50;90;0;100 ", r.stdout), "-w/-c are the max_fd_use thresholds",
      r.stdout)

# -t: a check stuck behind another's lock ends UNKNOWN after -t seconds.
lock = open(state + ".lock", "a")
fcntl.flock(lock, fcntl.LOCK_EX)
t0 = time.monotonic()
r = fdwatch("check", "--state", state, "-p", h.pid, "-t", 1, timeout=30)
took = time.monotonic() - t0
fcntl.flock(lock, fcntl.LOCK_UN)
lock.close()
equal((r.returncode, r.stdout), (3, "FDWATCH UNKNOWN - check timed out after 1 second (-t)\n"),
      "-t 1 behind a held lock: UNKNOWN, exit 3")
check(took < 10, "-t 1: it ends in time", took)
r = fdwatch("check", "--state", state, "-p", h.pid, "-t", 30)
check(r.returncode in (0, 1, 2) and r.stdout.startswith("FDWATCH "),
      "-t 30: a check that finishes is not cut", r.stdout)

# A fatal error (memory exhausted) is UNKNOWN, not WARNING: the address
# space is shrunk step by step until a check runs out of memory.
ooms, wrong = [], []
for kb in range(12000, 40000, 200):
    r = subprocess.run(["sh", "-c", 'ulimit -v %d && exec "$0" check --state "$1" -p "$2"' % kb,
                        FDWATCH, state, str(h.pid)], capture_output=True, text=True)
    # A listing that ran out of memory is no empty host, and the helper
    # (alive throughout) is not "not running".
    if (r.returncode == 0 and " 0 processes" in r.stdout) or "is running" in r.stdout:
        wrong.append((kb, r.stdout))
    if "fdwatch: out of memory" in r.stderr:
        ooms.append((kb, r.returncode, r.stdout))
        if len(ooms) >= 3:
            break
equal(wrong, [], "short of memory, never OK for 0 processes nor the process gone")
if ooms:
    check(all(rc == 3 and out.startswith("FDWATCH UNKNOWN - ") for kb, rc, out in ooms),
          "out of memory: UNKNOWN on stdout, exit 3", ooms)
else:
    skip_part("no address-space limit made this build run out of memory (a sanitizer build?)")

h.stop()
subprocess.run(["rm", "-rf", tmp])
done()
