#include "feeds/curl_fetcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "feeds/feed_parser.h"
#include "tests/support/files.h"
#include "tests/support/http_server.h"

// GCC 12 warns about members left to their defaults even in designated
// initializers, which is how this test (and the project) writes options.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace nw {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::HasSubstr;
using testing::StartsWith;

// Test-sized options: short timeouts so a failing test fails fast.
FetchOptions fast_options() {
  return FetchOptions{
      .user_agent = "newswatch-test/1",
      .connect_timeout = milliseconds(2'000),
      .total_timeout = milliseconds(5'000),
      .host_spacing = milliseconds(0),
  };
}

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

using test::read_file;

// A redirect to `to` with the given status.
test::CannedResponse redirect(int status, std::string to) {
  return test::CannedResponse{
      .status = status, .body = "moved", .headers = {{"Location", std::move(to)}}};
}

class CurlFetcherTest : public testing::Test {
 protected:
  // Declared before the fetcher: the fetcher closes its connections first, so
  // the server's keep-alive threads end at once on shutdown.
  test::HttpServer server_;
  std::unique_ptr<Fetcher> fetcher_ = make_curl_fetcher(fast_options());

  Result<FetchResponse> get(const std::string& path, std::string etag = "", std::string lm = "") {
    return fetch_blocking(*fetcher_,
                          FetchRequest{server_.url(path), std::move(etag), std::move(lm)});
  }
};

TEST_F(CurlFetcherTest, FetchesBodyAndResponseHeaders) {
  server_.set("/feed.xml", {.status = 200,
                            .content_type = "application/rss+xml; charset=windows-1256",
                            .body = "<rss/>",
                            .etag = "\"v1\"",
                            .last_modified = "Tue, 04 Jun 2024 10:00:00 GMT",
                            .headers = {{"Content-Location", "/feeds/ar/rss.xml"}}});
  auto r = get("/feed.xml");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->url, server_.url("/feed.xml"));
  EXPECT_EQ(r->body, "<rss/>");
  EXPECT_EQ(r->content_type, "application/rss+xml; charset=windows-1256");
  EXPECT_EQ(r->etag, "\"v1\"");
  EXPECT_EQ(r->last_modified, "Tue, 04 Jun 2024 10:00:00 GMT");
  EXPECT_EQ(r->content_location, "/feeds/ar/rss.xml");
  EXPECT_FALSE(r->moved_to.has_value());
  EXPECT_FALSE(r->retry_after.has_value());

  const auto headers = server_.last_headers("/feed.xml");
  EXPECT_EQ(httplib::detail::get_header_value(headers, "User-Agent", 0, ""),
            std::string("newswatch-test/1"));
  EXPECT_FALSE(headers.count("If-None-Match"));
  EXPECT_FALSE(headers.count("If-Modified-Since"));
}

TEST_F(CurlFetcherTest, HttpErrorStatusIsAResponse) {
  auto r = get("/nothing-here");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "not found");
}

TEST_F(CurlFetcherTest, ConditionalGetWithETag) {
  server_.set("/c", {.body = "content", .etag = "\"abc\""});
  auto r = get("/c", "\"abc\"");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->etag, "\"abc\"");
  EXPECT_EQ(httplib::detail::get_header_value(server_.last_headers("/c"), "If-None-Match", 0, ""),
            std::string("\"abc\""));

  auto stale = get("/c", "\"old\"");
  ASSERT_TRUE(stale.has_value()) << stale.error().message;
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, "content");
}

TEST_F(CurlFetcherTest, ConditionalGetWithLastModified) {
  const std::string lm = "Wed, 05 Jun 2024 08:30:00 GMT";
  server_.set("/lm", {.body = "content", .last_modified = lm});
  auto r = get("/lm", "", lm);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->last_modified, lm);
  EXPECT_EQ(
      httplib::detail::get_header_value(server_.last_headers("/lm"), "If-Modified-Since", 0, ""),
      lm);
}

TEST_F(CurlFetcherTest, ValidatorWithLineBreakIsRefused) {
  auto r = get("/c", "\"x\"\r\nX-Injected: 1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_EQ(server_.hits("/c"), 0);
}

// A real Arabic article, compressed by the server with whatever encoding it
// picks from our Accept-Encoding (httplib: br or gzip), comes back byte-exact.
TEST_F(CurlFetcherTest, UndoesContentEncoding) {
  const std::string article = test::read_arabic_sample("000_2f2f26cc72d594b8.txt");
  ASSERT_GT(article.size(), 1000u);
  server_.set("/article", {.content_type = "text/html; charset=utf-8", .body = article});
  auto r = get("/article");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->body, article);
  const std::string accept =
      httplib::detail::get_header_value(server_.last_headers("/article"), "Accept-Encoding", 0, "");
  EXPECT_THAT(accept, HasSubstr("gzip"));
  EXPECT_THAT(accept, HasSubstr("br"));

  const std::string text = "خليفة حفتر يصل إلى القاهرة في زيارة رسمية\n";
  const std::string packed = gzip(text);
  server_.handle_with("/gz", [packed](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(packed, "application/octet-stream");
  });
  auto gz = get("/gz");
  ASSERT_TRUE(gz.has_value()) << gz.error().message;
  EXPECT_EQ(gz->body, text);
}

