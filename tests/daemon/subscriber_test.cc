// The reference subscriber against the real thing: a PUB socket, the replay
// ROUTER and Delivery over a real SQLite store, all on tcp://127.0.0.1.
#include "daemon/subscriber.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "daemon/delivery.h"
#include "daemon/replay_server.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A subscriber on its own thread, collecting the seqs it delivers.
class Running {
 public:
  explicit Running(SubscriberOptions o) : options_(std::move(o)) {
    thread_ = std::thread([this] {
      result_ = run_subscriber(
          options_,
          [this](std::string_view json) {
            std::lock_guard lock(mutex_);
            seqs_.push_back(nlohmann::json::parse(json)["seq"].get<std::uint64_t>());
            topics_.push_back(nlohmann::json::parse(json)["watchlist"].get<std::string>());
          },
          [](const std::string&) {}, [this] { return stop_.load(); });
      done_ = true;
    });
  }
  ~Running() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  std::vector<std::uint64_t> seqs() {
    std::lock_guard lock(mutex_);
    return seqs_;
  }
  std::vector<std::string> watchlists() {
    std::lock_guard lock(mutex_);
    return topics_;
  }
  const Result<void>& result() const { return result_; }

 private:
  SubscriberOptions options_;
  std::mutex mutex_;
  std::vector<std::uint64_t> seqs_;
  std::vector<std::string> topics_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  Result<void> result_;
  std::thread thread_;
};

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (auto s = first; s <= last; ++s) v.push_back(s);
  return v;
}

class SubscriberTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("subscriber_test_" + std::to_string(std::random_device{}()));
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto p = bind_zmq_publisher(ctx_, "tcp://127.0.0.1:*");
    ASSERT_TRUE(p) << p.error().message;
    publisher_ = std::move(*p);
    auto own = open_sqlite_store(dir_);
    ASSERT_TRUE(own);
    auto r = ReplayServer::start(ctx_, "tcp://127.0.0.1:*", std::move(*own));
    ASSERT_TRUE(r) << r.error().message;
    replay_ = std::move(*r);
    delivery_ =
        std::make_unique<Delivery>(*store_, *publisher_, clock_, DeliveryOptions{.heartbeat = 1s});
  }
  void TearDown() override {
    delivery_.reset();
    replay_.reset();
    publisher_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  SubscriberOptions options() {
    return {.endpoint = publisher_->endpoint(),
            .replay_endpoint = replay_->endpoint(),
            .heartbeat = 1000ms,
            .reply_timeout = 2000ms};
  }
  // Records one alert; published at once unless `lose_live` (a message the
  // subscriber never sees live, as when its connection dropped).
  void record(const std::string& watchlist, bool lose_live = false) {
    const std::string key = "k" + std::to_string(++n_);
    Alert a{.watchlist = watchlist, .rule = "r", .source = "s", .url = "https://x.example/" + key};
    a.id = alert_id(a.watchlist, a.rule, key);
    ASSERT_TRUE(store_->finish_item("s", key, key, {a}));
    if (lose_live) {
      ASSERT_TRUE(store_->mark_published(n_));
    } else {
      delivery_->publish_recorded();
    }
  }
  // Ticks Delivery (heartbeats) until `done` or a timeout.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    return test::wait_for(
        [&] {
          delivery_->tick();
          return done();
        },
        limit, 20ms);
  }

  fs::path dir_;
  zmq::context_t ctx_;
  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<ReplayServer> replay_;
  std::unique_ptr<Delivery> delivery_;
  std::uint64_t n_ = 0;
};

