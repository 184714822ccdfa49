#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "config/endpoint.h"
#include "config/glob.h"
#include "config/toml_checker.h"
#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kMaxDuration{365LL * 24 * 3600};
constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "10MB", "512 KB", "1GiB", "2048": K, M and G are powers of 1024.
std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && is_digit(text[i])) {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::string unit = lower_ascii(text.substr(i));
  struct Unit {
    std::string_view name;
    int shift;
  };
  constexpr Unit kUnits[] = {{"", 0},    {"b", 0},    {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
                             {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    if (n > (UINT64_MAX >> u.shift)) return std::nullopt;
    return static_cast<std::size_t>(n << u.shift);
  }
  return std::nullopt;
}

Result<std::string> read_text(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fail(Errc::kIo, "'" + path.string() + "' is a directory");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    return fail(Errc::kIo, "'" + path.string() + "' is larger than 16 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kIo, "cannot read '" + path.string() + "': " + std::strerror(errno));
  // Read at its size, not grown by doubling: the loader keeps one file's
  // text at a time, and a million rules come in 200 files.
  std::string text(ec ? 0 : static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in && in.peek() != std::ifstream::traits_type::eof()) {  // it grew since
    std::ostringstream rest;
    rest << in.rdbuf();
    text += std::move(rest).str();
  }
  if (in.bad())
    return fail(Errc::kIo, "cannot read '" + path.string() + "': " + std::strerror(errno));
  return text;
}

// The newswatch schema on top of TomlChecker: reads the main file and the
// watchlist files into a Config. One Loader per load_config() call.
class Loader : private TomlChecker {
 public:
  Result<Config> load_main(const fs::path& file);
  Result<Watchlist> load_single_watchlist(const fs::path& file);

 private:
  struct WatchlistSeen {
    std::string path;
    toml::source_position pos;
  };

  void read_daemon(const toml::table& root, Config& cfg);
  void read_publish(const toml::table& root, Config& cfg);
  void read_metrics(const toml::table& root, Config& cfg);
  void read_web(const toml::table& root, Config& cfg);
  void read_http(const toml::table& root, Config& cfg);
  void read_sources(const toml::table& root, Config& cfg);
  // A proxy URL libcurl takes (http, https, socks4(a), socks5(h)), or "" (none).
  std::optional<std::string> proxy(const toml::table& t, std::string_view where);
  // One non-empty line.
  std::optional<std::string> user_agent(const toml::table& t, std::string_view where);
  // A [[source]]'s headers, headers_file, user_agent and proxy; false on a problem.
  bool read_source_http(const toml::table& t, const fs::path& dir, HttpSettings& out);
  // Each file with the position of the first pattern that named it.
  std::vector<std::pair<fs::path, toml::source_position>> watchlist_files(const toml::table& root,
                                                                          const fs::path& dir);
  // source_ids: what a rule's `sources` may name; null to skip that check.
  std::optional<Watchlist> watchlist(const toml::table& root,
                                     const std::set<std::string>* source_ids);
  std::optional<Rule> rule(const toml::table& t, const std::set<std::string>* source_ids);

  std::map<std::string, WatchlistSeen, std::less<>> watchlist_names_;
};

constexpr std::int64_t kMaxWorkers = 256;

void Loader::read_daemon(const toml::table& root, Config& cfg) {
  fs::path state_dir = "./state";
  if (const toml::table* t = section(root, "daemon")) {
    constexpr std::string_view kWhere = "[daemon]";
    check_keys(*t, kWhere,
               {"state_dir", "log_level", "keep_alerts", "keep_articles", "shard", "story_window",
                "workers"});
    if (const auto* v = value<std::string>(*t, "state_dir", kWhere)) {
      if (v->get().empty()) {
        problem(v->source().begin, "'state_dir' in [daemon] must not be empty");
      } else {
        state_dir = v->get();
        cfg.positions["daemon.state_dir"] = pos_of(v->source().begin);
      }
    }
    if (auto level = one_of(*t, "log_level", kWhere, {"trace", "debug", "info", "warn", "error"})) {
      cfg.log_level = *level;
    }
    if (auto d = duration(*t, "keep_alerts", kWhere)) cfg.keep_alerts = *d;
    if (auto d = duration(*t, "story_window", kWhere)) cfg.story_window = *d;
    // "0s" turns the archive off; any other value is a duration like the rest.
    const toml::node* keep = t->get("keep_articles");
    if (keep && keep->as_string() &&
        parse_duration(keep->as_string()->get()) == std::chrono::seconds{0}) {
      cfg.keep_articles = std::chrono::seconds{0};
    } else if (auto d = duration(*t, "keep_articles", kWhere)) {
      cfg.keep_articles = *d;
    }
    if (const auto* v = value<std::int64_t>(*t, "workers", kWhere)) {
      if (v->get() < 1 || v->get() > kMaxWorkers) {
        problem(v->source().begin, "'workers' in [daemon] must be between 1 and " +
                                       std::to_string(kMaxWorkers) + ", not " +
                                       std::to_string(v->get()));
      } else {
        cfg.workers = static_cast<std::size_t>(v->get());
      }
    }
    if (const auto* v = value<std::string>(*t, "shard", kWhere)) {
      const std::string_view text = v->get();
      const auto slash = text.find('/');
      int index = 0, count = 0;
      const bool parsed =
          slash != std::string_view::npos &&
          std::from_chars(text.data(), text.data() + slash, index).ptr == text.data() + slash &&
          std::from_chars(text.data() + slash + 1, text.data() + text.size(), count).ptr ==
              text.data() + text.size();
      if (!parsed || count < 1 || count > 1024 || index < 1 || index > count) {
        problem(v->source().begin,
                "'shard' in [daemon] must be \"K/N\": this daemon's shard K of N daemons, "
                "1 <= K <= N <= 1024, like \"2/8\", not " +
                    in_quotes(text));
      } else {
        cfg.shard = Shard{index, count};
      }
    }
  }
  cfg.state_dir = (cfg.file.parent_path() / state_dir).lexically_normal();
}

void Loader::read_publish(const toml::table& root, Config& cfg) {
  const toml::table* t = section(root, "publish");
  if (t == nullptr) return;
  constexpr std::string_view kWhere = "[publish]";
  check_keys(*t, kWhere,
             {"endpoint", "replay_endpoint", "heartbeat", "curve_secret_key_file",
              "curve_authorized_keys_dir"});
  // A ZeroMQ endpoint the daemon binds; `may_be_empty`: "" turns the socket off.
  auto endpoint = [&](std::string_view key, std::string& out, bool may_be_empty) {
    const auto* v = value<std::string>(*t, key, kWhere);
    if (v == nullptr) return;
    if (v->get().empty() && may_be_empty) {
      out.clear();
      return;
    }
    if (auto e = parse_bind_endpoint(v->get()); !e) {
      problem(v->source().begin, "'" + std::string(key) + "' in [publish]: " + e.error().message +
                                     (may_be_empty ? " (or \"\" for none)" : ""));
    } else {
      out = v->get();
      cfg.positions["publish." + std::string(key)] = pos_of(v->source().begin);
    }
  };
  endpoint("endpoint", cfg.endpoint, false);
  if (t->contains("replay_endpoint")) {
    endpoint("replay_endpoint", cfg.replay_endpoint, true);
  } else if (std::string next = default_replay_endpoint(cfg.endpoint); !next.empty()) {
    cfg.replay_endpoint = std::move(next);  // the port after endpoint's, as subscribers assume
  }
  if (auto d = duration(*t, "heartbeat", kWhere)) cfg.heartbeat = *d;
  // Key paths resolve against the config file's folder, like state_dir.
  auto path = [&](std::string_view key, fs::path& out) {
    if (const auto* v = value<std::string>(*t, key, kWhere); v && !v->get().empty()) {
      out = (cfg.file.parent_path() / v->get()).lexically_normal();
      cfg.positions["publish." + std::string(key)] = pos_of(v->source().begin);
    }
  };
  path("curve_secret_key_file", cfg.curve_secret_key_file);
  path("curve_authorized_keys_dir", cfg.curve_authorized_keys_dir);
  if (cfg.curve_secret_key_file.empty() != cfg.curve_authorized_keys_dir.empty()) {
    problem(t->source().begin,
            "[publish] needs both 'curve_secret_key_file' and 'curve_authorized_keys_dir' "
            "for CURVE, or neither");
  }
}

void Loader::read_metrics(const toml::table& root, Config& cfg) {
  const toml::table* t = section(root, "metrics");
  if (t == nullptr) return;
  check_keys(*t, "[metrics]", {"endpoint"});
  const auto* v = value<std::string>(*t, "endpoint", "[metrics]");
  if (v == nullptr) return;
  const std::string_view e = v->get();
  if (!e.empty() && !parse_host_port(e)) {
    problem(v->source().begin,
            "'endpoint' in [metrics] must be host:port like \"127.0.0.1:9464\" (or \"\" for "
            "none), not " +
                in_quotes(e));
    return;
  }
  cfg.metrics_endpoint = e;
  if (!e.empty()) cfg.positions["metrics.endpoint"] = pos_of(v->source().begin);
}

// After read_metrics: the pages are served where the metrics are.
void Loader::read_web(const toml::table& root, Config& cfg) {
  constexpr std::string_view kWhere = "[web]";
  const toml::table* t = section(root, "web");
  if (t != nullptr) {
    check_keys(*t, kWhere, {"enabled", "auth_file"});
    if (const auto* v = value<bool>(*t, "enabled", kWhere)) cfg.web_enabled = v->get();
    if (const auto* v = value<std::string>(*t, "auth_file", kWhere); v && !v->get().empty()) {
      // Read and checked by the daemon (daemon/auth_file.h), not here: the
      // CLI reads this config too, and need not be able to read the file.
      cfg.web_auth_file = (cfg.file.parent_path() / v->get()).lexically_normal();
      cfg.positions["web.auth_file"] = pos_of(v->source().begin);
    }
  }
  if (!cfg.web_enabled || cfg.metrics_endpoint.empty() || !cfg.web_auth_file.empty()) return;
  const auto endpoint = parse_host_port(cfg.metrics_endpoint);
  if (!endpoint || is_loopback_host(endpoint->host)) return;
  const toml::node* at = root.at_path("metrics.endpoint").node();
  problem(at != nullptr ? at->source().begin : toml::source_position{},
          "'endpoint' in [metrics] " + in_quotes(cfg.metrics_endpoint) +
              " is not a loopback address, and the web pages it serves have no "
              "authentication: bind 127.0.0.1 (or [::1]) and put a proxy in front, set [web] "
              "auth_file, or set [web] enabled = false to serve only /metrics");
}

void Loader::read_http(const toml::table& root, Config& cfg) {
  const toml::table* t = section(root, "http");
  if (t == nullptr) return;
  constexpr std::string_view kWhere = "[http]";
  check_keys(*t, kWhere,
             {"user_agent", "timeout", "connect_timeout", "max_body", "max_redirects",
              "max_connections_per_host", "host_spacing", "proxy"});
  if (auto agent = user_agent(*t, kWhere)) cfg.fetch.user_agent = std::move(*agent);
  if (auto p = proxy(*t, kWhere)) cfg.fetch.proxy = std::move(*p);
  if (auto d = duration(*t, "timeout", kWhere)) cfg.fetch.total_timeout = *d;
  if (auto d = duration(*t, "connect_timeout", kWhere)) cfg.fetch.connect_timeout = *d;
  if (const toml::node* n = t->get("max_body")) {
    std::optional<std::size_t> bytes;
    if (const auto* s = n->as_string()) {
      bytes = parse_size(s->get());
    } else if (const auto* i = n->as_integer()) {
      if (i->get() >= 0) bytes = static_cast<std::size_t>(i->get());
    } else {
      wrong_type(*n, "max_body", kWhere, "a size like \"10MB\" or a number of bytes");
    }
    if ((n->is_string() || n->is_integer()) && (!bytes || *bytes == 0)) {
      problem(n->source().begin,
              "'max_body' in [http] must be a positive size like \"10MB\", \"512KB\" or "
              "a number of bytes");
    } else if (bytes) {
      cfg.fetch.max_body_bytes = *bytes;
    }
  }
  auto bounded = [&](std::string_view key, std::int64_t lo,
                     std::int64_t hi) -> std::optional<long> {
    const auto* v = value<std::int64_t>(*t, key, kWhere);
    if (v == nullptr) return std::nullopt;
    if (v->get() < lo || v->get() > hi) {
      problem(v->source().begin, "'" + std::string(key) + "' in [http] must be between " +
                                     std::to_string(lo) + " and " + std::to_string(hi));
      return std::nullopt;
    }
    return static_cast<long>(v->get());
  };
  if (auto n = bounded("max_redirects", 0, 20)) cfg.fetch.max_redirects = *n;
  if (auto n = bounded("max_connections_per_host", 1, 16)) {
    cfg.fetch.max_connections_per_host = static_cast<std::size_t>(*n);
  }
  // host_spacing: a duration ("1s") or milliseconds ("500ms"); "0ms" turns it off.
  if (const toml::node* n = t->get("host_spacing")) {
    constexpr std::chrono::milliseconds kMaxSpacing{std::chrono::minutes(10)};
    const auto* s = n->as_string();
    const std::string_view text = s ? std::string_view(s->get()) : std::string_view();
    std::optional<std::chrono::milliseconds> spacing;
    if (text.size() > 2 && text.ends_with("ms")) {
      std::int64_t ms = 0;
      const std::string_view digits = text.substr(0, text.size() - 2);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
      if (ec != std::errc() || end != digits.data() + digits.size() || ms < 0) {
        problem(n->source().begin,
                "'host_spacing' in [http] must be a duration like \"1s\" or "
                "\"500ms\", not " +
                    in_quotes(text));
      } else {
        spacing = std::chrono::milliseconds(ms);
      }
    } else if (auto d = duration(*t, "host_spacing", kWhere)) {
      spacing = *d;
    }
    if (spacing && *spacing > kMaxSpacing) {
      problem(n->source().begin, "'host_spacing' in [http] must be at most 10m");
    } else if (spacing) {
      cfg.fetch.host_spacing = *spacing;
    }
  }
}

bool valid_source_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '_' || c == '.';
  });
}

