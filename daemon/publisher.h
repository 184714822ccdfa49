// Publishing alerts to subscribers. The ZeroMQ publisher binds a PUB socket and
// sends each alert as two frames: topic "<watchlist>/<rule>", then the JSON
// (daemon/alert.h). Subscribers filter by topic prefix.
// Not thread-safe: one thread publishes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/error.h"
#include "daemon/alert.h"

namespace nw {

class Publisher {
 public:
  virtual ~Publisher() = default;
  [[nodiscard]] virtual Result<void> publish(const Alert& alert) = 0;
  // Where subscribers connect: for ZeroMQ the bound endpoint with any wildcard
  // port resolved ("tcp://127.0.0.1:*" -> "tcp://127.0.0.1:41237"). "" if none.
  virtual std::string endpoint() const { return {}; }
  // Whether anyone would receive an alert published now. ZeroMQ drops what a
  // PUB socket sends while nobody subscribes, so the daemon keeps alerts in its
  // store until this is true.
  virtual bool has_subscribers() { return true; }
};

// Binds `endpoint` (e.g. "tcp://127.0.0.1:5556", or "tcp://127.0.0.1:*" for any
// free port; see endpoint()). Fails with Errc::kIo and a message naming the
// endpoint when it cannot bind. Alerts still queued at destruction get up to
// about a second to go out.
[[nodiscard]] Result<std::unique_ptr<Publisher>> bind_zmq_publisher(const std::string& endpoint);

}  // namespace nw
