// The text and HTML bodies of alert and digest mails (declared in mail.h).
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <string>

#include "daemon/notify/mail.h"
#include "feeds/text.h"

namespace nw {
namespace {

constexpr std::string_view kRlm = "\u200F";  // RIGHT-TO-LEFT MARK
constexpr std::string_view kLrm = "\u200E";  // LEFT-TO-RIGHT MARK

struct Direction {
  std::size_t rtl = 0;  // strong right-to-left characters (Hebrew, Arabic...)
  std::size_t ltr = 0;  // strong left-to-right characters
  bool first_rtl = false;
};

Direction direction_of(std::string_view s) {
  Direction d;
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  int32_t i = 0;
  bool seen = false;
  while (i < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) continue;
    const UCharDirection dir = u_charDirection(c);
    const bool rtl = dir == U_RIGHT_TO_LEFT || dir == U_RIGHT_TO_LEFT_ARABIC;
    const bool ltr = dir == U_LEFT_TO_RIGHT;
    if (!rtl && !ltr) continue;
    if (!seen) d.first_rtl = rtl;
    seen = true;
    ++(rtl ? d.rtl : d.ltr);
  }
  return d;
}

// A line of its own for outside text: it starts with RLM when mostly
// right-to-left, with LRM when mostly left-to-right but it starts with a
// right-to-left word (so the paragraph goes the way of most of its text).
std::string text_line(std::string_view s) {
  const Direction d = direction_of(s);
  if (d.rtl > d.ltr) return std::string(kRlm) + std::string(s);
  if (d.first_rtl) return std::string(kLrm) + std::string(s);
  return std::string(s);
}

// A value after an English label on one line: right-to-left values between
// two RLMs, so neutral characters at its ends stay with it.
std::string text_value(std::string_view s) {
  const Direction d = direction_of(s);
  if (d.rtl == 0) return std::string(s);
  return std::string(kRlm) + std::string(s) + std::string(kRlm);
}

// Only http: and https: URLs become links; javascript:, data:, mailto: and
// anything else are shown as text.
bool is_web_url(std::string_view url) {
  const std::string lower = lower_ascii(trim(url));
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20; });
}

// The title as an HTML link to `url` when that is a web URL, else as text.
std::string html_title(std::string_view title, std::string_view url) {
  if (!is_web_url(url)) return escape_html(title);
  return "<a href=\"" + escape_html(trim(url)) + "\">" + escape_html(title) + "</a>";
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

std::string html_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ", ";
    out += "<bdi>" + escape_html(w) + "</bdi>";
  }
  return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string html_page(std::string_view title, std::string_view body) {
  return "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width\">\n<title>" +
         escape_html(title) +
         "</title>\n</head>\n<body style=\"font-family:sans-serif;line-height:1.4\">\n" +
         std::string(body) + "</body>\n</html>\n";
}

std::string html_row(std::string_view label, std::string_view value_html) {
  return "<tr><th style=\"text-align:start;padding-inline-end:1em;vertical-align:top\">" +
         std::string(label) + "</th><td dir=\"auto\">" + std::string(value_html) + "</td></tr>\n";
}

std::string headline(const Alert& a) {
  const std::string title = collapse_whitespace(a.title);
  return title.empty() ? a.url : title;
}

std::string headline(const StoryLine& line) {
  const std::string title = collapse_whitespace(line.title);
  return title.empty() ? line.url : title;
}

}  // namespace

