#!/usr/bin/env python3
"""A whole sample read from a fixture proc tree through --proc: every fd
kind, every socket direction, two network namespaces, hostile names and
paths, and damaged files that must be skipped, never trusted."""

import os
import socket
import struct
import tempfile

from fdtest import check, done, equal, fdwatch, json_lines

NS_HOST, NS_CTR = 4026531993, 4026532500


def hex4(addr, port):
    """An IPv4 endpoint as /proc/net/tcp prints it on little-endian hosts."""
    return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(addr))[0], port)


def hex6(addr, port):
    raw = socket.inet_pton(socket.AF_INET6, addr)
    words = struct.unpack("<4I", raw)
    return "".join("%08X" % w for w in words) + ":%04X" % port


def inet_line(i, local, remote, st, inode):
    return ("%4d: %s %s %02X 00000000:00000000 00:00000000 00000000     0        0 %d 1 "
            "0000000000000000 20 4 30 10 -1\n" % (i, local, remote, st, inode))


HDR = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
UNIX_HDR = "Num       RefCount Protocol Flags    Type St Inode Path\n"


def stat_line(pid, comm, state="S", ppid=1, start=1000, kthread=False):
    """A /proc/PID/stat line (bytes): comm may hold any byte but NUL. A
    kernel thread has PF_KTHREAD (0x00200000) in its flags (field 9)."""
    if isinstance(comm, str):
        comm = comm.encode()
    flags = 0x00208040 if kthread else 4194560
    middle = [ppid, pid, pid, 0, -1, flags] + [0] * 12  # fields 4..21
    tail = " ".join(str(v) for v in middle) + " %d 100 0 0\n" % start  # 22 = start
    return b"%d (" % pid + comm + b") " + state.encode() + b" " + tail.encode()


