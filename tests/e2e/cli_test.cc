// The `newswatch` command-line tools, run as a user runs them: the real binary,
// real files and a real HTTP server on 127.0.0.1, output parsed as JSON.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "config/config.h"
#include "daemon/alert.h"
#include "daemon/watcher.h"
#include "feeds/curl_fetcher.h"
#include "filters/page_text.h"
#include "filters/story.h"
#include "tests/support/fakes.h"
#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
  std::vector<json> lines() const {
    std::vector<json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) v.push_back(json::parse(line));
    }
    return v;
  }
};

using test::read_file;

class Cli : public testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("newswatch_cli_" + std::to_string(std::random_device{}()));
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  // Runs `newswatch ARGS` (arguments are shell-quoted by the caller).
  CliRun run(const std::string& args) {
    const fs::path err = tmp_ / "stderr";
    const std::string cmd = std::string(NW_BUILD_DIR) + "/newswatch " + args + " 2>" + err.string();
    CliRun r;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.err = read_file(err);
    return r;
  }
  static std::string data(const std::string& rel) { return std::string(NW_TEST_DATA) + "/" + rel; }

  fs::path tmp_;
  using HitKey = std::tuple<std::string, std::string, std::vector<std::string>,
                            std::string>;  // url, rule, matched, snippet
  std::set<HitKey> alerted_;
};

TEST_F(Cli, ExtractJsonOneLinePerInputInOrder) {
  const CliRun r = run("extract --json " + data("e2e/a1.html") + " " + data("e2e/b1.html") + " " +
                       (tmp_ / "missing.html").string());
  EXPECT_EQ(r.status, 1) << r.err;  // one input failed
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0]["input"], data("e2e/a1.html"));
  EXPECT_EQ(lines[0]["title"], "حفتر يصل القاهرة لإجراء مباحثات حول تطورات الأوضاع فى ليبيا");
  EXPECT_EQ(lines[0]["language"], "ar");
  EXPECT_EQ(lines[0]["language_from"], "text");
  EXPECT_EQ(lines[0]["declared_language"], "ar");
  const std::string text = lines[0]["text"];
  EXPECT_NE(text.find("أفادت مصادر مطلعة"), std::string::npos);
  EXPECT_EQ(text.find("اترك تعليق"), std::string::npos);
  EXPECT_EQ(text.find("الأكثر قراءة"), std::string::npos);
  EXPECT_EQ(text.find("زلزال"), std::string::npos);  // sidebar, related posts, comments
  EXPECT_EQ(lines[1]["encoding"], "windows-1256");
  // The old portal declares no language: its text says which.
  EXPECT_EQ(lines[1]["declared_language"], "");
  EXPECT_EQ(lines[1]["language"], "ar");
  EXPECT_EQ(lines[1]["language_from"], "text");
  EXPECT_NE(lines[1]["text"].get<std::string>().find("المشير حفتر"), std::string::npos);
  EXPECT_TRUE(lines[2].contains("error"));
  EXPECT_NE(lines[2]["error"].get<std::string>().find("missing.html"), std::string::npos);
}

TEST_F(Cli, ExtractJsonSaysWhenTextIsTheJsonLdFallback) {
  std::ofstream(tmp_ / "app.html")
      << "<html><head><script type='application/ld+json'>{\"@type\":\"NewsArticle\","
         "\"headline\":\"Talks in Cairo\",\"articleBody\":\"Khalifa Haftar arrived in Cairo on "
         "Sunday for talks with Egyptian officials, sources said, as the battle for Tripoli went "
         "on. Egypt has backed him since 2014, and repeated that support today, a spokesman for "
         "the ministry said after the meeting.\"}</script></head><body><div id='app'></div>"
         "</body></html>";
  const CliRun r =
      run("extract --json " + (tmp_ / "app.html").string() + " " + data("e2e/a1.html"));
  EXPECT_EQ(r.status, 0) << r.err;
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["fallback"], "json-ld");
  EXPECT_NE(lines[0]["text"].get<std::string>().find("Khalifa Haftar"), std::string::npos);
  EXPECT_FALSE(lines[1].contains("fallback"));
}

