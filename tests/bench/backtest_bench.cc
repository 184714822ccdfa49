// The article archive and backtests at scale (issue 13): N articles (default
// 100,000) of news text kept through the real SQLite store as the daemon keeps
// them (Store::finish_and_keep, zlib), then `newswatch backtest`'s work
// (daemon/backtest.h) over all of them, timed per round, median of the rounds:
//   - one rule ('حفتر AND القاهرة'), and the bundled watchlist (9 rules);
//   - reading and decompressing alone, to show what the matching costs.
// Then the archive's size per 1,000 articles: the database file with the
// articles, minus the same file once they are deleted and vacuumed.
// Each article is real news text: the three real Arabic articles in
// tests/data/samples and the 48 pages' texts in tests/data/extract, joined in
// turn up to --article-bytes (default 4,000 bytes of UTF-8, a typical news
// article: the real articles are 4.2 to 4.6 KB), so compression sees prose.
//
//   build-release/bench/backtest_bench [--articles 100000] [--article-bytes 4000] [--rounds 5]
//                                      [--only read|one|bundled]
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/backtest.h"
#include "daemon/store.h"
#include "filters/matcher.h"

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Text {
  std::string title;
  std::string body;
  std::string language;
};

// The corpus: first line the headline, the rest the body.
std::vector<Text> corpus() {
  std::vector<Text> texts;
  const fs::path data = NW_TEST_DATA;
  std::vector<fs::path> files;
  for (const auto& dir : {data / "samples" / "arabic-news", data / "extract"}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string s = read(f);
    const auto nl = s.find('\n');
    const std::string name = f.filename().string();
    texts.push_back({s.substr(0, nl), s.substr(nl + 1),
                     name.starts_with("en_")   ? "en"
                     : name.starts_with("fr_") ? "fr"
                                               : "ar"});
  }
  return texts;
}

