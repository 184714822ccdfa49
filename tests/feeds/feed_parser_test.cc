#include "feeds/feed_parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/date.h"
#include "feeds/url.h"
#include "tests/support/files.h"

namespace nw {
namespace {

std::string data(const std::string& name) {
  return test::read_fixture_file(std::string(NW_TEST_DATA) + "/feeds/" + name);
}
std::string sample_line(const std::string& file, size_t n) {
  std::istringstream in(test::read_arabic_sample(file));
  std::string line;
  for (size_t i = 0; i <= n; ++i) std::getline(in, line);
  return line;
}

Feed parse_ok(const std::string& bytes, const std::string& url = "", const std::string& ct = "") {
  Result<Feed> r = parse_feed(bytes, {.url = url, .content_type = ct});
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : Feed{};
}

Feed parse_file(const std::string& name, const std::string& url = "", const std::string& ct = "") {
  return parse_ok(data(name), url, ct);
}

std::string iso(const std::optional<SysSeconds>& t) { return t ? format_iso8601(*t) : "null"; }

bool has_warning(const Feed& f, std::string_view needle) {
  for (const std::string& w : f.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

// ---- every format, one table ----------------------------------------------

struct FormatCase {
  const char* file;
  const char* url;
  const char* content_type;
  const char* encoding;
  std::string feed_title;
  const char* feed_link;
  size_t entries;
  std::string first_title;
  const char* first_link;
  const char* first_id;
  const char* first_published;
};

class FormatTest : public testing::TestWithParam<FormatCase> {};

TEST_P(FormatTest, Parses) {
  const FormatCase& c = GetParam();
  const Feed f = parse_file(c.file, c.url, c.content_type);
  EXPECT_EQ(f.encoding, c.encoding);
  EXPECT_EQ(f.title, c.feed_title);
  EXPECT_EQ(f.link, c.feed_link);
  ASSERT_EQ(f.entries.size(), c.entries);
  EXPECT_EQ(f.entries[0].title, c.first_title);
  EXPECT_EQ(f.entries[0].link, c.first_link);
  EXPECT_EQ(f.entries[0].id, c.first_id);
  EXPECT_EQ(iso(f.entries[0].published), c.first_published);
}

const std::string kT1 = sample_line("003_1c09f43d1289937b.txt", 0);
const std::string kT2 = sample_line("001_a70efb1e516236b5.txt", 0);

INSTANTIATE_TEST_SUITE_P(
    Formats, FormatTest,
    testing::Values(
        FormatCase{"rss20_arabic.xml", "https://news.example.com/libya/feed.xml", "", "utf-8",
                   "الأخبار العربية - ليبيا", "https://news.example.com/libya/", 3, kT1,
                   "https://news.example.com/libya/2020/06/haftar-cairo",
                   "news-example-2020-0603-001", "2020-06-03T12:05:00Z"},
        FormatCase{"rss091.xml", "", "", "iso-8859-1", "Café Monde – News",
                   "http://www.example.org/", 2, "Réunion au Caire : Haftar et Sissi…",
                   "http://www.example.org/2020/06/caire.html", "", "null"},
        FormatCase{"rss092.xml", "", "", "utf-8", "Dave's Radio", "http://radio.example.com/", 1,
                   "", "", "", "null"},
        FormatCase{"rss10_rdf.xml", "", "", "utf-8", "مرصد الأخبار", "https://rdf.example.org/", 2,
                   "خليفة حفتر في القاهرة", "https://rdf.example.org/a/1",
                   "https://rdf.example.org/a/1", "2020-06-03T10:00:00Z"},
        FormatCase{"rss090.xml", "", "", "utf-8", "Mozilla Dot Org", "http://www.mozilla.org/", 2,
                   "New Status Updates", "http://www.mozilla.org/status/", "", "null"},
        FormatCase{"atom10_arabic.xml", "https://atom.example.com/feeds/ar.atom", "", "utf-8",
                   "أخبار ليبيا", "https://atom.example.com/ar/", 2, "حفتر يصل القاهرة",
                   "https://atom.example.com/ar/news/2020/haftar-cairo.html",
                   "tag:atom.example.com,2020:1", "2020-06-03T08:14:55Z"},
        FormatCase{"atom03.xml", "", "", "utf-8", "Atom 0.3 feed", "http://atom03.example.org/", 2,
                   "Dive into Atom", "http://atom03.example.org/2003/12/13/atom03",
                   "tag:atom03.example.org,2003:3.2397", "2003-12-31T10:14:55Z"},
        FormatCase{"jsonfeed11.json", "", "application/feed+json", "utf-8", "نشرة ليبيا",
                   "https://json.example.com/", 2, "حفتر يلتقي السيسي في القاهرة",
                   "https://json.example.com/posts/haftar", "2", "2020-06-03T08:00:00Z"},
        FormatCase{"jsonfeed10.json", "https://j10.example.org/feed.json", "", "utf-8",
                   "JSON Feed 1.0", "https://j10.example.org/", 1, "First",
                   "https://j10.example.org/1", "https://j10.example.org/1",
                   "2017-05-17T15:02:12Z"},
        // Charsets: windows-1256 declared, undeclared, declared as UTF-8; ISO-8859-6; UTF-16 BOMs.
        FormatCase{"rss20_cp1256_declared.xml", "", "", "windows-1256", "صحيفة ليبيا",
                   "http://libya.example.net/", 2, kT1, "http://libya.example.net/news/1", "",
                   "2020-06-03T07:00:00Z"},
        FormatCase{"rss20_cp1256_undeclared.xml", "", "", "windows-1256", "صحيفة ليبيا",
                   "http://libya.example.net/", 2, kT1, "http://libya.example.net/news/1", "",
                   "2020-06-03T07:00:00Z"},
        FormatCase{"rss20_cp1256_as_utf8.xml", "", "application/rss+xml; charset=UTF-8",
                   "windows-1256", "صحيفة ليبيا", "http://libya.example.net/", 2, kT1,
                   "http://libya.example.net/news/1", "", "2020-06-03T07:00:00Z"},
        FormatCase{"rss20_iso88596.xml", "", "", "iso-8859-6", "ليبيا", "http://libya.example.net/",
                   1, "قالت مصادر عسكرية ليبية مرافقة للقائد العام للجيش الوطني الل", "", "",
                   "null"},
        FormatCase{"atom_utf16le_bom.xml", "", "", "utf-16le", "ترميز UTF-16",
                   "https://u16.example.com/", 1, "حفتر في القاهرة", "https://u16.example.com/1",
                   "u16-1", "null"},
        FormatCase{"rss_utf16be_bom.xml", "", "", "utf-16be", "UTF-16BE", "", 1, "ليبيا", "", "",
                   "null"}),
    [](const testing::TestParamInfo<FormatCase>& i) {
      std::string n = i.param.file;
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

// ---- the JSON document --------------------------------------------------------

TEST(FeedToJson, MatchesTheGoldenDocumentExactly) {
  const Feed f = parse_file("rss20_arabic.xml", "https://news.example.com/libya/feed.xml");
  const std::string json = feed_to_json(f);
  const std::string want = data("rss20_arabic.expected.json");
  EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::parse(want));
  EXPECT_EQ(json + "\n", want);  // key order, indentation, raw (not \u-escaped) Arabic
}

TEST(FeedToJson, NullDatesAndInvalidUtf8DoNotThrow) {
  Feed f;
  f.encoding = "utf-8";
  f.title = "bad \xFF byte";
  f.entries.push_back(
      {.id = "x", .title = "t", .updated = SysSeconds{std::chrono::seconds{1072986501}}});
  const nlohmann::json j = nlohmann::json::parse(feed_to_json(f));
  EXPECT_EQ(j["feed"]["title"], "bad \xEF\xBF\xBD byte");
  EXPECT_TRUE(j["entries"][0]["published"].is_null());
  EXPECT_EQ(j["entries"][0]["updated"], "2004-01-01T19:48:21Z");
  EXPECT_EQ(j["entries"][0]["enclosures"], nlohmann::json::array());
}

// ---- RSS details --------------------------------------------------------------

TEST(Rss, AuthorsEnclosuresAndDoubleEscapedTitles) {
  const Feed f = parse_file("rss20_arabic.xml", "https://news.example.com/libya/feed.xml");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[0].author, "محمد علي");  // dc:creator under a non-standard prefix
  ASSERT_EQ(f.entries[0].enclosures.size(), 2u);
  EXPECT_EQ(f.entries[0].enclosures[0].url, "https://news.example.com/media/haftar.mp3");
  EXPECT_EQ(f.entries[1].author, "Libya Desk (desk@news.example.com)");
  EXPECT_EQ(f.entries[2].title, "Haftar & Sisi meet — Cairo");
  EXPECT_EQ(f.entries[2].summary, "English <i>summary</i>");
  EXPECT_TRUE(has_warning(f, "unparsable date \"not a date\""));
}

TEST(Rss, HtmlEntitiesInNetscapeFeed) {
  const Feed f = parse_file("rss091.xml");
  ASSERT_EQ(f.entries.size(), 2u);
  // &laquo; &nbsp; and the windows-1252 reading of &#150;.
  EXPECT_EQ(f.entries[0].summary, "Le maréchal «\u00A0Haftar\u00A0» – visite officielle");
}

TEST(Rss, EnclosureOnlyItem) {
  const Feed f = parse_file("rss092.xml");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "An item with only a description and an enclosure.");
  ASSERT_EQ(f.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(f.entries[0].enclosures[0].url, "http://radio.example.com/show/ep1.mp3");
  EXPECT_EQ(f.entries[0].enclosures[0].type, "audio/mpeg");
  EXPECT_EQ(f.entries[0].enclosures[0].length, "24986239");
}

TEST(Rss, RdfContentCreatorAndDates) {
  const Feed f = parse_file("rss10_rdf.xml");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].summary, "وصل المشير خليفة حفتر إلى القاهرة.");
  EXPECT_EQ(f.entries[0].content, "<p>وصل المشير <b>خليفة حفتر</b> إلى القاهرة.</p>");
  EXPECT_EQ(f.entries[0].author, "هيئة التحرير");
  EXPECT_EQ(iso(f.entries[1].published), "2020-06-04T00:00:00Z");
}

TEST(Rss, NamespacesAreMatchedByUriNotPrefix) {
  const Feed f = parse_ok(R"(<rss version="2.0" xmlns:x="http://purl.org/rss/1.0/modules/content/"
      xmlns:content="http://example.com/not-content/"><channel><item>
      <content:encoded>wrong namespace</content:encoded><x:encoded>right</x:encoded>
      <title>t</title></item></channel></rss>)");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].content, "right");
}

TEST(Rss, CdataAndTextPiecesAreJoined) {
  const Feed f = parse_ok(
      "<rss><channel><item><title>A <![CDATA[<b>bold</b> & co]]> end</title>"
      "<description>one<![CDATA[ <two> ]]>three</description></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "A bold & co end");
  EXPECT_EQ(f.entries[0].summary, "one <two> three");
}

TEST(Rss, UnescapedMarkupInDescriptionIsKeptAsHtml) {
  const Feed f = parse_ok(
      "<rss><channel><item><title>t</title><description><p>Hello <a href=\"/x\">world</a></p>"
      "</description></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "<p>Hello <a href=\"/x\">world</a></p>");
}

TEST(Rss, RelativeLinksResolveAgainstXmlBaseThenFeedUrl) {
  const Feed f = parse_ok(R"(<rss><channel xml:base="https://base.example/a/"><link>home</link>
      <item xml:base="b/"><link>c.html</link><title>1</title></item>
      <item><link>/root.html</link><title>2</title></item>
      <item><link>javascript:alert(1)</link><title>3</title></item></channel></rss>)",
                          "https://feed.example/rss.xml");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.link, "https://base.example/a/home");
  EXPECT_EQ(f.entries[0].link, "https://base.example/a/b/c.html");
  EXPECT_EQ(f.entries[1].link, "https://base.example/root.html");
  EXPECT_EQ(f.entries[2].link, "");
}

TEST(Rss, GuidPermalinkOnlyFillsTheLink) {
  const Feed f = parse_ok(
      "<rss><channel><item><guid>https://g.example/1</guid></item>"
      "<item><guid isPermaLink=\"false\">https://g.example/2</guid></item>"
      "<item><link>https://g.example/3</link></item>"
      "<item><guid>12345</guid></item>"
      "<item><link href=\"/5\"/></item></channel></rss>",
      "https://g.example/feed");
  ASSERT_EQ(f.entries.size(), 5u);
  EXPECT_EQ(f.entries[0].link, "https://g.example/1");
  EXPECT_EQ(f.entries[1].link, "");
  EXPECT_EQ(f.entries[1].id, "https://g.example/2");
  EXPECT_EQ(f.entries[2].id, "");    // no fallback from the link
  EXPECT_EQ(f.entries[3].link, "");  // a relative guid is no URL
  EXPECT_EQ(f.entries[4].link, "https://g.example/5");
}

// The parser skips libcurl for links that are already absolute and normal;
// whatever the path, the result must be what resolve_url() gives.
TEST(Rss, LinksAreExactlyWhatResolveUrlGives) {
  const std::vector<std::string> links = {"https://a.example/x",
                                          "http://www.mozilla.org",
                                          "HTTP://A.example/x",
                                          "https://A.Example/x",
                                          "https://a.example:443/x",
                                          "https://a.example/a/../b",
                                          "https://a.example/./b",
                                          "https://a.example/a/.hidden",
                                          "https://a.example/x?q=a%20b",
                                          "https://a.example/x?q=%41",
                                          "https://user@a.example/x",
                                          "https://a.example/x#frag",
                                          "https://a.example/x;p=1",
                                          "https://a.example/x?a=1&amp;b=2",
                                          "https://a.example/x(1)*y!$,+'",
                                          "https://a.example/x/..",
                                          "https://a.example/a//b",
                                          "https://a.example?x=1",
                                          "https://a.example/x?q=a/../b",
                                          "https://a.example/ليبيا",
                                          "https://a.example/x\\y",
                                          "https://a.example/x|y^{z}",
                                          "https://a.example/%zz",
                                          "https://[::1]/x",
                                          "https://a.example:8080/x",
                                          "  https://a.example/t  ",
                                          "ftp://a.example/x",
                                          "https://a.example/x?q=@:",
                                          "https:/a.example/x",
                                          "https:///x"};
  std::string xml = "<rss><channel>";
  for (const std::string& l : links) xml += "<item><link>" + l + "</link></item>";
  const Feed f = parse_ok(xml + "</channel></rss>", "https://base.example/dir/feed");
  ASSERT_EQ(f.entries.size(), links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    std::string raw = links[i];
    if (const size_t amp = raw.find("&amp;"); amp != std::string::npos) raw.replace(amp, 5, "&");
    EXPECT_EQ(f.entries[i].link, resolve_url("https://base.example/dir/feed", raw)) << raw;
  }
}

// ---- Atom details -------------------------------------------------------------

TEST(Atom, XhtmlContentSerializedAsHtml) {
  const Feed f = parse_file("atom10_arabic.xml", "https://atom.example.com/feeds/ar.atom");
  ASSERT_EQ(f.entries.size(), 2u);
  const FeedEntry& e = f.entries[0];
  // Relative URLs inside the content resolve against the entry's xml:base.
  EXPECT_EQ(
      e.content,
      "<p>وصل <b>حفتر</b> إلى <a href=\"https://atom.example.com/ar/news/2020/sub/cairo.html\">"
      "القاهرة</a>.</p><br><img src=\"https://atom.example.com/ar/news/2020/sub/x.jpg\" "
      "alt=\"a &quot;b&quot;\">");
  EXPECT_EQ(e.summary, "وصل المشير خليفة حفتر إلى القاهرة & التقى الرئيس.");
  EXPECT_EQ(iso(e.updated), "2020-06-03T12:00:00Z");
  EXPECT_EQ(e.author, "سارة أحمد (sara@atom.example.com)");
}

// The daemon's digest and hash keys read FeedEntry: a summary missing from the
// feed stays empty there; only parse-feed's JSON shows the content in its place.
TEST(Atom, MissingSummaryIsEmptyInTheEntryAndTheContentInJson) {
  const Feed f =
      parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id>)"
               R"(<content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>)");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "");
  EXPECT_EQ(f.entries[0].content, "<p>Body</p>");
  const auto doc = nlohmann::json::parse(feed_to_json(f));
  EXPECT_EQ(doc["entries"][0]["summary"], "<p>Body</p>");
}