TEST_F(Cli, MatchHtmlTextAndUrlInputs) {
  std::ofstream(tmp_ / "story.txt")
      << "وصول حفتر\nوصل المشير خليفة حفتر مساء أمس إلى القاهرة للقاء المسؤولين.\n";
  test::HttpServer server;
  server.set("/news/a2", {.body = test::read_fixture_file(data("e2e/a2.html"))});
  const CliRun r =
      run("match --json --watchlist " + data("e2e/libya.toml") + " " + data("e2e/a1.html") + " " +
          (tmp_ / "story.txt").string() + " " + server.url("/news/a2"));
  EXPECT_EQ(r.status, 0) << r.err;
  std::set<std::pair<std::string, std::string>> hits;
  for (const auto& line : r.lines()) {
    hits.emplace(line["input"], line["rule"]);
    EXPECT_EQ(line["watchlist"], "libya");
    EXPECT_FALSE(line["matched"].empty());
    EXPECT_FALSE(line["spans"].empty());
    EXPECT_FALSE(line["snippet"].get<std::string>().empty());
  }
  const std::string a1 = data("e2e/a1.html"), txt = (tmp_ / "story.txt").string(),
                    url = server.url("/news/a2");
  EXPECT_EQ(hits, (std::set<std::pair<std::string, std::string>>{{a1, "haftar-cairo"},
                                                                 {a1, "turkish-mercenaries"},
                                                                 {txt, "haftar-cairo"},
                                                                 {url, "haftar-cairo"},
                                                                 {url, "turkish-mercenaries"}}));
}

// `newswatch match` and the daemon's pipeline read a page the same way
// (filters/page_text.h): the same pages from one server give the same hits,
// down to the matched words and the snippets.
TEST_F(Cli, MatchHitsWhatTheDaemonAlertsOn) {
  struct Page {
    const char* file;
    const char* content_type;
  };
  const Page pages[] = {
      {"e2e/a1.html", "text/html; charset=utf-8"},
      {"e2e/a2.html", "text/html; charset=utf-8"},
      {"e2e/a3.html", "text/html; charset=utf-8"},
      {"e2e/a4.html", "text/html; charset=utf-8"},
      {"e2e/b1.html", "text/html"},  // windows-1256, declared in the page only
      {"e2e/e1.html", "text/html; charset=utf-8"},
      {"e2e/e2.html", "text/html; charset=utf-8"},
      {"extract/ar_tripoli_talks.html", "text/html; charset=utf-8"},
      {"extract/portal_cp1256.html", "text/html"},
      {"extract/en_port_strike.html", "text/html; charset=utf-8"},
  };
  test::HttpServer server;
  std::string feed = R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>)";
  std::vector<std::string> urls;
  for (const Page& p : pages) {
    const std::string path = "/" + std::string(p.file);
    server.set(path,
               {.content_type = p.content_type, .body = test::read_fixture_file(data(p.file))});
    urls.push_back(server.url(path));
    // Feed words that match nothing: a hit can only come from the page.
    feed +=
        "<item><guid>" + path + "</guid><title>item</title><link>" + urls.back() + "</link></item>";
  }
  server.set("/feed.xml",
             {.content_type = "application/rss+xml", .body = feed + "</channel></rss>"});

  // What `newswatch match` prints.
  using HitKey = std::tuple<std::string, std::string, std::string, std::vector<std::string>,
                            std::string>;  // url, watchlist, rule, matched, snippet
  std::string args = "match --json --watchlist " + data("e2e/libya.toml");
  for (const std::string& u : urls) args += " " + u;
  const CliRun r = run(args);
  ASSERT_EQ(r.status, 0) << r.err;
  std::set<HitKey> cli;
  for (const json& line : r.lines()) {
    cli.emplace(line["input"], line["watchlist"], line["rule"], line["matched"], line["snippet"]);
  }

  // What the daemon's pipeline alerts on: a Watcher with the real fetcher and
  // store, over the same server, until every item is finished.
  auto watchlist = load_watchlist(data("e2e/libya.toml"));
  ASSERT_TRUE(watchlist) << watchlist.error().message;
  auto matcher = Matcher::compile(std::span(&*watchlist, 1));
  ASSERT_TRUE(matcher) << matcher.error().message;
  auto store = open_sqlite_store(tmp_ / "state");
  ASSERT_TRUE(store) << store.error().message;
  auto fetcher = make_curl_fetcher({.host_spacing = std::chrono::milliseconds(10)});
  test::FakePublisher publisher;
  SystemClock clock;
  Delivery delivery(**store, publisher, clock, {});
  Watcher watcher(*fetcher, **store, delivery, clock, {});
  watcher.set_matcher(*matcher);
  watcher.set_sources({SourceConfig{
      .id = "news", .url = server.url("/feed.xml"), .interval = std::chrono::hours(1)}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    fetcher->run(std::min(watcher.tick(), std::chrono::milliseconds(100)));
  } while ((server.hits("/feed.xml") == 0 || fetcher->pending() > 0 ||
            !(*store)->pending_items("news")->empty()) &&
           std::chrono::steady_clock::now() < deadline);
  delivery.tick();  // publishes anything left
  ASSERT_TRUE((*store)->pending_items("news")->empty());
  std::set<HitKey> daemon;
  for (const Alert& a : publisher.sent) {
    daemon.emplace(a.url, a.watchlist, a.rule, a.matched, a.snippet);
  }

  EXPECT_GE(cli.size(), 6u);  // a1, a2 (two rules), a4, b1, e1...
  EXPECT_EQ(daemon, cli);
}

