// The replay socket for real: a ROUTER served by ReplayServer from a real SQLite
// store, asked by DEALER and REQ clients over tcp://127.0.0.1; CURVE with the
// real ZAP handler.
#include "daemon/replay_server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/curve.h"
#include "tests/support/log_capture.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Alert alert(std::string watchlist, std::string rule, std::size_t padding = 0) {
  Alert a;
  a.id = alert_id(watchlist, rule, "art");
  a.watchlist = std::move(watchlist);
  a.rule = std::move(rule);
  a.source = "alrasifa";
  a.url = "https://alrasifa.example/a";
  a.title = "حفتر في القاهرة";
  a.fetched = std::chrono::sys_seconds{1591175850s};
  a.matched = {"حفتر"};
  a.snippet = "زيارة حفتر للقاهرة" + std::string(padding, '.');
  return a;
}

using Frames = std::vector<std::string>;

class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint,
         zmq::socket_type type = zmq::socket_type::dealer)
      : socket_(ctx, type), req_(type == zmq::socket_type::req) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvhwm, 100);
    endpoint_ = endpoint;
  }
  zmq::socket_t& socket() { return socket_; }
  void connect() { socket_.connect(endpoint_); }
  void send(const Frames& frames) {
    std::vector<zmq::const_buffer> b;
    for (const auto& f : frames) b.push_back(zmq::buffer(f));
    ASSERT_TRUE(zmq::send_multipart(socket_, b));
  }
  std::optional<Frames> receive(std::chrono::milliseconds timeout = 5000ms) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    std::vector<zmq::message_t> msgs;
    if (!zmq::recv_multipart(socket_, std::back_inserter(msgs))) return std::nullopt;
    Frames out;
    for (auto& m : msgs) out.push_back(m.to_string());
    return out;
  }
  // Everything up to and including END or ERROR.
  std::vector<Frames> replay(const std::string& since, const std::string& prefix) {
    send({"SINCE", since, prefix});
    std::vector<Frames> got;
    while (auto m = receive()) {
      got.push_back(*m);
      if ((*m)[0] == "END" || (*m)[0] == "ERROR") break;
    }
    return got;
  }

 private:
  zmq::socket_t socket_;
  bool req_;
  std::string endpoint_;
};

class ReplayServerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("replay_test_" + std::to_string(std::random_device{}()));
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void start(ReplayOptions options = {}, std::string_view curve_secret = {}) {
    auto own = open_sqlite_store(dir_);
    ASSERT_TRUE(own) << own.error().message;
    auto r = ReplayServer::start(ctx_, "tcp://127.0.0.1:*", std::move(*own), curve_secret, options);
    ASSERT_TRUE(r) << r.error().message;
    server_ = std::move(*r);
  }
  // `n` alerts, one article each, rules alternating between two watchlists.
  void record(int n, int first = 0, std::size_t padding = 0) {
    for (int i = first; i < first + n; ++i) {
      auto kept = store_->finish_item("s", "k" + std::to_string(i), "art-" + std::to_string(i),
                                      {alert(i % 2 ? "egypt" : "libya", "haftar", padding)});
      ASSERT_TRUE(kept && kept->size() == 1u);
    }
  }

  // Declared first, destroyed last: outlives the server's thread (TearDown).
  std::optional<test::LogCapture> log_;
  fs::path dir_;
  zmq::context_t ctx_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ReplayServer> server_;
};

TEST_F(ReplayServerTest, ServesEveryAlertAfterNInOrderWithTheRecordedBytesThenEnd) {
  record(5);
  start();
  Client c(ctx_, server_->endpoint());
  c.connect();
  auto got = c.replay("2", "");
  ASSERT_EQ(got.size(), 4u);
  auto recorded = store_->alerts_since(2, "", 10);
  ASSERT_TRUE(recorded && recorded->size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i], (Frames{"ALERT", (*recorded)[i].topic, (*recorded)[i].json}));
  }
  EXPECT_EQ(got[3], (Frames{"END", "5"}));
  // Nothing after the last: just END.
  EXPECT_EQ(c.replay("5", ""), (std::vector<Frames>{{"END", "5"}}));
  // Ahead of the daemon (its state was reset): END says where it is.
  EXPECT_EQ(c.replay("99", ""), (std::vector<Frames>{{"END", "5"}}));
}

