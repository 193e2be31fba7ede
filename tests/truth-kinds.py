#!/usr/bin/env python3
"""Every kind of fd the kernel here can make, one process each
(tests/helper-zoo), checked three ways: the zoo against /proc itself (link
text, socket protocol, the kernel's socket tables), fdwatch's fine "kinds",
types and socket groups against the zoo's expectation (report over netlink,
report over the /proc tables, record), and lsfd's TYPE against the same
kinds. A fixture /proc tree covers the kinds no process here can hold. A
kind the zoo could not make is a skipped part, never a pass."""

import atexit
import collections
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import tempfile
import threading

import fdtest
from fdtest import check, done, equal, fdwatch, json_lines, note, report, skip, skip_part

ZOO = os.path.join(fdtest.BUILDDIR, "helper-zoo")
TYPES = ("file", "socket", "pipe", "anon", "other")

# What lsfd 2.38 says of each fdwatch kind: its TYPE, and where definite its
# SOURCE, DELETED and PROTONAME (a regular expression). "UNKN": lsfd does not
# know the kind (noted, never asserted); None: lsfd lists no row for it.
# Newer lsfd names sockets in TYPE itself, which the socket entries allow.
UNKN = "UNKN"
LSFD = {
    "regular": {"type": "REG", "deleted": False},
    "directory": {"type": "DIR", "deleted": False},
    "chardev": {"type": "CHR"},
    "blockdev": {"type": "BLK"},
    "fifo": {"type": "FIFO"},
    "memfd": {"type": "REG", "deleted": True},
    "deleted": {"type": "REG", "deleted": True},
    "procfs": {"type": "REG", "source": "proc"},
    "mqueue": {"type": "REG", "deleted": True},      # the zoo unlinks it at once
    "secretmem": {"type": "REG"},
    "nsfs": {"type": "REG"},
    "file-other": None,                              # readlink fails: lsfd drops it
    "pipe": {"type": "FIFO", "source": "pipefs"},
}
for k in ("eventfd", "eventpoll", "timerfd", "signalfd", "inotify", "fanotify", "pidfd",
          "io_uring", "perf_event", "bpf-map", "bpf-prog", "userfaultfd"):
    LSFD[k] = UNKN
for k, proto in (("tcp", "TCP"), ("tcp6", "TCPv6"), ("udp", "UDP"), ("udp6", "UDPv6"),
                 ("udplite", "UDP-Lite"), ("udplite6", "UDPLITEv6"), ("raw", "RAW"),
                 ("raw6", "RAWv6"), ("unix", "UNIX(-STREAM|-SEQPACKET)?"),
                 ("netlink-route", "NETLINK"), ("netlink-sock_diag", "NETLINK"),
                 ("netlink-kobject_uevent", "NETLINK"), ("packet", "PACKET"),
                 ("vsock", "AF_VSOCK"), ("xdp", "XDP"), ("mptcp", "MPTCP"), ("icmp", "PING"),
                 ("sctp", "SCTP")):
    LSFD[k] = {"type": "SOCK|" + proto, "protoname": proto, "source": "sockfs"}

# The kernel's socket protocol names (system.sockprotoname) as fdwatch's.
SOCKPROTO = {"TCP": "tcp", "TCPv6": "tcp6", "UDP": "udp", "UDPv6": "udp6",
             "UDP-Lite": "udplite", "UDPLITEv6": "udplite6", "RAW": "raw", "RAWv6": "raw6",
             "UNIX": "unix", "UNIX-STREAM": "unix", "UNIX-SEQPACKET": "unix",
             "NETLINK": "netlink", "PACKET": "packet", "AF_VSOCK": "vsock", "XDP": "xdp",
             "MPTCP": "mptcp", "MPTCPv6": "mptcp6", "PING": "icmp", "PINGv6": "icmp6",
             "SCTP": "sctp", "SCTPv6": "sctp6"}
NETLINK_PROTOS = {0: "route", 2: "usersock", 4: "sock_diag", 6: "xfrm", 9: "audit",
                  11: "connector", 12: "netfilter", 15: "kobject_uevent", 16: "generic"}
INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6")
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING"}

if not os.access(ZOO, os.X_OK):
    skip("helper-zoo is not built")


# The zoo.

