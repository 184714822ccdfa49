// End to end: how far a story has spread (issue 25). A real HTTP server on
// 127.0.0.1 serves feeds of local test sources that republish the same wire
// story (one article page, at a URL of each outlet); the real newswatchd polls
// them and a real ZeroMQ SUB socket receives the alerts. Each copy is served
// only once the alert of the one before arrived, so the order is known.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

class SpreadE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("newswatch_spread_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    base_ = server_.url("");
    wire_ = test::read_fixture_file(fs::path(NW_TEST_DATA) / "e2e" / "e1.html");
    std::ofstream(dir_ / "watchlists" / "libya.toml")
        << "name = \"libya\"\n[[rule]]\nid = \"haftar-cairo-en\"\nquery = 'Haftar AND Cairo'\n";
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
    std::ofstream config(dir_ / "newswatch.toml");
    config << "watchlists = [\"watchlists/*.toml\"]\n"
              "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n"
              "[publish]\nendpoint = \""
           << endpoint_ << "\"\nreplay_endpoint = \"tcp://127.0.0.1:" << test::free_tcp_port()
           << "\"\n";
    for (const char* id : {"one", "two"}) {
      config << "[[source]]\nid = \"" << id << "\"\nurl = \"" << base_ << "/" << id
             << "/feed.xml\"\nkind = \"feed\"\ninterval = \"1s\"\n";
      publish(id, {});
    }
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(endpoint_);
  }
  void TearDown() override {
    if (HasFailure())
      std::cerr << "---- newswatchd log ----\n" << test::read_file(dir_ / "daemon.log");
    fs::remove_all(dir_);
  }

  // Source `id`'s feed lists the copies `names` of the wire story, each at
  // /ID/NAME.html.
  void publish(const std::string& id, const std::vector<std::string>& names) {
    std::string feed =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>" + id +
        "</title><link>" + base_ + "/" + id + "/</link><description>test</description>\n";
    for (const std::string& name : names) {
      const std::string path = "/" + id + "/" + name + ".html";
      server_.set(path, {.body = wire_});
      feed += "<item><title>Haftar arrives in Cairo (" + id + " " + name + ")</title><link>" +
              base_ + path + "</link><guid isPermaLink=\"false\">" + id + "-" + name +
              "</guid></item>\n";
    }
    feed += "</channel></rss>\n";
    server_.set("/" + id + "/feed.xml",
                {.content_type = "application/rss+xml; charset=utf-8", .body = feed});
  }
  std::unique_ptr<test::Child> start() {
    return std::make_unique<test::Child>(
        test::build_binary("newswatchd"),
        std::vector<std::string>{"--config", (dir_ / "newswatch.toml").string()},
        dir_ / "daemon.log", dir_ / "daemon.log");
  }
  // The bodies of the alerts received within `limit`, heartbeats left out.
  std::vector<json> receive(std::size_t want, std::chrono::milliseconds limit) {
    std::vector<json> got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 100ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(sub_, std::back_inserter(frames))) continue;
      if (frames.size() != 2 || frames[0].to_string_view() == "_heartbeat") continue;
      got.push_back(json::parse(frames[1].to_string()));
    }
    return got;
  }
  // The next alert, which must come from `source`.
  json next_alert(const std::string& source) {
    auto got = receive(1, 30s);
    EXPECT_EQ(got.size(), 1u) << "no alert from " << source;
    if (got.empty()) return json::object();
    EXPECT_EQ(got[0]["source"], source) << got[0].dump();
    return got[0];
  }

  fs::path dir_;
  test::HttpServer server_;
  std::string base_, endpoint_, wire_;
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
};

