#!/usr/bin/env python3
"""A growing process is classified again on every sample, but only the links
of new fd numbers, of its sockets and of one slice of the rest (fd % 8) are
read: a process with 500 fds that adds 10 a sample has about 10 + 500/8 +
its sockets read, not 500. The groups equal a fresh full classification
(`fdwatch report`) of the same process at the same moment, with st_size and
without it (FDWATCH_NO_STSIZE); and a number closed and reused for another
kind of object shows its new kind once its slice has come round."""

import json
import os
import subprocess
import sys
import tempfile

from fdtest import BUILDDIR, check, done, equal, report

BENCH = os.path.join(BUILDDIR, "..", "bench", "fdwatch-bench")

# A holder: 460 files in two directories, 20 unix socket pairs; "open N"
# opens N more files, "swap N" closes N of its first files and opens N
# eventfds (taking those numbers) and N more files; "pipe N" opens N pipes.
# It answers "done" and gives up after 120 s.
HOLDER = r"""
import ctypes, os, socket, sys, time
def eventfd():  # os.eventfd is Python 3.10's; Debian 11 has 3.9
    return os.eventfd(0) if hasattr(os, "eventfd") else ctypes.CDLL(None).eventfd(0, 0)
a, b = sys.argv[1], sys.argv[2]
held = [open(os.path.join(a if i % 3 else b, "f%d" % i), "w") for i in range(460)]
pairs = [socket.socketpair() for i in range(20)]
extra = []
sys.stdout.write("ready\n"); sys.stdout.flush()
end = time.time() + 120
for line in sys.stdin:
    if time.time() > end:
        break
    w = line.split()
    if w[0] == "open":
        held += [open(os.path.join(a, "o%d" % (len(held) + i)), "w") for i in range(int(w[1]))]
    elif w[0] == "swap":
        for f in held[:int(w[1])]:
            f.close()
        del held[:int(w[1])]
        extra += [eventfd() for i in range(int(w[1]))]
        held += [open(os.path.join(b, "s%d" % (len(held) + i)), "w") for i in range(int(w[1]))]
    sys.stdout.write("done\n"); sys.stdout.flush()
"""

tmp = tempfile.mkdtemp(prefix="fdwatch-links.")
dirs = [os.path.join(os.path.realpath(tmp), n) for n in ("a", "b")]
for d in dirs:
    os.mkdir(d)


def tell(p, what):
    p.stdin.write(what + "\n")
    p.stdin.flush()
    return p.stdout.readline().strip() == "done"


def groups(rec):
    key = lambda s: (s["proto"], s["direction"], str(s.get("remote")), str(s.get("local")), s["state"])
    return (rec["fds"], rec["types"], sorted(rec["sockets"], key=key),
            sorted((f["dir"], f["count"]) for f in rec["files"]))


def watch(holder, ticks, plan, env):
    """Samples holder every 0.25 s for ticks samples; plan(k) is what to tell
    it after sample k (or None). Returns the ticks and the last records."""
    drv = subprocess.Popen([BENCH, "-n", str(ticks), "-d", "0.25", "-p", str(holder.pid), "--json"],
                           stdout=subprocess.PIPE, text=True, env=env)
    out, recs = [], []
    for line in drv.stdout:
        if line.startswith("tick="):
            out.append(dict(kv.split("=", 1) for kv in line.split()))
            what = plan(len(out))
            if what and len(out) < ticks:
                tell(holder, what)
        elif line.startswith("{"):
            recs.append(json.loads(line))
    drv.wait(60)
    return out, recs


for label, extra in (("st_size", {}), ("getdents", {"FDWATCH_NO_STSIZE": "1"})):
    env = dict(os.environ, **extra)
    env.pop("FDWATCH_NO_NETLINK", None)
    h = subprocess.Popen([sys.executable, "-c", HOLDER] + dirs, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        equal(h.stdout.readline().strip(), "ready", label + ": the holder is ready")
        t, recs = watch(h, 12, lambda k: "open 10", env)
        equal(len(t), 12, label + ": twelve samples")
        equal([x["classified"] for x in t], ["1"] * 12, label + ": classified on every sample")
        check(int(t[0]["links_read"]) >= 500, label + ": the first sample reads every link", t[0])
        later = [(int(x["fds"]), int(x["links_read"]), int(x["links_reused"])) for x in t[1:]]
        # 10 new, 40 sockets, one slice of the rest (about fds / 8), slack
        # for the holder's own fds.
        check(all(r <= 10 + 40 + n // 8 + 20 for n, r, _ in later),
              label + ": a growing process reads about 10 + its sockets + fds/8 links, not all",
              later)
        check(all(r + u >= n - 2 for n, r, u in later), label + ": every fd is read or reused", later)
        eight = [sum(r for _, r, _ in later[i:i + 8]) for i in range(len(later) - 7)]
        check(all(s >= later[0][0] for s in eight),
              label + ": in any 8 samples every link is read at least once", eight)
        equal(len(recs), 1, label + ": one record")
        if recs:
            equal(groups(recs[0]), groups(report(h.pid, env=env)),
                  label + ": the groups equal a fresh full classification")

        # Numbers reused for another kind: right once their slice came round.
        t, recs = watch(h, 11, lambda k: "swap 20" if k == 1 else "open 2", env)
        if recs:
            fresh = report(h.pid, env=env)
            equal(groups(recs[0]), groups(fresh),
                  label + ": after 8 classifications reused numbers show their new kind")
            check(fresh["types"]["anon"] >= 20, label + ": the eventfds are there", fresh["types"])
    finally:
        h.kill()
        h.wait()
done()
