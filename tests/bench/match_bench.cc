// Matcher throughput and compile cost (issue 5): 5 KB news articles (the real
// Arabic samples and generated English ones) against generated watchlists of
// 1k, 10k and 100k analyst-style rules (names, places, organisations; AND, OR,
// NOT, phrases, NEAR/ONEAR, prefixes, fields) over real vocabulary
// (tests/data/bench/*_words.txt and the Arabic samples).
//
//   match_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   match_bench --benchmark_filter=BM_Match --benchmark_repetitions=9
//   --benchmark_enable_random_interleaving=true
//     (sizes interleaved: steadier ratios on a shared, noisy machine)
//   match_bench --rss=100000   # peak RSS of compiling that many rules, in a fresh process
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/heap.h"
#include "filters/matcher.h"
#include "filters/normalize.h"
#include "tests/support/files.h"

namespace nw {
namespace {

// Sections [first] [last] [place] [org] [topic] of a vocabulary file.
using Vocabulary = std::map<std::string, std::vector<std::string>>;

Vocabulary read_vocabulary(const std::string& path) {
  Vocabulary v;
  std::istringstream in(test::read_fixture_file(path));
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.size() - 2);
    } else {
      v[section].push_back(line);
    }
  }
  return v;
}

struct Corpus {
  std::vector<std::string> titles, bodies, languages;
};

const char* const kSamples[] = {"000_2f2f26cc72d594b8.txt", "001_a70efb1e516236b5.txt",
                                "003_1c09f43d1289937b.txt"};

// An English wire story of about 5 KB: function words and topic words around
// a handful of people, places and organisations from the vocabulary.
std::string english_article(const Vocabulary& v, std::mt19937& rng) {
  static const std::vector<std::string> filler = {
      "the",       "of",     "and",       "to",        "in",         "a",
      "said",      "on",     "for",       "that",      "with",       "was",
      "by",        "at",     "from",      "officials", "government", "minister",
      "president", "told",   "reporters", "after",     "talks",      "would",
      "not",       "forces", "their",     "new",       "week",       "security",
      "country",   "also",   "has",       "been",      "more",       "than"};
  auto pick = [&](const std::vector<std::string>& words) { return words[rng() % words.size()]; };
  std::vector<std::string> cast;
  for (int i = 0; i < 4; ++i) cast.push_back(pick(v.at("first")) + " " + pick(v.at("last")));
  for (int i = 0; i < 3; ++i) cast.push_back(pick(v.at("place")));
  cast.push_back(pick(v.at("org")));
  std::string out;
  while (out.size() < 5000) {
    const int words = 12 + static_cast<int>(rng() % 14);
    for (int i = 0; i < words; ++i) {
      const unsigned r = rng() % 100;
      out += r < 8 ? pick(cast) : r < 16 ? pick(v.at("topic")) : pick(filler);
      out += i + 1 < words ? " " : ". ";
    }
  }
  return out;
}

Corpus make_corpus(const Vocabulary& english) {
  Corpus c;
  for (const char* name : kSamples) {
    std::string text = test::read_arabic_sample(name);
    const std::size_t nl = text.find('\n');
    c.titles.push_back(text.substr(0, nl));
    c.bodies.push_back(nl == std::string::npos ? "" : text.substr(nl + 1));
    c.languages.push_back("ar");
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3; ++i) {
    std::string body = english_article(english, rng);
    c.titles.push_back(body.substr(0, body.find('.')));
    c.bodies.push_back(std::move(body));
    c.languages.push_back("en");
  }
  return c;
}

// The first `letters` code points of `word` and a star; the word itself when shorter.
std::string prefix_of(const std::string& word, std::size_t letters) {
  std::size_t end = 0, seen = 0;
  while (end < word.size() && seen <= letters) {
    if ((static_cast<unsigned char>(word[end]) & 0xC0) != 0x80 && ++seen > letters) break;
    ++end;
  }
  return seen > letters ? word.substr(0, end) + "*" : word;
}

