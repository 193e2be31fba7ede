#!/usr/bin/env python3
"""fdwatch top in a real terminal (a private tmux server), used as a person
would: a leaking helper must come first with its level, Enter must show its
endpoint and state, Esc must return, / must narrow the rows, < and > must
move the sort, a resize must keep the view usable, a hostile process name
must not touch the screen, and q must give the shell back intact."""

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import time

from fdtest import (FDWATCH, check, children_named, done, equal, fdwatch, need, skip_part,
                    start_helper)

# Without a terminal top refuses plainly instead of drawing into a pipe.
r = fdwatch("top", "-n", "1")
equal(r.returncode, 1, "top without a terminal exits 1")
check("needs a terminal" in r.stderr and r.stdout == "", "and says why, writing nothing else",
      r.stderr)

need("tmux")

SOCK = "fdwatch-test-%d" % os.getpid()
HOSTILE = "\x1b[2J\n\x07evil"


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null"] + list(args),
                          capture_output=True, text=True)


atexit.register(lambda: tmux("kill-server"))


def screen():
    return tmux("capture-pane", "-p").stdout


def wait_screen(pred, what, timeout=30):
    """Polls the pane until pred(text) holds; records a failure with the last
    screen when the deadline passes."""
    end = time.time() + timeout
    text = screen()
    while time.time() < end:
        if pred(text):
            check(True, what)
            return text
        time.sleep(0.1)
        text = screen()
    check(pred(text), what, text)
    return text


def table(text):
    """The header line and the rows of the main view."""
    lines = text.splitlines()
    for i, l in enumerate(lines):
        if re.match(r"^LVL +PID\S* ", l):
            rows = []
            for r in lines[i + 1:]:
                if not re.match(r"^(CRIT|WARN|    ) +\d+ ", r):
                    break
                rows.append(r)
            return l, rows
    return None, []


def row_pid(row):
    return int(row.split()[1]) if row.split()[0] in ("CRIT", "WARN") else int(row.split()[0])


def sgr_state(text):
    """The attributes in force at the end of text, a capture-pane -e excerpt
    (tmux emits only changes, so the state carries across lines)."""
    attrs = {"bold": False, "underline": False, "reverse": False, "fg": None, "bg": None}
    for seq in re.findall(r"\x1b\[([0-9;]*)m", text):
        codes = [int(c) if c else 0 for c in seq.split(";")]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                attrs.update(bold=False, underline=False, reverse=False, fg=None, bg=None)
            elif c == 1:
                attrs["bold"] = True
            elif c == 22:
                attrs["bold"] = False
            elif c == 4:
                attrs["underline"] = True
            elif c == 24:
                attrs["underline"] = False
            elif c == 7:
                attrs["reverse"] = True
            elif c == 27:
                attrs["reverse"] = False
            elif 30 <= c <= 37 or 90 <= c <= 97:
                attrs["fg"] = c
            elif c == 39:
                attrs["fg"] = None
            elif 40 <= c <= 47 or 100 <= c <= 107:
                attrs["bg"] = c
            elif c == 49:
                attrs["bg"] = None
            elif c in (38, 48):  # 256-colour or RGB forms
                attrs["fg" if c == 38 else "bg"] = c
                i += 2 if i + 1 < len(codes) and codes[i + 1] == 5 else 4
            i += 1
    return attrs


def attrs_at(capture, needle):
    """The attributes of the cell where needle starts in a -e capture."""
    k = capture.find(needle)
    return sgr_state(capture[:k]) if k >= 0 else None


def keys(*k):
    tmux("send-keys", *k)


leak = start_helper("--leak", "tcp", "--rate", 25, "--nofile", 1000, "--leak-max", 850,
                    "--name", "fdleak")
steady = start_helper("--pool", 20, "--churn", 5, "--name", "fdsteady")
hostile = start_helper("--tcp", 2, "--name", HOSTILE)
filedir = tempfile.mkdtemp(prefix="fdwatch-top-")
atexit.register(lambda: shutil.rmtree(filedir, ignore_errors=True))
fileleak = start_helper("--leak", "file", "--rate", 10, "--nofile", 400, "--leak-max", 340,
                        "--dir", filedir, "--name", "fdfile")

shell_env = "env -i PATH=/usr/bin:/bin TERM=screen LANG=C.UTF-8 HOME=/ PS1='$ ' bash --norc --noprofile"
r = tmux("new-session", "-d", "-x", "120", "-y", "40", shell_env)
if r.returncode != 0:
    raise SystemExit("tmux new-session failed: " + r.stderr)
wait_screen(lambda t: "$" in t, "the shell starts")

# By pid, not by name: other runs of this test may be going on at once.
cmd = ("%s top -d 0.25 -p %d,%d,%d,%d; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo"
       % (FDWATCH, leak.pid, steady.pid, hostile.pid, fileleak.pid))
