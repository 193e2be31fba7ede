#!/usr/bin/env python3
"""A hostile machine, second round: what other users, odd files and closed
descriptors could still make fdwatch do. Each part is an attack that once
worked: fds on paths beyond PATH_MAX hidden from the count, pid 2 of a
container taken for kthreadd, a FIFO or a forged history at the state path,
a unix socket name that forges a /proc/net/unix row, bidi and zero-width
characters reaching the terminal, a closed stderr turning the next file
into it, a replay that stops silently when out of memory or holds every
record, an -o that follows a planted symlink or takes the umask's mode,
a process whose 5000 groups make megabyte records, and a run whose report
is lost yet passes."""

import json
import os
import pwd
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

from fdtest import (AS_NOBODY, FDWATCH, HELPER, check, done, equal, fdwatch, json_lines, note,
                    skip_part, start_helper, why_not_nobody)

tmp = tempfile.mkdtemp(prefix="fdwatch-hostile-")
os.chmod(tmp, 0o755)
SANITIZED = b"__asan_init" in open(FDWATCH, "rb").read()


def child(code, *args):
    """A python child that runs code (which must print one line when ready)
    and then sleeps until killed; returns (Popen, its first line)."""
    p = subprocess.Popen([sys.executable, "-c", code] + [str(a) for a in args],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    return p, line


def stop(p):
    if p.poll() is None:
        p.kill()
        p.wait()


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# --- fds on paths longer than PATH_MAX are counted, as file-other ------------
DEEP = r"""
import os, sys, time
base = sys.argv[1]
fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
for i in range(40):                     # 40 * 200 bytes: beyond PATH_MAX
    name = "d%03d" % i + "x" * 196
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
held = [os.open("f%d" % i, os.O_RDWR | os.O_CREAT, 0o600, dir_fd=fd) for i in range(25)]
print("ready", flush=True)
time.sleep(120)
"""
deep_dir = os.path.join(tmp, "deep")
os.mkdir(deep_dir)
p, _ = child(DEEP, deep_dir)
r = fdwatch("report", "--format", "json", "-p", p.pid)
recs = json_lines(r.stdout)
real = nfds(p.pid)
check(recs and recs[0]["fds"] == real, "fds on paths beyond PATH_MAX are counted: %s of %d"
      % (recs[0]["fds"] if recs else None, real), r.stdout[-400:])
check(recs and recs[0].get("kinds", {}).get("file-other", 0) >= 25,
      "as file-other (the 25 files and the directory they are in)",
      recs[0].get("kinds") if recs else None)
check(recs and sum(recs[0].get("kinds", {}).values()) == real, "the kinds sum to the real count",
      recs[0].get("kinds") if recs else None)
stop(p)
shutil.rmtree(deep_dir, ignore_errors=True)
subprocess.run(["rm", "-rf", deep_dir])

# --- run as a container's pid 1: its command is pid 2, and leaks --------------
if os.geteuid() == 0 and shutil.which("unshare") and \
        subprocess.run(["unshare", "-pf", "--mount-proc", "true"]).returncode == 0:
    r = subprocess.run(["unshare", "-pf", "--mount-proc", FDWATCH, "run", "--format", "json",
                        "--", HELPER, "--leak", "pipe", "--rate", "20", "--nofile", "600",
                        "--timeout", "10"], capture_output=True, text=True, timeout=120)
    summary = [json.loads(l) for l in r.stderr.splitlines() if l.startswith('{"summary"')]
    equal(r.returncode, 2, "run as a container's pid 1 catches the leak of its command")
    check(summary and (summary[0].get("peak") or {}).get("pid") == 2,
          "the command is watched at pid 2 of the namespace", summary)
else:
    skip_part("needs root and unshare -pf --mount-proc: run as a container's pid 1")

# --- the state path: a FIFO, another user's history, open directories ----------
sdir = os.path.join(tmp, "state")
os.mkdir(sdir, 0o700)
fifo = os.path.join(sdir, "state")
os.mkfifo(fifo)
t0 = time.time()
try:
    r = fdwatch("check", "--state", fifo, timeout=25)
    took = time.time() - t0
    check(r.returncode == 3 and r.stdout.startswith("FDWATCH UNKNOWN") and took < 20,
          "a FIFO at the state path: UNKNOWN at once (exit %d in %.1f s), no hang"
          % (r.returncode, took), r.stdout + r.stderr)
    check("not a regular file" in r.stderr, "and says it is not a regular file", r.stderr)
except subprocess.TimeoutExpired:
    check(False, "a FIFO at the state path blocks check in open()")
os.unlink(fifo)
lock = fifo + ".lock"
if os.path.exists(lock):
    os.unlink(lock)
os.mkfifo(lock)
try:
    r = fdwatch("check", "--state", fifo, timeout=25)
    check(r.returncode == 3 and "lock" in r.stderr, "a FIFO at the lock path: UNKNOWN, no hang",
          r.stdout + r.stderr)
except subprocess.TimeoutExpired:
    check(False, "a FIFO at the lock path blocks check")
os.unlink(lock)

r = fdwatch("check", "--state", fifo)
check(r.returncode in (0, 1, 2), "a fresh state in a private directory works (exit %d)"
      % r.returncode, r.stdout + r.stderr)
# Another user may write the directory: a forged history must not be read.
os.chmod(sdir, 0o777)
r = fdwatch("check", "--state", fifo)
check(r.returncode == 3 and r.stdout.startswith("FDWATCH UNKNOWN"),
      "a state directory others may write: UNKNOWN (exit %d)" % r.returncode, r.stdout)
check("writable by others" in r.stderr and sdir in r.stderr, "naming the directory and why",
      r.stderr)
os.chmod(sdir, 0o770)
r = fdwatch("check", "--state", fifo)
check(r.returncode == 3 and "writable by its group" in r.stderr,
      "a state directory its group may write: UNKNOWN", r.stderr)
os.chmod(sdir, 0o700)
os.chmod(fifo, 0o666)
r = fdwatch("check", "--state", fifo)
check(r.returncode == 3 and "it is writable by others" in r.stderr,
      "a state file others may write: UNKNOWN", r.stderr)
os.chmod(fifo, 0o600)
nobody = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
if nobody:
    os.chown(fifo, nobody.pw_uid, nobody.pw_gid)
    r = fdwatch("check", "--state", fifo)
    check(r.returncode == 3 and "owned by another user" in r.stderr,
          "a state file of another user's (a forged history): UNKNOWN", r.stderr)
    os.chown(fifo, 0, 0)
    # An open directory higher up (a parent others may write) is as bad.
    up = os.path.join(tmp, "open")
    os.makedirs(os.path.join(up, "mine"))
    os.chmod(up, 0o777)
    os.chmod(os.path.join(up, "mine"), 0o700)
    r = fdwatch("check", "--state", os.path.join(up, "mine", "state"))
    check(r.returncode == 3 and up in r.stderr, "a parent directory others may write: UNKNOWN",
          r.stderr)
else:
    skip_part("needs root to give a file to another user")
# A symlink to a private directory (systemd's DynamicUser state directory)
# is resolved, then checked, and works.
priv = os.path.join(tmp, "private")
os.makedirs(os.path.join(priv, "fdwatch"))
os.chmod(priv, 0o700)
os.symlink("private/fdwatch", os.path.join(tmp, "dyn"))
r = fdwatch("check", "--state", os.path.join(tmp, "dyn", "state"))
check(r.returncode in (0, 1, 2) and os.path.exists(os.path.join(priv, "fdwatch", "state")),
      "a state directory behind a symlink (DynamicUser) works (exit %d)" % r.returncode,
      r.stdout + r.stderr)

# --- /proc/net/unix: a socket name with a newline forges a row --------------------
victim = start_helper("--unix", 2)
held = set()
for fd in os.listdir("/proc/%d/fd" % victim.pid):
    try:
        link = os.readlink("/proc/%d/fd/%s" % (victim.pid, fd))
    except OSError:
        continue
    if link.startswith("socket:["):
        held.add(int(link[8:-1]))
with open("/proc/net/unix") as f:
    victim_ino = [int(l.split()[6]) for l in f.read().splitlines()[1:]
                  if len(l.split()) >= 7 and l.split()[6].isdigit() and int(l.split()[6]) in held]
forged_path = "/run/forged"
evil = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
row = "\n0000000000000000: 00000002 00000000 00010000 0001 01 %d %s" % (victim_ino[0], forged_path)
try:
    evil.bind("\0x" + row)
    evil.listen(1)
    bound = True
except (OSError, IndexError) as e:
    bound = False
    skip_part("cannot bind the forging name here: %s" % e)
if bound:
    with open("/proc/net/unix") as f:
        forged_in_table = forged_path in f.read()
    r = fdwatch("report", "--format", "json", "-p", victim.pid,
                env=dict(os.environ, FDWATCH_NO_NETLINK="1"))
    recs = json_lines(r.stdout)
    eps = [g.get("local") or g.get("remote") for rec in recs for g in rec.get("sockets", [])]
    check(forged_in_table and all(forged_path not in (e or "") for e in eps),
          "a forged /proc/net/unix row does not give another process's socket its path",
          (forged_in_table, eps))
    check(recs and recs[0]["fds"] == nfds(victim.pid), "and every fd is still counted")
    evil.close()
victim.stop()

# --- bidi, zero-width and 8-bit controls from a process name ------------------------
names = {"rlo": "a\u202eb", "lri": "c\u2066d", "alm": "e\u061cf", "zwsp": "g\u200bh"}
for what, name in names.items():
    h = start_helper("--name", name)
    r = fdwatch("report", "-p", h.pid, "--color", "never")
    code = "\\u{%04x}" % ord(name[1])
    check(name not in r.stdout and code in r.stdout,
          "report: a name with U+%04X is escaped (%s)" % (ord(name[1]), what), r.stdout[-300:])
    h.stop()
    # The alert text (log, check, syslog, run share it), from a replay.
    leak = os.path.join(tmp, "leak-%s.jsonl" % what)
    with open(leak, "w") as f:
        for i in range(30):
            f.write(json.dumps({"time": 1000 + i, "pid": 9, "start": 1, "comm": name,
                                "fds": 10 + 8 * i, "limit": 400}) + "\n")
    r = fdwatch("replay", leak)
    check(r.stdout and name not in r.stdout and code in r.stdout,
          "alert text: a name with U+%04X is escaped (%s)" % (ord(name[1]), what), r.stdout[-300:])
h = start_helper("--name", "caf\u00e9\u009b")
r = fdwatch("report", "-p", h.pid, "--color", "never", env=dict(os.environ, LC_ALL="C"))
check(all(ord(c) < 128 for c in r.stdout) and "\\u{00e9}" in r.stdout,
      "outside a UTF-8 locale every non-ASCII character is escaped", r.stdout[-300:])
r = fdwatch("report", "-p", h.pid, "--color", "never", env=dict(os.environ, LC_ALL="C.UTF-8"))
check("caf\u00e9" in r.stdout and "\u009b" not in r.stdout,
      "in a UTF-8 locale letters pass and C1 controls do not", r.stdout[-300:])
h.stop()

# --- closed standard descriptors --------------------------------------------------
trace = os.path.join(tmp, "closed2.jsonl")
r = subprocess.run([FDWATCH, "record", "-n", "1", "-d", "0.1", "-p", "%d,999999" % os.getpid(),
                    "-o", trace], stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(2))
with open(trace) as f:
    lines = f.read().splitlines()
bad = []
for l in lines:
    try:
        json.loads(l)
    except ValueError:
        bad.append(l)
check(lines and not bad, "record -o with stderr closed: the trace holds records only", bad)
st = os.path.join(tmp, "state2")
os.mkdir(st, 0o700)
with open(os.path.join(st, "state"), "w") as f:
    f.write("damaged\n")                # its warning goes to stderr
os.chmod(os.path.join(st, "state"), 0o600)
r = subprocess.run([FDWATCH, "check", "--state", os.path.join(st, "state")],
                   stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(2))
lk = os.path.join(st, "state.lock")
check(os.path.exists(lk) and os.path.getsize(lk) == 0,
      "check 2>&-: nothing is written into state.lock",
      open(lk, errors="replace").read()[:200] if os.path.exists(lk) else "no lock")

# --- replay: memory runs out, records out of order, streaming ----------------------
lines = [json.dumps({"time": 1000 + i, "pid": 5, "start": 1, "fds": 10 + 8 * i, "limit": 400})
         for i in range(30)]
if SANITIZED:
    skip_part("the sanitizer runtime needs more address space than ulimit -v leaves")
else:
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w") as f:
        f.write("\n".join(lines[:5]) + "\n")
        f.write('{"time": 2000, "pid": 5, "fds": 1, "comm": "' + "x" * (48 << 20) + '"}\n')

    def small_vm():
        resource.setrlimit(resource.RLIMIT_AS, (40 << 20, 40 << 20))
    r = subprocess.run([FDWATCH, "replay", big], capture_output=True, text=True,
                       preexec_fn=small_vm, timeout=60)
    check(r.returncode == 1 and "Cannot allocate memory" in r.stderr and big in r.stderr,
          "replay out of memory: exit 1, naming the file (exit %d)" % r.returncode, r.stderr[-300:])
    os.unlink(big)
# A file out of order by more than replay's window: a clear error, not
# alerts from a scrambled history.
far = os.path.join(tmp, "far.jsonl")
with open(far, "w") as f:
    for i in range(6000):
        f.write(json.dumps({"time": 10 + i, "pid": 7, "fds": 5}) + "\n")
    f.write(json.dumps({"time": 1, "pid": 7, "fds": 5}) + "\n")
r = fdwatch("replay", far)
check(r.returncode == 1 and "out of time order" in r.stderr and far + ":6001" in r.stderr,
      "a record far back in time: exit 1, naming file and line (exit %d)" % r.returncode, r.stderr)
# Two files each in order merge into one history (a leak split in two).
a, b = os.path.join(tmp, "a.jsonl"), os.path.join(tmp, "b.jsonl")
with open(a, "w") as f:
    f.write("\n".join(lines[0::2]) + "\n")
with open(b, "w") as f:
    f.write("\n".join(lines[1::2]) + "\n")
one = os.path.join(tmp, "one.jsonl")
with open(one, "w") as f:
    f.write("\n".join(lines) + "\n")
ra, rb = fdwatch("replay", "--format", "json", a, b), fdwatch("replay", "--format", "json", one)
check(ra.returncode == 0 and ra.stdout == rb.stdout and rb.stdout,
      "two interleaved files replay as the one they were split from", (ra.stdout, rb.stdout))
# From a pipe, read once.
with open(one) as f:
    r = subprocess.run([FDWATCH, "replay", "--format", "json", "-"], stdin=f, capture_output=True,
                       text=True)
equal((r.returncode, r.stdout), (0, rb.stdout), "replay from a pipe gives the same alerts")

# --- -o: a planted symlink, the umask ------------------------------------------------
sticky = os.path.join(tmp, "sticky")
os.mkdir(sticky)
os.chmod(sticky, 0o1777)
victim_file = os.path.join(tmp, "precious")
with open(victim_file, "w") as f:
    f.write("precious\n")
link = os.path.join(sticky, "trace.jsonl")
os.symlink(victim_file, link)
for cmd in (["record", "-n", 1, "-d", "0.1", "-p", os.getpid(), "-o", link],
            ["log", "-n", 1, "-d", "0.1", "-p", os.getpid(), "-o", link],
            ["run", "-o", link, "--", "true"]):
    r = fdwatch(*cmd)
    with open(victim_file) as f:
        kept = f.read() == "precious\n"
    check(r.returncode == 1 and kept and "symbolic link" in r.stderr,
          "%s -o SYMLINK: refused (exit %d), the file it points to untouched" % (cmd[0], r.returncode),
          r.stderr)
old = os.umask(0)
try:
    for cmd, want in ((["record", "-n", 1, "-d", "0.1", "-p", os.getpid()], 0o600),
                      (["log", "-n", 1, "-d", "0.1", "-p", os.getpid()], 0o600),
                      (["run", "--", "true"], 0o644)):
        out = os.path.join(tmp, "umask-%s.out" % cmd[0])
        r = fdwatch(*(cmd[:1] + ["-o", out] + cmd[1:]))
        mode = stat.S_IMODE(os.stat(out).st_mode) if os.path.exists(out) else None
        equal(mode, want, "%s -o under umask 000 creates mode %04o" % (cmd[0], want))
finally:
    os.umask(old)

# --- a process with thousands of groups: bounded records ----------------------------------
MANY = r"""
import os, socket, sys, time
base = sys.argv[1]
held = []
for i in range(300):
    d = os.path.join(base, "g%03d" % i)
    os.mkdir(d)
    held.append(os.open(os.path.join(d, "f"), os.O_RDWR | os.O_CREAT, 0o600))
for i in range(300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    held.append(s)
print("ready", flush=True)
time.sleep(120)
"""
many = os.path.join(tmp, "many")
os.mkdir(many)
p, _ = child(MANY, many)
r = fdwatch("record", "-n", 1, "-p", p.pid)
recs = json_lines(r.stdout)
rec = recs[0] if recs else {}
check(0 < len(rec.get("files", [])) <= 64 and 0 < len(rec.get("sockets", [])) <= 64,
      "300 directories and 300 sockets: at most 64 groups of each in the record (%d, %d)"
      % (len(rec.get("files", [])), len(rec.get("sockets", []))))
fo, so = rec.get("files_other") or {}, rec.get("sockets_other") or {}
check(sum(g["count"] for g in rec.get("files", [])) + fo.get("count", 0) >= 300
      and fo.get("groups", 0) >= 300 - 64, "the other directories are summed in files_other", fo)
check(sum(g["count"] for g in rec.get("sockets", [])) + so.get("count", 0) == 300
      and so.get("groups") == 300 - 64, "the other sockets are summed in sockets_other", so)
check(len(r.stdout) < 32768, "the record stays small (%d bytes)" % len(r.stdout))
stop(p)

# --- run: a report that cannot be written fails the run -------------------------------
with open("/dev/full", "w") as full:
    for argv, want in ((["true"], 1), (["false"], 1), (["sh", "-c", "exit 7"], 7)):
        r = subprocess.run([FDWATCH, "run", "--"] + argv, stderr=full, stdout=subprocess.DEVNULL)
        equal(r.returncode, want, "run -- %s 2>/dev/full exits %d" % (" ".join(argv), want))
full_out = os.path.join(tmp, "full")
r = fdwatch("run", "-o", "/dev/full", "--", "true")
equal(r.returncode, 1, "run -o /dev/full -- true exits 1")
check("cannot write" in r.stderr, "and says why", r.stderr)

subprocess.run(["rm", "-rf", tmp])
done()
