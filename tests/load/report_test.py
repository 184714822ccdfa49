"""The report's join, on hand-made records: python3 tests/load/report_test.py"""

import json
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402


def item(k, visible, listed=None, evicted=False):
    return {"k": k, "site": 0, "visible": visible, "listed": listed, "fetched": None,
            "evicted_unlisted": evicted}


def alert(received, k, rule="all", watchlist="load"):
    body = {"watchlist": watchlist, "rule": rule, "url": f"http://s00000.localhost:1/a/{k}.html"}
    return f"{received}\t{json.dumps(body)}\n"


class JoinTest(unittest.TestCase):
    def test_counts_each_kind_of_item_once(self):
        items = [
            item(0, 10.0, listed=12.0),                # alerted
            item(1, 11.0, listed=12.0),                # listed, never alerted
            item(2, 11.5),                             # not polled yet
            item(3, 11.7, evicted=True),               # left the feed unseen: lost
            item(4, 11.8, listed=13.0),                # alerted twice by load/all
        ]
        alerts = report.read_alerts([alert(12.5, 0), alert(13.5, 4), alert(14.0, 4),
                                     alert(13.6, 4, rule="r000001", watchlist="bg00")])
        joined, lost, unpolled, queued, duplicated = report.join(items, alerts, math.inf)
        self.assertEqual([it["k"] for it, _ in joined], [0, 4])
        self.assertEqual((lost, unpolled, queued, duplicated), (2, 1, 0, 1))
        # While the daemon still has items pending, a listed item is queued, not lost.
        _, lost, _, queued, _ = report.join(items, alerts, math.inf, daemon_idle=False)
        self.assertEqual((lost, queued), (1, 1))

    def test_window_latencies(self):
        items = [item(k, float(k), listed=k + 1.0) for k in range(100)]
        alerts = report.read_alerts([alert(k + 1.5, k) for k in range(100)])
        w = report.window_stats(items, alerts, 0.0, 100.0, math.inf)
        self.assertEqual(w["carried"], 100)
        self.assertAlmostEqual(w["visible_to_alert"][1], 1.5)
        self.assertAlmostEqual(w["listed_to_alert"][2], 0.5)
        self.assertEqual(w["lost"], 0)

    def test_histogram_quantile_is_the_bucket_bound(self):
        text = ('newswatch_alert_delay_seconds_bucket{le="0.01"} 90\n'
                'newswatch_alert_delay_seconds_bucket{le="0.1"} 99\n'
                'newswatch_alert_delay_seconds_bucket{le="1"} 100\n'
                'newswatch_alert_delay_seconds_bucket{le="+Inf"} 100\n'
                "newswatch_pending_items 0\n")
        b = report.histogram(text, "newswatch_alert_delay_seconds")
        self.assertEqual([report.histogram_quantile(b, q) for q in (0.5, 0.99, 1.0)],
                         [0.01, 0.1, 1.0])
        self.assertEqual(report.gauge(text, "newswatch_pending_items"), 0)


class WebSummaryTest(unittest.TestCase):
    def test_a_stream_missing_one_alert_is_counted(self):
        web = {
            "streams": [{"status": 200, "seqs": [1, 2, 3, 4]},
                        {"status": 200, "seqs": [1, 2, 4, 5]},   # misses 3; 5 unpublished
                        {"status": 503, "seqs": []}],              # refused: not opened
            "pages": {"/": {"latency": [0.01 * i for i in range(1, 101)], "failed": 2}},
        }
        w = report.web_summary(web, [1, 2, 3, 4])
        self.assertEqual((w["streams"], w["streams_opened"]), (3, 2))
        self.assertEqual(w["streams_missing_alerts"], 1)
        self.assertEqual(w["fewest_received"], 3)
        self.assertEqual(w["published"], 4)
        self.assertEqual((w["pages"]["/"]["loads"], w["pages"]["/"]["failed"]), (100, 2))
        self.assertAlmostEqual(w["pages"]["/"]["p50"], 0.50)
        self.assertAlmostEqual(w["pages"]["/"]["p99"], 0.99)


if __name__ == "__main__":
    unittest.main()
