// Publishing alerts to subscribers. The ZeroMQ publisher binds a PUB socket and
// sends each alert as two frames: topic "<watchlist>/<rule>", then the alert's
// recorded JSON (daemon/alert.h). Subscribers filter by topic prefix. Every
// `[publish] heartbeat` it also sends topic "_heartbeat" with the last seq, so a
// subscriber can tell silence from a dead link and notice what it missed.
// PUB/SUB is fire-and-forget: what a subscriber misses it asks the replay
// socket for (daemon/replay_server.h). Not thread-safe: one thread publishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/alert.h"
#include "feeds/error.h"

namespace zmq {
class context_t;
}

namespace nw {

inline constexpr std::string_view kHeartbeatTopic = "_heartbeat";

class Publisher {
 public:
  virtual ~Publisher() = default;
  [[nodiscard]] virtual Result<void> publish(const RecordedAlert& alert) = 0;
  // Topic "_heartbeat", body heartbeat_json(last_seq, now).
  [[nodiscard]] virtual Result<void> heartbeat(std::uint64_t last_seq,
                                               std::chrono::sys_seconds now) = 0;
  // Where subscribers connect: for ZeroMQ the bound endpoint with any wildcard
  // port resolved ("tcp://127.0.0.1:*" -> "tcp://127.0.0.1:41237"). "" if none.
  virtual std::string endpoint() const { return {}; }
};

// {"v":1,"seq":42,"time":"2020-06-03T09:15:00Z"}
std::string heartbeat_json(std::uint64_t last_seq, std::chrono::sys_seconds now);

// Binds a PUB socket of `context` on `endpoint` (e.g. "tcp://127.0.0.1:5556", or
// "tcp://127.0.0.1:*" for any free port; see endpoint()). With a non-empty Z85
// `curve_secret_key` the socket is a CURVE server whose clients are checked by
// the ZAP handler (daemon/curve.h). Fails with Errc::kIo and a message naming
// the endpoint when it cannot bind. Alerts still queued at destruction get up
// to about a second to go out. `context` must outlive the publisher.
[[nodiscard]] Result<std::unique_ptr<Publisher>> bind_zmq_publisher(
    zmq::context_t& context, const std::string& endpoint, std::string_view curve_secret_key = {});

// Why a tcp:// endpoint's port is unusable ("port \"x\" is not a number from 0 to
// 65535"), or "" when it is fine or not tcp. libzmq reads a port with atoi and
// truncates it to 16 bits, so "tcp://127.0.0.1:99999" would silently bind 34463.
std::string bad_tcp_port(std::string_view endpoint);

}  // namespace nw
