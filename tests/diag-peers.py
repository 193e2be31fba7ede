#!/usr/bin/env python3
"""Diagnosis from one sample: a client that keeps its HTTP responses open
against a local server (tests/lib/leakpair.py). One report names the group,
its idle range and the server as the peer; the server's side names the
client; the /proc tables say idle unknown, never 0; unix peers; a peer
outside the sampled processes is null, never an empty list."""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fdtest import *  # noqa: E402,F401

N, NUNIX = 24, 3
here = os.path.dirname(os.path.abspath(__file__))
p = subprocess.Popen([sys.executable, os.path.join(here, "lib", "leakpair.py"), str(N), str(NUNIX)],
                     stdout=subprocess.PIPE, text=True)
import fdtest  # noqa: E402
fdtest._children.append(p)
line = p.stdout.readline()
if not line:
    skip("the leak helper did not start")
started = time.time()
client, server, port, upath = line.split()
client, server, port = int(client), int(server), int(port)
ep = "127.0.0.1:%d" % port
both = "%d,%d" % (client, server)


def records(*extra, env=None):
    r = fdwatch("report", "--format", "json", "-p", both, *extra, env=env)
    check(r.returncode == 0, "report --format json exits 0", r.stderr)
    return {x["pid"]: x for x in json_lines(r.stdout)}


def group(rec, direction, endpoint, proto="tcp"):
    key = "remote" if direction == "out" else "local"
    for g in rec.get("sockets", []):
        if g["proto"] == proto and g["direction"] == direction and g.get(key) == endpoint:
            return g
    return None


recs = records()
out = group(recs[client], "out", ep)
check(out is not None and out["count"] == N and out["state"] == "ESTABLISHED",
      "the client's %d connections are one group toward the server" % N, recs[client])
out = out or {}
check(out.get("peers") == [{"pid": server, "start": recs[server]["start"], "comm": "leaksrv",
                            "count": N}],
      "its peer is the server process, with the count", out.get("peers"))
idle = out.get("idle") or {}
check(all(k in idle for k in ("min", "median", "max")) and
      0 <= idle["min"] <= idle["median"] <= idle["max"] < 60,
      "it carries idle min <= median <= max, in seconds", idle)
inn = group(recs[server], "in", ep) or {}
check(inn.get("count") == N and inn.get("peers") == [{"pid": client, "start": recs[client]["start"],
                                                      "comm": "fetcher", "count": N}],
      "the server's accepted group names the client holding them", inn)
lis = group(recs[server], "listen", ep) or {}
check(lis and "peers" not in lis and "idle" not in lis,
      "a listener has neither peers nor idle times", lis)
uout = group(recs[client], "out", upath, proto="unix") or {}
check(uout.get("count") == NUNIX and uout.get("peers", [{}])[0].get("pid") == server,
      "unix connections name the server holding the other ends", uout)
uin = group(recs[server], "in", upath, proto="unix") or {}
check(uin.get("peers", [{}])[0].get("pid") == client,
      "and the server's unix side names the client", uin)

# The client alone: a one-shot report looks for the holder of the other
# ends outside its selection, among the processes it may read.
r = fdwatch("report", "--format", "json", "-p", client)
alone = group({x["pid"]: x for x in json_lines(r.stdout)}[client], "out", ep) or {}
check((alone.get("peers") or [{}])[0].get("pid") == server,
      "a report of the client alone still names the server", alone)
r = fdwatch("report", "--format", "json", "-p", server)
alone = group({x["pid"]: x for x in json_lines(r.stdout)}[server], "in", ep) or {}
check((alone.get("peers") or [{}])[0].get("pid") == client,
      "and one of the server alone names the client", alone)

# A watching command looks outside its selection too, on a slow cadence.
r = fdwatch("record", "-n", "2", "-d", "0.3", "-p", client)
recs = [x for x in json_lines(r.stdout) if x.get("pid") == client]
check(len(recs) == 2 and all(((group(x, "out", ep) or {}).get("peers") or [{}])[0].get("pid")
                             == server for x in recs),
      "record -p CLIENT names the server in its records", [group(x, "out", ep) for x in recs])

