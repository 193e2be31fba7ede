#!/usr/bin/env python3
"""The detector's score on the labelled corpus (tests/corpus.py) must not fall
below what it reaches: every leak caught, no false alarm (also on the real
nginx keep-alive fill and warm-up ramps, at 0.25, 1 and 5 s), a median lead
of at least 67% of a leak's life and, on each trace at the interval it was
made at, no lead under 64% (as printed; a leak of 6 s, at least half). Leaks that a garbage collector
partly resets stay alerting from their first raise to the limit, and a
process that stays at its limit stays critical. Attribution is checked on
the trace that carries socket groups under a sawtooth."""

import json
import os
import subprocess
import sys
import tempfile

from fdtest import FDWATCH, SRCDIR, check, done, equal

MEDIAN_LEAD = 0.665  # 67% as printed
MIN_LEAD = 0.635  # 64% as printed

with tempfile.TemporaryDirectory() as d:
    p = subprocess.run([sys.executable, os.path.join(SRCDIR, "corpus.py"), "score", FDWATCH, d,
                        "--json", "--no-baseline"], capture_output=True, text=True, timeout=900)
    if not check(p.returncode == 0, "the scorer ran", p.stderr):
        done()
    res = json.loads(p.stdout)
    labels = json.load(open(os.path.join(d, "labels.json")))

s = res["fdwatch"]
check(s["leaks"] >= 17, "the corpus holds at least 17 leaks", s)
equal(s["missed"], [], "every leak is caught")
equal(s["false_alarm_traces"], [], "no false alarm on any trace")
check(s["median_lead"] >= MEDIAN_LEAD, "median lead %.3f >= %.3f" % (s["median_lead"], MEDIAN_LEAD))
own = [r for r in res["traces"] if r["kind"] == "leak" and not labels[r["name"]].get("hold") and
       not (labels[r["name"]].get("recorded") and labels[r["name"]]["interval"] > 0.25)]
low = min(own, key=lambda r: r["fdwatch"]["lead"])
check(low["fdwatch"]["lead"] >= MIN_LEAD, "lowest lead at the recorded intervals %.3f >= %.3f (%s)"
      % (low["fdwatch"]["lead"], MIN_LEAD, low["name"]))
# 40 fds/s toward 256: a life of 6 s, of which a first verdict needs 12
# samples (3 s at 0.25 s).
hold = [r for r in res["traces"] if r["name"] == "at-limit"][0]["fdwatch"]
check(hold["lead"] >= 0.5, "a 6 s leak at 0.25 s gets a lead of at least half its life (%.2f)"
      % hold["lead"])
equal(s["dropped_traces"], [], "no ok between the resets of a leak, nor while at the limit")
steady = [r["name"] for r in res["traces"] if r["kind"] == "steady"]
check(len(steady) >= 18, "the corpus holds at least 18 steady traces", steady)
for name in ("nginx-keepalive", "nginx-keepalive-5s", "warm-up", "warm-up-1s", "warm-up-5s",
             "gc-floor", "gc-refill", "at-limit"):
    check(name in labels, "the corpus holds the real trace " + name)
saw = [r for r in res["traces"] if r["name"] == "under-sawtooth"][0]["fdwatch"]
equal(saw["source"], {"type": "socket", "proto": "tcp", "direction": "out",
                      "remote": "10.0.0.9:443", "state": "CLOSE_WAIT"},
      "the leak under a pool's sawtooth is attributed to the leaking endpoint")
done()
