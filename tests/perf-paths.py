#!/usr/bin/env python3
"""Both paths of each fast path give the same numbers for the same real
processes: fd counts from stat(/proc/PID/fd).st_size or from listing the
directory (FDWATCH_NO_STSIZE=1), socket tables through netlink sock_diag or
from /proc/PID/net (FDWATCH_NO_NETLINK=1). Checked in the host namespace
(127.0.0.1 and ::1) and for a process in a network namespace of its own
(unshare -n). The only allowed difference: through unix_diag a connected
unix client is named by the path it is connected to ("out"), which
/proc/net/unix cannot tell ("none")."""

import os
import subprocess

from fdtest import (BUILDDIR, check, done, equal, json_lines, proc_fd_counts, report, skip_part,
                    start_helper)

BENCH = os.path.join(BUILDDIR, "..", "bench", "fdwatch-bench")
MODES = {
    "st_size+netlink": {},
    "getdents+netlink": {"FDWATCH_NO_STSIZE": "1"},
    "st_size+procfs": {"FDWATCH_NO_NETLINK": "1"},
    "getdents+procfs": {"FDWATCH_NO_STSIZE": "1", "FDWATCH_NO_NETLINK": "1"},
}


def env_for(mode):
    env = dict(os.environ)
    env.pop("FDWATCH_NO_STSIZE", None)
    env.pop("FDWATCH_NO_NETLINK", None)
    env.update(MODES[mode])
    return env


def groups(rec):
    return {(s["proto"], s["direction"], s.get("remote") if s["direction"] == "out" else s.get("local"),
             s["state"]): s["count"] for s in rec["sockets"]}


def driver_stats(pid, env):
    """What one sample of this pid did: the driver's counters."""
    r = subprocess.run([BENCH, "-n", "1", "-a", "0", "-p", str(pid)], capture_output=True,
                       text=True, env=env, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("fdwatch-bench failed: " + r.stderr)
    line = [l for l in r.stdout.splitlines() if l.startswith("tick=1 ")][0]
    return dict(kv.split("=", 1) for kv in line.split())


def compare_paths(h, what, unix_clients):
    recs = {m: report(h.pid, env=env_for(m)) for m in MODES}
    base = recs["st_size+netlink"]
    equal(base["types"], proc_fd_counts(h.pid), what + ": counts by type match /proc")
    for m, rec in recs.items():
        equal(rec["fds"], base["fds"], "%s: %s counts the same fds" % (what, m))
        equal(rec["types"], base["types"], "%s: %s gives the same types" % (what, m))
    for counting in ("st_size", "getdents"):
        nl = groups(recs[counting + "+netlink"])
        pf = groups(recs[counting + "+procfs"])
        peer = ("unix", "out", h.unix, "ESTABLISHED")
        nopeer = ("unix", "none", None, "ESTABLISHED")
        equal(nl.get(peer), unix_clients, "%s/%s: netlink names the unix clients' peer" % (what, counting))
        equal(pf.get(nopeer), unix_clients, "%s/%s: procfs cannot" % (what, counting))
        nl_rest = {k: v for k, v in nl.items() if k != peer}
        pf_rest = {k: v for k, v in pf.items() if k != nopeer}
        equal(nl_rest, pf_rest, "%s/%s: every other group is the same on both paths" % (what, counting))
        check(not any(k[0] == "other" for k in nl), "%s/%s: no socket left unresolved" % (what, counting))
    return groups(base)


server = start_helper("--tcp", 3, "--close-wait", 2, "--tcp6", 2, "--udp", 2, "--udp6", 1,
                      "--unix", 2, "--pipe", 2, "--file", 3, "--eventfd", 2)
g = compare_paths(server, "host", 2)
ep, ep6 = "127.0.0.1:%d" % server.port, "[::1]:%d" % server.port6
equal(g.get(("tcp", "out", ep, "ESTABLISHED")), 3, "host: tcp clients by remote")
equal(g.get(("tcp", "in", ep, "ESTABLISHED")), 3, "host: accepted tcp by service")
equal(g.get(("tcp", "out", ep, "CLOSE_WAIT")), 2, "host: CLOSE_WAIT clients by remote")
equal(g.get(("tcp", "listen", ep, "LISTEN")), 1, "host: the tcp listener")
equal(g.get(("tcp6", "out", ep6, "ESTABLISHED")), 2, "host: ::1 clients by remote")
equal(g.get(("tcp6", "in", ep6, "ESTABLISHED")), 2, "host: ::1 accepted by service")
equal(g.get(("tcp6", "listen", ep6, "LISTEN")), 1, "host: the ::1 listener")
equal(g.get(("udp", "out", "127.0.0.1:9", "ESTABLISHED")), 2, "host: connected udp by remote")
equal(g.get(("udp6", "out", "[::1]:9", "ESTABLISHED")), 1, "host: connected udp6 by remote")
equal(g.get(("unix", "in", server.unix, "ESTABLISHED")), 2, "host: accepted unix by path")
equal(g.get(("unix", "listen", server.unix, "LISTEN")), 1, "host: the unix listener")

# The fast paths are taken unless the environment forbids them.
st = driver_stats(server.pid, env_for("st_size+netlink"))
equal(st["tables_netlink"], "7", "host: tcp, udp and unix tables all came through netlink")
equal(st["netns_procfs"], "0", "host: no /proc/net file read")
st = driver_stats(server.pid, env_for("st_size+procfs"))
equal(st["tables_netlink"], "0", "FDWATCH_NO_NETLINK: no table through netlink")
equal(st["netns_procfs"], "1", "FDWATCH_NO_NETLINK: the tables came from /proc/PID/net")

# A process in a network namespace of its own: reached through setns where
# we may (netlink), else through its /proc/PID/net files.
probe = subprocess.run(["sh", "-c", "command -v ip >/dev/null && unshare -n true"], capture_output=True)
if probe.returncode != 0:
    skip_part("no network namespace here (unshare -n needs CAP_SYS_ADMIN, and ip): the namespace part")
else:
    inside = start_helper("--tcp", 2, "--close-wait", 1, "--tcp6", 1, "--udp", 1, "--unix", 1,
                          prefix=["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"'])
    check(os.readlink("/proc/%d/ns/net" % inside.pid) != os.readlink("/proc/self/ns/net"),
          "netns: the helper runs in a namespace of its own")
    g = compare_paths(inside, "netns", 1)
    ep, ep6 = "127.0.0.1:%d" % inside.port, "[::1]:%d" % inside.port6
    equal(g.get(("tcp", "in", ep, "ESTABLISHED")), 2, "netns: accepted tcp from its own tables")
    equal(g.get(("tcp", "out", ep, "CLOSE_WAIT")), 1, "netns: CLOSE_WAIT client")
    equal(g.get(("tcp6", "out", ep6, "ESTABLISHED")), 1, "netns: ::1 client")
    st = driver_stats(inside.pid, env_for("st_size+netlink"))
    equal(st["tables_netlink"], "7", "netns: dumped through a netlink socket made in it")

done()
