// Language identification cost per article (issue 25 §1; goal: at most 20 us
// for 5 KB, a tenth of extraction): identify_language() as the daemon calls it
// (CLD2 over a kDetectBytes sample: the title, the text's opening and a piece
// of its middle), on 5 KB of news text in each of the eight languages of
// tests/data/language (articles joined until 5 KB), and bare CLD2 over the
// whole 5 KB beside it. After the timings, what the sample costs in accuracy:
// the detector over the sample and over the whole text, and at shorter
// prefixes, on the extraction set's article texts (tests/data/extract) and the
// language set's articles.
//
//   language_bench --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

// compact_lang_det.h uses FILE without including <cstdio>.
#include <cstdio>
// clang-format off
#include <cld2/public/compact_lang_det.h>
// clang-format on

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/heap.h"
#include "filters/language.h"
#include "filters/page_text.h"
#include "tests/support/files.h"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kArticleBytes = 5 * 1024;
const char* const kLanguages[] = {"ar", "fa", "ur", "en", "fr", "de", "tr", "ru"};

// The language's articles, one paragraph a line, repeated until 5 KB and cut
// at a line end (the title: the first line).
std::pair<std::string, std::string> article_of(const std::string& lang) {
  const std::string all =
      nw::test::read_fixture_file(nw::test::fixture_path("language") / (lang + ".txt"));
  std::string title = all.substr(0, all.find('\n'));
  std::string text;
  std::istringstream in(all);
  for (std::string line;;) {
    if (!std::getline(in, line)) {
      in.clear();
      in.seekg(0);
      continue;
    }
    if (line.empty()) continue;
    if (text.size() + line.size() + 1 > kArticleBytes) break;
    text += line + "\n";
  }
  return {title, text};
}

void BM_IdentifyLanguage(benchmark::State& state, const std::string& lang) {
  const auto [title, text] = article_of(lang);
  for (auto _ : state) {
    nw::ChosenLanguage c = nw::identify_language("", title, text);
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (title.size() + text.size())));
  if (nw::identify_language("", title, text).code != lang) state.SkipWithError("wrong language");
}

// CLD2 alone over the whole 5 KB, no cap.
void BM_Cld2Whole(benchmark::State& state, const std::string& lang) {
  const auto [title, text] = article_of(lang);
  const std::string all = title + "\n" + text;
  for (auto _ : state) {
    bool reliable = false;
    CLD2::Language l3[3];
    int p3[3], bytes = 0;
    benchmark::DoNotOptimize(CLD2::ExtDetectLanguageSummary(
        all.data(), static_cast<int>(all.size()), true, l3, p3, &bytes, &reliable));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * all.size()));
}

void register_all() {
  for (const char* lang : kLanguages) {
    benchmark::RegisterBenchmark((std::string("BM_IdentifyLanguage/") + lang).c_str(),
                                 BM_IdentifyLanguage, std::string(lang))
        ->Unit(benchmark::kMicrosecond);
  }
  for (const char* lang : kLanguages) {
    benchmark::RegisterBenchmark((std::string("BM_Cld2Whole/") + lang).c_str(), BM_Cld2Whole,
                                 std::string(lang))
        ->Unit(benchmark::kMicrosecond);
  }
}

bool cld2_right(std::string_view text, const std::string& want) {
  bool reliable = false;
  CLD2::Language l3[3];
  int p3[3], bytes = 0;
  const CLD2::Language l = CLD2::ExtDetectLanguageSummary(
      text.data(), static_cast<int>(text.size()), true, l3, p3, &bytes, &reliable);
  return reliable && nw::normalize_language_code(CLD2::LanguageCode(l)) == want;
}

struct Text {
  std::string want, title, text;
};

void report(const char* what, const std::vector<Text>& texts) {
  std::size_t longer = 0;
  int sample = 0, whole = 0;
  std::map<std::size_t, int> by_prefix;
  for (const Text& t : texts) {
    const std::string all = t.title + "\n" + t.text;
    longer += all.size() > nw::kDetectBytes;
    const nw::DetectedLanguage d = nw::detect_language(nw::detection_sample(t.title, t.text));
    sample += d.reliable && d.code == t.want;
    whole += cld2_right(all, t.want);
    for (std::size_t cap : {128u, 256u, 512u, 1024u}) {
      std::size_t n = std::min(cap, all.size());
      while (n < all.size() && (static_cast<unsigned char>(all[n]) & 0xC0) == 0x80) --n;
      by_prefix[cap] += cld2_right(std::string_view(all).substr(0, n), t.want);
    }
  }
  std::printf("%s: %zu texts, %zu longer than the %zu-byte sample; right and reliable:\n", what,
              texts.size(), longer, nw::kDetectBytes);
  std::printf("  sample %d, whole text %d;", sample, whole);
  for (const auto& [cap, n] : by_prefix) std::printf(" first %zu bytes %d;", cap, n);
  std::printf("\n");
}

void accuracy() {
  std::vector<Text> pages;
  for (const auto& e : fs::directory_iterator(nw::test::fixture_path("extract"))) {
    if (e.path().extension() != ".html") continue;
    const fs::path meta = fs::path(e.path()).replace_extension(".meta.json");
    if (!fs::exists(meta)) continue;
    std::string want = nw::normalize_language_code(
        nlohmann::json::parse(nw::test::read_fixture_file(meta)).value("language", ""));
    if (want.empty()) want = "ar";  // portal_cp1256 declares none; it is Arabic
    const std::string bytes = nw::test::read_fixture_file(e.path());
    const nw::PageText t = nw::page_text({.bytes = bytes, .content_type = "text/html"});
    pages.push_back({want, t.title, t.text});
  }
  std::vector<Text> articles;
  for (const char* lang : kLanguages) {
    std::istringstream in(nw::test::read_fixture_file(nw::test::fixture_path("language") /
                                                      (std::string(lang) + ".txt")));
    bool fresh = true;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) {
        fresh = true;
      } else if (fresh) {
        articles.push_back({lang, line, ""});
        fresh = false;
      } else {
        articles.back().text += (articles.back().text.empty() ? "" : "\n") + line;
      }
    }
  }
  std::printf("\n");
  report("tests/data/extract pages", pages);
  report("tests/data/language articles", articles);
}

}  // namespace

int main(int argc, char** argv) {
  nw::keep_freed_heap();
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  accuracy();
  return 0;
}
