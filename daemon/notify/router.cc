// Alert -> channels (daemon/notify/router.h).
#include "daemon/notify/router.h"

#include <algorithm>

namespace nw {

Router::Router(const NotifyConfig& config) : channel_count_(config.channels.size()) {
  for (const RouteConfig& r : config.routes) {
    Route route{r.topics, severity_rank(r.min_severity), r.tags, {}};
    for (const std::string& id : r.channels) {
      for (std::size_t i = 0; i < config.channels.size(); ++i) {
        if (config.channels[i].id == id) route.channels.push_back(i);
      }
    }
    routes_.push_back(std::move(route));
  }
}

std::vector<std::size_t> Router::channels_for(const Alert& alert) const {
  std::vector<bool> chosen(channel_count_, false);
  const std::string topic = alert.topic();
  for (const Route& r : routes_) {
    if (!r.topics.empty() && std::none_of(r.topics.begin(), r.topics.end(), [&](const auto& p) {
          return topic.compare(0, p.size(), p) == 0;
        })) {
      continue;
    }
    // An alert without a severity passes no min_severity.
    if (r.min_rank > 0 && severity_rank(alert.severity) < r.min_rank) continue;
    if (!r.tags.empty() && std::none_of(r.tags.begin(), r.tags.end(), [&](const auto& t) {
          return std::find(alert.tags.begin(), alert.tags.end(), t) != alert.tags.end();
        })) {
      continue;
    }
    for (std::size_t c : r.channels) chosen[c] = true;
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i]) out.push_back(i);
  }
  return out;
}

}  // namespace nw
