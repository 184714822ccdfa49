#!/usr/bin/env python3
"""Compares `newswatch extract --json` with another extractor's output over a folder of pages.

Usage: extract_compare.py NEWSWATCH_BINARY FOLDER [--worst N]
                          [--speed ROUNDS [--readability-python PYTHON]]

FOLDER holds one sub-folder per page with `source.html`, the other extractor's
`expected.html` (its text is read, tags dropped) and optionally
`expected-metadata.json` (its `publishedTime`). This is the layout of Mozilla
Readability's test pages. The other output is one extractor's, not truth: the
report lists where the two disagree most, for a person to judge.

Prints, as Markdown: word 4-gram precision/recall/F1 against the other output
(per page averaged), empty results with their reason, fallbacks, leak suspects
(furniture phrases in our text that the other output does not have), date
coverage, and the pages with the lowest F1. Exit status 0 unless the binary fails
to run. Standard library only.

With --speed, also times in ROUNDS alternating rounds the whole
`newswatch extract --json` run over all pages (process start included) and
readability-lxml (Python package `readability`, e.g. Debian's
python3-readability; optional, looked for with --readability-python) on the
same pages, `Document(bytes).summary()` each, timed inside its process
(interpreter start and import excluded, which favours it), and prints both
pages/s (median round) and the ratio.
"""

import argparse
import html.parser
import json
import pathlib
import re
import statistics
import subprocess
import sys
import time
from collections import Counter

# Phrases of page furniture: when our text has one and the other output does
# not, the block it sits in is a leak suspect.
LEAK_PHRASES = [
    "JUST WATCHED", "MUST WATCH", "Videos)", "Copyright", "All rights reserved",
    "Terms of Service", "Privacy Policy", "Subscribe", "Sign up", "Newsletter",
    "WhatsApp", "Telegram", "Advertisement", "Read more", "Related", "Share this",
    "cookies", "Comments", "Leave a Reply", "Follow us", "Skip to", "javascript",
    "Replay", "Most popular", "Click here",
]


