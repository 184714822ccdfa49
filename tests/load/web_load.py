#!/usr/bin/env python3
"""Browsers' worth of load on the daemon's pages, beside the load harness.

    python3 tests/load/web_load.py --port 9464 --streams 50 --rate 100 --out web.json

Opens --streams Server-Sent Events streams on /events?after=0 (each reads
every event and records the alert seqs it got) and loads pages at --rate per
second over --paths (round robin, paced, from a few threads with keep-alive
connections), checking each answers 200 and recording its latency. Runs until
SIGTERM (or --duration), then writes one JSON record to --out: per stream the
seqs received, per path the latencies and non-200 answers. Its own CPU is
measured by run.py from /proc. Python 3 standard library only.
"""

import argparse
import http.client
import json
import signal
import threading
import time

PATHS = ["/", "/sources", "/rules", "/api/alerts?limit=100"]


class Stream(threading.Thread):
    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port, self.stop = port, stop
        self.seqs = []
        self.status = None
        self.error = None

    def run(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("GET", "/events?after=0", headers={"Accept": "text/event-stream"})
            r = conn.getresponse()
            self.status = r.status
            if r.status != 200:
                return
            while not self.stop.is_set():
                line = r.fp.readline()
                if not line:
                    break
                if line.startswith(b"id: "):
                    self.seqs.append(int(line[4:]))
        except (OSError, http.client.HTTPException) as e:
            if not self.stop.is_set():
                self.error = repr(e)


class Pages(threading.Thread):
    """Loads paths[i] at its scheduled time t0 + k/rate for its share of k."""

    def __init__(self, port, paths, rate, index, count, stop, t0):
        super().__init__(daemon=True)
        self.port, self.paths, self.rate, self.stop, self.t0 = port, paths, rate, stop, t0
        self.index, self.count = index, count
        self.latency = {p: [] for p in paths}
        self.failed = {p: 0 for p in paths}
        self.late = 0  # requests started more than 100 ms after their slot

    def run(self):
        conn = None
        k = self.index
        while not self.stop.is_set():
            due = self.t0 + k / self.rate
            wait = due - time.time()
            if wait > 0:
                if self.stop.wait(wait):
                    break
            elif wait < -0.1:
                self.late += 1
            path = self.paths[k % len(self.paths)]
            k += self.count
            start = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                ok = False
                conn = None
            self.latency[path].append(time.perf_counter() - start)
            if not ok:
                self.failed[path] += 1


def main():
    ap = argparse.ArgumentParser(description="SSE streams and page loads against newswatchd.")
    ap.add_argument("--port", type=int, required=True, help="the [metrics]/[web] port")
    ap.add_argument("--streams", type=int, default=50)
    ap.add_argument("--rate", type=float, default=100, help="page loads per second in all")
    ap.add_argument("--threads", type=int, default=24,
                    help="page-loading threads (enough for 100/s at pages of ~200 ms)")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--duration", type=float, default=0, help="seconds (0: until SIGTERM)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    streams = [Stream(args.port, stop) for _ in range(args.streams)]
    for s in streams:
        s.start()
    paths = args.paths.split(",")
    t0 = time.time()
    pages = [Pages(args.port, paths, args.rate, i, args.threads, stop, t0)
             for i in range(args.threads)]
    for p in pages:
        p.start()
    print("ready", flush=True)
    stop.wait(args.duration or None)
    stop.set()
    t1 = time.time()
    for p in pages:
        p.join(timeout=35)
    out = {
        "seconds": t1 - t0,
        "streams": [{"status": s.status, "error": s.error, "seqs": s.seqs} for s in streams],
        "pages": {path: {"latency": [x for p in pages for x in p.latency[path]],
                         "failed": sum(p.failed[path] for p in pages)} for path in paths},
        "late": sum(p.late for p in pages),
    }
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