// Content-Location (relative to the URL) is the document's base; xml:base,
// also one given inside the content, comes first.
TEST(Atom, ContentLocationThenXmlBaseInsideContent) {
  const std::string feed =
      R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>/posts/1</id><link href="p1"/>)"
      R"(<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="a">a</a>)"
      R"(<p xml:base="http://other.example/x/"><img src="i.png"/></p></div></content></entry></feed>)";
  const Result<Feed> f = parse_feed(
      feed, {.url = "http://example.com/feed.xml", .content_location = "/archive/2024/feed.xml"});
  ASSERT_TRUE(f.has_value());
  const FeedEntry& e = f->entries.at(0);
  EXPECT_EQ(e.id, "http://example.com/posts/1");
  EXPECT_EQ(e.link, "http://example.com/archive/2024/p1");
  EXPECT_EQ(e.content,
            "<a href=\"http://example.com/archive/2024/a\">a</a>"
            "<p><img src=\"http://other.example/x/i.png\"></p>");
  // Without Content-Location, the URL is the base.
  const Feed plain = parse_ok(feed, "http://example.com/feed.xml");
  EXPECT_EQ(plain.entries.at(0).link, "http://example.com/p1");
}

TEST(Cdf, ChannelAndItemsInAnyCase) {
  const Feed f = parse_ok(
      "<CHANNEL HREF=\"http://example.com/\" BASE=\"http://example.com/n/\"><TITLE>C</TITLE>"
      "<ITEM HREF=\"a.html\" LASTMOD=\"2003-12-31T10:14:55Z\"><TITLE>A</TITLE>"
      "<ABSTRACT>Sum</ABSTRACT></ITEM><Channel><item href=\"b.html\"><title>B</title></item>"
      "</Channel></CHANNEL>");
  EXPECT_EQ(f.title, "C");
  EXPECT_EQ(f.link, "http://example.com/");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].link, "http://example.com/n/a.html");
  EXPECT_EQ(f.entries[0].summary, "Sum");
  EXPECT_EQ(iso(f.entries[0].updated), "2003-12-31T10:14:55Z");
  EXPECT_EQ(f.entries[1].title, "B");
  // A lower-case <channel> without HREF is a bare RSS channel, as before.
  const Feed rss =
      parse_ok("<channel><title>R</title><item><link>http://e.com/1</link></item></channel>");
  ASSERT_EQ(rss.entries.size(), 1u);
  EXPECT_EQ(rss.entries[0].link, "http://e.com/1");
}

