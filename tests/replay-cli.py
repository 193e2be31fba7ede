#!/usr/bin/env python3
"""`fdwatch replay` on hand-made recordings: minimal records, several files
merged in time order, damaged lines named by file and line, a process whose
records stop, unreadable files; and `record`'s own output."""

import json
import os
import subprocess
import tempfile

from fdtest import FDWATCH, check, done, equal, fdwatch, json_lines, start_helper

tmp = tempfile.mkdtemp(prefix="fdwatch-replay.")
T0 = 1764000000.0


def write(name, recs, extra_lines=()):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
        for l in extra_lines:
            f.write(l)
    return path


def leak(pid, n, every=1.0, rate=2.0, limit=512, t0=T0, minimal=False):
    out = []
    for i in range(n):
        r = {"time": t0 + i * every, "pid": pid, "fds": int(20 + rate * i * every)}
        if not minimal:
            r.update({"start": 99, "comm": "leaker", "limit": limit})
        else:
            r["limit"] = limit
        out.append(r)
    return out


# Minimal records (time, pid, fds, and the limit) are enough to alert.
p = write("minimal.jsonl", [{k: r[k] for k in ("time", "pid", "fds", "limit")}
                            for r in leak(7, 120, minimal=True)])
r = fdwatch("replay", "--format", "json", p)
equal(r.returncode, 0, "replay of minimal records exits 0")
al = json_lines(r.stdout)
check(any(a["level"] in ("warning", "critical") for a in al), "minimal records raise the leak", r.stdout)
if al:
    equal(al[0]["pid"], 7, "the alert names the pid")
    check(al[0]["time"] >= T0 and al[0]["time"] < T0 + 120, "at a record's time")
    equal(al[0]["source"], None, "no source without types or sockets")

# The thresholds: the same leak (about 250 s from the limit when it is
# seen) is only a warning with --crit-eta 10, and nothing with --warn-eta 20.
r = fdwatch("replay", "--format", "json", "--crit-eta", 10, p)
equal({a["level"] for a in json_lines(r.stdout) if a["level"] != "ok"}, {"warning"},
      "--crit-eta 10 leaves a warning")
r = fdwatch("replay", "--format", "json", "--warn-eta", 20, "--crit-eta", 10, p)
equal(json_lines(r.stdout), [], "--warn-eta 20 raises nothing that far from the limit")
r = fdwatch("replay", "--warn-eta", 10, "--crit-eta", 20, p)
equal(r.returncode, 2, "a critical horizon beyond the warning one is a usage error")

# Only time, pid and fds: accepted; without a limit there is no eta to alert on.
p = write("bare.jsonl", [{"time": T0 + i, "pid": 8, "fds": 10 + 2 * i} for i in range(100)])
r = fdwatch("replay", "--format", "json", p)
equal((r.returncode, r.stdout, r.stderr), (0, "", ""), "records of only time, pid and fds are accepted")

# Two files, interleaved in time, replay in time order; a process whose
# records stop is gone at the next sample.
a = leak(11, 150, every=1.0)
b = [{"time": T0 + i + 0.5, "pid": 12, "start": 5, "comm": "steady", "fds": 40, "limit": 512}
     for i in range(200)]
pa, pb = write("a.jsonl", a), write("b.jsonl", list(reversed(b)))
r = fdwatch("replay", "--format", "json", pb, pa)
equal(r.returncode, 0, "replay of two files exits 0")
al = json_lines(r.stdout)
times = [x["time"] for x in al]
equal(times, sorted(times), "events come out in time order")
equal(sorted({x["pid"] for x in al}), [11], "only the leaking process alerts")
if al:
    equal(al[-1]["level"], "ok", "the leaker ends with ok")
    check("exited" in al[-1]["message"], "because its records stopped", al[-1]["message"])
    equal(al[-1]["time"], T0 + 149.5, "at the first sample without it")

# Damaged lines are named by file and line and skipped; the rest counts.
recs = leak(13, 120)
lines = [json.dumps(x) + "\n" for x in recs]
lines[3] = '{"time": 17640\n'
lines[5] = '{"time": "soon", "pid": 13, "fds": 1}\n'
lines[7] = '[1, 2, 3]\n'
p = os.path.join(tmp, "damaged.jsonl")
with open(p, "w") as f:
    f.writelines(lines)
    f.write('{"time": 1764000999, "pid": 13, "fds"')   # a torn last line
r = fdwatch("replay", "--format", "json", p)
equal(r.returncode, 0, "replay with damaged lines still exits 0")
errs = r.stderr.splitlines()
for n in (4, 6, 8, 121):
    check(any(("%s:%d:" % (p, n)) in e for e in errs), "line %d is named" % n, r.stderr)
equal(len(errs), 4, "one message per damaged line")
check(any(x["level"] != "ok" for x in json_lines(r.stdout)), "the good records still raise the leak")

# Unreadable input: a usage error naming the file, exit 2.
r = fdwatch("replay", os.path.join(tmp, "missing.jsonl"))
equal(r.returncode, 2, "a missing file exits 2")
check("missing.jsonl" in r.stderr and len(r.stderr.splitlines()) == 1, "one line naming it", r.stderr)
r = fdwatch("replay")
equal(r.returncode, 2, "replay without a file exits 2")

# Nothing usable at all is a failure.
p = write("junk.jsonl", [], ["not json\n", "{}\n"])
r = fdwatch("replay", p)
equal(r.returncode, 1, "a file without one usable record exits 1")

# record: one sample record per process per sample, -o written whole.
h = start_helper("--tcp", 3, "--file", 2, "--name", "rec-target")
p = os.path.join(tmp, "rec.jsonl")
r = fdwatch("record", "-p", h.pid, "-n", 3, "-d", 0.1, "-o", p)
equal(r.returncode, 0, "record -n 3 exits 0")
recs = json_lines(open(p).read())
equal(len(recs), 3, "three samples of one process")
equal({x["pid"] for x in recs}, {h.pid}, "of the chosen pid")
check(all(x["comm"] == "rec-target" and x["fds"] >= 5 and "sockets" in x for x in recs),
      "full sample records", recs[:1])
r = fdwatch("record", "-p", h.pid, "-n", 1, "-o", os.path.join(tmp, "no", "such", "dir", "x"))
equal(r.returncode, 1, "record to an unwritable path exits 1")
check("cannot write" in r.stderr, "and says why", r.stderr)
r = fdwatch("record", "-p", h.pid, "-n", 2, "-d", 0.1)
equal(len(json_lines(r.stdout)), 2, "record without -o writes to stdout")
h.stop()
# Traces of two boots: the same (pid, start) after a reboot is another
# process, so the leak of the first boot ends at the second's first sample.
def header(boot):
    return {"fdwatch": "0.1.0", "host": "h", "boot_id": boot, "hz": 100, "interval": 1.0,
            "start_time": T0}
b1 = [header("boot-one")] + leak(11, 150)
T1 = T0 + 5000
b2 = [header("boot-two")] + [{"time": T1 + i, "pid": 11, "start": 99, "comm": "leaker",
                              "fds": 20, "limit": 512} for i in range(30)]
r = fdwatch("replay", "--format", "json", write("boot1.jsonl", b1), write("boot2.jsonl", b2))
al = json_lines(r.stdout)
oks = [a for a in al if a["level"] == "ok"]
check(any(a["level"] != "ok" for a in al) and oks and oks[0]["time"] == T1 and
      "exited" in oks[0]["message"],
      "at the second boot's first sample the first boot's process is gone", r.stdout)

done()
