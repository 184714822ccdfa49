// The notifier's delivery against real servers on 127.0.0.1: channel workers
// posting through libcurl to a cpp-httplib receiver (retries, Retry-After, a
// permanent refusal, rate limit and folding, the cursor), and run_notify
// following a real publisher, replay socket and SQLite store (routes,
// restarts from the cursors, a channel added later).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "daemon/delivery.h"
#include "daemon/notify/channel_worker.h"
#include "daemon/notify/cursor_store.h"
#include "daemon/notify/notifier.h"
#include "daemon/replay_server.h"
#include "tests/daemon/notify_receiver.h"
#include "tests/support/files.h"
#include "tests/support/log_capture.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Kind = ChannelConfig::Kind;
using test::Answer;
using test::Receiver;

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / (name + std::to_string(std::random_device{}()));
  fs::create_directories(d);
  return d;
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  return test::wait_for(done, limit, 10ms);
}

ChannelConfig channel(std::string id, Kind kind, std::string url) {
  ChannelConfig c;
  c.id = std::move(id);
  c.kind = kind;
  c.url = std::move(url);
  return c;
}

Alert alert(std::uint64_t seq, std::string story = "", std::string source = "s") {
  Alert a{.seq = seq, .watchlist = "libya", .rule = "r", .source = std::move(source)};
  a.url = "https://news.example/" + std::to_string(seq);
  a.title = "Title " + std::to_string(seq);
  a.id = alert_id(a.watchlist, a.rule, a.url);
  a.story = std::move(story);
  a.fetched = std::chrono::sys_seconds(std::chrono::seconds(1591175700));
  return a;
}

std::vector<std::uint64_t> seqs_of(const std::vector<test::Received>& got) {
  std::vector<std::uint64_t> out;
  for (const auto& r : got) out.push_back(std::stoull(r.header("X-Newswatch-Seq")));
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (auto s = first; s <= last; ++s) v.push_back(s);
  return v;
}

// ------------------------------------------------------------ channel workers

class WorkerTest : public testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<ChannelWorker> worker(const ChannelConfig& c, WorkerOptions o = {},
                                        std::function<void()> wants_replay = {}) {
    auto w = std::make_unique<ChannelWorker>(c, make_http_sender(c), cursors_, metrics_,
                                             std::nullopt, o, std::move(wants_replay));
    w->start();
    return w;
  }
  void offer(ChannelWorker& w, const Alert& a) { w.offer(a, to_json(a)); }
  std::optional<std::uint64_t> saved(const std::string& id) { return *cursors_.load(id); }

  fs::path dir_ = temp_dir("notify_worker_");
  CursorStore cursors_{dir_};
  Metrics metrics_{Metrics::Families::kNotify};
  Receiver http_;
};