TEST(Atom, EnclosuresFromLinksAndMediaGroups) {
  const Feed f = parse_file("atom10_arabic.xml", "https://atom.example.com/feeds/ar.atom");
  ASSERT_EQ(f.entries.size(), 2u);
  const auto& enc = f.entries[0].enclosures;
  ASSERT_EQ(enc.size(), 3u);
  EXPECT_EQ(enc[0].url, "https://atom.example.com/audio/haftar.mp3");
  EXPECT_EQ(enc[0].type, "audio/mpeg");
  EXPECT_EQ(enc[0].length, "1337");
  EXPECT_EQ(enc[1].url, "https://cdn.example.com/v.mp4");
  EXPECT_EQ(enc[2].url, "https://cdn.example.com/v.jpg");
}

TEST(Atom, TextTitlesAndInheritedAuthor) {
  const Feed f = parse_file("atom10_arabic.xml", "https://atom.example.com/feeds/ar.atom");
  ASSERT_EQ(f.entries.size(), 2u);
  const FeedEntry& e = f.entries[1];
  // type="text": a literal '<' stays; the double-escaped ampersand is undone.
  EXPECT_EQ(e.title, "Sisi & Haftar: a < b");
  EXPECT_EQ(e.link, "https://elsewhere.example.org/story");
  EXPECT_EQ(e.content, "<p>HTML content</p>");
  EXPECT_EQ(iso(e.published), "null");
  EXPECT_EQ(iso(e.updated), "2020-06-02T13:00:00Z");
  EXPECT_EQ(e.author, "غرفة الأخبار (news@atom.example.com)");
}

