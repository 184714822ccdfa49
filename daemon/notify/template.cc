#include "daemon/notify/template.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <mstch/mstch.hpp>
#include <mutex>
#include <sstream>
#include <vector>

#include "feeds/text.h"

namespace nw {
namespace {

constexpr std::size_t kMaxTemplateBytes = 1 << 20;

// Every name a template may use, of alerts, digests and their stories.
constexpr std::string_view kNames[] = {
    "title",         "url",         "link",         "source",    "time",
    "published",     "fetched",     "severity",     "snippet",   "matched",
    "matched_words", "story",       "story_size",   "watchlist", "rule",
    "topic",         "id",          "seq",          "tags",      "tag_list",
    "timezone",      "story_count", "alert_count",  "since",     "until",
    "stories",       "outlets",     "more_outlets", "alerts",    "rules",
    "number",        ".",           "first_source"};

// Slack: "&", "<" and ">" are the control characters of mrkdwn
// (https://api.slack.com/reference/surfaces/formatting#escaping).
std::string escape_slack(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::function<std::string(const std::string&)> escaper(TemplateFormat format) {
  switch (format) {
    case TemplateFormat::kHtml:
      return escape_html;
    case TemplateFormat::kSlackMrkdwn:
      return escape_slack;
    case TemplateFormat::kNone:
      break;
  }
  return [](const std::string& s) { return s; };
}

// The URL for href= or <url|text>: only http(s), with the characters that end
// an attribute or a Slack link percent-encoded.
std::string web_link(std::string_view url) {
  url = trim(url);
  const std::string lower = lower_ascii(url);
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) return "";
  std::string out;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || std::strchr("\"'<>|`\\", c) != nullptr) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

mstch::array string_list(const std::vector<std::string>& words) {
  mstch::array list;
  for (const std::string& w : words) list.emplace_back(w);
  return list;
}

// "FILE:LINE: what".
std::unexpected<Error> syntax_error(const std::string& name, int line, const std::string& what) {
  return fail(Errc::kParse, name + ":" + std::to_string(line) + ": " + what);
}

Result<void> check_syntax(const std::string& text, const std::string& name) {
  struct Open {
    std::string name;
    int line;
  };
  std::vector<Open> sections;
  int line = 1;
  std::size_t pos = 0;
  const auto advance = [&](std::size_t to) {
    line += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos),
                                        text.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
    pos = to;
  };
  for (std::size_t open; (open = text.find("{{", pos)) != std::string::npos;) {
    advance(open);
    const bool triple = text.compare(open, 3, "{{{") == 0;
    const std::string_view closer = triple ? "}}}" : "}}";
    const std::size_t inner_start = open + (triple ? 3 : 2);
    const std::size_t close = text.find(closer, inner_start);
    if (close == std::string::npos) {
      return syntax_error(
          name, line,
          std::string(triple ? "{{{" : "{{") + " is never closed by " + std::string(closer));
    }
    std::string_view inner(text.data() + inner_start, close - inner_start);
    const int tag_line = line;
    advance(close + closer.size());
    char sigil = triple ? '&' : ' ';
    if (!triple && !inner.empty() && inner.front() != '\0' &&
        std::strchr("#^/!>=&", inner.front()) != nullptr) {
      sigil = inner.front();
      inner.remove_prefix(1);
    }
    if (sigil == '!') continue;  // a comment
    if (sigil == '>') {
      return syntax_error(name, tag_line, "partials ({{> name}}) are not supported");
    }
    if (sigil == '=') {
      return syntax_error(name, tag_line,
                          "changing the delimiters ({{=<% %>=}}) is not supported; keep {{ }}");
    }
    const std::string tag(trim(inner));
    if (tag.empty()) return syntax_error(name, tag_line, "an empty tag {{}}");
    if (std::find(std::begin(kNames), std::end(kNames), tag) == std::end(kNames)) {
      std::string known;
      for (std::string_view n : kNames) {
        if (n == ".") continue;
        if (!known.empty()) known += ", ";
        known += n;
      }
      return syntax_error(name, tag_line,
                          "unknown name \"" + tag + "\" (templates may use " + known + ")");
    }
    if (sigil == '#' || sigil == '^') {
      sections.push_back({tag, tag_line});
    } else if (sigil == '/') {
      if (sections.empty()) {
        return syntax_error(name, tag_line, "{{/" + tag + "}} closes no section");
      }
      if (sections.back().name != tag) {
        return syntax_error(name, tag_line,
                            "{{/" + tag + "}} closes {{#" + sections.back().name + "}} of line " +
                                std::to_string(sections.back().line) + "; write {{/" +
                                sections.back().name + "}} first");
      }
      sections.pop_back();
    }
  }
  if (!sections.empty()) {
    return syntax_error(
        name, sections.back().line,
        "{{#" + sections.back().name + "}} is never closed by {{/" + sections.back().name + "}}");
  }
  return {};
}

std::mutex& render_mutex() {
  static std::mutex m;
  return m;
}

std::string render(const std::string& text, const mstch::map& context, TemplateFormat format) {
  std::lock_guard lock(render_mutex());
  mstch::config::escape = escaper(format);
  return mstch::render(text, context);
}

}  // namespace

