#include "feeds/robots.h"

#include <gtest/gtest.h>

#include <string>

namespace nw {
namespace {

// RFC 9309 §5.1, the example file.
constexpr const char* kRfcExample =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

struct Case {
  const char* robots;
  const char* agent;
  const char* path;
  bool allowed;
};

class RobotsTable : public testing::TestWithParam<Case> {};

TEST_P(RobotsTable, Decides) {
  const Case& c = GetParam();
  EXPECT_EQ(robots_allowed(parse_robots(c.robots), c.agent, c.path), c.allowed)
      << c.agent << " " << c.path << " under\n"
      << c.robots;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9309Example, RobotsTable,
    testing::Values(
        // foobot: its own group; everything but the two allowed pages is off limits.
        Case{kRfcExample, "foobot", "/example/page.html", true},
        Case{kRfcExample, "foobot", "/example/allowed.gif", true},
        Case{kRfcExample, "foobot", "/example/other.html", false},
        Case{kRfcExample, "foobot", "/", false},
        Case{kRfcExample, "FooBot", "/publications/", false},  // case-insensitive token
        Case{kRfcExample, "foobot", "/robots.txt", true},      // implicitly allowed
        // barbot and bazbot share a group; the * group no longer applies to them.
        Case{kRfcExample, "barbot", "/example/page.html", false},
        Case{kRfcExample, "bazbot", "/example/page.html", false},
        Case{kRfcExample, "barbot", "/example/other.html", true},
        Case{kRfcExample, "barbot", "/x.gif", true},
        // quxbot: an empty group allows everything.
        Case{kRfcExample, "quxbot", "/example/page.html", true},
        Case{kRfcExample, "quxbot", "/x.gif", true},
        // Anyone else: the * group.
        Case{kRfcExample, "newswatch", "/x.gif", false},
        Case{kRfcExample, "newswatch", "/a/b/x.gif", false},
        Case{kRfcExample, "newswatch", "/x.gif?size=2", true},  // $ anchors the end
        Case{kRfcExample, "newswatch", "/example/", false},
        Case{kRfcExample, "newswatch", "/example/page.html", false},
        Case{kRfcExample, "newswatch", "/publications/", true},
        Case{kRfcExample, "newswatch", "/other", true}, Case{kRfcExample, "", "/example/", false}));

INSTANTIATE_TEST_SUITE_P(
    Rfc9309Rules, RobotsTable,
    testing::Values(
        // §5.2: the longest match wins.
        Case{"User-Agent: foobot\nAllow: /example/page/\n"
             "Disallow: /example/page/disallowed.gif\n",
             "foobot", "/example/page/disallowed.gif", false},
        Case{"User-Agent: foobot\nAllow: /example/page/\n"
             "Disallow: /example/page/disallowed.gif\n",
             "foobot", "/example/page/ok.gif", true},
        // §2.2.2: allow wins a tie.
        Case{"user-agent: *\ndisallow: /page\nallow: /page\n", "x", "/page", true},
        Case{"user-agent: *\nallow: /page\ndisallow: /page\n", "x", "/page", true},
        // A longer wildcard pattern beats a shorter literal one.
        Case{"user-agent: *\nallow: /a\ndisallow: /a*b\n", "x", "/a/b", false},
        // §2.2.3: * and $, and # comments.
        Case{"user-agent: *\ndisallow: /\nallow: /this/*/exactly\n", "x", "/this/a/b/exactly",
             true},
        Case{"user-agent: *\ndisallow: /\nallow: /this/*/exactly\n", "x", "/this/exactly", false},
        Case{"user-agent: *\ndisallow: /this/path/exactly$\n", "x", "/this/path/exactly", false},
        Case{"user-agent: *\ndisallow: /this/path/exactly$\n", "x", "/this/path/exactly/x", true},
        Case{"user-agent: *\ndisallow: / # everything\nallow: /$\n", "x", "/", true},
        Case{"user-agent: *\ndisallow: / # everything\nallow: /$\n", "x", "/page", false},
        Case{"user-agent: * # anyone\ndisallow: /private\n", "x", "/private/1", false},
        Case{"# user-agent: *\n# disallow: /\n", "x", "/", true},
        // §2.2.2: the encodings compared (the RFC's table).
        Case{"user-agent: *\ndisallow: /foo/bar?baz=quz\n", "x", "/foo/bar?baz=quz", false},
        Case{"user-agent: *\ndisallow: /foo/bar/\xE3\x83\x84\n", "x", "/foo/bar/%E3%83%84", false},
        Case{"user-agent: *\ndisallow: /foo/bar/%E3%83%84\n", "x", "/foo/bar/\xE3\x83\x84", false},
        Case{"user-agent: *\ndisallow: /foo/bar/%e3%83%84\n", "x", "/foo/bar/%E3%83%84", false},
        Case{"user-agent: *\ndisallow: /foo/bar/%62%61%7A\n", "x", "/foo/bar/baz", false},
        Case{"user-agent: *\ndisallow: /foo/bar/baz\n", "x", "/foo/bar/%62%61%7A", false},
        // A reserved character stays encoded: %2F is not a /.
        Case{"user-agent: *\ndisallow: /a/b\n", "x", "/a%2Fb", true},
        // Paths are case-sensitive; the key names are not.
        Case{"USER-AGENT: *\nDISALLOW: /Private\n", "x", "/private", true},
        Case{"USER-AGENT: *\nDISALLOW: /Private\n", "x", "/Private", false},
        // An empty disallow disallows nothing.
        Case{"user-agent: *\ndisallow:\n", "x", "/anything", true},
        // Rules before any user-agent line belong to no group.
        Case{"disallow: /\nuser-agent: *\nallow: /x\n", "x", "/y", true},
        // A rule ends the user-agent lines: the next user-agent starts a new group.
        Case{"user-agent: a\ndisallow: /a\nuser-agent: b\ndisallow: /b\n", "a", "/b", true},
        Case{"user-agent: a\ndisallow: /a\nuser-agent: b\ndisallow: /b\n", "b", "/b", false},
        // Two groups naming one agent are merged.
        Case{"user-agent: a\ndisallow: /1\n\nuser-agent: a\ndisallow: /2\n", "a", "/2", false},
        Case{"user-agent: a\ndisallow: /1\n\nuser-agent: a\ndisallow: /2\n", "a", "/1", false},
        // A version after the token in the file is ignored; CR LF and CR end lines.
        Case{"User-agent: newswatch/0.1\r\nDisallow: /x\r\n", "newswatch", "/x/1", false},
        Case{"User-agent: newswatch\rDisallow: /x\r", "newswatch", "/x/1", false},
        // Unknown lines are ignored without ending the group.
        Case{"user-agent: *\nfoo: bar\ndisallow: /x\n", "x", "/x", false},
        // A byte-order mark at the start.
        Case{"\xEF\xBB\xBFuser-agent: *\ndisallow: /x\n", "x", "/x", false},
        // No file, or nothing for anyone: everything is allowed.
        Case{"", "x", "/", true}, Case{"user-agent: other\ndisallow: /\n", "x", "/", true}));

TEST(Robots, ReadsSitemapsAndCrawlDelay) {
  const Robots r = parse_robots(
      "Sitemap: https://example.com/sitemap.xml\n"
      "user-agent: *\n"
      "crawl-delay: 2.5\n"
      "disallow: /private\n"
      "sitemap: https://example.com/news.xml # news\n"
      "user-agent: newswatch\n"
      "crawl-delay: 10\n");
  ASSERT_EQ(r.sitemaps.size(), 2u);
  EXPECT_EQ(r.sitemaps[0], "https://example.com/sitemap.xml");
  EXPECT_EQ(r.sitemaps[1], "https://example.com/news.xml");
  EXPECT_EQ(robots_rules_for(r, "other").crawl_delay, std::chrono::milliseconds(2500));
  EXPECT_EQ(robots_rules_for(r, "newswatch").crawl_delay, std::chrono::seconds(10));
  EXPECT_FALSE(
      robots_rules_for(parse_robots("user-agent: *\ncrawl-delay: soon\n"), "x").crawl_delay);
}

TEST(Robots, ParsesOnlyThe500KiBLimit) {
  std::string text = "user-agent: *\ndisallow: /early\n";
  text.append(kRobotsParseLimit - text.size(), '#');
  text += "\ndisallow: /late\n";
  const Robots r = parse_robots(text);
  EXPECT_FALSE(robots_allowed(r, "x", "/early"));
  EXPECT_TRUE(robots_allowed(r, "x", "/late"));
}

TEST(Robots, ProductToken) {
  EXPECT_EQ(robots_product_token("newswatch/0.1 (+https://github.com/newswatch/newswatch)"),
            "newswatch");
  EXPECT_EQ(robots_product_token("My_Bot-2"), "my_bot-");
  EXPECT_EQ(robots_product_token(""), "");
}

TEST(Robots, WholeUrls) {
  const Robots r = parse_robots("user-agent: *\ndisallow: /private\ndisallow: /*?print=1$\n");
  EXPECT_FALSE(robots_allows_url(r, "x", "https://example.com/private/a#top"));
  EXPECT_TRUE(robots_allows_url(r, "x", "https://example.com/public"));
  EXPECT_TRUE(robots_allows_url(r, "x", "https://example.com"));
  EXPECT_FALSE(robots_allows_url(r, "x", "https://example.com/a?print=1"));
  EXPECT_TRUE(robots_allows_url(r, "x", "https://example.com/a?print=10"));
  EXPECT_EQ(robots_url_for("https://Example.com:8443/a/b?c#d"),
            "https://example.com:8443/robots.txt");
  EXPECT_EQ(robots_url_for("http://127.0.0.1:5000/feed"), "http://127.0.0.1:5000/robots.txt");
  EXPECT_EQ(robots_url_for("ftp://example.com/x"), "");
}

TEST(Robots, MatchIsLinearInPractice) {
  // Many stars against a long path: bounded work, no recursion blow-up.
  const std::string pattern(2000, '*');
  const std::string path(20000, 'a');
  EXPECT_TRUE(robots_match(pattern + "a$", path));
  EXPECT_FALSE(robots_match(pattern + "b", path));
}

}  // namespace
}  // namespace nw