TEST(Atom, Atom03ModesAndDates) {
  const Feed f = parse_file("atom03.xml");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].content, "<p>حفتر في القاهرة</p>");  // mode="base64"
  EXPECT_EQ(f.entries[0].summary, "A summary");
  EXPECT_EQ(iso(f.entries[0].updated), "2004-01-01T19:48:21Z");
  EXPECT_EQ(f.entries[0].author, "Mark Pilgrim");
  // mode="xml": Atom 0.3's inline XML is the content, its <div> included.
  EXPECT_EQ(f.entries[1].content, "<div><p>Hello <i>world</i></p></div>");
  EXPECT_EQ(iso(f.entries[1].published), "2003-12-30T10:00:00Z");  // from <created>
}

// ---- JSON Feed details ----------------------------------------------------------

// ---- polling hints ------------------------------------------------------------

TEST(Hints, TtlSyndicationAndHub) {
  const Feed f = parse_ok(
      "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\" "
      "xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>t</title><ttl>30</ttl>"
      "<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>"
      "<atom:link rel=\"hub\" href=\"/hub\"/></channel></rss>",
      "https://example.com/feed.xml");
  ASSERT_TRUE(f.ttl);
  EXPECT_EQ(*f.ttl, std::chrono::minutes(30));
  ASSERT_TRUE(f.update_interval);
  EXPECT_EQ(*f.update_interval, std::chrono::hours(6));
  EXPECT_EQ(f.hub, "https://example.com/hub");
}