TEST(CurlFetcherCap, GzipBombIsStoppedByTheCap) {
  test::HttpServer server;
  const std::string bomb = gzip(std::string(16 << 20, '\0'));  // 16 MiB of zeros
  ASSERT_LT(bomb.size(), 100'000u);
  server.handle_with("/bomb", [&bomb](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(bomb, "application/octet-stream");
  });
  FetchOptions options = fast_options();
  options.max_body_bytes = 1 << 20;
  auto fetcher = make_curl_fetcher(options);
  auto r = fetch_blocking(*fetcher, {server.url("/bomb")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  EXPECT_EQ(r.error().message, "body larger than 1048576 bytes: " + server.url("/bomb"));
}

TEST(CurlFetcherCap, ContentLengthAboveCapIsRefusedAndCapItselfPasses) {
  test::HttpServer server;
  // application/octet-stream: httplib leaves it uncompressed, so Content-Length is the body size.
  server.set("/big", {.content_type = "application/octet-stream", .body = std::string(4097, 'x')});
  server.set("/exact",
             {.content_type = "application/octet-stream", .body = std::string(4096, 'x')});
  FetchOptions options = fast_options();
  options.max_body_bytes = 4096;
  auto fetcher = make_curl_fetcher(options);

  auto big = fetch_blocking(*fetcher, {server.url("/big")});
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, Errc::kTooLarge);
  EXPECT_EQ(big.error().message, "body larger than 4096 bytes: " + server.url("/big"));

  auto exact = fetch_blocking(*fetcher, {server.url("/exact")});
  ASSERT_TRUE(exact.has_value()) << exact.error().message;
  EXPECT_EQ(exact->body.size(), 4096u);
}

struct RedirectCase {
  int status;
  bool permanent;
};

class RedirectTest : public CurlFetcherTest, public testing::WithParamInterface<RedirectCase> {};

TEST_P(RedirectTest, FollowsAndReportsPermanentMoves) {
  const auto c = GetParam();
  server_.set("/old", redirect(c.status, "/new"));
  server_.set("/new", {.body = "new home", .etag = "\"n\""});
  auto r = get("/old");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "new home");
  EXPECT_EQ(r->url, server_.url("/new"));
  EXPECT_EQ(r->etag, "\"n\"");  // headers of the final response, not the redirect's
  if (c.permanent) {
    EXPECT_EQ(r->moved_to, server_.url("/new"));
  } else {
    EXPECT_FALSE(r->moved_to.has_value()) << *r->moved_to;
  }
}

INSTANTIATE_TEST_SUITE_P(Statuses, RedirectTest,
                         testing::Values(RedirectCase{301, true}, RedirectCase{308, true},
                                         RedirectCase{302, false}, RedirectCase{307, false}),
                         [](const auto& info) { return std::to_string(info.param.status); });

// Content-Location is the final response's: a redirect's header does not leak
// into the answer of the page it points to.
TEST_F(CurlFetcherTest, ContentLocationIsTheFinalResponses) {
  server_.set("/hop", {.status = 302,
                       .body = "moved",
                       .headers = {{"Location", "/plain"}, {"Content-Location", "/hop-body"}}});
  server_.set("/plain", {.body = "<rss/>"});
  server_.set("/abs", {.body = "<rss/>",
                       .headers = {{"Content-Location", "http://example.com/feeds/main.xml"}}});
  auto plain = get("/hop");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(plain->url, server_.url("/plain"));
  EXPECT_EQ(plain->content_location, "");
  auto abs = get("/abs");
  ASSERT_TRUE(abs.has_value()) << abs.error().message;
  EXPECT_EQ(abs->content_location, "http://example.com/feeds/main.xml");
}

// What the daemon does with a fetched feed: the relative Content-Location is
// resolved against the URL the body came from (after redirects), and the
// feed's relative links, ids and links inside content against that.
TEST_F(CurlFetcherTest, RelativeContentLocationIsTheBaseOfTheParsedFeed) {
  const std::string feed =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
      "<link>./</link><item><title>a</title><link>story.html</link><guid>posts/7</guid>"
      "<description>&lt;img src=\"img/a.png\"&gt;</description></item></channel></rss>";
  server_.set("/old", redirect(301, "/feeds/rss"));
  server_.set("/feeds/rss", {.content_type = "application/rss+xml",
                             .body = feed,
                             .headers = {{"Content-Location", "../archive/2024/rss.xml"}}});
  auto r = get("/old");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->content_location, "../archive/2024/rss.xml");
  auto parsed = parse_feed(
      r->body,
      {.url = r->url, .content_type = r->content_type, .content_location = r->content_location});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->link, server_.url("/archive/2024/"));
  ASSERT_EQ(parsed->entries.size(), 1u);
  EXPECT_EQ(parsed->entries[0].link, server_.url("/archive/2024/story.html"));
  EXPECT_EQ(parsed->entries[0].id, server_.url("/archive/2024/posts/7"));
  EXPECT_EQ(parsed->entries[0].summary,
            "<img src=\"" + server_.url("/archive/2024/img/a.png") + "\">");
  // Without the header, the request URL is the base.
  auto without = parse_feed(r->body, {.url = r->url});
  ASSERT_TRUE(without.has_value());
  EXPECT_EQ(without->entries[0].link, server_.url("/feeds/story.html"));
}