def limits(soft):
    return ("Limit                     Soft Limit           Hard Limit           Units     \n"
            "Max processes             95532                95532                processes \n"
            "Max open files            %-20s %-20s files     \n" % (soft, soft))


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def link(path, target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def proc(root, pid, comm, uid=0, soft="1024", ns=NS_HOST, state="S", ppid=1, start=1000, fds=None,
         net=None, kthread=False):
    d = os.path.join(root, str(pid))
    write(d + "/stat", stat_line(pid, comm, state, ppid, start, kthread), "wb")
    write(d + "/status", "Name:\tx\nUid:\t%d\t%d\t%d\t%d\n" % (uid, uid, uid, uid))
    if soft is not None:
        write(d + "/limits", limits(soft))
    link(d + "/ns/net", "net:[%d]" % ns)
    os.makedirs(d + "/fd", exist_ok=True)
    for fd, target in (fds or {}).items():
        link(d + "/fd/%d" % fd, target)
    for name, text in (net or {}).items():
        write(d + "/net/" + name, text)


def build(root):
    tcp = HDR
    tcp += inet_line(0, hex4("0.0.0.0", 8080), hex4("0.0.0.0", 0), 0x0A, 1001)          # listen
    tcp += inet_line(1, hex4("127.0.0.1", 8080), hex4("127.0.0.1", 50001), 0x08, 1002)  # in CW
    tcp += inet_line(2, hex4("127.0.0.1", 8080), hex4("127.0.0.1", 50002), 0x08, 1003)  # in CW
    tcp += inet_line(3, hex4("127.0.0.1", 8080), hex4("127.0.0.1", 50003), 0x01, 1004)  # in EST
    tcp += inet_line(4, hex4("10.1.2.3", 40000), hex4("93.184.216.34", 443), 0x01, 1005)  # out
    tcp += inet_line(5, hex4("10.1.2.3", 40001), hex4("93.184.216.34", 443), 0x06, 0)   # TIME_WAIT
    tcp += inet_line(6, hex4("127.0.0.1", 41000), hex4("127.0.0.1", 6379), 0x01, 2001)  # out (pid 200)
    tcp += "   7: this line is damaged\n"
    tcp6 = HDR + inet_line(0, hex6("2001:db8::2", 40002), hex6("2001:db8::1", 443), 0x08, 1007)
    tcp6 += inet_line(1, hex6("::", 8443), hex6("::", 0), 0x0A, 1011)                   # listen v6
    tcp6 += inet_line(2, hex6("::ffff:127.0.0.1", 8443), hex6("::ffff:127.0.0.1", 50100), 0x01, 1012)
    udp = HDR + inet_line(0, hex4("0.0.0.0", 68), hex4("0.0.0.0", 0), 0x07, 1006)
    unix = UNIX_HDR
    unix += "0000000000000000: 00000002 00000000 00010000 0001 01 1008 /run/web.sock\n"
    unix += "0000000000000000: 00000003 00000000 00000000 0001 03 1009 /run/web.sock\n"
    unix += "0000000000000000: 00000003 00000000 00000000 0001 03 1010\n"
    host_net = {"tcp": tcp, "tcp6": tcp6, "udp": udp, "udp6": HDR, "unix": unix}
    proc(root, 100, "web", uid=0, soft="1024", start=5000, net=host_net, fds={
        0: "/dev/null", 1: "pipe:[500]", 2: "pipe:[501]",
        3: "socket:[1001]", 4: "socket:[1002]", 5: "socket:[1003]", 6: "socket:[1004]",
        7: "socket:[1005]", 8: "socket:[1006]", 9: "socket:[1007]", 10: "socket:[1008]",
        11: "socket:[1009]", 12: "socket:[1010]", 13: "anon_inode:[eventpoll]",
        14: "anon_inode:inotify", 15: "/var/log/web/access.log", 16: "/var/log/web/error.log",
        17: "/memfd:cache (deleted)", 18: "net:[4026531993]", 19: "socket:[9999]",
        20: "socket:[1011]", 21: "socket:[1012]", 22: "/var/log/web/old.log (deleted)"})
    # Hostile name and path; unlimited limit; same namespace (tables read once).
    proc(root, 200, b"\x1b[2J\nEVIL\xff", uid=65534, soft="unlimited", start=6000, net=host_net, fds={
        0: b"/tmp/evil\x1b]0;x\x07\n\xff.log".decode("utf-8", "surrogateescape"),
        1: "socket:[2001]", 2: "anon_inode:[eventfd]"})
    # A container: its own namespace and tables.
    ctr_tcp = HDR + inet_line(0, hex4("127.0.0.1", 9000), hex4("0.0.0.0", 0), 0x0A, 3001)
    ctr_tcp += inet_line(1, hex4("127.0.0.1", 9000), hex4("127.0.0.1", 51000), 0x08, 3002)
    ctr_tcp += inet_line(2, hex4("127.0.0.1", 51000), hex4("127.0.0.1", 9000), 0x09, 3003)
    proc(root, 600, "ctr", ns=NS_CTR, start=7000,
         net={"tcp": ctr_tcp, "tcp6": HDR, "udp": HDR, "udp6": HDR, "unix": UNIX_HDR},
         fds={3: "socket:[3001]", 4: "socket:[3002]", 5: "socket:[3003]"})
    # Damaged: stat that does not parse (skipped); limits without the line.
    write(root + "/400/stat", "400 garbage\n")
    proc(root, 410, "nolimit", soft=None, start=8000, fds={0: "/dev/null"})
    write(root + "/410/limits", "Limit Soft Hard Units\nMax processes 1 1 processes\n")
    # Skipped: a zombie, a kernel thread, and non-pid entries.
    proc(root, 500, "zombie", state="Z", start=9000)
    proc(root, 2, "kthreadd", ppid=0, start=1, kthread=True)
    proc(root, 700, "kworker/0:1", ppid=2, start=2, kthread=True)
    write(root + "/self/stat", "not a pid dir\n")
    os.makedirs(root + "/sys", exist_ok=True)


EXPECTED = {
    100: {"comm": "web", "fds": 23, "limit": 1024, "start": 5000, "user": "root",
          "types": {"file": 5, "socket": 13, "pipe": 2, "anon": 2, "other": 1},
          "sockets": sorted([
              ("tcp", "in", "local", "127.0.0.1:8080", "CLOSE_WAIT", 2),
              ("tcp", "in", "local", "127.0.0.1:8080", "ESTABLISHED", 1),
              ("tcp", "listen", "local", "0.0.0.0:8080", "LISTEN", 1),
              ("tcp", "out", "remote", "93.184.216.34:443", "ESTABLISHED", 1),
              ("udp", "none", "local", "0.0.0.0:68", "UNCONN", 1),
              ("tcp6", "out", "remote", "[2001:db8::1]:443", "CLOSE_WAIT", 1),
              ("tcp6", "listen", "local", "[::]:8443", "LISTEN", 1),
              ("tcp6", "in", "local", "127.0.0.1:8443", "ESTABLISHED", 1),  # IPv4-mapped: shown as IPv4
              ("unix", "listen", "local", "/run/web.sock", "LISTEN", 1),
              ("unix", "in", "local", "/run/web.sock", "ESTABLISHED", 1),
              ("unix", "none", "local", None, "ESTABLISHED", 1),
              ("socket-other", "none", "local", None, None, 1)]),
          "files": [("/var/log/web", 3), ("/dev", 1), ("/memfd:cache", 1)]},
    200: {"comm": "\x1b[2J\nEVIL\ufffd", "fds": 3, "limit": None, "start": 6000, "user": "nobody",
          "types": {"file": 1, "socket": 1, "pipe": 0, "anon": 1, "other": 0},
          "sockets": [("tcp", "out", "remote", "127.0.0.1:6379", "ESTABLISHED", 1)],
          "files": [("/tmp", 1)]},
    410: {"comm": "nolimit", "fds": 1, "limit": None, "start": 8000, "user": "root",
          "types": {"file": 1, "socket": 0, "pipe": 0, "anon": 0, "other": 0},
          "sockets": [], "files": [("/dev", 1)]},
    600: {"comm": "ctr", "fds": 3, "limit": 1024, "start": 7000, "user": "root",
          "types": {"file": 0, "socket": 3, "pipe": 0, "anon": 0, "other": 0},
          "sockets": sorted([("tcp", "listen", "local", "127.0.0.1:9000", "LISTEN", 1),
                             ("tcp", "in", "local", "127.0.0.1:9000", "CLOSE_WAIT", 1),
                             ("tcp", "out", "remote", "127.0.0.1:9000", "LAST_ACK", 1)]),
          "files": []},
}


def groups(rec):
    out = []
    for g in rec["sockets"]:
        key = "remote" if g["direction"] == "out" else "local"
        check(("remote" if key == "local" else "local") not in g,
              "pid %d: a %s group carries only its %s endpoint" % (rec["pid"], g["direction"], key))
        out.append((g["proto"], g["direction"], key, g.get(key), g["state"], g["count"]))
    return sorted(out)


with tempfile.TemporaryDirectory() as root:
    build(root)
    r = fdwatch("report", "--proc", root, "--format", "json")
    equal(r.returncode, 0, "report --proc exits 0")
    equal(r.stderr, "", "nothing on stderr")
    recs = {x["pid"]: x for x in json_lines(r.stdout)}
    equal(sorted(recs), sorted(EXPECTED), "the readable processes, and only they, are reported")
    for pid, want in EXPECTED.items():
        got = recs.get(pid)
        if not got:
            continue
        for k in ("comm", "fds", "limit", "start", "user", "types"):
            equal(got.get(k), want[k], "pid %d: %s" % (pid, k))
        equal(groups(got), want["sockets"], "pid %d: socket groups" % pid)
        equal(sorted((f["dir"], f["count"]) for f in got["files"]), sorted(want["files"]),
              "pid %d: file groups" % pid)
        equal(sum(got["types"].values()), got["fds"], "pid %d: types add up to fds" % pid)
    check(all(isinstance(x["time"], (int, float)) for x in recs.values()), "every record has a time")

    # The text report: hostile text escaped, damaged input counted.
    r = fdwatch("report", "--proc", root, "--color", "never")
    equal(r.returncode, 0, "text report exits 0")
    check("\x1b" not in r.stdout and "\xff" not in r.stdout, "no raw ESC in the text report")
    check("\\e[2J\\nEVIL\\xff" in r.stdout, "the hostile name is shown escaped", r.stdout)
    check("lines of /proc did not parse" in r.stdout, "damaged lines are counted", r.stdout)
    check("-> 93.184.216.34:443 ESTABLISHED" in r.stdout, "the outgoing endpoint is listed")

    # Selection on the fixture: -p, -u, -c.
    pids = lambda *a: sorted(x["pid"] for x in json_lines(
        fdwatch("report", "--proc", root, "--format", "json", *a).stdout))
    equal(pids("-p", "100,600"), [100, 600], "-p selects a list of pids")
    equal(pids("-p", "100", "-p", "200"), [100, 200], "-p repeats")
    equal(pids("-u", "nobody"), [200], "-u by name")
    equal(pids("-u", "65534"), [200], "-u by uid")
    equal(pids("-c", "^(web|ctr)$"), [100, 600], "-c matches the name with an extended regex")
    equal(pids("-c", "web", "-u", "nobody"), [], "selections combine")
    r = fdwatch("report", "--proc", root, "-p", "4242")
    equal(r.returncode, 1, "a missing pid alone is an error")
    check("4242" in r.stderr and "not found" in r.stderr, "and says which pid", r.stderr)

done()
