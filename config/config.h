// The daemon's configuration: the main TOML file and the watchlist files its
// `watchlists` globs name (relative to the main file's folder). Loading checks
// everything (unknown keys, wrong types, duplicate ids, bad durations) and
// reports every problem as "file:line:col: message". Queries are checked by
// compiling them (filters/matcher.h), which the caller does.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "feeds/fetcher.h"
#include "filters/watchlist.h"

namespace nw {

struct SourceConfig {
  enum class Kind { kFeed, kHtml };
  std::string id;
  std::string url;
  Kind kind = Kind::kFeed;
  std::chrono::seconds interval{300};
  bool backlog = true;  // items already present at first sight alert like new ones
  // Adaptive polling moves between these from the observed publishing rate;
  // unset: interval/4 (at least 1s) and interval*4 (daemon/scheduler.h).
  std::optional<std::chrono::seconds> min_interval;
  std::optional<std::chrono::seconds> max_interval;
  // An item seen again with new content is matched again (new rules may alert;
  // still at most one alert per rule and article).
  bool realert_on_edit = false;
  SourcePos pos;  // of the [[source]] table, for messages
};

struct Config {
  std::filesystem::path file;       // the main config file, absolute
  std::filesystem::path state_dir;  // absolute; relative values resolve against file's folder
  std::string log_level = "info";   // trace, debug, info, warn, error
  std::string endpoint = "tcp://127.0.0.1:5556";
  FetchOptions fetch;  // [http] user_agent, timeouts, max_body
  std::vector<SourceConfig> sources;
  std::vector<Watchlist> watchlists;
};

// Reads and validates the config and every watchlist file it names. The error
// message lists all problems found, one "file:line:col: message" per line
// (Errc::kInvalid; Errc::kIo when `file` itself cannot be read). Messages and
// SourcePos name files the way `file` was given (relative stays relative).
// No side effects: state_dir is not created here.
[[nodiscard]] Result<Config> load_config(const std::filesystem::path& file);

// Reads and validates one watchlist file (for `newswatch match --watchlist`),
// with the same messages as load_config.
[[nodiscard]] Result<Watchlist> load_watchlist(const std::filesystem::path& file);

// "2s", "30s", "5m", "1h", "1h30m", "1d"; also a bare integer of seconds. Units
// d h m s go largest first, each once; at most 365 days. "0s" parses (callers
// that need a positive interval check it).
[[nodiscard]] Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace nw
