#!/usr/bin/env python3
"""A process whose main thread has exited while its other threads run on
(the leader shows state Z, /proc/PID/fd is empty, the fds are listed under
/proc/PID/task/TID/fd) is alive and holds its fds: it must be reported with
them, not skipped as a zombie: the sampler reads such a process through a
live thread."""

import subprocess
import sys

from fdtest import _children, check, done, equal, fdwatch, json_lines, wait_for

p = subprocess.Popen([sys.executable, "-c",
                      "import ctypes, os, threading, time\n"
                      "def w():\n"
                      "    keep = [os.open('/dev/null', os.O_RDONLY) for _ in range(50)]\n"
                      "    print(os.getpid(), threading.get_native_id(), flush=True)\n"
                      "    time.sleep(120)\n"
                      "    os._exit(0)\n"
                      "threading.Thread(target=w).start()\n"
                      "time.sleep(0.2)\n"
                      "ctypes.CDLL(None).pthread_exit(None)\n"], stdout=subprocess.PIPE, text=True)
_children.append(p)
pid, tid = map(int, p.stdout.readline().split())


def leader_state():
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


check(wait_for(lambda: leader_state() == "Z", timeout=20), "the leader has exited (state Z)")
r = fdwatch("report", "--format", "json", "-p", pid)
equal(r.returncode, 0, "report -p finds the process")
recs = json_lines(r.stdout)
check(recs and recs[0].get("fds", 0) >= 50, "with the fds its threads hold", recs)
done()
