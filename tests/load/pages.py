#!/usr/bin/env python3
"""Page load times of the analyst's pages with many alerts kept (issue 22).

    python3 tests/load/pages.py --alerts 100000 --loads 200

Creates a state with a newswatchd of no sources (the schema as the daemon
makes it), stops it, records --alerts alerts into it as the daemon records
them (rows of the alerts table with the alert JSON the daemon writes: 40
sources, 4 watchlists of 10 rules, stories of 1-4 articles, snippets and
titles drawn from tests/data/samples/arabic-news, spread over the last 7 days,
all published), restarts the daemon on it and times --loads GETs of each page
over HTTP on 127.0.0.1, one at a time, printing p50/p99/max per page.
"""

import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import report  # noqa: E402
import run  # noqa: E402
import server  # noqa: E402

WATCHLISTS = ["libya", "sahel", "energy", "markets"]
RULES = 10
SOURCES = 40


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def write_config(work, mport, pub):
    os.makedirs(os.path.join(work, "watchlists"), exist_ok=True)
    for w in WATCHLISTS:
        with open(os.path.join(work, "watchlists", f"{w}.toml"), "w", encoding="utf-8") as f:
            f.write(f'name = "{w}"\n')
            for r in range(RULES):
                f.write(f'\n[[rule]]\nid = "r{r}"\nquery = \'"{w}" AND word{r}\'\n')
    lines = ['watchlists = ["watchlists/*.toml"]', "", "[daemon]", 'state_dir = "state"',
             'log_level = "warn"', "", "[publish]", f'endpoint = "tcp://127.0.0.1:{pub}"',
             'replay_endpoint = ""', "", "[metrics]", f'endpoint = "127.0.0.1:{mport}"', ""]
    for i in range(SOURCES):
        # Never polled within the run: the sources page lists them.
        lines += ["[[source]]", f'id = "site{i:02d}"', f'url = "http://127.0.0.1:9/{i}.xml"',
                  'interval = "24h"', ""]
    path = os.path.join(work, "newswatch.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


def fill(db_path, n, sentences, seed=22):
    rnd = random.Random(seed)
    now = int(time.time())
    db = sqlite3.connect(db_path)
    with db:
        story, left = None, 0
        for seq in range(1, n + 1):
            created = now - 7 * 86400 + seq * 7 * 86400 // n
            if left == 0:
                story, left = f"{rnd.getrandbits(64):016x}", rnd.randint(1, 4)
                db.execute("INSERT OR IGNORE INTO stories(id, size, first_seen, last_seen, sources, "
                           "title) VALUES (?, ?, ?, ?, ?, ?)",
                           (story, left, created, created + 3600, left, rnd.choice(sentences)[:120]))
            left -= 1
            w, r, src = rnd.choice(WATCHLISTS), f"r{rnd.randrange(RULES)}", f"site{rnd.randrange(SOURCES):02d}"
            title = rnd.choice(sentences)[:140]
            snippet = " ".join(rnd.choice(sentences) for _ in range(2))[:300]
            words = snippet.split()
            matched = [rnd.choice(words)] if words else []
            url = f"https://{src}.example/news/{seq}.html"
            alert = {"v": 1, "seq": seq, "watchlist": w, "rule": r, "source": src, "url": url,
                     "title": title, "published": utc(created - 60), "fetched": utc(created),
                     "matched": matched, "snippet": snippet}
            if seq % 3 == 0:
                alert["severity"] = rnd.choice(["high", "medium", "low"])
            if seq % 5 == 0:
                alert["tags"] = [rnd.choice(["conflict", "oil", "migration"])]
            alert.update({"story": story, "story_size": 4 - left, "story_sources": 4 - left})
            db.execute("INSERT INTO alerts(seq, watchlist, rule, article_key, source_id, item_key, "
                       "json, published, created, story, suppressed) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0)",
                       (seq, w, r, url, src, url, json.dumps(alert, ensure_ascii=False), created,
                        story))
        db.execute("UPDATE counters SET value = ? WHERE name = 'alert_seq'", (n,))
    db.close()


def get(conn, path):
    start = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"pages.py: GET {path}: {r.status} {body[:200]!r}")
    return time.perf_counter() - start, len(body)


def main():
    ap = argparse.ArgumentParser(description="Page load times with many alerts kept.")
    ap.add_argument("--bin", help="folder holding newswatchd and newswatch")
    ap.add_argument("--alerts", type=int, default=100000)
    ap.add_argument("--loads", type=int, default=200, help="GETs of each page")
    ap.add_argument("--samples", default=os.path.join(REPO, "tests/data/samples/arabic-news"))
    ap.add_argument("--work", help="work folder (kept); default: a temporary one, deleted")
    args = ap.parse_args()
    bindir = run.find_bin(args.bin)
    work = args.work or tempfile.mkdtemp(prefix="newswatch-pages-")
    os.makedirs(work, exist_ok=True)
    mport, pub = run.free_port(), run.free_port()
    config = write_config(work, mport, pub)
    daemon = None

    def start():
        log = open(os.path.join(work, "newswatchd.log"), "a")
        d = subprocess.Popen([os.path.join(bindir, "newswatchd"), "--config", config],
                             stdout=log, stderr=subprocess.STDOUT)
        run.wait_for("the daemon", lambda: "newswatch_rules" in run.metrics(mport), 120)
        return d

    try:
        daemon = start()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        t = time.time()
        fill(os.path.join(work, "state", "newswatch.db"), args.alerts,
             server.load_sentences(args.samples))
        print(f"# {args.alerts} alerts recorded in {time.time() - t:.0f}s", flush=True)
        daemon = start()
        conn = http.client.HTTPConnection("127.0.0.1", mport, timeout=60)
        pages = ["/", "/?watchlist=libya&rule=r3", "/?severity=high", "/?source=site07",
                 "/?text=zzzznotthere", f"/?before={args.alerts // 2}",
                 "/api/alerts?limit=100", "/api/alerts?topic=sahel/r1&limit=100",
                 "/rules", "/sources", "/health"]
        rows = []
        for path in pages:
            get(conn, path)  # warm
            lat, size = [], 0
            for _ in range(args.loads):
                dt, size = get(conn, path)
                lat.append(dt)
            rows.append({"page": path, "bytes": size, "loads": len(lat),
                         "p50 ms": report.fmt(report.percentile(lat, 50), "ms"),
                         "p99 ms": report.fmt(report.percentile(lat, 99), "ms"),
                         "max ms": report.fmt(max(lat), "ms")})
        print(report.table(rows))
    finally:
        if daemon and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