TEST_F(WorkerTest, A500Then429WithRetryAfterThenDeliversAllInOrderAndDelaysNoOtherChannel) {
  ASSERT_TRUE(cursors_.open());
  http_.script("/a", {{500, "busy"}, {500, "busy"}, {429, "slow down", {{"Retry-After", "2"}}}});
  const ChannelConfig a = channel("a", Kind::kWebhook, http_.url("/a"));
  const ChannelConfig b = channel("b", Kind::kWebhook, http_.url("/b"));
  auto wa = worker(a);
  auto wb = worker(b);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t s = 1; s <= 5; ++s) {
    offer(*wa, alert(s));
    offer(*wb, alert(s));
  }
  // b is never held back by a: all five within a second.
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/b").size() == 5; }, 1s));
  EXPECT_EQ(seqs_of(http_.accepted("/b")), range(1, 5));
  EXPECT_LT(http_.accepted("/b").back().at - start, 1s);
  // a: 1 s, 2 s of backoff, then the 2 s the 429 asked for.
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/a").size() == 5; }, 15s));
  EXPECT_EQ(seqs_of(http_.accepted("/a")), range(1, 5));
  const auto all = http_.received("/a");
  ASSERT_EQ(all.size(), 8u);  // 3 refused attempts of alert 1, then 5 deliveries
  EXPECT_EQ(all[2].status, 429);
  EXPECT_GE(all[3].at - all[2].at, 1900ms);
  EXPECT_GE(all[1].at - all[0].at, 900ms);
  EXPECT_GE(all[2].at - all[1].at, 1900ms);
  ASSERT_TRUE(wait_for([&] { return saved("a") == 5u && saved("b") == 5u; }));
  const std::string m = metrics_.render();
  EXPECT_NE(m.find("newswatch_notify_failures_total{channel=\"a\",reason=\"http_500\"} 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("newswatch_notify_failures_total{channel=\"a\",reason=\"http_429\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("newswatch_notify_sent_total{channel=\"b\"} 5"), std::string::npos);
  EXPECT_NE(m.find("newswatch_notify_lag_alerts{channel=\"a\"} 0"), std::string::npos);
}

TEST_F(WorkerTest, APermanentRefusalIsLoggedOnceWithTheBodysFirstLineAndTheCursorWaits) {
  ASSERT_TRUE(cursors_.open());
  http_.set_default("/a", {403, "invalid_token\nsecond line"});
  test::LogCapture log;
  const ChannelConfig a = channel("a", Kind::kSlack, http_.url("/a"));
  auto wa = worker(a);
  for (std::uint64_t s = 1; s <= 3; ++s) offer(*wa, alert(s));
  // The worker has logged and settled into its wait once it names the next try: 10 min away.
  ASSERT_TRUE(wait_for([&] { return wa->status().next_attempt.has_value(); }));
  EXPECT_GE(*wa->status().next_attempt - std::chrono::system_clock::now(), 9min);
  EXPECT_EQ(http_.received("/a").size(), 1u);
  const auto errors = log.lines("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("channel a (slack): HTTP 403: invalid_token;"), std::string::npos)
      << errors[0];
  EXPECT_EQ(errors[0].find("second line"), std::string::npos);
  EXPECT_EQ(saved("a"), std::nullopt);
  EXPECT_EQ(wa->status().state, "failing");
  EXPECT_EQ(wa->status().queued, 3u);
  wa->stop();
}

TEST_F(WorkerTest, AtTheRateLimitAlertsOfOneStoryFoldIntoOneMessage) {
  ASSERT_TRUE(cursors_.open());
  ChannelConfig c = channel("desk", Kind::kSlack, http_.url("/slack"));
  c.rate_limit = RateLimit{1, 1s, 1};
  auto w = worker(c);
  for (std::uint64_t s = 1; s <= 8; ++s)
    offer(*w, alert(s, "story-x", "outlet" + std::to_string(s)));
  offer(*w, alert(9, "story-y"));
  ASSERT_TRUE(wait_for([&] { return saved("desk") == 9u; }, 6s));
  const auto got = http_.accepted("/slack");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body.find("more outlet"), std::string::npos);
  EXPECT_NE(got[1].body.find("Title 2"), std::string::npos);
  EXPECT_NE(
      got[1].body.find("… and 6 more outlets: outlet3, outlet4, outlet5, outlet6, outlet7, …"),
      std::string::npos)
      << got[1].body;
  EXPECT_NE(got[2].body.find("Title 9"), std::string::npos);
  // Spaced by the limiter (1 s): as the receiver's clock sees it, give or take
  // the two messages' delivery times on a loaded machine.
  EXPECT_GE(got[1].at - got[0].at, 800ms);
  EXPECT_NE(metrics_.render().find("newswatch_notify_folded_total{channel=\"desk\"} 6"),
            std::string::npos);
}

TEST_F(WorkerTest, AWebhookNeverFoldsAndCarriesTheAlertIdAsIdempotencyKey) {
  ASSERT_TRUE(cursors_.open());
  ChannelConfig c = channel("hook", Kind::kWebhook, http_.url("/hook"));
  c.rate_limit = RateLimit{10, 1s, 1};
  auto w = worker(c);
  for (std::uint64_t s = 1; s <= 4; ++s) offer(*w, alert(s, "story-x"));
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/hook").size() == 4; }));
  const auto got = http_.accepted("/hook");
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Alert a = alert(i + 1, "story-x");
    EXPECT_EQ(got[i].body, to_json(a));
    EXPECT_EQ(got[i].header("Idempotency-Key"), a.id);
  }
}

