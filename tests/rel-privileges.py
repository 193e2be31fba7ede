#!/usr/bin/env python3
"""Privileges. As an unprivileged user, root's processes are counted as not
readable with the hint, never fatal; with the capabilities the man page
documents they become readable. fdwatch executes nothing and writes nothing
except where asked (record -o, metrics --textfile, check --state)."""

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile

from fdtest import (AS_NOBODY, FDWATCH, check, done, equal, json_lines, skip, skip_part, start_helper,
                    why_not_nobody)

MAN = os.path.join(os.environ.get("TESTS_SRCDIR", "."), "..", "man", "fdwatch.1")


def as_nobody(args, exe=FDWATCH, cwd=None):
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", exe]
                          + [str(a) for a in args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=dict(os.environ, HOME="/nonexistent", XDG_STATE_HOME=""))


def capability_copy(capexe):
    """What nobody may make a capability copy do: read, list, write or run
    on nobody's behalf what nobody may not. The files the caller names are
    opened with the caller's rights; the command of run gets no capability;
    the terminal database is the system's."""
    closed = os.path.join(tmp, "closed")             # root's, 0700
    os.makedirs(os.path.join(closed, "open"), exist_ok=True)
    os.chmod(closed, 0o700)
    os.chmod(os.path.join(closed, "open"), 0o777)    # writable, yet not reachable
    secret = os.path.join(tmp, "secret.jsonl")       # a root-only trace
    with open(secret, "w") as f:
        for i in range(30):
            f.write(json.dumps({"time": 1000 + i, "pid": 77, "comm": "secret-%d" % i,
                                "fds": 10 + 8 * i, "limit": 400}) + "\n")
    os.chmod(secret, 0o600)
    r = as_nobody(["replay", secret], exe=capexe)
    check(r.returncode == 2 and "Permission denied" in r.stderr and "secret" not in r.stdout,
          "capability copy: nobody cannot replay a root-only trace (exit %d)" % r.returncode,
          r.stdout[-300:] + r.stderr)
    r = as_nobody(["replay", "/etc/shadow"], exe=capexe)
    check(r.returncode == 2 and "Permission denied" in r.stderr and "shadow:" not in r.stderr,
          "capability copy: nobody cannot probe /etc/shadow through replay (exit %d)" % r.returncode,
          r.stderr[-300:])
    fixture = os.path.join(closed, "proc")
    os.makedirs(os.path.join(fixture, "1"), exist_ok=True)
    with open(os.path.join(fixture, "1", "stat"), "w") as f:
        f.write("1 (secret-init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n")
    r = as_nobody(["report", "--proc", fixture, "--format", "json"], exe=capexe)
    check(r.returncode != 0 and "secret-init" not in r.stdout and "Permission denied" in r.stderr,
          "capability copy: nobody cannot list a root-only directory through --proc (exit %d)"
          % r.returncode, r.stdout[-300:] + r.stderr)
    prog = os.path.join(closed, "prog")
    with open(prog, "w") as f:
        f.write("#!/bin/sh\necho ran-hidden-program\n")
    os.chmod(prog, 0o755)
    r = as_nobody(["run", "--", prog], exe=capexe)
    check(r.returncode in (126, 127) and "ran-hidden-program" not in r.stdout,
          "capability copy: run cannot start a program from a directory nobody may not search "
          "(exit %d)" % r.returncode, r.stdout + r.stderr)
    r = as_nobody(["run", "--", "grep", "^Cap[PEA]", "/proc/self/status"], exe=capexe)
    caps = dict(l.split(":\t") for l in r.stdout.splitlines() if ":\t" in l)
    check(r.returncode == 0 and caps and all(int(v, 16) == 0 for v in caps.values()),
          "capability copy: run's command holds no capability", r.stdout + r.stderr)
    for what, args in (("record -o", ["record", "-n", 1, "-d", 0.1, "-o"]),
                       ("log -o", ["log", "-n", 1, "-d", 0.1, "-o"]),
                       ("metrics --textfile", ["metrics", "--textfile"])):
        out = os.path.join(closed, "open", "planted")
        r = as_nobody(args + [out], exe=capexe)
        check(r.returncode != 0 and not os.path.exists(out),
              "capability copy: %s cannot create a file where nobody may not (exit %d)"
              % (what, r.returncode), r.stderr)
    r = as_nobody(["check", "--state", os.path.join(closed, "open", "state")], exe=capexe)
    check(r.returncode == 3 and r.stdout.startswith("FDWATCH UNKNOWN")
          and not os.path.exists(os.path.join(closed, "open", "state")),
          "capability copy: --state in a directory nobody may not reach is refused (exit %d)"
          % r.returncode, r.stdout + r.stderr)
    # The documented deployment: the copy run by NRPE's user with its own state.
    os.unlink(os.path.join(own, "state"))
    r = as_nobody(["check", "--state", os.path.join(own, "state")], exe=capexe)
    check(r.returncode in (0, 1, 2) and os.path.exists(os.path.join(own, "state")),
          "capability copy: check with the caller's own --state works (exit %d)" % r.returncode,
          r.stdout + r.stderr)
    # TERMINFO names a terminal description that only the caller has: the
    # capability copy does not load it, a plain copy does.
    if shutil.which("tic") and shutil.which("script"):
        ti = os.path.join(tmp, "terminfo")
        os.makedirs(ti, exist_ok=True)
        src = os.path.join(tmp, "fdwevil.src")
        with open(src, "w") as f:
            f.write("fdwevil|a terminal only the caller has,\n\tuse=xterm,\n")
        subprocess.run(["tic", "-o", ti, src], capture_output=True)
        subprocess.run(["chmod", "-R", "a+rX", ti])
        plain = os.path.join(tmp, "fdwatch-plain")
        shutil.copy(FDWATCH, plain)
        os.chmod(plain, 0o755)
        results = {}
        for name, exe in (("plain", plain), ("cap", capexe)):
            r = subprocess.run(AS_NOBODY + ["env", "TERM=fdwevil", "TERMINFO=" + ti, "HOME=/nonexistent",
                                            "script", "-qec", exe + " top -n 1 -d 0.1", "/dev/null"],
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            results[name] = r.stdout
        check("check TERM" not in results["plain"],
              "a plain copy loads the caller's TERMINFO", results["plain"][-300:])
        check("check TERM" in results["cap"],
              "capability copy: TERMINFO is ignored (the terminal is unknown)", results["cap"][-300:])
    else:
        skip_part("tic or script is not installed: the TERMINFO check")
    subprocess.run(["rm", "-rf", closed])


# The documentation part holds whoever runs the test.
with open(MAN) as f:
    man = f.read()
check("setcap cap_sys_ptrace,cap_dac_read_search+ep" in man.replace("\\-", "-").replace("\\", ""),
      "the man page documents running with capabilities (setcap)")

why = why_not_nobody()
if why:
    skip(why)
nobody_uid, nobody_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid

root_proc = start_helper("--tcp", 3, "--file", 4)
real_fds = len(os.listdir("/proc/%d/fd" % root_proc.pid))

# --- unprivileged: counted, hinted, never fatal -------------------------------
r = as_nobody(["report", "--color", "never"])
equal(r.returncode, 0, "report as nobody exits 0")
equal(r.stderr, "", "report as nobody: nothing on stderr")
m = re.search(r"(\d+) of (\d+) processes could not be read \(([^)]*)\).*(root|CAP_SYS_PTRACE)", r.stdout)
check(m and int(m.group(1)) >= 1, "the report counts the processes it could not read, with the hint",
      r.stdout[:500])
line = [l for l in r.stdout.splitlines() if l.split()[:1] == [str(root_proc.pid)]]
check(line and "not readable" in line[0], "root's helper is listed as not readable", line)

r = as_nobody(["report", "--format", "json", "-p", root_proc.pid])
equal(r.returncode, 0, "report -p ROOTPID as nobody exits 0")
recs = json_lines(r.stdout)
equal(len(recs), 1, "root's process is reported, not dropped")
if recs:
    equal(recs[0].get("readable"), False, "marked not readable")
    check(recs[0].get("fds") in (real_fds, None), "its count is right or unknown, never made up",
          (recs[0].get("fds"), real_fds))
    check("types" not in recs[0], "no made-up types for an unreadable process")

for cmd in (["record", "-n", 2, "-d", 0.1], ["log", "-n", 3, "-d", 0.1], ["metrics"]):
    r = as_nobody(cmd)
    equal((r.returncode, r.stderr), (0, ""), "%s as nobody: exit 0, quiet" % cmd[0])
tmp = tempfile.mkdtemp(prefix="fdwatch-priv-")
# Sticky, as /tmp: others' files there cannot be replaced by another user.
os.chmod(tmp, 0o1777)
own = os.path.join(tmp, "nobody-state")
os.makedirs(own)
os.chown(own, nobody_uid, nobody_gid)
os.chmod(own, 0o700)
r = as_nobody(["check", "--state", os.path.join(own, "state")])
check(r.returncode in (0, 1, 2), "check as nobody works (exit %d)" % r.returncode, r.stdout + r.stderr)
check(r.stdout.startswith("FDWATCH "), "check as nobody prints its status line", r.stdout)
r = as_nobody(["check"], cwd=tmp)
check(r.returncode in (0, 1, 2, 3) and r.stdout.startswith("FDWATCH "),
      "check as nobody without a usable state directory says so as a check (exit %d)" % r.returncode,
      r.stdout + r.stderr)

# --- with the documented capabilities ---------------------------------------------
if shutil.which("setcap"):
    capexe = os.path.join(tmp, "fdwatch")
    shutil.copy(FDWATCH, capexe)
    os.chmod(capexe, 0o755)
    s = subprocess.run(["setcap", "cap_sys_ptrace,cap_dac_read_search+ep", capexe],
                       capture_output=True, text=True)
    if s.returncode == 0:
        r = as_nobody(["report", "--format", "json", "-p", root_proc.pid], exe=capexe)
        equal(r.returncode, 0, "with cap_sys_ptrace,cap_dac_read_search nobody reads root's process")
        recs = json_lines(r.stdout)
        check(recs and recs[0].get("readable", True) and recs[0].get("types", {}).get("socket", 0) >= 3,
              "types and sockets included", recs)
        capability_copy(capexe)
    else:
        skip_part("setcap failed here (%s): the capability run" % s.stderr.strip())
    # A setuid-root copy is held to the same: the caller's rights for the
    # files it names, none for run's command.
    suid = os.path.join(tmp, "fdwatch-suid")
    shutil.copy(FDWATCH, suid)
    os.chmod(suid, 0o4755)
    r = as_nobody(["replay", "/etc/shadow"], exe=suid)
    check(r.returncode == 2 and "Permission denied" in r.stderr,
          "setuid copy: nobody cannot replay /etc/shadow (exit %d)" % r.returncode, r.stderr)
    r = as_nobody(["run", "--", "id", "-u"], exe=suid)
    check(r.returncode == 0 and r.stdout.strip() == str(nobody_uid),
          "setuid copy: run's command runs as nobody, not root", r.stdout + r.stderr)
    closed = os.path.join(tmp, "closed-suid")        # root's, 0700
    os.makedirs(closed, mode=0o700, exist_ok=True)
    planted = os.path.join(closed, "fdwatch-planted")
    r = as_nobody(["record", "-n", 1, "-p", 1, "-o", planted], exe=suid)
    check(r.returncode == 1 and not os.path.exists(planted),
          "setuid copy: record -o cannot write where nobody may not", r.stderr)
    # Its history is its caller's: files nobody made are nobody's to trust.
    sstate = os.path.join(own, "suid-state")
    r1 = as_nobody(["check", "--state", sstate], exe=suid)
    r2 = as_nobody(["check", "--state", sstate], exe=suid)
    check(r1.returncode in (0, 1, 2) and r2.returncode in (0, 1, 2) and
          os.stat(sstate).st_uid == nobody_uid,
          "setuid copy: check --state keeps nobody's own history (exits %d, %d)" %
          (r1.returncode, r2.returncode), r1.stdout + r1.stderr + r2.stdout + r2.stderr)
    os.unlink(suid)
else:
    skip_part("setcap is not installed: the capability run")

# --- executes nothing, writes nothing but where asked ----------------------------
if shutil.which("strace"):
    WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")

    def traced(args, what):
        log = os.path.join(tmp, "strace.log")
        r = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e",
                            "trace=open,openat,openat2,creat,unlink,unlinkat,rename,renameat,"
                            "renameat2,mkdir,mkdirat,truncate,link,linkat,symlink,symlinkat,"
                            "execve,execveat,chmod,fchmodat,chown,fchownat",
                            FDWATCH] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=120,
                           # LeakSanitizer (sanitizer builds) cannot work under a tracer.
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        with open(log) as f:
            calls = [l.split(None, 1)[1] if l[0].isdigit() else l for l in f.read().splitlines()]
        os.unlink(log)
        execs = [c for c in calls if c.startswith("execve")]
        equal(len(execs), 1, "%s: executes nothing (only itself)" % what)
        writes = [c for c in calls if re.match(r"(open|openat|openat2)\(", c) and WRITE_FLAGS.search(c)
                  and "= -1" not in c]
        changes = [c for c in calls if re.match(r"(creat|unlink|unlinkat|rename|renameat|renameat2|mkdir|"
                                                r"mkdirat|truncate|link|linkat|symlink|symlinkat|chmod|"
                                                r"fchmodat|chown|fchownat)\(", c) and "= -1" not in c]
        return r, writes, changes

    r, writes, changes = traced(["report", "--format", "json"], "report")
    equal(r.returncode, 0, "report under strace exits 0")
    equal(writes + changes, [], "report opens nothing for writing and changes no file")
    r, writes, changes = traced(["log", "-n", 3, "-d", 0.1], "log")
    equal(writes + changes, [], "log opens nothing for writing and changes no file")
    out = os.path.join(tmp, "rec.jsonl")
    r, writes, changes = traced(["record", "-n", 2, "-d", 0.1, "-o", out], "record -o")
    equal(r.returncode, 0, "record -o under strace exits 0")
    check(writes and all(out in w or os.path.dirname(out) in w for w in writes),
          "record -o writes only its output file", writes)
    equal([c for c in changes if tmp not in c], [], "record -o changes no other file")
    tf = os.path.join(tmp, "fdwatch.prom")
    r, writes, changes = traced(["metrics", "--textfile", tf], "metrics --textfile")
    equal(r.returncode, 0, "metrics --textfile under strace exits 0")
    equal([w for w in writes + changes if tmp not in w], [], "metrics --textfile writes only beside its file")
    st = os.path.join(tmp, "check-state")
    r, writes, changes = traced(["check", "--state", st], "check --state")
    equal([w for w in writes + changes if tmp not in w], [], "check --state writes only beside its state file")
else:
    skip_part("strace is not installed: write and exec tracing")

root_proc.stop()
shutil.rmtree(tmp, ignore_errors=True)
done()
