// Which channels an alert goes to: the union of the channels of every
// [[route]] it matches (a topic prefix, at least `min_severity`, one of the
// route's tags), each channel once, in the order of the config's channels.
// Immutable after construction; any thread.
#pragma once

#include <cstddef>
#include <vector>

#include "config/notify_config.h"
#include "daemon/alert.h"

namespace nw {

class Router {
 public:
  explicit Router(const NotifyConfig& config);

  // Indices into config.channels.
  std::vector<std::size_t> channels_for(const Alert& alert) const;

 private:
  struct Route {
    std::vector<std::string> topics;
    int min_rank = 0;
    std::vector<std::string> tags;
    std::vector<std::size_t> channels;
  };
  std::vector<Route> routes_;
  std::size_t channel_count_ = 0;
};

}  // namespace nw
