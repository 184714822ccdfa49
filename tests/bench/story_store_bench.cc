// The story's cost in the store per article (issue 25): finish_item with a
// story, in a real SQLite store already holding `--stored` story articles
// (default 20,000). Each article finished is new, in one of 2,500 stories,
// from one of 8 sources, with one alert; the story record (and, since
// story_sources, the story's distinct sources) is written in the item's
// transaction. A second series finishes the same items without a story, so
// the difference is what the story costs. Reports the median microseconds per
// finished item of `--rounds` rounds of 2,000 items each.
//
//   build-release/bench/story_store_bench [--stored 20000] [--rounds 5]
//
// It uses only the Store API that existed before story_sources, so the same
// file builds on an older commit for a before/after figure.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store.h"

namespace {

constexpr int kPerRound = 2000;
constexpr int kStories = 2500;
constexpr int kSources = 8;

nw::Alert alert_for(int n) {
  return nw::Alert{.watchlist = "libya",
                   .rule = "haftar",
                   .source = "s" + std::to_string(n % kSources),
                   .url = "https://news.example/" + std::to_string(n),
                   .title = "حفتر يصل القاهرة",
                   .snippet = "وصل المشير خليفة حفتر إلى القاهرة"};
}

std::optional<nw::StoryArticle> story_for(int n, bool with_story) {
  if (!with_story) return std::nullopt;
  nw::StoryArticle s;
  s.story = "story" + std::to_string(n % kStories);
  s.signature = std::string(64, static_cast<char>('a' + n % 26));
  s.seen = std::chrono::sys_seconds{std::chrono::seconds{1'591'175'700 + n}};
  return s;
}

bool finish(nw::Store& store, int n, bool with_story) {
  const std::string key = "k" + std::to_string(n);
  auto r = store.finish_item("s" + std::to_string(n % kSources), key, "a" + std::to_string(n),
                             {alert_for(n)}, story_for(n, with_story));
  if (!r) std::fprintf(stderr, "%s\n", r.error().message.c_str());
  return r.has_value();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int stored = 20000;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--stored") == 0) stored = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("story_store_bench_" + std::to_string(getpid()));
  auto store = nw::open_sqlite_store(dir);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  int n = 0;
  for (; n < stored; ++n) {
    if (!finish(**store, n, true)) return 1;
  }
  std::vector<double> with, without;
  for (int round = 0; round < rounds; ++round) {
    for (const bool with_story : {true, false}) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kPerRound; ++i, ++n) {
        if (!finish(**store, n, with_story)) return 1;
      }
      const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - t0;
      (with_story ? with : without).push_back(took.count() / kPerRound);
    }
  }
  std::printf("stored %d story articles; per finished item, median of %d rounds of %d:\n", stored,
              rounds, kPerRound);
  std::printf("  with a story:    %.1f us\n", median(with));
  std::printf("  without a story: %.1f us\n", median(without));
  std::printf("  the story's cost: %.1f us\n", median(with) - median(without));
  store->reset();
  fs::remove_all(dir);
  return 0;
}