TEST(Hints, NonsenseIsIgnoredWithAWarning) {
  const Feed f = parse_ok(
      "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel>"
      "<ttl>-5</ttl><sy:updatePeriod>fortnightly</sy:updatePeriod></channel></rss>",
      "");
  EXPECT_FALSE(f.ttl);
  EXPECT_FALSE(f.update_interval);
  EXPECT_TRUE(f.hub.empty());
  EXPECT_EQ(f.warnings.size(), 2u);
}

TEST(Hints, AbsentWhenTheFeedGivesNone) {
  const Feed f = parse_file("rss20_arabic.xml");
  EXPECT_FALSE(f.ttl);
  EXPECT_FALSE(f.update_interval);
}

TEST(JsonFeed, FieldsAndFallbacks) {
  const Feed f = parse_file("jsonfeed11.json");
  ASSERT_EQ(f.entries.size(), 2u);
  const FeedEntry& a = f.entries[0];
  EXPECT_EQ(a.summary, "لقاء في القاهرة");
  EXPECT_EQ(a.content, "<p>التقى الرئيس عبد الفتاح السيسي المشير خليفة حفتر.</p>");
  EXPECT_EQ(iso(a.updated), "2020-06-03T11:30:00Z");
  EXPECT_EQ(a.author, "Nour (nour@json.example.com)");
  ASSERT_EQ(a.enclosures.size(), 1u);
  EXPECT_EQ(a.enclosures[0].length, "123");
  const FeedEntry& b = f.entries[1];
  EXPECT_EQ(b.id, "1");  // a number in the wild
  EXPECT_EQ(b.content, "Plain text only");
  EXPECT_EQ(b.author, "Feed Author");
  EXPECT_EQ(iso(b.published), "null");
  EXPECT_TRUE(has_warning(f, "yesterday"));
}

