#!/usr/bin/env python3
"""Bad input. Damaged traces given to replay (bad JSON, missing fields,
time going backwards, huge numbers, binary junk) are skipped with a
file:line message and never crash; /proc content that does not parse
(truncated, overlong, garbage, empty) in a fixture tree read through --proc
is skipped and counted while everything around it is still read."""

import json
import os
import random
import re
import tempfile

from fdtest import check, done, equal, fdwatch, json_lines

tmp = tempfile.mkdtemp(prefix="fdwatch-badinput-")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def leak(pid=42, start=100, n=80, t0=1764000000.0):
    """A leak towards the limit, one record every 10 s."""
    return [json.dumps({"time": t0 + i * 10, "pid": pid, "start": start, "comm": "leaker",
                        "fds": 100 + i * 10, "limit": 1024}) for i in range(n)]


def alerts(out):
    return [(e["level"], e["pid"], e["start"], e["time"]) for e in json_lines(out)]


# --- damaged traces -------------------------------------------------------------------
good = leak()
path = os.path.join(tmp, "good.jsonl")
write(path, "\n".join(good) + "\n")
ref = fdwatch("replay", "--format", "json", path)
equal((ref.returncode, ref.stderr), (0, ""), "replay of a clean leak: exit 0, quiet")
ref_alerts = alerts(ref.stdout)
check(any(a[0] in ("warning", "critical") for a in ref_alerts), "and it alerts", ref.stdout)

DAMAGE = [
    '{"time": 1764000005, "pid": 42, "fds": ',                     # truncated JSON
    'this is not JSON',                                            # not JSON at all
    '[1, 2, 3]',                                                   # not an object
    '{"pid": 42, "fds": 3}',                                       # no time
    '{"time": "yesterday", "pid": 42, "fds": 3}',                  # time not a number
    '{"time": 1764000006, "fds": 3}',                              # no pid
    '{"time": 1764000006, "pid": -7, "fds": 3}',                   # bad pid
    '{"time": 1764000006, "pid": 99999999999, "fds": 3}',          # pid out of range
    '{"time": 1764000006, "pid": 42}',                             # no fds
    '{"time": 1764000006, "pid": 42, "fds": -3}',                  # negative fds
    '{"time": 1764000006, "pid": 42, "fds": 1e400}',               # a number too big for a double
    '{"time": 1764000006, "pid": 42, "fds": 3.5e30}',              # fds not a count
    '{"time": 1e999, "pid": 42, "fds": 3}',                        # time infinite
    '\x00\x01\x02\xff\xfe binary junk',
]
damaged = []
for i, line in enumerate(good):
    damaged.append(line)
    if i % 5 == 2 and DAMAGE:
        damaged.append(DAMAGE.pop(0))
damaged_lines = [n + 1 for n, l in enumerate(damaged) if l not in good]
path = os.path.join(tmp, "damaged.jsonl")
write(path, "\n".join(damaged).encode("utf-8", "surrogateescape") + b"\n")
r = fdwatch("replay", "--format", "json", path)
equal(r.returncode, 0, "replay with damaged lines among good ones exits 0")
named = sorted(int(m) for m in re.findall(re.escape(path) + r":(\d+): ", r.stderr))
want = damaged_lines[:10]
equal(named[:10], want, "each damaged line is named as file:line (the first ten at least)")
check(len(named) == len(damaged_lines) or re.search(r"\b%d damaged\b" % len(damaged_lines), r.stderr),
      "and every damaged line is accounted for (%d)" % len(damaged_lines), r.stderr)
equal(alerts(r.stdout), ref_alerts, "the good records give the same alerts as the clean trace")

# Huge but well-formed numbers: accepted or named, never a crash.
huge = [json.dumps({"time": 1764000000 + i, "pid": 2147483647, "start": 18446744073709551615,
                    "fds": 9223372036854775807 - i, "limit": 9223372036854775807}) for i in range(30)]
huge += [json.dumps({"time": 1e300, "pid": 1, "fds": 1}), json.dumps({"time": -1e300, "pid": 1, "fds": 2})]
path = os.path.join(tmp, "huge.jsonl")
write(path, "\n".join(huge) + "\n")
r = fdwatch("replay", "--format", "json", path)
check(r.returncode in (0, 1) and "Sanitizer" not in r.stderr and "core dumped" not in r.stderr,
      "huge numbers: no crash (exit %d)" % r.returncode, r.stderr)