TEST_F(CurlFetcherTest, MovedToStopsAtTheFirstTemporaryHop) {
  server_.set("/a", redirect(301, "/b"));
  server_.set("/b", redirect(302, "/c"));
  server_.set("/c", {.body = "c"});
  auto r = get("/a");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->body, "c");
  EXPECT_EQ(r->moved_to, server_.url("/b"));

  server_.set("/p1", redirect(308, "/p2"));
  server_.set("/p2", redirect(301, server_.url("/p3")));
  server_.set("/p3", {.body = "p3"});
  auto chain = get("/p1");
  ASSERT_TRUE(chain.has_value()) << chain.error().message;
  EXPECT_EQ(chain->moved_to, server_.url("/p3"));

  server_.set("/t", redirect(307, "/u"));
  server_.set("/u", redirect(301, "/v"));
  server_.set("/v", {.body = "v"});
  auto temp_first = get("/t");
  ASSERT_TRUE(temp_first.has_value()) << temp_first.error().message;
  EXPECT_FALSE(temp_first->moved_to.has_value());
}

TEST_F(CurlFetcherTest, RedirectLoopIsAnError) {
  server_.set("/loop1", redirect(302, "/loop2"));
  server_.set("/loop2", redirect(302, "/loop1"));
  auto r = get("/loop1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNetwork);
  EXPECT_THAT(r.error().message, StartsWith("GET " + server_.url("/loop1") + ": "));
  EXPECT_THAT(r.error().message, HasSubstr("redirect"));
  EXPECT_EQ(server_.hits("/loop1") + server_.hits("/loop2"), 6);  // first request + 5 redirects
}

TEST(CurlFetcherRedirects, MaxRedirectsIsHonoured) {
  test::HttpServer server;
  server.set("/r1", redirect(301, "/r2"));
  server.set("/r2", redirect(301, "/r3"));
  server.set("/r3", {.body = "end"});
  FetchOptions two = fast_options();
  two.max_redirects = 2;
  auto ok = fetch_blocking(*make_curl_fetcher(two), {server.url("/r1")});
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->body, "end");

  FetchOptions one = fast_options();
  one.max_redirects = 1;
  auto too_many = fetch_blocking(*make_curl_fetcher(one), {server.url("/r1")});
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, Errc::kNetwork);

  // No following at all: the redirect itself is the answer.
  FetchOptions none = fast_options();
  none.max_redirects = 0;
  auto raw = fetch_blocking(*make_curl_fetcher(none), {server.url("/r1")});
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  EXPECT_EQ(raw->status, 301);
  EXPECT_FALSE(raw->moved_to.has_value());
}

TEST_F(CurlFetcherTest, RedirectToOtherSchemeIsRefused) {
  server_.set("/to-file", redirect(302, "file:///etc/passwd"));
  server_.set("/to-ftp", redirect(301, "ftp://127.0.0.1/pub"));
  for (const char* path : {"/to-file", "/to-ftp"}) {
    auto r = get(path);
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_EQ(r.error().code, Errc::kUnsupported) << r.error().message;
    EXPECT_THAT(r.error().message, HasSubstr("not supported")) << r.error().message;
    EXPECT_THAT(r.error().message, HasSubstr(server_.url(path)));
  }
}

struct BadUrlCase {
  const char* url;
  Errc code;
};

class BadUrlTest : public testing::TestWithParam<BadUrlCase> {};