TEST_F(WorkerTest, PassesMoveTheCursorPastAlertsMeantForOthers) {
  ASSERT_TRUE(cursors_.open());
  const ChannelConfig a = channel("a", Kind::kWebhook, http_.url("/a"));
  auto w = worker(a, {.pass_save_interval = 50ms});
  offer(*w, alert(3));
  w->pass(3);
  w->pass(17);
  ASSERT_TRUE(wait_for([&] { return saved("a") == 17u; }));
  EXPECT_EQ(http_.accepted("/a").size(), 1u);
  offer(*w, alert(12));  // below the cursor: had it
  offer(*w, alert(18));
  ASSERT_TRUE(wait_for([&] { return saved("a") == 18u; }));
  EXPECT_EQ(seqs_of(http_.accepted("/a")), (std::vector<std::uint64_t>{3, 18}));
}

TEST_F(WorkerTest, AChannelTooFarBehindDropsItsWindowAndAsksForTheReplayOnceItDelivers) {
  ASSERT_TRUE(cursors_.open());
  http_.script("/a", {{500, "down"}});
  std::atomic<int> asked{0};
  const ChannelConfig a = channel("a", Kind::kWebhook, http_.url("/a"));
  auto w = worker(a, {.max_queued = 3}, [&] { ++asked; });
  for (std::uint64_t s = 1; s <= 6; ++s) offer(*w, alert(s));
  w->pass(6);
  ASSERT_TRUE(wait_for([&] { return asked == 1; }, 5s));
  EXPECT_EQ(saved("a"), 3u);  // not past what it dropped
  EXPECT_EQ(seqs_of(http_.accepted("/a")), range(1, 3));
  offer(*w, alert(4));  // still the old subscription: ignored
  w->resync();          // the new subscription replays from 3
  // Its 4 is left out here, so that a 4 taken from the old subscription would show.
  for (std::uint64_t s = 5; s <= 6; ++s) offer(*w, alert(s));
  ASSERT_TRUE(wait_for([&] { return saved("a") == 6u; }));
  EXPECT_EQ(seqs_of(http_.accepted("/a")), (std::vector<std::uint64_t>{1, 2, 3, 5, 6}));
}

// ------------------------------------------------------------- e-mail channels

// tests/support/smtp_sink.py (aiosmtpd): a real SMTP server writing each
// message it accepts to DIR/msg-NNN.eml.
class SmtpSink {
 public:
  SmtpSink() : port_(test::free_tcp_port()) {
    dir_ = temp_dir("notify_smtp_");
    child_ = std::make_unique<test::Child>(
        "/usr/bin/python3",
        std::vector<std::string>{(fs::path(NW_SOURCE_DIR) / "tests/support/smtp_sink.py").string(),
                                 "--dir", dir_.string(), "--port", std::to_string(port_)},
        dir_ / "sink.out", dir_ / "sink.err");
    wait_for([&] { return fs::exists(dir_ / "ready"); });
  }
  ~SmtpSink() {
    child_->stop();
    fs::remove_all(dir_);
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> messages() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".eml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(test::read_file(f));
    return out;
  }

 private:
  int port_;
  fs::path dir_;
  std::unique_ptr<test::Child> child_;
};

bool have_aiosmtpd() {
  return std::system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") == 0;
}

ChannelConfig mail_channel(const SmtpSink& sink) {
  ChannelConfig c;
  c.id = "editor";
  c.kind = Kind::kEmail;
  c.mail.smtp_url = sink.url();
  c.mail.from = "newswatch@example.org";
  c.mail.to = {"editor@example.org"};
  return c;
}

TEST_F(WorkerTest, AnEmailChannelSendsEachAlertAsAMessageThroughARealSmtpServer) {
  if (!have_aiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed";
  ASSERT_TRUE(cursors_.open());
  SmtpSink sink;
  const ChannelConfig c = mail_channel(sink);
  auto w = std::make_unique<ChannelWorker>(c, make_sender(c), cursors_, metrics_, std::nullopt,
                                           WorkerOptions{}, nullptr);
  w->start();
  offer(*w, alert(1));
  offer(*w, alert(2));
  ASSERT_TRUE(wait_for([&] { return saved("editor") == 2u; }));
  const auto got = sink.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("Message-ID: <" + alert(1).id + ".newswatch@example.org>"),
            std::string::npos)
      << got[0];
  EXPECT_NE(got[1].find("Message-ID: <" + alert(2).id + ".newswatch@example.org>"),
            std::string::npos);
}

