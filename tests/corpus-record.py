#!/usr/bin/env python3
"""Records the corpus's real traces (tests/corpus/*.jsonl): real processes
watched by `fdwatch record` at 0.25 s, trimmed to the fields the detector
reads (time, process, fds, limit, fd types, the three largest socket
groups) so that they stay small. Not part of `make check`; run it again to
remake the traces:

    corpus-record.py FDWATCH HELPER-FDS OUTDIR [NAME...]

Each shape is a real run:
  nginx-keepalive  nginx (stock keepalive_timeout 65) with 5 new idle
                   keep-alive clients a second: fills to a plateau of about
                   330 fds in a minute and holds (steady)
  warm-up          a process opening 3.2 fds/s from 10 to 300 over 90 s,
                   then holding (steady; thinned to 1 s and 5 s by corpus.py)
  gc-floor         a leak of 20 fds/s whose 'finaliser' closes 80 of them
                   every 5 s: a sawtooth with a rising floor, to EMFILE
  gc-refill        10 fds/s toward 512, 250 of them closed every 30 s: each
                   refill reaches further, until EMFILE
  at-limit         a process that runs into 256 fds and stays there, failing
                   every open (as a service does after EMFILE)"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def trim(src, dst, pid_filter=None):
    """Keeps the process records of src that the detector reads."""
    n = 0
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            r = json.loads(line)
            if "pid" not in r or "fds" not in r:
                continue
            if pid_filter is not None and r["pid"] != pid_filter:
                continue
            keep = {k: r[k] for k in ("time", "pid", "start", "comm", "fds", "limit", "types")
                    if k in r}
            if "types" in keep:
                keep["types"] = {k: v for k, v in keep["types"].items() if v}
            # The groups that can carry growth (a listener cannot), without
            # local paths.
            socks = sorted((s for s in r.get("sockets") or []
                            if s["count"] >= 5 and s.get("proto") != "unix"),
                           key=lambda s: -s["count"])[:3]
            if socks:
                keep["sockets"] = socks
            out.write(json.dumps(keep) + "\n")
            n += 1
    return n


def record(fdwatch, pid, seconds, path):
    return subprocess.Popen([fdwatch, "record", "-p", str(pid), "-d", "0.25",
                             "--duration", str(seconds), "-o", path])


def helper_shape(fdwatch, helper, args, seconds, out, tmp):
    h = subprocess.Popen([helper] + [str(a) for a in args] + ["--dir", tmp, "--timeout",
                                                              str(seconds + 2)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pid = int(h.stdout.readline().split()[0])
    raw = os.path.join(tmp, "raw-%d.jsonl" % pid)
    rec = record(fdwatch, pid, seconds, raw)
    rec.wait()
    h.terminate()
    h.wait()
    return trim(raw, out, pid)


def nginx_shape(fdwatch, out, tmp):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes 1;
worker_rlimit_nofile 1024;
pid %s/nginx.pid;
error_log %s/error.log;
daemon off;
events { worker_connections 1000; }
http {
    access_log off;
    keepalive_timeout 65;
    client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;
    uwsgi_temp_path %s; scgi_temp_path %s;
    server { listen 127.0.0.1:%d; location / { return 200 "ok\\n"; } }
}
""" % ((tmp,) * 7 + (port,)))
    master = subprocess.Popen([nginx, "-c", conf, "-p", tmp])
    time.sleep(1)
    worker = None
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            if int(st[st.rfind(")") + 2:].split()[1]) == master.pid:
                worker = int(d)
    raw = os.path.join(tmp, "raw-nginx.jsonl")
    rec = record(fdwatch, worker, 150, raw)
    conns, stop = [], time.monotonic() + 152

    def client():
        # 5 new clients a second, each sends one request and then idles;
        # nginx closes them after keepalive_timeout.
        while time.monotonic() < stop:
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            c.recv(4096)
            conns.append(c)
            time.sleep(0.2)
    t = threading.Thread(target=client)
    t.start()
    rec.wait()
    t.join()
    master.terminate()
    master.wait()
    for c in conns:
        c.close()
    return trim(raw, out, worker)


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    fdwatch, helper, outdir = argv[1:4]
    want = argv[4:]
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="corpus-record.")
    shapes = {
        "warm-up": lambda o: helper_shape(fdwatch, helper, [
            "--leak", "file", "--rate", 3.2, "--leak-max", 290, "--nofile", 1024], 150, o, tmp),
        "gc-floor": lambda o: helper_shape(fdwatch, helper, [
            "--leak", "file", "--rate", 20, "--drop", 80, "--every", 5, "--nofile", 1024],
            400, o, tmp),
        "gc-refill": lambda o: helper_shape(fdwatch, helper, [
            "--leak", "file", "--rate", 10, "--drop", 250, "--every", 30, "--nofile", 512],
            200, o, tmp),
        "at-limit": lambda o: helper_shape(fdwatch, helper, [
            "--leak", "file", "--rate", 40, "--nofile", 256, "--hold"], 30, o, tmp),
        "nginx-keepalive": lambda o: nginx_shape(fdwatch, o, tmp),
    }
    threads = []
    for name, fn in shapes.items():
        if want and name not in want:
            continue
        out = os.path.join(outdir, name + ".jsonl")
        th = threading.Thread(target=lambda fn=fn, out=out, name=name:
                              print(name, fn(out), "records", flush=True))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
