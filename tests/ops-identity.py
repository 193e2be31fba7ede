#!/usr/bin/env python3
"""A process's unit and container (the man page's RECORDS, "unit" and
"container"), from cgroups this test creates: a helper moved into a
service's cgroup and another into a docker container's scope are named so
in report's JSON and text, and in metrics' labels and per-unit and
per-container aggregates, which carry no pid. Needs a writable cgroup
hierarchy (root); the parsing itself is unit-tested in unit-identity."""

import json
import os
import re
import secrets

from fdtest import check, done, equal, fdwatch, json_lines, skip, start_helper

ROOT = None
for d in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
    if os.path.isfile(os.path.join(d, "cgroup.procs")) and os.access(d, os.W_OK):
        ROOT = d
        break
if ROOT is None or os.geteuid() != 0:
    skip("no writable cgroup hierarchy (needs root): the unit and container labels")

tag = "%d" % os.getpid()
cid = secrets.token_hex(32)
unit = "fdwatch-probe-%s.service" % tag
made = [os.path.join(ROOT, "fdwatch-test-%s.slice" % tag)]
made.append(os.path.join(made[0], unit))
made.append(os.path.join(made[0], "docker-%s.scope" % cid))
svc = start_helper("--file", 5, "--leak", "file", "--rate", 40, "--nofile", 900, "--timeout", 60)
ctr = start_helper("--file", 7, "--timeout", 60)
try:
    for d in made:
        os.mkdir(d)
    with open(os.path.join(made[1], "cgroup.procs"), "w") as f:
        f.write(str(svc.pid))
    with open(os.path.join(made[2], "cgroup.procs"), "w") as f:
        f.write(str(ctr.pid))
except OSError as e:
    for d in reversed(made):
        if os.path.isdir(d):
            os.rmdir(d)
    skip("cannot create and join a cgroup here (%s)" % e)

try:
    pids = "%d,%d" % (svc.pid, ctr.pid)
    r = fdwatch("report", "--format", "json", "-p", pids)
    recs = {x["pid"]: x for x in json_lines(r.stdout)}
    equal((recs[svc.pid]["unit"], recs[svc.pid]["container"]), (unit, None),
          "a service's process: its unit, no container")
    # (its scope is no unit: one per container start would churn the series)
    equal((recs[ctr.pid]["unit"], recs[ctr.pid]["container"]), (None, cid),
          "a docker container's process: the container id, no unit")
    r = fdwatch("report", "-p", pids)
    check(re.search(r"\n +unit %s\n" % re.escape(unit), r.stdout), "the text report names the unit",
          r.stdout)
    check("container %s" % cid in r.stdout, "the text report names the container", r.stdout)
    r = fdwatch("metrics", "-p", pids)
    check('fdwatch_process_open_fds{pid="%d",comm="helper-fds",unit="%s"}' % (svc.pid, unit)
          in r.stdout, "metrics: the unit label", r.stdout[:400])
    check(',container="%s"} ' % cid in r.stdout, "metrics: the container label")
    m = re.search(r'^fdwatch_unit_open_fds\{unit="%s"\} (\d+)$' % re.escape(unit), r.stdout, re.M)
    check(m and int(m.group(1)) >= 5, "metrics: the unit's open fds, without pid",
          m.group(0) if m else None)
    m = re.search(r'^fdwatch_container_processes\{container="%s"\} (\d+)$' % cid, r.stdout, re.M)
    check(m and m.group(1) == "1", "metrics: the container's processes, without pid",
          m.group(0) if m else None)
    # The alert records of a leak in the unit name it.
    r = fdwatch("log", "--format", "json", "-p", svc.pid, "-d", 0.25, "--duration", 8)
    alerts = [a for a in json_lines(r.stdout) if a.get("level") in ("warning", "critical")]
    check(alerts and alerts[0]["unit"] == unit and alerts[0]["container"] is None,
          "an alert record carries the unit (and a null container)", r.stdout[:400])
finally:
    # Back to the root cgroup, then the test's cgroups go.
    for h in (svc, ctr):
        try:
            with open(os.path.join(ROOT, "cgroup.procs"), "w") as f:
                f.write(str(h.pid))
        except OSError:
            pass
        h.stop()
    for d in reversed(made):
        try:
            os.rmdir(d)
        except OSError:
            pass
done()