TEST_F(WorkerTest, ADigestChannelSendsWhatCameInAPeriodAsOneMessageAtItsEnd) {
  if (!have_aiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed";
  ASSERT_TRUE(cursors_.open());
  SmtpSink sink;
  ChannelConfig c = mail_channel(sink);
  c.digest = DigestSchedule{.kind = DigestSchedule::Kind::kEvery, .every = std::chrono::seconds(2)};
  auto w = std::make_unique<ChannelWorker>(c, make_sender(c), cursors_, metrics_, std::nullopt,
                                           WorkerOptions{.pass_save_interval = 50ms}, nullptr);
  w->start();
  offer(*w, alert(1, "story-x", "outlet1"));
  offer(*w, alert(2, "story-x", "outlet2"));
  offer(*w, alert(3, "story-y"));
  w->pass(5);
  EXPECT_TRUE(sink.messages().empty());  // not before the period ends
  ASSERT_TRUE(wait_for([&] { return saved("editor") == 5u; }, 6s));
  const auto got = sink.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("2 stories, 3 alerts"), std::string::npos) << got[0];
  // An empty period sends nothing: wait for the next period to end.
  const auto first_end = w->status().next_digest;
  ASSERT_TRUE(first_end);
  ASSERT_TRUE(wait_for([&] { return w->status().next_digest > first_end; }, 6s));
  EXPECT_EQ(sink.messages().size(), 1u);
}

// ------------------------------------------------ run_notify with a daemon's parts

class NotifierTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("notify_run_");
    auto s = open_sqlite_store(dir_ / "daemon");
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto p = bind_zmq_publisher(ctx_, "tcp://127.0.0.1:*");
    ASSERT_TRUE(p) << p.error().message;
    publisher_ = std::move(*p);
    auto own = open_sqlite_store(dir_ / "daemon");
    ASSERT_TRUE(own);
    auto r = ReplayServer::start(ctx_, "tcp://127.0.0.1:*", std::move(*own));
    ASSERT_TRUE(r) << r.error().message;
    replay_ = std::move(*r);
    delivery_ =
        std::make_unique<Delivery>(*store_, *publisher_, clock_, DeliveryOptions{.heartbeat = 1s});
    ticker_ = std::thread([this] {
      while (!stop_ticker_) {
        {
          std::lock_guard lock(mutex_);
          delivery_->tick();
        }
        std::this_thread::sleep_for(20ms);  // the daemon loop's pace, not a wait
      }
    });
  }
  void TearDown() override {
    stop_notifier();
    stop_ticker_ = true;
    ticker_.join();
    delivery_.reset();
    replay_.reset();
    publisher_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  NotifyConfig config(std::vector<ChannelConfig> channels, std::vector<RouteConfig> routes) {
    NotifyConfig c;
    c.state_dir = dir_ / "notify";
    c.endpoint = publisher_->endpoint();
    c.replay_endpoint = replay_->endpoint();
    c.heartbeat = 1s;
    c.channels = std::move(channels);
    c.routes = std::move(routes);
    return c;
  }
  void start_notifier(NotifyConfig c) {
    config_ = std::move(c);
    stop_ = false;
    notifier_ = std::thread(
        [this] { result_ = run_notify(config_, {.stop = [this] { return stop_.load(); }}); });
  }
  void stop_notifier() {
    stop_ = true;
    if (notifier_.joinable()) notifier_.join();
  }
  void record(const std::string& watchlist, std::string severity = "", bool publish = true) {
    std::lock_guard lock(mutex_);
    const std::string key = "k" + std::to_string(++n_);
    Alert a{.watchlist = watchlist, .rule = "r", .source = "s", .url = "https://x.example/" + key};
    a.title = "Alert " + std::to_string(n_);
    a.severity = std::move(severity);
    a.id = alert_id(a.watchlist, a.rule, key);
    ASSERT_TRUE(store_->finish_item("s", key, key, {a}));
    if (publish) {
      delivery_->publish_recorded();
    } else {
      ASSERT_TRUE(store_->mark_published(n_));  // as if nobody was listening
    }
  }

  fs::path dir_;
  zmq::context_t ctx_;
  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<ReplayServer> replay_;
  std::unique_ptr<Delivery> delivery_;
  std::mutex mutex_;
  std::thread ticker_;
  std::atomic<bool> stop_ticker_{false};
  std::uint64_t n_ = 0;
  NotifyConfig config_;
  std::thread notifier_;
  std::atomic<bool> stop_{false};
  Result<void> result_;
  Receiver http_;
};

