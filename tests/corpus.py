#!/usr/bin/env python3
"""The detection corpus: labelled fd-count traces and their scorer.

    corpus.py generate DIR          write every trace (JSON Lines sample
                                    records) and DIR/labels.json
    corpus.py score FDWATCH [DIR]   replay each trace through FDWATCH, score
                                    it and the usual Prometheus rule pair,
                                    print a table; --json for the figures,
                                    --no-baseline to skip the Prometheus rule,
                                    --thin S to thin every trace to S seconds
                                    (as if watched at that interval)
    corpus.py bench FDWATCH         time the replay of a day of 1 s samples

Leaks of several rates and shapes (noisy, under a sawtooth, starting late, a
staircase, seconds-fast toward a low limit, days-slow at a 60 s interval) and
steady shapes (noise, warm-up ramp, sawtooth, saturating fill, step, bursts,
slow wave, decline). A leak trace ends when the process reaches its limit.

Scoring: a leak is caught when an alert (warning or critical) fires between
the leak's start and the exhaustion of the limit; an alert at any other time
of a trace (before the leak starts, or anywhere in a steady trace) is a false
alarm. The lead is the time from the first alert to exhaustion as a fraction
of the leak's life (from its start to exhaustion).

The Prometheus baseline evaluates, every 15 s over samples scraped every 15 s
(or at the trace's interval when that is longer),
    warning:  predict_linear(fd_utilization[1h], 4h) > 1 for 10m
    critical: predict_linear(fd_utilization[10m], 1h) > 1 for 10m
with fd_utilization = fds / limit, as Prometheus does: a least-squares line
over the samples in the range, extrapolated from the evaluation time."""

import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

T0 = 1764000000.0


def noise(r, amp):
    return r.uniform(-amp, amp)


class Trace:
    def __init__(self, name, kind, interval, limit, duration, fn, leak_start=None, seed=1,
                 sockets=None, what=""):
        self.name, self.kind, self.interval, self.limit = name, kind, interval, limit
        self.duration, self.fn, self.leak_start, self.seed = duration, fn, leak_start, seed
        self.sockets, self.what = sockets, what

    def samples(self):
        """(t, fds, extra) until the duration or the limit."""
        r = random.Random(self.seed)
        n = int(round(self.duration / self.interval))
        for i in range(n + 1):
            t = i * self.interval
            v = int(max(0, math.floor(self.fn(t, r))))
            if v >= self.limit:
                yield t, self.limit, None
                return
            extra = self.sockets(t, v) if self.sockets else None
            yield t, v, extra


def poisson_count(rate, t, r, cache):
    """A counting process of the given mean rate (arrivals at random)."""
    # cache: [time of the next arrival (None before the first), count]
    if cache[0] is None:
        cache[0] = r.expovariate(rate)
    while cache[0] <= t:
        cache[1] += 1
        cache[0] += r.expovariate(rate)
    return cache[1]


