// Each service's message (daemon/notify/formats.h) for a hostile alert: markup
// in titles stays text, bidi controls go, Arabic is marked right to left,
// headers never carry CR/LF or raw non-ASCII; and the parts a person reads are
// all there.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/notify/formats.h"

namespace nw {
namespace {

using Kind = ChannelConfig::Kind;
using nlohmann::json;

const std::string kRlm = "\u200F";

Alert hostile() {
  Alert a{.seq = 42, .watchlist = "libya", .rule = "haftar"};
  a.id = "5f0c1d2e3f405162";
  a.source = "alrasifa";
  a.url = "https://news.example/a?b=1&c=<2>|x";
  a.title = "<!channel> & <b>bold</b> \u202Egnp.exe\r\nInjected: header";
  a.snippet = "*not bold* [link](https://evil.example) @all";
  a.matched = {"Haftar", "Cairo"};
  a.severity = "high";
  a.tags = {"security"};
  a.story = "9b1c";
  a.story_size = 3;
  a.fetched = std::chrono::sys_seconds(std::chrono::seconds(1591175700));  // 2020-06-03 09:15Z
  return a;
}

Alert arabic() {
  Alert a = hostile();
  a.title = "حفتر يصل إلى القاهرة؟";
  a.snippet = "وصل المشير خليفة حفتر إلى القاهرة";
  a.matched = {"حفتر", "للقاهرة"};
  return a;
}

ChannelConfig channel(Kind kind) {
  ChannelConfig c;
  c.id = "desk";
  c.kind = kind;
  c.url = "https://hooks.example/T0/B0/x";
  c.timezone = "Europe/Berlin";
  if (kind == Kind::kTelegram) {
    c.url = "https://api.telegram.example/";
    c.token = "123:abc";
    c.chat_id = "-1001";
  }
  return c;
}

HttpRequest request(Kind kind, const Alert& a) {
  return format_request(channel(kind), Notice{a, to_json(a), {}});
}

bool has_header(const HttpRequest& r, std::string_view h) {
  for (const auto& x : r.headers) {
    if (x == h) return true;
  }
  return false;
}

TEST(NotifyText, CleanTextDropsBidiControlsAndControlCharacters) {
  EXPECT_EQ(clean_text("a\u202Eb\u2066c\u200Fd\u061Ce"), "abcde");
  EXPECT_EQ(clean_text("line\r\nbreak\tand\x01 more  spaces "), "line break and more spaces");
  EXPECT_EQ(clean_text("bad \xff byte"), "bad \uFFFD byte");
}

TEST(NotifyText, DirectionComesFromTheFirstStrongCharacter) {
  EXPECT_TRUE(starts_rtl("«حفتر» in Cairo"));
  EXPECT_FALSE(starts_rtl("Haftar: حفتر"));
  EXPECT_FALSE(starts_rtl("2020"));
  EXPECT_EQ(directed("حفتر؟"), kRlm + "حفتر؟" + kRlm);
  EXPECT_EQ(directed("Haftar?"), "Haftar?");
}

TEST(NotifyText, LocalTimeIsInTheChannelsZone) {
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(1591175700));
  EXPECT_EQ(local_time(t, "UTC"), "2020-06-03 09:15 UTC");
  EXPECT_EQ(local_time(t, "Europe/Berlin"), "2020-06-03 11:15 GMT+2");
  EXPECT_EQ(local_time(t, "Africa/Tripoli"), "2020-06-03 11:15 GMT+2");
}

TEST(NotifyText, HeaderValuesAreAsciiOrRfc2047) {
  EXPECT_EQ(header_value("plain"), "plain");
  EXPECT_EQ(header_value("é"), "=?UTF-8?B?w6k=?=");
  const std::string long_arabic = header_value(std::string(40, 'a') + "حفتر يصل إلى القاهرة");
  for (char c : long_arabic) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << long_arabic;
  }
  EXPECT_EQ(header_value("a\r\nX-Evil: 1").find('\n'), std::string::npos);
  EXPECT_EQ(truncate_text("حفتر", 2), "حف…");
}