keys(cmd, "Enter")
# A second view of the leaking helper, without colour, in its own window.
tmux("new-window", "-d", "-n", "mono", shell_env)
tmux("send-keys", "-t", ":mono", "NO_COLOR=1 %s top -d 0.25 -p %d,%d; echo EXIT=$?" % (FDWATCH, leak.pid, steady.pid),
     "Enter")

# The leaking helper is detected and shown first with its level.
text = wait_screen(lambda t: table(t)[1] and table(t)[1][0].startswith("CRIT")
                   and row_pid(table(t)[1][0]) == leak.pid,
                   "the leaking helper's row comes first, marked CRIT")
hdr, rows = table(text)
check(hdr is not None and "ENDPOINT" in hdr and "TREND" in hdr, "the header names the columns", hdr)
check(any(row_pid(r) == steady.pid and r.startswith("    ") for r in rows),
      "the steady helper is listed without a level", text)
check("127.0.0.1:%d CLOSE_WAIT" % leak.port in rows[0],
      "the leaking row shows its growing endpoint and state", rows[0])
check(text.startswith("fdwatch - "), "the first line is the view's own header", text)

# The alerting row is drawn in red and bold (the selection, on the first
# row, is reverse colours on top of that: look at the level cell).
colored = tmux("capture-pane", "-p", "-e").stdout
a = attrs_at(colored, "CRIT")
check(a is not None and a["bold"] and (a["fg"] == 31 or a["bg"] == 41),
      "the CRIT row is red and bold", (a, colored))

# Without colour the alerting row is in reverse video.
mono = ""
end = time.time() + 30
while time.time() < end:
    mono = tmux("capture-pane", "-p", "-e", "-t", ":mono").stdout
    if re.search(r"^\S*CRIT", mono, re.M):
        break
    time.sleep(0.1)
# Select the other row, so that what marks the CRIT row is its level.
tmux("send-keys", "-t", ":mono", "Down")
end = time.time() + 10
while time.time() < end:
    mono = tmux("capture-pane", "-p", "-e", "-t", ":mono").stdout
    a = attrs_at(mono, "CRIT")
    if a is not None and not a["underline"]:
        break
    time.sleep(0.1)
check(a is not None and not a["underline"] and a["reverse"] and a["fg"] is None
      and a["bg"] is None, "without colour the CRIT row is in reverse video, with no colour",
      (a, mono))
tmux("send-keys", "-t", ":mono", "q")

# The hostile name is shown escaped; the screen was not cleared by it.
hrow = [r for r in rows if row_pid(r) == hostile.pid]
check(hrow and "\\e[2J" in hrow[0], "a name holding ESC[2J is shown escaped", text)
check(re.search(r"Alerts: \d+ critical", text) is not None, "the header survives the hostile name", text)

# A file leak names the type and the directory that grows.
text = wait_screen(lambda t: any(row_pid(r) == fileleak.pid and r.startswith(("CRIT", "WARN"))
                                 for r in table(t)[1]),
                   "the file-leaking helper is marked too")
frow = [r for r in table(text)[1] if row_pid(r) == fileleak.pid]
check(frow and ("file " + filedir) in frow[0], "its ENDPOINT names the growing directory", frow)

# Enter opens the selected (first) row: its endpoint and state.
keys("Home", "Enter")
text = wait_screen(lambda t: ("PID %d  fdleak" % leak.pid) in t and "Open fds (" in t,
                   "Enter opens the leaking process with its fd list")
check(re.search(r"out +\u2192127\.0\.0\.1:%d +CLOSE_WAIT" % leak.port, text) is not None,
      "the detail view shows the socket group 127.0.0.1:PORT in CLOSE_WAIT", text)
check(re.search(r"^ +1000 \S.* limit$", text, re.M) is not None, "the chart marks the limit", text)
check("Types  file" in text, "the detail view shows the type breakdown", text)

# Esc returns to the list.
keys("Escape")
text = wait_screen(lambda t: table(t)[0] is not None, "Esc returns to the list")

# / narrows the rows to the matching names.
keys("/", "fdsteady", "Enter")
text = wait_screen(lambda t: "Processes: 1 shown of 4" in t, "/ narrows the rows")
hdr, rows = table(text)
equal([row_pid(r) for r in rows], [steady.pid], "only the matching process is listed")
keys("Escape")
wait_screen(lambda t: "Processes: 4 shown of 4" in t, "Esc clears the filter")