def traces():
    """The labelled corpus."""
    out = []

    def leak(name, interval, limit, duration_cap, fn, start, seed, what, sockets=None):
        out.append(Trace(name, "leak", interval, limit, duration_cap, fn, start, seed, sockets, what))

    def steady(name, interval, limit, duration, fn, seed, what):
        out.append(Trace(name, "steady", interval, limit, duration, fn, None, seed, None, what))

    # ---- leaks ----
    leak("fast-low-limit", 0.25, 64, 600,
         lambda t, r: 12 + (0 if t < 5 else 4 * (t - 5)) + noise(r, 1), 5, 11,
         "seconds-fast: 4 fds/s toward a limit of 64, at 0.25 s")
    leak("fast", 0.25, 1024, 600,
         lambda t, r: 50 + (0 if t < 10 else 20 * (t - 10)) + noise(r, 2), 10, 12,
         "20 fds/s toward 1024, at 0.25 s")
    leak("noisy", 1, 1024, 20000,
         lambda t, r: 200 + (0 if t < 300 else 0.5 * (t - 300)) + r.uniform(0, 30), 300, 13,
         "0.5 fds/s under noise of 30 fds, at 1 s")

    c1 = [None, 0]
    leak("poisson-busy", 1, 1024, 20000,
         lambda t, r: 150 + noise(r, 10) + (0 if t < 120 else poisson_count(1.0, t - 120, r, c1)),
         120, 14, "1 fd/s at random instants in a busy server (churn of 10), at 1 s")

    def saw_leak(t, r):
        return 50 + 100 + 200 * ((t % 600) / 600) + (0 if t < 3600 else 0.2 * (t - 3600))

    def saw_socks(t, v):
        leaked = 0 if t < 3600 else int(0.2 * (t - 3600))
        pool = max(0, v - 50 - leaked)
        s = [{"proto": "tcp", "direction": "out", "remote": "10.0.0.5:5432",
              "state": "ESTABLISHED", "count": pool}]
        if leaked:
            s.append({"proto": "tcp", "direction": "out", "remote": "10.0.0.9:443",
                      "state": "CLOSE_WAIT", "count": leaked})
        return {"types": {"file": 50, "socket": pool + leaked, "pipe": 0, "anon": 0, "other": 0},
                "sockets": s}
    leak("under-sawtooth", 5, 4096, 200000, saw_leak, 3600, 15,
         "0.2 fds/s under a pool's sawtooth of 200, at 5 s", saw_socks)
    leak("late-start", 10, 1024, 200000,
         lambda t, r: 100 + noise(r, 5) + (0 if t < 6 * 3600 else 0.05 * (t - 6 * 3600)),
         6 * 3600, 16, "0.05 fds/s after 6 quiet hours, at 10 s")
    leak("staircase", 15, 2048, 400000,
         lambda t, r: 100 + noise(r, 3) + (0 if t < 3600 else 40 * math.floor((t - 3600) / 1200 + 1)),
         3600, 17, "40 fds at once every 20 min, at 15 s")
    c2 = [None, 0]
    leak("medium-poisson", 2, 1024, 200000,
         lambda t, r: 100 + noise(r, 4) + poisson_count(0.1, t, r, c2), 0, 18,
         "0.1 fd/s at random instants from the start, at 2 s")
    leak("slow-cron", 60, 1024, 30 * 86400,
         lambda t, r: 100 + noise(r, 3) + (0 if t < 43200 else (t - 43200) / 480),
         43200, 19, "1 fd per 8 min after 12 h (3.2 days to the limit), at 60 s")
    leak("days-slow", 60, 4096, 30 * 86400,
         lambda t, r: 300 + 40 * math.sin(2 * math.pi * t / 86400) + noise(r, 5) + t / 120,
         0, 20, "1 fd per 2 min under a daily wave of 40 (5.4 days), at 60 s")

    leak("after-step", 10, 2048, 400000,
         lambda t, r: 100 + noise(r, 4) + (250 if t >= 3600 else 0) +
         (0 if t < 7200 else 0.05 * (t - 7200)), 7200, 21,
         "a step of 250, then 0.05 fds/s an hour later, at 10 s")

    # ---- steady ----
    steady("noise", 1, 1024, 7200, lambda t, r: 300 + noise(r, 40), 31,
           "300 fds with noise of 40, at 1 s")
    steady("warm-up-ramp", 1, 1024, 7200,
           lambda t, r: (20 + 230 * t / 600 if t < 600 else 250) + noise(r, 5), 32,
           "a ramp from 20 to 250 over 10 min, then holding, at 1 s")
    steady("sawtooth", 5, 1024, 12 * 3600, lambda t, r: 100 + 200 * ((t % 900) / 900) + noise(r, 2), 33,
           "a pool filling to 300 and dropping to 100 every 15 min, at 5 s")
    steady("saturating-fill", 10, 1024, 24 * 3600,
           lambda t, r: 50 + 450 * (1 - math.exp(-t / 7200)) + noise(r, 3), 34,
           "a slow fill toward 500 (time constant 2 h), at 10 s")
    steady("step", 5, 1024, 8 * 3600, lambda t, r: (100 if t < 7200 else 350) + noise(r, 3), 35,
           "a step from 100 to 350, at 5 s")
    steady("two-steps", 5, 1024, 8 * 3600,
           lambda t, r: 100 + (100 if t > 3600 else 0) + (100 if t > 4200 else 0) + noise(r, 3), 36,
           "warm-up in two steps of 100, 10 min apart, at 5 s")

    def bursts(t, r):
        ph = t % 1800
        b = 0 if ph < 600 else 300 * min(1, (ph - 600) / 30) if ph < 690 else 0
        return 100 + b + noise(r, 5)
    steady("bursts", 5, 1024, 12 * 3600, bursts, 37,
           "bursts of 300 for 90 s every 30 min, released, at 5 s")
    steady("slow-wave", 60, 1024, 4 * 86400,
           lambda t, r: 400 + 150 * math.sin(2 * math.pi * t / 86400) + noise(r, 5), 38,
           "a daily wave between 250 and 550, at 60 s")
    steady("decline", 10, 1024, 6 * 3600, lambda t, r: 800 - 600 * t / 21600 + noise(r, 5), 39,
           "a decline from 800 to 200, at 10 s")
    steady("fast-churn", 0.25, 1024, 600, lambda t, r: 100 + noise(r, 20), 40,
           "a pool of 100 with churn of 20, at 0.25 s")
    steady("cron-noise", 60, 1024, 3 * 86400, lambda t, r: 500 + noise(r, 25), 41,
           "500 fds with noise of 25, at 60 s")
    steady("fast-sawtooth", 0.25, 1024, 900, lambda t, r: 50 + 100 * ((t % 10) / 10) + noise(r, 2), 42,
           "a pool filling from 50 to 150 and dropping every 10 s, at 0.25 s")
    steady("restart-ramps", 1, 1024, 4 * 3600,
           lambda t, r: 30 + 120 * min(1, (t % 3600) / 120) + noise(r, 3), 43,
           "a worker recycled hourly, each time ramping to 150 in 2 min, at 1 s")
    return out


