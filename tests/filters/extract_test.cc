#include "filters/extract.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/charset.h"
#include "feeds/date.h"
#include "tests/support/files.h"

namespace nw {
namespace {

std::string data(const std::string& name) { return std::string(NW_TEST_DATA) + "/extract/" + name; }

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Word-4-gram shingle F1 between the extracted text and the hand-written truth.
double shingle_f1(std::string_view got, std::string_view want) {
  auto shingles = [](std::string_view t) {
    const std::vector<std::string> w = words(t);
    std::multiset<std::string> s;
    for (std::size_t i = 0; i + 4 <= w.size(); ++i) {
      s.insert(w[i] + ' ' + w[i + 1] + ' ' + w[i + 2] + ' ' + w[i + 3]);
    }
    return s;
  };
  const auto g = shingles(got), w = shingles(want);
  if (g.empty() || w.empty()) return 0.0;
  std::multiset<std::string> common;
  std::set_intersection(g.begin(), g.end(), w.begin(), w.end(),
                        std::inserter(common, common.begin()));
  const double p = static_cast<double>(common.size()) / g.size();
  const double r = static_cast<double>(common.size()) / w.size();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Phrases of page furniture that the fixtures contain outside the body.
const char* const kBoilerplate[] = {"اترك تعليق",
                                    "مقالات ذات صلة",
                                    "اقرأ أيضا",
                                    "اقرأ أيضاً",
                                    "الأكثر قراءة",
                                    "آخر الأخبار",
                                    "ملفات تعريف الارتباط",
                                    "الوسوم",
                                    "شارك",
                                    "مشاهدة",
                                    "صورة أرشيفية",
                                    "تعليقات القراء",
                                    "عدد القراءات",
                                    "جميع الحقوق محفوظة",
                                    "النشرة البريدية",
                                    "لن يتم نشر",
                                    "شروط التعليق",
                                    "العودة للأعلى",
                                    "إعلان",
                                    "طباعة",
                                    "الرئيسية",
                                    "أخبار ذات صلة",
                                    "قبول الكل",
                                    "بقلم",
                                    "أرسل لصديق",
                                    "استطلاع",
                                    "Leave a Reply",
                                    "Related",
                                    "Most popular",
                                    "cookies",
                                    "Advertisement",
                                    "Read more",
                                    "Share",
                                    "Join the conversation",
                                    "Back to top",
                                    "Photo",
                                    "Subscribe",
                                    "Sign up",
                                    "All rights reserved",
                                    "Topics",
                                    "correspondent",
                                    "Show more",
                                    "GMT",
                                    "Photograph"};

// Watchlist words put inside the furniture: a leak changes their count.
const char* const kWatchWords[] = {"حفتر",   "القاهرة", "تركيا",  "مرتزقة",
                                   "Haftar", "Cairo",   "Turkey", "mercenaries"};

class FixtureTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string name = GetParam();
    std::string bytes = test::read_fixture_file(data(name + ".html"));
    const Decoded decoded = decode_to_utf8(bytes, "", DocType::kHtml);
    if (name.find("cp1256") != std::string::npos) {
      ASSERT_EQ(decoded.encoding, "windows-1256");
    }
    html_ = decoded.text;
    truth_ = trim_newline(test::read_fixture_file(data(name + ".txt")));
    meta_ = nlohmann::json::parse(test::read_fixture_file(data(name + ".meta.json")));
    article_ = extract_article(html_, {.base_url = meta_["base_url"].get<std::string>()});
  }
  std::string html_, truth_;
  nlohmann::json meta_;
  Article article_;
};

TEST_P(FixtureTest, Title) {
  EXPECT_EQ(article_.title, meta_["title"].get<std::string>());
  EXPECT_FALSE(article_.text.starts_with(article_.title)) << "title repeated at start of text";
}

TEST_P(FixtureTest, Metadata) {
  if (meta_["published"].is_null()) {
    EXPECT_FALSE(article_.published.has_value());
  } else {
    ASSERT_TRUE(article_.published.has_value());
    EXPECT_EQ(format_iso8601(*article_.published), meta_["published"].get<std::string>());
  }
  EXPECT_EQ(article_.language, meta_["language"].get<std::string>());
  EXPECT_EQ(article_.url, meta_["url"].get<std::string>());
  EXPECT_EQ(article_.author, meta_["author"].get<std::string>());
  EXPECT_EQ(article_.image, meta_["image"].get<std::string>());
  EXPECT_TRUE(article_.reason.empty()) << article_.reason;
}

TEST_P(FixtureTest, BodyMatchesTruth) {
  const double f1 = shingle_f1(article_.text, truth_);
  EXPECT_GE(f1, 0.9) << "extracted:\n" << article_.text;
}

TEST_P(FixtureTest, NoBoilerplateLeaks) {
  for (const char* phrase : kBoilerplate) {
    EXPECT_EQ(count(article_.text, phrase), count(truth_, phrase)) << phrase;
  }
  for (const char* word : kWatchWords) {
    EXPECT_EQ(count(article_.text, word), count(truth_, word)) << "watch word " << word;
  }
}

TEST_P(FixtureTest, TextShape) {
  EXPECT_EQ(article_.text.find("\n\n"), std::string::npos);
  EXPECT_FALSE(article_.text.starts_with('\n'));
  EXPECT_FALSE(article_.text.ends_with('\n'));
  EXPECT_EQ(article_.text.find("  "), std::string::npos);
  EXPECT_EQ(article_.text.find('\t'), std::string::npos);
}

// Without the structural hints (<article>, itemprop=articleBody) the scorer
// must still find the body: the same page as an anonymous <div> soup.
TEST_P(FixtureTest, BodyFoundWithoutSemanticHints) {
  std::string soup = html_;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"<article", "<div"}, {"</article>", "</div>"}, {"itemprop=\"articleBody\"", ""}}) {
    for (auto at = soup.find(from); at != std::string::npos; at = soup.find(from, at + to.size())) {
      soup.replace(at, from.size(), to);
    }
  }
  const Article a = extract_article(soup, {.base_url = meta_["base_url"].get<std::string>()});
  EXPECT_GE(shingle_f1(a.text, truth_), 0.85) << "extracted:\n" << a.text;
  for (const char* word : kWatchWords) {
    EXPECT_LE(count(a.text, word), count(truth_, word) + 1) << "watch word " << word;
  }
}