json_lines(r.stdout)  # raises if the output is not JSON Lines
bad = [l for l in r.stderr.splitlines() if not re.match(r"fdwatch: %s:\d+: |fdwatch: " % re.escape(path), l)]
equal(bad, [], "every message names the file (and line)")
r = fdwatch("replay", path)
check(r.returncode in (0, 1), "huge numbers, text output: no crash (exit %d)" % r.returncode, r.stderr)

# Time going backwards: the same records shuffled give the same alerts.
shuffled = list(good)
random.Random(7).shuffle(shuffled)
path = os.path.join(tmp, "shuffled.jsonl")
write(path, "\n".join(shuffled) + "\n")
r = fdwatch("replay", "--format", "json", path)
equal((r.returncode, r.stderr), (0, ""), "replay of records out of time order: exit 0, quiet")
equal(alerts(r.stdout), ref_alerts, "they are replayed in time order: the same alerts")
# Split over two files given in reverse order.
a, b = os.path.join(tmp, "a.jsonl"), os.path.join(tmp, "b.jsonl")
write(a, "\n".join(good[:40]) + "\n")
write(b, "\n".join(good[40:]) + "\n")
r = fdwatch("replay", "--format", "json", b, a)
equal(alerts(r.stdout), ref_alerts, "two files in reverse order: the same alerts")

# Nothing usable at all, an empty file, a directory, a file that is missing.
path = os.path.join(tmp, "junk.jsonl")
write(path, b"\xff\xfe\x00garbage\n{\n}\n" * 5)
r = fdwatch("replay", path)
equal(r.returncode, 1, "a trace with no usable record exits 1")
check("no usable record" in r.stderr, "and says so", r.stderr)
path = os.path.join(tmp, "empty.jsonl")
write(path, b"")
r = fdwatch("replay", path)
equal((r.returncode, r.stdout), (0, ""), "an empty trace: exit 0, no alert")
for p in (os.path.join(tmp, "missing.jsonl"), tmp):
    r = fdwatch("replay", p)
    check(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and p in r.stderr,
          "replay of %s: one line naming it (exit %d)" % ("a missing file" if "missing" in p
                                                          else "a directory", r.returncode), r.stderr)

# --- absurd numbers on the command line: usage errors (exit 2, check 3) ----------------
for args, name in ((["report", "-n", "99999999999999999999"], "--iterations"),
                   (["report", "-d", "1e400"], "--interval"),
                   (["report", "-d", "nan"], "--interval"),
                   (["report", "--duration", "nan"], "--duration"),
                   (["report", "--duration", "-inf"], "--duration"),
                   (["report", "-p", "0"], "--pid"),
                   (["report", "-p", "99999999999"], "--pid"),
                   (["report", "-p", "1,,2"], "--pid"),
                   (["log", "-d", "0"], "--interval"),
                   (["log", "--warn-eta", "nan"], "--warn-eta"),
                   (["check", "-d", "1e999"], None),
                   (["replay", "--crit-eta", "-5", "/dev/null"], "--crit-eta")):
    r = fdwatch(*args)
    want = 3 if args[0] == "check" else 2
    check(r.returncode == want and len(r.stderr.splitlines()) == 1 and
          (name is None or name in r.stderr),
          "%s: a usage error (exit %d), one line%s" % (" ".join(args), want,
                                                       " naming " + name if name else ""),
          (r.returncode, r.stderr))

# --- /proc content that does not parse ------------------------------------------------
HDR = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
       "timeout inode\n")
GOOD_TCP = ("   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
            "5001 1 0000000000000000 100 0 0 10 0\n")
LIMITS = ("Limit                     Soft Limit           Hard Limit           Units     \n"
          "Max open files            1024                 1024                 files     \n")


def stat(pid, comm, start=1000, state="S"):
    return "%d (%s) %s 1 %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 100 0 0\n" % (
        pid, comm, state, pid, pid, start)


def proc(root, pid, stat_text, limits=LIMITS, fds=None, net=None, status=None):
    d = os.path.join(root, str(pid))
    write(d + "/stat", stat_text)
    write(d + "/status", status if status is not None else "Name:\tx\nUid:\t0\t0\t0\t0\n")
    if limits is not None:
        write(d + "/limits", limits)
    os.makedirs(d + "/ns", exist_ok=True)
    os.symlink("net:[4026531993]", d + "/ns/net")
    os.makedirs(d + "/fd", exist_ok=True)
    for fd, target in (fds or {}).items():
        os.symlink(target, d + "/fd/%d" % fd)
    for name, text in (net or {}).items():
        write(d + "/net/" + name, text)


