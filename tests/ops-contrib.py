#!/usr/bin/env python3
"""contrib/ is valid: the Prometheus rules pass promtool check rules and
their unit tests, the systemd units pass systemd-analyze verify, and every
fdwatch command line in the units, the cron example and the NRPE example
is accepted by this fdwatch."""

import glob
import os
import re
import shlex
import shutil
import subprocess
import tempfile

from fdtest import FDWATCH, SRCDIR, check, done, equal, skip_part

contrib = os.path.join(SRCDIR, "..", "contrib")
rules = os.path.join(contrib, "prometheus", "fdwatch-rules.yml")

if shutil.which("promtool"):
    r = subprocess.run(["promtool", "check", "rules", rules], capture_output=True, text=True)
    equal(r.returncode, 0, "promtool check rules: " + r.stdout + r.stderr)
    check("SUCCESS: 5 rules found" in r.stdout, "five rules", r.stdout)
    r = subprocess.run(["promtool", "test", "rules", "fdwatch-rules.test.yml"],
                       cwd=os.path.dirname(rules), capture_output=True, text=True)
    equal(r.returncode, 0, "promtool test rules: " + r.stdout + r.stderr)
else:
    skip_part("promtool is not installed: the rule checks")

# Every fdwatch command line in contrib/ is accepted (--help at the end
# makes fdwatch parse and check everything before it, then exit 0).
files = sorted(glob.glob(os.path.join(contrib, "systemd", "*")) +
               glob.glob(os.path.join(contrib, "cron", "*")) +
               glob.glob(os.path.join(contrib, "nagios", "*")))
lines = 0
for path in files:
    with open(path) as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            m = re.search(r"(?:/usr/local/bin/|\$\(|root )fdwatch ((check|metrics|log|run)\b.*)",
                          line)
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
check(lines == 7, "command lines found in contrib/", lines)

# systemd-analyze verify, with ExecStart pointed at the built fdwatch.
if shutil.which("systemd-analyze"):
    tmp = tempfile.mkdtemp(prefix="ops-contrib-")
    units = sorted(glob.glob(os.path.join(contrib, "systemd", "fdwatch-*")))
    for u in units:
        with open(u) as f:
            text = f.read().replace("/usr/local/bin/fdwatch", os.path.abspath(FDWATCH))
        with open(os.path.join(tmp, os.path.basename(u)), "w") as f:
            f.write(text)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no"] +
                       [os.path.join(tmp, os.path.basename(u)) for u in units],
                       capture_output=True, text=True)
    # Complaints about the host (no systemd running here) are not ours.
    ours = [l for l in (r.stdout + r.stderr).splitlines() if "fdwatch" in l]
    equal(ours, [], "systemd-analyze verify finds nothing wrong in the units")
    shutil.rmtree(tmp)
else:
    skip_part("systemd-analyze is not installed: the unit checks")

done()