Result<TemplateFormat> parse_template_format(std::string_view name) {
  const std::string n = lower_ascii(trim(name));
  if (n == "html") return TemplateFormat::kHtml;
  if (n == "slack-mrkdwn" || n == "mrkdwn") return TemplateFormat::kSlackMrkdwn;
  if (n == "none" || n == "text") return TemplateFormat::kNone;
  return fail(Errc::kInvalid, "template format \"" + std::string(name) +
                                  "\": write \"html\", \"slack-mrkdwn\" or \"none\"");
}

Result<Template> parse_template(std::string text, std::string name, TemplateFormat format) {
  if (text.size() > kMaxTemplateBytes) {
    return fail(Errc::kTooLarge, name + ": a template of more than 1 MiB");
  }
  if (auto ok = check_syntax(text, name); !ok) return std::unexpected(ok.error());
  return Template(std::move(text), std::move(name), format);
}

Result<Template> load_template(const std::filesystem::path& path, TemplateFormat format) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(Errc::kIo, path.string() + ": cannot read the template: " + ec.message());
  if (size > kMaxTemplateBytes) {
    return fail(Errc::kTooLarge, path.string() + ": a template of more than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) {
    return fail(Errc::kIo, path.string() + ": cannot read the template: " + std::strerror(errno));
  }
  return parse_template(s.str(), path.string(), format);
}

std::string Template::render_alert(const Alert& a, const RenderOptions& render_options) const {
  const std::string& zone = render_options.timezone;
  mstch::map context{
      {"title", collapse_whitespace(a.title)},
      {"url", a.url},
      {"link", web_link(a.url)},
      {"source", a.source},
      {"time", format_local(alert_time(a), zone)},
      {"published", a.published ? format_local(*a.published, zone) : std::string()},
      {"fetched", format_local(a.fetched, zone)},
      {"severity", a.severity},
      {"snippet", collapse_whitespace(a.snippet)},
      {"matched", join(a.matched)},
      {"matched_words", string_list(a.matched)},
      {"story", a.story},
      {"story_size", a.story_size > 0 ? std::to_string(a.story_size) : std::string()},
      {"watchlist", a.watchlist},
      {"rule", a.rule},
      {"topic", a.topic()},
      {"id", a.id},
      {"seq", std::to_string(a.seq)},
      {"tags", join(a.tags)},
      {"tag_list", string_list(a.tags)},
      {"timezone", zone},
  };
  return render(text_, context, format_);
}

std::string Template::render_digest(std::span<const StoryLine> lines, const DigestInfo& info,
                                    const RenderOptions& render_options) const {
  const std::string& zone = render_options.timezone;
  mstch::array stories;
  std::size_t alerts = 0;
  std::size_t number = 0;
  for (const StoryLine& line : lines) {
    alerts += line.alerts;
    stories.emplace_back(mstch::map{
        {"title", collapse_whitespace(line.title)},
        {"url", line.url},
        {"link", web_link(line.url)},
        {"source", line.first_source},
        {"first_source", line.first_source},
        {"outlets", std::to_string(line.outlets)},
        {"more_outlets", line.outlets > 1},
        {"alerts", std::to_string(line.alerts)},
        {"time", format_local(line.newest, zone)},
        {"story", line.story},
        {"story_size", line.story_size > 0 ? std::to_string(line.story_size) : std::string()},
        {"rules", join(line.rules)},
        {"severity", join(line.severities)},
        {"matched", join(line.matched)},
        {"number", std::to_string(++number)},
    });
  }
  mstch::map context{
      {"story_count", std::to_string(lines.size())},
      {"alert_count", std::to_string(alerts)},
      {"since", info.since ? format_local(*info.since, zone) : std::string()},
      {"until", format_local(info.until, zone)},
      {"id", info.id},
      {"timezone", zone},
      {"stories", std::move(stories)},
  };
  return render(text_, context, format_);
}

}  // namespace nw