TEST_F(SubscriberTest, JoinsReplayAndLiveWithNoGapAndNoDuplicate) {
  for (int i = 0; i < 3; ++i) record("libya");  // published to nobody
  auto o = options();
  o.since = 0;
  Running sub(o);
  ASSERT_TRUE(pump_until([&] { return sub.seqs().size() == 3; })) << sub.seqs().size();
  record("libya");
  record("libya", /*lose_live=*/true);  // a gap the next live alert reveals
  record("libya");
  record("libya", /*lose_live=*/true);  // a gap only the heartbeat reveals
  ASSERT_TRUE(pump_until([&] { return sub.seqs().size() >= 7; }));
  // A later alert: once it is delivered, a duplicate of the earlier ones would
  // have come before it (seq order).
  record("libya");
  ASSERT_TRUE(pump_until([&] { return sub.seqs().size() >= 8; }));
  EXPECT_EQ(sub.seqs(), range(1, 8));
}

TEST_F(SubscriberTest, TopicFilteredAndAllTopicsSideBySideEachGetExactlyTheirSet) {
  auto all_options = options();
  all_options.since = 0;
  auto libya_options = all_options;
  libya_options.topic = "libya/";
  Running all(all_options);
  Running libya(libya_options);
  for (int i = 0; i < 20; ++i) {
    record(i % 3 == 0 ? "libya" : "egypt", /*lose_live=*/i % 7 == 3);
    if (i % 5 == 0) pump_until([] { return false; }, 50ms);
  }
  ASSERT_TRUE(pump_until([&] { return all.seqs().size() >= 20 && libya.seqs().size() >= 7; }));
  // A later alert for both: once they have it, anything extra would have come before it.
  record("libya");
  ASSERT_TRUE(pump_until([&] { return all.seqs().size() >= 21 && libya.seqs().size() >= 8; }));
  EXPECT_EQ(all.seqs(), range(1, 21));
  std::vector<std::uint64_t> want;
  for (std::uint64_t s = 1; s <= 20; ++s)
    if ((s - 1) % 3 == 0) want.push_back(s);
  want.push_back(21);
  EXPECT_EQ(libya.seqs(), want);
  for (const auto& w : libya.watchlists()) EXPECT_EQ(w, "libya");
}

TEST_F(SubscriberTest, StateFileResumesExactlyWhereItStopped) {
  for (int i = 0; i < 5; ++i) record("libya");
  const fs::path state = dir_ / "sub.state";
  auto o = options();
  o.since = 0;
  o.state_file = state;
  o.count = 2;
  {
    Running first(o);
    ASSERT_TRUE(pump_until([&] { return first.done(); }));
    EXPECT_EQ(first.seqs(), range(1, 2));
  }
  std::ifstream in(state);
  std::string saved;
  std::getline(in, saved);
  EXPECT_EQ(saved, "2");
  record("libya");
  o.count = 4;
  o.since = 0;  // the state file wins over --since
  Running second(o);
  ASSERT_TRUE(pump_until([&] { return second.done(); }));
  EXPECT_EQ(second.seqs(), range(3, 6));
}

TEST_F(SubscriberTest, WithoutSinceItStartsFromNow) {
  for (int i = 0; i < 3; ++i) record("libya");
  Running sub(options());
  // Until it has learnt where "now" is (the first replay's END) it takes
  // nothing, and nothing tells when it has: record one alert after another
  // until one arrives.
  ASSERT_TRUE(test::wait_for(
      [&] {
        record("libya");
        return pump_until([&] { return !sub.seqs().empty(); }, 200ms);
      },
      20s));
  const std::uint64_t first = sub.seqs().front();
  EXPECT_GT(first, 3u) << "an alert from before it started";
  // One more: once it is delivered, anything older would have come before it.
  record("libya");
  ASSERT_TRUE(pump_until([&] {
    const auto seqs = sub.seqs();
    return std::find(seqs.begin(), seqs.end(), n_) != seqs.end();
  }));
  EXPECT_EQ(sub.seqs(), range(first, n_));
}