# < and > move the sort column (the header's marker) and the order.
text = screen()
check("RATE/s\u25be" in (table(text)[0] or ""), "the default sort is by rate", table(text)[0])
keys(">")
text = wait_screen(lambda t: "ETA\u25b4" in (table(t)[0] or ""), "> moves the sort to ETA")
check("RATE/s\u25be" not in table(text)[0], "the rate column is no longer marked", table(text)[0])
for _ in range(10):
    keys("<")
text = wait_screen(lambda t: "PID\u25b4" in (table(t)[0] or ""), "< moves the sort to PID")
rest = [row_pid(r) for r in table(text)[1] if not r.startswith(("CRIT", "WARN"))]
equal(rest, sorted(rest), "rows below the alerting ones are in ascending pid order")
keys("r")
text = wait_screen(lambda t: "PID\u25be" in (table(t)[0] or ""), "r reverses the sort")
rest = [row_pid(r) for r in table(text)[1] if not r.startswith(("CRIT", "WARN"))]
equal(rest, sorted(rest, reverse=True), "reversed: descending pid order")

# A small terminal keeps the essentials; back to the full size.
tmux("resize-window", "-x", "60", "-y", "15")
text = wait_screen(lambda t: table(t)[0] is not None and "USER" not in table(t)[0]
                   and max(len(l) for l in t.splitlines()) <= 60,
                   "at 60x15 the view narrows its columns")
hdr, rows = table(text)
check(all(c in hdr for c in ("PID", "COMMAND", "FDS", "RATE", "ETA", "ENDPOINT")),
      "at 60x15 the essential columns stay", hdr)
check(any(row_pid(r) == leak.pid and "127.0.0.1:%d" % leak.port in r for r in rows),
      "at 60x15 the leaking row still shows its endpoint", text)
tmux("resize-window", "-x", "50", "-y", "10")
wait_screen(lambda t: "terminal too small" in t and len(t.strip().splitlines()) == 1,
            "a too small terminal gets one line")
tmux("resize-window", "-x", "120", "-y", "40")
wait_screen(lambda t: table(t)[0] is not None and "TREND" in table(t)[0],
            "back at 120x40 the full table returns")

# A key pressed right after a resize is drawn at the new size.
tmux("resize-window", "-x", "100", "-y", "30")
keys("Enter")
wait_screen(lambda t: len(t.splitlines()) >= 30 and "Esc back" in t.splitlines()[29],
            "a detail view opened right after a resize fills the new size")
keys("Escape")
tmux("resize-window", "-x", "120", "-y", "40")
wait_screen(lambda t: table(t)[0] is not None and "TREND" in table(t)[0]
            and len(t.splitlines()) >= 40 and "Enter details" in t.splitlines()[39],
            "and the list returns at 120x40")

# Help lists the keys; any key returns.
keys("h")
wait_screen(lambda t: "filter by process name" in t and "quit" in t, "h shows the keys")
keys("x")
wait_screen(lambda t: table(t)[0] is not None, "a key leaves the help")

# Space pauses (the sample time stands still), + and - change the interval.
keys("Space")
text = wait_screen(lambda t: "PAUSED" in t.splitlines()[0], "space pauses sampling")
# Compare the sample's clock only: a capture may catch the line mid-paint.
clock = lambda line: re.findall(r"\d\d:\d\d:\d\d", line)
stamp = clock(text.splitlines()[0])
time.sleep(1.0)
equal(clock(screen().splitlines()[0]), stamp, "while paused no new sample is shown")
keys("Space")
wait_screen(lambda t: "PAUSED" not in t.splitlines()[0], "space resumes sampling")
keys("+")
wait_screen(lambda t: "every 0.5s" in t.splitlines()[0], "+ lengthens the interval")
keys("-", "-")
wait_screen(lambda t: "every 0.1s" in t.splitlines()[0], "- shortens it")

# q gives the shell back as it was.
keys("q")
text = wait_screen(lambda t: "EXIT=0" in t, "q exits with status 0")
wait_screen(lambda t: "icanon" in t.split("EXIT=0")[-1] and "echo" in t.split("EXIT=0")[-1],
            "the terminal is back in canonical mode with echo")
equal(tmux("display", "-p", "#{alternate_on}").stdout.strip(), "0",
      "the alternate screen is left")
equal(tmux("display", "-p", "#{cursor_flag}").stdout.strip(), "1", "the cursor is visible")

# SIGTERM restores the terminal too, and messages written meanwhile are
# shown after it (a -p pid that does not exist).
keys("clear", "Enter")
keys("%s top -d 0.25 -p %d,999999; echo EXIT=$?" % (FDWATCH, steady.pid), "Enter")
wait_screen(lambda t: table(t)[0] is not None, "top starts again")
pane_pid = tmux("display", "-p", "#{pane_pid}").stdout.strip()
kids = children_named(pane_pid, "fdwatch")
check(len(kids) == 1, "fdwatch runs under the shell", kids)
text = screen()
check("not running" in text, "the status line says a -p process is missing", text)
check("999999 not found" not in text, "the message is held back while the view is on", text)
if kids:
    os.kill(int(kids[0]), 15)