# Real runs recorded by tests/corpus-record.py (at 0.25 s, trimmed), each
# also thinned to the coarser intervals listed. A leak's life runs from its
# first record to the first that reaches the limit; "stay": once raised,
# the alert must stay up until then (no ok between resets); "hold": the
# process stays at its limit after that and must stay critical.
RECORDED = [
    ("nginx-keepalive", "steady", (1, 5),
     "nginx, keepalive_timeout 65, 5 new idle clients/s: a plateau of ~330/1024 (real)", {}),
    ("warm-up", "steady", (1, 5),
     "a warm-up ramp from 10 to 300 fds in 90 s, then holding (real)", {}),
    ("gc-floor", "leak", (1,),
     "20 fds/s leaked, 80 closed every 5 s: a sawtooth with a rising floor (real)",
     {"stay": True}),
    ("gc-refill", "leak", (1,),
     "10 fds/s toward 512, 250 closed every 30 s: refills toward the limit (real)",
     {"stay": True}),
    ("at-limit", "leak", (1,),
     "fills 256 fds, then stays at its limit failing every open (real)",
     {"hold": True}),
]
RECORDED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def thin(recs, every):
    """Keeps the records at least every seconds apart (a coarser interval)."""
    out, next_t = [], None
    for r in recs:
        if next_t is None or r["time"] >= next_t - 1e-6:
            out.append(r)
            next_t = r["time"] + every
    return out


def recorded(i0):
    """(name, label, records) of every recorded trace and its thinnings."""
    out = []
    for j, (name, kind, thins, what, flags) in enumerate(RECORDED):
        path = os.path.join(RECORDED_DIR, name + ".jsonl")
        recs = read_trace(path)
        t0 = recs[0]["time"]
        for every in (None,) + tuple(thins):
            rs = recs if every is None else thin(recs, every)
            nm = name if every is None else "%s-%gs" % (name, every)
            k = i0 + len(out)
            rebased = []
            for r in rs:
                r = dict(r, time=round(T0 + r["time"] - t0, 3), pid=1000 + k, start=5000 + k)
                rebased.append(r)
            lab = {"kind": kind, "interval": every or 0.25, "limit": rs[0]["limit"],
                   "what": what + ("" if every is None else ", thinned to %g s" % every),
                   "end": rebased[-1]["time"], "recorded": True}
            lab.update(flags)
            if kind == "leak":
                full = [r["time"] for r in rebased if r["fds"] >= r["limit"]]
                lab["leak_start"] = rebased[0]["time"]
                lab["exhaust"] = full[0] if full else rebased[-1]["time"]
                if not flags.get("hold"):
                    rebased = [r for r in rebased if r["time"] <= lab["exhaust"]]
                    lab["end"] = rebased[-1]["time"]
            out.append((nm, lab, rebased))
    return out


