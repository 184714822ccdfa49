// The alerts' Atom feed as readers see it: parsed back with our own feed parser
// (feeds/feed_parser.h) and read as XML, hostile titles stay text.
#include "daemon/alerts_atom.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>
#include <vector>

#include "feeds/feed_parser.h"

namespace nw {
namespace {

using std::chrono::sys_seconds;

Alert alert(std::uint64_t seq, std::string title, std::string url) {
  Alert a;
  a.seq = seq;
  a.id = "00000000000000" + std::to_string(10 + seq);
  a.watchlist = "libya";
  a.rule = "haftar-cairo";
  a.source = "alrasifa";
  a.url = std::move(url);
  a.title = std::move(title);
  a.fetched = sys_seconds{std::chrono::seconds{1780000000 + seq}};
  a.published = sys_seconds{std::chrono::seconds{1779990000}};
  a.matched = {"حفتر", "القاهرة"};
  a.snippet = "وصل المشير حفتر إلى القاهرة";
  a.severity = "high";
  a.tags = {"libya", "egypt"};
  return a;
}

TEST(AlertsAtom, EntriesCarryTheAlertAsAReaderShowsIt) {
  const std::vector<Alert> alerts = {alert(2, "حفتر في القاهرة", "https://a.example/2"),
                                     alert(1, "Haftar in Cairo", "https://a.example/1")};
  const std::string body =
      alerts_atom(alerts, {.topic = "libya/", .self = "http://127.0.0.1:9464/alerts.atom"});
  auto feed = parse_feed(body, {.url = "http://127.0.0.1:9464/alerts.atom"});
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  EXPECT_EQ(feed->bozo, "");
  EXPECT_EQ(feed->title, "newswatch alerts: libya/");
  ASSERT_EQ(feed->entries.size(), 2u);
  const FeedEntry& e = feed->entries[0];
  EXPECT_EQ(e.id, "urn:newswatch:alert:0000000000000012");
  EXPECT_EQ(e.title, "حفتر في القاهرة");
  EXPECT_EQ(e.link, "https://a.example/2");
  EXPECT_EQ(e.summary, "[حفتر, القاهرة] وصل المشير حفتر إلى القاهرة");
  EXPECT_EQ(e.author, "alrasifa");
  ASSERT_TRUE(e.updated && e.published);
  EXPECT_EQ(format_utc(*e.updated), format_utc(alerts[0].fetched));
  EXPECT_EQ(feed->entries[1].title, "Haftar in Cairo");

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(body.c_str()));
  const pugi::xml_node entry = doc.child("feed").child("entry");
  std::vector<std::string> categories;
  for (auto c : entry.children("category")) {
    categories.push_back(std::string(c.attribute("scheme").value()) + " " +
                         c.attribute("term").value());
  }
  EXPECT_EQ(categories, (std::vector<std::string>{
                            "urn:newswatch:watchlist libya",
                            "urn:newswatch:rule libya/haftar-cairo", "urn:newswatch:tag libya",
                            "urn:newswatch:tag egypt", "urn:newswatch:severity high"}));
  EXPECT_EQ(std::string(doc.child("feed").child("updated").text().get()),
            format_utc(alerts[0].fetched));
}

TEST(AlertsAtom, HostileTitlesStayTextAndOnlyWebLinksAreKept) {
  const std::string hostile = "<script>alert(1)</script> & \"Q\" \x01\x1f\xEF\xBF\xBF end";
  const std::vector<Alert> alerts = {alert(1, hostile, "javascript:alert(1)")};
  const std::string body = alerts_atom(alerts, {});
  EXPECT_EQ(body.find("<script>"), std::string::npos) << body;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(body.c_str())) << body;
  const pugi::xml_node entry = doc.child("feed").child("entry");
  EXPECT_EQ(std::string(entry.child("title").text().get()),
            "<script>alert(1)</script> & \"Q\"  end");
  EXPECT_FALSE(entry.child("link")) << "a javascript: URL is no link";
  EXPECT_FALSE(doc.child("feed").child("link")) << "no self link without a URL";
  auto feed = parse_feed(body, {});
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  EXPECT_EQ(feed->bozo, "") << "well-formed";
}

TEST(AlertsAtom, SameAlertsSameBytesAndETag) {
  const std::vector<Alert> alerts = {alert(1, "t", "https://a.example/1")};
  const std::string a = alerts_atom(alerts, {.topic = "libya/"});
  EXPECT_EQ(a, alerts_atom(alerts, {.topic = "libya/"}));
  EXPECT_EQ(atom_etag(a), atom_etag(a));
  EXPECT_EQ(atom_etag(a).front(), '"');
  const std::vector<Alert> more = {alert(2, "t2", "https://a.example/2"), alerts[0]};
  EXPECT_NE(atom_etag(a), atom_etag(alerts_atom(more, {.topic = "libya/"})));
  EXPECT_NE(a, alerts_atom(alerts, {.topic = "egypt/"})) << "the feed id names its topic";
  // An empty feed is still valid Atom, dated at the epoch (stable bytes).
  auto empty = parse_feed(alerts_atom({}, {}), {});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->entries.empty());
}

}  // namespace
}  // namespace nw