// Analyst-style rules: a fixed cast of people per language (given + family
// name), places, organisations and topic words, combined the way monitoring
// desks write them.
std::vector<Watchlist> make_watchlists(int count, const Vocabulary& english,
                                       const Vocabulary& arabic) {
  std::mt19937 rng(42);
  auto pick = [&](const std::vector<std::string>& words) { return words[rng() % words.size()]; };
  struct Lang {
    const Vocabulary* v;
    std::vector<std::string> people;
  };
  std::vector<Lang> langs;
  for (const Vocabulary* v : {&english, &arabic}) {
    Lang l{v, {}};
    // A bigger desk watches more people, not the same people more often.
    for (int i = 0; i < std::max(3000, count / 4); ++i)
      l.people.push_back(pick(v->at("first")) + " " + pick(v->at("last")));
    langs.push_back(std::move(l));
  }
  Watchlist list{"bench", "bench.toml", {}};
  list.rules.reserve(count);
  for (int i = 0; i < count; ++i) {
    const Lang& l = langs[i % 2];
    const Vocabulary& v = *l.v;
    const std::string person = pick(l.people);
    const std::string family = person.substr(person.find(' ') + 1);
    const std::string place = pick(v.at("place")), place2 = pick(v.at("place"));
    const std::string org = pick(v.at("org")), topic = pick(v.at("topic"));
    std::string q;
    switch (rng() % 10) {
      case 0:
        q = "\"" + person + "\"";
        break;
      case 1:
        q = "\"" + person + "\" AND (" + place + " OR " + place2 + ")";
        break;
      case 2:
        q = "\"" + person + "\" AND " + topic;
        break;
      case 3:
        q = "\"" + person + "\" NEAR/5 " + topic;
        break;
      case 4:
        q = family + " ONEAR/3 " + org;
        break;
      case 5:
        q = prefix_of(family, 4) + " AND " + place + " AND " + topic;
        break;
      case 6:
        q = "\"" + person + "\" OR \"" + pick(l.people) + "\"";
        break;
      case 7:
        q = "title:" + family + " " + place + " NOT " + topic;
        break;
      case 8:
        q = org + " AND " + topic + " AND " + place;
        break;
      default:
        q = "(\"" + person + "\" OR \"" + pick(l.people) + "\") NEAR/10 (" + place + " OR " +
            place2 + ")";
        break;
    }
    Rule r;
    r.id = std::to_string(i);
    r.id.insert(0, 1, 'r');  // not "r" + std::to_string(i): a GCC 12 -Wrestrict false positive
    r.query = std::move(q);
    r.query_pos = {"bench.toml", i + 1, 10};
    list.rules.push_back(std::move(r));
  }
  return {std::move(list)};
}

const Vocabulary& english() {
  static const Vocabulary v =
      read_vocabulary(std::string(NW_TEST_DATA) + "/bench/english_words.txt");
  return v;
}
const Vocabulary& arabic() {
  static const Vocabulary v =
      read_vocabulary(std::string(NW_TEST_DATA) + "/bench/arabic_words.txt");
  return v;
}
const Corpus& corpus() {
  static const Corpus c = make_corpus(english());
  return c;
}

std::shared_ptr<const Matcher> compiled(int rules) {
  static std::map<int, std::shared_ptr<const Matcher>> cache;
  auto& m = cache[rules];
  if (!m) {
    auto lists = make_watchlists(rules, english(), arabic());
    auto r = Matcher::compile(lists);
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message.substr(0, 2000).c_str());
      std::exit(2);
    }
    m = *r;
  }
  return m;
}

void BM_Match(benchmark::State& state) {
  const auto matcher = compiled(static_cast<int>(state.range(0)));
  const Corpus& c = corpus();
  std::size_t i = 0, hits = 0, articles = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % c.bodies.size();
    auto h = matcher->match(
        {.title = c.titles[k], .body = c.bodies[k], .source = "wire", .language = c.languages[k]});
    hits += h.size();
    ++articles;
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(articles));
  state.counters["hits_per_article"] = static_cast<double>(hits) / static_cast<double>(articles);
}
BENCHMARK(BM_Match)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// Tokenizing alone: the floor under matching.
void BM_Tokenize(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<Token> tokens;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % c.bodies.size();
    tokens.clear();
    tokenize(c.titles[k], tokens);
    tokenize(c.bodies[k], tokens);
    benchmark::DoNotOptimize(tokens);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMicrosecond);

// The snippet of one match: sentence breaks of the whole body (arg 0) or of
// its paragraph only (arg 1), for a word a third of the way in.
void BM_Snippet(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<std::pair<std::size_t, std::size_t>> at;
  for (const std::string& body : c.bodies) {
    const Token t = tokenize(body.substr(0, body.size() / 3)).back();
    at.emplace_back(t.begin, t.end);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % c.bodies.size();
    const std::string& body = c.bodies[k];
    const auto [begin, end] = at[k];
    std::string s = state.range(0) == 0
                        ? snippet_around(body, begin, end)
                        : snippet_around(body, SentenceIndex(body).around(begin, end), begin, end);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Snippet)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Compile(benchmark::State& state) {
  const auto lists = make_watchlists(static_cast<int>(state.range(0)), english(), arabic());
  for (auto _ : state) {
    auto m = Matcher::compile(lists);
    if (!m) state.SkipWithError("compile failed");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_Compile)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(1);

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// --rss=N: peak resident memory of generating and compiling N rules.
int report_rss(int rules) {
  const long before = max_rss_kib();
  auto lists = make_watchlists(rules, english(), arabic());
  const long generated = max_rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  auto m = Matcher::compile(lists);
  const auto t1 = std::chrono::steady_clock::now();
  if (!m) return 2;
  std::printf("rules=%d compile_ms=%lld peak_rss_mib=%.1f (at start %.1f, rules generated %.1f)\n",
              rules,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()),
              max_rss_kib() / 1024.0, before / 1024.0, generated / 1024.0);
  return 0;
}

}  // namespace
}  // namespace nw

int main(int argc, char** argv) {
  nw::keep_freed_heap();
  if (argc == 2 && std::strncmp(argv[1], "--rss=", 6) == 0)
    return nw::report_rss(std::atoi(argv[1] + 6));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
