#!/usr/bin/env python3
"""Measures the live lead of fdwatch log at its default interval on real
leaks (not part of `make check`): helper-fds leaks files into a limit of 256
so that it runs into EMFILE after LIFE seconds; the lead is the time from
fdwatch's first alert to EMFILE as a fraction of that life. Each life is
run with and without adaptive sampling, RUNS times.

    live-lead.py FDWATCH HELPER-FDS [LIFE...]      (default lives: 3 13)"""

import json
import subprocess
import sys
import tempfile
import time

RUNS = 3


def one(fdwatch, helper, life, extra, tmp):
    rate = (256 - 7) / life
    h = subprocess.Popen([helper, "--leak", "file", "--rate", str(rate), "--nofile", "256",
                          "--dir", tmp, "--timeout", str(2 * life + 60)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pid = int(h.stdout.readline().split()[0])
    t0 = time.time()
    log = subprocess.Popen([fdwatch, "log", "-p", str(pid), "--format", "json"] + extra,
                           stdout=subprocess.PIPE, text=True)
    h.wait()
    t1 = time.time()
    out, _ = log.communicate(timeout=60)
    raised = [e for e in map(json.loads, filter(str.strip, out.splitlines()))
              if e["level"] != "ok"]
    if not raised:
        return None, raised
    return (t1 - raised[0]["time"]) / (t1 - t0), raised[0]["message"]


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    lives = [float(x) for x in argv[3:]] or [3, 13]
    with tempfile.TemporaryDirectory() as tmp:
        for life in lives:
            for extra, name in (([], "adaptive"), (["--no-adaptive"], "--no-adaptive")):
                for _ in range(RUNS):
                    lead, msg = one(argv[1], argv[2], life, extra, tmp)
                    print("life %5.1f s  %-14s lead %s  %s" % (
                        life, name, "missed" if lead is None else "%3.0f%%" % (100 * lead), msg),
                        flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