text = wait_screen(lambda t: "EXIT=" in t, "SIGTERM ends top")
check("process 999999 not found" in text, "the held message is printed after exit", text)
equal(tmux("display", "-p", "#{alternate_on}").stdout.strip(), "0",
      "after SIGTERM the alternate screen is left")

# Ctrl-Z gives the terminal back to the shell, fg brings the view back,
# and Ctrl-C ends it with the terminal restored.
keys("clear", "Enter")
keys("%s top -d 0.25 -p %d" % (FDWATCH, steady.pid), "Enter")
wait_screen(lambda t: table(t)[0] is not None, "top starts for Ctrl-Z")
keys("C-z")
wait_screen(lambda t: "Stopped" in t, "Ctrl-Z stops top")
equal(tmux("display", "-p", "#{alternate_on}").stdout.strip(), "0",
      "while stopped, the shell has the normal screen")
keys("fg", "Enter")
wait_screen(lambda t: len(table(t)[1]) == 1, "fg brings the view back")
keys("C-c")
wait_screen(lambda t: t.rstrip().endswith("$"), "Ctrl-C ends top and the prompt returns")
equal(tmux("display", "-p", "#{alternate_on}").stdout.strip(), "0",
      "after Ctrl-C the alternate screen is left")

# An allocation that fails while the view is on (made to happen with a
# debugger) restores the terminal before the error is printed.
if shutil.which("gdb"):
    keys("clear", "Enter")
    # (a sanitizer build must be told to fail the allocation, not abort)
    keys("ASAN_OPTIONS=allocator_may_return_null=1 %s top -d 0.25 -p %d; echo EXIT=$?"
         % (FDWATCH, steady.pid), "Enter")
    wait_screen(lambda t: table(t)[0] is not None, "top starts for the allocation failure")
    pane_pid = tmux("display", "-p", "#{pane_pid}").stdout.strip()
    kids = children_named(pane_pid, "fdwatch")
    g = subprocess.run(["gdb", "-p", kids[0] if kids else "0", "-batch", "-nx",
                        "-ex", "call (void *)xmalloc((size_t)-1 / 2)"],
                       capture_output=True, text=True, timeout=60) if kids else None
    if g is not None and "exited" in (g.stdout + g.stderr):
        text = wait_screen(lambda t: "EXIT=" in t, "top ends on the failed allocation")
        check("EXIT=1" in text, "with status 1", text)
        check("fdwatch: out of memory" in text, "the error is printed on the restored screen", text)
        equal(tmux("display", "-p", "#{alternate_on}").stdout.strip(), "0",
              "after the failure the alternate screen is left")
        keys("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo", "Enter")
        wait_screen(lambda t: "icanon echo" in t, "after the failure the terminal is in canonical mode with echo")
    else:
        skip_part("gdb cannot attach here: the allocation failure")
        keys("q")
        wait_screen(lambda t: "EXIT=" in t, "q ends top")
else:
    skip_part("gdb is not installed: the allocation failure")

# -n stops by itself.
keys("clear", "Enter")
keys("%s top -n 3 -d 0.1 -p %d; echo EXIT=$?" % (FDWATCH, steady.pid), "Enter")
wait_screen(lambda t: "EXIT=0" in t, "top -n 3 stops by itself")

# Without a UTF-8 locale the view draws with ASCII only.
keys("clear", "Enter")
keys("LC_ALL=C %s top -d 0.25 -p %d,%d,%d; echo EXIT=$?" % (FDWATCH, leak.pid, steady.pid, hostile.pid),
     "Enter")
text = wait_screen(lambda t: len(table(t)[1]) == 3, "top runs in the C locale")
check(all(ord(c) < 128 for c in text), "in the C locale the screen is ASCII only", text)
check("->127.0.0.1:%d" % leak.port in text, "and arrows are drawn as ->", text)
keys("q")
wait_screen(lambda t: "EXIT=0" in t, "q leaves the ASCII view")

# A terminal that goes away ends top; it must not be left spinning.
keys("clear", "Enter")
keys("exec %s top -d 0.25 -p %d" % (FDWATCH, steady.pid), "Enter")
wait_screen(lambda t: table(t)[0] is not None, "top runs as the pane's process")
pane_pid = int(tmux("display", "-p", "#{pane_pid}").stdout.strip())
tmux("kill-server")


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


end = time.time() + 15
while time.time() < end and not gone(pane_pid):
    time.sleep(0.1)
if not check(gone(pane_pid), "top exits when its terminal hangs up"):
    os.kill(pane_pid, 9)

done()
