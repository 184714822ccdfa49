// The reference subscriber (`newswatch subscribe`): joins the daemon's live PUB
// stream and its replay socket into one stream with no gap and no duplicate,
// in seq order, across its own restarts (`state_file`), the daemon's restarts,
// and lost messages. How: it subscribes first, then asks the replay socket for
// everything after what it has ("covered"); a live alert is taken directly only
// when its seq is covered + 1, anything else (a gap, a topic-filtered stream, a
// heartbeat whose seq is ahead) makes it ask for a replay again. A heartbeat
// missing for 3 periods, or a replay that goes unanswered, makes it reconnect.
// Runs on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/endpoint.h"  // default_replay_endpoint
#include "daemon/curve.h"
#include "feeds/error.h"

namespace nw {

struct SubscriberOptions {
  std::string endpoint = "tcp://127.0.0.1:5556";
  std::string replay_endpoint = "tcp://127.0.0.1:5557";  // "" = live only
  std::string topic;                                     // prefix; "" = all
  std::optional<std::uint64_t> since;         // print alerts after this seq; none: from now on
  std::filesystem::path state_file;           // remembers the covered seq; "" = none
  std::chrono::milliseconds heartbeat{5000};  // the daemon's [publish] heartbeat
  std::chrono::milliseconds reply_timeout{5000};
  std::optional<CurveKeyPair> curve_key;  // with curve_server_key: CURVE client
  std::string curve_server_key;
  std::uint64_t count = 0;  // stop after this many alerts; 0 = never
  // Told each time the covered seq moves on: after a delivery, and when a
  // replay's END shows nothing more up to the daemon's last seq (so a
  // consumer keeping its own cursors, like `newswatch notify`, can move them
  // past alerts not meant for it). Called on the calling thread.
  std::function<void(std::uint64_t seq)> on_covered;
};

// Runs until `count` alerts were delivered or `stop()` returns true (checked
// about every 100 ms). `deliver` gets each alert's JSON once, in seq order;
// `status` gets the lines meant for stderr (waiting, reconnecting, deleted
// alerts). Fails on a bad endpoint or an unreadable/unwritable state file.
[[nodiscard]] Result<void> run_subscriber(const SubscriberOptions& options,
                                          const std::function<void(std::string_view json)>& deliver,
                                          const std::function<void(const std::string&)>& status,
                                          const std::function<bool()>& stop);

// The top-level "seq" of an alert or heartbeat message; none unless the whole
// text is a JSON object whose seq is an unsigned number (the last one, if
// repeated). Checks the whole text without building the document.
std::optional<std::uint64_t> message_seq(std::string_view json);

// "127.0.0.1:5556" -> a message with the hint "did you mean tcp://127.0.0.1:5556?";
// "" when the endpoint names a transport.
std::string endpoint_hint(std::string_view endpoint);

}  // namespace nw