TEST_P(BadUrlTest, RefusedWithoutNetworkFromRun) {
  auto fetcher = make_curl_fetcher(fast_options());
  std::optional<Result<FetchResponse>> got;
  fetcher->submit({GetParam().url}, [&got](Result<FetchResponse> r) { got = std::move(r); });
  EXPECT_FALSE(got.has_value()) << "callback must not run inside submit()";
  EXPECT_EQ(fetcher->pending(), 1u);
  fetcher->run(milliseconds(0));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(fetcher->pending(), 0u);
  ASSERT_FALSE(got->has_value());
  EXPECT_EQ(got->error().code, GetParam().code) << got->error().message;
  EXPECT_THAT(got->error().message, HasSubstr(GetParam().url));
}

INSTANTIATE_TEST_SUITE_P(Cases, BadUrlTest,
                         testing::Values(BadUrlCase{"ftp://example.com/feed.xml",
                                                    Errc::kUnsupported},
                                         BadUrlCase{"file:///etc/passwd", Errc::kUnsupported},
                                         BadUrlCase{"gopher://example.com/", Errc::kUnsupported},
                                         BadUrlCase{"javascript:alert(1)", Errc::kUnsupported},
                                         BadUrlCase{"HTTPX://example.com/", Errc::kUnsupported},
                                         BadUrlCase{"example.com/feed", Errc::kInvalid},
                                         BadUrlCase{"http://", Errc::kInvalid},
                                         BadUrlCase{"http://exa mple.com/", Errc::kInvalid},
                                         BadUrlCase{"", Errc::kInvalid}));

TEST(CurlFetcherErrors, ConnectionRefusedNamesUrlAndCause) {
  auto fetcher = make_curl_fetcher(fast_options());
  auto r = fetch_blocking(*fetcher, {"http://127.0.0.1:1/x"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNetwork);
  EXPECT_THAT(r.error().message, StartsWith("GET http://127.0.0.1:1/x: "));
  EXPECT_THAT(r.error().message, HasSubstr("Couldn't connect to server"));
}

TEST_F(CurlFetcherTest, TlsFailureIsANetworkError) {
  // TLS handshake against a plain-HTTP server.
  auto r = fetch_blocking(*fetcher_, {"https://127.0.0.1:" + std::to_string(server_.port()) + "/"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNetwork);
  EXPECT_THAT(r.error().message, StartsWith("GET https://127.0.0.1:"));
  EXPECT_THAT(r.error().message, HasSubstr("SSL")) << r.error().message;
}

TEST(CurlFetcherErrors, TotalTimeout) {
  test::HttpServer server;
  server.handle_with("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(milliseconds(1'000));  // a slow host, not a wait
    res.set_content("late", "text/plain");
  });
  FetchOptions options = fast_options();
  options.total_timeout = milliseconds(200);
  auto fetcher = make_curl_fetcher(options);
  const auto start = steady_clock::now();
  auto r = fetch_blocking(*fetcher, {server.url("/slow")});
  EXPECT_LT(steady_clock::now() - start, milliseconds(900));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNetwork);
  EXPECT_THAT(r.error().message, HasSubstr("timed out"));
}

TEST(CurlFetcherErrors, DrippingServerIsDropped) {
  test::HttpServer server;
  server.handle_with("/drip", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream",
                                     [](size_t offset, httplib::DataSink& sink) {
                                       if (offset >= 8) {
                                         sink.done();
                                         return true;
                                       }
                                       // A byte a second: the host under test.
                                       std::this_thread::sleep_for(milliseconds(1'000));
                                       return sink.write("x", 1);
                                     });
  });
  FetchOptions options = fast_options();
  options.total_timeout = milliseconds(20'000);
  options.low_speed_bytes = 64;
  options.low_speed_time = seconds(1);
  auto fetcher = make_curl_fetcher(options);
  const auto start = steady_clock::now();
  auto r = fetch_blocking(*fetcher, {server.url("/drip")});
  EXPECT_LT(steady_clock::now() - start, seconds(4));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNetwork);
  EXPECT_THAT(r.error().message, StartsWith("GET " + server.url("/drip") + ": "));
  EXPECT_THAT(r.error().message, HasSubstr("too slow"));
}

struct RetryAfterCase {
  const char* name;
  int status;
  long long header_offset;  // HTTP-date this many seconds from now, unless `value` is set
  const char* value;
  std::optional<long long> want_min;
  long long want_max;
};

class RetryAfterTest : public CurlFetcherTest,
                       public testing::WithParamInterface<RetryAfterCase> {};

