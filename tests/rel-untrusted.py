#!/usr/bin/env python3
"""Untrusted text from a real process: its name is ESC [2J, a newline, EVIL
and an invalid byte, and it holds files and a unix socket under a directory
whose name holds ESC, BEL, a newline and an invalid byte. Every output of
every command that exists must stay safe: text output holds no control byte
and no invalid UTF-8 taken from the data (only the colour codes fdwatch
itself writes), JSON parses and gives the name back with U+FFFD for the
invalid byte, Prometheus label values are escaped per the exposition
format, syslog lines are escaped."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from fdtest import (FDWATCH, HELPER, Helper, _children, check, done, equal, fdwatch, json_lines, skip_part,
                    wait_for)

NAME = b"\x1b[2J\nEVIL\xff"
NAME_JSON = "\x1b[2J\nEVIL\ufffd"
NAME_TEXT = "\\e[2J\\nEVIL\\xff"
DIRNAME = b"evil\x1b]0;x\x07\n\xff"
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def run(args, **kw):
    """fdwatch with bytes output (the test looks at the raw bytes)."""
    return subprocess.run([FDWATCH] + [str(a) for a in args], capture_output=True, timeout=120, **kw)


def unsafe_bytes(out, colour=False):
    """Describes what makes out unsafe for a terminal, or returns None."""
    if colour:
        out = SGR.sub(b"", out)
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid UTF-8: %s" % e
    for ch in text:
        c = ord(ch)
        if (c < 0x20 and ch != "\n") or c == 0x7f or 0x80 <= c <= 0x9f:
            return "control character U+%04X in %r" % (c, text[max(0, text.index(ch) - 40):][:80])
    return None


def start_helper(*args):
    """helper-fds whose first line (it holds the hostile unix path) is read
    as bytes."""
    p = subprocess.Popen([HELPER] + [a if isinstance(a, bytes) else str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _children.append(p)
    line = p.stdout.readline()
    if not line:
        raise RuntimeError("helper-fds did not start: %r" % p.stderr.read())
    return Helper(p, line.decode("utf-8", "surrogateescape"))


def available(cmd):
    """Whether cmd is built yet (unbuilt commands say so and do nothing)."""
    r = fdwatch(cmd, "--proc", "/nonexistent-proc-root", timeout=20)
    return "not available in this version" not in r.stderr


tmp = tempfile.mkdtemp(prefix="fdwatch-untrusted-")
hostile_dir = os.path.join(tmp.encode(), DIRNAME)
os.mkdir(hostile_dir)
h = start_helper("--name", NAME,
                 "--dir", hostile_dir,
                 "--file", 10, "--tcp", 2, "--unix", 1)
with open("/proc/%d/comm" % h.pid, "rb") as f:
    equal(f.read().rstrip(b"\n"), NAME, "the helper really carries the hostile name")
hostile_path = os.readlink(("/proc/%d/fd" % h.pid).encode() + b"/" +
                           next(fd for fd in os.listdir(("/proc/%d/fd" % h.pid).encode())
                                if DIRNAME in os.readlink(("/proc/%d/fd/" % h.pid).encode() + fd)))
check(b"\x1b" in hostile_path and b"\x07" in hostile_path and b"\n" in hostile_path and
      b"\xff" in hostile_path, "and holds a file whose path has ESC, BEL, newline and \\xff",
      hostile_path)
dir_json = hostile_dir.decode("utf-8", "replace")

# --- report, text ------------------------------------------------------
for colour in ("never", "always"):
    r = run(["report", "-p", h.pid, "--color", colour])
    equal(r.returncode, 0, "report --color %s exits 0" % colour)
    equal(unsafe_bytes(r.stdout, colour == "always"), None,
          "report --color %s: no control byte or invalid UTF-8 from the data" % colour)
    if colour == "always":
        stray = [m for m in re.findall(rb"\x1b.{0,8}", r.stdout) if not SGR.match(m)]
        equal(stray, [], "with colour, every ESC starts one of fdwatch's own SGR codes")
    text = r.stdout.decode("utf-8", "replace")
    check(NAME_TEXT in text, "report --color %s shows the name escaped" % colour, text)
    check(not any(l.startswith("EVIL") for l in SGR.sub(b"", r.stdout).decode("utf-8", "replace").splitlines()),
          "the name's newline does not start a line of its own")
    check("evil\\e]0;x\\x07\\n\\xff" in text, "the hostile directory is shown escaped", text)

# The whole-system report holds the same process; it must be as clean.
r = run(["report", "--color", "never"])
equal(r.returncode, 0, "whole-system report exits 0")
equal(unsafe_bytes(r.stdout), None, "whole-system report: clean")
equal(r.stderr, b"", "whole-system report: nothing on stderr")

# --- report, JSON ------------------------------------------------------
r = run(["report", "-p", h.pid, "--format", "json"])
equal(r.returncode, 0, "report --format json exits 0")
raw = r.stdout
check(b"\xff" not in raw and b"\x1b" not in raw and b"\x07" not in raw,
      "JSON output holds no raw ESC, BEL or invalid byte")
try:
    lines = raw.decode("utf-8").splitlines()
    recs = [json.loads(l, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            for l in lines if l.strip()]
    recs = [x for x in recs if "system" not in x]  # the limits' record
    ok = True
except (UnicodeDecodeError, ValueError) as e:
    recs, ok = [], False
    check(False, "JSON output is UTF-8 and every line parses", e)
if ok:
    equal(len(recs), 1, "one JSON Lines record (the name's newline did not split it)")
    rec = recs[0] if recs else {}
    equal(rec.get("comm"), NAME_JSON, "comm round-trips, the invalid byte as U+FFFD")
    dirs = [f["dir"] for f in rec.get("files", [])]
    check(dir_json in dirs, "the hostile directory round-trips in files[]", dirs)
    unix = [g.get("local") for g in rec.get("sockets", []) if g["proto"] == "unix"]
    if len(tmp) + len(DIRNAME) + 30 < 108:
        check(any(u and DIRNAME.decode("utf-8", "replace") in u for u in unix),
              "the hostile unix socket path round-trips", unix)

# --- metrics (Prometheus text exposition) --------------------------------
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \S+)?$')


def prom_unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


if available("metrics"):
    r = run(["metrics", "-p", h.pid])
    equal(r.returncode, 0, "metrics exits 0")
    equal(unsafe_bytes(r.stdout), None, "metrics: no control byte or invalid UTF-8")
    bad, comms = [], set()
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if not m:
            bad.append(line)
            continue
        labels = m.group(3) or ""
        rest = LABEL.sub("", labels).replace(",", "").strip()
        if rest:
            bad.append(line)
        for k, v in LABEL.findall(labels):
            if k == "comm":
                comms.add(prom_unescape(v))
    equal(bad, [], "every series line parses under the exposition format")
    check(len(comms) == 1 and "\n" in next(iter(comms)) and "EVIL" in next(iter(comms)),
          "the comm label value carries the name, newline escaped as \\n", comms)
    check(not any("\x1b" in c for c in comms), "no raw ESC in label values", comms)
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "metrics"], input=r.stdout, capture_output=True)
        check(b"error" not in p.stderr.lower() and p.returncode in (0, 3) or not p.stderr,
              "promtool accepts the exposition", p.stderr)
    else:
        skip_part("promtool is not installed: promtool on the exposition")
else:
    skip_part("metrics is not built")

# --- log, check, record, top: the same rules, once they exist -------------
if available("record"):
    r = run(["record", "-p", h.pid, "-n", "1"])
    equal(r.returncode, 0, "record exits 0")
    try:
        recs = json_lines(r.stdout.decode("utf-8"))
        equal([x.get("comm") for x in recs], [NAME_JSON], "record: comm round-trips")
    except (UnicodeDecodeError, ValueError) as e:
        check(False, "record output is UTF-8 JSON Lines", e)

if available("log"):
    # A leaking process with the hostile name raises alerts whose text lines
    # and JSON records carry the name.
    def leaker():
        return start_helper("--name", NAME, "--dir", hostile_dir, "--leak", "file", "--rate", 40,
                            "--nofile", 400, "--leak-max", 360)

    for fmt in ("text", "json"):
        lk = leaker()
        r = run(["log", "-p", lk.pid, "-d", "0.1", "--duration", 6, "--format", fmt,
                 "--color", "never"])
        check(r.returncode in (0, 1), "log --format %s runs (exit %d)" % (fmt, r.returncode), r.stderr)
        check(r.stdout.strip(), "log --format %s: the leak raised an alert" % fmt, r.stderr)
        equal(unsafe_bytes(r.stdout), None, "log --format %s: clean output" % fmt)
        equal(unsafe_bytes(r.stderr), None, "log --format %s: clean stderr" % fmt)
        if fmt == "json":
            try:
                recs = [json.loads(l) for l in r.stdout.decode("utf-8").splitlines() if l.strip()]
                check(recs and all(x.get("comm") == NAME_JSON for x in recs),
                      "log JSON: comm round-trips", recs[:2])
            except (UnicodeDecodeError, ValueError) as e:
                check(False, "log JSON is UTF-8 JSON Lines", e)
        elif r.stdout:
            check(NAME_TEXT in r.stdout.decode(), "log text shows the name escaped", r.stdout[:300])
        lk.stop()
    # Syslog: a private mount namespace whose /dev/log is our own socket.
    if shutil.which("unshare") and subprocess.run(["unshare", "-m", "true"]).returncode == 0:
        dev = os.path.join(tmp, "dev")
        os.mkdir(dev)
        open(os.path.join(dev, "null"), "w").close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(os.path.join(dev, "log"))
        sock.settimeout(0.5)
        lk = leaker()
        script = ("mount --make-rprivate / && mount --bind /dev/null %s/null && "
                  "mount --bind %s /dev && exec \"$@\"" % (dev, dev))
        r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", FDWATCH, "log", "--syslog",
                            "-p", str(lk.pid), "-d", "0.1", "--duration", "6"],
                           capture_output=True, timeout=60)
        msgs = []
        while True:
            try:
                msgs.append(sock.recv(65536))
            except (socket.timeout, BlockingIOError):
                break
        sock.close()
        if msgs:
            equal([m for m in msgs if unsafe_bytes(m.split(b": ", 1)[-1])], [],
                  "syslog messages (%d) hold no control byte or invalid UTF-8" % len(msgs))
            check(any(NAME_TEXT.encode() in m for m in msgs), "syslog shows the name escaped", msgs[:2])
        else:
            check(False, "log --syslog sent the alert to /dev/log", r.stderr[:300])
        lk.stop()
    else:
        skip_part("unshare -m is not permitted here: log --syslog")
else:
    skip_part("log is not built")

if available("check"):
    state = os.path.join(tmp, "state")
    for i in range(3):
        r = run(["check", "-p", h.pid, "--state", state])
    check(r.returncode in (0, 1, 2), "check runs (exit %d)" % r.returncode, r.stderr)
    equal(unsafe_bytes(r.stdout), None, "check output: clean")
    check(r.stdout.startswith(b"FDWATCH "), "check prints its status line first", r.stdout[:200])
    equal(len(r.stdout.decode("utf-8", "replace").splitlines()[0].split("|")) <= 2, True,
          "the status line holds at most one perfdata separator")
    # A leaking process with the hostile name, checked as cron would, faster.
    lk = start_helper("--name", NAME, "--dir", hostile_dir, "--leak", "file", "--rate", 20,
                      "--nofile", 1000, "--leak-max", 950)
    state = os.path.join(tmp, "state2")
    outs = []
    end = time.time() + 45
    while time.time() < end:
        r = run(["check", "-p", lk.pid, "--state", state])
        outs.append(r)
        if r.returncode in (1, 2):
            break
        time.sleep(0.4)
    lk.stop()
    alerting = [r for r in outs if r.returncode in (1, 2)]
    check(alerting, "check turns WARNING or CRITICAL on the hostile leaker",
          [(r.returncode, r.stdout[:200]) for r in outs[-3:]])
    equal([r.stdout for r in outs if unsafe_bytes(r.stdout)], [], "every check output is clean")
    if alerting:
        out = alerting[-1].stdout.decode("utf-8", "replace")
        check(NAME_TEXT in out, "the alerting line shows the name escaped", out)
        check(len(out.splitlines()[0].split("|")) <= 2, "the name adds no perfdata separator",
              out.splitlines()[0])

if available("top") and shutil.which("tmux"):
    sess = "fdwatch-untrusted-%d" % os.getpid()
    sock_name = "fdwatch-rel-%d" % os.getpid()
    tm = ["tmux", "-L", sock_name]
    subprocess.run(tm + ["new-session", "-d", "-s", sess, "-x", "120", "-y", "30",
                         "%s top -p %d -d 0.5" % (FDWATCH, h.pid)], check=True)
    try:
        def screen():
            return subprocess.run(tm + ["capture-pane", "-p", "-e", "-t", sess],
                                  capture_output=True).stdout
        wait_for(lambda: b"EVIL" in screen(), timeout=10)
        time.sleep(1.2)  # at least one more redraw
        s = screen()
        check(NAME_TEXT.encode() in s, "top shows the name escaped", s[:2000])
        plain = subprocess.run(tm + ["capture-pane", "-p", "-t", sess], capture_output=True).stdout
        check(plain.count(b"\n") >= 20 and any(b"PID" in l for l in plain.splitlines()[:6]),
              "the screen was not cleared or scrolled by the name (header still there)", plain)
        check(not any(l.startswith(b"EVIL") for l in plain.splitlines()),
              "the name's newline does not start a screen line")
    finally:
        subprocess.run(tm + ["kill-server"], capture_output=True)
else:
    skip_part("tmux is not installed: the live view")

h.stop()
shutil.rmtree(tmp, ignore_errors=True)
done()