// The seq the subscriber orders by: only a whole, valid JSON object's own
// "seq", as a parsed document would give it.
TEST(MessageSeq, TakesOnlyTheTopLevelUnsignedSeqOfAValidObject) {
  EXPECT_EQ(message_seq(R"({"watchlist":"w","seq":42,"title":"x"})"), 42u);
  EXPECT_EQ(message_seq(R"({"a":{"seq":7},"b":[{"seq":8}],"seq":9})"), 9u);
  EXPECT_EQ(message_seq(R"({"a":{"seq":7}})"), std::nullopt) << "a nested seq";
  EXPECT_EQ(message_seq(R"({"seq":1,"seq":2})"), 2u) << "the last of a repeated key";
  EXPECT_EQ(message_seq(R"({"seq":1,"seq":"2"})"), std::nullopt);
  EXPECT_EQ(message_seq(R"({"seq":-3})"), std::nullopt);
  EXPECT_EQ(message_seq(R"({"seq":3.5})"), std::nullopt);
  EXPECT_EQ(message_seq(R"({"seq":"3"})"), std::nullopt);
  EXPECT_EQ(message_seq(R"([{"seq":3}])"), std::nullopt) << "not an object";
  EXPECT_EQ(message_seq(R"({"seq":3,"title":"cut)"), std::nullopt) << "truncated";
  EXPECT_EQ(message_seq(R"({"seq":3} trailing)"), std::nullopt);
  EXPECT_EQ(message_seq(""), std::nullopt);
  EXPECT_EQ(message_seq(R"({"title":"\u0644\u064a\u0628\u064a\u0627","seq":5})"), 5u);
}

// No daemon at the endpoints: the subscriber says on stderr that it waits,
// keeps trying, and stops cleanly when asked.
TEST(SubscriberEndpoints, SaysWhenItWaitsForTheDaemon) {
  std::vector<std::string> said;
  std::mutex mutex;
  // Stopped once it has gone round its loop (a 100 ms poll each) 10 times
  // after it said it waits: at least a second, in which it retried about 3
  // times more (300 ms reply timeout) and must not have said so again. However
  // slowly the machine runs; bounded in case it never says anything.
  int turns_after_waiting = 0;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  auto stop = [&] {
    std::lock_guard lock(mutex);
    if (!said.empty()) ++turns_after_waiting;
    return turns_after_waiting > 10 || std::chrono::steady_clock::now() > give_up;
  };
  std::thread t([&] {
    auto r = run_subscriber(
        {.endpoint = "tcp://127.0.0.1:1",
         .replay_endpoint = "tcp://127.0.0.1:2",
         .heartbeat = 300ms,
         .reply_timeout = 300ms},
        [](std::string_view) {},
        [&](const std::string& line) {
          std::lock_guard lock(mutex);
          said.push_back(line);
        },
        stop);
    EXPECT_TRUE(r.has_value());
  });
  t.join();
  std::lock_guard lock(mutex);
  ASSERT_FALSE(said.empty());
  EXPECT_EQ(said[0].rfind("waiting for the daemon at tcp://127.0.0.1:1 and tcp://127.0.0.1:2", 0),
            0u)
      << said[0];
  EXPECT_LE(std::count_if(said.begin(), said.end(),
                          [](const std::string& l) { return l.starts_with("waiting"); }),
            1)
      << "said once, not on every retry";
}

TEST(SubscriberEndpoints, HintsAndDefaults) {
  EXPECT_EQ(endpoint_hint("tcp://127.0.0.1:5556"), "");
  EXPECT_EQ(endpoint_hint("127.0.0.1:5556"),
            "endpoint \"127.0.0.1:5556\" names no transport; did you mean tcp://127.0.0.1:5556?");
  EXPECT_EQ(default_replay_endpoint("tcp://127.0.0.1:5556"), "tcp://127.0.0.1:5557");
  EXPECT_EQ(default_replay_endpoint("tcp://news.example:6000"), "tcp://news.example:6001");
  EXPECT_EQ(default_replay_endpoint("ipc:///run/newswatch.sock"), "");
  auto r = run_subscriber(
      {.endpoint = "localhost:5556"}, [](std::string_view) {}, [](const std::string&) {},
      [] { return true; });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("did you mean tcp://localhost:5556?"), std::string::npos);
}

}  // namespace
}  // namespace nw
