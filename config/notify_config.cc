// The notifier's configuration (config/notify_config.h), on TomlChecker.
#include "config/notify_config.h"

#include <sys/stat.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "config/endpoint.h"
#include "config/toml_checker.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using Kind = ChannelConfig::Kind;

constexpr std::uintmax_t kMaxFileBytes = 1024 * 1024;

struct KindName {
  Kind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {{Kind::kSlack, "slack"}, {Kind::kMattermost, "mattermost"},
                               {Kind::kTeams, "teams"}, {Kind::kTelegram, "telegram"},
                               {Kind::kNtfy, "ntfy"},   {Kind::kWebhook, "webhook"},
                               {Kind::kEmail, "email"}};

Result<std::string> read_small_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fail(Errc::kIo, "'" + path.string() + "' is a directory");
  if (const auto size = fs::file_size(path, ec); !ec && size > kMaxFileBytes) {
    return fail(Errc::kIo, "'" + path.string() + "' is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kIo, "cannot read '" + path.string() + "': " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

bool known_timezone(const std::string& name) {
  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(name)));
  icu::UnicodeString id;
  tz->getID(id);
  return id != icu::UnicodeString(u"Etc/Unknown");
}

// "1/s", "20/min", "100/h".
std::optional<RateLimit> parse_rate(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::uint32_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + slash, n);
  if (ec != std::errc() || p != text.data() + slash || n == 0 || n > 1000) return std::nullopt;
  const std::string_view unit = text.substr(slash + 1);
  std::chrono::seconds per{0};
  if (unit == "s") per = std::chrono::seconds(1);
  if (unit == "min") per = std::chrono::minutes(1);
  if (unit == "h") per = std::chrono::hours(1);
  if (per.count() == 0) return std::nullopt;
  return RateLimit{n, per, 1};
}

class NotifyLoader : private TomlChecker {
 public:
  Result<NotifyConfig> load(const fs::path& file);

 private:
  void read_subscribe(const toml::table& root, NotifyConfig& cfg);
  void read_metrics(const toml::table& root, NotifyConfig& cfg);
  void read_channels(const toml::table& root, NotifyConfig& cfg);
  void read_routes(const toml::table& root, NotifyConfig& cfg);
  // The secret a `key`_file names, first line, trimmed; nullopt (and a problem) when unusable.
  std::optional<std::string> secret(const toml::table& t, std::string_view key,
                                    const NotifyConfig& cfg, bool required);
  fs::path resolve(const NotifyConfig& cfg, std::string_view p) const {
    return (cfg.file.parent_path() / p).lexically_normal();
  }
};

std::optional<std::string> NotifyLoader::secret(const toml::table& t, std::string_view key,
                                                const NotifyConfig& cfg, bool required) {
  constexpr std::string_view kWhere = "[[channel]]";
  const std::string file_key = std::string(key) + "_file";
  if (const toml::node* inline_value = t.get(key)) {
    problem(inline_value->source().begin,
            "'" + std::string(key) +
                "' in [[channel]] would put a secret in the config: write it "
                "to a file only the notifier's user can read (chmod 600) and name that file in '" +
                file_key + "'");
    return std::nullopt;
  }
  const auto* v = value<std::string>(t, file_key, kWhere);
  if (v == nullptr) {
    if (required && !t.contains(file_key)) {
      problem(t.source().begin, "[[channel]] of kind " +
                                    in_quotes(t["kind"].value_or(std::string())) + " needs '" +
                                    file_key + "'");
    }
    return std::nullopt;
  }
  const fs::path path = resolve(cfg, v->get());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    problem(v->source().begin, "'" + file_key + "' in [[channel]]: cannot read '" + path.string() +
                                   "': " + std::strerror(errno));
    return std::nullopt;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    problem(v->source().begin, "'" + file_key + "' in [[channel]]: '" + path.string() +
                                   "' holds a secret but others may read it (mode " + mode +
                                   "): chmod 600 it");
    return std::nullopt;
  }
  auto text = read_small_file(path);
  if (!text) {
    problem(v->source().begin, "'" + file_key + "' in [[channel]]: " + text.error().message);
    return std::nullopt;
  }
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.erase(0, 1);
  if (line.empty()) {
    problem(v->source().begin,
            "'" + file_key + "' in [[channel]]: '" + path.string() + "' is empty");
    return std::nullopt;
  }
  return line;
}

