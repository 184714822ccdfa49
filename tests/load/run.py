#!/usr/bin/env python3
"""Runs one load scenario against a built newswatchd and prints its table.

    python3 tests/load/run.py --scenario emm --duration 300
    python3 tests/load/run.py --scenario ceiling --rules 10000
    python3 tests/load/run.py --scenario soak --duration 1800

Starts tests/load/server.py (the simulated sites), writes a config and
watchlists into a work folder, starts newswatchd and `newswatch subscribe`
(both from --bin, default build-release/ or build/; nothing is built here),
waits for the first round of polls, then has the server publish items at the
offered rate and records every alert's arrival. See tests/load/README.md.
"""

import argparse
import json
import math
import random
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import report  # noqa: E402
import rules  # noqa: E402
import server  # noqa: E402

SCENARIOS = {
    # EMM NewsBrief's scale: ~7,000 sites polled every 5 minutes, ~300,000
    # articles a day (3.47/s), 10,000 rules.
    "emm": dict(sources=7000, interval=300, rates=[300000 / 86400], rules=10000, duration=300,
                window=50),
    # Raise the offered rate step by step until the daemon falls behind.
    "ceiling": dict(sources=2000, interval=30, rates=[50, 100, 200, 300, 400, 600, 800, 1000],
                    rules=10000, duration=60, window=100),
    # (a) for a long time, the daemon's resident memory sampled every 10 s.
    "soak": dict(sources=7000, interval=300, rates=[300000 / 86400], rules=10000, duration=1800,
                 window=50),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_bin(given):
    for d in ([given] if given else [os.path.join(REPO, "build-release"), os.path.join(REPO, "build")]):
        if os.path.exists(os.path.join(d, "newswatchd")) and os.path.exists(os.path.join(d, "newswatch")):
            return d
    sys.exit("run.py: no newswatchd and newswatch in --bin (build them first: "
             "cmake --preset release && cmake --build build-release --target newswatchd newswatch)")


class Proc:
    """CPU seconds and memory of a running process, from /proc."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid):
        self.pid = pid

    def cpu(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICK  # utime, stime

    def memory_kb(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0


class Subscriber:
    """`newswatch subscribe` in a child process; a thread stamps each alert line
    with its arrival time."""

    def __init__(self, binary, endpoint, replay, path):
        self.proc = subprocess.Popen(
            [binary, "subscribe", "--endpoint", endpoint, "--replay-endpoint", replay, "--since", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.lines = []
        self.out = open(path, "w", encoding="utf-8")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            t = time.time()
            self.lines.append(f"{t:.6f}\t{line}")

    def count(self):
        return len(self.lines)

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.thread.join(timeout=5)
        self.out.writelines(self.lines)
        self.out.close()


def control(port, command):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ctl/{command}", timeout=60) as r:
        body = r.read().decode()
    return body if command == "log" else json.loads(body)


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return r.read().decode()


def write_config(work, sources, interval, server_port, pub, replay, metrics_port, story_window=None,
                 workers=None):
    lines = [
        'watchlists = ["watchlists/*.toml"]', "",
        "[daemon]", 'state_dir = "state"', 'log_level = "warn"',
        *([f'story_window = "{story_window}"'] if story_window else []),
        *([f"workers = {workers}"] if workers else []), "",
        "[publish]", f'endpoint = "tcp://127.0.0.1:{pub}"',
        f'replay_endpoint = "tcp://127.0.0.1:{replay}"', 'heartbeat = "5s"', "",
        "[metrics]", f'endpoint = "127.0.0.1:{metrics_port}"', "",
    ]
    for i in range(sources):
        lines += ["[[source]]", f'id = "s{i:05d}"',
                  f'url = "http://s{i:05d}.localhost:{server_port}/feed.xml"',
                  'kind = "feed"', f'interval = "{interval}s"', ""]
    path = os.path.join(work, "newswatch.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


def prefill_stories(bindir, work, n, pub, replay, mport):
    """Creates the state with a daemon of no sources, then records n articles in
    stories, seen over the last 48 h, one story each, with random signatures
    (the bytes the daemon stores: 60 little-endian 32-bit MinHash values). The
    daemon restores the newest 100,000 of them at start-up."""
    config = write_config(work, 0, 300, 1, pub, replay, mport)
    with open(os.path.join(work, "prefill.log"), "w") as log:
        d = subprocess.Popen([os.path.join(bindir, "newswatchd"), "--config", config],
                             stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for("the prefill daemon", lambda: "newswatch_rules" in metrics(mport), 600)
        finally:
            d.send_signal(signal.SIGTERM)
            d.wait(timeout=60)
    rnd = random.Random(14)
    now = int(time.time())
    db = sqlite3.connect(os.path.join(work, "state", "newswatch.db"))
    with db:
        for i in range(n):
            seen = now - 48 * 3600 + i * 48 * 3600 // n
            story = f"{rnd.getrandbits(64):016x}"
            db.execute("INSERT INTO stories(id, size, first_seen, last_seen) VALUES (?, 1, ?, ?)",
                       (story, seen, seen))
            db.execute("INSERT INTO story_articles(article_key, story, signature, seen) "
                       "VALUES (?, ?, ?, ?)",
                       (f"https://prefill.example/{i}", story, rnd.randbytes(240), seen))
    db.close()


def stop(p, timeout):
    """SIGTERM, then SIGKILL if `p` is still running after `timeout` s."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_for(what, ok, timeout, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if ok():
                return
        except OSError:
            pass
        time.sleep(every)
    raise SystemExit(f"run.py: timed out waiting for {what}")


def main():
    ap = argparse.ArgumentParser(description="Run a load scenario against newswatchd.")
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), default="emm")
    ap.add_argument("--bin", help="folder holding newswatchd and newswatch")
    ap.add_argument("--sources", type=int)
    ap.add_argument("--interval", type=int, help="poll interval, seconds")
    ap.add_argument("--rules", type=int, help="background rules (plus the one on the marker)")
    ap.add_argument("--rate", type=float, action="append",
                    help="offered articles/s (repeat for a ramp); default: the scenario's")
    ap.add_argument("--duration", type=float, help="seconds of publishing (per rate step)")
    ap.add_argument("--window", type=int, help="items a feed lists")
    ap.add_argument("--drain", type=float, help="seconds to wait for the last alerts "
                    "(default: interval + 30)")
    ap.add_argument("--samples", default=os.path.join(REPO, "tests/data/samples/arabic-news"))
    ap.add_argument("--story-window", help="[daemon] story_window (default: the daemon's, 72h); "
                    "the story index grows until it holds this long a window of articles")
    ap.add_argument("--workers", type=int, help="[daemon] workers (default: the daemon's, one per "
                    "core); 1 runs extraction and matching on the loop thread")
    ap.add_argument("--prefill-stories", type=int, default=0, metavar="N",
                    help="start with N articles of the last 48 h in the story index, as a daemon "
                    "that has run for days holds them (100000 fills it): RSS then shows the "
                    "steady state, not the index filling")
    ap.add_argument("--web-load", action="store_true",
                    help="beside the run, tests/load/web_load.py on the daemon's pages: "
                    "--web-streams SSE streams on /events reading every alert and --web-rate "
                    "page loads/s over /, /sources, /rules, /api/alerts")
    ap.add_argument("--web-streams", type=int, default=50)
    ap.add_argument("--web-rate", type=float, default=100)
    ap.add_argument("--work", help="work folder (kept); default: a temporary one, deleted")
    ap.add_argument("--sample-every", type=float, default=10, help="RSS/CPU sample period, s")
    args = ap.parse_args()

    sc = dict(SCENARIOS[args.scenario])
    for key in ("sources", "interval", "rules", "duration", "window"):
        if getattr(args, key) is not None:
            sc[key] = getattr(args, key)
    if args.rate:
        sc["rates"] = args.rate
    drain = args.drain if args.drain is not None else sc["interval"] + 30
    bindir = find_bin(args.bin)
    work = args.work or tempfile.mkdtemp(prefix="newswatch-load-")
    os.makedirs(work, exist_ok=True)
    procs = []
    try:
        run(args, sc, drain, bindir, work, procs)
    finally:
        for p in reversed(procs):
            stop(p, 20)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def run(args, sc, drain, bindir, work, procs):
    sentences = server.load_sentences(args.samples)
    n_rules = rules.write_watchlists(os.path.join(work, "watchlists"), sc["rules"], sentences)
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--sites",
                            str(sc["sources"]), "--window", str(sc["window"]), "--samples",
                            args.samples], stdout=subprocess.PIPE, text=True)
    procs.append(srv)
    port = int(srv.stdout.readline().split()[1])
    pub, replay, mport = free_port(), free_port(), free_port()
    if args.prefill_stories:
        prefill_stories(bindir, work, args.prefill_stories, pub, replay, mport)
    config = write_config(work, sc["sources"], sc["interval"], port, pub, replay, mport,
                          args.story_window, args.workers)
    log = open(os.path.join(work, "newswatchd.log"), "w")
    started = time.time()
    daemon = subprocess.Popen([os.path.join(bindir, "newswatchd"), "--config", config],
                              stdout=log, stderr=subprocess.STDOUT)
    procs.append(daemon)
    proc = Proc(daemon.pid)
    wait_for("the daemon's metrics endpoint", lambda: "newswatch_rules" in metrics(mport), 600)
    startup = time.time() - started
    sub = Subscriber(os.path.join(bindir, "newswatch"), f"tcp://127.0.0.1:{pub}",
                     f"tcp://127.0.0.1:{replay}", os.path.join(work, "alerts.tsv"))
    procs.append(sub.proc)

    def polled():
        s = control(port, "stats")
        return s["feed_200"] + s["feed_304"] >= sc["sources"]

    wait_for("the first round of polls", polled, 600)
    time.sleep(2)
    print(f"# {args.scenario}: {sc['sources']} sources every {sc['interval']}s, {n_rules} rules, "
          f"workers {args.workers or 'default'}, "
          f"daemon ready in {startup:.1f}s, RSS {proc.memory_kb('VmRSS') / 1024:.0f} MB",
          flush=True)

    web = None
    if args.web_load:
        web_out = os.path.join(work, "web.json")
        web = subprocess.Popen([sys.executable, os.path.join(HERE, "web_load.py"), "--port",
                                str(mport), "--streams", str(args.web_streams), "--rate",
                                str(args.web_rate), "--out", web_out],
                               stdout=subprocess.PIPE, text=True)
        procs.append(web)
        web.stdout.readline()  # "ready"
        web_proc = Proc(web.pid)
        print(f"# web load: {args.web_streams} SSE streams, {args.web_rate:g} page loads/s",
              flush=True)

    samples = []  # (time, daemon cpu, rss kB, alerts so far)
    steps = []
    srv_proc = Proc(srv.pid)
    for rate in sc["rates"]:
        t0, c0, s0 = time.time(), proc.cpu(), srv_proc.cpu()
        control(port, f"start?rate={rate}")
        n0 = sub.count()
        next_sample = t0
        while time.time() < t0 + sc["duration"]:
            now = time.time()
            if now >= next_sample:
                samples.append((now, proc.cpu(), proc.memory_kb("VmRSS"), sub.count()))
                next_sample += args.sample_every
            time.sleep(min(0.5, max(0.0, next_sample - time.time())))
        t1, c1, s1 = time.time(), proc.cpu(), srv_proc.cpu()
        mid = (t0 + t1) / 2
        recent = sum(1 for line in list(sub.lines)
                     if '"rule":"all"' in line and float(line.split("\t", 1)[0]) >= mid) / (t1 - mid)
        steps.append(dict(rate=rate, t0=t0, t1=t1, cpu=c1 - c0, server_cpu=s1 - s0))
        print(f"#   offered {rate:.2f}/s for {t1 - t0:.0f}s: alerts {sub.count() - n0}, "
              f"~{recent:.1f}/s in the second half, daemon CPU {100 * (c1 - c0) / (t1 - t0):.0f}% "
              f"of a core, RSS {proc.memory_kb('VmRSS') / 1024:.0f} MB", flush=True)
        if len(sc["rates"]) > 1 and recent < 0.8 * rate:
            print("#   fell behind: the ramp stops here", flush=True)
            break
    control(port, "stop")
    t_stop = time.time()

    # Drain: until every item that became visible has its alert, or the drain time passes.
    def drained():
        items = [json.loads(x) for x in control(port, "log").splitlines()]
        joined = report.join(items, report.read_alerts(list(sub.lines)), math.inf)[0]
        return len(joined) + sum(1 for it in items if it["evicted_unlisted"]) >= len(items)

    end = time.time() + drain
    while time.time() < end:
        samples.append((time.time(), proc.cpu(), proc.memory_kb("VmRSS"), sub.count()))
        if drained():
            break
        time.sleep(min(args.sample_every, 5))
    t_end, c_end = time.time(), proc.cpu()
    web_summary = None
    if web:
        web_cpu = web_proc.cpu()
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
        with open(web_out) as f:
            web_record = json.load(f)
        published = [a["seq"] for _, a in report.read_alerts(list(sub.lines))]
        web_summary = report.web_summary(web_record, published)
        web_summary["cpu_percent"] = 100 * web_cpu / web_record["seconds"]
        web_summary["late"] = web_record["late"]
    peak_kb = proc.memory_kb("VmHWM")
    metrics_text = metrics(mport)
    log_text = control(port, "log")
    sub.close()
    items = [json.loads(x) for x in log_text.splitlines()]
    alerts = report.read_alerts(sub.lines)
    with open(os.path.join(work, "items.ndjson"), "w") as f:
        f.write(log_text)
    with open(os.path.join(work, "metrics.txt"), "w") as f:
        f.write(metrics_text)

    idle = report.gauge(metrics_text, "newswatch_pending_items") == 0
    delay = report.histogram(metrics_text, "newswatch_alert_delay_seconds")
    fp = [report.histogram_quantile(delay, q) for q in (0.5, 0.99, 1.0)]
    rows = []
    whole = report.window_stats(items, alerts, steps[0]["t0"], t_stop, t_end, idle)
    for i, st in enumerate(steps):
        last = i == len(steps) - 1
        w = report.window_stats(items, alerts, st["t0"], t_stop if last else st["t1"], t_end, idle)
        carried = w["carried"] / (st["t1"] - st["t0"])
        rows.append({
            "sources": sc["sources"], "rules": n_rules,
            "offered/s": f"{st['rate']:.2f}", "carried/s": f"{carried:.2f}",
            "vis→alert p50/p99/max s": "/".join(report.fmt(v) for v in w["visible_to_alert"]),
            "listed→alert p50/p99/max s": "/".join(report.fmt(v) for v in w["listed_to_alert"]),
            "CPU %core": f"{100 * st['cpu'] / (st['t1'] - st['t0']):.1f}",
            "CPU s/1000 art": f"{1000 * st['cpu'] / max(1, w['carried']):.2f}",
            "backlog": w["backlog_at_stop"],
            "lost": w["lost"], "queued": w["queued"], "unpolled": w["unpolled"],
        })
    run_cpu = c_end - (samples[0][1] if samples else 0)
    print(report.table(rows))
    rss = [s[2] for s in samples]
    trend = rss_trend(samples[len(samples) // 2:])
    # The story index is meant to grow until it holds story_window (at most
    # 100,000 articles, ~0.7 KB each): RSS grows with it, then levels off.
    held = report.gauge(metrics_text, "newswatch_story_articles")
    held_text = "?" if held is None else f"{held:,.0f}"
    print(f"articles offered {whole['offered']}, alerted {whole['carried']}, "
          f"lost {whole['lost']}, duplicated {whole['duplicated']}, still queued in the daemon "
          f"at end {whole['queued']}, unpolled at end {whole['unpolled']}; fetch→publish p50/p99/max "
          f"{'/'.join(report.fmt(v, 'ms') for v in fp)} ms (bucket bounds); "
          f"CPU {1000 * run_cpu / max(1, whole['carried']):.2f} s/1000 articles over the whole "
          f"run incl. drain; peak RSS {peak_kb / 1024:.0f} MB; RSS first/last "
          f"{rss[0] / 1024:.0f}/{rss[-1] / 1024:.0f} MB, trend over the second half "
          f"{trend:+.1f} MB/h; story index {held_text} articles at end; "
          f"server CPU {sum(s['server_cpu'] for s in steps):.0f}s")
    if web_summary:
        w = web_summary
        print(f"web load: {w['streams_opened']}/{w['streams']} SSE streams opened; alerts "
              f"published {w['published']}, fewest received by one stream "
              f"{w['fewest_received']}, streams missing any {w['streams_missing_alerts']}; "
              f"web load CPU {w['cpu_percent']:.0f}% of a core, {w['late']} loads >100 ms late")
        for path, pg in w["pages"].items():
            print(f"  GET {path}: {pg['loads']} loads, {pg['failed']} not 200, p50/p99 "
                  f"{report.fmt(pg['p50'], 'ms')}/{report.fmt(pg['p99'], 'ms')} ms")
    with open(os.path.join(work, "run.json"), "w") as f:
        json.dump({"scenario": args.scenario, "config": sc, "workers": args.workers, "rows": rows, "whole": whole,
                   "fetch_to_publish": fp, "peak_rss_kb": peak_kb, "samples": samples,
                   "steps": steps, "rss_trend_mb_per_h": trend, "story_articles": held,
                   "web": web_summary}, f,
                  indent=1, default=str)
    if args.work:
        print(f"# files in {work}")


def rss_trend(samples):
    """Least-squares slope of RSS over time, MB per hour."""
    if len(samples) < 3:
        return 0.0
    ts = [s[0] for s in samples]
    ys = [s[2] / 1024 for s in samples]
    mt, my = sum(ts) / len(ts), sum(ys) / len(ys)
    den = sum((t - mt) ** 2 for t in ts)
    return 0.0 if den == 0 else 3600 * sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den


if __name__ == "__main__":
    main()
