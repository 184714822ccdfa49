// Story ids (issue 13): the cost per article of filters/story.h with 100,000
// articles stored in the index, as the daemon holds them over a busy window.
// The stored articles are generated ~400-word texts over real vocabulary
// (the Arabic samples); the articles assigned are half new texts, half
// republished copies of stored ones (a paragraph dropped, words changed).
//
//   BM_StoryAssign     lookup + insert (+ the oldest dropped) at 100,000 held,
//                      signature given: what the index costs
//   BM_StorySignature  MinHash of a ~5 KB Arabic article's tokens
//   BM_StoryPerArticle signature of that article + assign: the story id of an
//                      article whose tokens are at hand
//   BM_StoryFromText   tokenize + signature of that article + assign: what the
//                      daemon pays today (it tokenizes the text again for the
//                      signature; the matcher's tokens are not shared)
// Every assign is of a distinct article (kQueries of them, generated up
// front), so the index never fills with repeats of a few texts.
//
//   story_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "filters/normalize.h"
#include "filters/story.h"
#include "tests/support/files.h"

namespace nw {
namespace {

constexpr std::size_t kStored = 100'000;
constexpr std::size_t kQueries = 20'000;  // iterations of each assigning benchmark
const std::chrono::sys_seconds kT0{std::chrono::seconds{1'591'175'700}};

std::vector<std::string> vocabulary() {
  std::vector<std::string> words;
  for (const char* f :
       {"000_2f2f26cc72d594b8.txt", "001_a70efb1e516236b5.txt", "003_1c09f43d1289937b.txt"}) {
    std::istringstream in(test::read_arabic_sample(f));
    for (std::string w; in >> w;) words.push_back(w);
  }
  return words;
}

std::string text(std::mt19937& rng, const std::vector<std::string>& vocab, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, vocab.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += vocab[pick(rng)] + (i % 25 == 24 ? "\n" : " ");
  return s;
}

// A republished copy: a paragraph (25 words) dropped and a few words changed.
std::string copy_of(const std::string& t, std::mt19937& rng,
                    const std::vector<std::string>& vocab) {
  std::string c = t;
  const auto cut = c.find('\n', c.size() / 3);
  if (cut != std::string::npos) c.erase(cut, c.find('\n', cut + 1) - cut);
  std::uniform_int_distribution<std::size_t> pick(0, vocab.size() - 1);
  return vocab[pick(rng)] + " " + vocab[pick(rng)] + " " + c;
}

struct Fixture {
  std::vector<std::string> vocab = vocabulary();
  std::vector<StorySignature> stored;
  std::vector<StorySignature> query_sigs;  // to assign: new texts and copies, alternating

  Fixture() {
    std::mt19937 rng(13);
    std::vector<std::string> kept;  // a few stored texts to copy
    for (std::size_t i = 0; i < kStored; ++i) {
      std::string t = text(rng, vocab, 400);
      stored.push_back(*story_signature(t));
      if (i % 100 == 0) kept.push_back(std::move(t));
    }
    for (std::size_t i = 0; i < kQueries; ++i) {
      query_sigs.push_back(*story_signature(i % 2 ? copy_of(kept[(i / 2) % kept.size()], rng, vocab)
                                                  : text(rng, vocab, 400)));
    }
  }
  // An index holding kStored articles (full: each assign drops the oldest).
  StoryIndex index() const {
    StoryIndex idx({.max_articles = kStored});
    for (std::size_t i = 0; i < stored.size(); ++i)
      idx.assign("https://site.test/" + std::to_string(i), stored[i], kT0);
    return idx;
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// Resident memory now, in MiB (Linux).
double resident_mib() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

void BM_StoryAssign(benchmark::State& state) {
  const Fixture& f = fixture();
  const double before = resident_mib();
  StoryIndex idx = f.index();
  state.counters["index_MiB"] = resident_mib() - before;  // 100,000 articles held
  std::size_t i = 0, joined = 0;
  for (auto _ : state) {
    const auto r = idx.assign("https://new.test/" + std::to_string(i), f.query_sigs[i], kT0);
    joined += !r.like.empty();
    ++i;
  }
  state.counters["held"] = static_cast<double>(idx.size());
  state.counters["joined"] = static_cast<double>(joined) / static_cast<double>(i);
}
BENCHMARK(BM_StoryAssign)->Unit(benchmark::kMicrosecond)->Iterations(kQueries);

void BM_StorySignature(benchmark::State& state) {
  const std::vector<Token> tokens = tokenize(test::read_arabic_sample("003_1c09f43d1289937b.txt"));
  for (auto _ : state) benchmark::DoNotOptimize(story_signature(tokens));
  state.counters["words"] = static_cast<double>(tokens.size());
}
BENCHMARK(BM_StorySignature)->Unit(benchmark::kMicrosecond);

void BM_StoryPerArticle(benchmark::State& state) {
  const Fixture& f = fixture();
  StoryIndex idx = f.index();
  const std::vector<Token> tokens = tokenize(test::read_arabic_sample("003_1c09f43d1289937b.txt"));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(story_signature(tokens));
    benchmark::DoNotOptimize(
        idx.assign("https://new.test/" + std::to_string(i), f.query_sigs[i], kT0));
    ++i;
  }
}
BENCHMARK(BM_StoryPerArticle)->Unit(benchmark::kMicrosecond)->Iterations(kQueries);

void BM_StoryFromText(benchmark::State& state) {
  const Fixture& f = fixture();
  StoryIndex idx = f.index();
  const std::string body = test::read_arabic_sample("003_1c09f43d1289937b.txt");
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(story_signature(body));
    benchmark::DoNotOptimize(
        idx.assign("https://new.test/" + std::to_string(i), f.query_sigs[i], kT0));
    ++i;
  }
}
BENCHMARK(BM_StoryFromText)->Unit(benchmark::kMicrosecond)->Iterations(kQueries);

}  // namespace
}  // namespace nw

BENCHMARK_MAIN();
