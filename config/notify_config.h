// The notifier's configuration (`newswatch notify`, newswatch-notify.toml(5)):
// where the daemon is ([subscribe]), the channels alerts go to ([[channel]])
// and which alerts go where ([[route]]). Loading checks everything and reports
// every problem as "file:line:col: message", like config/config.h; it also
// reads the secrets the channels name (url_file, token_file: files that only
// their owner may read, never values in the config itself). Pure apart from
// reading those files; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/notify/digest.h"
#include "daemon/notify/mail.h"
#include "daemon/notify/template.h"
#include "feeds/error.h"
#include "filters/watchlist.h"  // SourcePos

namespace nw {

// At most `burst` messages at once, then one per `per` / `count`.
struct RateLimit {
  std::uint32_t count = 1;
  std::chrono::seconds per{1};
  std::uint32_t burst = 1;
};

struct ChannelConfig {
  enum class Kind { kSlack, kMattermost, kTeams, kTelegram, kNtfy, kWebhook, kEmail };
  std::string id;
  Kind kind = Kind::kWebhook;
  // Where requests go: the webhook URL (slack, mattermost, teams, webhook), the
  // topic URL (ntfy), the Bot API base (telegram, default https://api.telegram.org).
  std::string url;
  std::string token;    // telegram: the bot token; ntfy: an access token (Bearer); may be ""
  std::string chat_id;  // telegram
  std::string timezone = "UTC";  // an IANA name, for the times in messages
  // Unset: the service's documented limit (daemon/notify/formats.h default_rate_limit).
  std::optional<RateLimit> rate_limit;
  bool no_rate_limit = false;  // rate_limit = "none"
  // email: the SMTP server, sender, recipients, password (from password_file).
  MailOptions mail;
  // email: one message per period instead of one per alert.
  std::optional<DigestSchedule> digest;
  // template_file, checked and loaded: the message text (slack: mrkdwn;
  // telegram, teams, email's HTML part: html; ntfy: plain text).
  std::optional<Template> message_template;
  SourcePos pos;  // of the [[channel]] table
};

struct RouteConfig {
  std::vector<std::string> topics;  // prefixes of "<watchlist>/<rule>"; empty: every topic
  std::string min_severity;         // "" = any; else low < medium < high < critical
  std::vector<std::string> tags;    // empty: any; else the alert has one of them
  std::vector<std::string> channels;
  SourcePos pos;
};

struct NotifyConfig {
  std::filesystem::path file;       // absolute
  std::filesystem::path state_dir;  // absolute; relative values resolve against file's folder
  std::string log_level = "info";
  // [subscribe]: as for `newswatch subscribe`.
  std::string endpoint = "tcp://127.0.0.1:5556";
  std::string replay_endpoint = "tcp://127.0.0.1:5557";
  std::chrono::seconds heartbeat{5};
  std::string curve_server_key;                 // Z85, the daemon's public key; "" = no CURVE
  std::filesystem::path curve_secret_key_file;  // this client's key, from `newswatch keygen`
  std::string metrics_endpoint;                 // [metrics] endpoint; "" = off
  std::vector<ChannelConfig> channels;
  std::vector<RouteConfig> routes;
};

std::string_view kind_name(ChannelConfig::Kind kind);

// 0 for "", 1 low .. 4 critical; -1 for anything else.
int severity_rank(std::string_view severity);

// The error lists every problem, one "file:line:col: message" per line
// (Errc::kInvalid; Errc::kIo when `file` itself cannot be read).
[[nodiscard]] Result<NotifyConfig> load_notify_config(const std::filesystem::path& file);

}  // namespace nw
