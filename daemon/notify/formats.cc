// Each service's message format (daemon/notify/formats.h).
#include "daemon/notify/formats.h"

#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "feeds/text.h"

namespace nw {
namespace {

using Kind = ChannelConfig::Kind;
using nlohmann::json;

constexpr std::size_t kTitleChars = 300;
constexpr std::size_t kSnippetChars = 600;

bool is_bidi_control(UChar32 c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

void append_utf8(std::string& out, UChar32 c) {
  char buf[4];
  std::int32_t n = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), n, 4, c, error);
  if (!error) out.append(buf, static_cast<std::size_t>(n));
}

// A template's plain-text output: its line breaks kept, other control
// characters dropped.
std::string clean_multiline(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (!out.empty()) out += '\n';
    out += clean_text(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// What every message shows, already cleaned (not yet escaped).
struct Parts {
  std::string title, url, source, when, severity, matched, snippet, story;
  std::string more;  // "… and 2 more outlets: a, b" or ""
};

Parts parts_of(const ChannelConfig& channel, const Notice& n) {
  const Alert& a = n.alert;
  Parts p;
  p.title = truncate_text(clean_text(a.title.empty() ? a.url : a.title), kTitleChars);
  p.url = a.url;
  p.source = clean_text(a.source);
  p.when = local_time(a.published.value_or(a.fetched), channel.timezone);
  p.severity = clean_text(a.severity);
  for (const std::string& m : a.matched) {
    if (!p.matched.empty()) p.matched += ", ";
    p.matched += clean_text(m);
  }
  p.snippet = truncate_text(clean_text(a.snippet), kSnippetChars);
  if (a.story_size > 1) p.story = "story of " + std::to_string(a.story_size) + " articles";
  if (!n.folded.empty()) {
    p.more = "… and " + std::to_string(n.folded.size()) + " more outlet" +
             (n.folded.size() == 1 ? "" : "s") + ": ";
    std::size_t shown = 0;
    for (const Alert& f : n.folded) {
      if (shown == 5) {
        p.more += ", …";
        break;
      }
      p.more += (shown++ ? ", " : "") + clean_text(f.source);
    }
  }
  return p;
}

// RLM around a field that reads right to left; applied after escaping.
std::string dir(std::string_view cleaned, std::string escaped) {
  if (!starts_rtl(cleaned)) return escaped;
  return "\u200F" + escaped + "\u200F";
}

// "source · time · severity · story of 3 articles"
std::string meta_line(const Parts& p, std::string (*esc)(std::string_view)) {
  std::string out = dir(p.source, esc(p.source)) + " · " + esc(p.when);
  if (!p.severity.empty()) out += " · " + esc(p.severity);
  if (!p.story.empty()) out += " · " + esc(p.story);
  return out;
}

HttpRequest json_post(std::string url, const json& body) {
  return {std::move(url), {"Content-Type: application/json; charset=utf-8"}, body.dump()};
}

HttpRequest slack(const ChannelConfig& c, const Parts& p) {
  const std::string link =
      "*<" + escape_slack(safe_url(p.url)) + "|" + dir(p.title, escape_slack(p.title)) + ">*";
  std::string text = link + "\n" + meta_line(p, escape_slack);
  if (!p.matched.empty()) text += "\nmatched: " + dir(p.matched, escape_slack(p.matched));
  if (!p.snippet.empty()) text += "\n>" + dir(p.snippet, escape_slack(p.snippet));
  if (!p.more.empty()) text += "\n_" + escape_slack(p.more) + "_";
  const json body = {
      {"text", dir(p.title, escape_slack(p.title))},  // notifications and fallback
      {"unfurl_links", false},
      {"blocks",
       json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}}})}};
  return json_post(c.url, body);
}

// Markdown with @ defused: "@channel" in a title must not page a whole team.
std::string markdown(std::string_view s) {
  std::string out;
  for (char ch : escape_markdown(s)) {
    out += ch;
    if (ch == '@') out += "\u200B";
  }
  return out;
}

std::string markdown_lines(const Parts& p) {
  std::string text = "**[" + dir(p.title, markdown(p.title)) + "](" + safe_url(p.url) + ")**\n" +
                     meta_line(p, markdown);
  if (!p.matched.empty()) text += "\nmatched: " + dir(p.matched, markdown(p.matched));
  if (!p.snippet.empty()) text += "\n> " + dir(p.snippet, markdown(p.snippet));
  if (!p.more.empty()) text += "\n_" + markdown(p.more) + "_";
  return text;
}

HttpRequest mattermost(const ChannelConfig& c, const Parts& p) {
  return json_post(c.url, {{"text", markdown_lines(p)}});
}

std::string severity_colour(std::string_view severity) {
  if (severity == "critical") return "D32F2F";
  if (severity == "high") return "F57C00";
  if (severity == "medium") return "FBC02D";
  if (severity == "low") return "1976D2";
  return "757575";
}

