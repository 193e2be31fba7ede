#!/usr/bin/env python3
"""Real leaks end to end. A helper leaking TCP connections to its own
127.0.0.1 listener (they sit in CLOSE_WAIT) under a low fd limit: `fdwatch
log` alerts well before the helper hits the limit, names the endpoint, and
says ok when the helper dies; replaying the samples the log saw (log -o)
reproduces its alerts line for line, and a `fdwatch record` made beside it
raises the same alert. A helper leaking files names their directory. A helper holding a
pool of connections and reusing them raises nothing."""

import json
import os
import subprocess
import tempfile
import time

from fdtest import FDWATCH, check, done, equal, json_lines, start_helper, wait_for


def watch(args, **kw):
    return subprocess.Popen([FDWATCH] + [str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def finish(p, timeout=60):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.terminate()
        out, err = p.communicate()
    return p.returncode, out, err


def raised(alerts):
    return [a for a in alerts if a["level"] in ("warning", "critical")]


tmp = tempfile.mkdtemp(prefix="fdwatch-live.")
fdir = os.path.realpath(tmp)

# Leaks slow enough that a loaded machine still takes a few dozen samples
# of each: about 45 s to the limit. All run at once.
tcp = start_helper("--leak", "tcp", "--rate", 4, "--nofile", 200, "--name", "tcp-leaker",
                   "--timeout", 300)
fil = start_helper("--leak", "file", "--rate", 4, "--nofile", 200, "--dir", fdir,
                   "--name", "file-leaker", "--timeout", 300)
pip = start_helper("--leak", "pipe", "--rate", 4, "--nofile", 200, "--name", "pipe-leaker",
                   "--timeout", 300)
pool = start_helper("--pool", 40, "--churn", 20, "--nofile", 200, "--name", "pool-holder",
                    "--timeout", 300)
rec_path = os.path.join(tmp, "tcp.jsonl")
log_rec = os.path.join(tmp, "log.jsonl")
log = watch(["log", "-p", "%d,%d,%d" % (tcp.pid, fil.pid, pool.pid), "-d", 0.25, "--format", "json",
             "-o", log_rec])
rec = watch(["record", "-p", tcp.pid, "-d", 0.25, "-o", rec_path])
text = watch(["log", "-p", pip.pid, "-d", 0.25])
for h in (tcp, fil, pip):
    h.proc.wait(300)
    equal(h.proc.returncode, 3, "the %s ran into its fd limit (EMFILE)" % ("tcp", "file", "pipe")[(tcp, fil, pip).index(h)])
pool.stop()
rc, out, err = finish(log)
equal(rc, 0, "log exits 0 once the watched processes are gone")
check(err == "", "log wrote nothing to stderr", err)
every = json_lines(out)

# ---- the TCP leak ----
alerts = [a for a in every if a["pid"] == tcp.pid]
h = tcp
up = raised(alerts)
if check(len(up) >= 1, "log raised an alert for the TCP leak", out):
    a = up[0]
    equal(a["pid"], h.pid, "the alert names the leaking pid")
    equal(a["comm"], "tcp-leaker", "the alert names the process")
    equal(a["limit"], 200, "the alert carries the limit")
    check(a["fds"] <= 0.75 * 200, "the first alert came well before the limit (%d of 200 fds)" % a["fds"])
    check(2 <= a["rate"] <= 8, "the rate is near 4 fds/s (%.2f)" % a["rate"])
    check(a["eta"] is not None and a["eta"] > 5, "the eta leaves time to act (%s s)" % a["eta"])
    src = a["source"] or {}
    equal((src.get("type"), src.get("proto"), src.get("direction"), src.get("remote")),
          ("socket", "tcp", "out", "127.0.0.1:%d" % h.port),
          "the source is the leaking endpoint, direction out")
    check("127.0.0.1:%d" % h.port in a["message"], "the message names the endpoint", a["message"])
    levels = [x["level"] for x in alerts]
    check(all(levels[i] != levels[i + 1] for i in range(len(levels) - 1)),
          "events only on a change of level", levels)
    equal(alerts[-1]["level"], "ok", "an ok event when the leaker is gone")
    check("exited" in alerts[-1]["message"], "the ok event says it exited", alerts[-1]["message"])
rc, _, err = finish(rec)
equal(rc, 0, "record exits 0 once the watched process is gone")

# Replaying the samples the live log saw (log -o) reproduces its alerts
# exactly: the same events at the same times with the same figures, up to
# the last sample kept (each sample has its system record, also the last
# one, with no process left, where the last exits come).
r = subprocess.run([FDWATCH, "replay", "--format", "json", log_rec], capture_output=True,
                   text=True, timeout=60)
equal(r.returncode, 0, "replay of the live log's samples exits 0")
last = max(x["time"] for x in json_lines(open(log_rec).read(), system=True))
live = [l for l in out.splitlines() if json.loads(l)["time"] <= last]
equal(r.stdout.splitlines(), live, "replay reproduces the live alerts line for line")
check(len(raised(json_lines(r.stdout))) >= 2, "including the raised alerts", r.stdout)

# A recording made beside it by `record` raises the same alert from its
# own samples (taken at other instants, so at a nearby time).
r = subprocess.run([FDWATCH, "replay", "--format", "json", rec_path], capture_output=True,
                   text=True, timeout=60)
equal(r.returncode, 0, "replay of the recording exits 0")
rep = raised(json_lines(r.stdout))
if check(len(rep) >= 1 and len(up) >= 1, "replay of record's samples raised the alert too", r.stdout):
    equal(rep[0]["source"], up[0]["source"], "same source")
    recs = json_lines(open(rec_path).read())
    check(rep[0]["time"] in [x["time"] for x in recs], "the replayed alert carries a record's own time")
    check(recs[0]["time"] <= rep[0]["time"] < recs[-1]["time"], "inside the recording")

# ---- the file leak names the files' directory ----
up = raised([a for a in every if a["pid"] == fil.pid])
if check(len(up) >= 1, "log raised an alert for the file leak", out):
    check(up[0]["fds"] <= 0.75 * 200, "well before the limit (%d of 200 fds)" % up[0]["fds"])
    equal(up[0]["source"], {"type": "file", "dir": fdir, "path": fdir},
          "the source is the files' directory (dir; path the old name, kept for a release)")

# ---- steady: a pool of 40 connections, 20 replaced every second ----
equal([a for a in every if a["pid"] == pool.pid], [], "a steady pool raises nothing")

# ---- text format, one line per event ----
rc, out, err = finish(text)
lines = out.splitlines()
check(len(lines) >= 2, "text log has a line per event", "rc %s, out %r, err %r" % (rc, out, err))
if lines:
    check(" WARNING " in lines[0] or " CRITICAL " in lines[0], "the first line has the level", lines[0])
    check("pipe-leaker[%d]" % pip.pid in lines[0], "and names the process", lines[0])
    check("toward pipe" in lines[0], "and the growing class", lines[0])
    check(" OK " in lines[-1] and "exited" in lines[-1], "the last line says it exited", lines[-1])
done()
