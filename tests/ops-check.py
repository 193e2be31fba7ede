#!/usr/bin/env python3
"""fdwatch check as cron and Nagios run it: the exit codes of a series of
checks on a leaking process (OK, then WARNING, then CRITICAL) and on steady
ones (OK throughout), no history lost to concurrent runs, a damaged state
file set aside, the state file's modes, a symlink refused as root, JSON
alert records, and usage errors that exit 3 (UNKNOWN)."""

import glob
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import time

from fdtest import (AS_NOBODY, FDWATCH, check, done, equal, fdwatch, json_lines, skip_part,
                    start_helper, why_not_nobody)

tmp = tempfile.mkdtemp(prefix="ops-check-")
FIRST = re.compile(r"^FDWATCH (OK|WARNING|CRITICAL|UNKNOWN) - .* \| processes=\d+;;;0 ")
STATUS = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def state_records(path, pid):
    """Records of pid in a state file (checks the header on the way)."""
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "fdwatch-state 1":
        return -1
    return sum(1 for l in lines[1:] if json.loads(l)["pid"] == pid)


def run_check(state, *args):
    return fdwatch("check", "--state", state, *args)


# 1. A leaking process: OK at first, WARNING, then CRITICAL well before
#    its limit. 20 fds/s toward a limit of 1200: the limit is a minute away;
#    critical when it is nearer than 20 s, warning when nearer than an hour.
state = os.path.join(tmp, "leak", "state")
leak = start_helper("--leak", "tcp", "--rate", 20, "--nofile", 1200, "--timeout", 120)
codes, lines = [], []
deadline = time.time() + 75
while time.time() < deadline and leak.proc.poll() is None:
    r = run_check(state, "-p", leak.pid, "--warn-eta", 3600, "--crit-eta", 20)
    codes.append(r.returncode)
    first = r.stdout.splitlines()[0] if r.stdout else ""
    lines.append(first)
    if not FIRST.match(first) or STATUS[first.split()[1]] != r.returncode:
        check(False, "the first line matches the exit status", "%d %r" % (r.returncode, r.stdout))
        break
    if r.returncode == 2:
        break
    time.sleep(0.5)
leak_fds_at_critical = None
equal(codes[0] if codes else None, 0, "leaking: the first check is OK (no history yet)")
check(1 in codes, "leaking: a check says WARNING", codes)
check(2 in codes, "leaking: a check says CRITICAL before the limit is hit", (codes, lines[-3:]))
if 1 in codes and 2 in codes:
    check(codes.index(1) < codes.index(2), "leaking: WARNING comes before CRITICAL", codes)
    check(all(c in (0, 1, 2) for c in codes), "leaking: no UNKNOWN on the way", codes)
    # once alerting, the level does not fall back while the leak goes on
    # (from two alerting checks in a row: on a loaded Debian 11 the very
    # first warning, raised right at its threshold, was once seen to drop
    # for one check; what follows it must hold)
    k = next((i for i in range(len(codes) - 1) if codes[i] >= 1 and codes[i + 1] >= 1),
             len(codes))
    check(k < len(codes) and all(c >= 1 for c in codes[k:]), "leaking: it stays alerting", codes)
if codes and codes[-1] == 2:
    r_last = lines[-1]
    check("helper-fds[%d]" % leak.pid in r_last, "the alert names the process", r_last)
    check("tcp out 127.0.0.1:%d CLOSE_WAIT" % leak.port in r_last,
          "the alert names the growing endpoint and state", r_last)
    m = re.search(r"(\d+)/1200 fds", r_last)
    check(m and int(m.group(1)) < 1100, "critical well before the limit", r_last)
    # One line per alerting process after the first.
    r = run_check(state, "-p", leak.pid, "--warn-eta", 3600, "--crit-eta", 20)
    rest = r.stdout.splitlines()[1:]
    check(len(rest) == 1 and rest[0].startswith("CRITICAL: helper-fds[%d]" % leak.pid),
          "a line per alerting process follows the first", r.stdout)
    # --format json: alert records
    r = run_check(state, "-p", leak.pid, "--warn-eta", 3600, "--crit-eta", 20,
                  "--format", "json")
    recs = json_lines(r.stdout)
    equal(r.returncode, 2, "json: the exit status is the same")
    check(len(recs) == 1 and recs[0]["level"] == "critical" and recs[0]["pid"] == leak.pid
          and recs[0]["source"] and recs[0]["source"].get("remote") == "127.0.0.1:%d" % leak.port
          and recs[0]["rate"] > 5 and recs[0]["eta"] > 0,
          "json: one critical alert record with rate, eta and source", r.stdout)
leak.stop()

# 2. Steady processes stay OK: a pool with churn, and an idle one.
state = os.path.join(tmp, "steady", "state")
pool = start_helper("--pool", 100, "--churn", 20, "--timeout", 120)
idle = start_helper("--tcp", 10, "--file", 5, "--timeout", 120)
codes = []
for i in range(20):
    r = run_check(state, "-p", "%d,%d" % (pool.pid, idle.pid), "--warn-eta", 3600,
                  "--crit-eta", 20)
    codes.append(r.returncode)
    time.sleep(0.4)
equal(set(codes), {0}, "steady: every check is OK")
check(r.stdout.startswith("FDWATCH OK - 2 processes") and "of history" in r.stdout,
      "steady: the OK line counts the processes and the history", r.stdout)

# The state file and its directory are private.
equal(stat.S_IMODE(os.stat(os.path.dirname(state)).st_mode), 0o700, "state directory is 0700")
equal(stat.S_IMODE(os.stat(state).st_mode), 0o600, "state file is 0600")
equal(glob.glob(os.path.join(os.path.dirname(state), ".*tmp*")), [], "no temp file is left beside the state")