TEST_F(SpreadE2E, AlertsCountTheDistinctSourcesOfTheirStory) {
  auto daemon = start();
  publish("one", {"a"});
  const json first = next_alert("one");
  ASSERT_TRUE(first.contains("story")) << first.dump();
  EXPECT_EQ(first["story_size"], 1);
  EXPECT_EQ(first["story_sources"], 1);

  // The same outlet republishing its story is still one source.
  publish("one", {"a", "b"});
  const json again = next_alert("one");
  EXPECT_EQ(again["story"], first["story"]);
  EXPECT_EQ(again["story_size"], 2);
  EXPECT_EQ(again["story_sources"], 1);

  publish("two", {"a"});
  const json second = next_alert("two");
  EXPECT_EQ(second["story"], first["story"]);
  EXPECT_EQ(second["story_size"], 3);
  EXPECT_EQ(second["story_sources"], 2);

  // Kept with the story across a restart.
  daemon.reset();
  publish("one", {"a", "b", "c"});
  daemon = start();
  const json third = next_alert("one");
  EXPECT_EQ(third["story"], first["story"]);
  EXPECT_EQ(third["story_size"], 4);
  EXPECT_EQ(third["story_sources"], 2);
  EXPECT_TRUE(receive(1, 3s).empty());  // nothing else: each copy alerted once
}

// min_sources = 3: four local test sources publish the same wire story one
// after another; a plain rule with the same query alerts for every copy, which
// shows each copy was matched. The min_sources rule publishes exactly one
// alert, the third source's copy, with the story's sources; a restart between
// the second and the third copy changes nothing.
class MinSourcesE2E : public testing::Test {
 protected:
  struct Frame {
    std::string topic, body;
  };
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("newswatch_min_sources_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    base_ = server_.url("");
    wire_ = test::read_fixture_file(fs::path(NW_TEST_DATA) / "e2e" / "e1.html");
    std::ofstream(dir_ / "watchlists" / "libya.toml")
        << "name = \"libya\"\n"
           "[[rule]]\nid = \"every\"\nquery = 'Haftar AND Cairo'\n"
           "[[rule]]\nid = \"spread\"\nquery = 'Haftar AND Cairo'\nmin_sources = 3\n"
           "within = \"6h\"\n";
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
    std::ofstream config(dir_ / "newswatch.toml");
    config << "watchlists = [\"watchlists/*.toml\"]\n"
              "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n"
              "[publish]\nheartbeat = \"1s\"\nendpoint = \""
           << endpoint_ << "\"\nreplay_endpoint = \"tcp://127.0.0.1:" << test::free_tcp_port()
           << "\"\n";
    // Ids in the order they publish, so that two first seen in the same second
    // are still listed in that order (ties go by id).
    for (const char* id : {"s1", "s2", "s3", "s4"}) {
      config << "[[source]]\nid = \"" << id << "\"\nurl = \"" << base_ << "/" << id
             << "/feed.xml\"\nkind = \"feed\"\ninterval = \"1s\"\n";
      publish(id, false);
    }
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(endpoint_);
  }
  void TearDown() override {
    if (HasFailure())
      std::cerr << "---- newswatchd log ----\n" << test::read_file(dir_ / "daemon.log");
    fs::remove_all(dir_);
  }
  // Source `id`'s feed: empty, or the wire story at /ID/story.html.
  void publish(const std::string& id, bool with_story) {
    std::string feed =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>" + id +
        "</title><link>" + base_ + "/" + id + "/</link><description>test</description>\n";
    if (with_story) {
      const std::string path = "/" + id + "/story.html";
      server_.set(path, {.body = wire_});
      feed += "<item><title>Haftar arrives in Cairo (" + id + ")</title><link>" + base_ + path +
              "</link><guid isPermaLink=\"false\">" + id + "</guid></item>\n";
    }
    feed += "</channel></rss>\n";
    server_.set("/" + id + "/feed.xml",
                {.content_type = "application/rss+xml; charset=utf-8", .body = feed});
  }
  std::unique_ptr<test::Child> start() {
    return std::make_unique<test::Child>(
        test::build_binary("newswatchd"),
        std::vector<std::string>{"--config", (dir_ / "newswatch.toml").string()},
        dir_ / "daemon.log", dir_ / "daemon.log");
  }
  // Takes every frame pair waiting on the SUB socket, without blocking.
  void drain() {
    for (;;) {
      std::vector<zmq::message_t> frames;
      auto n = zmq::recv_multipart(sub_, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!n) return;
      if (frames.size() == 2) got_.push_back({frames[0].to_string(), frames[1].to_string()});
    }
  }
  std::size_t count(std::string_view topic) const {
    return static_cast<std::size_t>(
        std::ranges::count_if(got_, [&](const Frame& f) { return f.topic == topic; }));
  }
  // Waits for the "every" rule's alert on `source`'s copy: that copy was
  // matched and recorded, and anything recorded before it was sent before it.
  void wait_for_copy(const std::string& source) {
    const std::string url = base_ + "/" + source + "/story.html";
    const bool seen = test::wait_for(
        [&] {
          drain();
          return std::ranges::any_of(got_, [&](const Frame& f) {
            return f.topic == "libya/every" && json::parse(f.body)["source"] == source;
          });
        },
        60s);
    ASSERT_TRUE(seen) << "no alert for " << source << "'s copy";
  }
  void wait_for_heartbeat() {
    const std::size_t before = count("_heartbeat");
    ASSERT_TRUE(test::wait_for(
        [&] {
          drain();
          return count("_heartbeat") > before;
        },
        30s));
  }