def start_zoo(prefix=(), kinds=()):
    """Starts the zoo (under prefix, with only these kinds when given) and
    reads its lines up to READY (at most 60 s)."""
    p = subprocess.Popen(list(prefix) + [ZOO] + list(kinds), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    atexit.register(stop_zoo, p)
    timer = threading.Timer(60, p.kill)
    timer.start()
    lines = []
    for line in p.stdout:
        if line.strip() == "READY":
            break
        lines.append(json.loads(line))
    timer.cancel()
    if p.poll() is not None:
        raise RuntimeError("helper-zoo ended before READY: " + p.stderr.read())
    return p, lines


def stop_zoo(p):
    """EOF on its stdin: it stops its children and removes its directory."""
    if p.poll() is None:
        p.stdin.close()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def total(want):
    return sum(want["kinds"].values())


# /proc truth.

def hex_ep(text, v6):
    """An endpoint of /proc/net/tcp* (hex, little-endian words) as fdwatch
    prints it: "127.0.0.1:80", "[::1]:80"."""
    addr, port = text.split(":")
    if v6:
        raw = b"".join(struct.pack("<I", int(addr[i:i + 8], 16)) for i in range(0, 32, 8))
        host = "[%s]" % socket.inet_ntop(socket.AF_INET6, raw)
    else:
        host = socket.inet_ntop(socket.AF_INET, struct.pack("<I", int(addr, 16)))
    return "%s:%d" % (host, int(port, 16))


def read_rows(path, fields=-1):
    try:
        # Other processes' unix paths may hold any byte.
        with open(path, errors="surrogateescape") as f:
            return [l.rstrip("\n").split(None, fields) for l in f.readlines()[1:]]
    except OSError:
        return []


def socket_tables(pid):
    """Every socket the kernel's /proc tables show in pid's namespace, by
    inode: what each says of it."""
    out = {}
    for name in INET_TABLES:
        v6 = name.endswith("6")
        for f in read_rows("/proc/%d/net/%s" % (pid, name)):
            if len(f) < 10 or not f[9].isdigit():
                continue
            st = int(f[3], 16)
            remote = hex_ep(f[2], v6)
            unset = remote.endswith(":0")
            if name.startswith("tcp"):
                state = TCP_STATES.get(st, "?")
            else:
                state = "ESTABLISHED" if st == 1 else "UNCONN"
            out[int(f[9])] = {"proto": name, "local": hex_ep(f[1], v6),
                              "remote": None if unset else remote, "state": state,
                              "listening": name.startswith("tcp") and st == 10}
    for f in read_rows("/proc/%d/net/unix" % pid, 7):
        if len(f) < 7:
            continue
        listening = int(f[3], 16) & 0x10000 != 0
        st = int(f[5], 16)
        state = "LISTEN" if listening else "ESTABLISHED" if st == 3 else "UNCONN"
        out[int(f[6])] = {"proto": "unix", "path": f[7] if len(f) > 7 else None,
                          "listening": listening, "connected": st == 3, "state": state}
    for f in read_rows("/proc/%d/net/netlink" % pid):
        if len(f) >= 10:
            eth = int(f[1])
            out[int(f[9])] = {"proto": "netlink", "local": NETLINK_PROTOS.get(eth, str(eth))}
    for f in read_rows("/proc/%d/net/packet" % pid):
        if len(f) >= 9:
            try:
                iface = socket.if_indextoname(int(f[4]))
            except OSError:
                iface = f[4]
            out[int(f[8])] = {"proto": "packet", "local": iface}
    return out


def socket_facts(path, inode, tables):
    """What /proc says of one socket fd: its protocol by the kernel's name
    for it, and the row of its table. A TCP, UDP or raw socket in no table of
    its namespace was never bound or connected."""
    try:
        name = os.getxattr(path, "system.sockprotoname").rstrip(b"\0").decode()
    except OSError as e:
        name = "?" + e.strerror
    proto = SOCKPROTO.get(name, name)
    row = tables.get(inode)
    if row:
        facts = dict(row, seen=True, proto=proto, table=row["proto"])
    elif proto in INET_TABLES:
        facts = {"proto": proto, "seen": True, "table": None, "local": None, "remote": None,
                 "listening": False, "state": "CLOSE" if proto.startswith("tcp") else "UNCONN"}
    else:
        facts = {"proto": proto, "seen": False, "table": None}
    if proto == "netlink":
        facts["kind"] = "netlink-" + facts.get("local", "?")
    else:
        facts["kind"] = proto
    return facts


def file_kind(path, link):
    """The kind of a file fd (link starting with "/", or None when the path
    is too long for readlink), from the file itself."""
    st = os.stat(path)
    if link is None:
        return "file-other" if stat.S_ISREG(st.st_mode) else "?"
    for test, kind in ((stat.S_ISDIR, "directory"), (stat.S_ISCHR, "chardev"),
                       (stat.S_ISBLK, "blockdev"), (stat.S_ISFIFO, "fifo")):
        if test(st.st_mode):
            return kind
    if not stat.S_ISREG(st.st_mode):
        return "?"
    if link.startswith("/memfd:") and st.st_nlink == 0:
        return "memfd"
    if link == "/secretmem (deleted)":
        return "secretmem"
    if st.st_dev == os.stat("/proc/self/stat").st_dev:
        return "procfs"
    if re.fullmatch(r"/fdwatch-zoo-\d+( \(deleted\))?", link):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            return "mqueue" if os.read(fd, 64).startswith(b"QSIZE:") else "?"
        finally:
            os.close(fd)
    if st.st_nlink == 0 and link.endswith(" (deleted)"):
        return "deleted"
    return "regular"


def truth(pid):
    """Every fd of pid as /proc shows it: fd -> (kind, type, socket facts)."""
    tables = socket_tables(pid)
    nsfs_dev = os.stat("/proc/self/ns/net").st_dev
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        path = "/proc/%d/fd/%s" % (pid, fd)
        try:
            link = os.readlink(path)
        except OSError as e:
            if e.errno == 2:
                continue
            link = None
        facts = None
        m = re.fullmatch(r"anon_inode:\[?([^\]]*)\]?", link or "")
        if link is None or link.startswith("/"):
            kind, bucket = file_kind(path, link), "file"
        elif re.fullmatch(r"pipe:\[\d+\]", link):
            kind, bucket = "pipe", "pipe"
        elif m:
            kind, bucket = m.group(1), "anon"
        elif re.fullmatch(r"socket:\[\d+\]", link):
            facts = socket_facts(path, int(link[8:-1]), tables)
            kind, bucket = facts["kind"], "socket"
        elif re.fullmatch(r"[a-z_]+:\[\d+\]", link) and os.stat(path).st_dev == nsfs_dev:
            kind, bucket = "nsfs", "other"
        else:
            kind, bucket = "?" + link, "other"
        out[int(fd)] = (kind, bucket, facts)
    return out


def facts_match(g, f):
    """Does the socket /proc describes as f belong in the expected group g?
    A socket in no table /proc shows is judged by its protocol alone."""
    if g["proto"] != f["proto"]:
        return False
    if not f["seen"]:
        return True
    if "state" in g and g["state"] != f.get("state"):
        return False
    d = g["direction"]
    ep = g.get("remote") if d == "out" else g.get("local")
    if f["proto"] == "unix":
        if d == "listen":
            return f["listening"] and f["path"] == ep
        if d == "in":
            return not f["listening"] and f["connected"] and f["path"] == ep
        if d == "out":
            return not f["listening"] and f["path"] == g.get("_bound")
        return not f["listening"] and f["path"] == ep
    if f["proto"] in ("netlink", "packet"):
        return d == "none" and f["local"] == ep
    if d == "listen":
        return f["listening"] and f["local"] == ep
    if d == "in":
        return not f["listening"] and f["remote"] is not None and f["local"] == ep
    if d == "out":
        return f["remote"] == ep
    return not f["listening"] and f["remote"] is None and f["local"] == ep


def check_truth(want):
    """The zoo is honest: its child holds exactly the fds it says, of the
    kinds it says, and every socket sits in the group it expects."""
    k, pid = want["kind"], want["pid"]
    fds = truth(pid)
    equal(len(fds), total(want), "zoo %s: /proc/%d/fd holds exactly its %d fds" % (k, pid, total(want)))
    kinds = collections.Counter(v[0] for v in fds.values())
    equal(dict(kinds), want["kinds"], "zoo %s: /proc shows the kinds it expects" % k)
    types = collections.Counter(v[1] for v in fds.values())
    equal({t: types.get(t, 0) for t in TYPES}, want["types"], "zoo %s: and the types" % k)
    socks = [v[2] for v in fds.values() if v[2]]
    if "sockets" not in want:
        if socks:
            check(all(f["table"] is None for f in socks),
                  "zoo %s: its sockets are in no table of its namespace" % k, socks)
        return
    counts = [0] * len(want["sockets"])
    lost = []
    for f in socks:
        hits = [i for i, g in enumerate(want["sockets"]) if facts_match(g, f)]
        if len(hits) == 1:
            counts[hits[0]] += 1
        else:
            lost.append((f, hits))
    check(not lost and counts == [g["count"] for g in want["sockets"]],
          "zoo %s: every socket is in exactly one expected group, by /proc" % k,
          "not placed: %r\ncounts %r\nwant %r" % (lost, counts, want["sockets"]))


# fdwatch.

def plain(g):
    return {k: v for k, v in g.items() if not k.startswith("_")}


def group_fits(g, got, procfs):
    if all(got.get(k) == v for k, v in plain(g).items()):
        return True
    # The /proc tables do not name a unix peer: a client there may only be
    # unplaced (none, unnamed or under its own path) or out toward nothing,
    # never in under its own path.
    if procfs and g["proto"] == "unix" and g["direction"] == "out" and got.get("proto") == "unix":
        if got.get("count") != g["count"] or ("state" in g and got.get("state") != g["state"]):
            return False
        if got.get("direction") == "out":
            return got.get("remote") in (None, g["remote"])
        if got.get("direction") == "none":
            return got.get("local") in (None, g.get("_bound"))
    return False


def check_groups(want, rec, mode, procfs):
    k = want["kind"]
    got = list(rec.get("sockets") or [])
    if "sockets" not in want:
        if want["types"]["socket"] == 0:
            equal(got, [], "%s %s: no socket groups" % (mode, k))
        return
    missing = []
    for g in want["sockets"]:
        hit = next((i for i, x in enumerate(got) if group_fits(g, x, procfs)), None)
        if hit is None:
            missing.append(plain(g))
        else:
            got.pop(hit)
    check(not missing and not got, "%s %s: every expected socket group, and no other" % (mode, k),
          "missing %r\nextra %r" % (missing, got))


def check_record(want, rec, mode, procfs=False):
    k = want["kind"]
    if rec is None:
        check(False, "%s %s: fdwatch has a record of pid %d" % (mode, k, want["pid"]))
        return
    equal(rec.get("kinds"), want["kinds"], "%s %s: kinds" % (mode, k))
    equal(rec.get("types"), want["types"], "%s %s: types" % (mode, k))
    equal(rec.get("fds"), total(want), "%s %s: fds is the sum of its kinds" % (mode, k))
    check_groups(want, rec, mode, procfs)


def reports(made, env=None):
    out = {}
    for w in made:
        try:
            out[w["pid"]] = report(w["pid"], env=env)
        except RuntimeError as e:
            note(str(e))
    return out


def recorded(made):
    """The last sample of each pid from `fdwatch record`."""
    pids = ",".join(str(w["pid"]) for w in made)
    r = fdwatch("record", "-n", 3, "-d", 0.2, "-p", pids)
    check(r.returncode == 0, "fdwatch record -n 3 exits 0", r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "pid" in rec:
            out[rec["pid"]] = rec
    return out


def same(rec):
    if rec is None:
        return None
    # idle times move between two looks: the groups are compared without
    return (rec.get("kinds"), rec.get("types"), rec.get("fds"),
            sorted(json.dumps({k: v for k, v in g.items() if k != "idle"}, sort_keys=True)
                   for g in rec.get("sockets") or []))


# lsfd.

def lsfd_rows(made):
    """lsfd's rows for the zoo's pids, by pid; None when lsfd cannot say."""
    if not shutil.which("lsfd"):
        return None
    pids = ",".join(str(w["pid"]) for w in made)
    r = subprocess.run(["lsfd", "-J", "-o", "PID,ASSOC,TYPE,SOURCE,NAME,DELETED,PROTONAME",
                        "-p", pids], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        note("lsfd: " + r.stderr.strip())
        return None
    out = collections.defaultdict(list)
    for row in json.loads(r.stdout).get("lsfd", []):
        if str(row.get("assoc", "")).isdigit():
            out[int(row["pid"])].append(row)
    return out


def lsfd_fits(spec, row):
    if not re.fullmatch(spec["type"], row.get("type") or ""):
        return False
    if "source" in spec and row.get("source") != spec["source"]:
        return False
    if "deleted" in spec and row.get("deleted") != spec["deleted"]:
        return False
    return "protoname" not in spec or re.fullmatch(spec["protoname"], row.get("protoname") or "")


def check_lsfd(want, rows):
    """lsfd agrees on every kind it names; returns what it said, for the log."""
    k = want["kind"]
    rows = list(rows)
    said = ",".join(sorted(set((r.get("type") or "") + (":" + r["protoname"] if r.get("protoname") else "")
                               for r in rows))) or "-"
    specs, unknown = [], []
    for kind, n in want["kinds"].items():
        spec = LSFD.get(kind, UNKN)
        if spec is None or spec == UNKN:
            unknown.append(kind)
        else:
            specs += [(kind, spec)] * n
    if unknown:
        note("lsfd %s: does not know %s (%s)" % (k, ", ".join(unknown), said))
    for r in rows:
        m = re.search(r"protocol=(\w+)", r.get("name") or "")
        if m:
            check("netlink-" + m.group(1) in want["kinds"],
                  "lsfd %s: netlink protocol=%s is one of its kinds" % (k, m.group(1)), r)
    if not specs:
        return said
    rows = [r for r in rows if r.get("type") != UNKN]
    missing = []
    for kind, spec in specs:
        hit = next((i for i, r in enumerate(rows) if lsfd_fits(spec, r)), None)
        if hit is None:
            missing.append(kind)
        else:
            rows.pop(hit)
    check(not missing and not rows, "lsfd %s: TYPE agrees for %s" % (k, ", ".join(sorted(set(s[0] for s in specs)))),
          "no row for %r\nrows left %r" % (missing, rows))
    return said


# A fixture /proc tree for the kinds no process here can hold.

def fixture():
    pid = 4242
    fds = {3: "anon_inode:[kvm-vcpu:0]", 4: "anon_inode:bpf_link",
           5: "anon_inode:[some weird name with spaces]", 6: "net:[4026531840]",
           7: "mnt:[4026531841]", 8: "weird:thing", 9: "anon_inode:[eventfd]", 10: "pipe:[77]"}
    want = {"kinds": {"kvm-vcpu": 1, "bpf_link": 1, "anon-other": 1, "nsfs": 2, "unknown": 1,
                      "eventfd": 1, "pipe": 1},
            "types": {"file": 0, "socket": 0, "pipe": 1, "anon": 4, "other": 3}}
    with tempfile.TemporaryDirectory() as root:
        d = os.path.join(root, str(pid))
        os.makedirs(d + "/fd")
        os.makedirs(d + "/ns")
        fields = [1, pid, pid, 0, -1, 4194560] + [0] * 12
        with open(d + "/stat", "w") as f:
            f.write("%d (fixture) S %s 1000 100 0 0\n" % (pid, " ".join(map(str, fields))))
        with open(d + "/status", "w") as f:
            f.write("Name:\tfixture\nUid:\t0\t0\t0\t0\n")
        with open(d + "/limits", "w") as f:
            f.write("Limit                     Soft Limit           Hard Limit           Units     \n"
                    "Max open files            1024                 1024                 files     \n")
        os.symlink("net:[4026531840]", d + "/ns/net")
        for fd, target in fds.items():
            os.symlink(target, "%s/fd/%d" % (d, fd))
        r = fdwatch("report", "--proc", root, "--format", "json", "-p", pid)
    equal(r.returncode, 0, "fixture: report --proc exits 0")
    recs = [x for x in json_lines(r.stdout) if x.get("pid") == pid]
    rec = recs[0] if len(recs) == 1 else {}
    equal(rec.get("kinds"), want["kinds"],
          "fixture: anon kinds by the kernel's name without :N, anon-other, nsfs, unknown")
    equal(rec.get("types"), want["types"], "fixture: types")
    equal(rec.get("fds"), len(fds), "fixture: fds")


zoo, lines = start_zoo()
# Ping sockets need net.ipv4.ping_group_range to allow them: set in a
# network namespace of the zoo's own, never on the machine.
PING_NS = ["unshare", "-n", "sh", "-c", 'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range'
           ' && ip link set lo up && exec "$0" "$@"']
if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip") and \
        subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
    lines = [w for w in lines if w["kind"] not in ("icmp", "icmp6")]
    zoo_ns, ns_lines = start_zoo(PING_NS, ("icmp", "icmp6"))
    lines += ns_lines
else:
    zoo_ns = None
    skip_part("ping sockets: need root, unshare -n and ip(8) for a namespace of their own")
made = [w for w in lines if "pid" in w]
for w in lines:
    if "skipped" in w:
        skip_part("zoo %s: %s" % (w["kind"], w["skipped"]))
    elif "error" in w:
        check(False, "zoo %s: made" % w["kind"], w["error"])
if not made:
    skip("the zoo could make no kind here")

for w in made:
    check_truth(w)

nl = reports(made)
pf = reports(made, env=dict(os.environ, FDWATCH_NO_NETLINK="1"))
rc = recorded(made)
for w in made:
    pid = w["pid"]
    check_record(w, nl.get(pid), "report")
    check_record(w, pf.get(pid), "procfs", procfs=True)
    check_record(w, rc.get(pid), "record")
    a, b, c = same(nl.get(pid)), same(rc.get(pid)), same(pf.get(pid))
    check(a is not None and a == b, "%s: report and record agree" % w["kind"], "%r\n%r" % (a, b))
    check(a is not None and c is not None and a[:3] == c[:3],
          "%s: netlink and the /proc tables agree on kinds, types and fds" % w["kind"],
          "%r\n%r" % (a, c))

# A watching sampler reads no table again for sockets that no table lists
# (never bound, vsock, UDP-Lite, one made in another namespace) while their
# process holds still: after the first tick, nothing is classified anew.
BENCH = os.path.join(fdtest.BUILDDIR, "..", "bench", "fdwatch-bench")
quiet = [w["pid"] for w in made if w["kind"] in ("tcp-unbound", "vsock", "xdp", "udplite",
                                                  "udplite6", "netns-socket", "netlink-route")]
if quiet and os.access(BENCH, os.X_OK):
    r = subprocess.run([BENCH, "-n", "5", "-d", "0.2", "-a", "30", "-p",
                        ",".join(str(p) for p in quiet)], capture_output=True, text=True, timeout=60)
    ticks = [dict(f.split("=", 1) for f in l.split() if "=" in f)
             for l in r.stdout.splitlines() if l.startswith("tick=")]
    later = ticks[1:]
    check(r.returncode == 0 and len(later) == 4 and
          all(t["tables_read"] == "0" and t["classified"] == "0" for t in later),
          "a watcher reads no table again for sockets no table lists",
          "\n".join(l for l in r.stdout.splitlines() if l.startswith("tick="))[:1500])
else:
    skip_part("no bench/fdwatch-bench here, or no socket of no table was made")

# The text report spells out the kinds its types lump together.
many = [w for w in made if w["kind"] == "many-kinds"]
if many:
    r = fdwatch("report", "-p", many[0]["pid"])
    line = [l.strip() for l in r.stdout.splitlines() if l.strip().startswith("kinds ")]
    check(len(line) == 1 and all("%s %d" % (k, n) in line[0] for k, n in many[0]["kinds"].items()),
          "the text report shows the kinds of a process", r.stdout)
else:
    skip_part("many-kinds was not made: no text report check")

# An anon inode that leaks is named by its kind in the alert, not as "anon".
r = subprocess.run([fdtest.FDWATCH, "run", "--format", "json", "--", fdtest.HELPER, "--leak",
                    "eventfd", "--rate", "40", "--nofile", "700", "--timeout", "10"],
                   capture_output=True, text=True, timeout=120)
summary = [json.loads(l) for l in r.stderr.splitlines() if l.startswith('{"summary"')]
alert = (summary[0].get("alert") or {}) if summary else {}
equal(r.returncode, 2, "run catches an eventfd leak")
equal(alert.get("source"), {"type": "anon", "kind": "eventfd"},
      "the alert's source is the kind that grows")

rows = lsfd_rows(made)
if rows is None:
    skip_part("lsfd is not installed or failed: no cross-check with it")
table = ["kind | fdwatch kinds | lsfd TYPE"]
for w in made:
    said = check_lsfd(w, rows.get(w["pid"], [])) if rows is not None else "-"
    got = (nl.get(w["pid"]) or {}).get("kinds")
    table.append("%s | %s | %s" % (w["kind"], json.dumps(got) if got is not None else "-", said))
for w in lines:
    if "pid" not in w:
        table.append("%s | (not made: %s) |" % (w["kind"], w.get("skipped") or w.get("error")))
note("\n".join(table))

fixture()
stop_zoo(zoo)
equal(zoo.returncode, 0, "the zoo exits 0 on EOF")
if zoo_ns:
    stop_zoo(zoo_ns)
done()