// Broken copies of real pages: truncated anywhere, bytes flipped. No crash,
// valid shape, and the text never grows beyond the page's own text.
TEST_P(FixtureTest, SurvivesMutation) {
  std::mt19937 rng(42);
  for (int round = 0; round < 60; ++round) {
    std::string page = html_.substr(0, rng() % (html_.size() + 1));
    for (int k = 0; k < 20 && !page.empty(); ++k)
      page[rng() % page.size()] = static_cast<char>(rng());
    const Article a = extract_article(page, {.base_url = "https://example.com/"});
    EXPECT_LE(a.text.size(), page.size());
    if (a.text.empty()) {
      EXPECT_FALSE(a.reason.empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pages, FixtureTest,
                         testing::Values("wordpress_ar", "portal_cp1256", "html5_consent_ar",
                                         "news_en"));

// ---- Titles ----

struct TitleCase {
  const char* head;
  const char* body;
  const char* want;
};

class TitleTest : public testing::TestWithParam<TitleCase> {};

TEST_P(TitleTest, SiteNameRemoved) {
  const TitleCase& c = GetParam();
  const std::string page = std::string("<html><head>") + c.head + "</head><body>" + c.body +
                           "<div><p>Khalifa Haftar arrived in Cairo on Sunday for talks with "
                           "Egyptian officials, according to sources close to the visit.</p>"
                           "<p>The meeting focused on the war around Tripoli and on Turkey's "
                           "role, officials said after the meeting ended.</p></div></body></html>";
  const Article a = extract_article(page, {.base_url = "https://www.libyaobserver.ly/news/x"});
  EXPECT_EQ(a.title, c.want);
  EXPECT_FALSE(a.text.starts_with(a.title)) << a.text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TitleTest,
    testing::Values(
        TitleCase{"<title>Haftar lands in Cairo | Libya Observer</title>", "",
                  "Haftar lands in Cairo"},
        TitleCase{"<title>Libya Observer - Haftar lands in Cairo</title>", "",
                  "Haftar lands in Cairo"},
        TitleCase{"<meta property='og:site_name' content='The Observer'>"
                  "<title>Haftar lands in Cairo for talks – The Observer</title>",
                  "", "Haftar lands in Cairo for talks"},
        TitleCase{"<title>حفتر يصل القاهرة في زيارة رسمية - بوابة الوسط</title>", "",
                  "حفتر يصل القاهرة في زيارة رسمية"},
        TitleCase{"<meta property='og:title' content='Haftar - the general in Cairo'>"
                  "<title>x</title>",
                  "<h1>Haftar - the general in Cairo</h1>", "Haftar - the general in Cairo"},
        TitleCase{"<title>Haftar lands in Cairo | LibyaObserver</title>",
                  "<header><h1 class='logo'><a href='/'>Libya Observer</a></h1></header>"
                  "<h1>Haftar lands in Cairo</h1>",
                  "Haftar lands in Cairo"},
        TitleCase{"<title>Haftar lands in Cairo</title>", "", "Haftar lands in Cairo"}));

// ---- Dates ----

struct DateCase {
  const char* markup;
  const char* want;  // "" for none
};

class DateTest : public testing::TestWithParam<DateCase> {};

TEST_P(DateTest, ToUtc) {
  const std::string page = std::string("<html><head>") + GetParam().markup +
                           "</head><body><article><p>Khalifa Haftar arrived in Cairo on Sunday "
                           "for talks with Egyptian officials, sources said on Monday.</p>" +
                           "<p>The visit was not announced in advance by either side.</p>"
                           "</article></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/a"});
  if (std::string_view(GetParam().want).empty()) {
    EXPECT_FALSE(a.published.has_value());
  } else {
    ASSERT_TRUE(a.published.has_value());
    EXPECT_EQ(format_iso8601(*a.published), GetParam().want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DateTest,
    testing::Values(
        DateCase{"<meta property='article:published_time' content='2020-06-03T12:30:00+02:00'>",
                 "2020-06-03T10:30:00Z"},
        DateCase{"<script type='application/ld+json'>{\"@type\":\"NewsArticle\",\"headline\":"
                 "\"h\",\"datePublished\":\"2019-12-29T14:05:00-05:00\"}</script>",
                 "2019-12-29T19:05:00Z"},
        DateCase{"<script type='application/ld+json'>[{\"@type\":[\"NewsArticle\"],\"headline\":"
                 "\"h\",\"datePublished\":\"2019-12-29\"}]</script>",
                 "2019-12-29T00:00:00Z"},
        DateCase{"<script type='application/ld+json'>{ broken json \"datePublished\": }</script>",
                 ""},
        DateCase{"<meta name='pubdate' content='not a date'>", ""},
        DateCase{"<script type='application/ld+json'>\n  <![CDATA[\n  {\"@type\":\"Article\","
                 "\"datePublished\":\"2013-09-11T10:00:00-04:00\"}\n  ]]>\n</script>",
                 "2013-09-11T14:00:00Z"},
        DateCase{"<script type='application/ld+json'>//<![CDATA[\n{\"@type\":\"NewsArticle\","
                 "\"datePublished\":\"2024-06-25\"}\n//]]></script>",
                 "2024-06-25T00:00:00Z"},
        DateCase{"<script type='application/ld+json'><!-- {\"@type\":\"NewsArticle\","
                 "\"datePublished\":\"2024-06-25\"} --></script>",
                 "2024-06-25T00:00:00Z"},
        DateCase{"</head><body><time datetime='2020-01-02T03:04:05Z'>Jan 2</time><head>",
                 "2020-01-02T03:04:05Z"},
        DateCase{"</head><body><time itemprop='datePublished' content='2017-01-18T23:00:00-0800'>"
                 "January 18</time><head>",
                 "2017-01-19T07:00:00Z"}));

// Dates the page shows beside its headline or byline, without any markup.
struct VisibleDateCase {
  const char* name;
  const char* header;   // between the <h1> and the body
  const char* related;  // after the body
  const char* want;     // "" for none
};

class VisibleDateTest : public testing::TestWithParam<VisibleDateCase> {};

TEST_P(VisibleDateTest, FromByline) {
  const std::string page =
      std::string("<html><body><article><h1>Haftar in Cairo</h1>") + GetParam().header +
      "<p>Khalifa Haftar arrived in Cairo on Sunday for talks with Egyptian officials, "
      "sources said on Monday, as the battle for Tripoli went on.</p>"
      "<p>The visit was not announced in advance by either side, and no statement followed "
      "it, a diplomat in the Egyptian capital said.</p></article>" +
      GetParam().related + "</body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/a"});
  if (std::string_view(GetParam().want).empty()) {
    EXPECT_FALSE(a.published.has_value()) << format_iso8601(*a.published);
  } else {
    ASSERT_TRUE(a.published.has_value());
    EXPECT_EQ(format_iso8601(*a.published), GetParam().want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VisibleDateTest,
    testing::Values(
        VisibleDateCase{"iso_beside_byline",
                        "<div class='byline'>By Jane Roe | 2018-08-25 15:24</div>", "",
                        "2018-08-25T15:24:00Z"},
        VisibleDateCase{"dotted", "<p class='meta'>Stand: 25.08.2018, 09:15 Uhr</p>", "",
                        "2018-08-25T09:15:00Z"},
        VisibleDateCase{"slashed_day_first", "<span>Published 25/08/2018</span>", "",
                        "2018-08-25T00:00:00Z"},
        VisibleDateCase{"slashed_ambiguous", "<span>Published 05/08/2018</span>", "", ""},
        VisibleDateCase{"english_month", "<p>Published 25 August 2018</p>", "",
                        "2018-08-25T00:00:00Z"},
        VisibleDateCase{"english_month_first", "<p>Posted Sat August 25, 2018</p>", "",
                        "2018-08-25T00:00:00Z"},
        VisibleDateCase{"arabic_egyptian", "<p>الأحد 25 يناير 2020</p>", "",
                        "2020-01-25T00:00:00Z"},
        VisibleDateCase{"arabic_levantine", "<p>نشر في ٢٥ كانون الثاني ٢٠٢٠</p>", "",
                        "2020-01-25T00:00:00Z"},
        VisibleDateCase{"arabic_evening", "<p>الأحد 29 ديسمبر 2019 - 10:42 م</p>", "",
                        "2019-12-29T22:42:00Z"},
        VisibleDateCase{"english_pm", "<p>Aug 25, 2018 3:45 PM</p>", "", "2018-08-25T15:45:00Z"},
        VisibleDateCase{"split_across_spans",
                        "<div class='byline'>By Jane Roe <span>25</span> <span>August</span> "
                        "<span>2018</span></div>",
                        "", "2018-08-25T00:00:00Z"},
        VisibleDateCase{"split_date_and_time",
                        "<p><span>Stand:</span> <b>25.08.2018</b>, <b>09:15</b> Uhr</p>", "",
                        "2018-08-25T09:15:00Z"},
        VisibleDateCase{"split_arabic", "<p><span>٢٥</span> <span>كانون الثاني</span> ٢٠٢٠</p>", "",
                        "2020-01-25T00:00:00Z"},
        VisibleDateCase{"split_update_label",
                        "<p><span>Updated</span> <span>7 January 2025</span></p>", "", ""},
        VisibleDateCase{"update_not_publication", "<p><em>Last Updated:</em> January 7, 2025</p>",
                        "", ""},
        VisibleDateCase{"publication_after_update",
                        "<p>Updated 2019-01-02 08:00</p><p>Published 2018-08-25 07:30</p>", "",
                        "2018-08-25T07:30:00Z"},
        VisibleDateCase{"hidden_date_ignored", "<p style='display:none'>2017-01-01 10:00</p>", "",
                        ""},
        VisibleDateCase{"related_list_ignored", "",
                        "<aside><ul><li><a href='/b'>Older story</a> 2016-03-04</li>"
                        "<li><a href='/c'>Another</a> 12 March 2016</li></ul></aside>"
                        "<div><p>2016-03-04</p></div>",
                        ""},
        VisibleDateCase{"linked_date_ignored", "<p><a href='/x'>Story of 2016-03-04</a></p>", "",
                        ""}),
    [](const testing::TestParamInfo<VisibleDateCase>& info) {
      return std::string(info.param.name);
    });

// ---- Pages without an article ----

struct NoArticleCase {
  const char* name;
  std::string html;
};

class NoArticleTest : public testing::TestWithParam<NoArticleCase> {};

TEST_P(NoArticleTest, EmptyTextWithReason) {
  const Article a = extract_article(GetParam().html, {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text, "") << GetParam().name;
  EXPECT_FALSE(a.reason.empty()) << GetParam().name;
}

std::string menu_page() {
  std::string p = "<html><body><div class='menu'><ul>";
  for (int i = 0; i < 30; ++i) {
    p += "<li><a href='/section/" + std::to_string(i) + "'>Section about Haftar and Cairo " +
         std::to_string(i) + "</a></li>";
  }
  return p +
         "</ul></div><div><ul><li><a href='/a'>Libya news: Haftar in Cairo today</a></li>"
         "<li><a href='/b'>Turkey sends mercenaries to Tripoli again</a></li></ul></div>"
         "<footer>Copyright 2020</footer></body></html>";
}

std::string teaser_page() {
  std::string p = "<html><body><main>";
  for (int i = 0; i < 8; ++i) {
    p += "<div class='teaser'><h2><a href='/news/" + std::to_string(1000 + i) +
         "'>Haftar meets officials in Cairo, day " + std::to_string(i) +
         "</a></h2>"
         "<p>The commander held talks with Egyptian officials about the war in Libya and "
         "Turkey's growing role there, sources said.</p></div>";
  }
  return p + "</main></body></html>";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NoArticleTest,
    testing::Values(NoArticleCase{"empty", ""}, NoArticleCase{"text only", "hello"},
                    NoArticleCase{"binary", std::string("\x00\xff\xfe<\x01>\x80", 7)},
                    NoArticleCase{"menu", menu_page()}, NoArticleCase{"teasers", teaser_page()},
                    NoArticleCase{"404",
                                  "<html><body><h1>Page not found</h1><p>Sorry.</p>"
                                  "<nav><a href='/'>Home</a></nav></body></html>"}),
    [](const testing::TestParamInfo<NoArticleCase>& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

// ---- Hidden blocks and media furniture ----

// An article with one block of furniture inside its body; the furniture
// carries the marker "Zanzibar", which must not reach the text.
struct LeakCase {
  const char* name;
  const char* furniture;
};

class LeakTest : public testing::TestWithParam<LeakCase> {};

TEST_P(LeakTest, FurnitureNeverReachesText) {
  const std::string page = std::string(
                               "<html><body><article><h1>Talks in Cairo</h1>"
                               "<p>Khalifa Haftar arrived in Cairo on Sunday for talks with "
                               "Egyptian officials, sources said, as the battle went on.</p>") +
                           GetParam().furniture +
                           "<p>Egypt has backed him since 2014, and repeated that support "
                           "today, a spokesman for the ministry said.</p></article></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text.find("Zanzibar"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("arrived in Cairo"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("repeated that support"), std::string::npos) << a.text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LeakTest,
    testing::Values(
        LeakCase{"display_none",
                 "<div style='display: none'>Zanzibar keywords, author, 2019-01-01 10:00</div>"},
        LeakCase{"display_none_important",
                 "<div style='color:red;DISPLAY:NONE !important'>Zanzibar tags</div>"},
        LeakCase{"visibility_hidden", "<p style='visibility: hidden'>Zanzibar hidden line</p>"},
        LeakCase{"hidden_attribute", "<div hidden>Zanzibar hidden by attribute</div>"},
        LeakCase{"aria_hidden", "<div aria-hidden='true'>Zanzibar for screens only</div>"},
        LeakCase{"template", "<template><p>Zanzibar template text</p></template>"},
        LeakCase{"noscript", "<noscript><p>Zanzibar please enable JavaScript</p></noscript>"},
        LeakCase{"just_watched",
                 "<div><h3>JUST WATCHED</h3><ul><li>Zanzibar floods leave thousands "
                 "homeless</li><li>Replay</li></ul></div>"},
        LeakCase{"must_watch",
                 "<div><h2>MUST WATCH</h2><p>Zanzibar floods leave thousands homeless</p></div>"},
        LeakCase{"video_count",
                 "<div><span>(16 Videos)</span><p>Zanzibar floods leave thousands "
                 "homeless</p></div>"},
        LeakCase{"video_carousel",
                 "<div class='video-carousel'><p>Zanzibar floods: the moment the dam "
                 "broke, seen from the hills above the town</p></div>"},
        LeakCase{"playlist",
                 "<div class='media__playlist'><p>Zanzibar floods: the moment the dam "
                 "broke, seen from the hills above the town</p></div>"},
        LeakCase{"whatsapp_promo",
                 "<p>Follow Zanzibar News on WhatsApp for the latest updates</p>"},
        LeakCase{"telegram_promo", "<p><b>Join our Telegram channel</b> Zanzibar alerts</p>"},
        LeakCase{"newsletter_box",
                 "<div><h4>Sign up for our newsletter</h4><p>Zanzibar briefing every "
                 "morning</p></div>"}),
    [](const testing::TestParamInfo<LeakCase>& info) { return std::string(info.param.name); });

// ---- Wrong blocks: quotations and galleries beside or inside the story ----

std::string story_paragraphs(const char* word, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += std::string("<p>") + word + " " + std::to_string(i) +
           ": the city council approved the new bridge over the river on Tuesday after a long "
           "debate about its cost and the traffic it will bring to the old town.</p>";
  }
  return out;
}

// `quote` wraps one quotation; {} is where its text goes.
std::string quotes_box(const std::string& open, const std::string& close) {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += open + "\u201CZanzibar quote " + std::to_string(i) +
           ": life is what happens, as they say, when you are busy, tired, hungry, and making "
           "other plans, plans, plans, and more plans for the week ahead.\u201D" +
           close;
  }
  return out;
}

struct WrongBlockCase {
  const char* name;
  std::string page;
};

void PrintTo(const WrongBlockCase& c, std::ostream* os) { *os << c.name; }

class WrongBlockTest : public testing::TestWithParam<WrongBlockCase> {};

TEST_P(WrongBlockTest, StoryWithoutTheBox) {
  const Article a = extract_article(GetParam().page, {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text.find("Zanzibar"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Paragraph 0:"), std::string::npos) << a.text << a.reason;
  EXPECT_NE(a.text.find("Paragraph 2:"), std::string::npos) << a.text;
  if (GetParam().page.find("Later 0") != std::string::npos) {
    EXPECT_NE(a.text.find("Later 2:"), std::string::npos) << a.text;
  }
}

std::string gallery_items(const char* item_open, const char* item_close) {
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += std::string(item_open) + "<img src='/g" + std::to_string(i) +
           ".jpg'><p>Zanzibar caption " + std::to_string(i) +
           ": the old bridge seen from the north bank of the river at dawn, before the works "
           "began, with the new piers behind it.</p><span>" +
           std::to_string(i + 1) + " of 6</span>" + item_close;
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WrongBlockTest,
    testing::Values(
        WrongBlockCase{"quotes_sidebar_sibling",
                       "<html><body><div class='wrap'><div class='main'><h1>New bridge</h1>" +
                           story_paragraphs("Paragraph", 5) +
                           "</div><div class='sidebar'><h3>Quotes of the week</h3>" +
                           quotes_box("<blockquote><p>", "</p><cite>Someone</cite></blockquote>") +
                           "</div></div></body></html>"},
        WrongBlockCase{"quotes_in_marks_elsewhere",
                       "<html><body><div class='row'><div class='col-a'><h1>New bridge</h1>" +
                           story_paragraphs("Paragraph", 4) +
                           "</div></div><div class='row'><div class='col-b'><div>" +
                           quotes_box("<div class='q'><p>", "</p><p>Someone</p></div>") +
                           "</div></div></div></body></html>"},
        WrongBlockCase{"gallery_in_article",
                       "<html><body><article><h1>New bridge</h1>" +
                           story_paragraphs("Paragraph", 3) + "<div class='article-gallery'><ul>" +
                           gallery_items("<li>", "</li>") + "</ul></div>" +
                           story_paragraphs("Later", 3) + "</article></body></html>"},
        WrongBlockCase{"slideshow_in_story_box",
                       "<html><body><div class='story'><h1>New bridge</h1>" +
                           story_paragraphs("Paragraph", 3) +
                           "<div id='Slideshow-12'><div class='slides'>" +
                           gallery_items("<div>", "</div>") +
                           "</div><button>Previous</button><button>Next</button></div>" +
                           story_paragraphs("Later", 3) + "</div></body></html>"}),
    [](const testing::TestParamInfo<WrongBlockCase>& info) {
      return std::string(info.param.name);
    });

TEST(Extract, GalleryPageKeepsItsCaptions) {
  // The gallery is the story: it holds most of the text.
  std::string page = "<html><body><main><h1>The bridge in pictures</h1><div class='gallery'>";
  for (int i = 0; i < 8; ++i) {
    page += "<figure><img src='/g" + std::to_string(i) + ".jpg'><p>Caption " + std::to_string(i) +
            ": the old bridge seen from the north bank of the river at dawn, before the works "
            "began, with the new piers behind it.</p></figure>";
  }
  page += "</div></main></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_NE(a.text.find("Caption 0:"), std::string::npos) << a.text << a.reason;
  EXPECT_NE(a.text.find("Caption 7:"), std::string::npos) << a.text;
}

TEST(Extract, QuotationInsideStoryStays) {
  const Article a = extract_article(
      "<html><body><article><h1>New bridge</h1>" + story_paragraphs("Paragraph", 4) +
          "<blockquote><p>\u201CWe will build it, whatever it costs, and we will build it "
          "well,\u201D the mayor told the council on Tuesday.</p></blockquote>" +
          story_paragraphs("Later", 2) + "</article></body></html>",
      {.base_url = "https://example.com/"});
  EXPECT_NE(a.text.find("We will build it"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Later 1:"), std::string::npos) << a.text;
}

// ---- Structured data as evidence ----

std::string ld_page(std::string_view dom_body, std::string_view ld_body) {
  return std::string(
             "<html><head><script type='application/ld+json'>{\"@type\":\"NewsArticle\","
             "\"headline\":\"Talks in Cairo\",\"articleBody\":\"") +
         std::string(ld_body) + "\"}</script></head><body>" + std::string(dom_body) +
         "</body></html>";
}

const char kLdBody[] =
    "Khalifa Haftar arrived in Cairo on Sunday for talks with Egyptian officials, sources "
    "said, as the battle for Tripoli went on.\\nEgypt has backed him since 2014, and repeated "
    "that support today, a spokesman for the ministry said after the meeting.\\nTurkey sent "
    "more troops to the west of the country last week, officials in Ankara confirmed.";

TEST(Extract, JsonLdBodyStandsInForFooterOnlyResult) {
  // The body is in script-built markup the DOM does not show; only the footer is text.
  const Article a = extract_article(
      ld_page("<div id='app'></div><div class='bottom'><p>Copyright &copy; 2019, Example News "
              "| Terms of Service | Privacy Policy | Contact us | Advertise with us</p></div>",
              kLdBody),
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.fallback, "json-ld");
  EXPECT_EQ(a.reason, "");
  EXPECT_EQ(a.text.find("Copyright"), std::string::npos) << a.text;
  EXPECT_EQ(std::count(a.text.begin(), a.text.end(), '\n'), 2) << a.text;
}

TEST(Extract, JsonLdBodyStandsInForEmptyResult) {
  const Article a = extract_article(ld_page("<div id='app'></div>", kLdBody),
                                    {.base_url = "https://example.com/"});
  EXPECT_EQ(a.fallback, "json-ld");
  EXPECT_NE(a.text.find("Turkey sent more troops"), std::string::npos) << a.text;
}

TEST(Extract, JsonLdBodyAsHtmlLosesItsTags) {
  const Article a = extract_article(
      ld_page("",
              "<p>Khalifa Haftar arrived in <b>Cairo</b> on Sunday for talks with Egyptian "
              "officials, sources said.</p><p>Egypt has backed him since 2014, and repeated "
              "that support today, a spokesman for the ministry said after the meeting "
              "in the capital, where the two sides met for the third time this year.</p>"),
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.fallback, "json-ld");
  EXPECT_EQ(a.text.find('<'), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("arrived in Cairo on Sunday"), std::string::npos) << a.text;
  EXPECT_EQ(std::count(a.text.begin(), a.text.end(), '\n'), 1) << a.text;
}

TEST(Extract, PageBodyWinsOverShortJsonLdTeaser) {
  const Article a = extract_article(
      ld_page("<article><p>Khalifa Haftar arrived in Cairo on Sunday for talks with Egyptian "
              "officials, sources said, as the battle for Tripoli went on.</p><p>Egypt has "
              "backed him since 2014, and repeated that support today, a spokesman for the "
              "ministry said after the meeting.</p></article>",
              "Khalifa Haftar arrived in Cairo on Sunday."),
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.fallback, "");
  EXPECT_NE(a.text.find("repeated that support"), std::string::npos) << a.text;
}

TEST(Extract, StoryInModalOverHiddenPage) {
  // A story opened as an overlay: the home page behind it is aria-hidden and
  // has more text than the story; the story's wrapper has a "modal" class.
  std::string behind = "<div aria-hidden='true'>";
  for (int i = 0; i < 30; ++i) {
    behind += "<p>Zanzibar teaser number " + std::to_string(i) +
              ", a long line of text about something else entirely, with commas, words and "
              "more words so that it outweighs the story.</p>";
  }
  behind += "</div>";
  const Article a = extract_article(
      "<html><body>" + behind +
          "<div class='render-target-modal modal-open'><div><h1>Cargo ship breaks up</h1>"
          "<article><p>The unmanned cargo ship broke up in the atmosphere over Siberia on "
          "Thursday, minutes after the launch, the space agency said.</p><p>It carried fuel, "
          "water and food for the crew of the station, which has enough supplies, officials "
          "added.</p></article></div></div></body></html>",
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.title, "Cargo ship breaks up");
  EXPECT_NE(a.text.find("broke up in the atmosphere"), std::string::npos) << a.reason;
  EXPECT_NE(a.text.find("enough supplies"), std::string::npos) << a.text;
  EXPECT_EQ(a.text.find("Zanzibar"), std::string::npos) << a.text;
}

// One article and teasers of related ones, each in its own <article>.
std::string article_with_teasers(bool headline_inside, int paragraphs) {
  std::string p = "<html><body><main><article>";
  if (headline_inside) p += "<h1>Haftar in Cairo</h1>";
  for (int i = 0; i < paragraphs; ++i) {
    p += "<p>Khalifa Haftar met Egyptian officials in Cairo on Sunday, paragraph " +
         std::to_string(i) + ", as the battle for Tripoli went on and Turkey sent troops.</p>";
  }
  p += "</article><section><h2>More on Libya</h2>";
  for (int i = 0; i < 8; ++i) {
    p += "<article><h3><a href='/n/" + std::to_string(i) +
         "'>Zanzibar teaser headline</a></h3><p>A summary of another story about the war in "
         "Libya and the talks in Cairo and Ankara, number " +
         std::to_string(i) + ", with the details that a reader needs to click.</p></article>";
  }
  return p + "</section></main></body></html>";
}

TEST(Extract, ArticleWithRelatedTeasersIsOneArticle) {
  for (const auto& [headline, paragraphs] : {std::pair{true, 4}, std::pair{false, 9}}) {
    const Article a =
        extract_article(article_with_teasers(headline, paragraphs), {.base_url = "https://x.org/"});
    EXPECT_EQ(a.reason, "") << headline;
    EXPECT_NE(a.text.find("paragraph 3,"), std::string::npos) << a.text;
    EXPECT_EQ(a.text.find("Zanzibar"), std::string::npos) << a.text;
  }
}

TEST(Extract, BodySplitIntoBoxesIsGathered) {
  // Steps of a how-to, each its own box with a figure, under one column.
  std::string page = "<html><body><div class='col-main'><h1>How to build a terrarium</h1>";
  for (int i = 0; i < 5; ++i) {
    page += "<div class='mod step'><div class='stepContent'><div class='figure'><img src='/i" +
            std::to_string(i) + ".jpg'></div><div class='content'><p>Step " + std::to_string(i) +
            ": measure the glass, cut the foam a little smaller, soak it in water, and dig a "
            "hole for the plant, being careful, slow and patient with the roots.</p></div>"
            "</div></div>";
  }
  page +=
      "</div><div class='col-side'><ul><li><a href='/a'>Other how-to guides</a></li></ul>"
      "</div></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(a.text.find("Step " + std::to_string(i) + ":"), std::string::npos) << a.text;
  }
  EXPECT_EQ(a.text.find("Other how-to"), std::string::npos) << a.text;
}

TEST(Extract, BodySplitAtDifferentDepthsIsGathered) {
  // The opening sits deeper (inside a drop-cap wrapper) than the rest of the
  // story, and is shorter: both halves are the article.
  auto paragraphs = [](const char* part, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += std::string("<p>") + part + " paragraph " + std::to_string(i) +
             ": Lorenz ran the machine, and the programmer who wrote the code, a young woman, "
             "was left out of the story, historians said.</p>";
    }
    return out;
  };
  const std::string page =
      "<html><body><div class='post'><div class='acf'><div class='wrapper'><div class='mha'>"
      "<div class='flex'><section><div class='col'><div class='sec'><div class='wysiwyg'>" +
      paragraphs("Opening", 4) +
      "</div></div></div></section></div></div></div><div class='figure'><img src='/a.jpg'>"
      "</div><section><div class='col'><div class='sec'><div class='wysiwyg'>" +
      paragraphs("Later", 7) +
      "</div></div></div></section></div></div><div class='side'><ul><li><a href='/x'>Other "
      "stories</a></li></ul></div></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_NE(a.text.find("Opening paragraph 0:"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Later paragraph 6:"), std::string::npos) << a.text;
  EXPECT_EQ(a.text.find("Other stories"), std::string::npos) << a.text;
}

TEST(Extract, BodyCutByReadMoreFoldIsWhole) {
  // The opening paragraphs sit in the story box; the rest behind a "read
  // more" fold with an ad beside it, one level deeper.
  const std::string page =
      "<html><body><div class='story'><h1>New bridge</h1><div class='intro'><p><strong>The "
      "council said yes.</strong></p></div>" +
      story_paragraphs("Opening", 3) +
      "<div id='read-more'><div class='link'><a href='#'>Read more</a></div><div "
      "class='ad-box'></div><div id='read-more-content'>" +
      story_paragraphs("Later", 7) +
      "</div></div></div><div class='side'><ul><li><a href='/x'>Other stories</a></li></ul>"
      "</div></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_NE(a.text.find("Opening 0:"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Opening 2:"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Later 6:"), std::string::npos) << a.text;
  EXPECT_EQ(a.text.find("Other stories"), std::string::npos) << a.text;
}

TEST(Extract, BodyInFurnitureClassedBoxBeatsFooter) {
  // The body's box carries a class the vocabulary reads as furniture; the
  // footer line must not become the article.
  std::string page =
      "<html><body><div class='top'><h1>Talks in Cairo</h1></div>"
      "<div class='modal-box'>";
  for (int i = 0; i < 8; ++i) {
    page += "<p>Paragraph " + std::to_string(i) +
            ": Khalifa Haftar met Egyptian officials in Cairo on Sunday, as the battle for "
            "Tripoli went on and Turkey sent more troops, sources said.</p>";
  }
  page +=
      "</div><div class='bottom'><p>Copyright &copy; 2019, Example News | Terms of Service | "
      "Privacy Policy | Contact us | Advertise with us | Careers at Example News</p></div>"
      "</body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text.find("Copyright"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("Paragraph 7:"), std::string::npos) << a.text << a.reason;
}

// ---- Block boundaries ----

struct GlueCase {
  const char* name;
  const char* html;  // inside an <article> after one long paragraph
  const char* want;  // must appear in the title or the text
};

class GlueTest : public testing::TestWithParam<GlueCase> {};

TEST_P(GlueTest, BoundariesNeverGlueWords) {
  const std::string page = std::string("<html><body><article>") + GetParam().html +
                           "<p>Die Bundesregierung will neue Bohrungen in der Nordsee "
                           "erlauben, sagte ein Sprecher am Montag in Berlin.</p>"
                           "</article></body></html>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  const std::string all = a.title + "\n" + a.text;
  EXPECT_NE(all.find(GetParam().want), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GlueTest,
    testing::Values(
        GlueCase{"kicker_in_h1",
                 "<h1><span class='kicker'>Klimaschutz</span><span>Bohren in der Nordsee</span>"
                 "</h1>",
                 "Klimaschutz Bohren"},
        GlueCase{"kicker_in_h2",
                 "<h2><span>Klimaschutz</span><span>Bohren in der Nordsee</span></h2>",
                 "Klimaschutz Bohren"},
        GlueCase{"umlaut_kicker",
                 "<h2><span>Energiepolitik für</span><span>Öl und Gas aus der Nordsee</span>"
                 "</h2>",
                 "für Öl"},
        GlueCase{"capitals_kicker",
                 "<h2><span>KLIMASCHUTZ</span><span>Bohren in der Nordsee</span></h2>",
                 "KLIMASCHUTZ Bohren"},
        GlueCase{"colon_kicker",
                 "<h2><span>Klimaschutz:</span><span>Bohren in der Nordsee</span></h2>",
                 "Klimaschutz: Bohren"},
        GlueCase{"block_kicker_in_h1",
                 "<h1><div>Nordsee</div><div>neue Bohrungen erlaubt</div></h1>",
                 "Nordsee neue Bohrungen"},
        GlueCase{"br_in_h1", "<h1>Nordsee<br>neue Bohrungen erlaubt</h1>", "Nordsee neue"},
        GlueCase{"kicker_class_any_script",
                 "<h2><span class='article-kicker'>عاجل</span><span>الحكومة تسمح "
                 "بالتنقيب</span></h2>",
                 "عاجل الحكومة"},
        GlueCase{"kicker_class_in_h1",
                 "<h1><span class='headline__kicker'>عاجل</span>الحكومة تسمح بالتنقيب</h1>",
                 "عاجل الحكومة"},
        GlueCase{"split_date_kept",
                 "<p>Stand: <span>25.08.</span><span>2018</span>, sagte der Sprecher der "
                 "Regierung in Berlin.</p>",
                 "25.08.2018,"},
        GlueCase{"split_word_kept",
                 "<p><b>W</b>eit draußen in der Nordsee, sagte der Sprecher der Regierung, "
                 "liegen die Felder.</p>",
                 "Weit draußen"},
        GlueCase{"link_inside_word_kept",
                 "<p>Die Fach<a href='/k'>konferenz</a> tagte am Montag in Berlin, sagte "
                 "der Sprecher der Regierung.</p>",
                 "Fachkonferenz tagte"}),
    [](const testing::TestParamInfo<GlueCase>& info) { return std::string(info.param.name); });

// ---- Structure ----

TEST(Extract, KeepsBrLinesHeadingsListsAndQuotes) {
  const Article a = extract_article(
      "<html><body><table><tr><td><a href='/'>Home</a></td></tr><tr><td>"
      "<font>First line of the report about the Libyan talks in Cairo today.<br>"
      "Second line, with more detail on what the delegation asked Egypt for.<br><br>"
      "<b>Subheading</b><br>Third line after the subheading, still part of the story.</font>"
      "<ul><li>Point one of the agreement, about the ceasefire.</li>"
      "<li>Point two of the agreement, about the mercenaries.</li></ul>"
      "<blockquote>We will not accept foreign troops, a spokesman said.</blockquote>"
      "</td></tr></table></body></html>",
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text,
            "First line of the report about the Libyan talks in Cairo today.\n"
            "Second line, with more detail on what the delegation asked Egypt for.\n"
            "Subheading\n"
            "Third line after the subheading, still part of the story.\n"
            "Point one of the agreement, about the ceasefire.\n"
            "Point two of the agreement, about the mercenaries.\n"
            "We will not accept foreign troops, a spokesman said.");
}

TEST(Extract, CommentSectionWithoutClassNamesIsCut) {
  const Article a = extract_article(
      "<html><body><div><p>Khalifa Haftar arrived in Cairo on Sunday, officials said, for talks "
      "on the war.</p><p>Egypt has backed him since 2014, and repeated that support today.</p>"
      "<h3>Leave a Reply</h3><p>Haftar will lose, says a reader who does not like him at "
      "all.</p></div></body></html>",
      {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text,
            "Khalifa Haftar arrived in Cairo on Sunday, officials said, for talks on the war.\n"
            "Egypt has backed him since 2014, and repeated that support today.");
}

TEST(Extract, SectionWordAsTableColumnHeadCutsNothing) {
  // "Comment" and "Related" name columns of a table in the story, not a
  // comments section or a related box.
  const Article a = extract_article(
      "<html><body><article><p>Every state update in the lifecycle of a task moves its next "
      "trigger time, officials of the project said.</p><table><tr><th>Status</th><th>Related"
      "</th><th><p><b>Comment</b></p></th></tr><tr><td>new</td><td>none</td><td><p>Pick up new "
      "tasks that are ready.</p></td></tr></table><p>This ensures that no task is dropped, "
      "the engineers who built the framework wrote.</p></article></body></html>",
      {.base_url = "https://example.com/"});
  EXPECT_NE(a.text.find("Pick up new tasks"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("no task is dropped"), std::string::npos) << a.text;
}

TEST(Extract, TenMegabytePageInBoundedTime) {
  const std::string para =
      "<p>Khalifa Haftar arrived in Cairo on Sunday for talks with Egyptian officials, "
      "sources said, as the battle for Tripoli continued.</p>\n";
  std::string page = "<html><body><article>";
  while (page.size() < (10u << 20)) page += para;
  page += "</article></body></html>";
  const auto t0 = std::chrono::steady_clock::now();
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_FALSE(a.text.empty());
}

TEST(Extract, PathologicalNestingGivesReason) {
  std::string page;
  for (int i = 0; i < 200000; ++i) page += "<div>";
  const Article a = extract_article(page, {.base_url = "https://example.com/"});
  EXPECT_EQ(a.text, "");
  EXPECT_NE(a.reason.find("nesting"), std::string::npos) << a.reason;
}

}  // namespace
}  // namespace nw
