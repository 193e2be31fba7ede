#!/usr/bin/env python3
"""The limits beyond a process's own that end in "too many open files": the
system's file table (fs.file-max) and each user's inotify instances and
watches. The system record agrees with /proc/sys and with the inotify fds
of each user; a real unprivileged user's inotify-instance leak is caught
before inotify_init1 fails, naming the resource and the user; the file
table and a watch limit near saturation are judged through a fixture tree,
never by lowering the machine's own limits."""

import json
import os
import pwd
import subprocess
import tempfile
import time

from fdtest import (FDWATCH, HELPER, check, done, equal, fdwatch, json_lines, note, skip_part,
                    why_not_nobody)


def system_record(out):
    recs = [x for x in json_lines(out, system=True) if "system" in x]
    return recs[-1]["system"] if recs else None


def inotify_fds_by_uid():
    """Counts anon_inode:inotify fds per effective uid, straight from /proc."""
    by = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/status" % d) as f:
                uid = int([l for l in f if l.startswith("Uid:")][0].split()[2])
            n = sum(1 for fd in os.listdir("/proc/%s/fd" % d)
                    if os.readlink("/proc/%s/fd/%s" % (d, fd)) == "anon_inode:inotify")
        except (OSError, IndexError, ValueError):
            continue
        if n:
            by[uid] = by.get(uid, 0) + n
    return by


NOBODY = pwd.getpwnam("nobody").pw_uid
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
cant = why_not_nobody()
if not cant and subprocess.run(AS_NOBODY + [HELPER, "--timeout", "0.1"], capture_output=True,
                               timeout=30).returncode != 0:
    cant = "nobody may not run " + HELPER

# 1. The system record of report agrees with /proc/sys and with the inotify
#    fds counted per user (a helper as nobody holds 5 instances, 3 watches).
if cant:
    skip_part("the helper cannot run as nobody: " + cant)