// Watchlist names and rule ids form the alert topic "<watchlist>/<rule>".
bool valid_topic_part(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
}

std::optional<std::string> Loader::user_agent(const toml::table& t, std::string_view where) {
  const auto* v = value<std::string>(t, "user_agent", where);
  if (v == nullptr) return std::nullopt;
  if (v->get().empty() ||
      v->get().find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    problem(v->source().begin,
            "'user_agent' in " + std::string(where) + " must be one non-empty line");
    return std::nullopt;
  }
  return v->get();
}

std::optional<std::string> Loader::proxy(const toml::table& t, std::string_view where) {
  const auto* v = value<std::string>(t, "proxy", where);
  if (v == nullptr) return std::nullopt;
  const std::string_view text = v->get();
  if (text.empty()) return std::string();
  const auto sep = text.find("://");
  const std::string scheme = lower_ascii(text.substr(0, sep == std::string_view::npos ? 0 : sep));
  constexpr std::string_view kSchemes[] = {"http",    "https",  "socks4",
                                           "socks4a", "socks5", "socks5h"};
  const bool known =
      std::find(std::begin(kSchemes), std::end(kSchemes), scheme) != std::end(kSchemes);
  const bool one_line =
      text.find_first_of(std::string_view(" \t\r\n\0", 5)) == std::string_view::npos;
  if (sep == std::string_view::npos || !known || !one_line || sep + 3 == text.size() ||
      text[sep + 3] == '/' || text[sep + 3] == ':') {
    // The value may hold a password: the message does not repeat it.
    problem(v->source().begin,
            "'proxy' in " + std::string(where) +
                " must be a proxy URL like \"http://proxy:3128\" or \"socks5h://127.0.0.1:1080\" "
                "(schemes http, https, socks4, socks4a, socks5, socks5h), or \"\" for none" +
                (sep != std::string_view::npos && !known ? "; not the scheme " + in_quotes(scheme)
                                                         : std::string()));
    return std::nullopt;
  }
  return std::string(text);
}

