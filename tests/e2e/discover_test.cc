// `newswatch discover` against a local site (a real HTTP server on 127.0.0.1):
// the feeds of the page's <link rel="alternate">, the sitemaps of its
// robots.txt and the usual paths, checked, ranked and printed as [[source]]
// blocks that newswatchd --check accepts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "tests/support/http_server.h"
#include "tests/support/process.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

std::string rss(const std::string& title, const std::vector<std::string>& dates) {
  std::string s = R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>)" +
                  title + "</title>";
  for (std::size_t i = 0; i < dates.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    s += "<item><guid>" + n + "</guid><title>t</title><link>http://x.test/" + n +
         "</link><pubDate>" + dates[i] + "</pubDate></item>";
  }
  return s + "</channel></rss>";
}

std::pair<int, std::string> discover(const std::string& url) {
  return test::run_command(test::build_binary("newswatch").string() + " discover " + url);
}

TEST(Discover, FindsRanksAndPrintsTheSitesFeedsAndSitemaps) {
  test::HttpServer site;
  site.set("/", {.body = "<html><head><title>Site</title>"
                         "<link rel=\"stylesheet\" href=\"/style.css\">"
                         "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"old.atom\">"
                         "<link rel=\"Alternate\" type=\"application/rss+xml; charset=utf-8\" "
                         "href=\"/news.rss\">"
                         "<link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\">"
                         "</head><body>hello</body></html>"});
  site.set("/news.rss", {.content_type = "application/rss+xml",
                         .body = rss("Latest news", {"Wed, 03 Jun 2020 09:15:00 GMT",
                                                     "Tue, 02 Jun 2020 08:00:00 GMT"})});
  site.set("/old.atom",
           {.content_type = "application/atom+xml",
            .body = R"(<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">)"
                    R"(<title>Archive</title><id>urn:x</id><updated>2019-01-01T00:00:00Z</updated>)"
                    R"(<entry><id>urn:1</id><title>old</title><link href="http://x.test/o"/>)"
                    R"(<updated>2019-01-01T00:00:00Z</updated></entry></feed>)"});
  // /feed is the RSS feed under another name: listed once.
  site.set("/feed", {.status = 301, .headers = {{"Location", site.url("/news.rss")}}});
  site.set("/robots.txt", {.content_type = "text/plain",
                           .body = "User-agent: *\nDisallow: /private\n\nSitemap: " +
                                   site.url("/sitemaps/news.xml") + "\n"});
  site.set("/sitemaps/news.xml",
           {.content_type = "application/xml",
            .body = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    R"(<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" )"
                    R"(xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">)"
                    R"(<url><loc>http://x.test/1</loc><news:news><news:publication_date>)"
                    R"(2020-06-03T10:00:00Z</news:publication_date></news:news></url>)"
                    R"(<url><loc>http://x.test/2</loc></url><url><loc>http://x.test/3</loc></url>)"
                    R"(</urlset>)"});
  site.set("/sitemap.xml",
           {.content_type = "application/xml",
            .body = R"(<?xml version="1.0"?><sitemapindex )"
                    R"(xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>)"
                    R"(<loc>http://x.test/s1.xml</loc></sitemap></sitemapindex>)"});
  site.set("/rss", {.body = "<html><body>not a feed</body></html>"});

  auto [rc, out] = discover(site.url("/"));
  ASSERT_EQ(rc, 0) << out;
  const auto at = [&out](const std::string& s) { return out.find(s); };
  EXPECT_NE(at("# newswatch discover " + site.url("/") + ": 2 feeds, 2 sitemaps, best first"),
            std::string::npos)
      << out;
  // The newest feed first, then the older one, then the sitemaps, dated first.
  const auto rss_at = at("url = \"" + site.url("/news.rss") + "\"");
  const auto atom_at = at("url = \"" + site.url("/old.atom") + "\"");
  const auto news_at = at("url = \"" + site.url("/sitemaps/news.xml") + "\"");
  const auto index_at = at("url = \"" + site.url("/sitemap.xml") + "\"");
  ASSERT_NE(rss_at, std::string::npos) << out;
  ASSERT_NE(atom_at, std::string::npos) << out;
  ASSERT_NE(news_at, std::string::npos) << out;
  ASSERT_NE(index_at, std::string::npos) << out;
  EXPECT_LT(rss_at, atom_at);
  EXPECT_LT(atom_at, news_at);
  EXPECT_LT(news_at, index_at);
  EXPECT_NE(at("# Latest news: 2 items, newest 2020-06-03T09:15:00Z; found via <link "
               "rel=\"alternate\">"),
            std::string::npos)
      << out;
  EXPECT_NE(at("# Archive: 1 items, newest 2019-01-01T00:00:00Z"), std::string::npos) << out;
  EXPECT_NE(at("# sitemap: 3 entries, newest 2020-06-03T10:00:00Z; found via robots.txt Sitemap:"),
            std::string::npos)
      << out;
  EXPECT_NE(at("# sitemap index: 1 entries, newest undated; found via a usual path"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("/feed\""), std::string::npos) << out;  // the redirect's target stands
  EXPECT_EQ(out.find("/rss\""), std::string::npos) << out;   // a page, not a feed
  EXPECT_NE(at("[[source]]\nid = \"127.0.0.1\"\nurl = \"" + site.url("/news.rss") +
               "\"\nkind = \"feed\"\n"),
            std::string::npos)
      << out;
  EXPECT_NE(at("id = \"127.0.0.1-2\""), std::string::npos) << out;

  // Pasted into a config, the blocks are a valid config.
  const fs::path dir =
      fs::temp_directory_path() / ("newswatch_discover_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "newswatch.toml") << "[daemon]\nstate_dir = \"state\"\n"
                                           "[publish]\nendpoint = \"tcp://127.0.0.1:"
                                        << test::free_tcp_port() << "\"\nreplay_endpoint = \"\"\n"
                                        << out;
  auto [check_rc, check_out] =
      test::run_command(test::build_binary("newswatchd").string() + " --check --config " +
                        (dir / "newswatch.toml").string());
  EXPECT_EQ(check_rc, 0) << check_out << "\n" << out;
  fs::remove_all(dir);
}

TEST(Discover, AFeedUrlIsItsOwnCandidate) {
  test::HttpServer site;
  site.set("/only.xml", {.content_type = "application/rss+xml",
                         .body = rss("Only", {"Wed, 03 Jun 2020 09:15:00 GMT"})});
  auto [rc, out] = discover(site.url("/only.xml"));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("1 feed, 0 sitemaps"), std::string::npos) << out;
  EXPECT_NE(out.find("# Only: 1 items, newest 2020-06-03T09:15:00Z; found via the URL given"),
            std::string::npos)
      << out;
}

TEST(Discover, AnUnreachableSiteOrOneWithoutFeedsExitsOne) {
  const std::string down = "http://127.0.0.1:" + std::to_string(test::free_tcp_port()) + "/";
  auto [rc, out] = discover(down);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("newswatch discover: cannot reach " + down + ": "), std::string::npos) << out;

  test::HttpServer site;
  site.set("/", {.body = "<html><body>no feeds here</body></html>"});
  auto [rc2, out2] = discover(site.url("/"));
  EXPECT_EQ(rc2, 1) << out2;
  EXPECT_NE(out2.find("offers no feed or sitemap"), std::string::npos) << out2;

  auto [rc3, out3] = discover("ftp://example.com/");
  EXPECT_EQ(rc3, 1);
  EXPECT_NE(out3.find("is not an http:// or https:// URL"), std::string::npos) << out3;
}

}  // namespace
}  // namespace nw
