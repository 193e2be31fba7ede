#!/usr/bin/env python3
"""The reuse policy of watching commands, driven through bench/fdwatch-bench
(the sampler as log and top open it): a process whose fd count holds keeps
its classification until it is older than the reuse age, with the same
numbers a fresh sample gives; one whose count changes is classified again,
and only the socket tables its new sockets need are read again. Counting
works the same with FDWATCH_NO_STSIZE (listing fd/)."""

import json
import os
import subprocess

from fdtest import BUILDDIR, check, done, equal, report, start_helper, without_idle

BENCH = os.path.join(BUILDDIR, "..", "bench", "fdwatch-bench")


def watch(pid, ticks, interval, age, env=None):
    """Runs the driver on one pid; returns (per-tick counters, last records)."""
    r = subprocess.run([BENCH, "-n", str(ticks), "-d", str(interval), "-a", str(age),
                        "-p", str(pid), "--json"], capture_output=True, text=True,
                       env=env, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("fdwatch-bench failed: " + r.stderr)
    ticks_out, recs = [], []
    for line in r.stdout.splitlines():
        if line.startswith("tick="):
            ticks_out.append(dict(kv.split("=", 1) for kv in line.split()))
        elif line.startswith("{"):
            recs.append(json.loads(line))
    return ticks_out, recs


def same_numbers(rec, fresh, what):
    equal(rec["fds"], fresh["fds"], what + ": the same fd count as a fresh sample")
    equal(rec["types"], fresh["types"], what + ": the same types as a fresh sample")
    key = lambda s: (s["proto"], s["direction"], str(s.get("remote")), str(s.get("local")), s["state"])
    equal(sorted(without_idle(rec["sockets"]), key=key),
          sorted(without_idle(fresh["sockets"]), key=key),
          what + ": the same socket groups as a fresh sample")


steady = start_helper("--tcp", 2, "--tcp6", 1, "--udp", 1, "--unix", 1, "--file", 2, "--pipe", 1)

for label, extra in (("st_size", {}), ("getdents", {"FDWATCH_NO_STSIZE": "1"})):
    env = dict(os.environ, **extra)
    env.pop("FDWATCH_NO_NETLINK", None)
    t, recs = watch(steady.pid, 4, 0.2, 30, env)
    equal(len(t), 4, label + ": four samples")
    equal((t[0]["classified"], t[0]["reused"]), ("1", "0"), label + ": the first sample classifies")
    check(int(t[0]["tables_read"]) >= 1, label + ": and reads the socket tables")
    for k in (1, 2, 3):
        equal((t[k]["classified"], t[k]["reused"], t[k]["tables_read"]), ("0", "1", "0"),
              "%s: sample %d keeps the classification, reads no table" % (label, k + 1))
    equal(len(recs), 1, label + ": one record for the pid")
    same_numbers(recs[0], report(steady.pid, env=env), label + ": a kept classification")

# Without reuse (report's setting) every sample classifies afresh.
t, _ = watch(steady.pid, 3, 0.1, 0)
equal([x["classified"] for x in t], ["1", "1", "1"], "age 0: every sample classifies")
equal([x["reused"] for x in t], ["0", "0", "0"], "age 0: nothing is kept")

# A classification older than the age is renewed although the count holds.
t, _ = watch(steady.pid, 6, 0.5, 1.2)
check(t[1]["reused"] == "1", "age 1.2 s: the sample at 0.5 s keeps it", t[1])
check(any(x["classified"] == "1" for x in t[3:]), "age 1.2 s: a later sample renews it",
      [x["classified"] for x in t])

# A process that grows is classified on every sample; files need no table.
files = start_helper("--tcp", 1, "--leak", "file", "--rate", "25")
t, recs = watch(files.pid, 4, 0.25, 30)
equal([x["classified"] for x in t], ["1", "1", "1", "1"], "file leak: classified on every sample")
equal([x["tables_read"] for x in t[1:]], ["0", "0", "0"],
      "file leak: its sockets are all known, no socket table read again")
check(int(t[3]["fds"]) > int(t[0]["fds"]), "file leak: the count grows", t)
equal(recs[0]["types"]["socket"], report(files.pid)["types"]["socket"], "file leak: sockets still counted")

# New TCP sockets toward the endpoint it already uses: found with a TCP dump
# filtered by that port, no table read again (UDP and unix are known).
tcp = start_helper("--udp", 1, "--unix", 1, "--leak", "tcp", "--rate", "25")
t, recs = watch(tcp.pid, 4, 0.25, 30)
equal([x["classified"] for x in t[1:]], ["1", "1", "1"], "tcp leak: classified on every sample")
equal([(x["tables_read"], x["by_port"]) for x in t[1:]], [("0", "1")] * 3,
      "tcp leak: new sockets found by its ports, no whole table read")
fresh = report(tcp.pid)
cw = [s for s in recs[0]["sockets"] if s["state"] == "CLOSE_WAIT"]
check(len(cw) == 1 and cw[0]["direction"] == "out" and cw[0]["count"] >= 3,
      "tcp leak: the new CLOSE_WAIT clients are attributed", recs[0]["sockets"])
check(not any(s["proto"] == "other" for s in recs[0]["sockets"]), "tcp leak: none left unresolved")
equal(sum(s["count"] for s in recs[0]["sockets"]), recs[0]["types"]["socket"],
      "tcp leak: every socket is in a group")

# The same leak beside a TCP table too large to be dumped whole on every
# sample (a busy server's): its new sockets toward the endpoint it already
# uses are still looked up at once by that port, never left as "other".
big = start_helper("--tcp", 1100, "--nofile", 2400)
tcp2 = start_helper("--udp", 1, "--unix", 1, "--leak", "tcp", "--rate", "25")
t, recs = watch(tcp2.pid, 4, 0.25, 30)
equal([x["by_port"] for x in t[1:]], ["1"] * 3, "large table: new sockets found by its ports")
check(not any(s["proto"] == "other" for s in recs[0]["sockets"]),
      "large table: none left unresolved", recs[0]["sockets"])
cw = [s for s in recs[0]["sockets"] if s["state"] == "CLOSE_WAIT"]
check(len(cw) == 1 and cw[0]["count"] >= 3, "large table: the new CLOSE_WAIT clients are attributed",
      recs[0]["sockets"])
big.stop()

done()
