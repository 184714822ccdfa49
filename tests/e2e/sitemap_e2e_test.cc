// End to end, kind = "sitemap" and per-source HTTP (issue 24): a real HTTP
// server on 127.0.0.1 serves a news sitemap index whose fresh child is gzip
// (.xml.gz, application/x-gzip) and whose old child is last modified years
// ago; a second site is reachable only through a forward proxy (another
// loopback server that answers the absolute URLs of proxied requests). The
// real newswatchd polls both and a ZeroMQ SUB socket receives the alerts:
// only the recent URLs are fetched, the source's headers (inline and from its
// 0600 headers_file) and user agent go with the sitemap and article requests.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string gzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// ISO 8601 of now - `ago`, as a news sitemap writes its dates.
std::string iso_ago(std::chrono::seconds ago) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string news_sitemap(const std::vector<std::pair<std::string, std::string>>& urls,
                         std::string_view language = "ar") {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
      "        xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"\n"
      "        xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n";
  for (const auto& [loc, date] : urls) {
    s += "<url><loc>" + loc + "</loc><news:news><news:publication><news:name>Site</news:name>" +
         "<news:language>" + std::string(language) +
         "</news:language></news:publication><news:publication_date>" + date +
         "</news:publication_date><news:title>t</news:title></news:news>" +
         "<image:image><image:loc>" + loc + ".jpg</image:loc></image:image></url>\n";
  }
  return s + "</urlset>\n";
}

