// daemon/web_auth.h: the verdicts on Authorization values (right and wrong
// password, unknown user, bearer tokens, malformed values), the cache of
// verifications (what it saves, that a new file forgets it), the one log line
// per wrong credentials and the failure counter; then the guard on a real
// MetricsServer on 127.0.0.1: 401 with the challenge, 200 with credentials.
#include "daemon/web_auth.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/metrics.h"
#include "daemon/metrics_server.h"
#include "daemon/password_hash.h"
#include "tests/support/log_capture.h"

namespace nw {
namespace {

constexpr HashCost kCheap{.passes = 1, .memory_kib = 64, .lanes = 1};

std::string base64(const std::string& s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < s.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < s.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string basic(const std::string& user_password) { return "Basic " + base64(user_password); }

std::shared_ptr<const AuthFile> file_with(const std::string& password, const std::string& token) {
  auto f = std::make_shared<AuthFile>();
  f->users.push_back({.name = "alice", .hash = *hash_password(password, kCheap), .line = 1});
  if (!token.empty()) {
    f->tokens.push_back({.name = "grafana", .hash = *hash_password(token, kCheap), .line = 2});
  }
  return f;
}

using V = WebAuth::Verdict;

TEST(WebAuth, WithoutAFileEveryRequestPasses) {
  WebAuth auth(nullptr);
  EXPECT_FALSE(auth.enabled());
  EXPECT_EQ(auth.check("", "127.0.0.1"), V::kOpen);
  EXPECT_EQ(auth.check(basic("x:y"), "127.0.0.1"), V::kOpen);
}

TEST(WebAuth, RightPasswordsAndTokensPassOthersAreRefused) {
  test::LogCapture log;
  Metrics metrics;
  WebAuth auth(file_with("s3cret:with colon", "tok-123"), {.metrics = &metrics});
  EXPECT_TRUE(auth.enabled());
  EXPECT_EQ(auth.check("", "10.0.0.1"), V::kMissing);
  EXPECT_EQ(auth.check(basic("alice:s3cret:with colon"), "10.0.0.1"), V::kAllowed);
  EXPECT_EQ(auth.check("basic  " + base64("alice:s3cret:with colon"), "10.0.0.1"),
            V::kAllowed);  // the scheme in any case, blanks before the credentials
  EXPECT_EQ(auth.check("Bearer tok-123", "10.0.0.1"), V::kAllowed);
  for (const std::string& wrong :
       {basic("alice:s3cret"), basic("bob:s3cret:with colon"), basic("alice"),
        std::string("Basic !!!!"), std::string("Bearer tok-1234"), std::string("Bearer "),
        std::string("Digest x"), basic("grafana:tok-123")}) {
    EXPECT_EQ(auth.check(wrong, "10.0.0.1"), V::kRefused) << wrong;
  }
  // A missing header is the normal challenge: not a failure.
  EXPECT_NE(metrics.render().find("newswatch_web_auth_failures_total 8\n"), std::string::npos)
      << metrics.render();
  EXPECT_EQ(log.lines("warning", "wrong password for user \"alice\"").size(), 1u) << log.all();
  EXPECT_EQ(log.lines("warning", "no user \"bob\"").size(), 1u) << log.all();
  EXPECT_EQ(log.lines("warning", "a wrong token").size(), 1u) << log.all();
  EXPECT_EQ(log.lines("warning", "refused a request from 10.0.0.1: ").size(), 8u) << log.all();
}

TEST(WebAuth, VerificationsAreRememberedUntilTheFileIsReplaced) {
  test::LogCapture log;
  Metrics metrics;
  WebAuth auth(file_with("pw", ""), {.metrics = &metrics, .cache_size = 2});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth.check(basic("alice:pw"), "127.0.0.1"), V::kAllowed);
  EXPECT_EQ(auth.verifications(), 1u);
  // The same wrong credentials: verified once, logged once, counted each time.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth.check(basic("alice:nope"), "127.0.0.1", "203.0.113.9\r\nfake"), V::kRefused);
  }
  EXPECT_EQ(auth.verifications(), 2u);
  const auto lines = log.lines("warning", "web auth: refused");
  ASSERT_EQ(lines.size(), 1u) << log.all();
  // What the client sent is escaped in the log.
  EXPECT_NE(lines[0].find("(X-Forwarded-For \"203.0.113.9\\x0d\\x0afake\")"), std::string::npos)
      << lines[0];
  EXPECT_NE(metrics.render().find("newswatch_web_auth_failures_total 3\n"), std::string::npos);
  // Bounded: past cache_size refused values, the refused ones are forgotten,
  // the verified one is kept.
  for (const char* p : {"alice:a", "alice:b", "alice:c"}) auth.check(basic(p), "127.0.0.1");
  EXPECT_EQ(auth.verifications(), 5u);
  EXPECT_EQ(auth.check(basic("alice:pw"), "127.0.0.1"), V::kAllowed);
  EXPECT_EQ(auth.verifications(), 5u);
  EXPECT_EQ(auth.check(basic("alice:nope"), "127.0.0.1"), V::kRefused);
  EXPECT_EQ(auth.verifications(), 6u);  // forgotten, verified again
  // A new file (a reload): nothing remembered, the old password no longer works.
  auth.set_file(file_with("new", ""));
  EXPECT_EQ(auth.check(basic("alice:pw"), "127.0.0.1"), V::kRefused);
  EXPECT_EQ(auth.check(basic("alice:new"), "127.0.0.1"), V::kAllowed);
  EXPECT_EQ(auth.verifications(), 8u);
  auth.set_file(nullptr);
  EXPECT_EQ(auth.check("", "127.0.0.1"), V::kOpen);
}

TEST(WebAuth, ThreadsCheckAtOnce) {
  // spdlog's registry is made on first use; Debian's libspdlog is not built
  // with TSan, which cannot see its static init's guard: make it here, as the
  // daemon's first log line does before any thread starts.
  spdlog::default_logger_raw();
  WebAuth auth(file_with("pw", "tok"));
  std::vector<std::jthread> threads;
  std::atomic<int> allowed{0}, refused{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string h = (i + t) % 3 == 0   ? basic("alice:pw")
                              : (i + t) % 3 == 1 ? std::string("Bearer tok")
                                                 : basic("alice:x" + std::to_string(i % 4));
        (auth.check(h, "127.0.0.1") == V::kAllowed ? allowed : refused)++;
      }
    });
    if (t == 3) auth.set_file(file_with("pw", "tok"));  // a reload meanwhile
  }
  threads.clear();
  EXPECT_EQ(allowed.load() + refused.load(), 120);
  EXPECT_EQ(allowed.load(), 80);
}

