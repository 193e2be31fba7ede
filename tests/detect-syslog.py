#!/usr/bin/env python3
"""`fdwatch log --syslog` sends each alert event to syslog as well as to
stdout. The test listens on a datagram socket bound over /dev/log inside a
private mount namespace, so the system's logger is never touched."""

import os
import shutil
import socket
import subprocess
import tempfile

from fdtest import FDWATCH, check, done, equal, json_lines, need, skip, start_helper

need("unshare", "mount")
if os.geteuid() != 0:
    skip("needs root for a private mount namespace")
if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
    skip("unshare -m is not permitted here")

d = tempfile.mkdtemp(prefix="fdwatch-syslog.")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(os.path.join(d, "log"))
sock.settimeout(1.0)

h = start_helper("--leak", "tcp", "--rate", 4, "--nofile", 120, "--name", "sys-leaker", "--timeout", 300)
log = subprocess.Popen(["unshare", "-m", "sh", "-c", 'mount --bind "$1" /dev && exec "$2" log -p "$3" -d 0.25 --syslog',
                        "sh", d, FDWATCH, str(h.pid)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
h.proc.wait(300)
out, err = log.communicate(timeout=120)
equal(log.returncode, 0, "log --syslog exits 0 when the process is gone")
check(err == "", "nothing on stderr", err)
lines = out.splitlines()
msgs = []
while True:
    try:
        msgs.append(sock.recv(65536).decode("utf-8", "replace"))
    except socket.timeout:
        break
sock.close()
shutil.rmtree(d, ignore_errors=True)
check(len(lines) >= 2, "stdout has the events", out)
equal(len(msgs), len(lines), "one syslog message per event")
if msgs and lines:
    m = msgs[0]
    check("fdwatch[" in m, "the message is tagged fdwatch[PID]", m)
    check("sys-leaker[%d]" % h.pid in m and "127.0.0.1:%d" % h.port in m, "it names the process and the endpoint", m)
    # <PRI>: facility daemon (3), severity crit (2) or warning (4).
    check(m.startswith("<26>") or m.startswith("<28>"), "priority daemon.crit or daemon.warning", m[:6])
    check("exited" in msgs[-1] and msgs[-1].startswith("<29>"), "the ok event as daemon.notice", msgs[-1][:80])
done()