// Teams text fields render Markdown and a little HTML: both are escaped.
std::string teams_text(std::string_view s) { return markdown(escape_html(s)); }

HttpRequest teams(const ChannelConfig& c, const Parts& p) {
  json facts = json::array();
  if (!p.severity.empty())
    facts.push_back({{"name", "Severity"}, {"value", teams_text(p.severity)}});
  if (!p.matched.empty())
    facts.push_back({{"name", "Matched"}, {"value", dir(p.matched, teams_text(p.matched))}});
  if (!p.story.empty()) facts.push_back({{"name", "Story"}, {"value", teams_text(p.story)}});
  std::string text = dir(p.snippet, teams_text(p.snippet));
  if (!p.more.empty()) text += (text.empty() ? "" : "\n\n") + teams_text(p.more);
  json section = {
      {"activityTitle", "[" + dir(p.title, teams_text(p.title)) + "](" + safe_url(p.url) + ")"},
      {"activitySubtitle", dir(p.source, teams_text(p.source)) + " · " + teams_text(p.when)},
      {"facts", facts},
      {"markdown", true}};
  if (!text.empty()) section["text"] = text;
  const json body = {
      {"@type", "MessageCard"},
      {"@context", "https://schema.org/extensions"},
      {"summary", truncate_text(p.title, 100)},
      {"themeColor", severity_colour(p.severity)},
      {"sections", json::array({section})},
      {"potentialAction",
       json::array({{{"@type", "OpenUri"},
                     {"name", "Open article"},
                     {"targets", json::array({{{"os", "default"}, {"uri", safe_url(p.url)}}})}}})}};
  return json_post(c.url, body);
}

HttpRequest telegram(const ChannelConfig& c, const Parts& p) {
  std::string text = "<b><a href=\"" + escape_html(safe_url(p.url)) + "\">" +
                     dir(p.title, escape_html(p.title)) + "</a></b>\n" + meta_line(p, escape_html);
  if (!p.matched.empty())
    text += "\nmatched: <i>" + dir(p.matched, escape_html(p.matched)) + "</i>";
  if (!p.snippet.empty())
    text += "\n<blockquote>" + dir(p.snippet, escape_html(p.snippet)) + "</blockquote>";
  if (!p.more.empty()) text += "\n<i>" + escape_html(p.more) + "</i>";
  std::string base = c.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const json body = {{"chat_id", c.chat_id},
                     {"text", text},
                     {"parse_mode", "HTML"},
                     {"link_preview_options", {{"is_disabled", true}}}};
  return json_post(base + "/bot" + c.token + "/sendMessage", body);
}

std::string ntfy_priority(std::string_view severity) {
  if (severity == "critical") return "5";
  if (severity == "high") return "4";
  if (severity == "low") return "2";
  return "3";
}

HttpRequest ntfy(const ChannelConfig& c, const Notice& n, const Parts& p) {
  HttpRequest r{c.url, {"Content-Type: text/plain; charset=utf-8"}, {}};
  r.headers.push_back("Title: " + header_value(directed(p.title)));
  r.headers.push_back("Click: " + safe_url(p.url));
  r.headers.push_back("Priority: " + ntfy_priority(p.severity));
  std::string tags = "newspaper";
  for (const std::string& t : n.alert.tags) {
    const std::string tag = clean_text(t);
    if (!tag.empty() && tag.find(',') == std::string::npos) tags += "," + tag;
  }
  r.headers.push_back("Tags: " + header_value(tags));
  if (!c.token.empty()) r.headers.push_back("Authorization: Bearer " + header_value(c.token));
  std::string body = dir(p.source, p.source) + " · " + p.when;
  if (!p.severity.empty()) body += " · " + p.severity;
  if (!p.story.empty()) body += " · " + p.story;
  if (!p.matched.empty()) body += "\nmatched: " + dir(p.matched, p.matched);
  if (!p.snippet.empty()) body += "\n" + dir(p.snippet, p.snippet);
  if (!p.more.empty()) body += "\n" + p.more;
  r.body = std::move(body);
  return r;
}

HttpRequest webhook(const ChannelConfig& c, const Notice& n) {
  HttpRequest r{c.url, {"Content-Type: application/json; charset=utf-8"}, n.json};
  r.headers.push_back("Idempotency-Key: " + header_value(n.alert.id));
  r.headers.push_back("X-Newswatch-Seq: " + std::to_string(n.alert.seq));
  return r;
}

