// Optional per-channel templates of `newswatch notify` (`template_file`):
// Mustache (https://mustache.github.io/mustache.5.html) rendered by mstch
// (Debian's libmstch-dev). A template is written for one output format, and
// `{{x}}` escapes x for that format; `{{{x}}}` and `{{& x}}` insert it as it is
// (for values you trust: numbers, times; never titles or snippets):
//
//   html          & < > " ' as entities (an HTML mail part, Teams HTML)
//   slack-mrkdwn  & < > as &amp; &lt; &gt; (Slack's escaping; so a title
//                 cannot make a <link|text>, @channel or <!here> mention)
//   none          nothing escaped (plain text: mail text part, ntfy, Telegram
//                 without parse_mode)
//
// Variables of an alert (render_alert):
//   {{title}} {{url}} {{link}} {{source}} {{time}} {{published}} {{fetched}}
//   {{severity}} {{snippet}} {{matched}} {{#matched_words}}{{.}}{{/matched_words}}
//   {{story}} {{story_size}} {{watchlist}} {{rule}} {{topic}} {{id}} {{seq}}
//   {{tags}} {{#tag_list}}{{.}}{{/tag_list}} {{timezone}}
// `url` is the article URL as given; `link` the same only when it is http(s)
// (empty for javascript:, data: ...; spaces, quotes, <, >, | percent-encoded),
// so write href="{{link}}" or <{{link}}|{{title}}>. Times are
// "2026-12-06 21:05 (Africa/Tripoli)" in the channel's time zone; `time` is
// `published`, or `fetched` for an article without a date. `matched` and
// `tags` are joined by ", ". Empty values are false in {{#x}}…{{/x}}, so
// {{#severity}}[{{severity}}] {{/severity}} shows only a set severity.
//
// Variables of a digest (render_digest):
//   {{story_count}} {{alert_count}} {{since}} {{until}} {{id}} {{timezone}}
//   {{#stories}} … {{/stories}}, newest first, each with:
//     {{title}} {{url}} {{link}} {{source}} or {{first_source}} (the first
//     outlet) {{outlets}}
//     {{#more_outlets}}…{{/more_outlets}} (true for 2 or more) {{alerts}}
//     {{time}} (its newest alert) {{story}} {{story_size}} {{rules}}
//     {{severity}} {{matched}} (each joined by ", ") {{number}} (1, 2, ...)
//
// load_template() checks what mstch would silently accept: every {{ closed,
// sections ({{#x}} {{^x}}) closed by their {{/x}} in order, and only the names
// above (a typo would render as nothing). Partials ({{> x}}) and changing
// delimiters ({{=<% %>=}}) are refused. Errors name the file and line.
//
// A Template is immutable: render from any thread (mstch's escape hook is a
// process-wide setting, so renders are serialized by a mutex in template.cc;
// nothing else in newswatch uses mstch).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "daemon/alert.h"
#include "daemon/notify/digest.h"
#include "daemon/notify/local_time.h"
#include "feeds/error.h"

namespace nw {

enum class TemplateFormat { kHtml, kSlackMrkdwn, kNone };

// "html", "slack-mrkdwn" or "none"; the error lists them.
[[nodiscard]] Result<TemplateFormat> parse_template_format(std::string_view name);

class Template {
 public:
  std::string render_alert(const Alert& alert, const RenderOptions& render) const;
  std::string render_digest(std::span<const StoryLine> lines, const DigestInfo& info,
                            const RenderOptions& render) const;
  const std::string& name() const { return name_; }
  TemplateFormat format() const { return format_; }

 private:
  friend Result<Template> parse_template(std::string text, std::string name, TemplateFormat format);
  Template(std::string text, std::string name, TemplateFormat format)
      : text_(std::move(text)), name_(std::move(name)), format_(format) {}
  std::string text_;
  std::string name_;
  TemplateFormat format_;
};

// Reads and checks `path` (UTF-8 text, at most 1 MiB).
[[nodiscard]] Result<Template> load_template(const std::filesystem::path& path,
                                             TemplateFormat format);
// The same for a template in memory; `name` stands for the file in errors.
[[nodiscard]] Result<Template> parse_template(std::string text, std::string name,
                                              TemplateFormat format);

}  // namespace nw