class TextOf(html.parser.HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
              "blockquote", "pre", "section", "article", "figcaption", "dd", "dt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(markup):
    p = TextOf()
    p.feed(markup)
    return "".join(p.parts)


def shingles(text):
    w = text.split()
    n = min(4, len(w))
    return Counter(" ".join(w[i:i + n]) for i in range(len(w) - n + 1)) if w else Counter()


def prf(got, want):
    g, t = shingles(got), shingles(want)
    common = sum((g & t).values())
    p = common / sum(g.values()) if g else 0.0
    r = common / sum(t.values()) if t else 0.0
    return p, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("newswatch")
    ap.add_argument("folder", type=pathlib.Path)
    ap.add_argument("--worst", type=int, default=15)
    ap.add_argument("--speed", type=int, default=0, metavar="ROUNDS")
    ap.add_argument("--per-page", type=pathlib.Path, metavar="FILE",
                    help="also write one tab-separated line per page (F1, precision, "
                         "recall, our date), to compare two runs")
    ap.add_argument("--readability-python", default=sys.executable)
    args = ap.parse_args()

    pages = sorted(d for d in args.folder.iterdir() if (d / "source.html").is_file())
    if not pages:
        sys.exit(f"{args.folder}: no sub-folder with a source.html")
    run = subprocess.run([args.newswatch, "extract", "--json"] +
                         [str(d / "source.html") for d in pages],
                         capture_output=True, text=True)
    results = {}
    for line in run.stdout.splitlines():
        j = json.loads(line)
        results[pathlib.Path(j["input"]).parent.name] = j
    if not results:
        sys.exit(f"{args.newswatch} gave no output: {run.stderr[:500]}")

    rows, empty, leaks, fallbacks, per_page = [], [], [], [], []
    dated = expected_dated = both_dated = same_day = 0
    date_diffs = []
    for d in pages:
        j = results.get(d.name, {"text": "", "reason": j_error(d, results)})
        want = html_text((d / "expected.html").read_text(errors="replace")) \
            if (d / "expected.html").is_file() else ""
        got = j.get("text", "")
        p, r = prf(got, want)
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append((f, p, r, d.name, len(got.split()), len(want.split())))
        per_page.append(f"{d.name}\t{f:.3f}\t{p:.3f}\t{r:.3f}\t{j.get('published')}")
        if not got.strip():
            empty.append((d.name, j.get("reason") or j.get("error", "")))
        if j.get("fallback"):
            fallbacks.append((d.name, j["fallback"]))
        for phrase in LEAK_PHRASES:
            if phrase.lower() in got.lower() and phrase.lower() not in want.lower():
                at = got.lower().find(phrase.lower())
                leaks.append((d.name, phrase, got[max(0, at - 40):at + 60].replace("\n", " / ")))
        meta = d / "expected-metadata.json"
        theirs = json.loads(meta.read_text()).get("publishedTime") if meta.is_file() else None
        dated += bool(j.get("published"))
        expected_dated += bool(theirs)
        both_dated += bool(theirs) and bool(j.get("published"))
        if theirs and j.get("published"):
            if utc_day(theirs) == utc_day(j["published"]):
                same_day += 1
            else:
                date_diffs.append((d.name, j["published"], theirs))

    if args.per_page:
        args.per_page.write_text("\n".join(per_page) + "\n")
    n = len(rows)
    mp = sum(x[1] for x in rows) / n
    mr = sum(x[2] for x in rows) / n
    print(f"# extract_compare: {n} pages\n")
    print("| precision | recall | F1 (of averages) | empty | fallbacks | leak suspects |")
    print("|---|---|---|---|---|---|")
    print(f"| {mp:.3f} | {mr:.3f} | {2 * mp * mr / (mp + mr):.3f} | {len(empty)} | "
          f"{len(fallbacks)} | {len(leaks)} |\n")
    print(f"Dates: we give one on {dated}/{n} pages; the other output has one on "
          f"{expected_dated}, of which we give {both_dated}, on the same UTC day {same_day}.\n")
    for name, ours, theirs in date_diffs:
        print(f"- date differs on {name}: ours {ours}, theirs {theirs}")
    print()
    print("## Empty results\n")
    for name, reason in empty:
        print(f"- {name}: {reason}")
    print("\n## Fallbacks\n")
    for name, how in fallbacks:
        print(f"- {name}: {how}")
    print("\n## Leak suspects\n")
    for name, phrase, ctx in leaks:
        print(f"- {name}: `{phrase}` in …{ctx}…")
    if args.speed:
        speed(args, pages)
    print(f"\n## Lowest F1 ({args.worst})\n")
    print("| page | F1 | precision | recall | our words | their words |")
    print("|---|---|---|---|---|---|")
    for f, p, r, name, gw, ww in sorted(rows)[:args.worst]:
        print(f"| {name} | {f:.3f} | {p:.3f} | {r:.3f} | {gw} | {ww} |")
    return 0


# Runs in the other interpreter: reads file names on stdin, prints the seconds
# spent in readability-lxml and the number of pages it failed on.
READABILITY_TIMER = """
import sys, time
from readability import Document
files = sys.stdin.read().split("\\n")
pages = [open(f, "rb").read() for f in files if f]
failed = 0
t0 = time.perf_counter()
for raw in pages:
    try:
        Document(raw).summary()
    except Exception:
        failed += 1
print(time.perf_counter() - t0, failed)
"""


def speed(args, pages):
    files = [str(d / "source.html") for d in pages]
    ours, theirs, failed = [], [], 0
    for _ in range(args.speed):
        t0 = time.perf_counter()
        subprocess.run([args.newswatch, "extract", "--json"] + files,
                       capture_output=True, check=True)
        ours.append(time.perf_counter() - t0)
        run = subprocess.run([args.readability_python, "-c", READABILITY_TIMER],
                             input="\n".join(files), capture_output=True, text=True)
        if run.returncode != 0:
            print(f"\n## Speed\n\nreadability-lxml did not run with "
                  f"{args.readability_python}: {run.stderr.strip()[-300:]}")
            return
        secs, failed = run.stdout.split()
        theirs.append(float(secs))
        failed = int(failed)
    n = len(files)
    ratios = sorted(t / o for o, t in zip(ours, theirs))
    print(f"\n## Speed ({args.speed} alternating rounds over {n} pages)\n")
    print("| run | median s per round | pages/s |")
    print("|---|---|---|")
    print(f"| `newswatch extract --json`, process start included | "
          f"{statistics.median(ours):.3f} | {n / statistics.median(ours):.0f} |")
    print(f"| readability-lxml `Document(bytes).summary()`, in-process | "
          f"{statistics.median(theirs):.3f} | {n / statistics.median(theirs):.0f} |")
    print(f"\nnewswatch / readability-lxml pages/s: {statistics.median(theirs) / statistics.median(ours):.1f}x "
          f"(per-round range {ratios[0]:.1f}-{ratios[-1]:.1f}x); readability-lxml failed on {failed} pages.")


def utc_day(iso):
    """The UTC calendar day of an ISO 8601 time; a bare date is its own day."""
    import datetime
    try:
        t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:10]
    if t.tzinfo is None:
        return t.date().isoformat()
    return t.astimezone(datetime.timezone.utc).date().isoformat()


def j_error(d, results):
    return "no output for this page"


if __name__ == "__main__":
    sys.exit(main())