TEST_F(Cli, BacktestHitsWhatTheDaemonAlertedOnInTheArticlesItKept) {
  const char* files[] = {"e2e/a1.html",
                         "e2e/a2.html",
                         "e2e/a3.html",
                         "e2e/a4.html",
                         "e2e/e1.html",
                         "e2e/e2.html",
                         "extract/ar_tripoli_talks.html",
                         "extract/en_port_strike.html"};
  test::HttpServer server;
  std::string feed = R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>)";
  for (const char* f : files) {
    const std::string path = "/" + std::string(f);
    server.set(path, {.content_type = "text/html; charset=utf-8",
                      .body = test::read_fixture_file(data(f))});
    feed += "<item><guid>" + path + "</guid><title>item</title><link>" + server.url(path) +
            "</link></item>";
  }
  server.set("/feed.xml",
             {.content_type = "application/rss+xml", .body = feed + "</channel></rss>"});

  // The daemon's pipeline with the archive on: what it alerts on, and what it keeps.
  auto watchlist = load_watchlist(data("e2e/libya.toml"));
  ASSERT_TRUE(watchlist) << watchlist.error().message;
  auto matcher = Matcher::compile(std::span(&*watchlist, 1));
  ASSERT_TRUE(matcher) << matcher.error().message;
  {
    auto store = open_sqlite_store(tmp_ / "state");
    ASSERT_TRUE(store) << store.error().message;
    auto fetcher = make_curl_fetcher({.host_spacing = std::chrono::milliseconds(10)});
    test::FakePublisher publisher;
    SystemClock clock;
    Delivery delivery(**store, publisher, clock, {});
    Watcher watcher(*fetcher, **store, delivery, clock, {.keep_articles = true});
    watcher.set_matcher(*matcher);
    watcher.set_sources({SourceConfig{
        .id = "news", .url = server.url("/feed.xml"), .interval = std::chrono::hours(1)}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
      fetcher->run(std::min(watcher.tick(), std::chrono::milliseconds(100)));
    } while ((server.hits("/feed.xml") == 0 || fetcher->pending() > 0 ||
              !(*store)->pending_items("news")->empty()) &&
             std::chrono::steady_clock::now() < deadline);
    delivery.tick();
    ASSERT_TRUE((*store)->pending_items("news")->empty());
    for (const Alert& a : publisher.sent) alerted_.emplace(a.url, a.rule, a.matched, a.snippet);
  }
  ASSERT_GE(alerted_.size(), 4u);
  std::ofstream(tmp_ / "newswatch.toml") << "[daemon]\nstate_dir = \"state\"\n";
  const std::string config = (tmp_ / "newswatch.toml").string();

  // The same watchlist as a backtest: the same hits, byte for byte.
  CliRun r = run("backtest --config " + config + " --watchlist " + data("e2e/libya.toml") +
                 " --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = r.lines();
  ASSERT_FALSE(lines.empty());
  const json summary = lines.back();
  lines.pop_back();
  EXPECT_EQ(summary["searched"], std::size(files));
  EXPECT_EQ(summary["hits"], lines.size());
  EXPECT_GE(summary["ms"].get<double>(), 0.0);
  std::set<HitKey> backtested;
  for (const json& line : lines) {
    EXPECT_EQ(line["watchlist"], "libya");
    EXPECT_EQ(line["source"], "news");
    backtested.emplace(line["url"], line["rule"], line["matched"], line["snippet"]);
  }
  EXPECT_EQ(backtested, alerted_);

  // One rule on the command line, as text: a line per hit, then the summary.
  r = run("backtest --config " + config + " --rule 'Haftar AND Cairo' --since 1h");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> text;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) text.push_back(line);
  const auto en = std::count_if(alerted_.begin(), alerted_.end(), [](const HitKey& k) {
    return std::get<1>(k) == "haftar-cairo-en";
  });
  ASSERT_EQ(text.size(), static_cast<std::size_t>(en) + 1) << r.out;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    EXPECT_TRUE(text[i].starts_with("backtest/rule  news  ")) << text[i];
    EXPECT_NE(text[i].find("[Haftar, Cairo]"), std::string::npos) << text[i];
  }
  EXPECT_TRUE(std::regex_match(
      text.back(),
      std::regex("searched 8 articles in [0-9]+\\.[0-9] ms, " + std::to_string(en) + " hits")))
      << text.back();

  // Only what was kept in the window is searched: once the articles are more
  // than a second old (times are kept in whole seconds), none.
  EXPECT_TRUE(test::wait_for(
      [&] {
        r = run("backtest --config " + config + " --rule 'Haftar' --since 1s");
        return r.status == 0 && r.out.starts_with("searched 0 articles in ");
      },
      std::chrono::seconds(20), std::chrono::milliseconds(250)))
      << r.status << " " << r.err << r.out;

  // A rule that likely means otherwise is tried as written, with check-rules' warning.
  r = run("backtest --config " + config + " --rule 'Haftar and Cairo'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("--rule:1:8: warning: 'and' is looked for as a word"), std::string::npos)
      << r.err;

  // A bad query says where, with a caret; no rule at all is refused.
  r = run("backtest --config " + config + " --rule '(Haftar'");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with("--rule:1:")) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
  r = run("backtest --config " + config);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--rule"), std::string::npos) << r.err;
}

