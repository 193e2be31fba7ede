#!/usr/bin/env python3
"""contrib/ is valid: the Prometheus alerting and recording rules pass
promtool check rules and their unit tests (staleness included), every
fdwatch metric they and the Grafana dashboard name is one fdwatch exports,
the systemd units made for this build pass systemd-analyze verify and rate
3.0 or better in systemd-analyze security --offline, and every fdwatch
command line in the units, the cron example and the NRPE example is
accepted by this fdwatch."""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile

from fdtest import BUILDDIR, FDWATCH, SRCDIR, check, done, equal, fdwatch, note, skip_part

contrib = os.path.join(SRCDIR, "..", "contrib")
made = os.path.join(BUILDDIR, "..", "contrib")
prom = os.path.join(contrib, "prometheus")
tmp = tempfile.mkdtemp(prefix="ops-contrib-")

if shutil.which("promtool"):
    for name, n in (("fdwatch-rules.yml", 10), ("fdwatch-recording.yml", 5)):
        r = subprocess.run(["promtool", "check", "rules", os.path.join(prom, name)],
                           capture_output=True, text=True)
        check(r.returncode == 0 and "SUCCESS: %d rules found" % n in r.stdout,
              "promtool check rules %s: %d rules" % (name, n), r.stdout + r.stderr)
    r = subprocess.run(["promtool", "test", "rules", "fdwatch-rules.test.yml"], cwd=prom,
                       capture_output=True, text=True)
    equal(r.returncode, 0, "promtool test rules: " + r.stdout + r.stderr)
else:
    skip_part("promtool is not installed: the rule checks")

# The metric names the rules and the dashboard use are fdwatch's own: the
# families of an exposition with a history (every family is written, with
# its HELP line, even when it has no series).
state = os.path.join(tmp, "state")
fdwatch("metrics", "--state", state)
r = fdwatch("metrics", "--state", state)
families = set(re.findall(r"^# HELP (fdwatch_[a-z_]+) ", r.stdout, re.M))
check("fdwatch_build_info" in families and "fdwatch_unit_open_fds" in families,
      "the families of an exposition", sorted(families))
with open(os.path.join(contrib, "grafana", "fdwatch.json")) as f:
    dash = json.load(f)
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
check(len(exprs) >= 10 and all(exprs), "the dashboard: a query in every panel", len(exprs))
used = set()
for path in glob.glob(os.path.join(prom, "*.yml")):
    with open(path) as f:
        used |= set(re.findall(r"(?<![:\w])(fdwatch_[a-z_]+)", f.read()))
for e in exprs:
    used |= set(re.findall(r"(?<![:\w])(fdwatch_[a-z_]+)", e))
equal(sorted(used - families), [], "every fdwatch_ metric of the rules and dashboard exists")

# Every fdwatch command line in contrib/ is accepted (--help at the end
# makes fdwatch parse and check everything before it, then exit 0).
files = sorted(glob.glob(os.path.join(made, "systemd", "*.service")) +
               glob.glob(os.path.join(made, "cron", "*")) +
               glob.glob(os.path.join(made, "nagios", "*")))
lines = 0
for path in files:
    if path.endswith(".in"):   # an in-tree build: the templates sit beside
        continue               # the files made from them
    with open(path) as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            m = re.search(r"(?:/|\$\(|root )fdwatch ((check|metrics|log|run)\b.*)", line)
            if not m:
                continue
            args = []
            for tok in shlex.split(m.group(1)):
                if tok.startswith(("2>", "|", ")", ">", ";")):
                    break
                args.append(tok)
            lines += 1
            r = subprocess.run([FDWATCH] + args + ["--help"], capture_output=True, text=True)
            equal((r.returncode, r.stderr), (0, ""),
                  "%s: fdwatch %s" % (os.path.basename(path), " ".join(args)))
check(lines == 9, "command lines found in contrib/", lines)
bindirs = set()
for path in files:
    with open(path) as f:
        bindirs |= set(re.findall(r"(/\S*)/fdwatch (?:check|metrics|log)", f.read()))
equal(len(bindirs), 1, "one binary path in the made files, this build's bindir %s" % bindirs)

if shutil.which("systemd-analyze"):
    units = sorted(glob.glob(os.path.join(made, "systemd", "fdwatch-*.service")) +
                   glob.glob(os.path.join(contrib, "systemd", "*.timer")))
    equal(len(units), 7, "five services and two timers")
    # verify, with ExecStart pointed at the built fdwatch.
    for u in units:
        with open(u) as f:
            text = re.sub(r"=\S*/fdwatch ", "=" + os.path.abspath(FDWATCH) + " ", f.read())
        with open(os.path.join(tmp, os.path.basename(u)), "w") as f:
            f.write(text)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no"] +
                       [os.path.join(tmp, os.path.basename(u)) for u in units],
                       capture_output=True, text=True)
    # Complaints about the host (no systemd running here) are not ours.
    ours = [l for l in (r.stdout + r.stderr).splitlines() if "fdwatch" in l]
    equal(ours, [], "systemd-analyze verify finds nothing wrong in the units")
    for u in units:
        if not u.endswith(".service"):
            continue
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                            os.path.join(tmp, os.path.basename(u))], capture_output=True, text=True)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout + r.stderr)
        if not m and "--offline" in r.stderr:
            skip_part("this systemd-analyze has no --offline: the exposure scores")
            break
        score = float(m.group(1)) if m else None
        note("%s: exposure %s" % (os.path.basename(u), score))
        check(score is not None and score <= 3.0,
              "%s: exposure 3.0 or better" % os.path.basename(u), r.stdout[-300:] + r.stderr)
else:
    skip_part("systemd-analyze is not installed: the unit checks")

shutil.rmtree(tmp)
done()
