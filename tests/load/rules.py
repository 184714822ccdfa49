"""Watchlists for the load harness: one rule that every simulated article hits
(load/all on the marker word, so each article's alert can be counted lost or
duplicated) and N background rules in the shape of a monitoring desk's
watchlists: mostly names (made-up Arabic and Latin ones, as rare in news text as
real names are) combined with ordinary words of the samples, and a few rules on
two rare sample words, which some articles hit.
"""

import os
import random
import re

from server import MARKER

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
RULES_PER_FILE = 5000


def vocabulary(sentences):
    """(common, rare) words of the samples: Arabic words of 4+ letters."""
    counts = {}
    for s in sentences:
        for w in re.findall(r"[\u0621-\u064A]{4,}", s):
            counts[w] = counts.get(w, 0) + 1
    words = sorted(counts)
    return words, [w for w in words if counts[w] == 1]


def _name(r):
    if r.random() < 0.7:
        return "".join(r.choice(ARABIC_LETTERS) for _ in range(r.randint(6, 9)))
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(5, 9))).title()


def _query(r, common, rare):
    x = r.random()
    if x < 0.002 and len(rare) > 1:
        a, b = r.sample(rare, 2)
        return f"{a} AND {b}"
    if x < 0.35:
        return f"{_name(r)} AND {r.choice(common)}"
    if x < 0.60:
        return f'"{_name(r)} {_name(r)}"'
    if x < 0.80:
        return _name(r)
    if x < 0.90:
        return f"({_name(r)} OR {_name(r)}) AND {r.choice(common)}"
    return f"{_name(r)} NEAR/5 {r.choice(common)}"


def write_watchlists(folder, rules, sentences, seed=14):
    """Writes load.toml (the rule on the marker) and bg-NN.toml files holding
    `rules` background rules into `folder`. Returns the number of rules."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "load.toml"), "w", encoding="utf-8") as f:
        f.write(f'name = "load"\n\n[[rule]]\nid = "all"\nquery = \'{MARKER}\'\n')
    common, rare = vocabulary(sentences)
    r = random.Random(seed)
    written = 0
    part = 0
    while written < rules:
        n = min(RULES_PER_FILE, rules - written)
        with open(os.path.join(folder, f"bg-{part:02d}.toml"), "w", encoding="utf-8") as f:
            f.write(f'name = "bg{part:02d}"\n')
            for i in range(n):
                f.write(f"\n[[rule]]\nid = \"r{written + i:06d}\"\n"
                        f"query = '{_query(r, common, rare)}'\n")
        written += n
        part += 1
    return written + 1


def main():
    """Writes the watchlists (and a config naming them, with no sources) for
    trying the daemon or `newswatch check-rules` on N generated rules."""
    import argparse

    import server

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--rules", type=int, required=True, help="background rules (plus load/all)")
    ap.add_argument("--out", required=True, help="folder: newswatch.toml and watchlists/*.toml")
    ap.add_argument("--samples", default=os.path.join(repo, "tests/data/samples/arabic-news"))
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--port", type=int, default=5556, help="[publish] endpoint's port; replay is off")
    args = ap.parse_args()
    n = write_watchlists(os.path.join(args.out, "watchlists"), args.rules,
                         server.load_sentences(args.samples), args.seed)
    with open(os.path.join(args.out, "newswatch.toml"), "w", encoding="utf-8") as f:
        f.write(f'watchlists = ["watchlists/*.toml"]\n\n[daemon]\nstate_dir = "state"\n'
                f'log_level = "info"\n\n[publish]\nendpoint = "tcp://127.0.0.1:{args.port}"\n'
                'replay_endpoint = ""\n')
    print(f"{n} rules in {args.out}/watchlists; config {args.out}/newswatch.toml")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