// RFC 9110 5.6.2: a header name is a token.
bool valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// What is wrong with a header a source wants to send, "" when nothing is. The
// value is never quoted back: it may be a secret (a Cookie).
std::string header_problem(std::string_view name, std::string_view value) {
  if (!valid_header_name(name)) {
    return "header name " + in_quotes(name) +
           " is not a token (letters, digits and !#$%&'*+-.^_`|~)";
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return "the value of header " + in_quotes(name) + " must be one line (no CR, LF or NUL)";
  }
  for (std::string_view own : {"If-None-Match", "If-Modified-Since", "Host"}) {
    if (iequals(name, own)) return "header " + in_quotes(name) + " is the daemon's own to send";
  }
  if (iequals(name, "User-Agent")) return "set the user agent with 'user_agent', not a header";
  return {};
}

bool Loader::read_source_http(const toml::table& t, const fs::path& dir, HttpSettings& out) {
  constexpr std::string_view kWhere = "[[source]]";
  const std::size_t before = problem_count();
  auto add = [&](std::string name, std::string value, toml::source_position pos,
                 std::string_view from) {
    const std::string why = header_problem(name, value);
    if (!why.empty()) {
      problem(pos, "'" + std::string(from) + "' in [[source]]: " + why);
      return;
    }
    for (const auto& [have, v] : out.headers) {
      if (iequals(have, name)) {
        problem(pos, "'" + std::string(from) + "' in [[source]]: header " + in_quotes(name) +
                         " is set twice (in 'headers' and 'headers_file', or twice in one)");
        return;
      }
    }
    out.headers.emplace_back(std::move(name), std::move(value));
  };
  if (const auto* v = value<std::string>(t, "headers_file", kWhere)) {
    const fs::path file = (dir / v->get()).lexically_normal();
    const std::string shown = in_quotes(file.string());
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    auto text = read_text(file);
    if (!text) {
      problem(v->source().begin, "'headers_file' in [[source]]: " + text.error().message);
    } else if (!ec && (st.permissions() & (fs::perms::group_all | fs::perms::others_all)) !=
                          fs::perms::none) {
      // It holds secrets (cookies, tokens), like a CURVE secret key.
      problem(v->source().begin, "'headers_file' in [[source]]: " + shown +
                                     " may be read by other users; it holds secrets: "
                                     "chmod 600 it");
    } else {
      std::istringstream lines(*text);
      int number = 0;
      for (std::string line; std::getline(lines, line);) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view l = trim(line);
        if (l.empty() || l.front() == '#') continue;
        const auto colon = l.find(':');
        if (colon == std::string_view::npos) {
          problem(v->source().begin, "'headers_file' in [[source]]: " + shown + " line " +
                                         std::to_string(number) +
                                         ": expected \"Name: value\" (or # comment)");
          continue;
        }
        add(std::string(trim(l.substr(0, colon))), std::string(trim(l.substr(colon + 1))),
            v->source().begin, "headers_file");
      }
    }
  }
  if (const toml::node* n = t.get("headers")) {
    if (const toml::table* h = n->as_table()) {
      for (const auto& [key, node] : *h) {
        if (const auto* s = node.as_string()) {
          add(std::string(key.str()), s->get(), key.source().begin, "headers");
        } else {
          problem(node.source().begin, "'headers' in [[source]]: the value of " +
                                           in_quotes(key.str()) + " must be a string");
        }
      }
    } else {
      wrong_type(*n, "headers", kWhere,
                 "a table like { \"Accept-Language\" = \"ar\", \"Cookie\" = \"...\" }");
    }
  }
  if (auto agent = user_agent(t, kWhere)) out.user_agent = std::move(*agent);
  if (auto p = proxy(t, kWhere)) out.proxy = std::move(*p);
  return problem_count() == before;
}