TEST(NotifyFormat, SlackEscapesMrkdwnAndLinksTheTitle) {
  const HttpRequest r = request(Kind::kSlack, hostile());
  EXPECT_EQ(r.url, "https://hooks.example/T0/B0/x");
  const json body = json::parse(r.body);
  const std::string text = body["blocks"][0]["text"]["text"];
  EXPECT_EQ(body["blocks"][0]["text"]["type"], "mrkdwn");
  EXPECT_EQ(text.find("<!channel>"), std::string::npos);
  EXPECT_NE(text.find("&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt; gnp.exe Injected: header"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("*<https://news.example/a?b=1&amp;c=%3C2%3E%7Cx|"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("\u202E"), std::string::npos);
  EXPECT_NE(text.find("alrasifa · 2020-06-03 11:15 GMT+2 · high · story of 3 articles"),
            std::string::npos);
  EXPECT_NE(text.find("matched: Haftar, Cairo"), std::string::npos);
}

TEST(NotifyFormat, MattermostEscapesMarkdownAndDefusesMentions) {
  const json body = json::parse(request(Kind::kMattermost, hostile()).body);
  const std::string text = body["text"];
  EXPECT_NE(text.find("\\*not bold\\* \\[link\\](https://evil.example) @\u200Ball"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.rfind("**[\\<!channel\\> & \\<b\\>bold\\</b\\> gnp.exe", 0), 0u) << text;
}

TEST(NotifyFormat, TeamsSendsAMessageCardWithAnOpenUriAction) {
  const json body = json::parse(request(Kind::kTeams, hostile()).body);
  EXPECT_EQ(body["@type"], "MessageCard");
  EXPECT_EQ(body["@context"], "https://schema.org/extensions");
  EXPECT_EQ(body["themeColor"], "F57C00");
  const json& s = body["sections"][0];
  const std::string title = s["activityTitle"];
  EXPECT_EQ(title.find("<b>"), std::string::npos);
  EXPECT_NE(title.find("&lt;b&gt;"), std::string::npos) << title;
  EXPECT_EQ(body["potentialAction"][0]["@type"], "OpenUri");
  EXPECT_EQ(body["potentialAction"][0]["targets"][0]["uri"],
            "https://news.example/a?b=1&c=%3C2%3E%7Cx");
  EXPECT_EQ(s["facts"][0]["name"], "Severity");
}

TEST(NotifyFormat, TelegramUsesSendMessageInHtmlParseMode) {
  const HttpRequest r = request(Kind::kTelegram, hostile());
  EXPECT_EQ(r.url, "https://api.telegram.example/bot123:abc/sendMessage");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["chat_id"], "-1001");
  EXPECT_EQ(body["parse_mode"], "HTML");
  const std::string text = body["text"];
  EXPECT_EQ(text.rfind("<b><a href=\"https://news.example/a?b=1&amp;c=%3C2%3E%7Cx\">", 0), 0u)
      << text;
  EXPECT_NE(text.find("&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(text.find("<blockquote>*not bold*"), std::string::npos);
}

TEST(NotifyFormat, NtfyPutsTheTitleInAnEncodedHeaderAndTheRestInTheBody) {
  const HttpRequest r = request(Kind::kNtfy, arabic());
  for (const std::string& h : r.headers) {
    for (char c : h) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << h;
  }
  EXPECT_TRUE(has_header(r, "Priority: 4"));
  EXPECT_TRUE(has_header(r, "Click: https://news.example/a?b=1&c=%3C2%3E%7Cx"));
  EXPECT_TRUE(has_header(r, "Tags: newspaper,security"));
  bool title = false;
  for (const std::string& h : r.headers) title = title || h.rfind("Title: =?UTF-8?B?", 0) == 0;
  EXPECT_TRUE(title);
  EXPECT_NE(r.body.find("matched: " + kRlm + "حفتر, للقاهرة" + kRlm), std::string::npos) << r.body;
  const HttpRequest plain = request(Kind::kNtfy, hostile());
  for (const std::string& h : plain.headers) EXPECT_NE(h.rfind("Injected", 0), 0u) << h;
}

TEST(NotifyFormat, ArabicFieldsAreMarkedRightToLeftInEveryChatFormat) {
  for (Kind k : {Kind::kSlack, Kind::kMattermost, Kind::kTelegram, Kind::kTeams}) {
    const std::string body = request(k, arabic()).body;
    const std::string text = json::parse(body).dump(-1, ' ', false);
    EXPECT_NE(text.find(kRlm + "حفتر يصل إلى القاهرة؟"), std::string::npos)
        << kind_name(k) << ": " << text;
  }
}

TEST(NotifyFormat, AWebhookPostsTheAlertAsPublishedWithItsIdAsIdempotencyKey) {
  const Alert a = hostile();
  const std::string published = to_json(a);
  const HttpRequest r = format_request(channel(Kind::kWebhook), Notice{a, published, {}});
  EXPECT_EQ(r.body, published);
  EXPECT_TRUE(has_header(r, "Idempotency-Key: 5f0c1d2e3f405162"));
  EXPECT_TRUE(has_header(r, "Content-Type: application/json; charset=utf-8"));
}

TEST(NotifyFormat, FoldedOutletsAreNamed) {
  Alert a = hostile();
  Alert b = a, c = a;
  b.source = "libyaobserver";
  c.source = "alwasat";
  const HttpRequest r = format_request(channel(Kind::kSlack), Notice{a, to_json(a), {b, c}});
  EXPECT_NE(r.body.find("… and 2 more outlets: libyaobserver, alwasat"), std::string::npos);
}

TEST(NotifyFormat, ATemplateMakesTheTextEscapedForTheChannelsMarkup) {
  ChannelConfig slack = channel(Kind::kSlack);
  auto t = parse_template("*<{{link}}|{{title}}>* · {{source}}", "t.mustache",
                          TemplateFormat::kSlackMrkdwn);
  ASSERT_TRUE(t) << t.error().message;
  slack.message_template = *t;
  const json body = json::parse(format_request(slack, Notice{hostile(), "", {}}).body);
  const std::string text = body["blocks"][0]["text"]["text"];
  EXPECT_EQ(text.find("<!channel>"), std::string::npos) << text;
  EXPECT_NE(text.find("&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"), std::string::npos) << text;
  EXPECT_NE(text.find("· alrasifa"), std::string::npos);

  ChannelConfig tg = channel(Kind::kTelegram);
  auto h = parse_template("<b>{{title}}</b> {{time}}", "t.mustache", TemplateFormat::kHtml);
  ASSERT_TRUE(h) << h.error().message;
  tg.message_template = *h;
  const json tbody = json::parse(format_request(tg, Notice{hostile(), "", {}}).body);
  EXPECT_EQ(tbody["parse_mode"], "HTML");
  EXPECT_EQ(tbody["text"].get<std::string>().rfind("<b>&lt;!channel&gt; &amp; &lt;b&gt;", 0), 0u)
      << tbody["text"];
}

TEST(NotifyFormat, DefaultRateLimitsFollowTheServices) {
  EXPECT_EQ(effective_rate_limit(channel(Kind::kSlack))->per, std::chrono::seconds(1));
  EXPECT_EQ(effective_rate_limit(channel(Kind::kTelegram))->count, 20u);
  EXPECT_EQ(effective_rate_limit(channel(Kind::kTelegram))->per, std::chrono::seconds(60));
  EXPECT_FALSE(effective_rate_limit(channel(Kind::kWebhook)));
  ChannelConfig none = channel(Kind::kSlack);
  none.no_rate_limit = true;
  EXPECT_FALSE(effective_rate_limit(none));
}

}  // namespace
}  // namespace nw
