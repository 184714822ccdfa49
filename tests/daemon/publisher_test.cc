#include "daemon/publisher.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <utility>
#include <zmq.hpp>

namespace nw {
namespace {

using namespace std::chrono_literals;

Alert alert(std::string watchlist, std::string rule, std::uint64_t seq) {
  Alert a;
  a.seq = seq;
  a.watchlist = std::move(watchlist);
  a.rule = std::move(rule);
  a.source = "alrasifa";
  a.url = "https://alrasifa.example/news/haftar";
  a.title = "حفتر يصل إلى القاهرة";
  a.published = std::chrono::sys_seconds{1591175700s};
  a.fetched = std::chrono::sys_seconds{1591175850s};
  a.matched = {"حفتر", "للقاهرة"};
  a.snippet = "زيارة حفتر للقاهرة تأتي في وقت يواصل فيه الجيش الليبي تقدمه";
  return a;
}

RecordedAlert record(const Alert& a) {
  return {.seq = a.seq, .topic = a.topic(), .json = to_json(a)};
}

zmq::context_t& context() {
  static zmq::context_t ctx;
  return ctx;
}

struct Message {
  std::string topic;
  std::string json;
  bool more_after_json = false;
};

// A real SUB socket over TCP, as an analyst's client would use.
class Subscriber {
 public:
  Subscriber(const std::string& endpoint, const std::string& prefix)
      : socket_(context_, zmq::socket_type::sub) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::subscribe, prefix);
    socket_.connect(endpoint);
  }

  std::optional<Message> receive(std::chrono::milliseconds timeout) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 1, timeout) == 0) return std::nullopt;
    Message m;
    zmq::message_t frame;
    if (!socket_.recv(frame)) return std::nullopt;
    m.topic = frame.to_string();
    if (!frame.more()) return m;  // the test then fails on the missing JSON
    if (!socket_.recv(frame)) return std::nullopt;
    m.json = frame.to_string();
    m.more_after_json = frame.more();
    return m;
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
};

// The slow joiner: a SUB that just connected misses what is sent before its
// subscription reaches the PUB. Publish `probe` until one arrives (up to ~3 s).
std::optional<Message> handshake(Publisher& pub, Subscriber& sub, const Alert& probe) {
  for (int i = 0; i < 60; ++i) {
    if (!pub.publish(record(probe)).has_value()) return std::nullopt;
    if (auto m = sub.receive(50ms)) return m;
  }
  return std::nullopt;
}

std::unique_ptr<Publisher> bind_any_port() {
  auto pub = bind_zmq_publisher(context(), "tcp://127.0.0.1:*");
  EXPECT_TRUE(pub.has_value()) << pub.error().message;
  return pub ? std::move(*pub) : nullptr;
}

TEST(ZmqPublisher, WildcardPortResolvesToConcreteEndpoint) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  const std::string ep = pub->endpoint();
  EXPECT_EQ(ep.rfind("tcp://127.0.0.1:", 0), 0u) << ep;
  EXPECT_EQ(ep.find('*'), std::string::npos) << ep;
  EXPECT_GT(std::stoi(ep.substr(ep.rfind(':') + 1)), 0);
}

TEST(ZmqPublisher, SendsTopicThenExactJson) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  Subscriber sub(pub->endpoint(), "");
  const Alert a = alert("libya", "haftar-cairo", 42);
  auto m = handshake(*pub, sub, a);
  ASSERT_TRUE(m.has_value()) << "nothing received on " << pub->endpoint();
  EXPECT_EQ(m->topic, "libya/haftar-cairo");
  EXPECT_EQ(m->json, to_json(a));
  EXPECT_FALSE(m->more_after_json) << "an alert is exactly two frames";
  auto back = alert_from_json(m->json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->title, "حفتر يصل إلى القاهرة");
  EXPECT_EQ(back->seq, 42u);
}

TEST(ZmqPublisher, SubscribersFilterByTopicPrefix) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  Subscriber libya(pub->endpoint(), "libya/");
  ASSERT_TRUE(handshake(*pub, libya, alert("libya", "probe", 0)).has_value());
  // Drain the extra probes the handshake may have sent.
  while (libya.receive(100ms)) {
  }

  ASSERT_TRUE(pub->publish(record(alert("other", "x", 1))).has_value());
  ASSERT_TRUE(pub->publish(record(alert("libyan-oil", "y", 2))).has_value());  // not under "libya/"
  ASSERT_TRUE(pub->publish(record(alert("libya", "x", 3))).has_value());
  // One PUB delivers in order: had the first two passed the filter, they would come first.
  auto m = libya.receive(2000ms);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->topic, "libya/x");
  EXPECT_EQ(alert_from_json(m->json).value().seq, 3u);
  EXPECT_FALSE(libya.receive(200ms).has_value());
}