std::string http_date(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST_P(RetryAfterTest, Parses) {
  const auto c = GetParam();
  const std::string value = c.value ? c.value : http_date(std::time(nullptr) + c.header_offset);
  server_.set("/busy", {.status = c.status, .body = "busy", .headers = {{"Retry-After", value}}});
  auto r = get("/busy");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, c.status);
  if (!c.want_min) {
    EXPECT_FALSE(r->retry_after.has_value()) << r->retry_after->count();
    return;
  }
  ASSERT_TRUE(r->retry_after.has_value()) << value;
  EXPECT_GE(r->retry_after->count(), *c.want_min) << value;
  EXPECT_LE(r->retry_after->count(), c.want_max) << value;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RetryAfterTest,
    testing::Values(RetryAfterCase{"Seconds503", 503, 0, "120", 120, 120},
                    RetryAfterCase{"Seconds429", 429, 0, " 7 ", 7, 7},
                    RetryAfterCase{"Date429", 429, 90, nullptr, 85, 90},
                    RetryAfterCase{"PastDateIsZero", 503, -3600, nullptr, 0, 0},
                    RetryAfterCase{"HugeIsClampedToAYear", 503, 0, "99999999999999999999",
                                   31'536'000, 31'536'000},
                    RetryAfterCase{"FarDateIsClampedToAYear", 503, 10LL * 365 * 24 * 3600, nullptr,
                                   31'536'000, 31'536'000},
                    RetryAfterCase{"Garbage", 503, 0, "soon", std::nullopt, 0},
                    RetryAfterCase{"Negative", 503, 0, "-5", std::nullopt, 0},
                    RetryAfterCase{"IgnoredOn200", 200, 0, "60", std::nullopt, 0}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(CurlFetcherTest, TwoHundredConcurrentRequestsAllComplete) {
  server_.set("/many", {.body = "ok"});
  int ok = 0;
  int failed = 0;
  for (int i = 0; i < 200; ++i) {
    fetcher_->submit({server_.url("/many?i=" + std::to_string(i))}, [&](Result<FetchResponse> r) {
      (r && r->status == 200 && r->body == "ok") ? ++ok : ++failed;
    });
  }
  EXPECT_EQ(fetcher_->pending(), 200u);
  const auto deadline = steady_clock::now() + seconds(10);
  while (fetcher_->pending() > 0 && steady_clock::now() < deadline)
    fetcher_->run(milliseconds(500));
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(server_.hits("/many"), 200);
}

TEST(CurlFetcherConcurrency, SlowHostDoesNotDelayFastOne) {
  test::HttpServer slow_host;
  test::HttpServer fast_host;
  slow_host.handle_with("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(milliseconds(2'000));  // the slow host, not a wait
    res.set_content("slow", "text/plain");
  });
  fast_host.set("/fast", {.body = "fast"});
  auto fetcher = make_curl_fetcher(fast_options());
  std::vector<std::string> order;
  const auto start = steady_clock::now();
  steady_clock::duration fast_took{};
  fetcher->submit({slow_host.url("/slow")}, [&](Result<FetchResponse> r) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    order.push_back(r->body);
  });
  fetcher->submit({fast_host.url("/fast")}, [&](Result<FetchResponse> r) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    fast_took = steady_clock::now() - start;
    order.push_back(r->body);
  });
  const auto deadline = steady_clock::now() + seconds(10);
  while (fetcher->pending() > 0 && steady_clock::now() < deadline) fetcher->run(seconds(1));
  EXPECT_EQ(order, (std::vector<std::string>{"fast", "slow"}));
  EXPECT_LT(fast_took, milliseconds(1'000));
}

TEST_F(CurlFetcherTest, CallbackMaySubmitMore) {
  server_.set("/first", {.body = "1"});
  server_.set("/second", {.body = "2"});
  std::vector<std::string> bodies;
  fetcher_->submit({server_.url("/first")}, [&](Result<FetchResponse> r) {
    ASSERT_TRUE(r.has_value());
    bodies.push_back(r->body);
    fetcher_->submit({server_.url("/second")}, [&](Result<FetchResponse> r2) {
      ASSERT_TRUE(r2.has_value());
      bodies.push_back(r2->body);
    });
  });
  const auto deadline = steady_clock::now() + seconds(5);
  while (fetcher_->pending() > 0 && steady_clock::now() < deadline)
    fetcher_->run(milliseconds(500));
  EXPECT_EQ(bodies, (std::vector<std::string>{"1", "2"}));
}

TEST(CurlFetcherWakeup, WakeupEndsABlockedRun) {
  auto fetcher = make_curl_fetcher(fast_options());
  std::jthread waker([&fetcher] {
    // Most likely while run() below waits: nothing shows that it has started
    // waiting. Either way the run must end early (a wakeup before a run is
    // kept, the next test), so a late start only changes which case is tried.
    std::this_thread::sleep_for(milliseconds(100));
    fetcher->wakeup();
  });
  const auto start = steady_clock::now();
  fetcher->run(seconds(10));
  EXPECT_LT(steady_clock::now() - start, seconds(2));
}

TEST(CurlFetcherWakeup, WakeupBeforeRunIsNotLost) {
  auto fetcher = make_curl_fetcher(fast_options());
  fetcher->wakeup();
  const auto start = steady_clock::now();
  fetcher->run(seconds(10));
  EXPECT_LT(steady_clock::now() - start, milliseconds(500));
  // Consumed: the next run waits its full time.
  const auto again = steady_clock::now();
  fetcher->run(milliseconds(200));
  EXPECT_GE(steady_clock::now() - again, milliseconds(190));
}

// ---- Politeness ----

// Records when each request arrived and how many ran at once.
struct Arrivals {
  std::mutex mutex;
  std::vector<steady_clock::time_point> at;
  int running = 0;
  int max_running = 0;
  httplib::Server::Handler handler(milliseconds hold) {
    return [this, hold](const httplib::Request&, httplib::Response& res) {
      {
        std::lock_guard lock(mutex);
        at.push_back(steady_clock::now());
        max_running = std::max(max_running, ++running);
      }
      std::this_thread::sleep_for(hold);  // an answer that takes `hold`: overlaps show
      {
        std::lock_guard lock(mutex);
        --running;
      }
      res.set_content("ok", "text/plain");
    };
  }
};

void drain(Fetcher& f, seconds limit) {
  const auto deadline = steady_clock::now() + limit;
  while (f.pending() > 0 && steady_clock::now() < deadline) f.run(milliseconds(500));
}

TEST(CurlFetcherPoliteness, RequestsToOneHostAreSpacedAndOtherHostsAreNot) {
  test::HttpServer server;
  Arrivals near, far;
  server.handle_with("/near", near.handler(milliseconds(0)));
  server.handle_with("/far", far.handler(milliseconds(0)));
  FetchOptions options = fast_options();
  options.host_spacing = milliseconds(200);
  auto fetcher = make_curl_fetcher(options);
  int ok = 0;
  const auto start = steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    fetcher->submit({server.url("/near")}, [&](Result<FetchResponse> r) { ok += r.has_value(); });
  }
  // "localhost" is another host name for the same server: its own turn.
  const std::string far_url = "http://localhost:" + std::to_string(server.port()) + "/far";
  fetcher->submit({far_url}, [&](Result<FetchResponse> r) { ok += r.has_value(); });
  EXPECT_EQ(fetcher->pending(), 5u);
  drain(*fetcher, seconds(5));
  EXPECT_EQ(ok, 5);
  ASSERT_EQ(near.at.size(), 4u);
  // The server sees a request after the fetcher started it, so the i-th arrival is
  // never before start + i x spacing. (The gap between two arrivals says less: the
  // server's own delay on the earlier one shrinks it, to 37 ms seen under TSan.)
  for (std::size_t i = 1; i < near.at.size(); ++i) {
    EXPECT_GE(near.at[i] - start, milliseconds(200) * static_cast<int>(i)) << i;
  }
  ASSERT_EQ(far.at.size(), 1u);
  // The other host is not queued behind this one's spacing: it is served long
  // before the last request to the first host (>= 600 ms), whatever the start-up
  // cost (248 ms seen under TSan).
  EXPECT_LT(far.at[0], near.at.back());
}