TEST_F(ReplayServerTest, TopicPrefixSelectsAndEndStillGivesTheLastSeq) {
  record(6);  // libya: 1 3 5, egypt: 2 4 6
  start();
  Client c(ctx_, server_->endpoint());
  c.connect();
  auto got = c.replay("0", "egypt/");
  ASSERT_EQ(got.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i][1], "egypt/haftar");
  EXPECT_NE(got[0][2].find(R"("seq":2,)"), std::string::npos);
  EXPECT_EQ(got[3], (Frames{"END", "6"}));
}

TEST_F(ReplayServerTest, BadRequestsGetErrorAndTheServerKeepsServing) {
  record(1);
  start();
  Client c(ctx_, server_->endpoint());
  c.connect();
  for (const Frames& bad :
       {Frames{"SINCE", "x1", ""}, Frames{"SINCE", "-1", ""}, Frames{"SINCE", "1"},
        Frames{"GIVE", "0", ""}, Frames{"SINCE", "99999999999999999999999", ""}}) {
    c.send(bad);
    auto m = c.receive();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ((*m)[0], "ERROR");
    EXPECT_EQ(m->size(), 2u);
  }
  EXPECT_EQ(c.replay("0", "").size(), 2u);
}

TEST_F(ReplayServerTest, AReqClientGetsItsEnvelopeBack) {
  start();
  Client c(ctx_, server_->endpoint(), zmq::socket_type::req);
  c.connect();
  c.send({"SINCE", "0", ""});
  auto m = c.receive();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, (Frames{"END", "0"}));
}

TEST_F(ReplayServerTest, EndNamesTheOldestKeptAlertWhenOlderOnesWereDeleted) {
  record(5);
  for (std::uint64_t s = 1; s <= 5; ++s) ASSERT_TRUE(store_->mark_published(s));
  const auto later =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now() + 1h);
  ASSERT_EQ(*store_->prune_alerts(later, 2), 2u);  // seq 1 and 2 deleted
  start();
  Client c(ctx_, server_->endpoint());
  c.connect();
  auto got = c.replay("0", "");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.back(), (Frames{"END", "5", "3"}));
  EXPECT_EQ(c.replay("2", "").back(), (Frames{"END", "5"}));  // nothing missing after 2
  ASSERT_EQ(*store_->prune_alerts(later, 10), 3u);
  EXPECT_EQ(c.replay("4", "").back(), (Frames{"END", "5", "6"}));
}