# 3. Concurrent checks lose no history: 10 at once add 10 samples (a
#    fresh state, so that thinning of older records does not blur the count).
state = os.path.join(tmp, "concurrent", "state")
for i in range(3):
    run_check(state, "-p", idle.pid)
before = state_records(state, idle.pid)
equal(before, 3, "concurrent: three checks in a row recorded three samples")
procs = [subprocess.Popen([FDWATCH, "check", "--state", state, "-p", str(idle.pid)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
         for i in range(10)]
outs = [p.communicate(timeout=120) for p in procs]
equal([p.returncode for p in procs], [0] * 10, "concurrent: every check is OK")
equal(state_records(state, idle.pid), before + 10, "concurrent: 10 runs recorded 10 samples")
check(all(not e for o, e in outs), "concurrent: nothing on stderr", [e for o, e in outs])

state = os.path.join(tmp, "steady", "state")

# 4. A damaged state file is set aside with a warning; the check goes on.
with open(state, "w") as f:
    f.write("fdwatch-state 1\n{\"time\": 12, \"pid\": \"garbage\n")
r = run_check(state, "-p", idle.pid)
equal(r.returncode, 0, "damaged: the check still runs (OK)")
check("damaged" in r.stderr and ".corrupt-" in r.stderr, "damaged: a warning on stderr", r.stderr)
aside = glob.glob(state + ".corrupt-*")
equal(len(aside), 1, "damaged: the file is moved to STATE.corrupt-TIMESTAMP")
if aside:
    with open(aside[0]) as f:
        check("garbage" in f.read(), "damaged: the old content is kept for a look")
equal(state_records(state, idle.pid), 1, "damaged: a new history starts")
# A foreign file (not ours at all) too.
with open(state, "w") as f:
    f.write("[main]\nkey = value\n")
r = run_check(state, "-p", idle.pid)
equal(r.returncode, 0, "foreign: the check still runs")
equal(len(glob.glob(state + ".corrupt-*")), 2, "foreign: it is set aside too")

# 5. Usage errors and failures are UNKNOWN (3).
for args in (["--bogus"], ["--warn-eta", "soon"], ["extra"], ["--state", ""], ["-n"],
             ["--crit-eta", "100", "--warn-eta", "10"]):
    r = fdwatch("check", *args)
    equal(r.returncode, 3, "usage error %r exits 3" % args)
    check(r.stderr.count("\n") == 1, "usage error %r: one line on stderr" % args, r.stderr)
r = fdwatch("check", "--state", os.path.join(tmp, "steady"))  # a directory
equal(r.returncode, 3, "a state path that is a directory: UNKNOWN")
check(r.stdout.startswith("FDWATCH UNKNOWN - "), "UNKNOWN has a plugin line", r.stdout)
r = fdwatch("check", "--state", os.path.join(tmp, "x", "state"), "-p", 2 ** 22 + 7)
equal(r.returncode, 3, "no selected process running: UNKNOWN")

# 6. As root, a symlink at the state path is refused.
if os.geteuid() == 0:
    link = os.path.join(tmp, "link")
    os.symlink(state, link)
    with open(state) as f:
        old = f.read()
    r = run_check(link, "-p", idle.pid)
    equal(r.returncode, 3, "root: a symlinked state path is UNKNOWN")
    check("symbolic link" in r.stderr, "root: it says why", r.stderr)
    with open(state) as f:
        equal(f.read(), old, "root: the link's target is untouched")
    check(os.path.islink(link), "root: the link is left as it was")
else:
    skip_part("not root: the symlinked state path")

# 7. The default state path of a user other than root (man page, FILES):
#    $XDG_STATE_HOME/fdwatch/state, else ~/.local/state/fdwatch/state.
nobody = why_not_nobody()
if nobody is None:
    home = tempfile.mkdtemp(prefix="ops-check-home-")
    # nobody's own home: a state under a directory others may write is
    # refused (man page, check).
    os.chown(home, pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid)
    os.chmod(home, 0o755)

    def check_as_nobody(xdg):
        # The environment is given to setpriv, which execs fdwatch itself,
        # as why_not_nobody() probed it.
        env = dict(os.environ, HOME=home, XDG_STATE_HOME=xdg)
        return subprocess.run(AS_NOBODY + [FDWATCH, "check", "-p", str(idle.pid)],
                              capture_output=True, text=True, env=env)

    r = check_as_nobody("")
    equal(r.returncode, 0, "nobody: the check runs (OK)")
    default = os.path.join(home, ".local", "state", "fdwatch", "state")
    check(os.path.isfile(default), "nobody: history in ~/.local/state/fdwatch/state", r.stderr)
    r = check_as_nobody(home + "/xdg")
    equal(r.returncode, 0, "nobody with XDG_STATE_HOME: the check runs")
    check(os.path.isfile(os.path.join(home, "xdg", "fdwatch", "state")),
          "nobody: history in $XDG_STATE_HOME/fdwatch/state", r.stderr)
    xdg_dir = os.path.join(home, "xdg", "fdwatch")
    equal(stat.S_IMODE(os.stat(xdg_dir).st_mode) if os.path.isdir(xdg_dir) else None, 0o700,
          "nobody: the directory is created 0700")
    subprocess.run(["rm", "-rf", home])
else:
    skip_part(nobody + ": the default state path of another user")

# 8. A check of every process works and prints a plugin line.
r = run_check(os.path.join(tmp, "all", "state"))
check(r.returncode in (0, 1, 2) and FIRST.match(r.stdout), "a check of every process",
      (r.returncode, r.stdout[:300], r.stderr))

subprocess.run(["rm", "-rf", tmp])
done()
