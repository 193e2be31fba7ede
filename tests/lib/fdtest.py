"""Shared pieces of fdwatch's integration tests.

Each test is a script run by the automake harness: exit 0 passes, 77 skips,
anything else fails. Helpers here start real processes (tests/helper-fds),
run the built fdwatch and parse its JSON Lines output."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

FDWATCH = os.environ.get("FDWATCH", "fdwatch")
BUILDDIR = os.environ.get("TESTS_BUILDDIR", os.path.dirname(os.path.abspath(__file__)) + "/..")
SRCDIR = os.environ.get("TESTS_SRCDIR", os.path.dirname(os.path.abspath(__file__)) + "/..")
HELPER = os.path.join(BUILDDIR, "helper-fds")

_children = []
_failures = 0


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def need(*programs):
    """Skips the test unless every program is on PATH."""
    for p in programs:
        if not shutil.which(p):
            skip(p + " is not installed")


def check(cond, what, detail=None):
    """Records one assertion; prints ok/not ok like TAP."""
    global _failures
    if cond:
        print("ok -", what)
    else:
        _failures += 1
        print("not ok -", what)
        if detail is not None:
            print("   ", str(detail).replace("\n", "\n    "))
    return cond


def equal(got, want, what):
    return check(got == want, what, "got  %r\nwant %r" % (got, want))


def done():
    """Ends the test: stops its children and exits with the verdict."""
    cleanup()
    sys.exit(1 if _failures else 0)


def cleanup():
    for p in _children:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    _children.clear()


class Helper:
    """A running helper-fds: pid, port (127.0.0.1), port6 (::1), unix path."""

    def __init__(self, proc, line):
        self.proc = proc
        f = line.split()
        self.pid, self.port, self.port6 = int(f[0]), int(f[1]), int(f[2])
        self.unix = f[3]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


def start_helper(*args, prefix=(), env=None):
    """Starts helper-fds with args (under prefix, e.g. unshare -n) and waits
    for its first line."""
    cmd = list(prefix) + [HELPER] + [str(a) for a in args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _children.append(p)
    line = p.stdout.readline()
    if not line:
        raise RuntimeError("helper-fds did not start: " + p.stderr.read())
    h = Helper(p, line)
    return h


def fdwatch(*args, env=None, timeout=60, input=None):
    """Runs fdwatch with args; returns the CompletedProcess (text)."""
    return subprocess.run([FDWATCH] + [str(a) for a in args], capture_output=True, text=True,
                          env=env, timeout=timeout, input=input)


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def report(pid, *extra, env=None):
    """The sample record of one process from `fdwatch report --format json`."""
    r = fdwatch("report", "--format", "json", "-p", pid, *extra, env=env)
    if r.returncode != 0:
        raise RuntimeError("fdwatch report failed (%d): %s" % (r.returncode, r.stderr))
    recs = [x for x in json_lines(r.stdout) if x["pid"] == int(pid)]
    if len(recs) != 1:
        raise RuntimeError("expected one record for pid %s, got %r" % (pid, r.stdout))
    return recs[0]


def proc_fd_counts(pid):
    """Counts a process's fds by SPEC type, straight from /proc."""
    types = {"file": 0, "socket": 0, "pipe": 0, "anon": 0, "other": 0}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except FileNotFoundError:
            continue
        if t.startswith("/"):
            types["file"] += 1
        elif t.startswith("socket:["):
            types["socket"] += 1
        elif t.startswith("pipe:["):
            types["pipe"] += 1
        elif t.startswith("anon_inode:"):
            types["anon"] += 1
        else:
            types["other"] += 1
    return types


def proc_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                v = line.split()[3]
                return None if v == "unlimited" else int(v)
    return None


def wait_for(pred, timeout=10, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def _on_signal(sig, frame):
    cleanup()
    sys.exit(1)


signal.signal(signal.SIGTERM, _on_signal)
