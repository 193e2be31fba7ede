#!/usr/bin/env python3
"""fdwatch metrics --listen, scraped over real HTTP: a client that leaks
its connections (Go's `defer resp.Body.Close()` in a request loop, here in
Python) at 30 requests/s toward 1024 fds is at alert level >= 1 in the
scrape 15 s after it starts, up from the scrape at its start, while the
same client closing its responses stays 0; the exposition passes
promtool; with the defaults the host makes at most 2,000 series; and the
server keeps answering through malformed requests, a hundred slow clients
and a client that never reads (which it closes after its idle timeout)."""

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from fdtest import FDWATCH, SRCDIR, _children, check, done, equal, note, skip_part

HTTPLEAK = os.path.join(SRCDIR, "lib", "httpleak.py")
SERIES = re.compile(r'^([a-z_]+)(\{.*\})? (\S+)$')


def start(cmd, nofile=None, **kw):
    def limit():
        if nofile:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            n = nofile if hard == resource.RLIM_INFINITY else min(nofile, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    p = subprocess.Popen(cmd, preexec_fn=limit, text=True, **kw)
    _children.append(p)
    return p


def exporter(*args):
    """Starts fdwatch metrics --listen 127.0.0.1:0 ARGS; returns it and
    the base URL it says it serves."""
    p = start([FDWATCH, "metrics", "--listen", "127.0.0.1:0"] + [str(a) for a in args],
              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    line = p.stderr.readline()
    m = re.search(r"https?://(\S+)/metrics", line)
    if not m:
        raise RuntimeError("the exporter did not start: %r" % line)
    return p, "http://%s" % m.group(1)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers, r.read().decode()


def scrape(base):
    """{(name, labels): value} of one scrape, and its text."""
    status, headers, text = get(base + "/metrics")
    series = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            m = SERIES.match(line)
            series[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return series, text


def level(series, pid):
    for (n, l), v in series.items():
        if n == "fdwatch_process_alert_level" and 'pid="%d"' % pid in l:
            return v
    return None


def raw(base, data, n=4096, timeout=5):
    host, port = base[len("http://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        s.sendall(data)
        return s.recv(n)
    except socket.timeout:
        return b"(no answer)"
    finally:
        s.close()


# The leak: its server, and two clients with the same loop at 30/s.
srv = start([sys.executable, HTTPLEAK, "server"], nofile=65536, stdout=subprocess.PIPE)
port = int(srv.stdout.readline())
leak = start([sys.executable, HTTPLEAK, "client", str(port), "30", "leak"], nofile=1024,
             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
good = start([sys.executable, HTTPLEAK, "client", str(port), "30", "close"], nofile=1024,
             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
leak_pid, good_pid = int(leak.stdout.readline()), int(good.stdout.readline())
t_start = time.monotonic()
ex, base = exporter("-p", "%d,%d" % (leak_pid, good_pid))
# The whole host with the defaults, for the robustness parts and the count.
ex2, base2 = exporter()

time.sleep(1.2)
s1, _ = scrape(base)
first = level(s1, leak_pid)
check(first is None or first == 0, "the scrape at the leak's start: no alert yet", first)

# While the leak grows: what hostile and broken clients do to the server.
status, headers, text = get(base2 + "/metrics")
equal(status, 200, "GET /metrics: 200")
check(headers["Content-Type"].startswith("text/plain; version=0.0.4"),
      "the exposition's content type", headers["Content-Type"])
nseries = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
note("series on this host with the defaults: %d" % nseries)
check(0 < nseries <= 2000, "at most 2000 series with the defaults", nseries)
if shutil.which("promtool"):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True)
    equal((r.returncode, r.stdout + r.stderr), (0, ""), "promtool check metrics on a scrape")
else:
    skip_part("promtool is not installed: promtool check metrics")
status, _, page = get(base2 + "/")
check(status == 200 and 'href="metrics"' in page, "/ is a page linking /metrics", page[:200])
for path, code in (("/nope", 404), ("/metrics/../etc/passwd", 404)):
    try:
        get(base2 + path)
        check(False, "GET %s: %d" % (path, code))
    except urllib.error.HTTPError as e:
        equal(e.code, code, "GET %s: %d" % (path, code))
ans = raw(base2, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
check(ans.startswith(b"HTTP/1.1 405"), "POST: 405", ans[:60])
ans = raw(base2, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
check(ans.startswith(b"HTTP/1.1 200") and b"# HELP" not in ans, "HEAD: 200 without a body",
      ans[:60])
for what, data, want in (
        ("a request line that is not HTTP", b"GARBAGE\r\n\r\n", (b"", b"HTTP/1.1 400")),
        # (Debian 11's libmicrohttpd answers it as HTTP/1.1: harmless)
        ("an unknown HTTP version", b"GET /metrics HTTP/9.9\r\n\r\n",
         (b"HTTP/1.1 505", b"HTTP/1.1 200", b"")),
        ("100 kB of header", b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
         (b"HTTP/1.1 431", b"HTTP/1.1 413", b"")),
        # (or, Debian 11, no answer until the idle timeout closes it)
        ("binary junk", bytes(range(256)) * 4 + b"\r\n\r\n",
         (b"", b"HTTP/1.1 400", b"(no answer)"))):
    ans = raw(base2, data, timeout=3)
    check(any(ans.startswith(w) if w else ans == b"" for w in want), "%s: refused" % what,
          ans[:60])
    s, _ = scrape(base2)
    check(("fdwatch_sample_duration_seconds", "") in s, "a scrape after %s works" % what)

# A client that sends many requests and never reads what comes back.
host, p2 = base2[len("http://"):].rsplit(":", 1)
mute = socket.socket()
mute.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
mute.connect((host, int(p2)))
mute.settimeout(2)
try:
    for i in range(200):
        mute.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
except (socket.timeout, OSError):
    pass
t_mute = time.monotonic()
# A hundred slow clients, each with half a request.
slow = []
for i in range(100):
    c = socket.create_connection((host, int(p2)))
    c.sendall(b"GET /metrics HTTP/1.1\r\nHo")
    slow.append(c)
t0 = time.monotonic()
s, _ = scrape(base2)
took = time.monotonic() - t0
check(("fdwatch_sample_duration_seconds", "") in s,
      "a scrape beside 100 slow clients and one that never reads works")
note("that scrape took %.3f s" % took)
lat = []
for i in range(20):
    t0 = time.monotonic()
    scrape(base2)
    lat.append(time.monotonic() - t0)
lat.sort()
note("scrape latency with the leak running: median %.4f s, max %.4f s" % (lat[10], lat[-1]))
for c in slow:
    c.close()

# 15 s after the leak started: the level rose; the closing client is ok.
time.sleep(max(0, t_start + 15 - time.monotonic()))
s2, text2 = scrape(base)
lv = level(s2, leak_pid)
check(lv is not None and lv >= 1, "15 s into the leak: its alert level is >= 1", lv)
check(lv is not None and lv > (first or 0), "the level rose between the two scrapes",
      (first, lv))
equal(level(s2, good_pid), 0.0, "the client that closes its responses stays at 0")
fds = [v for (n, l), v in s2.items() if n == "fdwatch_process_open_fds" and
       'pid="%d"' % leak_pid in l]
note("the leaking client's open fds then: %s of 1024" % fds)
src = [l for (n, l) in s2 if n == "fdwatch_process_growth_source_info" and
       'pid="%d"' % leak_pid in l]
check(src and 'endpoint="127.0.0.1:%d"' % port in src[0], "the growth source is the server",
      src)
leak.kill()
good.kill()

# The silent client is closed once idle past the timeout (10 s).
time.sleep(max(0, t_mute + 12 - time.monotonic()))
mute.setblocking(False)
closed = False
try:
    while True:
        b = mute.recv(65536)
        if not b:
            closed = True
            break
except BlockingIOError:
    pass
except ConnectionResetError:
    closed = True
check(closed, "the client that never reads was disconnected after its idle timeout")
mute.close()

# HTTPS and basic authentication, for a scrape from another host.
if shutil.which("openssl"):
    import base64
    import ssl
    import tempfile
    tdir = tempfile.mkdtemp(prefix="ops-exporter-")
    cert, key, pw = (os.path.join(tdir, n) for n in ("cert.pem", "key.pem", "auth"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"], capture_output=True,
                   check=True)
    with open(pw, "w") as f:
        f.write("prom:s3cret\n")
    ex3, base3 = exporter("--tls-cert", cert, "--tls-key", key, "--basic-auth", pw)
    url = base3.replace("http://", "https://", 1) + "/metrics"
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False

    def status(auth):
        req = urllib.request.Request(url)
        if auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(req, timeout=5, context=ctx) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    time.sleep(1.2)
    code, body = status("prom:s3cret")
    check(code == 200 and "fdwatch_build_info" in body, "HTTPS with the password: 200", code)
    equal(status(None)[0], 401, "HTTPS without a password: 401")
    equal(status("prom:s3cre")[0], 401, "HTTPS with a wrong password: 401")
    ans = raw(base3, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    check(not ans.startswith(b"HTTP/1.1 200"), "plain HTTP to the HTTPS port gets no metrics",
          ans[:60])
    ex3.send_signal(signal.SIGTERM)
    ex3.wait(10)
    r = subprocess.run([FDWATCH, "metrics", "--listen", "127.0.0.1:0", "--tls-cert", pw,
                        "--tls-key", pw, "-n", "1"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and "PEM" in r.stderr, "a certificate that is not one: exit 1, said why",
          r.stderr)
    shutil.rmtree(tdir)
else:
    skip_part("openssl is not installed: the HTTPS part")

# A capability copy run by another user: the thread that parses HTTP holds
# no capability in effect; the sampling thread keeps its own.
capdir = tempfile.mkdtemp(prefix="fdwatch-capx.")
os.chmod(capdir, 0o755)
capexe = os.path.join(capdir, "fdwatch")
shutil.copy(FDWATCH, capexe)
os.chmod(capexe, 0o755)
if os.geteuid() != 0 or not shutil.which("setcap") or not shutil.which("setpriv"):
    skip_part("needs root, setcap and setpriv: the capability copy's server thread")
elif subprocess.run(["setcap", "cap_sys_ptrace,cap_dac_read_search+ep", capexe],
                    capture_output=True).returncode != 0:
    skip_part("setcap failed here: the capability copy's server thread")
else:
    cp = subprocess.Popen(["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                           capexe, "metrics", "--listen", "127.0.0.1:0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _children.append(cp)
    line = cp.stderr.readline()
    caps = {}
    for tid in os.listdir("/proc/%d/task" % cp.pid):
        with open("/proc/%d/task/%s/status" % (cp.pid, tid)) as f:
            caps[int(tid)] = int(re.search(r"^CapEff:\s*([0-9a-f]+)", f.read(), re.M).group(1), 16)
    main_eff = caps.pop(cp.pid, 0)
    check("/metrics" in line and main_eff != 0 and caps and all(v == 0 for v in caps.values()),
          "capability copy: the HTTP thread has no capability in effect, the sampler keeps its own",
          (line, main_eff, caps))
    cp.send_signal(signal.SIGTERM)
    cp.wait(10)
shutil.rmtree(capdir)

# Another exporter on a port in use fails clearly; SIGTERM ends one.
r = subprocess.run([FDWATCH, "metrics", "--listen", base2[len("http://"):]], capture_output=True,
                   text=True, timeout=10)
check(r.returncode == 1 and "cannot listen" in r.stderr, "a port in use: exit 1, said why",
      (r.returncode, r.stderr))
ex.send_signal(signal.SIGTERM)
ex2.send_signal(signal.SIGTERM)
equal((ex.wait(10), ex2.wait(10)), (0, 0), "SIGTERM stops the exporter, exit 0")
done()