else:
    hold = subprocess.Popen(AS_NOBODY + ["python3", "-c", """
import ctypes, sys, time
libc = ctypes.CDLL(None)
fds = [libc.inotify_init1(0) for _ in range(5)]
for path in (b"/", b"/tmp", b"/proc"):
    libc.inotify_add_watch(fds[0], path, 0x100)
print("ready", flush=True)
sys.stdin.read()
"""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    equal(hold.stdout.readline().strip(), "ready", "a process of nobody holds 5 inotify instances")
    r = fdwatch("report", "--format", "json")
    y = system_record(r.stdout)
    check(y is not None, "report --format json ends with a system record", r.stdout[-300:])
    y = y or {}
    with open("/proc/sys/fs/file-nr") as f:
        used, _, fmax = (int(v) for v in f.read().split())
    with open("/proc/sys/fs/nr_open") as f:
        nr_open = int(f.read())
    check(isinstance(y.get("files"), int) and abs(y["files"] - used) < 500,
          "files agrees with /proc/sys/fs/file-nr", (y.get("files"), used))
    equal(y.get("files_max"), fmax, "files_max is fs.file-max")
    equal(y.get("nr_open"), nr_open, "nr_open is fs.nr_open")
    want = inotify_fds_by_uid()
    got = {u["uid"]: u["instances"] for u in y.get("inotify", [])}
    equal(got.get(NOBODY), 5, "nobody's 5 instances are counted")
    equal(got, want, "instances per user agree with the inotify fds in /proc")
    mine = [u for u in y.get("inotify", []) if u["uid"] == NOBODY]
    if mine:
        u = mine[0]
        equal(u["watches"], 3, "its watches come from fdinfo")
        with open("/proc/sys/fs/inotify/max_user_instances") as f:
            equal(u["max_instances"], int(f.read()), "max_instances is the machine's")
        equal((u["pid"], u["comm"], u["pid_instances"]), (hold.pid, "python3", 5),
              "the process holding most is named")
        equal(u["user"], "nobody", "and the user")
    t = fdwatch("report", "-p", hold.pid)
    check("inotify nobody (uid %d): instances 5 of " % NOBODY in t.stdout,
          "the text report's system section names the user", t.stdout)
    hold.stdin.close()
    hold.wait(10)

# 2. A real leak of inotify instances by an unprivileged user, a few a
#    second until inotify_init1 fails (fs.inotify.max_user_instances, 128 by
#    default): log alerts inotify-instances for that user before it fails.
if cant:
    skip_part("the helper cannot run as nobody: " + cant)
else:
    with open("/proc/sys/fs/inotify/max_user_instances") as f:
        limit = int(f.read())
    rate = max(4, limit // 12)  # reaches the limit in about 12 s
    log = subprocess.Popen([FDWATCH, "log", "-d", "0.5", "-u", "nobody", "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    t0 = time.time()
    leak = subprocess.run(AS_NOBODY + [HELPER, "--leak", "inotify", "--rate", str(rate),
                                       "--timeout", "60"],
                          capture_output=True, text=True, timeout=120)
    failed_at = time.time()
    time.sleep(1)
    log.terminate()
    out, err = log.communicate(timeout=10)
    note("leak: %s; %.1f s; log stderr: %s" % (leak.stderr.strip(), failed_at - t0, err.strip()))
    equal(leak.returncode, 3, "the leak ran until inotify_init1 failed (EMFILE)")
    alerts = [a for a in json_lines(out) if a.get("resource") == "inotify-instances"
              and a.get("level") in ("warning", "critical")]
    first = alerts[0] if alerts else {}
    check(alerts and first["time"] < failed_at - 1,
          "an inotify-instances alert came before the failure", out[-800:])
    equal((first.get("uid"), first.get("user")), (NOBODY, "nobody"), "it names the uid and the user")
    check(first.get("pid", 0) > 0 and first.get("comm") == "helper-fds",
          "and the process holding most", first)
    check("inotify instances" in first.get("message", "") and "nobody" in first.get("message", ""),
          "its message says what runs out and whose", first.get("message"))
    check(all(a.get("resource") != "nofile" for a in alerts), "not taken for a process's own limit")

# 3. The file table and a watch limit near saturation, in a fixture tree.
root = tempfile.mkdtemp(prefix="limits-")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(data)


write(root + "/sys/fs/file-nr", "2400000\t0\t2466165\n")
write(root + "/sys/fs/file-max", "2466165\n")
write(root + "/sys/fs/nr_open", "1048576\n")
write(root + "/sys/fs/inotify/max_user_instances", "128\n")
write(root + "/sys/fs/inotify/max_user_watches", "100\n")
d = root + "/300"
write(d + "/stat", "300 (watcher) S 1 300 300 0 -1 4194560 " + "0 " * 12 + "1000 100 0 0\n")
write(d + "/status", "Name:\twatcher\nUid:\t1000\t1000\t1000\t1000\n")
write(d + "/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
      "Max open files            1024                 1024                 files\n")
os.makedirs(d + "/ns")
os.symlink("net:[4026531993]", d + "/ns/net")
os.makedirs(d + "/fd")
for fd, watches in ((3, 40), (4, 50)):
    os.symlink("anon_inode:inotify", "%s/fd/%d" % (d, fd))
    write("%s/fdinfo/%d" % (d, fd), "pos:\t0\nflags:\t02000000\nmnt_id:\t15\n" +
          "".join("inotify wd:%x ino:%x sdev:800001 mask:100 ignored_mask:0\n" % (i + 1, i + 100)
                  for i in range(watches)))
os.symlink("/dev/null", d + "/fd/0")
r = fdwatch("report", "--proc", root, "--format", "json")
y = system_record(r.stdout) or {}
equal((y.get("files"), y.get("files_max"), y.get("nr_open")), (2400000, 2466165, 1048576),
      "fixture: the file table from sys/fs")
equal([(u["uid"], u["instances"], u["watches"], u["max_watches"]) for u in y.get("inotify", [])],
      [(1000, 2, 90, 100)], "fixture: instances and watches (fdinfo) of uid 1000")
state = os.path.join(root, "check.state")
c = fdwatch("check", "--proc", root, "--state", state)
note(c.stdout)
equal(c.returncode, 2, "check: a file table at 97% is critical")
check("system: 2400000/2466165 files open in the system" in c.stdout, "check names the file table",
      c.stdout)
check("inotify watches" in c.stdout and "WARNING" in c.stdout,
      "and the user at 90% of max_user_watches as a warning", c.stdout)
check("system_files=2400000;1972932;2342856;0;2466165" in c.stdout,
      "perfdata for the file table, thresholds at 80% and 95%", c.stdout)
check("inotify_watches=90;80;95;0;100" in c.stdout, "perfdata for the tightest user's watches",
      c.stdout)
lg = fdwatch("log", "--proc", root, "-n", "2", "-d", "0.1", "--format", "json")
al = [a for a in json_lines(lg.stdout) if a.get("resource") == "files-max"]
check(al and al[0]["level"] == "critical" and al[0]["pid"] is None,
      "log: a files-max alert, with no pid (the system's)", lg.stdout)
# systemd sets fs.file-max to LONG_MAX: the thresholds must not overflow.
big = (1 << 63) - 1
write(root + "/sys/fs/file-nr", "2400000\t0\t%d\n" % big)
c = fdwatch("check", "--proc", root, "--state", os.path.join(root, "big.state"))
check("system_files=2400000;%d;%d;0;%d" % (big * 80 // 100, big * 95 // 100, big) in c.stdout,
      "perfdata thresholds of a file-max of LONG_MAX", c.stdout)
write(root + "/sys/fs/file-nr", "2400000\t0\t2466165\n")
trace = os.path.join(root, "trace.jsonl")
lg = fdwatch("log", "--proc", root, "-n", "2", "-d", "0.1", "--format", "json", "-o", trace)
with open(trace) as f:
    kept = f.read()
check(sum(1 for l in kept.splitlines() if '"system"' in l) == 2, "log -o keeps a system record per sample",
      kept[-400:])
rp = fdwatch("replay", "--format", "json", trace)
equal(rp.returncode, 0, "replay accepts system records")
equal([(a["resource"], a["level"]) for a in json_lines(rp.stdout)],
      [(a["resource"], a["level"]) for a in json_lines(lg.stdout)],
      "replay of log -o raises the limits' alerts as log did")
m = fdwatch("metrics", "--proc", root, "--state", os.path.join(root, "m.state"))
check('fdwatch_user_inotify_watches{uid="1000",user="1000"} 90' in m.stdout or
      'fdwatch_user_inotify_watches{uid="1000",' in m.stdout,
      "metrics: the user's inotify watches", m.stdout[-600:])
check('fdwatch_limit_alert_level{resource="files-max",uid="",user=""} 2' in m.stdout,
      "metrics: the file table's alert level", m.stdout[-600:])
done()
