// The daemon's configuration: the main TOML file and the watchlist files its
// `watchlists` globs name (relative to the main file's folder). Loading checks
// everything (unknown keys, wrong types, duplicate ids, bad durations) and
// reports every problem as "file:line:col: message". Queries are checked by
// compiling them (filters/matcher.h), which the caller does.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "feeds/error.h"
#include "feeds/fetcher.h"
#include "filters/watchlist.h"

namespace nw {

struct SourceConfig {
  // kSitemap: a sitemap or sitemap index (feeds/sitemap.h), Google News' or plain.
  enum class Kind { kFeed, kHtml, kSitemap };
  std::string id;
  std::string url;
  Kind kind = Kind::kFeed;
  std::chrono::seconds interval{300};
  bool backlog = true;  // items already present at first sight alert like new ones
  // Adaptive polling moves the interval between these from the observed
  // publishing rate. Unset, each is `interval`: a source is polled every
  // `interval` unless the user opts in by setting one (daemon/scheduler.h).
  std::optional<std::chrono::seconds> min_interval;
  std::optional<std::chrono::seconds> max_interval;
  // An item seen again with new content is matched again (new rules may alert;
  // still at most one alert per rule and article).
  bool realert_on_edit = false;
  // kSitemap: only URLs dated (news:publication_date, else lastmod) within
  // this long of the poll are items, at first sight too, whatever `backlog`.
  std::chrono::seconds max_age{std::chrono::days(2)};
  // headers (inline table, then those of headers_file), user_agent, proxy:
  // sent with the source's polls and its articles' fetches.
  HttpSettings http;
  // Its articles are fetched only where the site's robots.txt allows
  // (daemon/robots_cache.h); false opts this one source out.
  bool robots = true;
  SourcePos pos;  // of the [[source]] table, for messages
};

// One of `count` daemons that split the sources between them ([daemon] shard
// = "index/count"): a source belongs to the shard its id hashes to.
struct Shard {
  int index = 1;  // 1..count
  int count = 1;
};

// Whether the source `id` belongs to `shard`: a stable hash of the id (the same
// on every machine), so every source is in exactly one of shards 1..count.
bool in_shard(std::string_view source_id, const Shard& shard);

struct Config {
  std::filesystem::path file;       // the main config file, absolute
  std::filesystem::path state_dir;  // absolute; relative values resolve against file's folder
  std::string log_level = "info";   // trace, debug, info, warn, error
  // Set: `sources` holds only this shard's sources (all of them are checked).
  std::optional<Shard> shard;
  // Alerts sent for this long are deleted, a little at a time.
  std::chrono::seconds keep_alerts{std::chrono::days(90)};
  // Near-duplicate articles seen within this long of each other share a story
  // (filters/story.h).
  std::chrono::seconds story_window{std::chrono::hours(72)};
  // The text of matched items is kept this long for backtests and rule
  // lookback (daemon/backtest.h), then deleted a little at a time; 0 = off.
  std::chrono::seconds keep_articles{std::chrono::days(14)};
  // Threads that extract and match articles (daemon/work_pool.h); 1: the loop
  // thread does it all. Default: the machine's cores.
  std::size_t workers = default_workers();
  static std::size_t default_workers();
  // [publish]: the live PUB socket, the replay ROUTER socket ("" = none; by
  // default the port after a tcp:// endpoint's, config/endpoint.h), the
  // heartbeat period, and CURVE (both paths set, or neither).
  std::string endpoint = "tcp://127.0.0.1:5556";
  std::string replay_endpoint = "tcp://127.0.0.1:5557";
  std::chrono::seconds heartbeat{5};
  std::filesystem::path curve_secret_key_file;
  std::filesystem::path curve_authorized_keys_dir;
  // [metrics] endpoint: "host:port" of the /metrics and /healthz server; "" = off.
  std::string metrics_endpoint;
  // [web]: the analyst's pages, served by the [metrics] endpoint's server (one
  // HTTP server). Loopback only unless auth_file is set (absolute; "" = none),
  // whose users and tokens every request then needs (daemon/auth_file.h).
  bool web_enabled = true;
  std::filesystem::path web_auth_file;
  FetchOptions fetch;  // [http] user_agent, timeouts, max_body, proxy
  std::vector<SourceConfig> sources;
  std::vector<Watchlist> watchlists;
  // Where keys of the main file are set, by "section.key" ("daemon.state_dir",
  // "publish.endpoint"): start-up failures point at the value that caused them.
  std::map<std::string, SourcePos, std::less<>> positions;
};

// "file:line:col: 'key' in [section]" where the main file sets the key, or
// "file: 'key' in [section] (not set: the default)" where it does not: the
// start of a message about a value that failed when the daemon used it.
std::string key_location(const Config& config, std::string_view section, std::string_view key);

// Reads and validates the config and every watchlist file it names. The error
// message lists all problems found, one "file:line:col: message" per line
// (Errc::kInvalid; Errc::kIo when `file` itself cannot be read). Messages and
// SourcePos name files the way `file` was given (relative stays relative).
// No side effects: state_dir is not created here.
[[nodiscard]] Result<Config> load_config(const std::filesystem::path& file);

// Reads and validates one watchlist file (for `newswatch match --watchlist`),
// with the same messages as load_config.
[[nodiscard]] Result<Watchlist> load_watchlist(const std::filesystem::path& file);

// "2s", "30s", "5m", "1h", "1h30m", "1d". Units d h m s go largest first, each
// once; at most 365 days. A number without a unit is an error (the message
// suggests "<n>s"). "0s" parses (callers that need a positive interval check it).
[[nodiscard]] Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace nw
