// The ZeroMQ Publisher (daemon/publisher.h): one context and one XPUB socket,
// owned here. XPUB is PUB that also reports subscriptions, which is how
// has_subscribers() knows whether an alert would reach anyone. cppzmq reports failures with
// zmq::error_t; they stop at this file and leave as Result values.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <zmq.hpp>

#include "daemon/publisher.h"

namespace nw {
namespace {

// A PUB socket drops messages for a subscriber whose queue is full; keep the
// queue deep so a slow subscriber loses nothing in a burst.
constexpr int kSendHighWaterMark = 100000;
// How long queued alerts may still go out once the publisher is destroyed.
constexpr int kLingerMs = 1000;

// libzmq reads a tcp port with atoi and truncates it to 16 bits, so
// "tcp://127.0.0.1:99999" would silently bind port 34463. Catch that first.
std::optional<std::string> bad_tcp_port(std::string_view endpoint) {
  if (!endpoint.starts_with("tcp://")) return std::nullopt;
  const auto colon = endpoint.rfind(':');
  const std::string_view port = endpoint.substr(colon + 1);
  // No port at all ("tcp://", "tcp://[::1]") is left to libzmq to report.
  if (colon < 6 || port == "*" || port.find(']') != std::string_view::npos) return std::nullopt;
  unsigned long value = 0;
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) {
    digits = digits && c >= '0' && c <= '9';
    if (digits) value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (!digits || value > 65535) {
    return "port \"" + std::string(port) + "\" is not a number from 0 to 65535";
  }
  return std::nullopt;
}

class ZmqPublisher final : public Publisher {
 public:
  ZmqPublisher() : socket_(context_, zmq::socket_type::xpub) {}

  Result<void> bind(const std::string& endpoint) {
    if (auto why = bad_tcp_port(endpoint)) {
      return fail(Errc::kIo, "cannot bind ZeroMQ endpoint " + endpoint + ": " + *why);
    }
    try {
      socket_.set(zmq::sockopt::sndhwm, kSendHighWaterMark);
      socket_.set(zmq::sockopt::linger, kLingerMs);
      socket_.bind(endpoint);
      endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, "cannot bind ZeroMQ endpoint " + endpoint + ": " + e.what());
    }
    return {};
  }

  Result<void> publish(const Alert& alert) override {
    const std::string topic = alert.topic();
    const std::string json = to_json(alert);
    try {
      // Both frames go out together or not at all: ZeroMQ delivers a
      // multipart message atomically.
      if (!socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore) ||
          !socket_.send(zmq::buffer(json), zmq::send_flags::none)) {
        return fail(Errc::kIo, "cannot publish alert " + std::to_string(alert.seq) + " on " +
                                   endpoint_ + ": the socket would block");
      }
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, "cannot publish alert " + std::to_string(alert.seq) + " on " +
                                 endpoint_ + ": " + e.what());
    }
    return {};
  }

  std::string endpoint() const override { return endpoint_; }

  bool has_subscribers() override {
    // Subscription messages: 1 byte (1 subscribe, 0 unsubscribe) + the topic.
    // XPUB passes on the first subscription to a topic and the last
    // unsubscription from it (also when a subscriber goes away), so the set of
    // topics with at least one subscriber is exactly what arrives here.
    try {
      zmq::message_t msg;
      while (socket_.recv(msg, zmq::recv_flags::dontwait)) {
        const std::string_view m = msg.to_string_view();
        if (m.empty()) continue;
        if (m[0] == 1) topics_.emplace(m.substr(1));
        if (m[0] == 0) topics_.erase(std::string(m.substr(1)));
      }
    } catch (const zmq::error_t&) {
      // A receive failure leaves the last known state.
    }
    return !topics_.empty();
  }

 private:
  // Declared before socket_: the socket closes first, then the context waits
  // (up to the linger time) for queued messages.
  zmq::context_t context_;
  zmq::socket_t socket_;
  std::string endpoint_;
  std::set<std::string, std::less<>> topics_;  // topics someone subscribes to
};

}  // namespace

Result<std::unique_ptr<Publisher>> bind_zmq_publisher(const std::string& endpoint) {
  std::unique_ptr<ZmqPublisher> publisher;
  try {
    publisher = std::make_unique<ZmqPublisher>();
  } catch (const zmq::error_t& e) {
    return fail(Errc::kIo, "cannot create a ZeroMQ socket for " + endpoint + ": " + e.what());
  }
  if (auto r = publisher->bind(endpoint); !r) return std::unexpected(r.error());
  return publisher;
}

}  // namespace nw
