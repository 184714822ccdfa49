// `newswatch notify`'s run loop: follows the daemon with the reference
// subscriber (daemon/subscriber.h: replay, then live, heartbeats), routes each
// alert to the channels of its routes (daemon/notify/router.h) and hands it to
// each channel's worker (daemon/notify/channel_worker.h). It starts where the
// lowest channel cursor is, so after a crash every channel gets what it had
// not delivered and nothing it had; a channel with no cursor yet starts with
// the others (or, on a first start, with the daemon's next alert). It holds
// state_dir/notify.pid (an OFD lock) so that two notifiers never share
// cursors, serves [metrics] and writes state_dir/status.json every 2 s for
// `newswatch notify --status`. Runs on the calling thread until `stop`.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/notify_config.h"
#include "daemon/notify/channel_worker.h"
#include "daemon/notify/sender.h"
#include "feeds/error.h"

namespace nw {

struct NotifyRunOptions {
  // Checked about every 100 ms.
  std::function<bool()> stop;
  // The seam for channel kinds: by default make_sender (daemon/notify/sender.h).
  std::function<std::unique_ptr<Sender>(const ChannelConfig&)> make_sender;
  WorkerOptions worker;
  std::chrono::milliseconds status_interval{2000};
  // Told the metrics endpoint as bound ("127.0.0.1:PORT"), once it is.
  std::function<void(const std::string&)> metrics_bound;
};

[[nodiscard]] Result<void> run_notify(const NotifyConfig& config, const NotifyRunOptions& options);

// What `newswatch notify --status` prints: state_dir/status.json as the running
// notifier last wrote it (or the cursor files alone when none runs), as lines
// a person reads. Fails when the state directory cannot be read.
[[nodiscard]] Result<std::string> notify_status_report(const NotifyConfig& config);

}  // namespace nw
