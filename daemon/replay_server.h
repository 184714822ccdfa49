// The replay socket: a ZeroMQ ROUTER that serves "every recorded alert after
// seq N" to any client, so a subscriber that was away, crashed or missed a
// message catches up with no gap. Wire protocol (docs/protocol.md):
//   request:  "SINCE", decimal N, topic prefix ("" = all)
//   replies:  "ALERT", topic, alert JSON   (zero or more, in seq order; the live bytes)
//             "END", decimal last assigned seq [, decimal oldest kept seq when
//             alerts after N were already deleted by [daemon] keep_alerts]
//             or "ERROR", reason
// A DEALER client sends and receives these frames as they are; a REQ client's
// empty delimiter frame is echoed. One client's requests are answered in order.
// Serves from its own thread with its own Store connection, in batches, and
// never holds more than a batch per client: a client that stops reading fills
// its send queue (high-water mark), is paused, and is dropped after `stall`.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/store.h"
#include "feeds/error.h"

namespace zmq {
class context_t;
}

namespace nw {

struct ReplayOptions {
  std::size_t batch = 256;               // alerts read from the store at a time
  int send_high_water_mark = 1000;       // messages queued per client
  std::chrono::seconds stall{60};        // a client that reads nothing this long is dropped
  std::size_t max_queued_requests = 16;  // per client; more get ERROR
};

class ReplayServer {
 public:
  // Binds a ROUTER socket of `context` on `endpoint` (CURVE server when
  // `curve_secret_key` is set) and serves from `store` on a new thread. The
  // store is used by that thread only. `context` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<ReplayServer>> start(
      zmq::context_t& context, const std::string& endpoint, std::unique_ptr<Store> store,
      std::string_view curve_secret_key = {}, ReplayOptions options = {});
  virtual ~ReplayServer() = default;
  // The bound endpoint, wildcard port resolved.
  virtual std::string endpoint() const = 0;
};

}  // namespace nw
