#!/usr/bin/env python3
"""The analyst's pages in a real browser (issue 22).

Starts the built newswatchd on a temporary config against a local test site
(an HTTP server on 127.0.0.1 serving RSS feeds and article pages; one wire
story republished by two sources, and a hostile title), then drives headless
Chromium over the DevTools protocol (--remote-debugging-pipe: JSON messages
on fds 3/4, standard library only) and checks the alerts page, a filter, the
story page, the rules page's try box, a live alert, a stream resumed with
Last-Event-ID, the console
and every request the pages make. Screenshots at
desktop (1280x800) and phone (390x844) widths go into OUT_DIR.

usage: analyst_pages_test.py NEWSWATCHD OUT_DIR
exit: 0 passed, 1 failed, 77 skipped (no Chromium on this machine).
"""
import base64
import fcntl
import http.client
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77
LOOPBACK = "127.0.0.1"


def log(msg):
    print(msg, flush=True)


def wait_for(pred, limit, what):
    """Polls `pred` until it returns a true value (returned) or `limit` s pass."""
    deadline = time.monotonic() + limit
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit} s waiting for {what}")
        time.sleep(0.05)  # polling interval of a condition, not a wait for an event


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# ---- the test site ---------------------------------------------------------

WIRE_BODY = (
    "<p>Field Marshal Khalifa Haftar arrived in Cairo on Wednesday for talks with Egyptian "
    "officials on the future of Libya, according to people familiar with the visit.</p>"
    "<p>The commander of the Libyan National Army met senior figures to discuss a ceasefire "
    "proposal and the withdrawal of foreign fighters from the front lines around Sirte.</p>"
    "<p>Diplomats said the meetings in Cairo would continue through the week, with further "
    "rounds expected in Geneva later this month under the auspices of the United Nations.</p>"
    "<p>Officials in Tripoli declined to comment on the visit, which follows weeks of "
    "shuttle diplomacy between regional capitals and repeated appeals for restraint.</p>")


def page(title, body):
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
            title.replace("&", "&amp;").replace("<", "&lt;") + "</title></head><body><article><h1>" +
            title.replace("&", "&amp;").replace("<", "&lt;") + "</h1>" + body +
            "</article></body></html>").encode()


def other_body(topic):
    return ("<p>" + topic + " " + (
        "Reporters on the ground described the scene in detail as officials gave a briefing "
        "to the press about the latest developments and what is expected next. ") * 4 + "</p>")


