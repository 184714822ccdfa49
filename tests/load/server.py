#!/usr/bin/env python3
"""Simulated news sites for the load harness (Python standard library only).

N sites, each on its own host name (s00000.localhost ... which curl resolves to
127.0.0.1), each with a feed (/feed.xml: RSS 2.0 or Atom 1.0; every fifth site
in windows-1256, feed and pages) and article pages (/a/<k>.html) built from the
sample texts with a site's usual boilerplate (menu, most-read box, share
buttons, footer). Nothing is published until a control request starts it; then
item k becomes visible at start + k / rate on a site drawn at random, and the
server records when each item became visible, when a feed first listed it, and
when its page was first fetched. A feed lists a site's newest `window` items
and answers If-None-Match with 304 while nothing is new.

Control (any host): /_ctl/start?rate=R (items per second; again to change the
rate), /_ctl/stop (no new items), /_ctl/stats (counts, JSON), /_ctl/log (every
item, JSON lines: k, site, visible, listed, fetched, evicted_unlisted).

    python3 tests/load/server.py --sites 7000 --samples tests/data/samples/arabic-news
prints "port <P>" on stdout once it listens on 127.0.0.1:P.
"""

import argparse
import asyncio
import email.utils
import functools
import html as htmllib
import json
import os
import random
import re
import sys
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

MARKER = "nwload"  # every article carries it: the harness's rule load/all matches it


def item_token(k):
    """The article's own word (letters only): zq + k in base 26."""
    digits = []
    while True:
        digits.append(chr(ord("a") + k % 26))
        k //= 26
        if k == 0:
            break
    return "zq" + "".join(reversed(digits))


def load_sentences(folder):
    sentences = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            text = f.read()
        for s in re.split(r"(?<=[.!؟])\s+", text):
            s = " ".join(s.split())
            if len(s.split()) >= 4:
                sentences.append(s)
    if not sentences:
        sys.exit(f"server.py: no sample sentences in {folder}")
    return sentences


# What a news page carries besides its article: an inline script and a menu of
# sections, about 20 KB, so extraction has a page's usual weight of boilerplate.
SCRIPT = "<script>" + "".join(
    f"window.dataLayer=window.dataLayer||[];dataLayer.push({{'event':'slot{i}','slot':'/2026/ar/"
    f"home/slot{i}','sizes':[[300,250],[728,90]],'targeting':{{'section':'news','pos':{i}}}}});\n"
    for i in range(120)) + "</script>"

SECTIONS = ["الرئيسية", "أخبار ليبيا", "عربي", "دولي", "اقتصاد", "رياضة", "ثقافة", "منوعات",
            "رأي", "فيديو", "صور", "اتصل بنا"]
MENU = "".join(f'<li><a href="/section/{i}/{j}">{s} {j}</a></li>'
               for i, s in enumerate(SECTIONS) for j in range(5))


@functools.cache
def constant_bytes(charset):
    """The page's constant parts, the inline script and the menu, encoded once per charset."""
    return SCRIPT.encode(charset, "replace"), MENU.encode(charset, "replace")


class Site:
    __slots__ = ("index", "host", "atom", "charset", "items", "last")

    def __init__(self, index, window):
        self.index = index
        self.host = f"s{index:05d}.localhost"
        self.atom = index % 3 == 1
        self.charset = "windows-1256" if index % 5 == 2 else "utf-8"
        self.items = deque(maxlen=window)  # newest last
        self.last = -1


