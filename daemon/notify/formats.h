// Messages a person reads, in each service's own format: Slack blocks with
// mrkdwn, Mattermost Markdown, a Teams MessageCard, a Telegram sendMessage in
// HTML parse mode, an ntfy publish (headers + plain body), and for a webhook
// the alert JSON as published. Titles, snippets and sources come from news
// sites: every format escapes them for its markup, drops bidi controls that
// could spoof the order of the text, and marks right-to-left fields (Arabic)
// with RLM so they read in the right direction. Pure functions; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/notify_config.h"
#include "daemon/notify/notice.h"
#include "feeds/text.h"  // escape_html, which the formats use

namespace nw {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value", without CR/LF
  std::string body;
};

// The POST that delivers `notice` to `channel` (any kind but email).
HttpRequest format_request(const ChannelConfig& channel, const Notice& notice);

// The rate each service documents: Slack about 1 message per second per
// webhook; Telegram 20 per minute in a group; Teams connectors 4 per second;
// ntfy.sh 60 at once then 1 per 5 s; Mattermost's default 10 per second;
// none for a webhook. The channel's `rate_limit` overrides it.
std::optional<RateLimit> effective_rate_limit(const ChannelConfig& channel);

// --- Text helpers (exposed for tests) ---

// Drops bidi controls (U+202A-E, U+2066-9, U+200E/F, U+061C) and control
// characters; tabs and line breaks become spaces. Invalid UTF-8 becomes U+FFFD.
std::string clean_text(std::string_view text);
// Whether the first strong character is right-to-left (Arabic, Hebrew...).
bool starts_rtl(std::string_view text);
// clean_text, with U+200F (RLM) before and after when it reads right to left.
std::string directed(std::string_view text);
// "2020-06-03 11:15 CEST" in an IANA time zone.
std::string local_time(std::chrono::sys_seconds t, const std::string& timezone);
// Slack mrkdwn: & < > as entities.
std::string escape_slack(std::string_view text);
// Markdown (Mattermost, Teams): a backslash before each markup character.
std::string escape_markdown(std::string_view text);
// An HTTP header value: ASCII as is, anything else as an RFC 2047 encoded word
// (=?UTF-8?B?...?=), which ntfy decodes. Never contains CR or LF.
std::string header_value(std::string_view text);
// A URL safe inside markup: spaces, quotes, <, >, | and non-ASCII bytes percent-encoded.
std::string safe_url(std::string_view url);
// At most `max_chars` code points, with "…" when cut.
std::string truncate_text(std::string_view text, std::size_t max_chars);

}  // namespace nw