// This process's CPU time: on a shared machine, wall time also counts the others' turns.
double cpu_time_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::int64_t bytes_of(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

// The first column of the first row, as a number.
double sql_number(const fs::path& db_path, const char* statement) {
  sqlite3* db = nullptr;
  sqlite3_stmt* s = nullptr;
  double v = -1;
  if (sqlite3_open(db_path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, statement, -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    v = sqlite3_column_double(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

bool sql(const fs::path& db_path, const char* statement) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(db_path.c_str(), &db) == SQLITE_OK &&
            sqlite3_exec(db, statement, nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) std::fprintf(stderr, "%s: %s\n", statement, sqlite3_errmsg(db));
  sqlite3_close(db);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int articles = 100000;
  std::size_t article_bytes = 4000;
  int rounds = 5;
  std::string only;  // "read", "one" or "bundled": that case alone
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    if (std::strcmp(argv[i], "--articles") == 0) articles = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--article-bytes") == 0)
      article_bytes = static_cast<std::size_t>(std::atol(argv[i + 1]));
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  const std::vector<Text> texts = corpus();
  const fs::path dir = fs::temp_directory_path() / ("backtest_bench_" + std::to_string(getpid()));
  const fs::path db_path = dir / "newswatch.db";
  auto store = nw::open_sqlite_store(dir);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }

  // Keep the articles, one finish_and_keep each, as the daemon does: five
  // seconds apart, the newest now.
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::uint64_t raw_bytes = 0;
  const auto fill_start = std::chrono::steady_clock::now();
  for (int i = 0; i < articles; ++i) {
    const std::size_t first = static_cast<std::size_t>(i) % texts.size();
    const Text& lead = texts[first];
    std::string body = lead.body;
    for (std::size_t k = 1; body.size() < article_bytes; ++k) {
      body += "\n" + texts[(first + k * 7) % texts.size()].body;
    }
    body.resize(std::min(body.size(), article_bytes + 200));
    while (!body.empty() && (static_cast<unsigned char>(body.back()) & 0xC0) == 0x80) {
      body.pop_back();  // a whole UTF-8 character at the end
    }
    if (!body.empty()) body.pop_back();
    const std::string key = std::to_string(i);
    const nw::KeptArticle a{.source_id = "source" + std::to_string(i % 50),
                            .item_key = key,
                            .article_key = "https://news.example/" + key,
                            .url = "https://news.example/" + key,
                            .title = lead.title,
                            .text = std::move(body),
                            .language = lead.language,
                            .published = now - std::chrono::seconds(5 * (articles - i) + 60),
                            .kept = now - std::chrono::seconds(5 * (articles - i))};
    raw_bytes += a.title.size() + a.text.size();
    if (auto r = (*store)->finish_and_keep(a.source_id, a.item_key, a.article_key, {}, a); !r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      return 1;
    }
  }
  const double fill_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  std::printf("kept %d articles (%.0f bytes of text each on average) in %.1f s: %.0f us each\n",
              articles, static_cast<double>(raw_bytes) / articles, fill_s, fill_s * 1e6 / articles);

  // Backtests over the whole archive.
  const nw::Watchlist one{
      .name = "bench",
      .file = "--rule",
      .rules = {{.id = "rule", .query = "حفتر AND القاهرة", .query_pos = {"--rule", 1, 1}}}};
  auto one_matcher = nw::Matcher::compile(std::span(&one, 1));
  auto bundled = nw::load_watchlist(fs::path(NW_SOURCE_DIR) / "config/watchlists/libya.toml");
  if (!one_matcher || !bundled) {
    std::fprintf(stderr, "cannot compile the rules\n");
    return 1;
  }
  auto bundled_matcher = nw::Matcher::compile(std::span(&*bundled, 1));
  if (!bundled_matcher) {
    std::fprintf(stderr, "%s\n", bundled_matcher.error().message.c_str());
    return 1;
  }
  const auto since = now - std::chrono::days(7);
  struct Case {
    const char* id;
    const char* name;
    const nw::Matcher* matcher;  // null: read and decompress only
  };
  const Case cases[] = {{"read", "read + decompress only", nullptr},
                        {"one", "one rule", one_matcher->get()},
                        {"bundled", "bundled watchlist (9 rules)", bundled_matcher->get()}};
  for (const Case& c : cases) {
    if (!only.empty() && only != c.id) continue;
    std::vector<double> ms, cpu_ms;
    std::size_t searched = 0, hits = 0;
    for (int r = 0; r < rounds; ++r) {
      const double cpu0 = cpu_time_ms();
      const auto t0 = std::chrono::steady_clock::now();
      if (c.matcher) {
        auto s = nw::backtest(**store, *c.matcher, since, [](const nw::KeptArticle&, nw::Hit) {});
        if (!s) return 1;
        searched = s->searched;
        hits = s->hits;
      } else {
        searched = 0;
        std::int64_t cursor = 0;
        for (;;) {
          auto batch = (*store)->kept_articles(since, cursor, 1000);
          if (!batch) return 1;
          if (batch->empty()) break;
          searched += batch->size();
          cursor = batch->back().id;
        }
      }
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu_ms.push_back(cpu_time_ms() - cpu0);
    }
    const double m = median(ms);
    const double cpu = median(cpu_ms);
    std::printf(
        "backtest %-28s %zu articles: median %.0f ms wall, %.0f ms CPU over %d rounds "
        "(%.0f articles per CPU second), %zu hits\n",
        c.name, searched, m, cpu, rounds, searched / (cpu / 1000.0), hits);
  }

  // The archive's size: the file with it, then without it. Rows of ~2 KB
  // compressed fill SQLite's 4 KB pages badly (one row where two do not fit);
  // the same with 16 KB pages shows what a larger page size would save.
  store->reset();
  if (!sql(db_path, "PRAGMA wal_checkpoint(TRUNCATE)")) return 1;
  const std::int64_t with = bytes_of(db_path);
  const double body = sql_number(db_path, "SELECT sum(length(body)) FROM articles");
  const double text = sql_number(db_path, "SELECT sum(body_size) FROM articles");
  if (!sql(db_path, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 16384; VACUUM")) return 1;
  const std::int64_t with_16k = bytes_of(db_path);
  if (!sql(db_path, "DELETE FROM articles; VACUUM")) return 1;
  const std::int64_t without_16k = bytes_of(db_path);
  if (!sql(db_path, "PRAGMA page_size = 4096; VACUUM")) return 1;
  const std::int64_t without = bytes_of(db_path);
  const auto mb_per_1000 = [&](double bytes) { return bytes / articles * 1000.0 / 1e6; };
  std::printf("bodies: %.1f MB compressed from %.1f MB of text (%.0f%%)\n", body / 1e6, text / 1e6,
              100 * body / text);
  std::printf(
      "archive: %.2f MB per 1,000 articles of %.2f MB text (4 KB pages, as the daemon "
      "has them); %.2f MB with 16 KB pages\n",
      mb_per_1000(static_cast<double>(with - without)), mb_per_1000(static_cast<double>(raw_bytes)),
      mb_per_1000(static_cast<double>(with_16k - without_16k)));
  fs::remove_all(dir);
  return 0;
}
