#!/usr/bin/env python3
"""fdwatch run as CI uses it: exit 2 when a command that succeeded leaked
fds, the command's own status otherwise (0 for a clean command, its own
non-zero status passed through, leak or not), SIGTERM forwarded, a leaking
grandchild under `sh -c` caught by default (not with --no-children), the
process that grew named in the summary, the command's stdout
left its own, and a JSON summary."""

import json
import os
import re
import signal
import subprocess
import tempfile

from fdtest import FDWATCH, HELPER, _children, check, done, equal, fdwatch, json_lines

tmp = tempfile.mkdtemp(prefix="ops-run-")
# A leak the default thresholds judge critical within seconds: 40 fds/s
# toward a limit of 700 (EMFILE after about 17 s).
LEAK = [HELPER, "--leak", "tcp", "--rate", "40", "--nofile", "700"]


def run(*args, timeout=120):
    return fdwatch("run", *args, timeout=timeout)


# 1. A leaking command that exits 0 by itself: 2.
r = run("--", *LEAK, "--timeout", "12")
equal(r.returncode, 2, "a leaking command that exits 0 makes run exit 2")
check("CRITICAL" in r.stderr and "helper-fds[" in r.stderr, "the alert is reported", r.stderr)
check("toward tcp out 127.0.0.1:" in r.stderr, "the summary names the growing endpoint", r.stderr)
check("exited with status 0" in r.stderr, "the summary gives the command's status", r.stderr)
# stdout is the command's own: only the helper's first line.
equal(len(r.stdout.splitlines()), 1, "the command's stdout is untouched")

# 2. The command's own non-zero status passes through, leak or not: the
#    helper runs into its limit and exits 3.
r = run("--", *LEAK, "--timeout", "60")
equal(r.returncode, 3, "a leaking command's own status 3 passes through")
check("EMFILE" in r.stderr and "CRITICAL" in r.stderr, "it leaked until EMFILE", r.stderr[-500:])
r = run("--", "sh", "-c", "exit 7")
equal(r.returncode, 7, "a clean command's status 7 passes through")

# 3. Clean commands exit 0: an idle one and a steady pool with churn.
r = run("--", HELPER, "--tcp", "5", "--timeout", "3")
equal(r.returncode, 0, "an idle command exits 0")
check("no fd leak detected" in r.stderr, "the summary says no leak", r.stderr)
r = run("--", HELPER, "--pool", "100", "--churn", "30", "--timeout", "8")
equal(r.returncode, 0, "a steady pool with churn exits 0")

# 4. SIGTERM to fdwatch reaches the command, which says so and exits 5. The
#    command says "ready" once its trap is set (run blocks the signals it
#    forwards before it starts the command), and only then is it signalled.
p = subprocess.Popen([FDWATCH, "run", "--", "sh", "-c",
                      'trap "echo got TERM; exit 5" TERM; echo ready; sleep 60 & wait'],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
_children.append(p)
ready = p.stdout.readline()
equal(ready, "ready\n", "SIGTERM: the command started and set its trap")
p.send_signal(signal.SIGTERM)
try:
    out, err = p.communicate(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    out, err = p.communicate()
equal(p.returncode, 5, "SIGTERM: run exits with the command's status")
equal(out.strip(), "got TERM", "SIGTERM: the command received it")
check("exited with status 5" in err, "SIGTERM: the summary says so", err)

# 5. The whole tree by default: a leaking grandchild under a shell that
#    exits 0, as CI wrappers (shells, make, test runners) start them.
inner = " ".join(LEAK) + " --timeout 12 >/dev/null; echo inner done"
r = run("--", "sh", "-c", "sh -c '%s'; exit 0" % inner)
equal(r.returncode, 2, "run -- sh -c: a leaking grandchild makes run exit 2")
check("helper-fds[" in r.stderr and "CRITICAL" in r.stderr, "run -- sh -c: the grandchild is named",
      r.stderr)
check(re.search(r"peak \d+ fds \(limit 700\) in helper-fds\[", r.stderr),
      "run -- sh -c: the summary's peak is the grandchild's, not the shell's", r.stderr)
r = run("--children", "--", "sh", "-c", "sh -c '%s'; exit 0" % inner)
equal(r.returncode, 2, "--children (the default, kept) works as before")
r = run("--no-children", "--", "sh", "-c",
        "sh -c '%s'; exit 0" % inner.replace("--timeout 12", "--timeout 6"))
equal(r.returncode, 0, "with --no-children the grandchild is not watched")
# The summary names the process that grew, also when another peaked higher.
r = run("--format", "json", "--", "sh", "-c",
        "%s --file 300 --timeout 7 >/dev/null & sleep 1; %s --leak file --rate 100 --timeout 5 >/dev/null; wait"
        % (HELPER, HELPER))
s = json_lines(r.stderr)[-1] if r.stderr.strip() else {}
check((s.get("grew") or {}).get("comm") == "helper-fds" and
      s["grew"]["fds"] > s["grew"]["first_fds"] + 350,
      "json: the summary names the process that grew beside the one that peaked", s)

# 6. JSON: alert records then a summary record, to -o FILE.
out = os.path.join(tmp, "run.json")
r = run("--format", "json", "-o", out, "--", *LEAK, "--timeout", "12")
equal(r.returncode, 2, "json: exit 2")
equal(r.stderr, "", "json -o: nothing on stderr")
with open(out) as f:
    recs = json_lines(f.read())
check(len(recs) >= 2 and recs[0].get("level") == "critical", "json: an alert record first", recs)
s = recs[-1] if recs else {}
alert = s.get("alert") or {}
check(s.get("summary") is True and s.get("status") == 0 and s.get("exit") == 2 and
      s.get("level") == "critical" and (s.get("peak") or {}).get("limit") == 700 and
      alert.get("level") == "critical" and alert.get("pid") == s["peak"]["pid"],
      "json: the summary record", s)
# The source is named when the growth could be attributed (it can be
# unknown for an alert raised on the first few samples).
src = alert.get("source")
check(src is None or (src.get("direction") == "out" and src.get("state") == "CLOSE_WAIT"),
      "json: the alert's source, when known, is the leaking endpoint", src)

# 7. A command that cannot be run: 127, no shell involved.
r = run("--", os.path.join(tmp, "no such program"))
equal(r.returncode, 127, "a missing command exits 127")
check("cannot run" in r.stderr, "it says why", r.stderr)
r = run("--", "echo", "$HOME;", "`id`")
equal(r.stdout, "$HOME; `id`\n", "arguments reach the command verbatim (no shell)")
equal(fdwatch("run").returncode, 2, "run without a COMMAND is a usage error")

subprocess.run(["rm", "-rf", tmp])
done()