# A client of another user: who holds the other ends (root's server) is not
# visible to it, so peers is null, never an empty list.
why = why_not_nobody()
if why:
    skip_part(why)
else:
    hold = subprocess.Popen(AS_NOBODY + [sys.executable, "-c",
                            "import socket, sys, time\n"
                            "s = [socket.create_connection(('127.0.0.1', %d)) for _ in range(3)]\n"
                            "print('ready', flush=True)\ntime.sleep(60)\n" % port],
                            stdout=subprocess.PIPE, text=True)
    fdtest._children.append(hold)
    hold.stdout.readline()
    r = subprocess.run(AS_NOBODY + [FDWATCH, "report", "--format", "json", "-p", str(hold.pid)],
                       capture_output=True, text=True, timeout=60)
    recs = {x["pid"]: x for x in json_lines(r.stdout)}
    g = group(recs.get(hold.pid, {}), "out", ep) or {}
    check(g.get("count") == 3 and "peers" in g and g["peers"] is None,
          "as another user, the server's side is not visible: peers is null", g)
    r = subprocess.run(AS_NOBODY + [FDWATCH, "report", "-p", str(hold.pid)], capture_output=True,
                       text=True, timeout=60)
    check("peer unknown" in r.stdout, "and the text report says peer unknown", r.stdout)
    hold.kill()

# The /proc tables have no tcp_info: idle is unknown, never 0; peers stay
# (the four-tuples are there).
env = dict(os.environ, FDWATCH_NO_NETLINK="1")
fb = records(env=env)
g = group(fb[client], "out", ep) or {}
check("idle" in g and g["idle"] is None, "without netlink, idle is null", g)
check((g.get("peers") or [{}])[0].get("pid") == server, "without netlink, the peer is still named",
      g)
r = fdwatch("report", "-p", both, env=env)
check("idle unknown" in r.stdout and not re.search(r"idle 0(\.0)? s", r.stdout),
      "the text report says idle unknown, never idle 0", r.stdout)

# Long enough for the signature: half of the group idle for 10 s or more.
time.sleep(max(0.0, 11.5 - (time.time() - started)))
r = fdwatch("report", "-p", both)
text = r.stdout
check(r.returncode == 0, "report exits 0", r.stderr)
m = re.search(r"%d sockets to %s ESTABLISHED, idle (\d+)(-\d+)? s, none active in the last (\d+) s"
              % (N, re.escape(ep)), text)
check(m is not None and int(m.group(3)) >= 10, "the report shows the idle signature", text)
check("the signature of responses never closed" in text, "and says what it means")
check("toward leaksrv[%d]" % server in text, "the client's group names the server", text)
check("held open by fetcher[%d]" % client in text, "the server's group names the client", text)
check("ESTABLISHED and idle: a response or connection never released" in text,
      "the state is put in words")
lines = text.splitlines()
first = next((l for l in lines if re.match(r"^\d+ ", l)), "")
check(first.split()[0] in (str(client), str(server)),
      "a process with the signature ranks first", first)
r = fdwatch("report", "-p", client)
check(" - 1 process, " in r.stdout, "one process is '1 process'", r.stdout.splitlines()[:1])

# What a suspicious state means, in the words of the report: CLOSE_WAIT
# (a real client whose server hung up) and a deleted file still open.
cw = start_helper("--close-wait", "3")
dele = subprocess.Popen([sys.executable, "-c",
                         "import os, sys, tempfile, time\n"
                         "f = tempfile.NamedTemporaryFile(delete=False)\n"
                         "os.unlink(f.name)\nprint('ready', flush=True)\ntime.sleep(60)\n"],
                        stdout=subprocess.PIPE, text=True)
fdtest._children.append(dele)
dele.stdout.readline()
r = fdwatch("report", "-p", "%d,%d" % (cw.pid, dele.pid))
check("CLOSE_WAIT: the peer closed, this process never closed its end" in r.stdout,
      "CLOSE_WAIT is put in words", r.stdout)
check("1 deleted: files removed while still open" in r.stdout,
      "a deleted file still open is marked", r.stdout)
dele.kill()
cw.stop()
shutil.rmtree(os.path.dirname(upath), ignore_errors=True)
done()
