#!/usr/bin/env python3
"""Without st_size, a steady process's count is carried between listings
(at most 4 samples or 5 s old, see SAMPLING COST in fdwatch(1)), but it is
listed again at once when one of its sockets is gone from its table, read
during that sample for another process: here a neighbour that grows by one
UDP socket a sample makes the UDP table be read every sample, and the steady
process closes 5 of its 10 UDP sockets."""

import os
import subprocess
import time

from fdtest import FDWATCH, _children, check, done, equal, json_lines, note

HOLDER = r"""
import socket, sys
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(10)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("ready", flush=True)
for line in sys.stdin:
    for s in socks[:5]:
        s.close()
    del socks[:5]
    print("closed", flush=True)
"""
GROWER = r"""
import socket, time
socks = []
end = time.time() + 30
while time.time() < end and len(socks) < 200:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    time.sleep(0.25)
"""

holder = subprocess.Popen(["python3", "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
# Not the holder's sibling (a neighbour's change would list it anyway):
# started through a shell that exits, so that its parent is init.
sh = subprocess.run(["sh", "-c", 'python3 -c "$0" >/dev/null 2>&1 & echo $!', GROWER],
                    capture_output=True, text=True)
grower_pid = int(sh.stdout.strip())
_children.append(holder)
equal(holder.stdout.readline().strip(), "ready", "the steady process holds 10 UDP sockets")
env = dict(os.environ, FDWATCH_NO_STSIZE="1")
rec = subprocess.Popen([FDWATCH, "record", "-d", "0.5", "-n", "20", "-p",
                        "%d,%d" % (holder.pid, grower_pid)], stdout=subprocess.PIPE, text=True,
                       env=env)
_children.append(rec)
time.sleep(5)  # long enough for its count to be carried
holder.stdin.write("close\n")
holder.stdin.flush()
equal(holder.stdout.readline().strip(), "closed", "it closed 5 of them")
t_close = time.time()
out, _ = rec.communicate(timeout=60)
recs = [r for r in json_lines(out) if r.get("pid") == holder.pid]
before = [r for r in recs if r["time"] < t_close]
after = [r for r in recs if r["time"] > t_close]
check(any("fds_age" in r for r in before), "before the close its count was carried",
      [(round(r["time"] - t_close, 2), r["fds"], r.get("fds_age")) for r in before])
full = before[-1]["fds"] if before else None
nxt = after[0] if after else {}
note("after the close: %s" % [(round(r["time"] - t_close, 2), r["fds"], r.get("fds_age"))
                              for r in after[:4]])
equal(nxt.get("fds"), full - 5 if full else None,
      "the first sample after the close counts 5 fewer: listed again, not carried")
check("fds_age" not in nxt, "and says it is a new count", nxt)
try:
    os.kill(grower_pid, 15)
except ProcessLookupError:
    pass
done()
