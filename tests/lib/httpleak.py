#!/usr/bin/env python3
"""An HTTP pair for the exporter's tests: `httpleak.py server` answers
every request on 127.0.0.1 (a port it prints) and keeps each connection
until the client closes it; `httpleak.py client PORT RATE leak|close`
sends RATE requests a second, each on a new connection, and either keeps
every response unread and open (what Go's `defer resp.Body.Close()` in a
request loop does: nothing is closed until the function returns) or reads
and closes it. The client prints its pid, then runs until killed or until
open() fails (EMFILE), which it reports on stderr."""

import asyncio
import http.client
import os
import sys
import time


async def serve():
    async def conn(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    srv = await asyncio.start_server(conn, "127.0.0.1", 0, backlog=1024)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()


def client(port, rate, mode):
    print(os.getpid(), flush=True)
    kept = []
    t0 = time.monotonic()
    n = 0
    while True:
        n += 1
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/")
            r = c.getresponse()
        except OSError as e:
            print("request %d: %s" % (n, e), file=sys.stderr, flush=True)
            time.sleep(1)
            continue
        if mode == "leak":
            kept.append((c, r))
        else:
            r.read()
            c.close()
        delay = t0 + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(serve())
    else:
        client(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