// A client that asks for a large backlog and reads slowly: the server holds at
// most a batch and the socket's high-water mark, other clients are served
// meanwhile, and everything arrives in order.
TEST_F(ReplayServerTest, SlowClientDoesNotBlockOthersAndGetsEverythingInOrder) {
  record(3000);
  start({.batch = 100, .send_high_water_mark = 50});
  Client slow(ctx_, server_->endpoint());
  slow.connect();
  slow.send({"SINCE", "0", ""});
  ASSERT_TRUE(slow.receive().has_value());  // started
  Client quick(ctx_, server_->endpoint());
  quick.connect();
  const auto t0 = std::chrono::steady_clock::now();
  auto got = quick.replay("2990", "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got.back(), (Frames{"END", "3000"}));
  std::uint64_t n = 1;
  for (;;) {
    auto m = slow.receive();
    ASSERT_TRUE(m.has_value()) << "stalled after " << n;
    if ((*m)[0] == "END") break;
    ++n;
    EXPECT_NE((*m)[2].find("\"seq\":" + std::to_string(n) + ","), std::string::npos);
    if (n % 500 == 0) std::this_thread::sleep_for(20ms);  // the slow reading under test
  }
  EXPECT_EQ(n, 3000u);
}

TEST_F(ReplayServerTest, ClientThatStopsReadingIsDroppedAfterTheStall) {
  record(2000, 0, 20000);  // 40 MB: more than the socket buffers hold
  log_.emplace();          // before the server's thread starts; ends after TearDown stops it
  start({.batch = 100, .send_high_water_mark = 20, .stall = 1s});
  Client stuck(ctx_, server_->endpoint());
  stuck.socket().set(zmq::sockopt::rcvhwm, 10);
  stuck.connect();
  stuck.send({"SINCE", "0", ""});
  // It reads nothing until the server says it dropped that replay.
  ASSERT_TRUE(test::wait_for(
      [&] { return !log_->lines("warning", "stopped reading for 1s; dropped its replay").empty(); },
      20s))
      << log_->all();
  // The server is free for new requests.
  Client other(ctx_, server_->endpoint());
  other.connect();
  EXPECT_EQ(other.replay("1999", "").size(), 2u);
  // The stuck client gets what was queued before the drop, never the END.
  int received = 0;
  bool ended = false;
  while (auto m = stuck.receive(300ms)) {
    ++received;
    ended = ended || (*m)[0] == "END";
  }
  EXPECT_FALSE(ended);
  EXPECT_LT(received, 2000);
}

TEST_F(ReplayServerTest, CurveAdmitsAuthorizedKeysOnly) {
  record(2);
  const fs::path keys = dir_ / "authorized";
  fs::create_directories(keys);
  auto server_keys = generate_curve_key_pair();
  auto friend_keys = generate_curve_key_pair();
  auto stranger_keys = generate_curve_key_pair();
  ASSERT_TRUE(server_keys && friend_keys && stranger_keys);
  ASSERT_TRUE(write_curve_key_pair(keys / "analyst", *friend_keys));
  fs::remove(keys / "analyst.key");  // the daemon holds only public keys
  auto auth = ZapAuthenticator::start(ctx_, keys);
  ASSERT_TRUE(auth) << auth.error().message;
  start({}, server_keys->secret_key);

  Client ok(ctx_, server_->endpoint());
  make_curve_client(ok.socket(), *friend_keys, server_keys->public_key);
  ok.connect();
  EXPECT_EQ(ok.replay("0", "").size(), 3u);

  Client stranger(ctx_, server_->endpoint());
  make_curve_client(stranger.socket(), *stranger_keys, server_keys->public_key);
  stranger.connect();
  stranger.send({"SINCE", "0", ""});
  EXPECT_FALSE(stranger.receive(1500ms).has_value());

  Client plain(ctx_, server_->endpoint());
  plain.connect();
  plain.send({"SINCE", "0", ""});
  EXPECT_FALSE(plain.receive(1000ms).has_value());
  server_.reset();
  auth->reset();
}

TEST(CurveKeys, KeygenFilesRoundTripAndTheSecretIsPrivate) {
  const fs::path dir =
      fs::temp_directory_path() / ("curve_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  auto keys = generate_curve_key_pair();
  ASSERT_TRUE(keys);
  ASSERT_TRUE(write_curve_key_pair(dir / "daemon", *keys));
  EXPECT_FALSE(write_curve_key_pair(dir / "daemon", *keys)) << "must not overwrite";
  EXPECT_EQ(read_curve_key(dir / "daemon.key").value(), keys->secret_key);
  EXPECT_EQ(read_curve_key(dir / "daemon.pub").value(), keys->public_key);
  EXPECT_EQ(curve_public_key(keys->secret_key).value(), keys->public_key);
  EXPECT_EQ(fs::status(dir / "daemon.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "bad.pub") << "# comment\nnot-a-key\n";
  auto bad = read_curve_key(dir / "bad.pub");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.pub"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nw