TEST(WebAuth, GuardsEveryRouteOfTheServer) {
  Metrics metrics;
  WebAuth auth(file_with("pw", "tok"), {.metrics = &metrics});
  auto server =
      MetricsServer::start("127.0.0.1:0", metrics,
                           {[&auth](httplib::Server& s) { auth.install(s); },
                            [](httplib::Server& s) {
                              s.Get("/page", [](const httplib::Request&, httplib::Response& res) {
                                res.set_content("the page", "text/plain");
                              });
                            }});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  httplib::Client client("http://" + (*server)->endpoint());
  for (const char* path : {"/page", "/metrics", "/healthz", "/nowhere"}) {
    auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Basic realm=\"newswatch\"");
    EXPECT_EQ(r->body, "Unauthorized\n");
  }
  auto wrong = client.Get("/page", {{"Authorization", basic("alice:no")}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  client.set_basic_auth("alice", "pw");
  auto page = client.Get("/page");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "the page");
  auto metrics_page = client.Get("/metrics");
  ASSERT_TRUE(metrics_page);
  EXPECT_EQ(metrics_page->status, 200);
  EXPECT_NE(metrics_page->body.find("newswatch_web_auth_failures_total 1\n"), std::string::npos);
  httplib::Client bearer("http://" + (*server)->endpoint());
  bearer.set_bearer_token_auth("tok");
  auto with_token = bearer.Get("/page");
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 200);
}

}  // namespace
}  // namespace nw
