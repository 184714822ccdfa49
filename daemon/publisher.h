// Publishing alerts to subscribers. The ZeroMQ publisher binds a PUB socket and
// sends each alert as two frames: topic "<watchlist>/<rule>", then the JSON
// (daemon/alert.h). Subscribers filter by topic prefix.
// Not thread-safe: one thread publishes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/alert.h"
#include "daemon/error.h"

namespace nw {

class Publisher {
 public:
  virtual ~Publisher() = default;
  [[nodiscard]] virtual Result<void> publish(const Alert& alert) = 0;
};

// Binds `endpoint` (e.g. "tcp://127.0.0.1:5556"). Fails with a message naming
// the endpoint when it cannot bind.
[[nodiscard]] Result<std::unique_ptr<Publisher>> bind_zmq_publisher(const std::string& endpoint);

}  // namespace nw