void Loader::read_sources(const toml::table& root, Config& cfg) {
  constexpr std::string_view kWhere = "[[source]]";
  std::map<std::string, int, std::less<>> first_line;
  for (const toml::table* t : table_array(root, "source")) {
    check_keys(
        *t, kWhere,
        {"id", "url", "kind", "interval", "backlog", "min_interval", "max_interval",
         "realert_on_edit", "max_age", "headers", "headers_file", "user_agent", "proxy", "robots"});
    SourceConfig src;
    src.pos = pos_of(t->source().begin);
    bool ok = require(*t, kWhere, "id");
    ok = require(*t, kWhere, "url") && ok;
    if (const auto* v = value<std::string>(*t, "id", kWhere)) {
      src.id = v->get();
      if (!valid_source_id(src.id)) {
        problem(v->source().begin,
                "'id' in [[source]] may only hold ASCII letters, digits, '-', '_' and '.', not " +
                    in_quotes(src.id));
        ok = false;
      } else if (auto [it, fresh] = first_line.emplace(src.id, src.pos.line); !fresh) {
        problem(v->source().begin, "duplicate source id " + in_quotes(src.id) +
                                       " (first defined at line " + std::to_string(it->second) +
                                       ")");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (const auto* v = value<std::string>(*t, "url", kWhere)) {
      src.url = v->get();
      if (canonical_url(src.url).empty()) {
        problem(v->source().begin, "'url' in [[source]] must be an http:// or https:// URL, not " +
                                       in_quotes(src.url));
        ok = false;
      }
    } else {
      ok = false;
    }
    if (t->contains("kind")) {
      if (auto kind = one_of(*t, "kind", kWhere, {"feed", "html", "sitemap"})) {
        src.kind = *kind == "html"      ? SourceConfig::Kind::kHtml
                   : *kind == "sitemap" ? SourceConfig::Kind::kSitemap
                                        : SourceConfig::Kind::kFeed;
      } else {
        ok = false;
      }
    }
    if (t->contains("interval")) {
      if (auto d = duration(*t, "interval", kWhere)) {
        src.interval = *d;
      } else {
        ok = false;
      }
    }
    if (const auto* v = value<bool>(*t, "backlog", kWhere)) src.backlog = v->get();
    if (const auto* v = value<bool>(*t, "realert_on_edit", kWhere)) src.realert_on_edit = v->get();
    if (t->contains("max_age")) {
      if (auto d = duration(*t, "max_age", kWhere)) {
        src.max_age = *d;
        if (src.kind != SourceConfig::Kind::kSitemap) {
          problem(t->get("max_age")->source().begin,
                  "'max_age' in [[source]] applies to kind = \"sitemap\" only");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    ok = read_source_http(*t, cfg.file.parent_path(), src.http) && ok;
    if (const auto* v = value<bool>(*t, "robots", kWhere)) src.robots = v->get();
    // Adaptive bounds: min_interval <= interval <= max_interval.
    if (t->contains("min_interval")) {
      src.min_interval = duration(*t, "min_interval", kWhere);
      ok = src.min_interval.has_value() && ok;
    }
    if (t->contains("max_interval")) {
      src.max_interval = duration(*t, "max_interval", kWhere);
      ok = src.max_interval.has_value() && ok;
    }
    if (ok && src.min_interval && *src.min_interval > src.interval) {
      problem(t->get("min_interval")->source().begin,
              "'min_interval' in [[source]] must not be longer than 'interval'");
      ok = false;
    }
    if (ok && src.max_interval && *src.max_interval < src.interval) {
      problem(t->get("max_interval")->source().begin,
              "'max_interval' in [[source]] must not be shorter than 'interval'");
      ok = false;
    }
    if (ok) cfg.sources.push_back(std::move(src));
  }
}

std::vector<std::pair<fs::path, toml::source_position>> Loader::watchlist_files(
    const toml::table& root, const fs::path& dir) {
  std::vector<std::pair<fs::path, toml::source_position>> files;
  for (const auto& [pattern, node] : strings(root, "watchlists", "")) {
    auto matched = expand_glob(dir, pattern);
    if (!matched) {
      problem(node->source().begin,
              "watchlists pattern " + in_quotes(pattern) + ": " + matched.error().message);
      continue;
    }
    if (matched->empty()) {
      const fs::path looked = fs::path(pattern).is_absolute() ? fs::path(pattern) : dir / pattern;
      problem(node->source().begin, "watchlists pattern " + in_quotes(pattern) +
                                        " matches no file (looked for " +
                                        looked.lexically_normal().string() + ")");
      continue;
    }
    for (const fs::path& f : *matched)
      files.emplace_back(f.lexically_normal(), node->source().begin);
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              files.end());
  return files;
}

std::optional<Rule> Loader::rule(const toml::table& t, const std::set<std::string>* source_ids) {
  constexpr std::string_view kWhere = "[[rule]]";
  check_keys(t, kWhere,
             {"id", "query", "sources", "languages", "severity", "tags", "exact", "fold_accents",
              "once_per_story", "lookback", "min_sources", "within"});
  Rule r;
  bool ok = require(t, kWhere, "id");
  ok = require(t, kWhere, "query") && ok;
  if (const auto* v = value<std::string>(t, "id", kWhere)) {
    r.id = v->get();
    if (r.id.empty()) {
      problem(v->source().begin, "'id' in [[rule]] must not be empty");
      ok = false;
    } else if (!valid_topic_part(r.id)) {
      problem(v->source().begin,
              "'id' in [[rule]] must not contain '/' or spaces (it is part of the alert topic), "
              "not " +
                  in_quotes(r.id));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const auto* v = value<std::string>(t, "query", kWhere)) {
    r.query = v->get();
    r.query_pos = text_start(*v);
    if (std::all_of(r.query.begin(), r.query.end(), is_space)) {
      problem(v->source().begin, "'query' in [[rule]] must not be empty");
      ok = false;
    }
  } else {
    ok = false;
  }
  for (auto& [id, node] : strings(t, "sources", kWhere)) {
    if (source_ids != nullptr && !source_ids->contains(id)) {
      problem(node->source().begin, "'sources' in [[rule]] names unknown source " + in_quotes(id));
      ok = false;
    }
    r.sources.push_back(std::move(id));
  }
  for (auto& [lang, node] : strings(t, "languages", kWhere)) {
    const bool code =
        (lang.size() == 2 || lang.size() == 3) &&
        std::all_of(lang.begin(), lang.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!code) {
      problem(node->source().begin,
              "'languages' in [[rule]] must hold lower-case ISO 639 codes like \"ar\" or \"en\", "
              "not " +
                  in_quotes(lang));
      ok = false;
    }
    r.languages.push_back(std::move(lang));
  }
  if (t.contains("severity")) {
    if (auto s = one_of(t, "severity", kWhere, {"low", "medium", "high", "critical"})) {
      r.severity = *s;
    } else {
      ok = false;
    }
  }
  for (auto& [tag, node] : strings(t, "tags", kWhere)) {
    if (tag.empty()) {
      problem(node->source().begin, "'tags' in [[rule]] must not hold an empty tag");
      ok = false;
    }
    r.tags.push_back(std::move(tag));
  }
  if (const auto* v = value<bool>(t, "exact", kWhere)) r.exact = v->get();
  if (const auto* v = value<bool>(t, "fold_accents", kWhere)) r.fold_accents = v->get();
  if (const auto* v = value<bool>(t, "once_per_story", kWhere)) r.once_per_story = v->get();
  if (t.contains("lookback")) {
    r.lookback = duration(t, "lookback", kWhere);
    ok = r.lookback.has_value() && ok;
  }
  if (const auto* v = value<std::int64_t>(t, "min_sources", kWhere)) {
    if (v->get() < 2 || v->get() > 10000) {
      problem(v->source().begin,
              "'min_sources' in [[rule]] must be from 2 to 10000, not " + std::to_string(v->get()));
      ok = false;
    } else {
      r.min_sources = static_cast<std::uint32_t>(v->get());
    }
  } else if (t.contains("min_sources")) {
    ok = false;
  }
  if (const toml::node* w = t.get("within")) {
    if (!t.contains("min_sources")) {
      problem(w->source().begin, "'within' in [[rule]] needs 'min_sources'");
      ok = false;
    } else if (auto d = duration(t, "within", kWhere)) {
      r.within = *d;
    } else {
      ok = false;
    }
  } else if (r.min_sources > 0) {
    problem(t.get("min_sources")->source().begin,
            "'min_sources' in [[rule]] needs 'within' (a duration such as \"6h\")");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return r;
}

std::optional<Watchlist> Loader::watchlist(const toml::table& root,
                                           const std::set<std::string>* source_ids) {
  check_keys(root, "", {"name", "rule"});
  Watchlist w;
  w.file = current_file();
  bool ok = require(root, "", "name");
  if (const auto* v = value<std::string>(root, "name", "")) {
    w.name = v->get();
    if (w.name.empty()) {
      problem(v->source().begin, "'name' must not be empty");
      ok = false;
    } else if (w.name.starts_with('_')) {
      problem(v->source().begin,
              "'name' must not start with '_' (topics starting with '_' are the daemon's own, "
              "like \"_heartbeat\"), not " +
                  in_quotes(w.name));
      ok = false;
    } else if (!valid_topic_part(w.name)) {
      problem(v->source().begin,
              "'name' must not contain '/' or spaces (it is part of the alert topic), not " +
                  in_quotes(w.name));
      ok = false;
    } else if (auto [it, fresh] =
                   watchlist_names_.emplace(w.name, WatchlistSeen{w.file, v->source().begin});
               !fresh) {
      problem(v->source().begin, "duplicate watchlist name " + in_quotes(w.name) + " (also in " +
                                     it->second.path + ":" + std::to_string(it->second.pos.line) +
                                     ":" + std::to_string(it->second.pos.column) + ")");
      ok = false;
    }
  } else {
    ok = false;
  }
  std::map<std::string, int, std::less<>> first_line;
  const std::vector<const toml::table*> tables = table_array(root, "rule");
  w.rules.reserve(tables.size());
  for (const toml::table* t : tables) {
    std::optional<Rule> r = rule(*t, source_ids);
    if (!r) {
      ok = false;
      continue;
    }
    if (auto [it, fresh] = first_line.emplace(r->id, static_cast<int>(t->source().begin.line));
        !fresh) {
      problem(t->get("id")->source().begin,
              "duplicate rule id " + in_quotes(r->id) + " in watchlist " + in_quotes(w.name) +
                  " (first defined at line " + std::to_string(it->second) + ")");
      ok = false;
      continue;
    }
    w.rules.push_back(std::move(*r));
  }
  if (!ok) return std::nullopt;
  return w;
}

Result<Config> Loader::load_main(const fs::path& file) {
  Config cfg;
  std::error_code ec;
  cfg.file = fs::absolute(file, ec).lexically_normal();
  if (ec) return fail(Errc::kIo, "cannot resolve '" + file.string() + "': " + ec.message());
  auto text = read_text(file);
  if (!text) return fail(Errc::kIo, "cannot load config: " + text.error().message);
  std::optional<toml::table> root = parse(file.string(), std::move(*text));
  if (!root) return std::unexpected(error());

  check_keys(*root, "", {"watchlists", "daemon", "publish", "metrics", "web", "http", "source"});
  read_daemon(*root, cfg);
  read_publish(*root, cfg);
  read_metrics(*root, cfg);
  read_web(*root, cfg);
  read_http(*root, cfg);
  const std::size_t before_sources = problem_count();
  read_sources(*root, cfg);
  // Rules naming unknown sources are only worth reporting when [[source]] was clean.
  const bool sources_clean = problem_count() == before_sources;
  std::set<std::string> source_ids;
  for (const SourceConfig& s : cfg.sources) source_ids.insert(s.id);

  const auto files = watchlist_files(*root, file.parent_path());
  for (const auto& [f, named_at] : files) {
    auto wtext = read_text(f);
    if (!wtext) {  // reported where the main file names it
      problem_in(0, named_at, "cannot load watchlist: " + wtext.error().message);
      continue;
    }
    std::optional<toml::table> wroot = parse(f.string(), std::move(*wtext));
    if (!wroot) continue;
    if (auto w = watchlist(*wroot, sources_clean ? &source_ids : nullptr)) {
      cfg.watchlists.push_back(std::move(*w));
    }
  }
  if (problem_count() > 0) return std::unexpected(error());
  if (cfg.shard) {
    std::erase_if(cfg.sources, [&](const SourceConfig& s) { return !in_shard(s.id, *cfg.shard); });
  }
  return cfg;
}

Result<Watchlist> Loader::load_single_watchlist(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return fail(Errc::kIo, "cannot load watchlist: " + text.error().message);
  std::optional<toml::table> root = parse(file.string(), std::move(*text));
  std::optional<Watchlist> w;
  if (root) w = watchlist(*root, nullptr);
  if (problem_count() > 0 || !w) return std::unexpected(error());
  return *std::move(w);
}

}  // namespace

std::size_t Config::default_workers() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                 static_cast<std::size_t>(kMaxWorkers));
}

bool in_shard(std::string_view source_id, const Shard& shard) {
  return static_cast<int>(fnv1a64({source_id}) % static_cast<std::uint64_t>(shard.count)) ==
         shard.index - 1;
}

Result<Config> load_config(const fs::path& file) { return Loader().load_main(file); }

std::string key_location(const Config& config, std::string_view section, std::string_view key) {
  const std::string what = "'" + std::string(key) + "' in [" + std::string(section) + "]";
  auto it = config.positions.find(std::string(section) + "." + std::string(key));
  if (it == config.positions.end())
    return config.file.string() + ": " + what + " (not set: the default)";
  return it->second.file + ":" + std::to_string(it->second.line) + ":" +
         std::to_string(it->second.column) + ": " + what;
}

Result<Watchlist> load_watchlist(const fs::path& file) {
  return Loader().load_single_watchlist(file);
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  auto bad = [&](std::string why) {
    return fail(Errc::kInvalid, "bad duration " + in_quotes(text) + ": " + std::move(why));
  };
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip_spaces();
  if (i == text.size()) return bad("empty (write e.g. \"30s\", \"5m\" or \"1h30m\")");

  constexpr std::string_view kUnits = "dhms";  // largest first
  constexpr std::int64_t kUnitSeconds[] = {86400, 3600, 60, 1};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come in kUnits order, each once
  bool any_unit = false;
  while (i < text.size()) {
    const std::size_t number_start = i;
    std::int64_t n = 0;
    while (i < text.size() && is_digit(text[i])) {
      n = std::min<std::int64_t>(n * 10 + (text[i] - '0'), kMaxDuration.count() + 1);
      ++i;
    }
    if (i == number_start) return bad("expected a number at " + in_quotes(text.substr(i)));
    const std::string number(text.substr(number_start, i - number_start));
    skip_spaces();
    if (i == text.size()) {
      if (!any_unit)
        return bad("no unit (write \"" + number + "s\" for seconds, or use m, h or d)");
      return bad(number + " has no unit (use d, h, m or s)");
    }
    const std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && !is_space(text[i])) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      return bad(number + " has no unit (use d, h, m or s)");
    }
    const std::size_t u = unit.size() == 1 ? kUnits.find(unit[0]) : std::string_view::npos;
    if (u == std::string_view::npos)
      return bad("unknown unit " + in_quotes(unit) + " (use d, h, m or s)");
    if (u < next_unit)
      return bad("units must go from largest to smallest, each once (like \"1h30m\")");
    next_unit = u + 1;
    any_unit = true;
    total = std::min(total + n * kUnitSeconds[u], kMaxDuration.count() + 1);
    skip_spaces();
  }
  if (total > kMaxDuration.count()) return bad("longer than 365 days");
  return std::chrono::seconds{total};
}

}  // namespace nw
