// daemon/notify/template.h: Mustache templates (mstch) for alerts and
// digests, the escaping of each output format against hostile titles, and
// the syntax checks mstch itself does not make. Templates are in
// tests/data/notify/.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/notify/template.h"
#include "tests/support/files.h"

namespace nw {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days{std::chrono::year{y} / m / d} + std::chrono::hours{hh} + std::chrono::minutes{mm};
}

Template load(const std::string& name, TemplateFormat format) {
  auto t = load_template(test::fixture_path("notify") / name, format);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

Template inline_template(const std::string& text, TemplateFormat format) {
  auto t = parse_template(text, "inline.mustache", format);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

Alert arabic_alert() {
  auto a = alert_from_json(test::read_fixture_file(test::fixture_path("daemon/alert_full.json")));
  if (!a) throw std::runtime_error(a.error().message);
  a->id = "5f0c9a31b2d4e677";
  return *a;
}

Alert hostile_alert() {
  Alert a;
  a.seq = 9;
  a.id = "0123456789abcdef";
  a.watchlist = "libya";
  a.rule = "haftar";
  a.source = "evil";
  a.url = "javascript:alert(1)";
  a.title = "<script>alert(1)</script> <!channel> & \"q\" <https://evil.example|click>";
  a.fetched = utc(2026, 12, 6, 19, 5);
  a.snippet = "<img src=x onerror=alert(2)>";
  a.matched = {"<b>x</b>"};
  return a;
}

TEST(TemplateFormat, Names) {
  EXPECT_EQ(parse_template_format("html").value(), TemplateFormat::kHtml);
  EXPECT_EQ(parse_template_format("slack-mrkdwn").value(), TemplateFormat::kSlackMrkdwn);
  EXPECT_EQ(parse_template_format(" None ").value(), TemplateFormat::kNone);
  auto bad = parse_template_format("markdown");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("\"html\", \"slack-mrkdwn\" or \"none\""), std::string::npos);
}

TEST(Template, AnArabicAlertAsHtml) {
  const Template t = load("alert.html.mustache", TemplateFormat::kHtml);
  const Alert a = arabic_alert();
  EXPECT_EQ(t.render_alert(a, {.timezone = "Africa/Tripoli"}),
            "<p dir=\"auto\"><a href=\"" + a.url + "\">" + a.title +
                "</a> (alrasifa, 2020-06-03 11:15 (Africa/Tripoli))</p>\n"
                "<p><b>high</b></p>\n"
                "<ul><li><bdi>حفتر</bdi></li><li><bdi>للقاهرة</bdi></li></ul>\n"
                "<p dir=\"auto\">" +
                a.snippet + "</p>\n");
  // No severity: its section is left out.
  Alert quiet = a;
  quiet.severity.clear();
  EXPECT_EQ(t.render_alert(quiet, {}).find("<b>"), std::string::npos);
}

TEST(Template, HtmlEscapesAHostileTitle) {
  const Template t = load("alert.html.mustache", TemplateFormat::kHtml);
  const std::string out = t.render_alert(hostile_alert(), {});
  EXPECT_EQ(out.find("<script"), std::string::npos) << out;
  EXPECT_EQ(out.find("<img"), std::string::npos) << out;
  EXPECT_EQ(out.find("<b>x"), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"\">&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &amp; "
                     "&quot;q&quot; &lt;https://evil.example|click&gt;</a>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos) << out;
  EXPECT_NE(out.find("<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>"), std::string::npos) << out;
}

TEST(Template, SlackMrkdwnEscapesAHostileTitle) {
  const Template t = load("alert.slack.mustache", TemplateFormat::kSlackMrkdwn);
  Alert a = hostile_alert();
  a.url = "https://news.example/a|b>c d";
  const std::string out = t.render_alert(a, {.timezone = "Europe/Paris"});
  EXPECT_EQ(out,
            "*<https://news.example/a%7Cb%3Ec%20d|&lt;script&gt;alert(1)&lt;/script&gt; "
            "&lt;!channel&gt; &amp; \"q\" &lt;https://evil.example|click&gt;>*\n"
            "evil · 2026-12-06 20:05 (Europe/Paris) · libya/haftar\n"
            "> &lt;img src=x onerror=alert(2)&gt;\n");
  // A javascript: URL gives an empty link, never a clickable one.
  EXPECT_EQ(t.render_alert(hostile_alert(), {}).find("javascript"), std::string::npos);
}

TEST(Template, NoneEscapesNothingAndTripleMustacheIsRaw) {
  const Template text = inline_template("{{title}}|{{url}}", TemplateFormat::kNone);
  EXPECT_EQ(text.render_alert(hostile_alert(), {}), hostile_alert().title + "|javascript:alert(1)");
  const Template raw = inline_template("{{{title}}}|{{& source}}", TemplateFormat::kHtml);
  EXPECT_EQ(raw.render_alert(hostile_alert(), {}), hostile_alert().title + "|evil");
}

TEST(Template, ADigest) {
  std::vector<Alert> alerts;
  for (int i = 0; i < 4; ++i) {
    Alert a = arabic_alert();
    a.seq = 10 + i;
    a.id = "id" + std::to_string(i);
    a.source = i == 1 ? "alwasat" : "alrasifa";
    a.story = i < 3 ? "story-a" : "story-b";
    a.title = i < 3 ? "Haftar & Cairo" : "<b>Sarraj</b>";
    a.url = "https://news.example/" + std::to_string(i);
    a.published = utc(2026, 12, 6, 17, i * 10);
    alerts.push_back(a);
  }
  const std::vector<StoryLine> lines = group_by_story(alerts);
  const DigestInfo info{
      .id = "d1", .since = utc(2026, 12, 6, 17, 0), .until = utc(2026, 12, 6, 18, 0)};
  const Template t = load("digest.text.mustache", TemplateFormat::kNone);
  EXPECT_EQ(t.render_digest(lines, info, {.timezone = "Africa/Tripoli"}),
            "2 stories, 4 alerts, 2026-12-06 19:00 (Africa/Tripoli) to 2026-12-06 20:00 "
            "(Africa/Tripoli)\n"
            "1. <b>Sarraj</b> (alrasifa) 2026-12-06 19:30 (Africa/Tripoli)\n"
            "   https://news.example/3\n"
            "2. Haftar & Cairo (alrasifa, 2 outlets) 2026-12-06 19:20 (Africa/Tripoli)\n"
            "   https://news.example/0\n");
  const Template html =
      inline_template("{{#stories}}<li>{{title}}</li>{{/stories}}", TemplateFormat::kHtml);
  EXPECT_EQ(html.render_digest(lines, info, {}),
            "<li>&lt;b&gt;Sarraj&lt;/b&gt;</li><li>Haftar &amp; Cairo</li>");
  EXPECT_EQ(html.render_digest({}, info, {}), "");
}

TEST(Template, SyntaxErrorsNameTheFileAndLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : {
           Case{"a\n{{title", "inline.mustache:2: {{ is never closed by }}"},
           Case{"{{{title}}", "inline.mustache:1: {{{ is never closed by }}}"},
           Case{"x\n\n{{#stories}}\n{{title}}",
                "inline.mustache:3: {{#stories}} is never closed by {{/stories}}"},
           Case{"{{/stories}}", "inline.mustache:1: {{/stories}} closes no section"},
           Case{"{{#stories}}\n{{#more_outlets}}\n{{/stories}}",
                "inline.mustache:3: {{/stories}} closes {{#more_outlets}} of line 2; write "
                "{{/more_outlets}} first"},
           Case{"{{> header}}", "inline.mustache:1: partials ({{> name}}) are not supported"},
           Case{"{{=<% %>=}}", "inline.mustache:1: changing the delimiters"},
           Case{"{{ }}", "inline.mustache:1: an empty tag {{}}"},
           Case{"{{!\n\n}}{{titel}}",
                "inline.mustache:3: unknown name \"titel\" (templates may use title, url,"},
       }) {
    auto t = parse_template(c.text, "inline.mustache", TemplateFormat::kHtml);
    ASSERT_FALSE(t.has_value()) << c.text;
    EXPECT_EQ(t.error().code, Errc::kParse);
    EXPECT_TRUE(t.error().message.starts_with(c.message)) << t.error().message;
  }
  // Comments, inverted sections and "." are fine.
  EXPECT_TRUE(parse_template("{{! note }}{{^severity}}none{{/severity}}"
                             "{{#matched_words}}{{ . }}{{/matched_words}}",
                             "ok", TemplateFormat::kNone)
                  .has_value());

  const auto path = test::fixture_path("notify") / "broken.html.mustache";
  auto broken = load_template(path, TemplateFormat::kHtml);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message,
            path.string() +
                ":4: {{/severity}} closes {{#stories}} of line 2; write {{/stories}} "
                "first");
  auto missing =
      load_template(test::fixture_path("notify") / "missing.mustache", TemplateFormat::kHtml);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::kIo);
  EXPECT_NE(missing.error().message.find("missing.mustache"), std::string::npos);
}

// Formats differ per template, and mstch's escape hook is process-wide: two
// threads rendering an HTML and a Slack template at once each get their own.
TEST(Template, ConcurrentRendersKeepTheirEscaping) {
  const Template html = inline_template("{{title}}", TemplateFormat::kHtml);
  const Template slack = inline_template("{{title}}", TemplateFormat::kSlackMrkdwn);
  Alert a;
  a.title = "\"<x>\"";
  std::atomic<int> wrong = 0;
  {
    std::jthread t1([&] {
      for (int i = 0; i < 300; ++i) wrong += html.render_alert(a, {}) != "&quot;&lt;x&gt;&quot;";
    });
    std::jthread t2([&] {
      for (int i = 0; i < 300; ++i) wrong += slack.render_alert(a, {}) != "\"&lt;x&gt;\"";
    });
  }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace nw
