// The daemon's configuration: the main TOML file and the watchlist files its
// `watchlists` globs name (relative to the main file's folder). Loading checks
// everything (unknown keys, wrong types, duplicate ids, bad durations) and
// reports every problem as "file:line:col: message". Queries are checked by
// compiling them (filters/matcher.h), which the caller does.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/error.h"
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
  SourcePos pos;        // of the [[source]] table, for messages
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
// message lists all problems found, one "file:line:col: message" per line.
[[nodiscard]] Result<Config> load_config(const std::filesystem::path& file);

// "2s", "30s", "5m", "1h", "1h30m"; also a bare integer of seconds.
[[nodiscard]] Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace nw
