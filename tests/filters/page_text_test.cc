#include "filters/page_text.h"

#include <gtest/gtest.h>

#include "tests/support/files.h"

namespace nw {
namespace {

const FeedText kFeed{.title = "حفتر يصل القاهرة",
                     .html = "<p>وصل المشير <b>حفتر</b> إلى القاهرة.</p>"};

std::string page(const std::string& file) {
  return test::read_fixture_file(test::fixture_path("e2e") / file);
}

TEST(PageText, ThePagesTitleAndTextWhenItHasThem) {
  const std::string bytes = page("a1.html");
  const PageText t = page_text(
      {.bytes = bytes, .content_type = "text/html; charset=utf-8", .url = "https://x.test/a1"},
      kFeed);
  EXPECT_EQ(t.title, "حفتر يصل القاهرة لإجراء مباحثات حول تطورات الأوضاع فى ليبيا");
  EXPECT_NE(t.text.find("أفادت مصادر مطلعة"), std::string::npos);
  EXPECT_EQ(t.text.find("وصل المشير حفتر إلى القاهرة."), std::string::npos);  // not the feed's
  EXPECT_EQ(t.language, "ar");
  EXPECT_TRUE(t.reason.empty()) << t.reason;
}

TEST(PageText, ALegacyCharsetIsDecodedFromThePage) {
  const std::string bytes = page("b1.html");  // windows-1256, declared in a <meta>
  const PageText t = page_text({.bytes = bytes, .content_type = "text/html"});
  EXPECT_NE(t.text.find("المشير حفتر"), std::string::npos);
}

TEST(PageText, TheFeedsWordsWhereThePageHasNone) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* content_type;
    const char* reason;
  };
  const Case cases[] = {
      {"empty page", "", "text/html", ""},
      {"navigation only", "<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>",
       "text/html", ""},
      {"an image", page("a1.html"), "image/jpeg", "not a web page (image/jpeg)"},
      {"a podcast", "ID3...", "Audio/MPEG; charset=binary", "not a web page (audio/mpeg)"},
      {"a PDF", "%PDF-1.7", "application/pdf", "not a web page (application/pdf)"},
  };
  for (const Case& c : cases) {
    const PageText t = page_text({.bytes = c.bytes, .content_type = c.content_type}, kFeed);
    EXPECT_EQ(t.title, kFeed.title) << c.name;
    EXPECT_EQ(t.text, "وصل المشير حفتر إلى القاهرة.") << c.name;
    EXPECT_FALSE(t.reason.empty()) << c.name;
    EXPECT_NE(t.reason.find(c.reason), std::string::npos) << c.name << ": " << t.reason;
  }
}

TEST(PageText, FeedTextReadsHtmlAndPlainSummaries) {
  EXPECT_EQ(feed_text(kFeed).text, "وصل المشير حفتر إلى القاهرة.");
  EXPECT_EQ(feed_text(kFeed).title, kFeed.title);
  EXPECT_EQ(feed_text({.title = "t", .html = "plain words &amp; more"}).text, "plain words & more");
  EXPECT_EQ(feed_text({.title = "t"}).text, "");
  // Too short for extraction: every word, blocks kept apart, inline tags not.
  EXPECT_EQ(feed_text({.html = "<p>حفتر</p><p>في <b>القا</b>هرة</p><script>x()</script>"}).text,
            "حفتر في القاهرة");
  EXPECT_EQ(feed_text({.html = "Haftar<br>Cairo"}).text, "Haftar Cairo");
  // MathML and SVG in a feed entry are its text (on a page they are furniture).
  EXPECT_EQ(feed_text({.html = "<p>Energy</p><math><mi>E</mi><mo>=</mo><mi>mc</mi></math>"}).text,
            "Energy E=mc");
  EXPECT_EQ(feed_text({.html = "<P>Map</P><SVG><text>Sirte</text></SVG>"}).text, "Map Sirte");
}

TEST(PageText, ExtractPageSaysWhichCharsetItRead) {
  const std::string bytes = page("b1.html");
  const ExtractedPage p = extract_page({.bytes = bytes, .content_type = "text/html"});
  EXPECT_EQ(p.encoding, "windows-1256");
  EXPECT_FALSE(p.article.text.empty());
  EXPECT_EQ(extract_page({.bytes = bytes, .content_type = "image/png"}).encoding, "");
}

}  // namespace
}  // namespace nw