class World:
    def __init__(self, sites, window, sentences, seed):
        self.sites = [Site(i, window) for i in range(sites)]
        self.by_host = {s.host: s for s in self.sites}
        self.sentences = sentences
        self.rng = random.Random(seed)
        self.port = 0
        self.rate = 0.0
        self.base_time = 0.0  # item (base_k + j) is visible at base_time + j / rate
        self.base_k = 0
        self.next_k = 0
        self.stopped_at = None
        self.items = []  # k -> [site, visible, listed, fetched, evicted_unlisted, headline, entry]
        self.counts = {"feed_200": 0, "feed_304": 0, "article": 0, "other": 0, "connections": 0}

    def start(self, rate, now):
        self.advance(now)
        self.rate = rate
        self.base_time = now
        self.base_k = self.next_k
        self.stopped_at = None

    def stop(self, now):
        self.advance(now)
        self.rate = 0.0
        self.stopped_at = now

    def advance(self, now):
        """Makes visible every item due by `now`."""
        if self.rate <= 0:
            return
        while True:
            t = self.base_time + (self.next_k - self.base_k) / self.rate
            if t > now:
                return
            site = self.sites[self.rng.randrange(len(self.sites))]
            k = self.next_k
            self.items.append([site.index, t, None, None, False, None, None])
            if len(site.items) == site.items.maxlen:
                old = self.items[site.items[0]]
                if old[2] is None:
                    old[4] = True  # left the feed before anyone saw it
            site.items.append(k)
            site.last = k
            self.next_k += 1

    # ---- rendering ----

    def article_words(self, k):
        r = random.Random(k * 7919 + 1)
        paragraphs = []
        for _ in range(r.randint(4, 8)):
            start = r.randrange(len(self.sentences))
            n = r.randint(1, 3)
            paragraphs.append(" ".join(self.sentences[(start + i) % len(self.sentences)]
                                       for i in range(n)))
        first = paragraphs[0].split()
        # The marker and the token are in the headline as well as the body: an
        # extractor may rightly drop a paragraph the samples took from a
        # comment form, and the headline is always matched.
        title = f"{' '.join(first[:9])} {MARKER} {item_token(k)}"
        paragraphs[0] = f"{MARKER} {item_token(k)} {paragraphs[0]}"
        return htmllib.escape(title), [htmllib.escape(p) for p in paragraphs]

    def headline(self, k):
        """(title, summary) of item k, computed once: feeds list them on every poll."""
        it = self.items[k]
        if it[5] is None:
            title, paragraphs = self.article_words(k)
            it[5] = (title, paragraphs[0][:300])
        return it[5]

    def url(self, site, k):
        return f"http://{site.host}:{self.port}/a/{k}.html"

    def entry(self, site, k):
        """Item k's feed entry, in the site's charset, rendered once: feeds list it on every poll."""
        it = self.items[k]
        if it[6] is None:
            title, summary = self.headline(k)
            link = self.url(site, k)
            if site.atom:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(it[1]))
                text = (f"<entry><id>tag:{site.host},2026:{k}</id><title>{title}</title>"
                        f'<link rel="alternate" href="{link}"/><updated>{stamp}</updated>'
                        f"<summary>{summary}</summary></entry>")
            else:
                stamp = email.utils.formatdate(it[1], usegmt=True)
                text = (f"<item><guid isPermaLink=\"false\">{site.host}-{k}</guid>"
                        f"<title>{title}</title><link>{link}</link>"
                        f"<pubDate>{stamp}</pubDate><description>{summary}</description>"
                        f"</item>")
            it[6] = text.encode(site.charset, "replace")
        return it[6]

    def feed(self, site):
        entries = b"".join(self.entry(site, k) for k in reversed(site.items))
        head = f'<?xml version="1.0" encoding="{site.charset}"?>\n'
        if site.atom:
            top = (f'{head}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">'
                   f"<title>موقع {site.index}</title><id>tag:{site.host},2026:feed</id>"
                   f'<link rel="self" href="http://{site.host}:{self.port}/feed.xml"/>'
                   f"<updated>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}</updated>")
            tail, ctype = "</feed>", "application/atom+xml"
        else:
            top = (f'{head}<rss version="2.0"><channel><title>موقع {site.index}</title>'
                   f"<link>http://{site.host}:{self.port}/</link><language>ar</language>"
                   f"<description>أخبار</description>")
            tail, ctype = "</channel></rss>", "application/rss+xml"
        body = top.encode(site.charset, "replace") + entries + tail.encode(site.charset)
        return body, f"{ctype}; charset={site.charset}"

    def page(self, site, k):
        title, paragraphs = self.article_words(k)
        r = random.Random(k)
        related = []
        for _ in range(6):
            j = r.randrange(max(1, k))
            t = self.headline(j)[0]
            related.append(f'<li><a href="/a/{j}.html">{t.rsplit(" ", 1)[0]}</a></li>')
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.items[k][1]))
        body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
        html = (
            f'<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="{site.charset}">'
            f"<title>{title} | موقع {site.index}</title>"
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{stamp}">'
            f'<link rel="canonical" href="{self.url(site, k)}">'
            '<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js"></script>')
        rest = (
            "</head><body>"
            f'<header class="site-header"><a class="logo" href="/">موقع {site.index}</a>'
            '<nav class="main-menu"><ul>')
        main = (
            '</ul></nav><form class="search" action="/search"><input name="q" placeholder="بحث"></form>'
            "</header>"
            '<div class="breaking">عاجل: تابعوا آخر الأخبار على مدار الساعة</div>'
            '<main><article class="post">'
            f'<h1 class="entry-title">{title}</h1>'
            f'<div class="meta"><span class="author">محرر الموقع</span>'
            f'<time datetime="{stamp}">{stamp}</time></div>'
            f'<div class="entry-content">\n{body}</div>'
            '<div class="share"><a href="#">فيسبوك</a> <a href="#">تويتر</a> '
            '<a href="#">واتساب</a> <a href="#">طباعة</a></div>'
            '<div class="tags">الوسوم: <a href="/tag/1">ليبيا</a> <a href="/tag/2">سياسة</a></div>'
            "</article>"
            f'<aside class="sidebar"><h3>الأكثر قراءة</h3><ul>{"".join(related)}</ul>'
            '<div class="ad">إعلان</div></aside></main>'
            '<footer class="site-footer"><p>جميع الحقوق محفوظة © 2026</p>'
            '<ul><li><a href="/about">من نحن</a></li><li><a href="/privacy">سياسة الخصوصية</a>'
            '</li><li><a href="/contact">اتصل بنا</a></li></ul>'
            '<div class="cookies">يستخدم هذا الموقع ملفات تعريف الارتباط</div></footer>'
            "</body></html>\n")
        script, menu = constant_bytes(site.charset)
        enc = site.charset
        return (html.encode(enc, "replace") + script + rest.encode(enc, "replace") + menu +
                main.encode(enc, "replace"), f"text/html; charset={enc}")

    # ---- requests ----

    def respond(self, host, target, headers):
        now = time.time()
        self.advance(now)
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/_ctl/"):
            return self.control(path[6:], parse_qs(parts.query), now)
        site = self.by_host.get(host.split(":")[0].lower())
        if site is None:
            self.counts["other"] += 1
            return 404, b"no such site\n", "text/plain", {}
        if path == "/feed.xml":
            etag = f'"{site.index}-{site.last}"'
            if headers.get("if-none-match") == etag:
                self.counts["feed_304"] += 1
                return 304, b"", None, {"ETag": etag}
            self.counts["feed_200"] += 1
            for k in site.items:
                if self.items[k][2] is None:
                    self.items[k][2] = now
            body, ctype = self.feed(site)
            return 200, body, ctype, {"ETag": etag}
        m = re.fullmatch(r"/a/(\d+)\.html", path)
        if m:
            k = int(m.group(1))
            if k < len(self.items) and self.items[k][0] == site.index:
                self.counts["article"] += 1
                if self.items[k][3] is None:
                    self.items[k][3] = now
                body, ctype = self.page(site, k)
                return 200, body, ctype, {}
        self.counts["other"] += 1
        return 404, b"not found\n", "text/plain", {}

    def control(self, command, query, now):
        if command == "start":
            self.start(float(query.get("rate", ["1"])[0]), now)
        elif command == "stop":
            self.stop(now)
        elif command == "stats":
            pass
        elif command == "log":
            lines = [json.dumps({"k": k, "site": it[0], "visible": it[1], "listed": it[2],
                                 "fetched": it[3], "evicted_unlisted": it[4]})
                     for k, it in enumerate(self.items)]
            return 200, ("\n".join(lines) + "\n").encode(), "application/x-ndjson", {}
        else:
            return 404, b"unknown control\n", "text/plain", {}
        stats = dict(self.counts, items=self.next_k, rate=self.rate, now=now,
                     cpu=sum(os.times()[:2]))
        return 200, (json.dumps(stats) + "\n").encode(), "application/json", {}


REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 400: "Bad Request"}


class Connection(asyncio.Protocol):
    """One client connection: HTTP/1.1 requests, kept alive, answered in order.

    A protocol rather than asyncio streams: the streams' per-request awaits were
    most of the server's CPU, which it takes from the daemon on the same cores."""

    def __init__(self, world):
        self.world = world
        self.buffer = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.world.counts["connections"] += 1

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            self.buffer = self.buffer[end + 4 + length:]
            request = lines[0].split(" ")
            if len(request) != 3:
                self.transport.close()
                return
            status, body, ctype, extra = self.world.respond(headers.get("host", ""), request[1],
                                                            headers)
            out = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}"]
            if ctype:
                out.append(f"Content-Type: {ctype}")
            for k, v in extra.items():
                out.append(f"{k}: {v}")
            out.append(f"Content-Length: {len(body)}")
            out.append("\r\n")
            self.transport.write("\r\n".join(out).encode("latin-1") +
                                 (body if request[0] != "HEAD" else b""))
            if headers.get("connection", "").lower() == "close":
                self.transport.close()
                return


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--window", type=int, default=50, help="items a feed lists")
    ap.add_argument("--samples", required=True, help="folder of sample .txt articles")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    world = World(args.sites, args.window, load_sentences(args.samples), args.seed)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(world), "127.0.0.1", args.port,
                                      backlog=4096)
    world.port = server.sockets[0].getsockname()[1]
    print(f"port {world.port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