void NotifyLoader::read_subscribe(const toml::table& root, NotifyConfig& cfg) {
  fs::path state_dir = "./notify-state";
  if (const toml::table* t = section(root, "subscribe")) {
    constexpr std::string_view kWhere = "[subscribe]";
    check_keys(*t, kWhere,
               {"endpoint", "replay_endpoint", "state_dir", "heartbeat", "curve_server_key",
                "curve_secret_key_file", "log_level"});
    auto endpoint = [&](std::string_view key, std::string& out, bool may_be_empty) {
      const auto* v = value<std::string>(*t, key, kWhere);
      if (v == nullptr) return;
      if (v->get().empty() && may_be_empty) {
        out.clear();
        return;
      }
      // A client connects where the daemon binds: the same syntax.
      if (auto e = parse_bind_endpoint(v->get()); !e) {
        problem(v->source().begin, "'" + std::string(key) +
                                       "' in [subscribe]: " + e.error().message +
                                       (may_be_empty ? " (or \"\" for none)" : ""));
      } else if (e->host == "*") {
        problem(v->source().begin, "'" + std::string(key) +
                                       "' in [subscribe] names the daemon's address: a host, "
                                       "not \"*\"");
      } else {
        out = v->get();
      }
    };
    endpoint("endpoint", cfg.endpoint, false);
    if (t->contains("replay_endpoint")) {
      endpoint("replay_endpoint", cfg.replay_endpoint, true);
    } else {
      cfg.replay_endpoint = default_replay_endpoint(cfg.endpoint);
    }
    if (const auto* v = value<std::string>(*t, "state_dir", kWhere)) {
      if (v->get().empty()) {
        problem(v->source().begin, "'state_dir' in [subscribe] must not be empty");
      } else {
        state_dir = v->get();
      }
    }
    if (auto d = duration(*t, "heartbeat", kWhere)) cfg.heartbeat = *d;
    if (auto level = one_of(*t, "log_level", kWhere, {"trace", "debug", "info", "warn", "error"}))
      cfg.log_level = *level;
    if (const auto* v = value<std::string>(*t, "curve_server_key", kWhere)) {
      if (v->get().size() != 40) {
        problem(v->source().begin,
                "'curve_server_key' in [subscribe] must be the daemon's public key: 40 "
                "characters of Z85, from its .pub file");
      } else {
        cfg.curve_server_key = v->get();
      }
    }
    if (const auto* v = value<std::string>(*t, "curve_secret_key_file", kWhere);
        v && !v->get().empty()) {
      cfg.curve_secret_key_file = resolve(cfg, v->get());
    }
    if (cfg.curve_server_key.empty() != cfg.curve_secret_key_file.empty() && problem_count() == 0) {
      problem(t->source().begin,
              "[subscribe] needs both 'curve_server_key' and 'curve_secret_key_file' for CURVE, "
              "or neither");
    }
  }
  cfg.state_dir = resolve(cfg, state_dir.string());
}

void NotifyLoader::read_metrics(const toml::table& root, NotifyConfig& cfg) {
  const toml::table* t = section(root, "metrics");
  if (t == nullptr) return;
  check_keys(*t, "[metrics]", {"endpoint"});
  const auto* v = value<std::string>(*t, "endpoint", "[metrics]");
  if (v == nullptr) return;
  if (!v->get().empty() && !parse_host_port(v->get())) {
    problem(v->source().begin,
            "'endpoint' in [metrics] must be host:port like \"127.0.0.1:9465\" (or \"\" for "
            "none), not " +
                in_quotes(v->get()));
    return;
  }
  cfg.metrics_endpoint = v->get();
}

