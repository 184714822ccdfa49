#!/usr/bin/env python3
"""Times start-up and one SIGHUP reload of many rules, and the memory it takes.

    python3 tests/load/rules.py --rules 1000000 --out /tmp/r1m
    python3 tests/load/reload.py --rules-dir /tmp/r1m
    python3 tests/load/reload.py --rules 100000        # writes the rules itself

Starts the release newswatchd (--bin, default build-release/ or build/) with no
sources on DIR/watchlists/*.toml, waits until its /metrics answers, reads its
VmRSS, resets its VmHWM (/proc/PID/clear_refs), sends SIGHUP, waits for
newswatch_reloads_total{result="ok"}, then for the replaced rules to be freed
(VmRSS steady), and prints: the ready time and CPU, RSS before, the peak during
the reload (VmHWM) against old + new (before + after), RSS after, the reload's
wall time and the daemon's CPU during it, and the loop's longest turn
(newswatch_loop_turn_max_seconds). Nothing is built here. See tests/load/README.md.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run  # noqa: E402  (free_port, find_bin, Proc, metrics, stop, wait_for)


def gauge(text, name):
    """The value of the sample `name` (with its labels, as printed), or None."""
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def write_config(work, watchlists, pub, metrics_port):
    path = os.path.join(work, "newswatch.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'watchlists = ["{watchlists}/*.toml"]\n\n'
                f'[daemon]\nstate_dir = "state"\nlog_level = "info"\n\n'
                f'[publish]\nendpoint = "tcp://127.0.0.1:{pub}"\nreplay_endpoint = ""\n\n'
                f'[metrics]\nendpoint = "127.0.0.1:{metrics_port}"\n')
    return path


def steady_rss(proc, timeout, every=0.5):
    """VmRSS (kB) once two samples `every` s apart differ by less than 1 MB."""
    last = proc.memory_kb("VmRSS")
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(every)
        now = proc.memory_kb("VmRSS")
        if abs(now - last) < 1024:
            return now
        last = now
    return last


def main():
    ap = argparse.ArgumentParser(description="Time a SIGHUP reload of many rules.")
    ap.add_argument("--rules-dir", help="a folder of rules.py's: DIR/watchlists/*.toml")
    ap.add_argument("--rules", type=int, help="write this many rules (rules.py) into the work "
                    "folder instead")
    ap.add_argument("--bin", help="folder holding newswatchd (default build-release/, else build/)")
    ap.add_argument("--work", help="work folder (kept); default: a temporary one, deleted")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for each step")
    args = ap.parse_args()
    if bool(args.rules_dir) == bool(args.rules):
        ap.error("give --rules-dir or --rules")
    bindir = run.find_bin(args.bin)
    work = args.work or tempfile.mkdtemp(prefix="newswatch-reload-")
    os.makedirs(work, exist_ok=True)
    daemon = None
    try:
        if args.rules:
            import rules
            import server
            sentences = server.load_sentences(os.path.join(run.REPO, "tests/data/samples/arabic-news"))
            watchlists = os.path.join(work, "watchlists")
            rules.write_watchlists(watchlists, args.rules, sentences)
        else:
            watchlists = os.path.join(os.path.abspath(args.rules_dir), "watchlists")
        mport = run.free_port()
        config = write_config(work, watchlists, run.free_port(), mport)
        log = open(os.path.join(work, "newswatchd.log"), "w")
        started = time.time()
        daemon = subprocess.Popen([os.path.join(bindir, "newswatchd"), "--config", config],
                                  stdout=log, stderr=subprocess.STDOUT)
        proc = run.Proc(daemon.pid)
        # The gauge, not its HELP line: the server answers just before it is set.
        run.wait_for("the daemon's metrics endpoint",
                     lambda: gauge(run.metrics(mport), "newswatch_rules") is not None, args.timeout,
                     every=0.1)
        ready, ready_cpu = time.time() - started, proc.cpu()
        text = run.metrics(mport)
        n_rules = int(gauge(text, "newswatch_rules") or 0)
        before = steady_rss(proc, 30)
        with open(f"/proc/{daemon.pid}/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS
        cpu0, t0 = proc.cpu(), time.time()
        daemon.send_signal(signal.SIGHUP)
        ok = 'newswatch_reloads_total{result="ok"}'
        err = 'newswatch_reloads_total{result="error"}'

        def reloaded():
            m = run.metrics(mport)
            if gauge(m, err):
                raise SystemExit("reload.py: the reload failed; see " + log.name)
            return gauge(m, ok)

        run.wait_for("the reload", reloaded, args.timeout, every=0.1)
        reload_wall, reload_cpu = time.time() - t0, proc.cpu() - cpu0
        after = steady_rss(proc, 60)
        peak = proc.memory_kb("VmHWM")
        text = run.metrics(mport)
        turn_wall = gauge(text, 'newswatch_loop_turn_max_seconds{clock="wall"}') or 0
        turn_cpu = gauge(text, 'newswatch_loop_turn_max_seconds{clock="cpu"}') or 0
        mb = lambda kb: kb / 1024  # noqa: E731
        print(f"{n_rules} rules; ready in {ready:.1f} s wall, {ready_cpu:.1f} s CPU")
        print(f"RSS before {mb(before):.0f} MB, peak during the reload {mb(peak):.0f} MB, "
              f"after {mb(after):.0f} MB; old + new {mb(before + after):.0f} MB, peak - (old + new) "
              f"{mb(peak - before - after):+.0f} MB")
        print(f"reload: {reload_wall:.1f} s wall, {reload_cpu:.1f} s daemon CPU; longest loop turn "
              f"{1000 * turn_cpu:.2f} ms CPU, {1000 * turn_wall:.2f} ms wall")
    finally:
        if daemon:
            run.stop(daemon, 60)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
