#!/usr/bin/env python3
"""The exporter scraped by a real Prometheus (Debian's), as an operator
runs it: the target is up with its relabelled labels, the alerting and
recording rules of contrib/ load and evaluate without error, a leak turns
FdLeakCritical pending and keeps the target's labels, and every query of
the Grafana dashboard runs."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from fdtest import (FDWATCH, SRCDIR, _children, check, done, equal, note, skip, start_helper,
                    wait_for)

if not shutil.which("prometheus"):
    skip("prometheus is not installed (Debian: apt-get install prometheus)")

contrib = os.path.join(SRCDIR, "..", "contrib")
tmp = tempfile.mkdtemp(prefix="ops-prometheus-")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


leak = start_helper("--leak", "tcp", "--rate", 40, "--nofile", 1200, "--timeout", 60)
ex = subprocess.Popen([FDWATCH, "metrics", "--listen", "127.0.0.1:0", "-p", str(leak.pid)],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
_children.append(ex)
target = re.search(r"http://(\S+)/metrics", ex.stderr.readline()).group(1)
pport = free_port()
cfg = os.path.join(tmp, "prometheus.yml")
with open(cfg, "w") as f:
    f.write("""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %s
  - %s
scrape_configs:
  - job_name: fdwatch
    static_configs:
      - targets: ['%s']
        labels:
          team: pay
""" % (os.path.join(contrib, "prometheus", "fdwatch-rules.yml"),
       os.path.join(contrib, "prometheus", "fdwatch-recording.yml"), target))
prom = subprocess.Popen(["prometheus", "--config.file", cfg, "--storage.tsdb.path",
                         os.path.join(tmp, "data"), "--web.listen-address", "127.0.0.1:%d" % pport],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
_children.append(prom)
api = "http://127.0.0.1:%d/api/v1/" % pport


def query(expr):
    url = api + "query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)
    except OSError as e:
        return {"status": "error", "error": str(e)}


def ready():
    q = query('up{job="fdwatch"}')
    return q.get("status") == "success" and q["data"]["result"] and \
        q["data"]["result"][0]["value"][1] == "1"


check(wait_for(ready, timeout=30, step=0.5), "Prometheus scrapes the exporter: up is 1")
q = query("fdwatch_build_info")
res = q.get("data", {}).get("result", [])
check(res and res[0]["metric"].get("team") == "pay" and res[0]["metric"].get("job") == "fdwatch",
      "the exporter's series carry the target's labels", res)


def pending():
    q = query('ALERTS{alertname="FdLeakCritical"}')
    return q.get("data", {}).get("result", [])


check(wait_for(lambda: pending(), timeout=20, step=0.5), "a leak makes FdLeakCritical pending")
a = pending()
if a:
    m = a[0]["metric"]
    equal((m.get("pid"), m.get("team"), m.get("job")), (str(leak.pid), "pay", "fdwatch"),
          "the alert names the process and keeps the target's labels")
with urllib.request.urlopen(api + "rules", timeout=5) as r:
    rules = json.load(r)
bad = [(x["name"], x.get("lastError")) for g in rules["data"]["groups"] for x in g["rules"]
       if x.get("health") not in ("ok", "unknown")]
n = sum(len(g["rules"]) for g in rules["data"]["groups"])
check(n == 15 and not bad, "15 rules loaded, none failing", (n, bad))
q = query("instance:fdwatch_fd_use_ratio:max")
check(q.get("data", {}).get("result"), "a recording rule has a value", q)
with open(os.path.join(contrib, "grafana", "fdwatch.json")) as f:
    dash = json.load(f)
errors = []
for p in dash["panels"]:
    for t in p.get("targets", []):
        q = query(t["expr"].replace("$instance", ".*"))
        if q.get("status") != "success":
            errors.append((p["title"], q.get("error")))
equal(errors, [], "every dashboard query runs")
leak.stop()
prom.terminate()
prom.wait(10)
ex.terminate()
shutil.rmtree(tmp)
done()
