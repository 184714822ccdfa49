// The ZeroMQ Publisher (daemon/publisher.h): one PUB socket on a context owned
// by the caller. cppzmq reports failures with zmq::error_t; they stop at this
// file and leave as Result values.
#include <string>
#include <string_view>
#include <utility>
#include <zmq.hpp>

#include "daemon/curve.h"
#include "daemon/publisher.h"

namespace nw {
namespace {

// A PUB socket drops messages for a subscriber whose queue is full; keep the
// queue deep so a slow subscriber loses nothing in a burst (and what it still
// loses, it gets back from the replay socket).
constexpr int kSendHighWaterMark = 100000;
// How long queued alerts may still go out once the publisher is destroyed.
constexpr int kLingerMs = 1000;

class ZmqPublisher final : public Publisher {
 public:
  explicit ZmqPublisher(zmq::context_t& context) : socket_(context, zmq::socket_type::pub) {}

  Result<void> bind(const std::string& endpoint, std::string_view curve_secret_key) {
    if (std::string why = bad_tcp_port(endpoint); !why.empty()) {
      return fail(Errc::kIo, "cannot bind ZeroMQ endpoint " + endpoint + ": " + why);
    }
    try {
      socket_.set(zmq::sockopt::sndhwm, kSendHighWaterMark);
      socket_.set(zmq::sockopt::linger, kLingerMs);
      if (!curve_secret_key.empty()) make_curve_server(socket_, curve_secret_key);
      socket_.bind(endpoint);
      endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, "cannot bind ZeroMQ endpoint " + endpoint + ": " + e.what());
    }
    return {};
  }

  Result<void> publish(const RecordedAlert& alert) override {
    return send(alert.topic, alert.json, "alert " + std::to_string(alert.seq));
  }

  Result<void> heartbeat(std::uint64_t last_seq, std::chrono::sys_seconds now) override {
    return send(kHeartbeatTopic, heartbeat_json(last_seq, now), "a heartbeat");
  }

  std::string endpoint() const override { return endpoint_; }

 private:
  Result<void> send(std::string_view topic, std::string_view body, const std::string& what) {
    try {
      // Both frames go out together or not at all: ZeroMQ delivers a
      // multipart message atomically. PUB never blocks; it drops instead.
      if (!socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore) ||
          !socket_.send(zmq::buffer(body), zmq::send_flags::none)) {
        return fail(Errc::kIo,
                    "cannot publish " + what + " on " + endpoint_ + ": the socket would block");
      }
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, "cannot publish " + what + " on " + endpoint_ + ": " + e.what());
    }
    return {};
  }

  zmq::socket_t socket_;
  std::string endpoint_;
};

}  // namespace

std::string heartbeat_json(std::uint64_t last_seq, std::chrono::sys_seconds now) {
  return R"({"v":1,"seq":)" + std::to_string(last_seq) + R"(,"time":")" + format_utc(now) + "\"}";
}

std::string bad_tcp_port(std::string_view endpoint) {
  if (!endpoint.starts_with("tcp://")) return {};
  const auto colon = endpoint.rfind(':');
  const std::string_view port = endpoint.substr(colon + 1);
  // No port at all ("tcp://", "tcp://[::1]") is left to libzmq to report.
  if (colon < 6 || port == "*" || port.find(']') != std::string_view::npos) return {};
  unsigned long value = 0;
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) {
    digits = digits && c >= '0' && c <= '9';
    if (digits) value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (!digits || value > 65535) {
    return "port \"" + std::string(port) + "\" is not a number from 0 to 65535";
  }
  return {};
}

Result<std::unique_ptr<Publisher>> bind_zmq_publisher(zmq::context_t& context,
                                                      const std::string& endpoint,
                                                      std::string_view curve_secret_key) {
  std::unique_ptr<ZmqPublisher> publisher;
  try {
    publisher = std::make_unique<ZmqPublisher>(context);
  } catch (const zmq::error_t& e) {
    return fail(Errc::kIo, "cannot create a ZeroMQ socket for " + endpoint + ": " + e.what());
  }
  if (auto r = publisher->bind(endpoint, curve_secret_key); !r) return std::unexpected(r.error());
  return publisher;
}

}  // namespace nw
