// An alert: one rule matching one article. This is what subscribers receive, as
// two ZeroMQ frames: the topic "<watchlist>/<rule>" and the JSON of to_json().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nw {

struct Alert {
  std::uint64_t seq = 0;  // +1 per alert, survives restarts; assigned by the Store
  std::string watchlist;
  std::string rule;
  std::string source;  // source id
  std::string url;
  std::string title;
  std::optional<std::chrono::sys_seconds> published;
  std::chrono::sys_seconds fetched{};
  std::vector<std::string> matched;  // words as they appear in the article
  std::string snippet;
  std::string severity;  // from the rule; omitted from JSON when empty
  std::vector<std::string> tags;

  std::string topic() const { return watchlist + "/" + rule; }
};

// {"v":1,"seq":42,"watchlist":"libya","rule":"haftar-cairo","source":"alrasifa",
//  "url":"https://...","title":"...","published":"2020-06-03T09:15:00Z"|null,
//  "fetched":"...Z","matched":["حفتر","للقاهرة"],"snippet":"..."}
std::string to_json(const Alert& alert);
[[nodiscard]] Result<Alert> alert_from_json(std::string_view json);

// "2020-06-03T09:15:00Z"
std::string format_utc(std::chrono::sys_seconds t);

}  // namespace nw