TEST_F(Cli, MatchReportsTheWatchlistErrorWithACaret) {
  std::ofstream(tmp_ / "bad.toml")
      << "name = \"bad\"\n[[rule]]\nid = \"r\"\nquery = 'حفتر AND (القاهرة'\n";
  const CliRun r = run("check-rules " + (tmp_ / "bad.toml").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.toml:4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find('^'), std::string::npos) << r.err;
  const CliRun m =
      run("match --watchlist " + (tmp_ / "bad.toml").string() + " " + data("e2e/a1.html"));
  EXPECT_NE(m.status, 0);
  EXPECT_TRUE(m.out.empty());
  EXPECT_EQ(run("check-rules " + data("e2e/libya.toml")).status, 0);
}

// Rules that compile but most likely mean otherwise: warned about on stderr
// with file:line:col and a suggestion, exit 0; an unknown field is an error.
TEST_F(Cli, CheckRulesWarnsAboutLowerCaseOperatorsAndRefusesUnknownFields) {
  const std::string lower = data("config/mistakes/lower_case.toml");
  const CliRun r = run("check-rules " + lower);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "OK: 3 rules\n");
  EXPECT_NE(r.err.find(lower + ":7:17: warning: 'and' is looked for as a word (operators are "
                               "upper-case): did you mean AND?"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("    Haftar and Cairo\n           ^\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(lower + ":16:6: warning: 'near/5' is looked for as a word (operators are "
                               "upper-case): did you mean NEAR/5?"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("rock"), std::string::npos) << r.err;  // a quoted "and" is meant

  const std::string field = data("config/mistakes/unknown_field.toml");
  const CliRun f = run("check-rules " + field);
  EXPECT_EQ(f.status, 1);
  EXPECT_TRUE(f.out.empty()) << f.out;
  EXPECT_NE(f.err.find(field + ":6:10: unknown field 'site:': did you mean source:? (fields: "
                               "title body source lang;"),
            std::string::npos)
      << f.err;

  // The README's example: an error and a warning in one file, exit 1.
  std::ofstream(tmp_ / "libya.toml") << "name = \"libya\"\n\n[[rule]]\nid = \"haftar-cairo\"\n"
                                        "query = 'Haftar and Cairo'\n\n[[rule]]\n"
                                        "id = \"bbc-haftar\"\nquery = 'site:bbc.com AND Haftar'\n";
  const CliRun both = run("check-rules " + (tmp_ / "libya.toml").string());
  EXPECT_EQ(both.status, 1);
  const std::string file = (tmp_ / "libya.toml").string();
  EXPECT_NE(both.err.find(file + ":9:10: unknown field 'site:': did you mean source:?"),
            std::string::npos)
      << both.err;
  EXPECT_NE(both.err.find(file + ":5:17: warning: 'and' is looked for as a word"),
            std::string::npos)
      << both.err;

  // `match` says the same before matching, and the clean watchlist stays silent.
  const CliRun m = run("match --watchlist " + lower + " " + data("e2e/a1.html"));
  EXPECT_EQ(m.status, 0);
  EXPECT_NE(m.err.find(lower + ":7:17: warning:"), std::string::npos) << m.err;
  const CliRun clean = run("check-rules " + data("e2e/libya.toml"));
  EXPECT_EQ(clean.status, 0);
  EXPECT_TRUE(clean.err.empty()) << clean.err;
}

// --lang and --source try rules restricted to languages and sources on files;
// a file that declares no language passes `languages` but has no `lang:`.
TEST_F(Cli, MatchTakesTheLanguageAndSourceOfFiles) {
  std::ofstream(tmp_ / "w.toml") << "name = \"w\"\n"
                                    "[[rule]]\nid = \"en\"\nquery = 'Haftar'\n"
                                    "languages = [\"en\"]\n"
                                    "[[rule]]\nid = \"lang-term\"\nquery = 'Haftar lang:en'\n"
                                    "[[rule]]\nid = \"bbc\"\nquery = 'Haftar source:bbc'\n";
  std::ofstream(tmp_ / "story.txt") << "Talks\nHaftar arrived in Cairo.\n";
  auto rules = [&](const std::string& options) {
    std::set<std::string> out;
    const CliRun r = run("match --json --watchlist " + (tmp_ / "w.toml").string() + options + " " +
                         (tmp_ / "story.txt").string());
    EXPECT_EQ(r.status, 0) << r.err;
    for (const auto& line : r.lines()) out.insert(line["rule"]);
    return out;
  };
  EXPECT_EQ(rules(""), (std::set<std::string>{"en"}));
  EXPECT_EQ(rules(" --lang en --source bbc"), (std::set<std::string>{"en", "lang-term", "bbc"}));
  EXPECT_EQ(rules(" --lang ar"), (std::set<std::string>{}));
  // A page's own language wins over --lang: a1.html is Arabic.
  const CliRun page = run("match --json --lang en --watchlist " + (tmp_ / "w.toml").string() + " " +
                          data("e2e/a1.html"));
  EXPECT_TRUE(page.lines().empty()) << page.out;
  // A .txt file long enough to identify is in the language of its words;
  // --lang still says otherwise for files.
  std::ofstream(tmp_ / "long.txt")
      << "Talks in Cairo\nKhalifa Haftar arrived in Cairo on Wednesday for talks with Egyptian "
         "officials about the ceasefire, the oil blockade and the withdrawal of foreign fighters, "
         "his office said in a statement issued after the meeting.\n";
  auto long_rules = [&](const std::string& options) {
    std::set<std::string> out;
    const CliRun r = run("match --json --watchlist " + (tmp_ / "w.toml").string() + options + " " +
                         (tmp_ / "long.txt").string());
    EXPECT_EQ(r.status, 0) << r.err;
    for (const auto& line : r.lines()) out.insert(line["rule"]);
    return out;
  };
  EXPECT_EQ(long_rules(""), (std::set<std::string>{"en", "lang-term"}));
  EXPECT_EQ(long_rules(" --lang ar"), (std::set<std::string>{}));
}

// Words as Arabic web text writes them, through the command.
TEST_F(Cli, MatchFindsWordsAsArabicWebTextWritesThem) {
  std::ofstream(tmp_ / "w.toml") << "name = \"w\"\n"
                                    "[[rule]]\nid = \"committee\"\nquery = 'اللجنة'\n"
                                    "[[rule]]\nid = \"karama\"\nquery = 'الكرامة'\n"
                                    "[[rule]]\nid = \"year\"\nquery = '2016 NEAR/2 عام'\n"
                                    "[[rule]]\nid = \"said\"\nquery = 'وقال'\n";
  std::ofstream(tmp_ / "a.txt") << "عنوان\nقدم الطلب للجنة المختصة في عام ٢٠١٦م.\n";
  std::ofstream(tmp_ / "b.txt") << "وسم\nانتشر وسم #طوفان_الكرامة على الصحيفة المصرية.وقال\n";
  const CliRun r = run("match --json --watchlist " + (tmp_ / "w.toml").string() + " " +
                       (tmp_ / "a.txt").string() + " " + (tmp_ / "b.txt").string());
  EXPECT_EQ(r.status, 0) << r.err;
  std::map<std::string, std::vector<std::string>> matched;
  for (const auto& line : r.lines()) matched[line["rule"]] = line["matched"];
  EXPECT_EQ(matched, (std::map<std::string, std::vector<std::string>>{{"committee", {"للجنة"}},
                                                                      {"karama", {"الكرامة"}},
                                                                      {"year", {"عام", "٢٠١٦"}},
                                                                      {"said", {"وقال"}}}));

  // The README's example, as printed.
  std::ofstream(tmp_ / "committee.toml")
      << "name = \"committee\"\n[[rule]]\nid = \"committee\"\nquery = 'اللجنة AND الكرامة AND "
         "2016'\n";
  std::ofstream(tmp_ / "story.txt")
      << "بيان\nقدم الطلب للجنة العسكرية.وقال المتحدث إن #طوفان_الكرامة بدأ عام ٢٠١٦م\n";
  const CliRun readme = run("match --watchlist " + (tmp_ / "committee.toml").string() + " " +
                            (tmp_ / "story.txt").string());
  EXPECT_EQ(readme.status, 0) << readme.err;
  EXPECT_EQ(readme.out, (tmp_ / "story.txt").string() +
                            ": committee/committee [للجنة, الكرامة, ٢٠١٦] قدم الطلب للجنة "
                            "العسكرية.\n");
}

TEST_F(Cli, ParseFeedPrintsTheDecodedFeed) {
  const CliRun r = run("parse-feed " + data("e2e/rdf.xml") + " --url ''");
  ASSERT_EQ(r.status, 0) << r.err;
  const json feed = json::parse(r.out);
  EXPECT_EQ(feed["encoding"], "windows-1256");
  EXPECT_EQ(feed["feed"]["title"], "بوابة ليبيا الإخبارية");
  ASSERT_EQ(feed["entries"].size(), 1u);
  EXPECT_EQ(feed["entries"][0]["title"],
            "مواجهة التدخلات الخارجية محور لقاء المشير والرئيس المصري");
  EXPECT_EQ(feed["entries"][0]["published"], "2019-12-12T06:30:00Z");

  // A feed cut off mid-document: what came before the cut, marked "bozo" in the
  // JSON and on stderr, and still exit status 0.
  std::ofstream(tmp_ / "cut.xml")
      << "<rss version=\"2.0\"><channel><title>T</title><item><title>one</title></item>\n<item><ti";
  const CliRun cut = run("parse-feed " + (tmp_ / "cut.xml").string());
  ASSERT_EQ(cut.status, 0) << cut.err;
  const json partial = json::parse(cut.out);
  EXPECT_EQ(partial["entries"][0]["title"], "one");
  EXPECT_EQ(partial["bozo"], true);
  EXPECT_NE(partial["bozo_exception"].get<std::string>().find("line 2"), std::string::npos);
  EXPECT_NE(cut.err.find("recovered from ill-formed XML: XML line 2"), std::string::npos)
      << cut.err;
  EXPECT_FALSE(feed.contains("bozo"));

  // Text repaired on decoding (doubly encoded UTF-8) is said as such, not as an XML problem.
  const CliRun repaired =
      run("parse-feed " + data("feeds/conformance/encoding/double_utf8_arabic.xml"));
  ASSERT_EQ(repaired.status, 0) << repaired.err;
  EXPECT_NE(repaired.err.find(": repaired damaged text: "), std::string::npos) << repaired.err;
  EXPECT_EQ(repaired.err.find("ill-formed XML"), std::string::npos) << repaired.err;

  std::ofstream(tmp_ / "junk.xml") << "this is not a feed";
  const CliRun bad = run("parse-feed " + (tmp_ / "junk.xml").string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("junk.xml"), std::string::npos) << bad.err;

  // A URL is fetched (it crashed once, with no fetcher): the feed's own
  // Content-Type gives its charset, its URL resolves relative links.
  test::HttpServer server;
  server.set("/rdf.xml", {.content_type = "application/rdf+xml",
                          .body = test::read_fixture_file(data("e2e/rdf.xml"))});
  server.set("/rel.xml", {.content_type = "application/rss+xml",
                          .body = "<rss version=\"2.0\"><channel><title>R</title><item><link>"
                                  "/a/1</link><title>x</title></item></channel></rss>"});
  const CliRun fetched = run("parse-feed " + server.url("/rdf.xml"));
  ASSERT_EQ(fetched.status, 0) << fetched.err;
  EXPECT_EQ(json::parse(fetched.out)["feed"]["title"], "بوابة ليبيا الإخبارية");
  const CliRun relative = run("parse-feed " + server.url("/rel.xml"));
  ASSERT_EQ(relative.status, 0) << relative.err;
  EXPECT_EQ(json::parse(relative.out)["entries"][0]["link"], server.url("/a/1"));
  const CliRun gone = run("parse-feed " + server.url("/none.xml"));
  EXPECT_EQ(gone.status, 1);
  EXPECT_NE(gone.err.find("HTTP 404"), std::string::npos) << gone.err;
}

TEST_F(Cli, UnknownCommandIsNamedWithTheCommandsThatExist) {
  const CliRun r = run("check-config config/newswatch.toml");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err,
            "newswatch: unknown command 'check-config'; commands: extract, match, parse-feed, "
            "check-rules, subscribe, keygen, alerts, stories, sources, status, backtest, notify, "
            "discover, passwd\n");
  EXPECT_EQ(run("sources --help").status, 0);
}

// `newswatch passwd`: a line the auth file parser accepts, for the password on
// stdin; a bad name, the reserved "token" or no password are refused.
TEST_F(Cli, PasswdPrintsAnAuthFileLineAndRefusesBadInput) {
  std::ofstream(tmp_ / "pw") << "s3cret\n";
  const CliRun r = run("passwd analyst.1 < " + (tmp_ / "pw").string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("analyst.1:$argon2id$v=19$m=65536,t=3,p=1$")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n"));
  EXPECT_EQ(run("passwd 'a b' < " + (tmp_ / "pw").string()).status, 1);
  EXPECT_EQ(run("passwd token < " + (tmp_ / "pw").string()).status, 1);
  const CliRun empty = run("passwd alice < /dev/null");
  EXPECT_EQ(empty.status, 1);
  EXPECT_EQ(empty.err, "newswatch passwd: no password on stdin\n");
}

// A name that begins with '-' would be read as an option: after `--` every
// argument is an input, for extract, match and stories alike.
TEST_F(Cli, InputsAfterDoubleDashMayBeginWithADash) {
  fs::copy_file(data("e2e/a1.html"), tmp_ / "-dash.html");
  const fs::path cwd = fs::current_path();
  fs::current_path(tmp_);  // so that the name on the command line is "-dash.html"
  const CliRun without = run("extract --json -dash.html");
  const CliRun extract = run("extract --json -- -dash.html");
  const CliRun match = run("match --json -w " + data("e2e/libya.toml") + " -- -dash.html");
  const CliRun stories = run("stories -- -dash.html");
  fs::current_path(cwd);
  EXPECT_NE(without.status, 0);
  EXPECT_TRUE(without.out.empty()) << without.out;
  ASSERT_EQ(extract.status, 0) << extract.err;
  ASSERT_EQ(extract.lines().size(), 1u) << extract.out;
  EXPECT_EQ(extract.lines()[0]["input"], "-dash.html");
  EXPECT_EQ(extract.lines()[0]["title"],
            "حفتر يصل القاهرة لإجراء مباحثات حول تطورات الأوضاع فى ليبيا");
  ASSERT_EQ(match.status, 0) << match.err;
  std::set<std::string> rules;
  for (const auto& line : match.lines()) {
    EXPECT_EQ(line["input"], "-dash.html");
    rules.insert(line["rule"]);
  }
  EXPECT_EQ(rules, (std::set<std::string>{"haftar-cairo", "turkish-mercenaries"}));
  ASSERT_EQ(stories.status, 0) << stories.err;
  ASSERT_EQ(stories.lines().size(), 1u) << stories.out;
  EXPECT_EQ(stories.lines()[0]["input"], "-dash.html");
  // And --help says so.
  for (const char* command : {"extract", "match", "stories"}) {
    EXPECT_NE(run(std::string(command) + " --help").out.find("after -- when a name begins with -"),
              std::string::npos)
        << command;
  }
}

TEST_F(Cli, StoriesGroupsCopiesAsTheDaemonWould) {
  const std::string a = data("stories/wire-copy-a.html"), b = data("stories/wire-copy-b.html"),
                    other = data("stories/same-event-other-writer.html");
  const CliRun r = run("stories " + a + " " + b + " " + other);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0]["input"], a);
  EXPECT_EQ(lines[0]["story"], story_id(a));
  EXPECT_EQ(lines[0]["story_size"], 1);
  EXPECT_TRUE(lines[0]["like"].is_null());
  EXPECT_EQ(lines[1]["story"], story_id(a));
  EXPECT_EQ(lines[1]["story_size"], 2);
  EXPECT_EQ(lines[1]["like"], a);
  EXPECT_GE(lines[1]["similarity"].get<double>(), 0.6);
  EXPECT_EQ(lines[2]["story"], story_id(other));
  EXPECT_EQ(lines[2]["story_size"], 1);
  EXPECT_EQ(lines[2]["grouped"], true);

  // With the daemon's state: the copy joins the story it recorded, and
  // `alerts --story` lists what once_per_story held back.
  std::ofstream(tmp_ / "newswatch.toml") << "[daemon]\nstate_dir = \"state\"\n";
  {
    auto store = open_sqlite_store(tmp_ / "state");
    ASSERT_TRUE(store) << store.error().message;
    const std::string page = test::read_fixture_file(a);
    const auto sig = story_signature(page_text({.bytes = page}).text);
    ASSERT_TRUE(sig);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string story = story_id("https://one.test/a");
    Alert alert{.watchlist = "libya", .rule = "once", .source = "one", .once_per_story = true};
    for (const char* key : {"https://one.test/a", "https://two.test/b"}) {
      alert.url = key;
      auto kept = (*store)->finish_item(
          "one", key, key, {alert},
          StoryArticle{.story = story, .signature = signature_bytes(*sig), .seen = now});
      ASSERT_TRUE(kept) << kept.error().message;
    }
  }
  const std::string config = (tmp_ / "newswatch.toml").string();
  const CliRun with = run("stories -c " + config + " " + b);
  ASSERT_EQ(with.status, 0) << with.err;
  ASSERT_EQ(with.lines().size(), 1u);
  EXPECT_EQ(with.lines()[0]["story"], story_id("https://one.test/a"));
  EXPECT_EQ(with.lines()[0]["story_size"], 3);
  const CliRun listed =
      run("alerts -c " + config + " --story " + story_id("https://one.test/a") + " --format text");
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find("#2"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("not published (once_per_story)"), std::string::npos) << listed.out;
  EXPECT_EQ(run("alerts -c " + config).lines().size(), 1u);  // what was published
}