class SitemapE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("newswatch_sitemap_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    const fs::path data = fs::path(NW_TEST_DATA) / "e2e";
    fs::copy_file(data / "libya.toml", dir_ / "watchlists" / "libya.toml");
    const std::string base = site_.url("");
    for (const auto& [path, file] :
         std::vector<std::pair<std::string, std::string>>{{"/articles/a1", "a1.html"},
                                                          {"/articles/a2", "a2.html"},
                                                          {"/articles/a3", "a3.html"},
                                                          {"/articles/e1", "e1.html"}}) {
      site_.set(path, {.body = test::read_fixture_file(data / file)});
    }
    // The index: a fresh gzip child, and an archive child last modified in 2019.
    site_.set("/sitemap.xml",
              {.content_type = "application/xml",
               .body = "<?xml version=\"1.0\"?>\n<sitemapindex "
                       "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
                       "<sitemap><loc>" +
                       base + "/sitemap-news.xml.gz</loc><lastmod>" + iso_ago(60s) +
                       "</lastmod></sitemap>\n<sitemap><loc>" + base +
                       "/sitemap-2019.xml</loc><lastmod>2019-12-31</lastmod></sitemap>\n"
                       "</sitemapindex>\n"});
    // a1 and e1 are recent; a2 (which alerts when read) and a3 are three days old.
    site_.set("/sitemap-news.xml.gz",
              {.content_type = "application/x-gzip",
               .body = gzip(news_sitemap({{base + "/articles/a1", iso_ago(1h)},
                                          {base + "/articles/e1", iso_ago(30min)},
                                          {base + "/articles/a2", iso_ago(72h)},
                                          {base + "/articles/a3", iso_ago(80h)}}))});
    site_.set("/sitemap-2019.xml",
              {.content_type = "application/xml",
               .body = news_sitemap({{base + "/articles/a2", "2019-12-30T10:00:00Z"}})});

    // The second site exists only behind the proxy.
    proxy_.set(kProxied + "/sitemap.xml",
               {.content_type = "application/xml",
                .body = news_sitemap({{kProxied + "/news/e1", iso_ago(10min)}})});
    proxy_.set(kProxied + "/news/e1", {.body = test::read_fixture_file(data / "e1.html")});

    const fs::path secrets = dir_ / "site.headers";
    std::ofstream(secrets) << "# kept out of the config\nCookie: consent=1; session=e2e\n";
    fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write);
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
    std::ofstream(dir_ / "newswatch.toml")
        << config_head() << "[[source]]\nid = \"site\"\nurl = \"" << base
        << "/sitemap.xml\"\nkind = \"sitemap\"\ninterval = \"1s\"\nmax_age = \"2d\"\n"
           "headers = { \"Accept-Language\" = \"ar\" }\nheaders_file = \"site.headers\"\n"
           "user_agent = \"sitemap-e2e/1\"\n"
           "[[source]]\nid = \"proxied\"\nurl = \""
        << kProxied << "/sitemap.xml\"\nkind = \"sitemap\"\ninterval = \"1s\"\nproxy = \""
        << proxy_.url("") << "\"\n";
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(endpoint_);
  }
  void TearDown() override {
    if (HasFailure())
      std::cerr << "---- newswatchd log ----\n" << test::read_file(dir_ / "daemon.log");
    fs::remove_all(dir_);
  }
  // (rule, url) of the alerts the daemon recorded (`newswatch alerts`), once
  // `want` of them are there or `limit` passed. The SUB socket may join after
  // the first alerts went out (a fast local site); the store has them all.
  std::set<std::pair<std::string, std::string>> recorded(std::size_t want,
                                                         std::chrono::milliseconds limit) {
    std::set<std::pair<std::string, std::string>> got;
    const auto read = [&] {
      got.clear();
      std::istringstream in(cli("alerts"));
      for (std::string line; std::getline(in, line);) {
        const json a = json::parse(line, nullptr, false);
        if (!a.is_discarded()) got.emplace(a["rule"], a["url"]);
      }
      return got.size() >= want;
    };
    if (!read()) (void)test::wait_for(read, limit, 500ms);
    return got;
  }
  // The config's lines before its sources: watchlists, state, endpoints, spacing.
  std::string config_head() const {
    return "watchlists = [\"watchlists/*.toml\"]\n"
           "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n"
           "[publish]\nendpoint = \"" +
           endpoint_ +
           "\"\nreplay_endpoint = \"tcp://127.0.0.1:" + std::to_string(test::free_tcp_port()) +
           "\"\n[http]\nhost_spacing = \"100ms\"\n";
  }
  // What `newswatch COMMAND --config ...` prints on stdout.
  std::string cli(const std::string& command) {
    return test::run_command("(" + test::build_binary("newswatch").string() + " " + command +
                             " --config " + (dir_ / "newswatch.toml").string() + " 2>/dev/null)")
        .second;
  }
  // (rule, url) of the alerts the SUB socket received so far.
  std::set<std::pair<std::string, std::string>> received() {
    std::set<std::pair<std::string, std::string>> got;
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(sub_, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return got;
      if (frames.size() != 2 || frames[0].to_string_view() == "_heartbeat") continue;
      const json body = json::parse(frames[1].to_string());
      got.emplace(body["rule"], body["url"]);
    }
  }

  inline static const std::string kProxied = "http://proxied.example.invalid";
  fs::path dir_;
  test::HttpServer site_;
  test::HttpServer proxy_;
  std::string endpoint_;
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
};