TEST(JsonFeed, SyntaxErrorHasLineAndColumn) {
  const Result<Feed> r = parse_feed(
      "{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n  \"items\": [,]\n}", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kParse);
  EXPECT_NE(r.error().message.find("line 3, column 13"), std::string::npos) << r.error().message;
}

TEST(JsonFeed, JsonThatIsNotAFeed) {
  const Result<Feed> r = parse_feed(R"({"hello": "world"})", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kParse);
  EXPECT_NE(r.error().message.find("not a JSON Feed"), std::string::npos);
}

// ---- recovery from ill-formed XML -------------------------------------------------

TEST(Recovery, EntitiesAmpersandsAndStrayLessThan) {
  const Feed f = parse_file("malformed_entities.xml");
  EXPECT_EQ(f.title, "Tom & Jerry’s © News");
  EXPECT_EQ(f.link, "https://bad.example.com/?a=1&b=2");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "AT&T &foo; deal — 5 < 6 \xEF\xBF\xBD \xEF\xBF\xBD");
  EXPECT_EQ(f.entries[0].link, "https://bad.example.com/item?id=1&ref=rss");
  EXPECT_EQ(f.entries[0].summary, "café");
  EXPECT_TRUE(has_warning(f, "HTML named entities"));
  EXPECT_TRUE(has_warning(f, "undefined entities kept as text (first: &foo;)"));
  EXPECT_TRUE(has_warning(f, "unescaped '&'"));
  EXPECT_TRUE(has_warning(f, "unescaped '<'"));
}

TEST(Recovery, GarbageBeforeAndAfterTheDocument) {
  const Feed f = parse_file("malformed_garbage.xml");
  EXPECT_EQ(f.title, "Garbage first");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "One");
  EXPECT_TRUE(has_warning(f, "garbage before the XML document"));
  EXPECT_TRUE(has_warning(f, "after the root element"));
}