MailContent alert_mail(const Alert& a, const RenderOptions& render) {
  const std::string title = headline(a);
  const std::string time = format_local(alert_time(a), render.timezone);
  const std::string snippet = collapse_whitespace(a.snippet);
  const std::string tag = a.severity.empty() ? a.topic() : a.severity + " " + a.topic();

  MailContent mail;
  mail.message_id = a.id.empty() ? "alert-" + std::to_string(a.seq) : a.id;
  mail.subject = "[" + tag + "] " + title;

  std::string& t = mail.text;
  t += text_line(title) + "\n";
  t += a.url + "\n\n";
  t += "Source: " + text_value(a.source) + "\n";
  t += std::string(a.published ? "Published: " : "Fetched: ") + time + "\n";
  if (!a.severity.empty()) t += "Severity: " + text_value(a.severity) + "\n";
  t += "Rule: " + text_value(a.topic()) + "\n";
  if (!a.matched.empty()) t += "Matched: " + text_value(join(a.matched, ", ")) + "\n";
  if (a.story_size > 1) t += "Story: " + plural(a.story_size, "article", "articles") + " so far\n";
  if (!snippet.empty()) t += "\n" + text_line(snippet) + "\n";
  t += "\n-- \nnewswatch alert " + a.id + "\n";

  std::string body;
  body += "<div dir=\"auto\">\n";
  body += "<h2 dir=\"auto\" style=\"margin:0 0 .4em;font-size:1.25em\">" +
          html_title(title, a.url) + "</h2>\n";
  if (!snippet.empty()) body += "<p dir=\"auto\">" + escape_html(snippet) + "</p>\n";
  body += "<table style=\"border-collapse:collapse\">\n";
  body += html_row("Source", escape_html(a.source));
  body += html_row(a.published ? "Published" : "Fetched", escape_html(time));
  if (!a.severity.empty()) body += html_row("Severity", escape_html(a.severity));
  body += html_row("Rule", escape_html(a.topic()));
  if (!a.matched.empty()) body += html_row("Matched", html_words(a.matched));
  if (a.story_size > 1) {
    body += html_row("Story", escape_html(plural(a.story_size, "article", "articles")) + " so far");
  }
  body += html_row("URL", escape_html(a.url));
  body += "</table>\n</div>\n";
  body += "<p style=\"color:#777;font-size:small\">newswatch alert " + escape_html(a.id) + "</p>\n";
  mail.html = html_page(mail.subject, body);
  return mail;
}

MailContent digest_mail(std::span<const StoryLine> lines, const DigestInfo& info,
                        const RenderOptions& render) {
  std::size_t alerts = 0;
  for (const StoryLine& line : lines) alerts += line.alerts;
  MailContent mail;
  mail.message_id = info.id;
  mail.subject = "[newswatch digest] " + plural(lines.size(), "story", "stories") + ", " +
                 plural(alerts, "alert", "alerts");
  std::string period;
  if (info.since) {
    period = format_local(*info.since, render.timezone) + " to " +
             format_local(info.until, render.timezone);
  } else {
    period = "until " + format_local(info.until, render.timezone);
  }

  std::string& t = mail.text;
  t += "newswatch digest: " + plural(lines.size(), "story", "stories") + ", " +
       plural(alerts, "alert", "alerts") + "\n" + period + "\n";
  std::string items;
  std::size_t n = 0;
  for (const StoryLine& line : lines) {
    ++n;
    const std::string title = headline(line);
    std::string facts = text_value(line.first_source);
    if (line.outlets > 1) facts += " (" + plural(line.outlets, "outlet", "outlets") + ")";
    facts += " · " + plural(line.alerts, "alert", "alerts") + " · " +
             format_local(line.newest, render.timezone);
    if (!line.severities.empty()) facts += " · " + text_value(join(line.severities, ", "));
    t += "\n" + std::to_string(n) + ". " + text_line(title) + "\n";
    t += "   " + facts + "\n";
    t += "   " + text_value(join(line.rules, ", "));
    if (!line.matched.empty()) t += " · matched: " + text_value(join(line.matched, ", "));
    t += "\n   " + line.url + "\n";

    std::string html_facts = escape_html(line.first_source);
    if (line.outlets > 1) {
      html_facts += " (" + escape_html(plural(line.outlets, "outlet", "outlets")) + ")";
    }
    html_facts += " · " + escape_html(plural(line.alerts, "alert", "alerts")) + " · " +
                  escape_html(format_local(line.newest, render.timezone));
    if (!line.severities.empty()) html_facts += " · " + html_words(line.severities);
    html_facts += "<br>" + html_words(line.rules);
    if (!line.matched.empty()) html_facts += " · matched: " + html_words(line.matched);
    items += "<li dir=\"auto\" style=\"margin-bottom:.8em\"><strong dir=\"auto\">" +
             html_title(title, line.url) + "</strong><br>\n<small>" + html_facts +
             "</small></li>\n";
  }
  t += "\n-- \nnewswatch digest " + info.id + "\n";

  std::string body = "<div dir=\"auto\">\n<h2 style=\"font-size:1.25em\">" +
                     escape_html("newswatch digest: " + plural(lines.size(), "story", "stories") +
                                 ", " + plural(alerts, "alert", "alerts")) +
                     "</h2>\n<p>" + escape_html(period) + "</p>\n<ol>\n" + items +
                     "</ol>\n</div>\n";
  mail.html = html_page(mail.subject, body);
  return mail;
}

}  // namespace nw