TEST_F(SitemapE2E, OnlyRecentUrlsAreFetchedAndAlertWithTheSourcesHeadersAndProxy) {
  test::Child daemon(test::build_binary("newswatchd"),
                     {"--config", (dir_ / "newswatch.toml").string()}, dir_ / "daemon.log",
                     dir_ / "daemon.log");
  const std::string base = site_.url("");
  const std::set<std::pair<std::string, std::string>> want = {
      {"haftar-cairo", base + "/articles/a1"},
      {"turkish-mercenaries", base + "/articles/a1"},
      {"haftar-cairo-en", base + "/articles/e1"},
      {"haftar-cairo-en", kProxied + "/news/e1"}};
  EXPECT_EQ(recorded(want.size(), 40s), want);
  // Three more polls of the index: nothing more may come of them.
  const int polls = site_.hits("/sitemap.xml");
  ASSERT_TRUE(test::wait_for([&] { return site_.hits("/sitemap.xml") >= polls + 3; }, 20s));
  EXPECT_EQ(recorded(want.size(), 0s), want);
  // Those the SUB socket got are among them (it may have joined after some).
  const auto live = received();
  for (const auto& a : live) EXPECT_TRUE(want.contains(a)) << a.first << " " << a.second;

  // Only the recent URLs were fetched; the 2019 child was never asked for.
  EXPECT_EQ(site_.hits("/articles/a1"), 1);
  EXPECT_EQ(site_.hits("/articles/e1"), 1);
  EXPECT_EQ(site_.hits("/articles/a2"), 0);
  EXPECT_EQ(site_.hits("/articles/a3"), 0);
  EXPECT_EQ(site_.hits("/sitemap-2019.xml"), 0);
  // The index was polled again and again; its fresh child once (its lastmod stayed).
  EXPECT_GE(site_.hits("/sitemap.xml"), 3);
  EXPECT_EQ(site_.hits("/sitemap-news.xml.gz"), 1);

  // The source's headers and user agent, on the index, the child and the articles.
  for (const char* path : {"/sitemap.xml", "/sitemap-news.xml.gz", "/articles/a1"}) {
    SCOPED_TRACE(path);
    const httplib::Headers h = site_.last_headers(path);
    EXPECT_EQ(httplib::detail::get_header_value(h, "Cookie", 0, ""),
              std::string("consent=1; session=e2e"));
    EXPECT_EQ(httplib::detail::get_header_value(h, "Accept-Language", 0, ""), std::string("ar"));
    EXPECT_EQ(httplib::detail::get_header_value(h, "User-Agent", 0, ""),
              std::string("sitemap-e2e/1"));
  }
  // The proxied site: sitemap and article both went through the proxy.
  EXPECT_GE(proxy_.hits(kProxied + "/sitemap.xml"), 1);
  EXPECT_EQ(proxy_.hits(kProxied + "/news/e1"), 1);
  EXPECT_FALSE(proxy_.last_headers(kProxied + "/news/e1").count("Cookie"));

  EXPECT_EQ(daemon.stop(), 0);
  const std::string log = test::read_file(dir_ / "daemon.log");
  EXPECT_NE(log.find("4 URLs, 2 within max_age 48h, 2 older, 0 undated"), std::string::npos)
      << "the child's debug line";
  EXPECT_NE(log.find("(4 alerts published)"), std::string::npos);
  EXPECT_EQ(log.find("session=e2e"), std::string::npos) << "the cookie must not be logged";
}

// news:language is the item's declared language: on a page too short for CLD2
// to decide (and declaring none itself) it is the alert's language, and a rule
// with `languages = ["ar"]` sees it. The same page listed as "en" does not alert.
TEST_F(SitemapE2E, NewsLanguageIsTheDeclaredLanguageRulesSee) {
  const std::string base = site_.url("");
  const std::string page =
      "<html><head><title>حفتر في القاهرة</title></head><body><article><p>حفتر في القاهرة.</p>"
      "</article></body></html>";
  site_.set("/short/ar", {.body = page});
  site_.set("/short/en", {.body = page});
  site_.set("/lang-ar.xml", {.content_type = "application/xml",
                             .body = news_sitemap({{base + "/short/ar", iso_ago(1h)}}, "ar")});
  site_.set("/lang-en.xml", {.content_type = "application/xml",
                             .body = news_sitemap({{base + "/short/en", iso_ago(1h)}}, "en")});
  fs::remove(dir_ / "watchlists" / "libya.toml");
  std::ofstream(dir_ / "watchlists" / "arabic.toml")
      << "name = \"arabic\"\n[[rule]]\nid = \"haftar-cairo-ar\"\n"
         "query = 'حفتر AND القاهرة'\nlanguages = [\"ar\"]\n";
  std::ofstream(dir_ / "newswatch.toml")
      << config_head() << "[[source]]\nid = \"ar\"\nurl = \"" << base
      << "/lang-ar.xml\"\nkind = \"sitemap\"\ninterval = \"1s\"\n"
      << "[[source]]\nid = \"en\"\nurl = \"" << base
      << "/lang-en.xml\"\nkind = \"sitemap\"\ninterval = \"1s\"\n";
  test::Child daemon(test::build_binary("newswatchd"),
                     {"--config", (dir_ / "newswatch.toml").string()}, dir_ / "daemon.log",
                     dir_ / "daemon.log");
  // Both pages read, then the alerts: the "en" one, read as well, must not alert.
  ASSERT_TRUE(test::wait_for(
      [&] { return site_.hits("/short/ar") == 1 && site_.hits("/short/en") == 1; }, 30s));
  const std::set<std::pair<std::string, std::string>> want = {
      {"haftar-cairo-ar", base + "/short/ar"}};
  EXPECT_EQ(recorded(want.size(), 30s), want);
  EXPECT_EQ(daemon.stop(), 0);
  EXPECT_EQ(recorded(want.size(), 0s), want) << "all alerts recorded once the daemon stopped";

  const std::string cmd = test::build_binary("newswatch").string() + " alerts --config " +
                          (dir_ / "newswatch.toml").string() + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  const json a = json::parse(out.substr(0, out.find('\n')));
  EXPECT_EQ(a["language"], "ar") << out;
  EXPECT_EQ(a["language_from"], "declared") << out;
}