TEST(ZmqPublisher, QueuedAlertsGoOutWhenPublisherIsDestroyed) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  Subscriber sub(pub->endpoint(), "libya/");
  ASSERT_TRUE(handshake(*pub, sub, alert("libya", "probe", 0)).has_value());
  while (sub.receive(100ms)) {
  }

  constexpr int kCount = 2000;
  for (int i = 1; i <= kCount; ++i) {
    ASSERT_TRUE(
        pub->publish(record(alert("libya", "burst", static_cast<std::uint64_t>(i)))).has_value());
  }
  pub.reset();  // linger lets the queue drain

  for (int i = 1; i <= kCount; ++i) {
    auto m = sub.receive(2000ms);
    ASSERT_TRUE(m.has_value()) << "lost alert " << i;
    ASSERT_EQ(alert_from_json(m->json).value().seq, static_cast<std::uint64_t>(i));
  }
}

TEST(ZmqPublisher, InvalidUtf8StillPublishesValidJson) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  Subscriber sub(pub->endpoint(), "");
  Alert a = alert("libya", "haftar", 5);
  a.snippet = "truncated \xd8";
  auto m = handshake(*pub, sub, a);
  ASSERT_TRUE(m.has_value());
  auto back = alert_from_json(m->json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->snippet, "truncated \xEF\xBF\xBD");
}

TEST(ZmqPublisher, PortInUseIsAnIoErrorNamingTheEndpoint) {
  auto first = bind_any_port();
  ASSERT_NE(first, nullptr);
  const std::string ep = first->endpoint();
  auto second = bind_zmq_publisher(context(), ep);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Errc::kIo);
  EXPECT_EQ(second.error().message,
            "cannot bind ZeroMQ endpoint " + ep + ": Address already in use");
}

TEST(ZmqPublisher, PortOutOfRangeIsRefusedNotTruncated) {
  // libzmq alone would bind 99999 & 0xffff = 34463.
  auto pub = bind_zmq_publisher(context(), "tcp://127.0.0.1:99999");
  ASSERT_FALSE(pub.has_value());
  EXPECT_EQ(pub.error().message,
            "cannot bind ZeroMQ endpoint tcp://127.0.0.1:99999: port \"99999\" "
            "is not a number from 0 to 65535");
}

class BadEndpointTest : public testing::TestWithParam<const char*> {};

TEST_P(BadEndpointTest, IsAnIoErrorNamingTheEndpoint) {
  auto pub = bind_zmq_publisher(context(), GetParam());
  ASSERT_FALSE(pub.has_value());
  EXPECT_EQ(pub.error().code, Errc::kIo);
  EXPECT_EQ(
      pub.error().message.rfind(std::string("cannot bind ZeroMQ endpoint ") + GetParam() + ": ", 0),
      0u)
      << pub.error().message;
}

INSTANTIATE_TEST_SUITE_P(Cases, BadEndpointTest,
                         testing::Values("", "nonsense", "tcp://", "tcp://127.0.0.1:99999",
                                         "tcp://127.0.0.1:65536", "tcp://127.0.0.1:5556x",
                                         "tcp://127.0.0.1:", "tcp://256.1.1.1:5556",
                                         "bogus://127.0.0.1:5556"));

}  // namespace
}  // namespace nw

namespace nw {
namespace {

TEST(ZmqPublisher, HeartbeatCarriesTheLastSeqOnItsOwnTopic) {
  auto pub = bind_any_port();
  ASSERT_NE(pub, nullptr);
  Subscriber sub(pub->endpoint(), "_heartbeat");
  const auto t = std::chrono::sys_seconds{1591175850s};
  std::optional<Message> m;
  for (int i = 0; i < 60 && !m; ++i) {
    ASSERT_TRUE(pub->heartbeat(17, t).has_value());
    m = sub.receive(50ms);
  }
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->topic, "_heartbeat");
  EXPECT_EQ(m->json, R"({"v":1,"seq":17,"time":"2020-06-03T09:17:30Z"})");
  EXPECT_FALSE(m->more_after_json);
}

}  // namespace
}  // namespace nw