def generate(d, every=None):
    """Writes the corpus to d; with every, each trace thinned to that
    interval (those recorded more coarsely are kept as they are)."""
    os.makedirs(d, exist_ok=True)
    labels = {}
    nsynth = 0
    for i, tr in enumerate(traces()):
        path = os.path.join(d, tr.name + ".jsonl")
        last = 0
        with open(path, "w") as f:
            for t, v, extra in tr.samples():
                rec = {"time": round(T0 + t, 3), "pid": 1000 + i, "start": 5000 + i,
                       "comm": tr.name[:15], "fds": v, "limit": tr.limit}
                if extra:
                    rec.update(extra)
                f.write(json.dumps(rec) + "\n")
                last = t
        lab = {"kind": tr.kind, "interval": tr.interval, "limit": tr.limit, "what": tr.what,
               "end": T0 + last}
        if tr.kind == "leak":
            lab["leak_start"] = T0 + tr.leak_start
            lab["exhaust"] = T0 + last
        labels[tr.name] = lab
        nsynth = i + 1
    for name, lab, recs in recorded(nsynth):
        if every is not None and name != [r[0] for r in RECORDED if name.startswith(r[0])][0]:
            continue  # thinning the recorded trace itself stands for these
        with open(os.path.join(d, name + ".jsonl"), "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
        labels[name] = lab
    if every is not None:
        for name, lab in labels.items():
            if lab["interval"] >= every:
                continue
            path = os.path.join(d, name + ".jsonl")
            recs = thin(read_trace(path), every)
            with open(path, "w") as f:
                for r in recs:
                    f.write(json.dumps(r) + "\n")
            lab["interval"] = every
            lab["end"] = recs[-1]["time"]
    with open(os.path.join(d, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1, sort_keys=True)
    return labels


def read_trace(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def prometheus_alerts(recs, interval):
    """First firing time of the usual rule pair (warning, critical), or None."""
    scrape = max(15.0, interval)
    pts, next_t = [], None
    for r in recs:
        if r["limit"] is None:
            continue
        if next_t is None or r["time"] >= next_t - 1e-6:
            pts.append((r["time"], r["fds"] / r["limit"]))
            next_t = r["time"] + scrape
    if not pts:
        return None, None
    t_start, t_end = pts[0][0], pts[-1][0]

    def predict(T, rng, horizon, win):
        # samples in (T - rng, T]: win = [lo, hi) moves forward only
        while win[1] < len(pts) and pts[win[1]][0] <= T:
            win[1] += 1
        while win[0] < win[1] and pts[win[0]][0] <= T - rng:
            win[0] += 1
        xs = pts[win[0]:win[1]]
        if len(xs) < 2:
            return None
        n = len(xs)
        mt = sum(p[0] for p in xs) / n
        mv = sum(p[1] for p in xs) / n
        sxx = sum((p[0] - mt) ** 2 for p in xs)
        if sxx == 0:
            return None
        b = sum((p[0] - mt) * (p[1] - mv) for p in xs) / sxx
        a = mv + b * (T - mt)
        return a + b * horizon

    fired = []
    for rng, horizon in ((3600.0, 4 * 3600.0), (600.0, 3600.0)):
        win, since, first = [0, 0], None, None
        T = t_start
        while T <= t_end + 1e-6:
            v = predict(T, rng, horizon, win)
            if v is not None and v > 1:
                if since is None:
                    since = T
                if T - since >= 600 - 1e-6:
                    first = T
                    break
            else:
                since = None
            T += 15.0
        fired.append(first)
    return fired[0], fired[1]


def score_one(lab, alert_times):
    """(caught, false_alarms, lead) of one trace from its alert times."""
    if lab["kind"] == "steady":
        return None, len(alert_times), None
    s, e = lab["leak_start"], lab["exhaust"]
    false = sum(1 for a in alert_times if a < s)
    inside = [a for a in alert_times if s <= a < e]
    if not inside:
        return False, false, None
    return True, false, (e - inside[0]) / (e - s)


def summarise(rows, key):
    leaks = [r for r in rows if r["kind"] == "leak"]
    caught = [r for r in leaks if r[key]["caught"]]
    leads = [r[key]["lead"] for r in caught]
    return {
        "leaks": len(leaks),
        "caught": len(caught),
        "missed": [r["name"] for r in leaks if not r[key]["caught"]],
        "false_alarms": sum(r[key]["false"] for r in rows),
        "false_alarm_traces": [r["name"] for r in rows if r[key]["false"]],
        "median_lead": statistics.median(leads) if leads else 0.0,
        "min_lead": min(leads) if leads else 0.0,
        "dropped_traces": [r["name"] for r in rows if r[key].get("dropped")],
    }


def dropped(lab, alerts):
    """How often an alert that had to stay up went back to ok: for a leak
    marked "stay", between its first raise and the exhaustion; for one
    marked "hold", while it sits at its limit."""
    if lab["kind"] != "leak" or not (lab.get("stay") or lab.get("hold")):
        return 0
    raised = [a["time"] for a in alerts if a["level"] != "ok"]
    if not raised:
        return 0
    lo = raised[0] if lab.get("stay") else lab["exhaust"]
    hi = lab["exhaust"] if lab.get("stay") else lab["end"]
    return sum(1 for a in alerts if a["level"] == "ok" and lo < a["time"] < hi)


def score(fdwatch, d, as_json=False, baseline=True, every=None):
    labels = generate(d, every) if not os.path.exists(os.path.join(d, "labels.json")) else \
        json.load(open(os.path.join(d, "labels.json")))
    rows = []
    for name in sorted(labels, key=lambda n: (labels[n]["kind"], n)):
        lab = labels[name]
        path = os.path.join(d, name + ".jsonl")
        p = subprocess.run([fdwatch, "replay", "--format", "json", path], capture_output=True,
                           text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("fdwatch replay %s failed (%d): %s" % (path, p.returncode, p.stderr))
        alerts = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        raised = [a for a in alerts if a["level"] in ("warning", "critical")]
        caught, false, lead = score_one(lab, [a["time"] for a in raised])
        src = raised[0]["source"] if raised else None
        pw = pc = None
        if baseline:
            pw, pc = prometheus_alerts(read_trace(path), lab["interval"])
        ptimes = sorted(x for x in (pw, pc) if x is not None)
        pcaught, pfalse, plead = score_one(lab, ptimes[:1])
        rows.append({"name": name, "kind": lab["kind"], "what": lab["what"],
                     "fdwatch": {"caught": caught, "false": false, "lead": lead,
                                 "dropped": dropped(lab, alerts),
                                 "first": raised[0]["time"] - T0 if raised else None,
                                 "source": src, "events": len(alerts)},
                     "prometheus": {"caught": pcaught, "false": pfalse, "lead": plead,
                                    "first": ptimes[0] - T0 if ptimes else None}})
    result = {"traces": rows, "fdwatch": summarise(rows, "fdwatch"),
              "prometheus": summarise(rows, "prometheus")}
    if as_json:
        print(json.dumps(result, indent=1))
        return result

    def cell(x):
        if x["caught"] is None:
            return "false alarm" if x["false"] else "quiet"
        if not x["caught"]:
            return "MISSED" + (" +false alarm" if x["false"] else "")
        return "lead %3.0f%%" % (100 * x["lead"]) + (" +false alarm" if x["false"] else "") + \
            (" +ok %d" % x["dropped"] if x.get("dropped") else "")

    print("%-16s %-6s %-18s %-18s  %s" % ("trace", "kind", "fdwatch", "prometheus", "shape"))
    for r in rows:
        print("%-16s %-6s %-18s %-18s  %s" % (r["name"], r["kind"], cell(r["fdwatch"]),
                                             cell(r["prometheus"]), r["what"]))
    for key in ("fdwatch", "prometheus") if baseline else ("fdwatch",):
        s = result[key]
        print("%-10s leaks caught %d of %d%s; false alarms %d%s; median lead %.0f%% (lowest %.0f%%)" % (
            key, s["caught"], s["leaks"], (" (missed: %s)" % ", ".join(s["missed"])) if s["missed"] else "",
            s["false_alarms"], (" (%s)" % ", ".join(s["false_alarm_traces"])) if s["false_alarm_traces"] else "",
            100 * s["median_lead"], 100 * s["min_lead"]))
    return result


def bench(fdwatch):
    """Replays a day of 1 s samples of one process with sockets; prints the
    wall time of the best of three runs."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "day.jsonl")
        r = random.Random(7)
        with open(path, "w") as f:
            for i in range(86400):
                v = 300 + int(r.uniform(0, 20)) + i // 400
                f.write(json.dumps({"time": T0 + i, "pid": 42, "start": 1, "comm": "day", "fds": v,
                                    "limit": 4096,
                                    "types": {"file": 10, "socket": v - 10, "pipe": 0, "anon": 0, "other": 0},
                                    "sockets": [{"proto": "tcp", "direction": "out", "remote": "10.1.1.1:443",
                                                 "state": "ESTABLISHED", "count": v - 10}]}) + "\n")
        best = None
        for _ in range(3):
            t = time.monotonic()
            subprocess.run([fdwatch, "replay", path], check=True, capture_output=True)
            el = time.monotonic() - t
            best = el if best is None else min(best, el)
        print("replay of 86400 records (a day of 1 s samples): %.3f s" % best)


def main(argv):
    if len(argv) >= 3 and argv[1] == "generate":
        generate(argv[2])
    elif len(argv) >= 3 and argv[1] == "score":
        as_json, baseline = "--json" in argv, "--no-baseline" not in argv
        every = None
        rest = argv[2:]
        if "--thin" in rest:
            i = rest.index("--thin")
            every = float(rest[i + 1])
            del rest[i:i + 2]
        args = [a for a in rest if not a.startswith("--")]
        if len(args) >= 2:
            score(args[0], args[1], as_json, baseline, every)
        else:
            with tempfile.TemporaryDirectory() as d:
                score(args[0], d, as_json, baseline, every)
    elif len(argv) >= 3 and argv[1] == "bench":
        bench(argv[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
