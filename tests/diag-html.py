#!/usr/bin/env python3
"""The picture to share: `replay --format html` of a recorded leak and
`report -n --format html` are well-formed, self-contained (no script, no
network resource), escape a hostile process name, mark the alerts on the
time axis, and render in headless Chromium into a PNG that is not blank."""

import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fdtest import *  # noqa: E402,F401

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source",
        "track", "wbr"}
SVG_VOID = {"line", "polyline", "circle", "rect", "path"}


class Balance(html.parser.HTMLParser):
    """Every element closed in order; the tags and attributes seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs, self.text = [], [], set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %r" % (tag, self.stack[-1:]))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def well_formed(page, what):
    b = Balance()
    b.feed(page)
    b.close()
    check(page.startswith("<!DOCTYPE html>") and not b.errors and not b.stack,
          "%s: every element is closed in order" % what, (b.errors, b.stack))
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    bad = []
    for s in svgs:
        try:
            ET.fromstring(s)
        except ET.ParseError as e:
            bad.append(str(e))
    check(svgs and not bad, "%s: each chart is well-formed SVG (XML)" % what, bad)
    urls = [v for k, v in b.attrs if k in ("src", "href") and v] + \
        re.findall(r"url\(|@import", page)
    check("script" not in b.tags and not urls and "iframe" not in b.tags,
          "%s: no script and no resource to fetch" % what, (b.tags, urls))
    return b


def png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, None, []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        up = prev or bytearray(stride)
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = up[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + up[i]) & 255
            elif f == 3:
                line[i] = (line[i] + (a + up[i]) // 2) & 255
            elif f == 4:
                p = a + up[i] - c
                pa, pb, pc = abs(p - a), abs(p - up[i]), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else up[i] if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


hostile = '<b>&"x\'\x1b[2J'
h = start_helper("--leak", "tcp", "--rate", "40", "--nofile", "260", "--timeout", "20",
                 "--name", hostile)
tmp = tempfile.mkdtemp(prefix="fdwatch-html.")
trace = os.path.join(tmp, "leak.jsonl")
r = fdwatch("record", "-d", "0.25", "--duration", "4", "-p", h.pid, "-o", trace)
check(r.returncode == 0, "record of the leak exits 0", r.stderr)
with open(trace) as f:
    head = json.loads(f.readline())
check(head.get("fdwatch") and head.get("host") and "boot_id" in head and head.get("hz")
      and head.get("interval") == 0.25 and isinstance(head.get("start_time"), (int, float)),
      "the trace begins with its header", head)

r = fdwatch("replay", "--format", "html", trace)
page = r.stdout
check(r.returncode == 0 and page, "replay --format html exits 0 with a page", r.stderr)
with open(os.path.join(tmp, "leak.html"), "w") as f:
    f.write(page)
b = well_formed(page, "replay")
text = "".join(b.text)
check("<b>&" not in page.replace("<b>CRITICAL</b>", "").replace("<b>critical</b>", "")
      and "&lt;b&gt;&amp;&quot;x&#39;" in page and "\x1b" not in page,
      "the hostile name is escaped for HTML and the terminal", re.findall(r".{20}x&#39;.{12}", page))
check(os.uname().nodename in text, "the header names the host from the trace's header")
check("CRITICAL" in text and "limit in" in text, "the verdict is critical and says why")
check(re.search(r'<title>[^<]*critical: [^<]*toward tcp out 127\.0\.0\.1:%d CLOSE_WAIT' % h.port,
                page) is not None,
      "the alert is marked on the time axis with its message")
check("limit 260" in page, "the chart draws the limit")
check("tcp out 127.0.0.1:%d CLOSE_WAIT" % h.port in text and "CLOSE_WAIT: the peer closed" in text,
      "the largest socket group is drawn and its state put in words")
h.stop()

r = fdwatch("report", "--format", "html")
check(r.returncode == 2 and "-n" in r.stderr, "report --format html without -n is a usage error",
      r.stderr)
r = fdwatch("report", "-n", "2", "-d", "0.2", "--format", "html", "-p", os.getpid())
check(r.returncode == 0, "report -n 2 --format html exits 0", r.stderr)
well_formed(r.stdout, "report")
check("python" in r.stdout and "2 samples, 1 process" in r.stdout,
      "the report's page charts the sampled process", r.stdout[:300])

chrome = shutil.which("chromium") or shutil.which("chromium-browser")
if not chrome:
    skip_part("chromium is not installed (Debian package chromium): the page is not rendered")
else:
    png = os.path.join(tmp, "leak.png")
    r = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        "--user-data-dir=" + os.path.join(tmp, "profile"),
                        "--window-size=860,700", "--screenshot=" + png,
                        "file://" + os.path.join(tmp, "leak.html")],
                       capture_output=True, text=True, timeout=90)
    check(os.path.exists(png), "headless Chromium renders the page to a PNG", r.stderr[-500:])
    if os.path.exists(png):
        w, hh, rows = png_pixels(png)
        px = [p for row in rows for p in row]
        white = sum(1 for p in px if min(p) > 245)
        blue = sum(1 for p in px if abs(p[0] - 37) < 30 and abs(p[1] - 99) < 30 and p[2] > 200)
        red = sum(1 for p in px if p[0] > 190 and p[1] < 70 and p[2] < 70)
        check(white < 0.97 * len(px) and len(set(px)) > 20,
              "the PNG is not blank", (w, hh, white, len(px)))
        check(blue > 200, "the fd line is drawn (blue pixels)", blue)
        check(red > 100, "the limit and the alert are drawn (red pixels)", red)
shutil.rmtree(tmp, ignore_errors=True)
done()