TEST(CurlFetcherPoliteness, ARequestsOwnSpacingHoldsItsHostEvenAfterItFinished) {
  test::HttpServer server;
  Arrivals near, far;
  server.handle_with("/near", near.handler(milliseconds(0)));
  server.handle_with("/far", far.handler(milliseconds(0)));
  auto fetcher = make_curl_fetcher(fast_options());  // no spacing of its own
  int ok = 0;
  const auto start = steady_clock::now();
  fetcher->submit({.url = server.url("/near"), .host_spacing = milliseconds(700)},
                  [&](Result<FetchResponse> r) { ok += r.has_value(); });
  drain(*fetcher, seconds(5));  // finished: the host has nothing queued or running
  ASSERT_EQ(ok, 1);
  fetcher->submit({server.url("/near")}, [&](Result<FetchResponse> r) { ok += r.has_value(); });
  const std::string far_url = "http://localhost:" + std::to_string(server.port()) + "/far";
  fetcher->submit({far_url}, [&](Result<FetchResponse> r) { ok += r.has_value(); });
  drain(*fetcher, seconds(5));
  EXPECT_EQ(ok, 3);
  ASSERT_EQ(near.at.size(), 2u);
  EXPECT_GE(near.at[1] - start, milliseconds(700));
  // Another host name is not held back, and a request without a spacing of its
  // own lets the next one start at once (the options' spacing is 0).
  ASSERT_EQ(far.at.size(), 1u);
  EXPECT_LT(far.at[0], near.at[1]);
  const auto third = steady_clock::now();
  fetcher->submit({server.url("/near")}, [&](Result<FetchResponse> r) { ok += r.has_value(); });
  drain(*fetcher, seconds(5));
  ASSERT_EQ(near.at.size(), 3u);
  EXPECT_LT(near.at[2] - third, milliseconds(500));
}

