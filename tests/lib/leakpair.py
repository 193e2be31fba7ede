#!/usr/bin/env python3
"""A client that keeps its HTTP responses open against a local server: the
leak of a request loop that never closes the response body.

    leakpair.py N [UNIX_N [RATE]]

Starts a keep-alive HTTP server on 127.0.0.1 (comm "leaksrv", a child
process, one thread per connection, also serving UNIX_N connections on a
unix socket), then, as comm "fetcher", makes N requests, each on a new
connection, reads each response's head and keeps it open. Prints "CLIENT
SERVER PORT UNIXPATH" once every connection is made, then sleeps until
killed (the server goes with it); with RATE, goes on making RATE more
requests a second, each kept open the same way."""

import http.client
import http.server
import os
import signal
import socket
import socketserver
import sys
import tempfile
import threading
import time


def set_comm(name):
    with open("/proc/self/comm", "w") as f:
        f.write(name)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the connection stays up

    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_unix(path):
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(64)
    held = []
    while True:
        c, _ = ls.accept()
        held.append(c)


def main():
    n = int(sys.argv[1])
    nunix = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    path = os.path.join(tempfile.mkdtemp(prefix="fdwatch-leak."), "srv.sock")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    ready_r, ready_w = os.pipe()
    server = os.fork()
    if server == 0:
        os.close(ready_r)
        set_comm("leaksrv")
        threading.Thread(target=serve_unix, args=(path,), daemon=True).start()
        while not os.path.exists(path):
            time.sleep(0.01)
        os.write(ready_w, b"x")
        srv.serve_forever()
        os._exit(0)
    os.close(ready_w)
    srv.socket.close()
    os.read(ready_r, 1)
    set_comm("fetcher")
    kept = []

    def fetch():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/")
        r = c.getresponse()  # the head only: the body is never read or closed
        kept.append((c, r))

    for _ in range(n):
        fetch()
    for _ in range(nunix):
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.connect(path)
        kept.append(u)
    signal.signal(signal.SIGTERM, lambda *a: (os.kill(server, signal.SIGKILL), os._exit(0)))
    print(os.getpid(), server, port, path, flush=True)
    while True:
        if rate > 0:
            time.sleep(1 / rate)
            try:
                fetch()
            except OSError:  # out of fds: the leak has run its course
                rate = 0
        else:
            time.sleep(60)


main()