TEST(Recovery, TruncatedFeedKeepsCompleteItemsInOrder) {
  const Feed f = parse_file("malformed_truncated.xml");
  ASSERT_GE(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].title, "First");
  EXPECT_EQ(f.entries[1].title, "Second");
  EXPECT_TRUE(has_warning(f, "XML error at line 7"))
      << (f.warnings.empty() ? "" : f.warnings.back());
}

TEST(Recovery, TruncatedInsideACharacter) {
  // The last byte is half of "ر": replaced, and the text before it kept.
  const Feed f = parse_ok("<rss><channel><item><title>t</title><description>مشا\xD8");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary, "مشا\xEF\xBF\xBD");
}

TEST(Recovery, HostileNestingDoesNotExhaustTheStack) {
  std::string open, close;
  for (int i = 0; i < 100000; ++i) {
    open += "<b>";
    close += "</b>";
  }
  const Feed f = parse_ok("<rss><channel><item><title>t" + open + "x" + close +
                          "</title><description>" + open + "y");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "tx");
  // Serialized as HTML down to a depth limit, then as text.
  EXPECT_TRUE(f.entries[0].summary.starts_with("<b><b>"));
  EXPECT_NE(f.entries[0].summary.find('y'), std::string::npos);
  EXPECT_LT(f.entries[0].summary.size(), 2000u);
}

// ---- nothing feed-like ------------------------------------------------------------

struct HopelessCase {
  const char* name;
  std::string bytes;
  const char* want_in_message;
};

class HopelessTest : public testing::TestWithParam<HopelessCase> {};

TEST_P(HopelessTest, FailsWithPosition) {
  const HopelessCase& c = GetParam();
  const Result<Feed> r = parse_feed(c.bytes, {.url = "https://x.example/feed"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kParse);
  EXPECT_NE(r.error().message.find(c.want_in_message), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HopelessTest,
    testing::Values(
        HopelessCase{"html_page", data("hopeless_html.html"),
                     "line 2, column 1: <html> is not an RSS, RDF or Atom root element"},
        HopelessCase{"broken_markup", data("hopeless_broken.xml"),
                     "line 3, column 12: Error parsing start element tag"},
        HopelessCase{"empty", "", "empty document"},
        HopelessCase{"whitespace", " \n\t ", "empty document"},
        HopelessCase{"plain_text", "just some text, no markup",
                     "line 1, column 1: no XML element found"},
        HopelessCase{"binary", std::string("\x00\x01\x02\xFF\xFE\x03", 6), "line 1"},
        HopelessCase{"wrong_namespace_feed", "<feed xmlns=\"http://example.com/other\"/>",
                     "<feed> is not an RSS, RDF or Atom root element"},
        // The position is in the decoded text: an Arabic line counts characters.
        HopelessCase{"position_counts_characters", "<x>\n<y>ليبيا</z>", "line 2, column 11"}),
    [](const testing::TestParamInfo<HopelessCase>& i) { return std::string(i.param.name); });

// ---- scale ------------------------------------------------------------------------

TEST(Scale, LargeArabicFeedKeepsEveryItemInOrder) {
  const std::string para = sample_line("000_2f2f26cc72d594b8.txt", 0);
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>big</title>\n";
  const int kItems = 2000;
  for (int i = 0; i < kItems; ++i) {
    const std::string n = std::to_string(i);
    xml += "<item><title>خبر رقم " + n + " &amp; news</title><link>/a/" + n + "</link><guid>g" + n +
           "</guid><pubDate>Wed, 03 Jun 2020 10:00:00 GMT</pubDate><description><![CDATA[<p>" +
           para + "</p>]]></description><content:encoded><![CDATA[<p>" + para + "</p><p>" + para +
           "</p>]]></content:encoded></item>\n";
  }
  xml += "</channel></rss>\n";
  const auto start = std::chrono::steady_clock::now();
  const Feed f = parse_ok(xml, "https://big.example/");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  ASSERT_EQ(f.entries.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) {
    ASSERT_EQ(f.entries[i].id, "g" + std::to_string(i));
  }
  EXPECT_EQ(f.entries[1999].title, "خبر رقم 1999 & news");
  EXPECT_EQ(f.entries[1999].link, "https://big.example/a/1999");
  EXPECT_TRUE(f.warnings.empty());
  // Not the benchmark (that wants >= 100k items/s), a guard against quadratic work.
  EXPECT_LT(ms.count(), 2000) << xml.size() << " bytes";
}

}  // namespace
}  // namespace nw
