// End to end: how far a story has spread (issue 25). A real HTTP server on
// 127.0.0.1 serves feeds of local test sources that republish the same wire
// story (one article page, at a URL of each outlet); the real newswatchd polls
// them and a real ZeroMQ SUB socket receives the alerts. Each copy is served
// only once the alert of the one before arrived, so the order is known.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"

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

}  // namespace
}  // namespace nw
