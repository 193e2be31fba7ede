#!/usr/bin/env python3
"""Races: hundreds of short-lived processes a second while log and record
sample everything every 0.05 s; a pid reused by a new process (a new start
time is a new process, histories never merge), in a replayed trace and for
real through ns_last_pid; threads (only thread-group leaders are
processes); a process in its own pid and mount namespaces; zombies."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from fdtest import (FDWATCH, _children, check, done, equal, fdwatch, json_lines, skip_part,
                    start_helper, wait_for)


def forks():
    """Processes created since boot (the "processes" line of /proc/stat)."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("processes "):
                return int(line.split()[1])
    return 0


def valid_json_lines(text, what):
    try:
        return json_lines(text), None
    except ValueError as e:
        return [], "%s: invalid JSON: %s" % (what, e)


# --- churn -----------------------------------------------------------------
churner = start_helper("--pool", 50, "--churn", 1000)
spawners = []
for i in range(2):
    p = subprocess.Popen(["sh", "-c", "while :; do /bin/true & /bin/true & /bin/true & wait; done"])
    _children.append(p)
    spawners.append(p)
time.sleep(0.3)

f0 = forks()
log = subprocess.Popen([FDWATCH, "log", "-d", "0.05", "--duration", "8", "--format", "json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
rec = subprocess.Popen([FDWATCH, "record", "-d", "0.05", "-n", "8"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
rec_out, rec_err = rec.communicate(timeout=300)
log_out, log_err = log.communicate(timeout=300)
created = forks() - f0
for p in spawners:
    p.kill()
    p.wait()
print("# %d processes created while log and record sampled every 0.05 s" % created)
check(created >= 100, "the churn really ran (%d processes created)" % created)

equal((log.returncode, log_err), (0, ""), "log -d 0.05 through the churn: exit 0, nothing on stderr")
events, bad = valid_json_lines(log_out, "log")
equal(bad, None, "log output is JSON Lines")
equal([e for e in events if e.get("level") not in ("warning", "critical", "ok")], [],
      "every log line is an alert event")

equal((rec.returncode, rec_err), (0, ""), "record -d 0.05 through the churn: exit 0, nothing on stderr")
recs, bad = valid_json_lines(rec_out, "record")
equal(bad, None, "record output is JSON Lines")
times = sorted({r["time"] for r in recs})
equal(len(times), 8, "record took its 8 samples")
bad = [r for r in recs if r.get("types") and sum(r["types"].values()) != r["fds"]]
equal(bad[:3], [], "every classified record's types add up to its fds")
bad = [r for r in recs if not isinstance(r.get("pid"), int) or not isinstance(r.get("start"), int)]
equal(bad[:3], [], "every record has a pid and a start")
dup = {}
for r in recs:
    dup[(r["time"], r["pid"])] = dup.get((r["time"], r["pid"]), 0) + 1
equal([k for k, n in dup.items() if n > 1][:3], [], "no process twice in one sample")
check(any(r["pid"] == churner.pid for r in recs), "the fd churner is in the records")
churner.stop()

# --- pid reuse in a replayed trace -------------------------------------------
# Process A (pid 4242, start 1000) leaks towards its limit and alerts; it
# exits and process B takes pid 4242 (start 2000) and holds still at a high
# count (below --warn-use, where holding still is a warning of its own). A
# must be reported gone (ok); B must never inherit A's alert.
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
    trace = f.name
    t0 = 1764000000.0
    for i in range(120):
        f.write(json.dumps({"time": t0 + i * 10, "pid": 4242, "start": 1000, "comm": "a",
                            "fds": 100 + i * 6, "limit": 1024}) + "\n")
    for i in range(120):
        f.write(json.dumps({"time": t0 + 1200 + i * 10, "pid": 4242, "start": 2000, "comm": "b",
                            "fds": 780, "limit": 1024}) + "\n")
r = fdwatch("replay", "--format", "json", trace)
os.unlink(trace)
equal((r.returncode, r.stderr), (0, ""), "replay of a trace with a reused pid: exit 0, quiet")
events, bad = valid_json_lines(r.stdout, "replay")
a_alerts = [e for e in events if e.get("start") == 1000 and e["level"] in ("warning", "critical")]
a_ok = [e for e in events if e.get("start") == 1000 and e["level"] == "ok"]
b_alerts = [e for e in events if e.get("start") == 2000 and e["level"] in ("warning", "critical")]
check(a_alerts, "the leaking process A alerts", events)
check(a_ok and a_ok[-1]["time"] >= t0 + 1200, "A is reported gone (ok) when its pid is reused",
      events)
equal(b_alerts, [], "B, the new process on the same pid, never inherits A's alert")
check(all(e.get("start") in (1000, 2000) for e in events), "every event names its start")

# --- pid reuse for real, through ns_last_pid ----------------------------------
def try_reuse(pid, attempts=20):
    """Starts a quiet helper on exactly this pid, or returns None."""
    for _ in range(attempts):
        try:
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(pid - 1))
        except OSError:
            return None
        h = start_helper("--timeout", 60)
        if h.pid == pid:
            return h
        h.stop()
    return None


if os.access("/proc/sys/kernel/ns_last_pid", os.W_OK):
    a = start_helper("--leak", "file", "--rate", 40, "--nofile", 400, "--leak-max", 360)
    with open("/proc/%d/stat" % a.pid) as f:
        start_a = int(f.read().rsplit(")", 1)[1].split()[19])
    log = subprocess.Popen([FDWATCH, "log", "-p", str(a.pid), "-d", "0.1", "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(log.stdout.readline, "")))
    reader.start()
    alerted = wait_for(lambda: any('"warning"' in l or '"critical"' in l for l in lines), timeout=60)
    check(alerted, "log alerts on the leaking process A")
    pid = a.pid
    a.proc.kill()
    a.proc.wait()
    b = try_reuse(pid)
    if b:
        with open("/proc/%d/stat" % b.pid) as f:
            start_b = int(f.read().rsplit(")", 1)[1].split()[19])
        check(start_b != start_a, "B runs on A's pid with a new start time")
        wait_for(lambda: any('"ok"' in l for l in lines), timeout=30)
        time.sleep(1.5)  # B sampled many times more
        b.stop()
    log.send_signal(signal.SIGINT)
    log.wait(30)
    reader.join(30)
    err = log.stderr.read()
    equal((log.returncode, err), (0, ""), "log stops cleanly on SIGINT, quiet")
    events, bad = valid_json_lines("".join(lines), "log")
    equal(bad, None, "log output is JSON Lines")
    if b:
        check(any(e["level"] == "ok" and e.get("start") == start_a for e in events),
              "A is reported gone (ok)", events)
        equal([e for e in events if e.get("start") == start_b and e["level"] != "ok"], [],
              "B never inherits A's alert")
    else:
        skip_part("could not get the same pid again (other processes took it): real pid reuse")
else:
    skip_part("/proc/sys/kernel/ns_last_pid is not writable: real pid reuse")

# --- threads ---------------------------------------------------------------------
th = subprocess.Popen([sys.executable, "-c",
                       "import threading, time, os\n"
                       "def w():\n"
                       "    print(os.getpid(), threading.get_native_id(), flush=True)\n"
                       "    time.sleep(120)\n"
                       "threading.Thread(target=w, daemon=True).start()\n"
                       "time.sleep(120)\n"], stdout=subprocess.PIPE, text=True)
_children.append(th)
pid, tid = map(int, th.stdout.readline().split())
check(pid != tid and os.path.exists("/proc/%d/task/%d" % (pid, tid)), "a second thread runs")
r = fdwatch("report", "--format", "json", "-p", tid)
equal(r.returncode, 1, "-p TID of a thread: not a process (exit 1)")
check("not found" in r.stderr and str(tid) in r.stderr, "and says so", r.stderr)
equal(r.stdout, "", "no record for a thread")
r = fdwatch("report", "--format", "json", "-p", pid)
recs = json_lines(r.stdout)
equal([x["pid"] for x in recs], [pid], "-p of the leader reports the process once")
r = fdwatch("report", "--format", "json")
pids = [x["pid"] for x in json_lines(r.stdout)]
check(tid not in pids, "the whole-system report has no record for the thread")
equal(pids.count(pid), 1, "and one for its process")
r = fdwatch("report", "--format", "json", "-p", "%d,%d" % (pid, tid))
equal([x["pid"] for x in json_lines(r.stdout)], [pid], "-p PID,TID reports the process only")

# --- other pid and mount namespaces ------------------------------------------------
if subprocess.run(["unshare", "-p", "-f", "-m", "--mount-proc", "true"], capture_output=True).returncode == 0:
    ns = subprocess.Popen(["unshare", "-p", "-f", "-m", "--mount-proc",
                           os.path.join(os.environ.get("TESTS_BUILDDIR", "."), "helper-fds"),
                           "--name", "rel-pidns", "--tcp", "4", "--file", "3"],
                          stdout=subprocess.PIPE, text=True)
    _children.append(ns)
    inner = ns.stdout.readline().split()
    equal(inner[:1], ["1"], "the helper is pid 1 of its own pid namespace")
    r = fdwatch("report", "--format", "json", "-c", "^rel-pidns$")
    recs = [x for x in json_lines(r.stdout)
            if open("/proc/%d/stat" % x["pid"]).read().rsplit(")", 1)[1].split()[1] == str(ns.pid)]
    equal(len(recs), 1, "fdwatch finds it once, by its pid in the host namespace")
    if recs:
        host_pid = recs[0]["pid"]
        want = len(os.listdir("/proc/%d/fd" % host_pid))
        equal(recs[0]["fds"], want, "with its fds counted")
        check(recs[0].get("types", {}).get("socket") == sum(
            g["count"] for g in recs[0]["sockets"]), "and its sockets resolved", recs[0])
        os.kill(host_pid, signal.SIGTERM)  # unshare does not pass signals on
    ns.wait(30)
else:
    skip_part("unshare -p -m is not permitted here: the namespace case")

# --- zombies ---------------------------------------------------------------------
z = subprocess.Popen(["true"])
_children.append(z)
wait_for(lambda: open("/proc/%d/stat" % z.pid).read().rsplit(")", 1)[1].split()[0] == "Z")
r = fdwatch("report", "--format", "json")
equal((r.returncode, r.stderr), (0, ""), "a zombie in the system: report exits 0, quiet")
zrec = [x for x in json_lines(r.stdout) if x["pid"] == z.pid]
check(not zrec or zrec[0]["fds"] == 0, "a zombie holds no fds (or is left out)", zrec)
r = fdwatch("report", "-p", z.pid)
check(r.returncode in (0, 1) and "fatal" not in r.stderr.lower(),
      "report -p ZOMBIE is no error beyond not found", r.stderr)
z.wait()
done()