// The channel's template_file, rendered for the alert (escaped for the
// channel's markup by the template's format), in the service's envelope.
HttpRequest templated(const ChannelConfig& c, const Notice& n, const Parts& p) {
  const std::string text = c.message_template->render_alert(n.alert, {c.timezone});
  switch (c.kind) {
    case Kind::kSlack:
      return json_post(
          c.url,
          {{"text", dir(p.title, escape_slack(p.title))},
           {"unfurl_links", false},
           {"blocks",
            json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}}})}});
    case Kind::kTeams:
      return json_post(c.url, {{"@type", "MessageCard"},
                               {"@context", "https://schema.org/extensions"},
                               {"summary", truncate_text(p.title, 100)},
                               {"themeColor", severity_colour(p.severity)},
                               {"text", text}});
    case Kind::kTelegram: {
      HttpRequest r = telegram(c, p);
      json body = json::parse(r.body);
      body["text"] = text;
      r.body = body.dump();
      return r;
    }
    case Kind::kNtfy: {
      HttpRequest r = ntfy(c, n, p);
      r.body = clean_multiline(text);
      return r;
    }
    default:
      break;
  }
  return webhook(c, n);
}

}  // namespace

HttpRequest format_request(const ChannelConfig& channel, const Notice& notice) {
  const Parts p = parts_of(channel, notice);
  if (channel.message_template && channel.kind != Kind::kWebhook &&
      channel.kind != Kind::kMattermost) {
    return templated(channel, notice, p);
  }
  switch (channel.kind) {
    case Kind::kSlack:
      return slack(channel, p);
    case Kind::kMattermost:
      return mattermost(channel, p);
    case Kind::kTeams:
      return teams(channel, p);
    case Kind::kTelegram:
      return telegram(channel, p);
    case Kind::kNtfy:
      return ntfy(channel, notice, p);
    case Kind::kWebhook:
    case Kind::kEmail:
      break;
  }
  return webhook(channel, notice);
}

std::optional<RateLimit> effective_rate_limit(const ChannelConfig& channel) {
  using std::chrono::seconds;
  if (channel.no_rate_limit) return std::nullopt;
  if (channel.rate_limit) return channel.rate_limit;
  switch (channel.kind) {
    case Kind::kSlack:
      return RateLimit{1, seconds(1), 1};
    case Kind::kTelegram:
      return RateLimit{20, seconds(60), 3};
    case Kind::kTeams:
      return RateLimit{4, seconds(1), 4};
    case Kind::kNtfy:
      return RateLimit{1, seconds(5), 60};
    case Kind::kMattermost:
      return RateLimit{10, seconds(1), 10};
    case Kind::kWebhook:
    case Kind::kEmail:
      break;
  }
  return std::nullopt;
}

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto n = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) c = 0xFFFD;
    if (c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029) c = ' ';
    if (is_bidi_control(c) || (c < 0x20) || (c >= 0x7F && c < 0xA0)) continue;
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    append_utf8(out, c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  return out;
}

bool starts_rtl(std::string_view text) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto n = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) continue;
    switch (u_charDirection(c)) {
      case U_RIGHT_TO_LEFT:
      case U_RIGHT_TO_LEFT_ARABIC:
        return true;
      case U_LEFT_TO_RIGHT:
        return false;
      default:
        break;
    }
  }
  return false;
}

std::string directed(std::string_view text) {
  std::string cleaned = clean_text(text);
  return dir(cleaned, cleaned);
}

std::string local_time(std::chrono::sys_seconds t, const std::string& timezone) {
  UErrorCode status = U_ZERO_ERROR;
  icu::SimpleDateFormat format(icu::UnicodeString(u"yyyy-MM-dd HH:mm z"), icu::Locale::getUS(),
                               status);
  if (U_FAILURE(status)) return format_utc(t);
  format.adoptTimeZone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(timezone)));
  icu::UnicodeString out;
  format.format(static_cast<UDate>(t.time_since_epoch().count()) * 1000.0, out);
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

std::string escape_slack(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

std::string escape_markdown(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\`*_[]#|~<>").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string header_value(std::string_view text) {
  bool ascii = true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) ascii = false;
  }
  if (ascii) return std::string(text);
  // RFC 2047 B encoding of the UTF-8 bytes, in words of at most 45 bytes
  // (60 base64 characters) cut at code point boundaries.
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string cleaned = clean_text(text);
  auto b64 = [](std::string_view bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
      const std::uint32_t b0 = static_cast<unsigned char>(bytes[i]);
      const std::uint32_t b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
      const std::uint32_t b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
      const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
      out += kB64[(v >> 18) & 63];
      out += kB64[(v >> 12) & 63];
      out += i + 1 < bytes.size() ? kB64[(v >> 6) & 63] : '=';
      out += i + 2 < bytes.size() ? kB64[v & 63] : '=';
    }
    return out;
  };
  std::string out;
  std::size_t start = 0;
  while (start < cleaned.size()) {
    std::size_t end = std::min(cleaned.size(), start + 45);
    while (end < cleaned.size() && end > start &&
           (static_cast<unsigned char>(cleaned[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + b64(std::string_view(cleaned).substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string safe_url(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"' || c == '<' || c == '>' || c == '|' || c == '\'' ||
        c == '`' || c == '\\' || c == '(' || c == ')') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string truncate_text(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + "…";
  }
  return std::string(text);
}

}  // namespace nw
