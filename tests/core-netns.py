#!/usr/bin/env python3
"""A process in its own network namespace (unshare -n, loopback only): its
sockets are resolved to endpoints from that namespace's tables, which the
host's tables do not hold."""

import os
import subprocess

from fdtest import HELPER, check, done, equal, need, report, skip, start_helper

need("unshare", "ip", "nsenter")
probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
if probe.returncode != 0:
    skip("cannot create a network namespace here (needs CAP_SYS_ADMIN)")

inside = start_helper("--tcp", 2, "--close-wait", 3, "--tcp6", 1,
                      prefix=["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"'])
host = start_helper("--tcp", 1)

ns_in = os.readlink("/proc/%d/ns/net" % inside.pid)
check(ns_in != os.readlink("/proc/self/ns/net"), "the helper runs in a namespace of its own")

# The host's table does not know the namespace's sockets.
host_ss = subprocess.run(["ss", "-Htan"], capture_output=True, text=True).stdout
check(":%d " % inside.port not in host_ss or inside.port == host.port,
      "the host's ss does not see the namespace's listener")
ns_ss = subprocess.run(["nsenter", "-t", str(inside.pid), "-n", "ss", "-Htanp"],
                       capture_output=True, text=True).stdout
check(":%d" % inside.port in ns_ss, "ss inside the namespace sees it")

for netlink in ("", "1"):
    env = dict(os.environ, FDWATCH_NO_NETLINK=netlink)
    mode = "procfs" if netlink else "default"
    rec = report(inside.pid, env=env)
    g = {(s["proto"], s["direction"], s.get("remote") or s.get("local"), s["state"]): s["count"]
         for s in rec["sockets"]}
    ep = "127.0.0.1:%d" % inside.port
    equal(g.get(("tcp", "listen", ep, "LISTEN")), 1, mode + ": the namespace's listener")
    equal(g.get(("tcp", "in", ep, "ESTABLISHED")), 2, mode + ": accepted connections, by service")
    equal(g.get(("tcp", "out", ep, "ESTABLISHED")), 2, mode + ": its clients, by remote")
    equal(g.get(("tcp", "out", ep, "CLOSE_WAIT")), 3, mode + ": CLOSE_WAIT clients, by remote")
    equal(g.get(("tcp6", "out", "[::1]:%d" % inside.port6, "ESTABLISHED")), 1, mode + ": ::1")
    check(not any(s["proto"] == "other" for s in rec["sockets"]), mode + ": no socket left unresolved")
    # Both namespaces in one sample: each process resolved from its own.
    r = report(host.pid, env=env)
    hg = {(s["proto"], s["direction"], s.get("remote") or s.get("local"), s["state"]): s["count"]
          for s in r["sockets"]}
    equal(hg.get(("tcp", "out", "127.0.0.1:%d" % host.port, "ESTABLISHED")), 1,
          mode + ": the host process is resolved from the host's tables")

done()