  fs::path dir_;
  test::HttpServer server_;
  std::string base_, endpoint_, wire_;
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
  std::vector<Frame> got_;
};

TEST_F(MinSourcesE2E, OneAlertWhenTheThirdSourceCarriesTheStoryAcrossARestart) {
  auto daemon = start();
  wait_for_heartbeat();  // the SUB socket is connected
  publish("s1", true);
  wait_for_copy("s1");
  publish("s2", true);
  wait_for_copy("s2");
  EXPECT_EQ(count("libya/spread"), 0u);  // two sources: held

  // A restart between the second and the third copy.
  daemon.reset();
  daemon = start();
  wait_for_heartbeat();
  publish("s3", true);
  wait_for_copy("s3");
  publish("s4", true);
  wait_for_copy("s4");  // later than s3's copy: its spread alert, if any, came before
  daemon.reset();

  std::vector<Frame> spread;
  std::string story;
  for (const Frame& f : got_) {
    if (f.topic == "libya/spread") spread.push_back(f);
    if (f.topic == "libya/every" && story.empty()) story = json::parse(f.body)["story"];
  }
  ASSERT_EQ(spread.size(), 1u);
  ASSERT_FALSE(story.empty());
  const json alert = json::parse(spread[0].body);
  EXPECT_EQ(alert["source"], "s3");
  EXPECT_EQ(alert["url"], base_ + "/s3/story.html");
  // The bytes as sent: the story, its size and sources, then its source ids.
  EXPECT_NE(spread[0].body.find("\"story\":\"" + story +
                                "\",\"story_size\":3,\"story_sources\":3,"
                                "\"story_source_ids\":[\"s1\",\"s2\",\"s3\"]}"),
            std::string::npos)
      << spread[0].body;
  EXPECT_EQ(spread[0].body.find("held"), std::string::npos);
  EXPECT_EQ(spread[0].body.find("min_sources"), std::string::npos);
  // Sent in seq order: after s2's and before s4's copy of the plain rule.
  std::vector<std::string> order;
  for (const Frame& f : got_) {
    if (f.topic == "_heartbeat") continue;
    const json a = json::parse(f.body);
    order.push_back(f.topic.substr(6) + "@" + a["source"].get<std::string>());
  }
  const auto at = [&](const std::string& what) {
    return std::ranges::find(order, what) - order.begin();
  };
  EXPECT_LT(at("every@s2"), at("spread@s3"));
  EXPECT_LT(at("spread@s3"), at("every@s4"));

  // Every hit of the rule is recorded for the story: held, the alert, once per story.
  auto [rc, out] = test::run_command(test::build_binary("newswatch").string() +
                                     " alerts --format text --config " +
                                     (dir_ / "newswatch.toml").string() + " --story " + story);
  ASSERT_EQ(rc, 0) << out;
  std::vector<std::string> spread_lines;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("libya/spread") != std::string::npos) spread_lines.push_back(line);
  }
  ASSERT_EQ(spread_lines.size(), 4u) << out;
  EXPECT_NE(spread_lines[0].find("held, not published (min_sources"), std::string::npos) << out;
  EXPECT_NE(spread_lines[1].find("held, not published (min_sources"), std::string::npos) << out;
  EXPECT_EQ(spread_lines[2].find("not published"), std::string::npos) << out;
  EXPECT_NE(spread_lines[3].find("not published (once_per_story)"), std::string::npos) << out;
}

}  // namespace
}  // namespace nw
