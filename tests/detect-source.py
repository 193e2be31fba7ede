#!/usr/bin/env python3
"""Growth spread over many groups is named by the narrowest class that
carries it, with real processes: connections to 20 loopback listeners left
in CLOSE_WAIT ("tcp out CLOSE_WAIT, 20 remotes"), unconnected UDP sockets
each on its own port (grouped by their address, "127.0.0.1:*"), and files in
40 directories under one parent (that parent); a single growing group is
still named itself. A replayed trace whose socket entries carry no
direction keeps their endpoint."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from fdtest import FDWATCH, _children, check, done, equal, json_lines, skip_part

tmp = os.path.realpath(tempfile.mkdtemp(prefix="fdwatch-src."))

# The child leaks 40 fds a second, round robin over its targets, under a
# limit of 400 (alerted within a few seconds, EMFILE after about 10).
CHILD = r"""
import os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (400, 400))
mode, arg = sys.argv[1], sys.argv[2]
held, i = [], 0
if mode == "tcp":
    # 20 loopback servers that close every connection they accept, so the
    # client's ends sit in CLOSE_WAIT; the client already talks to each.
    import threading
    lis = []
    for _ in range(20):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(512)
        s.settimeout(0.02)
        lis.append(s)
    def closer():
        while True:
            for s in lis:
                try:
                    s.accept()[0].close()
                except OSError:
                    pass
    threading.Thread(target=closer, daemon=True).start()
    ports = [s.getsockname()[1] for s in lis]
    for p in ports:
        held.append(socket.create_connection(("127.0.0.1", p)))
elif mode == "files":
    dirs = [os.path.join(arg, "d%02d" % k) for k in range(40)]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
print("ready", flush=True)
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        if mode == "tcp":
            held.append(socket.create_connection(("127.0.0.1", ports[i % len(ports)])))
        elif mode == "udp":
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("127.0.0.1", 0))
            held.append(u)
        elif mode == "files":
            held.append(open(os.path.join(dirs[i % len(dirs)], "f%d" % i), "w"))
        elif mode == "onedir":
            held.append(open(os.path.join(arg, "f%d" % i), "w"))
    except OSError:
        time.sleep(30)
    i += 1
    time.sleep(0.025)
"""


def first_alert(mode, arg, prefix=()):
    child = subprocess.Popen(list(prefix) + [sys.executable, "-c", CHILD, mode, arg],
                             stdout=subprocess.PIPE, text=True)
    _children.append(child)
    child.stdout.readline()
    log = subprocess.run([FDWATCH, "log", "-p", str(child.pid), "-d", "0.25", "--duration", "7",
                          "--format", "json"], capture_output=True, text=True, timeout=60)
    child.kill()
    child.wait()
    raised = [a for a in json_lines(log.stdout) if a["level"] != "ok" and a.get("source")]
    # The first alert that names a source (one raised on the use of the
    # limit alone may come without).
    return raised[0]["source"] if raised else None, log


# Connections to 20 servers left in CLOSE_WAIT, in a network namespace of
# their own: the machine's TCP table may be large enough that fdwatch reads
# it whole only every few seconds (see SAMPLING COST), which would leave
# the newest sockets unnamed for a while.
NETNS = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']
if not shutil.which("unshare") or not shutil.which("ip") or \
        subprocess.run(NETNS + ["true"], capture_output=True).returncode != 0:
    skip_part("cannot make a network namespace here (unshare -n and ip needed)")
    skip_part("cannot make a network namespace here")
else:
    src, log = first_alert("tcp", "", NETNS)
    check(src and src.get("proto") == "tcp" and src.get("direction") == "out" and
          src.get("state") == "CLOSE_WAIT" and src.get("remote") == "127.0.0.1:*" and
          src.get("groups") == 20, "20 remotes: tcp out CLOSE_WAIT across 20 remotes",
          (src, log.stdout))
    msgs = [a["message"] for a in json_lines(log.stdout)]
    check(any("CLOSE_WAIT, 20 remotes" in m for m in msgs),
          "the message names the class and the count", msgs)

src, log = first_alert("udp", "")
check(src and src.get("proto") == "udp" and src.get("local") == "127.0.0.1:*" and
      src.get("state") == "UNCONN",
      "unconnected UDP: grouped by their address without the port", (src, log.stdout))

src, log = first_alert("files", os.path.join(tmp, "spool"))
equal((src or {}).get("dir"), os.path.join(tmp, "spool"),
      "files in 40 directories: their common parent")
check((src or {}).get("groups", 0) >= 10, "and how many directories (of those tracked)", src)

src, log = first_alert("onedir", tmp)
equal(src, {"type": "file", "dir": tmp, "path": tmp},
      "files in one directory: that directory itself (path: the old name of dir)")

# A trace written by another tool: socket entries carry remote and state
# but no direction. replay groups them by the endpoint they carry.
trace = os.path.join(tmp, "nodir.jsonl")
with open(trace, "w") as f:
    for i in range(240):
        n = 10 + 4 * i
        f.write(json.dumps({"time": 1764000000 + i * 0.25, "pid": 77, "start": 1, "comm": "other",
                            "fds": n + 20, "limit": 1100,
                            "types": {"file": 20, "socket": n, "pipe": 0, "anon": 0, "other": 0},
                            "sockets": [{"proto": "tcp", "remote": "10.0.0.9:443",
                                         "state": "CLOSE_WAIT", "count": n},
                                        {"proto": "tcp", "local": "0.0.0.0:80", "state": "LISTEN",
                                         "count": 1}]}) + "\n")
r = subprocess.run([FDWATCH, "replay", "--format", "json", trace], capture_output=True, text=True,
                   timeout=60)
raised = [a for a in json_lines(r.stdout) if a["level"] != "ok"]
equal(raised[0]["source"] if raised else None,
      {"type": "socket", "proto": "tcp", "direction": "out", "remote": "10.0.0.9:443",
       "state": "CLOSE_WAIT"}, "replay: an entry without a direction keeps its endpoint")

subprocess.run(["rm", "-rf", tmp])
done()
