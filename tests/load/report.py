"""The load harness's report: joins the server's record of each item (when it
became visible, when a feed first listed it) with the subscriber's record of
each alert (when it arrived) and the daemon's own fetch->publish histogram.

    python3 tests/load/report.py RUN_DIR
prints the table again from a run's saved files (items.ndjson, alerts.tsv,
metrics.txt, run.json).
"""

import json
import math
import os
import re
import sys

ALL_TOPIC = "load/all"
ARTICLE = re.compile(r"/a/(\d+)\.html$")


def percentile(values, p):
    """Nearest-rank percentile; None when there are no values."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def gauge(metrics_text, name):
    """The value of an unlabelled gauge or counter, None when absent."""
    for line in metrics_text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def histogram(metrics_text, name):
    """[(upper bound, cumulative count)] of an unlabelled Prometheus histogram."""
    out = []
    for line in metrics_text.splitlines():
        m = re.match(rf'{name}_bucket\{{le="([^"]+)"\}} ([0-9.e+]+)$', line)
        if m:
            out.append((math.inf if m.group(1) == "+Inf" else float(m.group(1)), float(m.group(2))))
    return out


def histogram_quantile(buckets, q):
    """The upper bound of the bucket holding quantile q (so 'at most'), None if empty."""
    if not buckets or buckets[-1][1] == 0:
        return None
    want = q * buckets[-1][1]
    for bound, count in buckets:
        if count >= want:
            return bound
    return math.inf


def read_alerts(lines):
    """[(received, alert dict)] from 'received<TAB>json' lines."""
    alerts = []
    for line in lines:
        t, _, payload = line.rstrip("\n").partition("\t")
        if payload:
            alerts.append((float(t), json.loads(payload)))
    return alerts


def join(items, alerts, end, daemon_idle=True):
    """Per item: its first load/all alert time; counts lost and duplicated.

    An item is lost when a feed listed it (or it left the feed's window before
    any poll saw it) and no alert for it arrived by `end`. An item no poll has
    seen yet, still in its feed, is 'unpolled' (not lost: the run ended first);
    one listed but not alerted while the daemon still has items pending
    (`daemon_idle` false) is 'queued'. Duplicated: alerts beyond the first for
    one (rule, article)."""
    first = {}
    seen = set()
    duplicated = 0
    for received, a in alerts:
        m = ARTICLE.search(a.get("url", ""))
        if not m:
            continue
        key = (a["watchlist"], a["rule"], m.group(1))
        if key in seen:
            duplicated += 1
            continue
        seen.add(key)
        if f"{a['watchlist']}/{a['rule']}" == ALL_TOPIC:
            first[int(m.group(1))] = received
    joined, lost, unpolled, queued = [], 0, 0, 0
    for it in items:
        got = first.get(it["k"])
        if got is not None and got <= end:
            joined.append((it, got))
        elif it["listed"] is None and not it["evicted_unlisted"]:
            unpolled += 1
        elif it["listed"] is not None and not daemon_idle:
            queued += 1
        else:
            lost += 1
    return joined, lost, unpolled, queued, duplicated


def window_stats(items, alerts, start, stop, end, daemon_idle=True):
    """Figures for the items that became visible in [start, stop)."""
    mine = [it for it in items if start <= it["visible"] < stop]
    joined, lost, unpolled, queued, duplicated = join(mine, alerts, end, daemon_idle)
    visible_to_alert = [got - it["visible"] for it, got in joined]
    listed_to_alert = [got - it["listed"] for it, got in joined if it["listed"] is not None]
    got_at = {it["k"]: got for it, got in joined}
    backlog = sum(1 for it in mine if it["listed"] is not None and it["listed"] < stop and
                  got_at.get(it["k"], math.inf) > stop)
    return {
        "offered": len(mine),
        "carried": len(joined),
        "lost": lost,
        "unpolled": unpolled,
        "queued": queued,
        "duplicated": duplicated,
        "visible_to_alert": [percentile(visible_to_alert, p) for p in (50, 99, 100)],
        "listed_to_alert": [percentile(listed_to_alert, p) for p in (50, 99, 100)],
        "backlog_at_stop": backlog,
    }


def web_summary(web, published):
    """The web load's record (tests/load/web_load.py) against the alerts the
    subscriber got (`published`: their seqs): per path the loads, the non-200
    answers and the latency p50/p99 in seconds; of the SSE streams, how many
    opened (200), the fewest alerts one received, and how many streams missed
    at least one published alert (must be 0: every stream reads every alert)."""
    want = set(published)
    pages = {}
    for path, rec in web["pages"].items():
        lat = rec["latency"]
        pages[path] = {"loads": len(lat), "failed": rec["failed"],
                       "p50": percentile(lat, 50), "p99": percentile(lat, 99)}
    opened = [s for s in web["streams"] if s["status"] == 200]
    got = [set(s["seqs"]) for s in opened]
    return {
        "pages": pages,
        "streams": len(web["streams"]),
        "streams_opened": len(opened),
        "fewest_received": min((len(g & want) for g in got), default=0),
        "streams_missing_alerts": sum(1 for g in got if not want <= g),
        "published": len(want),
    }


def fmt(v, unit="s"):
    if v is None:
        return "-"
    if v == math.inf:
        return "inf"
    if unit == "ms":
        return f"{v * 1000:.0f}"
    return f"{v:.2f}"


def table(rows):
    """Rows of dicts to an aligned text table (columns in the first row's order)."""
    cols = list(rows[0])
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    out = ["  ".join(c.rjust(width[c]) for c in cols)]
    for r in rows:
        out.append("  ".join(str(r[c]).rjust(width[c]) for c in cols))
    return "\n".join(out)


def main():
    run_dir = sys.argv[1]
    with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
        run = json.load(f)
    print(table(run["rows"]))


if __name__ == "__main__":
    main()
