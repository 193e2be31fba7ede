"""Shared pieces of fdwatch's integration tests.

Each test is a script run by automake's TAP driver: every check() is one
test point ("ok - ..." / "not ok - ..."), done() prints the plan and exits
non-zero if a point failed, skip() skips the whole test ("1..0 # SKIP") and
skip_part() records a part that could not run here ("ok # SKIP"). Helpers
here start real processes (tests/helper-fds), run the built fdwatch and parse
its JSON Lines output."""

import atexit
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
_points = 0

# The TAP stream is a private copy of stdout. File descriptor 1 itself goes
# to stderr, so that whatever a child process prints to an inherited stdout
# lands in the log and can never be read as a test point or a plan.
sys.stdout.flush()
sys.stdout = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)


def note(text):
    """Prints text as TAP diagnostics ("# " before every line)."""
    for line in str(text).splitlines() or [""]:
        print("#", line)


def skip(why):
    """Skips the whole test: nothing it checks can run here. After some
    points have run, skips the rest of it."""
    if _points:
        skip_part(why)
        done()
    print("1..0 # SKIP", " ".join(str(why).split()))
    cleanup()
    sys.exit(0)


def skip_part(why):
    """Records one part of the test that cannot run here as a skipped point."""
    global _points
    _points += 1
    print("ok # SKIP", " ".join(str(why).split()))


def children_named(ppid, comm):
    """The pids (as text) of the children of ppid whose comm is comm, read
    from /proc as pgrep -P PPID -x COMM would (procps may be missing)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        if name == comm and fields[1] == str(ppid):
            out.append(d)
    return out


AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def why_not_nobody(exe=None):
    """Why this test cannot run exe (default: fdwatch) as the user nobody,
    or None when it can: it needs root, setpriv and the user, and every
    directory above exe open to others (a clone under /root is not)."""
    import pwd
    if os.geteuid() != 0:
        return "needs root to switch to nobody"
    if not shutil.which("setpriv"):
        return "setpriv is not installed"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return "there is no user nobody"
    if subprocess.run(AS_NOBODY + ["true"]).returncode:
        return "cannot switch to nobody here"
    exe = exe or FDWATCH
    try:
        r = subprocess.run(AS_NOBODY + [exe, "--version"], capture_output=True, timeout=60)
    except OSError as e:
        return "nobody may not run %s (%s)" % (exe, e)
    if r.returncode != 0:
        return "nobody may not run %s (a directory above it is closed to others)" % exe
    return None


def need(*programs):
    """Skips the test unless every program is on PATH."""
    for p in programs:
        if not shutil.which(p):
            skip(p + " is not installed")


def check(cond, what, detail=None):
    """Records one assertion as a TAP test point, with detail as diagnostics
    when it fails."""
    global _failures, _points
    _points += 1
    # One line, and no "#" that the driver could take for a directive.
    what = " ".join(str(what).split()).replace("#", "\\#")
    if cond:
        print("ok -", what)
    else:
        _failures += 1
        print("not ok -", what)
        if detail is not None:
            note(detail)
    return cond


def equal(got, want, what):
    return check(got == want, what, "got  %r\nwant %r" % (got, want))


def done():
    """Ends the test: stops its children, prints the plan and exits with the
    verdict."""
    cleanup()
    print("1..%d" % _points)
    sys.exit(1 if _failures else 0)


def cleanup():
    """Stops every child started through this module that still runs."""
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


def json_lines(text, system=False, header=False):
    """The JSON Lines records of text; the system records (the limits beyond
    the process, one per sample) only with system, the trace header that
    record and log -o begin with only with header."""
    recs = [json.loads(l) for l in text.splitlines() if l.strip()]
    recs = recs if header else [r for r in recs if not (isinstance(r, dict) and "pid" not in r
                                                         and "fdwatch" in r)]
    return recs if system else [r for r in recs if not (isinstance(r, dict) and "system" in r
                                                         and "pid" not in r)]


def without_idle(groups):
    """Socket groups without their idle times, which move between two looks
    at the same sockets: for comparing the groups of two samples."""
    return [{k: v for k, v in g.items() if k != "idle"} for g in groups or []]


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
    """Counts a process's fds by the types of RECORDS in fdwatch(1), straight
    from /proc."""
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
    print("Bail out! terminated by signal %d (the per-test time limit?)" % sig)
    cleanup()
    sys.exit(1)


# Children are stopped however the test ends: done(), skip(), an exception,
# or SIGTERM (which the harness's time limit sends).
atexit.register(cleanup)
signal.signal(signal.SIGTERM, _on_signal)
