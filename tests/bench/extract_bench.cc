// Extraction speed over the evaluation set (issue 4): pages/s and MB/s on one
// core, median and p99 time per page, peak memory (ru_maxrss), and in the same
// run parse-only speed of bare myhtml and of our DOM (filters/html.h), so the
// ratios hold on a shared, noisy machine. Build Release and run:
//   build-rel/bench/extract_bench [ROUNDS [SET]]   (default 20 rounds, both
//   sets)
// Sets: tests/data/extract/*.html (small real-looking pages) and
// tests/data/extract/large/*.html (the same templates padded to ~170 KB).
#include <myhtml/api.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/heap.h"
#include "feeds/charset.h"
#include "filters/extract.h"
#include "filters/html.h"
#include "tests/support/files.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<std::string> load(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".html") files.push_back(e.path());
  }
  std::ranges::sort(files);
  std::vector<std::string> pages;
  for (const fs::path& f : files) {
    pages.push_back(
        nw::decode_to_utf8(nw::test::read_fixture_file(f), "", nw::DocType::kHtml).text);
  }
  return pages;
}

struct Job {
  const char* what;
  std::function<std::size_t(const std::string&)> fn;
  std::vector<double> us;
  double secs = 0;
};

// Runs every job on every page, `rounds` times, interleaved page by page so
// that load from other processes hits all jobs alike and the ratios hold.
void measure(const char* set, const std::vector<std::string>& pages, int rounds,
             std::vector<Job>& jobs) {
  std::size_t bytes = 0, sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& p : pages) {
      bytes += p.size();
      for (Job& j : jobs) {
        const auto a = Clock::now();
        sink += j.fn(p);
        const std::chrono::duration<double> d = Clock::now() - a;
        j.us.push_back(d.count() * 1e6);
        j.secs += d.count();
      }
    }
  }
  for (Job& j : jobs) {
    std::ranges::sort(j.us);
    const double median = j.us[j.us.size() / 2];
    const double p99 = j.us[std::min(j.us.size() - 1, j.us.size() * 99 / 100)];
    std::printf(
        "%-6s %-15s %7.0f pages/s %7.1f MB/s | median %6.0f us = %6.0f "
        "pages/s | p99 %6.0f us\n",
        set, j.what, j.us.size() / j.secs, bytes / j.secs / 1e6, median, 1e6 / median, p99);
  }
  std::printf(
      "%-6s extract/myhtml median ratio %.2f (checksum %zu)\n", set,
      jobs.back().us[jobs.back().us.size() / 2] / jobs.front().us[jobs.front().us.size() / 2],
      sink % 7);
}

std::size_t myhtml_only(const std::string& page) {
  thread_local myhtml_t* h = [] {
    myhtml_t* m = myhtml_create();
    myhtml_init(m, MyHTML_OPTIONS_PARSE_MODE_SINGLE, 1, 0);
    return m;
  }();
  thread_local myhtml_tree_t* tree = [] {
    myhtml_tree_t* t = myhtml_tree_create();
    myhtml_tree_init(t, h);
    return t;
  }();
  myhtml_parse(tree, MyENCODING_UTF_8, page.data(), page.size());
  return myhtml_node_child(myhtml_tree_get_document(tree)) != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  nw::keep_freed_heap();
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::string only = argc > 2 ? argv[2] : "";
  const fs::path dir = fs::path(NW_TEST_DATA) / "extract";
  for (const auto& [set, pages] :
       {std::pair{"eval", load(dir)}, std::pair{"large", load(dir / "large")}}) {
    if (!only.empty() && only != set) continue;
    std::size_t total = 0;
    for (const auto& p : pages) total += p.size();
    std::printf("%s: %zu pages, %.0f KB average\n", set, pages.size(),
                total / 1024.0 / pages.size());
    std::vector<Job> jobs;
    jobs.push_back({"myhtml parse", myhtml_only});
    jobs.push_back({"nw::html parse", [](const std::string& p) {
                      auto d = nw::html::parse(p);
                      return d ? d->size() : std::size_t{0};
                    }});
    jobs.push_back(
        {"extract", [](const std::string& p) {
           return nw::extract_article(p, {.base_url = "https://example.com/a"}).text.size();
         }});
    measure(set, pages, rounds, jobs);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak memory (ru_maxrss): %.1f MB\n", ru.ru_maxrss / 1024.0);
}