// At the protocol's limit: a sitemap of 50,000 URLs, 20 of them from the last
// hours and the rest from the previous weeks. The daemon fetches the 20 and no
// other (no route answers the old ones: each would count a hit).
TEST_F(SitemapE2E, FiftyThousandUrlsOnlyTheRecentAreFetched) {
  const std::string base = site_.url("");
  std::vector<std::pair<std::string, std::string>> urls;
  for (int i = 0; i < 50'000; ++i) {
    const bool recent = i % 2500 == 0;  // 20 of them
    urls.emplace_back(
        base + "/big/" + std::to_string(i),
        iso_ago(recent ? std::chrono::minutes(i / 100) : 72h + std::chrono::minutes(i)));
    if (recent)
      site_.set("/big/" + std::to_string(i), {.body = "<html><body><p>x</p></body></html>"});
  }
  // gzip, as big sites serve them (and the test server would spend long compressing 17 MB).
  site_.set("/big.xml.gz",
            {.content_type = "application/x-gzip", .body = gzip(news_sitemap(urls))});
  std::ofstream(dir_ / "newswatch.toml")
      << "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n[publish]\nendpoint = \""
      << endpoint_ << "\"\nreplay_endpoint = \"\"\n[http]\nhost_spacing = \"100ms\"\n"
      << "[[source]]\nid = \"big\"\nurl = \"" << base << "/big.xml.gz\"\nkind = \"sitemap\"\n"
      << "interval = \"1h\"\n";
  test::Child daemon(test::build_binary("newswatchd"),
                     {"--config", (dir_ / "newswatch.toml").string()}, dir_ / "daemon.log",
                     dir_ / "daemon.log");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  auto fetched = [&] {
    int n = 0;
    for (int i = 0; i < 50'000; i += 2500) n += site_.hits("/big/" + std::to_string(i));
    return n;
  };
  (void)test::wait_for(
      [&] { return fetched() >= 20 || std::chrono::steady_clock::now() >= deadline; }, 60s, 200ms);
  EXPECT_EQ(fetched(), 20);
  // The poll recorded its items before fetching any: 20 items, so no other URL can follow.
  const json status = json::parse(cli("status --json"), nullptr, false);
  ASSERT_FALSE(status.is_discarded());
  EXPECT_EQ(status["sources"][0]["items"], 20) << status.dump();
  EXPECT_EQ(site_.hits("/big.xml.gz"), 1);
  int old = 0;
  for (int i = 0; i < 50'000; ++i) {
    if (i % 2500 != 0) old += site_.hits("/big/" + std::to_string(i));
  }
  EXPECT_EQ(old, 0);
  EXPECT_EQ(daemon.stop(), 0);
  const std::string log = test::read_file(dir_ / "daemon.log");
  EXPECT_NE(log.find("50000 URLs, 20 within max_age 48h, 49980 older, 0 undated"),
            std::string::npos);
}

}  // namespace
}  // namespace nw