TEST(CurlFetcherPoliteness, ALimitOfZeroStartsNoDeferrableRequestUntilRaised) {
  test::HttpServer server;
  Arrivals articles, feeds;
  server.handle_with("/article", articles.handler(milliseconds(0)));
  server.handle_with("/feed", feeds.handler(milliseconds(0)));
  auto fetcher = make_curl_fetcher(fast_options());
  fetcher->limit_deferrable(0);
  int ok = 0;
  auto count = [&](Result<FetchResponse> r) { ok += r.has_value(); };
  fetcher->submit({.url = server.url("/article"), .deferrable = true}, count);
  // Another host's request is not deferrable: it goes on meanwhile, and so
  // does a second one after it, which gives the held one time to start.
  const std::string feed_url = "http://localhost:" + std::to_string(server.port()) + "/feed";
  for (int i = 0; i < 2; ++i) {
    fetcher->submit({feed_url}, count);
    const auto deadline = steady_clock::now() + seconds(5);
    while (ok < i + 1 && steady_clock::now() < deadline) fetcher->run(milliseconds(100));
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(feeds.at.size(), 2u);
  EXPECT_TRUE(articles.at.empty());
  EXPECT_EQ(fetcher->pending(), 1u);
  fetcher->limit_deferrable(std::numeric_limits<std::size_t>::max());
  drain(*fetcher, seconds(5));
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(articles.at.size(), 1u);
}

// The workers' room: at most that many deferrable requests started and not
// yet answered, counted until each one's callback has run.
TEST(CurlFetcherPoliteness, DeferrableRequestsRunWithinTheLimitUntilAnswered) {
  test::HttpServer server;
  Arrivals articles;
  server.handle_with("/article", articles.handler(milliseconds(150)));
  FetchOptions options = fast_options();
  options.max_connections_per_host = 8;
  auto fetcher = make_curl_fetcher(options);
  fetcher->limit_deferrable(2);
  int ok = 0;
  for (int i = 0; i < 6; ++i) {
    fetcher->submit({.url = server.url("/article"), .deferrable = true},
                    [&](Result<FetchResponse> r) { ok += r.has_value(); });
  }
  drain(*fetcher, seconds(10));
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(articles.at.size(), 6u);
  EXPECT_EQ(articles.max_running, 2) << "the server saw more at once than the limit";
}

TEST(CurlFetcherPoliteness, ConcurrencyPerHostAndInAllIsCapped) {
  test::HttpServer server;
  Arrivals slow;
  server.handle_with("/slow", slow.handler(milliseconds(150)));
  for (auto [per_host, total, want] :
       {std::tuple{1u, 64u, 1}, std::tuple{3u, 64u, 3}, std::tuple{16u, 2u, 2}}) {
    slow.max_running = 0;
    FetchOptions options = fast_options();
    options.max_connections_per_host = per_host;
    options.max_transfers = total;
    auto fetcher = make_curl_fetcher(options);
    int ok = 0;
    for (int i = 0; i < 6; ++i) {
      fetcher->submit({server.url("/slow?i=" + std::to_string(i))},
                      [&](Result<FetchResponse> r) { ok += r.has_value(); });
    }
    drain(*fetcher, seconds(10));
    EXPECT_EQ(ok, 6);
    EXPECT_EQ(slow.max_running, want) << per_host << " per host, " << total << " in all";
  }
}

TEST(CurlFetcherPoliteness, RefusedUrlFailsAtOnceEvenWhenItsHostIsBusy) {
  test::HttpServer server;
  server.set("/a", {.body = "a"});
  FetchOptions options = fast_options();
  options.host_spacing = milliseconds(5'000);
  auto fetcher = make_curl_fetcher(options);
  std::vector<std::string> done;
  fetcher->submit({server.url("/a")}, [&](Result<FetchResponse>) { done.push_back("a"); });
  fetcher->submit({server.url("/a") + "\r\n"},
                  [&](Result<FetchResponse>) { done.push_back("bad"); });
  fetcher->submit({"ftp://127.0.0.1/x"}, [&](Result<FetchResponse> r) {
    EXPECT_EQ(r.error().code, Errc::kUnsupported);
    done.push_back("ftp");
  });
  drain(*fetcher, seconds(2));
  EXPECT_EQ(done.size(), 3u);
  EXPECT_EQ(fetcher->pending(), 0u);
}

TEST_F(CurlFetcherTest, CacheControlMaxAgeIsReported) {
  struct Case {
    const char* value;
    std::optional<long long> want;
  };
  for (const Case& c :
       {Case{"public, max-age=300", 300}, Case{"max-age=\"60\", must-revalidate", 60},
        Case{"no-cache", std::nullopt}, Case{"s-maxage=900", std::nullopt},
        Case{"max-age=-1", std::nullopt}, Case{"max-age=99999999999999999999", 31'536'000}}) {
    server_.set("/cc", {.body = "x", .headers = {{"Cache-Control", c.value}}});
    auto r = get("/cc");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->max_age ? std::optional(r->max_age->count()) : std::nullopt, c.want) << c.value;
  }
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// A source's own headers and user agent go out with its request, and only with it.
TEST_F(CurlFetcherTest, SendsTheSourcesHeadersAndUserAgent) {
  server_.set("/h", {.body = "ok"});
  FetchRequest req{
      .url = server_.url("/h"),
      .http = {.headers = {{"Cookie", "consent=yes; session=s3cret"}, {"Accept-Language", "ar"}},
               .user_agent = "Mozilla/5.0 (newswatch; source ar-site)"}};
  auto r = fetch_blocking(*fetcher_, req);
  ASSERT_TRUE(r) << r.error().message;
  auto headers = server_.last_headers("/h");
  auto header = [&](const char* name) {
    return httplib::detail::get_header_value(headers, name, 0, "");
  };
  EXPECT_EQ(header("Cookie"), std::string("consent=yes; session=s3cret"));
  EXPECT_EQ(header("Accept-Language"), std::string("ar"));
  EXPECT_EQ(header("User-Agent"), std::string("Mozilla/5.0 (newswatch; source ar-site)"));
  ASSERT_TRUE(get("/h"));
  headers = server_.last_headers("/h");
  EXPECT_FALSE(headers.count("Cookie"));
  EXPECT_EQ(header("User-Agent"), std::string("newswatch-test/1"));
}

TEST_F(CurlFetcherTest, HeaderWithALineBreakIsRefusedBeforeAnyIo) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"X-A", "1\r\nX-Injected: 1"}, {"X-A\nB", "1"}, {"X:A", "1"}, {"", "1"}}) {
    FetchRequest req{.url = server_.url("/inj"), .http = {.headers = {{name, value}}}};
    auto r = fetch_blocking(*fetcher_, req);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalid);
  }
  EXPECT_EQ(server_.hits("/inj"), 0);
}