TEST_F(NotifierTest, EachAlertReachesTheChannelsOfItsRoutesOnce) {
  auto cfg = config({channel("libya", Kind::kWebhook, http_.url("/libya")),
                     channel("urgent", Kind::kWebhook, http_.url("/urgent"))},
                    {{.topics = {"libya/"}, .channels = {"libya"}},
                     {.min_severity = "high", .channels = {"urgent"}}});
  start_notifier(cfg);
  // The first start follows from the daemon's next alert: wait until it has joined.
  ASSERT_TRUE(wait_for([&] { return CursorStore(cfg.state_dir).load("libya")->has_value(); }));
  record("libya");              // 1 -> libya
  record("egypt", "high");      // 2 -> urgent
  record("libya", "critical");  // 3 -> both
  record("egypt", "low");       // 4 -> nobody
  record("libya", "", false);   // 5 -> libya, missed live: the replay fills it in
  record("egypt", "medium");    // 6 -> nobody
  record("libya", "high");      // 7 -> both: a copy of any earlier one would come before it
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/libya").size() >= 4; }));
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/urgent").size() >= 3; }));
  ASSERT_TRUE(wait_for([&] {
    return CursorStore(cfg.state_dir).load("urgent").value() == 7u &&
           CursorStore(cfg.state_dir).load("libya").value() == 7u;
  }));
  EXPECT_EQ(seqs_of(http_.accepted("/libya")), (std::vector<std::uint64_t>{1, 3, 5, 7}));
  EXPECT_EQ(seqs_of(http_.accepted("/urgent")), (std::vector<std::uint64_t>{2, 3, 7}));
  stop_notifier();
  EXPECT_TRUE(result_) << result_.error().message;
  const auto report = notify_status_report(cfg);
  ASSERT_TRUE(report);
  EXPECT_NE(report->find("not running"), std::string::npos) << *report;
  EXPECT_NE(report->find("urgent"), std::string::npos);
}

TEST_F(NotifierTest, ARestartResumesEachChannelFromItsCursorAndANewChannelStartsWithTheOthers) {
  auto cfg = config({channel("a", Kind::kWebhook, http_.url("/a"))},
                    {{.topics = {"libya/"}, .channels = {"a"}}});
  start_notifier(cfg);
  ASSERT_TRUE(wait_for([&] { return CursorStore(cfg.state_dir).load("a")->has_value(); }));
  record("libya");
  record("libya");
  ASSERT_TRUE(wait_for([&] { return http_.accepted("/a").size() == 2; }));
  stop_notifier();
  record("libya");  // 3 and 4 while the notifier is away
  record("libya");
  cfg.channels.push_back(channel("b", Kind::kWebhook, http_.url("/b")));
  cfg.routes.push_back({.channels = {"b"}});
  start_notifier(cfg);
  record("libya");  // 5
  record("libya");  // 6: a copy of any earlier one would come before it
  ASSERT_TRUE(wait_for(
      [&] { return !http_.accepted("/a").empty() && seqs_of(http_.accepted("/a")).back() == 6u; }));
  ASSERT_TRUE(wait_for(
      [&] { return !http_.accepted("/b").empty() && seqs_of(http_.accepted("/b")).back() == 6u; }));
  EXPECT_EQ(seqs_of(http_.accepted("/a")), range(1, 6));
  EXPECT_EQ(seqs_of(http_.accepted("/b")), range(3, 6));
}

TEST_F(NotifierTest, ASecondNotifierOnTheSameStateDirIsRefused) {
  auto cfg = config({channel("a", Kind::kWebhook, http_.url("/a"))}, {{.channels = {"a"}}});
  start_notifier(cfg);
  // Running once its status names it so: the lock is held.
  ASSERT_TRUE(wait_for([&] {
    auto r = notify_status_report(cfg);
    return r && r->find("running (pid") != std::string::npos;
  }));
  auto second = run_notify(cfg, {.stop = [] { return true; }});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("another newswatch notify"), std::string::npos);
  const auto report = notify_status_report(cfg);
  ASSERT_TRUE(report);
  EXPECT_NE(report->find("running (pid"), std::string::npos) << *report;
}

}  // namespace
}  // namespace nw
