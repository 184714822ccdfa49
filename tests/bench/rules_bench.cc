// A million rules (issue 23): loading, checking and compiling the load
// harness's generated watchlists, then matching 5 KB articles against them.
// The rules are written by tests/load/rules.py (the same shapes the load
// harness runs), the articles drawn from the sentences of
// tests/data/samples/arabic-news as its server draws them, each carrying the
// marker word of the rule load/all:
//
//   python3 tests/load/rules.py --rules 1000000 --out /tmp/r1m
//   rules_bench /tmp/r1m/newswatch.toml [--articles 2000] [--rounds 5] [--hits FILE]
//
// Prints: load_config, rule_warnings and Matcher::compile times, the peak
// RSS after them (the process's, so run one size per process), then articles/s
// on one core (median of the rounds; by the wall clock and per CPU second of
// the matching thread), the hits per article, the peak RSS after
// matching, and a checksum of every hit of the 200 distinct articles (rule,
// matched words, spans, snippet), so two builds can be compared: equal sums,
// equal hits. --hits FILE writes those hits out, one line each, for diff.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/rule_checks.h"
#include "filters/matcher.h"
#include "tests/support/files.h"

namespace nw {
namespace {

using Clock = std::chrono::steady_clock;

// This thread's CPU time: unlike the wall clock, not counting the time other
// processes of a loaded machine ran instead.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// Sentences of the samples, split as tests/load/server.py splits them.
std::vector<std::string> sentences() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(NW_TEST_DATA) / "samples/arabic-news";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".txt") files.push_back(e.path());
  std::ranges::sort(files);
  const std::regex end_of_sentence("([.!]|؟)\\s+");
  for (const auto& f : files) {
    const std::string text = test::read_fixture_file(f);
    std::sregex_token_iterator it(text.begin(), text.end(), end_of_sentence, -1), end;
    for (; it != end; ++it) {
      std::string s;
      int words = 0;
      bool in_word = false;
      for (char c : std::string(*it)) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in_word) {
          if (!s.empty()) s += ' ';
          ++words;
        }
        if (!space) s += c;
        in_word = !space;
      }
      if (words >= 4) out.push_back(std::move(s));
    }
  }
  return out;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rules_bench CONFIG [--articles N] [--rounds N] [--hits FILE]\n");
    return 2;
  }
  int articles = 2000, rounds = 5;
  const char* hits_file = nullptr;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--articles") == 0) articles = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--hits") == 0) hits_file = argv[i + 1];
  }
  const auto t0 = Clock::now();
  auto config = load_config(argv[1]);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  const double t_load = seconds_since(t0);
  const auto t1 = Clock::now();
  const std::size_t warnings = rule_warnings(config->watchlists).size();
  const double t_warn = seconds_since(t1);
  const auto t2 = Clock::now();
  auto matcher = Matcher::compile(config->watchlists);
  if (!matcher) {
    std::fprintf(stderr, "%s\n", matcher.error().message.c_str());
    return 1;
  }
  const double t_compile = seconds_since(t2);
  std::printf(
      "%zu rules: load_config %.2f s, rule_warnings %.2f s (%zu), compile %.2f s, "
      "total %.2f s; peak RSS %ld MiB\n",
      (*matcher)->rule_count(), t_load, t_warn, warnings, t_compile, seconds_since(t0),
      peak_rss_mib());

  // 5 KB articles: sentences drawn at random, the marker word in the title
  // and first paragraph (tests/load/server.py).
  const std::vector<std::string> pool = sentences();
  std::mt19937 rng(5);
  std::vector<std::string> titles, bodies;
  for (int i = 0; i < 200; ++i) {
    std::string body = "nwload " + pool[rng() % pool.size()];
    while (body.size() < 5000) body += "\n\n" + pool[rng() % pool.size()];
    titles.push_back("nwload " + pool[rng() % pool.size()]);
    bodies.push_back(std::move(body));
  }
  std::vector<double> rates, cpu_rates;
  std::size_t hits = 0;
  for (int r = 0; r < rounds; ++r) {
    hits = 0;
    const auto t = Clock::now();
    const double cpu = thread_cpu_seconds();
    for (int i = 0; i < articles; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) % titles.size();
      hits += (*matcher)->match({titles[k], bodies[k], "s00001", "ar"}).size();
    }
    rates.push_back(articles / seconds_since(t));
    cpu_rates.push_back(articles / (thread_cpu_seconds() - cpu));
  }
  std::ranges::sort(rates);
  std::ranges::sort(cpu_rates);
  std::printf(
      "matching 5 KB articles: %.0f articles/s (median of %d rounds of %d; min %.0f, max "
      "%.0f), %.1f hits per article; per CPU second %.0f articles/s (min %.0f, max %.0f)\n",
      rates[rates.size() / 2], rounds, articles, rates.front(), rates.back(),
      static_cast<double>(hits) / articles, cpu_rates[cpu_rates.size() / 2], cpu_rates.front(),
      cpu_rates.back());

  // Every hit of every distinct article, for comparing builds.
  std::string all;
  std::size_t total = 0;
  for (std::size_t k = 0; k < titles.size(); ++k) {
    for (const Hit& h : (*matcher)->match({titles[k], bodies[k], "s00001", "ar"})) {
      all += std::to_string(k) + '\t' + h.watchlist + '/' + h.rule;
      for (const auto& m : h.matched) all += '\t' + m;
      for (const auto& s : h.spans) {
        all += s.field == MatchSpan::Field::kTitle ? "\tt" : "\tb";
        all += std::to_string(s.begin) + '-' + std::to_string(s.end);
      }
      all += '\t' + h.snippet + '\n';
      ++total;
    }
  }
  std::uint64_t sum = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : all) sum = (sum ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  std::printf("peak RSS after matching %ld MiB; %zu hits on the %zu articles, checksum %016llx\n",
              peak_rss_mib(), total, titles.size(), static_cast<unsigned long long>(sum));
  if (hits_file) {
    std::FILE* f = std::fopen(hits_file, "w");
    if (!f) return 1;
    std::fwrite(all.data(), 1, all.size(), f);
    std::fclose(f);
  }
  return 0;
}

}  // namespace
}  // namespace nw

int main(int argc, char** argv) { return nw::run(argc, argv); }