// A request may carry a cap of its own (a sitemap's 50 MB), above or below the fetcher's.
TEST_F(CurlFetcherTest, RequestCapOverridesTheFetchers) {
  server_.set("/big", {.body = std::string(2000, 'x')});
  FetchRequest small{.url = server_.url("/big"), .max_body_bytes = 1000};
  auto r = fetch_blocking(*fetcher_, small);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  FetchOptions tiny = fast_options();
  tiny.max_body_bytes = 100;
  auto capped = make_curl_fetcher(tiny);
  FetchRequest big{.url = server_.url("/big"), .max_body_bytes = 4000};
  auto ok = fetch_blocking(*capped, big);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body.size(), 2000u);
}

// Through an HTTP forward proxy: a loopback server that answers the absolute
// URL of the request line. The target host does not resolve, so only the
// proxy can have answered. [http] proxy applies to every request; a source's
// proxy overrides it, and a source's "" goes direct.
TEST(CurlFetcherProxy, GoesThroughTheConfiguredProxy) {
  test::HttpServer proxy;
  test::HttpServer direct;
  const std::string target = "http://news.example.invalid/feed.xml";
  proxy.set(target, {.content_type = "application/rss+xml", .body = "<rss>via proxy</rss>"});
  direct.set("/feed.xml", {.body = "<rss>direct</rss>"});

  FetchOptions options = fast_options();
  options.proxy = proxy.url("");
  auto fetcher = make_curl_fetcher(options);
  auto r = fetch_blocking(*fetcher, {.url = target, .http = {.headers = {{"Cookie", "c=1"}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "<rss>via proxy</rss>");
  EXPECT_EQ(proxy.hits(target), 1);
  EXPECT_EQ(httplib::detail::get_header_value(proxy.last_headers(target), "Cookie", 0, ""),
            std::string("c=1"));
  EXPECT_EQ(httplib::detail::get_header_value(proxy.last_headers(target), "Host", 0, ""),
            std::string("news.example.invalid"));

  // A source's own "" goes direct although [http] names a proxy.
  auto d = fetch_blocking(*fetcher, {.url = direct.url("/feed.xml"), .http = {.proxy = ""}});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->body, "<rss>direct</rss>");

  // A source's own proxy, with no [http] proxy at all.
  auto plain = make_curl_fetcher(fast_options());
  auto p = fetch_blocking(*plain, {.url = target, .http = {.proxy = proxy.url("")}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(proxy.hits(target), 2);

  // A proxy that refuses connections is a network error naming the URL.
  auto gone = fetch_blocking(*plain, {.url = target, .http = {.proxy = "socks5h://127.0.0.1:1"}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kNetwork);
  EXPECT_THAT(gone.error().message, HasSubstr(target));
}

}  // namespace
}  // namespace nw