void NotifyLoader::read_channels(const toml::table& root, NotifyConfig& cfg) {
  constexpr std::string_view kWhere = "[[channel]]";
  std::set<std::string, std::less<>> ids;
  for (const toml::table* t : table_array(root, "channel")) {
    ChannelConfig c;
    c.pos = pos_of(t->source().begin);
    const auto kind =
        one_of(*t, "kind", kWhere,
               {"slack", "mattermost", "teams", "telegram", "ntfy", "webhook", "email"});
    if (!require(*t, kWhere, "id") || !require(*t, kWhere, "kind")) continue;
    if (const auto* v = value<std::string>(*t, "id", kWhere)) {
      c.id = v->get();
      const bool ok = !c.id.empty() && c.id.size() <= 64 &&
                      c.id.find_first_not_of(
                          "abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
      if (!ok) {
        problem(v->source().begin,
                "'id' in [[channel]] must be 1 to 64 letters, digits, '-' or '_' (it names the "
                "channel's cursor file), not " +
                    in_quotes(c.id));
      } else if (!ids.insert(c.id).second) {
        problem(v->source().begin, "a second [[channel]] with id " + in_quotes(c.id));
      }
    }
    if (!kind) continue;
    for (const KindName& k : kKinds) {
      if (k.name == *kind) c.kind = k.kind;
    }
    switch (c.kind) {
      case Kind::kSlack:
      case Kind::kMattermost:
      case Kind::kTeams:
      case Kind::kWebhook:
        check_keys(*t, kWhere,
                   {"id", "kind", "url", "url_file", "timezone", "rate_limit", "burst",
                    "template_file", "digest"});
        if (auto url = secret(*t, "url", cfg, true)) c.url = *url;
        break;
      case Kind::kNtfy:
        check_keys(*t, kWhere,
                   {"id", "kind", "url", "url_file", "token", "token_file", "timezone",
                    "rate_limit", "burst", "template_file", "digest"});
        if (auto url = secret(*t, "url", cfg, true)) c.url = *url;
        if (auto token = secret(*t, "token", cfg, false)) c.token = *token;
        break;
      case Kind::kTelegram:
        check_keys(*t, kWhere,
                   {"id", "kind", "token", "token_file", "chat_id", "api_url", "timezone",
                    "rate_limit", "burst", "template_file", "digest"});
        if (auto token = secret(*t, "token", cfg, true)) c.token = *token;
        c.url = "https://api.telegram.org";
        if (const auto* v = value<std::string>(*t, "api_url", kWhere)) c.url = v->get();
        if (require(*t, kWhere, "chat_id")) {
          if (const toml::node* n = t->get("chat_id")) {
            if (const auto* s = n->as_string()) {
              c.chat_id = s->get();
            } else if (const auto* i = n->as_integer()) {
              c.chat_id = std::to_string(i->get());
            } else {
              wrong_type(*n, "chat_id", kWhere, "a chat id (a number, or \"@channelname\")");
            }
          }
        }
        break;
      case Kind::kEmail: {
        check_keys(
            *t, kWhere,
            {"id", "kind", "smtp", "from", "to", "username", "password", "password_file",
             "list_unsubscribe", "timezone", "digest", "rate_limit", "burst", "template_file"});
        if (!require(*t, kWhere, "smtp") || !require(*t, kWhere, "from") ||
            !require(*t, kWhere, "to")) {
          break;
        }
        const auto* smtp = value<std::string>(*t, "smtp", kWhere);
        if (smtp) {
          if (auto tls = check_smtp_url(smtp->get()); !tls) {
            problem(smtp->source().begin, "'smtp' in [[channel]]: " + tls.error().message);
            smtp = nullptr;
          } else {
            c.mail.smtp_url = smtp->get();
          }
        }
        if (const auto* v = value<std::string>(*t, "from", kWhere)) c.mail.from = v->get();
        for (auto& [to, node] : strings(*t, "to", kWhere)) c.mail.to.push_back(to);
        if (const auto* v = value<std::string>(*t, "username", kWhere)) c.mail.username = v->get();
        if (auto password = secret(*t, "password", cfg, false)) c.mail.password = *password;
        if (const auto* v = value<std::string>(*t, "list_unsubscribe", kWhere))
          c.mail.list_unsubscribe = v->get();
        if (smtp) {
          if (auto ok = check_mail_options(c.mail); !ok) {
            problem(t->source().begin,
                    "[[channel]] " + in_quotes(c.id) + ": " + ok.error().message);
          }
        }
        break;
      }
    }
    if (!c.url.empty() && c.url.rfind("https://", 0) != 0 && c.url.rfind("http://", 0) != 0) {
      const char* key = c.kind == Kind::kTelegram ? "api_url" : "url_file";
      const toml::node* n = t->get(key);
      problem(n ? n->source().begin : t->source().begin,
              "[[channel]] " + in_quotes(c.id) + ": the URL " +
                  (c.kind == Kind::kTelegram ? "in 'api_url'" : "that 'url_file' holds") +
                  " must start with https:// or http://");
    }
    if (const auto* v = value<std::string>(*t, "timezone", kWhere)) {
      if (!known_timezone(v->get())) {
        problem(v->source().begin,
                "'timezone' in [[channel]] must be an IANA time zone like "
                "\"Europe/Berlin\" or \"UTC\", not " +
                    in_quotes(v->get()));
      } else {
        c.timezone = v->get();
      }
    }
    if (const auto* v = value<std::string>(*t, "template_file", kWhere)) {
      std::optional<TemplateFormat> format;
      switch (c.kind) {
        case Kind::kSlack:
          format = TemplateFormat::kSlackMrkdwn;
          break;
        case Kind::kTelegram:
        case Kind::kTeams:
        case Kind::kEmail:
          format = TemplateFormat::kHtml;
          break;
        case Kind::kNtfy:
          format = TemplateFormat::kNone;
          break;
        case Kind::kMattermost:
        case Kind::kWebhook:
          break;
      }
      if (!format) {
        problem(v->source().begin,
                "'template_file' in [[channel]] is not for kind " + in_quotes(kind_name(c.kind)) +
                    (c.kind == Kind::kWebhook
                         ? ": a webhook receives the alert JSON as published"
                         : ": Mattermost Markdown has no escaping a template could use"));
      } else if (auto tpl = load_template(resolve(cfg, v->get()), *format); !tpl) {
        problem(v->source().begin, "'template_file' in [[channel]]: " + tpl.error().message);
      } else {
        c.message_template = std::move(*tpl);
      }
    }
    if (const auto* v = value<std::string>(*t, "digest", kWhere)) {
      if (c.kind != Kind::kEmail) {
        problem(v->source().begin, "'digest' in [[channel]] is for kind \"email\"");
      } else if (auto d = parse_digest(v->get(), c.timezone); !d) {
        problem(v->source().begin, "'digest' in [[channel]]: " + d.error().message);
      } else {
        c.digest = std::move(*d);
      }
    }
    if (const auto* v = value<std::string>(*t, "rate_limit", kWhere)) {
      if (v->get() == "none") {
        c.no_rate_limit = true;
      } else if (auto rate = parse_rate(v->get())) {
        c.rate_limit = rate;
      } else {
        problem(v->source().begin,
                "'rate_limit' in [[channel]] must be \"N/s\", \"N/min\", \"N/h\" (N from 1 to "
                "1000) or \"none\", not " +
                    in_quotes(v->get()));
      }
    }
    if (const auto* v = value<std::int64_t>(*t, "burst", kWhere)) {
      if (v->get() < 1 || v->get() > 1000) {
        problem(v->source().begin, "'burst' in [[channel]] must be between 1 and 1000");
      } else if (!c.rate_limit) {
        problem(v->source().begin, "'burst' in [[channel]] goes with 'rate_limit'");
      } else {
        c.rate_limit->burst = static_cast<std::uint32_t>(v->get());
      }
    }
    cfg.channels.push_back(std::move(c));
  }
}

void NotifyLoader::read_routes(const toml::table& root, NotifyConfig& cfg) {
  constexpr std::string_view kWhere = "[[route]]";
  std::set<std::string, std::less<>> ids;
  for (const ChannelConfig& c : cfg.channels) ids.insert(c.id);
  for (const toml::table* t : table_array(root, "route")) {
    RouteConfig r;
    r.pos = pos_of(t->source().begin);
    check_keys(*t, kWhere, {"topics", "min_severity", "tags", "channels"});
    for (auto& [topic, node] : strings(*t, "topics", kWhere)) {
      if (topic.empty()) {
        problem(node->source().begin,
                "an empty topic in [[route]] 'topics': leave 'topics' out to route every alert");
      } else {
        r.topics.push_back(topic);
      }
    }
    if (auto s = one_of(*t, "min_severity", kWhere, {"low", "medium", "high", "critical"}))
      r.min_severity = *s;
    for (auto& [tag, node] : strings(*t, "tags", kWhere)) r.tags.push_back(tag);
    if (require(*t, kWhere, "channels")) {
      for (auto& [id, node] : strings(*t, "channels", kWhere)) {
        if (!ids.contains(id)) {
          std::string known;
          for (const auto& k : ids) known += (known.empty() ? "" : ", ") + in_quotes(k);
          problem(node->source().begin, "[[route]] names channel " + in_quotes(id) +
                                            ", which no [[channel]] defines" +
                                            (known.empty() ? "" : " (channels: " + known + ")"));
        } else {
          r.channels.push_back(id);
        }
      }
      if (r.channels.empty() && problem_count() == 0) {
        problem(t->source().begin, "[[route]] 'channels' must name at least one channel");
      }
    }
    cfg.routes.push_back(std::move(r));
  }
}

Result<NotifyConfig> NotifyLoader::load(const fs::path& file) {
  NotifyConfig cfg;
  std::error_code ec;
  cfg.file = fs::absolute(file, ec).lexically_normal();
  if (ec) return fail(Errc::kIo, "cannot resolve '" + file.string() + "': " + ec.message());
  auto text = read_small_file(file);
  if (!text) return fail(Errc::kIo, "cannot load config: " + text.error().message);
  std::optional<toml::table> root = parse(file.string(), std::move(*text));
  if (!root) return std::unexpected(error());
  check_keys(*root, "", {"subscribe", "metrics", "channel", "route"});
  read_subscribe(*root, cfg);
  read_metrics(*root, cfg);
  read_channels(*root, cfg);
  read_routes(*root, cfg);
  if (problem_count() == 0 && cfg.channels.empty()) {
    problem({1, 1}, "no [[channel]]: the notifier has nowhere to deliver alerts");
  } else if (problem_count() == 0 && cfg.routes.empty()) {
    problem({1, 1}, "no [[route]]: no alert would reach any channel");
  }
  if (problem_count() > 0) return std::unexpected(error());
  return cfg;
}

}  // namespace

std::string_view kind_name(ChannelConfig::Kind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

int severity_rank(std::string_view severity) {
  if (severity.empty()) return 0;
  constexpr std::string_view kRanks[] = {"low", "medium", "high", "critical"};
  for (int i = 0; i < 4; ++i) {
    if (kRanks[i] == severity) return i + 1;
  }
  return -1;
}

Result<NotifyConfig> load_notify_config(const fs::path& file) { return NotifyLoader().load(file); }

}  // namespace nw
