#!/usr/bin/env python3
"""report -n/--duration: several samples, the last one reported with each
process's growth over them; the growing process comes first, with a
positive rate and a time to its limit; a steady one shows no growth."""

from fdtest import check, done, equal, fdwatch, json_lines, start_helper

leak = start_helper("--name", "leaky-client", "--leak", "tcp", "--rate", 20, "--nofile", 4000)
steady = start_helper("--name", "steady-pool", "--pool", 30, "--churn", 20)
r = fdwatch("report", "-n", 3, "-d", 0.5, "--color", "never", "-p", "%d,%d" % (leak.pid, steady.pid))
equal(r.returncode, 0, "report -n 3 exits 0")
lines = r.stdout.splitlines()
check("growth over" in lines[0], "the header says growth is measured", lines[0])
rows = [l.split() for l in lines if l[:1].isdigit()]
equal([int(x[0]) for x in rows], [leak.pid, steady.pid], "the growing process comes first")
head = lines[[i for i, l in enumerate(lines) if l.startswith("PID")][0]].split()
col = {name: i for i, name in enumerate(head)}
leak_row, steady_row = rows
check(float(leak_row[col["RATE/s"]]) > 0, "the leak has a positive rate", leak_row)
check(leak_row[col["ETA"]] != "-", "and a time to its limit", leak_row)
# The rate is printed rounded; "does not grow" is well under one fd a second
# (the leak above opens 20).
steady_rate = float(steady_row[col["RATE/s"]])
check(abs(steady_rate) < 0.5, "the steady pool does not grow", steady_row)
equal(steady_row[col["ETA"]], "-", "and has no time to a limit")
check("CLOSE_WAIT" in r.stdout and "127.0.0.1:%d" % leak.port in r.stdout,
      "the leak's endpoint and state are listed", r.stdout)

r = fdwatch("report", "--duration", 1, "-d", 0.5, "--format", "json", "-p", leak.pid)
equal(r.returncode, 0, "report --duration exits 0")
equal(len(json_lines(r.stdout)), 1, "json: one record for the last sample")
equal(len(r.stdout.splitlines()), 2, "and the system record after it")
done()
