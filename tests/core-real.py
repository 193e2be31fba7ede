#!/usr/bin/env python3
"""`fdwatch report --format json` against real processes agrees exactly with
/proc and ss: counts by type, the limit, and every socket group of a
population with sockets of every direction and state, over 127.0.0.1 and
::1, TCP, UDP and unix."""

import os
import re
import subprocess

from fdtest import (check, done, equal, need, proc_fd_counts, proc_limit, report, start_helper,
                    wait_for)

need("ss")

TCP_STATES = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV",
              "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
              "UNCONN": "CLOSE", "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK",
              "LISTEN": "LISTEN", "CLOSING": "CLOSING"}


def ss(*args):
    # Other processes' names may hold any byte: decode without failing.
    return subprocess.run(["ss", "-H", "-n"] + list(args), capture_output=True, check=True
                          ).stdout.decode("utf-8", "surrogateescape").splitlines()


def fds_of(users, pid):
    """How many fds of pid point at this socket (ss lists each fd)."""
    return len(re.findall(r"pid=%d,fd=" % pid, users))


def split_ep(ep):
    host, _, port = ep.rpartition(":")
    return host, port


def is_any(host):
    return host in ("*", "0.0.0.0", "[::]")


def expected_inet(pid, unix_diag_peer):
    groups = {}

    def add(key, n):
        groups[key] = groups.get(key, 0) + n

    for fam, v6 in (("-4", False), ("-6", True)):
        listeners = [split_ep(l.split()[3]) for l in ss("-t", "-l", fam)]
        for line in ss("-t", "-a", "-p", fam):
            f = line.split(None, 5)
            if len(f) < 6:
                continue
            n = fds_of(f[5], pid)
            if not n:
                continue
            state, local, peer = TCP_STATES[f[0]], f[3], f[4]
            proto = "tcp6" if v6 else "tcp"
            lh, lp = split_ep(local)
            if state == "LISTEN":
                add((proto, "listen", local, state), n)
            elif state == "CLOSE":
                add((proto, "none", local, state), n)
            elif any(p == lp and (is_any(h) or h == lh) for h, p in listeners):
                add((proto, "in", local, state), n)
            else:
                add((proto, "out", peer, state), n)
        for line in ss("-u", "-a", "-p", fam):
            f = line.split(None, 5)
            if len(f) < 6 or not fds_of(f[5], pid):
                continue
            proto = "udp6" if v6 else "udp"
            if f[4].endswith(":*"):
                add((proto, "none", f[3], "UNCONN"), fds_of(f[5], pid))
            else:
                add((proto, "out", f[4], "ESTABLISHED"), fds_of(f[5], pid))
    # unix: netid state rq sq local_path local_ino peer_path peer_ino users
    rows = []
    for line in ss("-x", "-a", "-p"):
        f = line.split()
        if len(f) >= 8:
            rows.append(f)
    path_of = {r[5]: r[4] for r in rows}
    for r in rows:
        users = " ".join(r[8:])
        n = fds_of(users, pid)
        if not n:
            continue
        state, path, peer_ino = r[1], r[4], r[7]
        path = None if path == "*" else path
        if state == "LISTEN":
            add(("unix", "listen", path, "LISTEN"), n)
        elif state == "ESTAB" and path:
            add(("unix", "in", path, "ESTABLISHED"), n)
        elif state == "ESTAB":
            peer = path_of.get(peer_ino)
            if unix_diag_peer and peer and peer != "*":
                add(("unix", "out", peer, "ESTABLISHED"), n)
            else:
                add(("unix", "none", None, "ESTABLISHED"), n)
        else:
            add(("unix", "none", path, "UNCONN"), n)
    return groups


def got_groups(rec):
    out = {}
    for g in rec["sockets"]:
        ep = g.get("remote") if g["direction"] == "out" else g.get("local")
        key = (g["proto"], g["direction"], ep, g["state"])
        check(key not in out, "one entry per group: %r" % (key,))
        out[key] = g["count"]
    return out


server = start_helper("--tcp", 3, "--close-wait", 2, "--tcp6", 2, "--udp", 1, "--udp6", 1,
                      "--unix", 2, "--pipe", 2, "--file", 3, "--eventfd", 2, "--nofile", 777)
client = start_helper("--connect", server.port, "--connections", 4, "--udp", 2)
population = [server, client]

for netlink in ("", "1"):
    env = dict(os.environ, FDWATCH_NO_NETLINK=netlink)
    mode = "netlink" if not netlink else "procfs"
    for h in population:
        rec = report(h.pid, env=env)
        equal(rec["types"], proc_fd_counts(h.pid), "%s pid %d: counts by type match /proc" % (mode, h.pid))
        equal(rec["fds"], sum(rec["types"].values()), "%s pid %d: fds is the sum of types" % (mode, h.pid))
        equal(rec["limit"], proc_limit(h.pid), "%s pid %d: the soft limit matches /proc" % (mode, h.pid))
        got = got_groups(rec)
        # Under procfs a unix client's peer is unknowable; through unix_diag it is named.
        peer_named = any(k[0] == "unix" and k[1] == "out" for k in got)
        check(not (netlink and peer_named), "procfs mode never invents a unix peer")
        want = expected_inet(h.pid, peer_named)
        equal(got, want, "%s pid %d: every socket group matches ss" % (mode, h.pid))

# Spot checks of what the groups must say, in the man page's words (RECORDS).
rec = report(server.pid)
g = got_groups(rec)
equal(g.get(("tcp", "out", "127.0.0.1:%d" % server.port, "CLOSE_WAIT")), 2,
      "clients whose peer hung up are out/CLOSE_WAIT toward the listener")
equal(g.get(("tcp", "in", "127.0.0.1:%d" % server.port, "ESTABLISHED")), 3,
      "accepted connections are in, by the service endpoint")
equal(g.get(("tcp", "listen", "127.0.0.1:%d" % server.port, "LISTEN")), 1, "the listener")
equal(g.get(("tcp6", "out", "[::1]:%d" % server.port6, "ESTABLISHED")), 2, "::1 clients")
equal(g.get(("udp", "out", "127.0.0.1:9", "ESTABLISHED")), 1, "connected UDP is out")
equal(g.get(("unix", "listen", server.unix, "LISTEN")), 1, "the unix listener by path")
equal(g.get(("unix", "in", server.unix, "ESTABLISHED")), 2, "accepted unix sockets by path")
rec = report(client.pid)
equal(got_groups(rec).get(("tcp", "out", "127.0.0.1:%d" % server.port, "ESTABLISHED")), 4,
      "another process's connections to the listener are out")
equal(rec["limit"], proc_limit(client.pid), "the client's own limit")
equal(report(server.pid)["limit"], 777, "--nofile 777 shows as the limit")

done()