root = os.path.join(tmp, "proc")
tcp = HDR + GOOD_TCP
tcp += "   1: garbage\n"                                             # garbage line
tcp += "   2: 0100007F:1F90 0100007F:C3"                             # truncated line
tcp += "\n   3: " + "0" * 200000 + "\n"                              # overlong line
tcp += "\x01\x02\x7f\xff binary\n"                                   # binary junk
tcp += "   4: 0100007F:1F90 0100007F:C351 FF 00000000:00000000 00:00000000 00000000 0 0 5002 1\n"  # bad state
tcp += "   5: 0100007F:1F9G 0100007F:C351 01 00000000:00000000 00:00000000 00000000 0 0 5003 1\n"  # bad hex
bad_tcp_lines = 6
unix = ("Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 6001 /run/ok.sock\n"
        "0000000000000000: zz\n"
        "0000000000000000: 00000002 00000000 00010000 0001 09 6002 /run/badstate.sock\n")
bad_unix_lines = 2
net = {"tcp": tcp, "tcp6": HDR, "udp": HDR + "junk\n", "udp6": "", "unix": unix}
bad_udp_lines = 1
proc(root, 100, stat(100, "good"), fds={0: "/dev/null", 1: "socket:[5001]", 2: "socket:[6001]",
                                        3: "socket:[5002]", 4: "weird:target", 5: "socket:[notanumber]"},
     net=net)
proc(root, 101, "101 (truncated) S 1 10")                             # truncated stat
proc(root, 102, "")                                                  # empty stat
proc(root, 103, "x" * 100000)                                        # overlong garbage stat
proc(root, 104, stat(104, "nolimits"), limits="Max open files  lots  lots  files\n",
     fds={0: "/dev/null"})                                           # limits that do not parse
proc(root, 105, stat(105, "nouid"), status="Name:\tx\n", fds={0: "/dev/null"})  # status without Uid
proc(root, 106, stat(106, "a) b (c"), fds={0: "/dev/null"})           # parentheses in comm
write(os.path.join(root, "107"), "a file where a directory belongs\n")
os.makedirs(os.path.join(root, "108"))                               # an empty pid directory
r = fdwatch("report", "--proc", root, "--format", "json")
equal(r.returncode, 0, "a fixture tree full of damage: report exits 0")
equal(r.stderr, "", "nothing on stderr")
recs = {x["pid"]: x for x in json_lines(r.stdout)}
check(100 in recs and 104 in recs and 105 in recs and 106 in recs,
      "the processes that can be read are reported", sorted(recs))
equal(sorted(p for p in recs if p in (101, 102, 103, 107, 108)), [],
      "processes whose stat does not parse are skipped, not made up")
if 100 in recs:
    g = recs[100]
    equal(g["fds"], 6, "the damaged process's fds are all counted")
    equal(sorted((s["proto"], s["direction"], s.get("local") or s.get("remote")) for s in g["sockets"]
                 if s["proto"] != "socket-other"),
          [("tcp", "listen", "127.0.0.1:8080"), ("unix", "listen", "/run/ok.sock")],
          "the good table rows are used, the damaged ones are not")
if 104 in recs:
    equal(recs[104]["limit"], None, "a limit that does not parse is unknown (null), not 0")
if 106 in recs:
    equal(recs[106]["comm"], "a) b (c", "a name with parentheses is read whole")
r = fdwatch("report", "--proc", root, "--color", "never")
equal(r.returncode, 0, "the text report of the damaged tree exits 0")
m = re.search(r"(\d+) lines of /proc did not parse", r.stdout)
want_min = bad_tcp_lines + bad_unix_lines + bad_udp_lines + 3 + 1
check(m and int(m.group(1)) >= want_min,
      "damaged lines are counted (at least %d)" % want_min, r.stdout[:400])
for cmd in (["record", "-n", 2, "-d", 0.05], ["log", "-n", 3, "-d", 0.05], ["metrics"]):
    r = fdwatch(*(cmd[:1] + ["--proc", root] + cmd[1:]))
    equal((r.returncode, r.stderr), (0, ""), "%s on the damaged tree: exit 0, quiet" % cmd[0])
done()