class Site:
    """Feeds /SOURCE/feed.xml listing the pages set with `publish`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.files = {}
        self.items = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    got = site.files.get(self.path)
                if got is None:
                    self.send_error(404)
                    return
                ctype, body = got
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.base = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, source, name, title, body):
        path = f"/{source}/{name}.html"
        with self.lock:
            self.files[path] = ("text/html; charset=utf-8", page(title, body))
            self.items.setdefault(source, []).append((name, title, self.base + path))
            self._feed(source)

    def empty_feed(self, source):
        with self.lock:
            self.items.setdefault(source, [])
            self._feed(source)

    def _feed(self, source):
        def esc(s):
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>" +
               source + "</title><link>" + self.base + "/" + source +
               "/</link><description>test</description>\n")
        for name, title, url in self.items[source]:
            xml += (f"<item><title>{esc(title)}</title><link>{url}</link>"
                    f"<guid isPermaLink=\"false\">{source}-{name}</guid></item>\n")
        xml += "</channel></rss>\n"
        self.files[f"/{source}/feed.xml"] = ("application/rss+xml; charset=utf-8", xml.encode())


# ---- Chromium over the DevTools protocol (pipe) ----------------------------

def find_chromium():
    for name in (os.environ.get("NEWSWATCH_CHROMIUM", ""), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    """One headless Chromium; `send` is a blocking DevTools call; events are queued."""

    FLAGS = [
        "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps",
        "--disable-extensions", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
        "--disable-breakpad", "--disable-crash-reporter", "--metrics-recording-only",
        "--no-pings", "--safebrowsing-disable-auto-update", "--disable-features="
        "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
        "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio", "--password-store=basic",
        "--use-mock-keychain", "--hide-scrollbars", "--force-color-profile=srgb",
        # Anything not on 127.0.0.1 goes nowhere, should it be asked for at all.
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]

    def __init__(self, exe, profile):
        # The child reads commands on fd 3 and writes answers on fd 4: the pipe
        # ends are moved above 10 first so that placing them cannot clobber each other.
        r, self._w = os.pipe()
        self._r, w = os.pipe()
        child_r, child_w = fcntl.fcntl(r, fcntl.F_DUPFD, 10), fcntl.fcntl(w, fcntl.F_DUPFD, 10)
        os.close(r)
        os.close(w)
        self.log_path = os.path.join(os.path.dirname(profile), "chromium.log")
        self.proc = subprocess.Popen(
            [exe, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "wb"), close_fds=False,
            preexec_fn=lambda: (os.dup2(child_r, 3), os.dup2(child_w, 4)))
        os.close(child_r)
        os.close(child_w)
        self._next = 0
        self._answers = {}
        self.events = []
        self._cv = threading.Condition()
        self._buf = b""
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                with self._cv:
                    self._answers["closed"] = True
                    self._cv.notify_all()
                return
            self._buf += chunk
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cv:
                    if "id" in msg:
                        self._answers[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self._cv.notify_all()

    def send(self, method, params=None, session=None, limit=20):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        with self._cv:
            ok = self._cv.wait_for(lambda: self._next in self._answers or "closed" in self._answers,
                                   limit)
            if not ok or self._next not in self._answers:
                raise AssertionError(f"no answer from Chromium to {method}")
            got = self._answers.pop(self._next)
        if "error" in got:
            raise AssertionError(f"{method}: {got['error']}")
        return got.get("result", {})

    def close(self):
        try:
            self.send("Browser.close", limit=5)
        except AssertionError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Tab:
    def __init__(self, browser):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.s = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method, params=None):
        return self.b.send(method, params, session=self.s)

    def eval(self, expr):
        got = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in got:
            raise AssertionError(f"evaluating {expr!r}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def goto(self, url):
        self.call("Page.navigate", {"url": url})
        wait_for(lambda: self.eval(f"location.href === {json.dumps(url)} && "
                                   "document.readyState === 'complete'"), 15, f"{url} to load")

    def texts(self, selector):
        return self.eval(f"[...document.querySelectorAll({json.dumps(selector)})]"
                         ".map(e => e.textContent.trim())")

    def screenshot(self, path, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        wait_for(lambda: self.eval(f"window.innerWidth === {width}"), 10, f"width {width}")
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        log(f"screenshot: {path}")


# ---- the test --------------------------------------------------------------

class Failures:
    def __init__(self):
        self.list = []

    def check(self, cond, msg):
        log(("ok     " if cond else "FAILED ") + msg)
        if not cond:
            self.list.append(msg)


def api_alerts(web):
    with urllib.request.urlopen(web + "/api/alerts?limit=1000", timeout=5) as r:
        return json.load(r)["alerts"]


HOSTILE = "<script>window.__pwned = 1</script>Hostile headline & \"quotes\""


def check_live_alert(tab, site, web, f):
    """A new alert appears live within 2 s, without a reload (/events and /app.js)."""
    tab.goto(web + "/")
    tab.eval("window.__noReload = true")
    title = "Haftar and Cairo: a live alert"
    site.publish("one", "live", title, other_body("Haftar met officials in Cairo again."))
    wait_for(lambda: any(a.get("title") == title for a in api_alerts(web)), 30,
             "the live alert to be recorded")
    recorded = time.monotonic()
    try:
        wait_for(lambda: title in tab.texts(".alert h2"), 2, "the live alert on the page")
        f.check(True, f"a new alert appeared live in {time.monotonic() - recorded:.2f} s")
    except AssertionError as e:
        f.check(False, f"a new alert appears live within 2 s ({e})")
    f.check(tab.eval("window.__noReload === true"), "the live alert came without a reload")


def check_resume(web, f):
    """A stream opened with Last-Event-ID: K replays every alert after K, in seq order."""
    seqs = sorted(a["seq"] for a in api_alerts(web))
    cursor = seqs[0]
    host, port = urllib.parse.urlsplit(web).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/events", headers={"Last-Event-ID": str(cursor)})
    r = conn.getresponse()
    f.check(r.status == 200 and r.getheader("Content-Type", "").startswith("text/event-stream"),
            f"/events answers an event stream: {r.status} {r.getheader('Content-Type')}")
    got = []
    while len(got) < len(seqs) - 1:
        line = r.fp.readline().decode()
        if not line:
            break
        if line.startswith("id: "):
            got.append(int(line[4:]))
    conn.close()
    f.check(got == seqs[1:], f"Last-Event-ID {cursor} resumes with every later alert in order: "
            f"{got} (want {seqs[1:]})")


def measure_loads(tab, web, n=50):
    ms = []
    for _ in range(n):
        tab.goto(web + "/")
        ms.append(tab.eval("(() => { const e = performance.getEntriesByType('navigation')[0];"
                           " return e.loadEventEnd - e.startTime; })()"))
    ms.sort()
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    log(f"page load of / ({n} loads, Navigation Timing): p50 {statistics.median(ms):.1f} ms, "
        f"p99 {p99:.1f} ms")


def check_try_box(tab, web, f, out_dir):
    """The rules page's try box: a query typed and tried shows its hits in place
    (fetch from /app.js, no reload), and the form posted natively (as without
    JavaScript) answers a page with the same hits; both pass the daemon's
    same-origin check with the headers Chromium sends."""
    want = sorted([HOSTILE, "Earthquake shakes the coast"])

    def same(got):
        return len(got) == 2 and all(any(t.startswith(w) for t in got) for w in want)

    def hits():
        got = tab.texts("#try-hits .alert h2")
        return got if len(got) >= 2 else None

    tab.goto(web + "/rules")
    tab.eval("window.__noReload = true")
    f.check(tab.eval("document.getElementById('try-cancel').hidden === true"),
            "with JavaScript, Cancel shows only while a backtest runs")
    tab.eval("document.getElementById('try-query').value = 'earthquake';"
             "document.getElementById('try-run').click()")
    got = sorted(t.strip() for t in wait_for(hits, 15, "the try box's hits"))
    f.check(same(got), f"the try box shows the hits of 'earthquake' (the 2 quake articles): {got}")
    f.check(tab.eval("window.__noReload === true && location.pathname === '/rules'"),
            "... in place, without a reload")
    summary = tab.texts("#try-summary")
    f.check(bool(summary) and summary[0].startswith("2 hits in "), f"... and says so: {summary}")
    f.check(tab.eval("document.querySelectorAll('#try-hits mark').length >= 2"),
            "... with the matched words marked")
    f.check(tab.eval("window.__pwned === undefined && "
                     "document.querySelectorAll('main script').length === 0"),
            "the hostile title in the hits renders as text")
    wait_for(lambda: tab.eval("!document.getElementById('try-run').disabled && "
                              "document.getElementById('try-cancel').hidden"), 5,
             "the Try button to come back")
    tab.screenshot(os.path.join(out_dir, "browser_rules_try_desktop_1280x800.png"), 1280, 800,
                   False)
    # form.submit() skips the submit handler: the browser's own POST, as without JS.
    tab.eval("document.getElementById('try-query').value = 'coast';"
             "document.getElementById('try-form').submit()")
    wait_for(lambda: tab.eval("location.pathname === '/rules/try' && "
                              "document.readyState === 'complete'"), 15, "the posted form's page")
    got = sorted(t.strip() for t in (tab.texts("#try-hits .alert h2") or []))
    f.check(same(got), f"the form posted without JavaScript answers the hits of 'coast': {got}")


def run(daemon_exe, out_dir, chromium, tmp):
    f = Failures()
    site = Site()
    site.publish("one", "wire", "Haftar arrives in Cairo (one)", WIRE_BODY)
    site.publish("two", "wire", "Haftar in Cairo for talks (two)", WIRE_BODY)
    site.publish("one", "hostile", HOSTILE, other_body("An earthquake shook the coast."))
    site.publish("two", "quake", "Earthquake shakes the coast", other_body("An earthquake hit."))

    os.makedirs(os.path.join(tmp, "watchlists"))
    with open(os.path.join(tmp, "watchlists", "libya.toml"), "w") as w:
        w.write("name = \"libya\"\n[[rule]]\nid = \"haftar-cairo\"\nquery = 'Haftar AND Cairo'\n")
    with open(os.path.join(tmp, "watchlists", "quakes.toml"), "w") as w:
        w.write("name = \"quakes\"\n[[rule]]\nid = \"quake\"\nquery = 'earthquake'\n")
    web_port = free_port()
    web = f"http://{LOOPBACK}:{web_port}"
    with open(os.path.join(tmp, "newswatch.toml"), "w") as c:
        c.write("watchlists = [\"watchlists/*.toml\"]\n[daemon]\nstate_dir = \"state\"\n"
                f"[publish]\nendpoint = \"tcp://127.0.0.1:{free_port()}\"\nreplay_endpoint = \"\"\n"
                f"[metrics]\nendpoint = \"127.0.0.1:{web_port}\"\n[web]\nenabled = true\n")
        for source in ("one", "two"):
            c.write(f"[[source]]\nid = \"{source}\"\nurl = \"{site.base}/{source}/feed.xml\"\n"
                    "kind = \"feed\"\ninterval = \"1s\"\n")
    daemon_log = open(os.path.join(tmp, "daemon.log"), "wb")
    daemon = subprocess.Popen([daemon_exe, "--config", os.path.join(tmp, "newswatch.toml")],
                              stdout=daemon_log, stderr=subprocess.STDOUT)
    browser = None
    try:
        def recorded():
            try:
                return len(api_alerts(web)) >= 4
            except (OSError, ValueError):
                return False

        wait_for(recorded, 60, "the daemon to record 4 alerts")

        profile = os.path.join(tmp, "profile")
        os.makedirs(profile)
        browser = Browser(chromium, profile)
        tab = Tab(browser)
        tab.call("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})

        tab.goto(web + "/")
        titles = wait_for(lambda: (lambda t: t if len(t) >= 4 else None)(tab.texts(".alert h2")),
                          10, "4 alerts on the page")
        for want in ("Haftar arrives in Cairo (one)", "Haftar in Cairo for talks (two)",
                     "Earthquake shakes the coast"):
            f.check(any(t.startswith(want) for t in titles), f"the alerts page lists {want!r}")
        f.check(any(t.startswith(HOSTILE) for t in titles),
                "the hostile title renders as text, <script> and all")
        f.check(tab.eval("window.__pwned === undefined"), "the hostile title's script did not run")
        f.check(tab.eval("document.querySelectorAll('main script').length === 0"),
                "no <script> element inside the page's content")
        tab.screenshot(os.path.join(out_dir, "browser_alerts_desktop_1280x800.png"), 1280, 800,
                       False)
        tab.screenshot(os.path.join(out_dir, "browser_alerts_phone_390x844.png"), 390, 844, True)
        tab.call("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})

        # A filter (the GET form, filled and submitted as a user would) narrows the list.
        tab.eval("document.querySelector('form.filters input[name=watchlist]').value = 'quakes';"
                 "document.querySelector('form.filters button[type=submit]').click()")
        wait_for(lambda: tab.eval("location.search.includes('watchlist=quakes') && "
                                  "document.readyState === 'complete'"), 10, "the filtered page")
        filtered = tab.texts(".alert h2")
        f.check(len(filtered) == 2 and all(not t.startswith("Haftar") for t in filtered),
                f"the watchlist filter narrows the list to the 2 quake alerts: {filtered}")
        tab.screenshot(os.path.join(out_dir, "browser_alerts_filtered_desktop_1280x800.png"),
                       1280, 800, False)

        # The story page, reached through the story link of the wire copy.
        tab.goto(web + "/")
        href = tab.eval("(() => { for (const li of document.querySelectorAll('.alert'))"
                        " if (li.querySelector('h2').textContent.startsWith('Haftar'))"
                        " { const a = li.querySelector('a.story'); return a && a.href; } })()")
        f.check(bool(href), "the republished article's alert links to its story")
        if href:
            tab.goto(href)
            story = tab.texts(".alert h2")
            f.check(any(t.startswith("Haftar arrives in Cairo (one)") for t in story) and
                    any(t.startswith("Haftar in Cairo for talks (two)") for t in story),
                    f"the story page lists both copies of the republished article: {story}")
            sources = tab.texts(".alert .meta a[href^='/?source=']")
            f.check(sorted(sources) == ["one", "two"], f"... from both sources: {sources}")
            tab.screenshot(os.path.join(out_dir, "browser_story_desktop_1280x800.png"), 1280, 800,
                           False)
            tab.screenshot(os.path.join(out_dir, "browser_story_phone_390x844.png"), 390, 844,
                           True)
            tab.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})

        # The sources page: each source's polls of the day as bars.
        tab.goto(web + "/sources")
        bars = tab.eval("document.querySelectorAll('tr.source svg.polls rect.ok').length")
        f.check(bars >= 2, f"the sources page draws the day's polls as bars: {bars} bars")
        tab.screenshot(os.path.join(out_dir, "browser_sources_desktop_1280x800.png"), 1280, 800,
                       False)

        check_try_box(tab, web, f, out_dir)
        tab.call("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        check_live_alert(tab, site, web, f)
        check_resume(web, f)
        if os.environ.get("NEWSWATCH_BROWSER_LOADS"):
            measure_loads(tab, web, int(os.environ["NEWSWATCH_BROWSER_LOADS"]))

        # Everything the pages asked for, and everything they said.
        events = list(browser.events)
        urls = [e["params"]["request"]["url"] for e in events
                if e["method"] == "Network.requestWillBeSent"]
        log(f"requests made by the pages: {len(urls)}")
        foreign = [u for u in urls if urllib.parse.urlsplit(u).hostname != LOOPBACK and
                   not u.startswith(("about:", "data:"))]
        f.check(urls and not foreign, f"no request leaves 127.0.0.1: {foreign}")
        errors = [e["params"]["entry"]["text"] + " " + e["params"]["entry"].get("url", "")
                  for e in events
                  if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
        errors += [json.dumps(e["params"]["args"]) for e in events
                   if e["method"] == "Runtime.consoleAPICalled" and
                   e["params"]["type"] in ("error", "assert")]
        errors += [e["params"]["exceptionDetails"].get("text", "") for e in events
                   if e["method"] == "Runtime.exceptionThrown"]
        f.check(not errors, f"no console error: {errors}")
    finally:
        if browser:
            browser.close()
        daemon.terminate()
        try:
            daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        site.server.shutdown()
        if f.list:
            log("---- newswatchd log ----")
            log(open(os.path.join(tmp, "daemon.log"), errors="replace").read()[-6000:])
    return f.list


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    daemon_exe, out_dir = sys.argv[1], sys.argv[2]
    chromium = find_chromium()
    if not chromium:
        log("SKIPPED: no Chromium binary (install Debian's chromium: bash .ci/deps)")
        return SKIP
    os.makedirs(out_dir, exist_ok=True)
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="newswatch_browser_")
    try:
        failures = run(daemon_exe, out_dir, chromium, tmp)
    except AssertionError as e:
        failures = [str(e)]
        log(f"FAILED {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"{'FAILED' if failures else 'passed'} in {time.monotonic() - start:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