TEST_F(Cli, StoriesTopListsTheStoriesWithTheMostSources) {
  std::ofstream(tmp_ / "newswatch.toml") << "[daemon]\nstate_dir = \"state\"\n";
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  {
    auto store = open_sqlite_store(tmp_ / "state");
    ASSERT_TRUE(store) << store.error().message;
    struct Copy {
      const char* source;
      const char* url;
      const char* story;
      std::chrono::hours ago;
      const char* title;
    };
    // "wide": three outlets; "echo": one outlet four times; "old": two outlets two days ago.
    const Copy copies[] = {{"one", "https://one.test/w", "wide", 3h, "Haftar arrives in Cairo"},
                           {"two", "https://two.test/w", "wide", 2h, "Haftar in Cairo"},
                           {"two", "https://two.test/w2", "wide", 2h, "Haftar in Cairo (update)"},
                           {"three", "https://three.test/w", "wide", 1h, "Haftar lands in Cairo"},
                           {"one", "https://one.test/e1", "echo", 5h, "Local cup final"},
                           {"one", "https://one.test/e2", "echo", 4h, "Local cup final 2"},
                           {"one", "https://one.test/e3", "echo", 3h, "Local cup final 3"},
                           {"one", "https://one.test/e4", "echo", 2h, "Local cup final 4"},
                           {"one", "https://one.test/o", "old", 49h, "Old news"},
                           {"two", "https://two.test/o", "old", 48h, "Old news again"}};
    for (const Copy& c : copies) {
      auto kept = (*store)->finish_item(
          c.source, c.url, c.url, {},
          StoryArticle{.story = c.story, .signature = "", .seen = now - c.ago, .title = c.title});
      ASSERT_TRUE(kept) << kept.error().message;
    }
  }
  const std::string config = (tmp_ / "newswatch.toml").string();
  const CliRun all = run("stories -c " + config + " --top 20");
  ASSERT_EQ(all.status, 0) << all.err;
  const auto lines = all.lines();
  ASSERT_EQ(lines.size(), 3u) << all.out;
  EXPECT_EQ(lines[0]["story"], "wide");
  EXPECT_EQ(lines[0]["sources"], 3);
  EXPECT_EQ(lines[0]["articles"], 4);
  EXPECT_EQ(lines[0]["title"], "Haftar arrives in Cairo");
  EXPECT_EQ(lines[0]["first_seen"], format_utc(now - 3h));
  EXPECT_EQ(lines[1]["story"], "old");
  EXPECT_EQ(lines[1]["sources"], 2);
  EXPECT_EQ(lines[2]["story"], "echo");
  EXPECT_EQ(lines[2]["sources"], 1);
  EXPECT_EQ(lines[2]["articles"], 4);

  const CliRun day = run("stories -c " + config + " --top 2 --since 24h");
  ASSERT_EQ(day.status, 0) << day.err;
  ASSERT_EQ(day.lines().size(), 2u) << day.out;
  EXPECT_EQ(day.lines()[0]["story"], "wide");
  EXPECT_EQ(day.lines()[1]["story"], "echo");
  EXPECT_EQ(run("stories -c " + config + " --top 1").lines().size(), 1u);

  // What does not go together says so.
  EXPECT_EQ(run("stories --top 3").status, 2);
  EXPECT_EQ(run("stories -c " + config + " --top 3 page.html").status, 2);
  EXPECT_EQ(run("stories -c " + config + " --top 3 --since soon").status, 2);
  EXPECT_EQ(run("stories -c " + config).status, 2);
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// The README's notify example is a promise: with its secret files in place
// (mode 0600), `newswatch notify --check` passes it as written.
TEST_F(Cli, ReadmeNotifyExampleChecksOk) {
  const std::string readme = test::read_file(fs::path(NW_SOURCE_DIR) / "README.md");
  const auto section = readme.find("## Getting alerts by mail or chat");
  ASSERT_NE(section, std::string::npos);
  const auto begin = readme.find("```toml\n", section);
  const auto end = readme.find("```", begin + 8);
  ASSERT_TRUE(begin != std::string::npos && end != std::string::npos);
  std::string config = readme.substr(begin + 8, end - begin - 8);
  for (auto [from, to] :
       {std::pair{std::string("/etc/newswatch/"), (tmp_ / "etc/").string()},
        std::pair{std::string("/var/lib/newswatch-notify"), (tmp_ / "state").string()}}) {
    for (std::size_t p = 0; (p = config.find(from, p)) != std::string::npos; p += to.size()) {
      config.replace(p, from.size(), to);
    }
  }
  fs::create_directories(tmp_ / "etc");
  for (const char* secret : {"slack-desk.url", "smtp.pass"}) {
    std::ofstream(tmp_ / "etc" / secret) << "https://hooks.slack.example/T/B/X\n";
    fs::permissions(tmp_ / "etc" / secret, fs::perms::owner_read | fs::perms::owner_write);
  }
  std::ofstream(tmp_ / "notify.toml") << config;
  const CliRun r = run("notify --check --config " + (tmp_ / "notify.toml").string());
  EXPECT_EQ(r.status, 0) << r.err << config;
  EXPECT_NE(r.out.find("OK (2 channels, 1 route)"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace nw
