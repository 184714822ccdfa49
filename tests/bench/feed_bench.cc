// Feed parsing throughput (issue 3): parse_feed() over a generated 5 MB,
// 2,000-item Arabic/English feed, as RSS 2.0 in UTF-8, as RSS 2.0 in
// windows-1256 (declared in the XML), and as Atom 1.0. Reports items/s and
// bytes/s. The feeds are built at start-up from the Arabic samples in
// tests/data/samples/arabic-news and fixed English text, deterministically.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release -j2 --target feed_bench
//   build-release/bench/feed_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
//
// Target: >= 100,000 items/s (python feedparser does about 2,000 here).
#include <benchmark/benchmark.h>
#include <iconv.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "feeds/feed_parser.h"
#include "tests/support/files.h"

namespace {

constexpr int kItems = 2000;
constexpr size_t kTargetBytes = 5 * 1024 * 1024;

const char* const kEnglish[] = {
    "The foreign ministers met in Cairo on Tuesday to discuss the ceasefire and the return of "
    "displaced families, officials said after the closed session.",
    "Oil prices rose for a third day as traders weighed supply cuts against weaker demand in Asia "
    "and a stronger dollar.",
    "The central bank kept its main rate unchanged and said inflation would ease in the second "
    "half of the year, according to a statement.",
    "Heavy rain flooded roads in the capital, and the civil defence urged residents to avoid the "
    "coastal highway until further notice.",
    "Negotiators reported progress on the prisoner exchange, though several points remain open "
    "ahead of the next round of talks in Geneva.",
};

// Deterministic sentence picker (an LCG; no std::random_device).
struct Lcg {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
};

std::vector<std::string> arabic_sentences() {
  std::vector<std::string> out;
  const std::filesystem::path dir = nw::test::fixture_path("samples/arabic-news");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string text = nw::test::read_fixture_file(f);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find_first_of(".\n", start);
      if (end == std::string::npos) end = text.size();
      std::string s = text.substr(start, end - start);
      start = end + 1;
      // Keep the XML simple: these would need escaping.
      for (char& c : s) {
        if (c == '<' || c == '&' || c == '>') c = ' ';
      }
      if (s.size() > 40) out.push_back(s);
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "feed_bench: no Arabic samples under %s\n", dir.c_str());
    std::exit(1);
  }
  return out;
}

struct Item {
  std::string title, link, guid, date_rfc, date_iso, author, body;
  bool enclosure;
};

std::vector<Item> make_items() {
  const std::vector<std::string> ar = arabic_sentences();
  Lcg rng;
  std::vector<Item> items;
  // Bodies sized so that the whole feed comes to about kTargetBytes.
  const size_t body_bytes = kTargetBytes / kItems - 450;
  for (int i = 0; i < kItems; ++i) {
    Item it;
    const bool arabic = i % 2 == 0;
    it.title = arabic ? ar[rng.next() % ar.size()].substr(0, 160) : kEnglish[rng.next() % 5];
    if (arabic) {  // cut at a character boundary
      while (!it.title.empty() && (static_cast<unsigned char>(it.title.back()) & 0xC0) == 0x80)
        it.title.pop_back();
      if (!it.title.empty() && static_cast<unsigned char>(it.title.back()) >= 0xC0)
        it.title.pop_back();
    }
    it.link = "https://news.example.com/" + std::string(arabic ? "ar" : "en") + "/2020/06/story-" +
              std::to_string(i);
    it.guid = "news-example-" + std::to_string(100000 + i);
    const int day = 1 + i % 28, hour = i % 24, minute = (i * 7) % 60;
    char buf[64];
    std::snprintf(buf, sizeof buf, "Wed, %02d Jun 2020 %02d:%02d:00 +0300", day, hour, minute);
    it.date_rfc = buf;
    std::snprintf(buf, sizeof buf, "2020-06-%02dT%02d:%02d:00+03:00", day, hour, minute);
    it.date_iso = buf;
    it.author = arabic ? "مراسل الأخبار" : "Staff Reporter";
    it.body = "<p>";
    while (it.body.size() < body_bytes) {
      it.body += arabic ? ar[rng.next() % ar.size()] : kEnglish[rng.next() % 5];
      it.body += rng.next() % 4 == 0 ? ".</p><p>" : ". ";
    }
    it.body += "</p>";
    it.enclosure = i % 5 == 0;
    items.push_back(std::move(it));
  }
  return items;
}

std::string make_rss(const std::vector<Item>& items, const char* encoding) {
  std::string x =
      std::string("<?xml version=\"1.0\" encoding=\"") + encoding + "\"?>\n" +
      "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n"
      "<title>الأخبار - News</title>\n<link>https://news.example.com/</link>\n<ttl>15</ttl>\n";
  for (const Item& it : items) {
    x += "<item>\n<title>" + it.title + "</title>\n<link>" + it.link +
         "</link>\n<guid isPermaLink=\"false\">" + it.guid + "</guid>\n<pubDate>" + it.date_rfc +
         "</pubDate>\n<dc:creator>" + it.author +
         "</dc:creator>\n<category>news</category>\n<description><![CDATA[" + it.body +
         "]]></description>\n";
    if (it.enclosure) {
      x += "<enclosure url=\"" + it.link + ".jpg\" type=\"image/jpeg\" length=\"48213\"/>\n";
    }
    x += "</item>\n";
  }
  x += "</channel>\n</rss>\n";
  return x;
}

std::string make_atom(const std::vector<Item>& items) {
  std::string x =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
      "<title>الأخبار - News</title>\n<link href=\"https://news.example.com/\"/>\n"
      "<id>urn:news-example</id>\n<updated>2020-06-30T00:00:00Z</updated>\n";
  for (const Item& it : items) {
    x += "<entry>\n<title>" + it.title + "</title>\n<link rel=\"alternate\" href=\"" + it.link +
         "\"/>\n<id>" + it.guid + "</id>\n<published>" + it.date_iso + "</published>\n<updated>" +
         it.date_iso + "</updated>\n<author><name>" + it.author + "</name></author>\n" +
         "<content type=\"html\"><![CDATA[" + it.body + "]]></content>\n";
    if (it.enclosure) {
      x += "<link rel=\"enclosure\" href=\"" + it.link +
           ".jpg\" type=\"image/jpeg\" length=\"48213\"/>\n";
    }
    x += "</entry>\n";
  }
  x += "</feed>\n";
  return x;
}

// UTF-8 to windows-1256 with glibc's iconv; characters it lacks become '?'.
std::string to_cp1256(const std::string& utf8) {
  iconv_t cd = iconv_open("WINDOWS-1256//TRANSLIT", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    std::perror("feed_bench: iconv_open");
    std::exit(1);
  }
  std::string out(utf8.size(), '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &dst, &out_left) == static_cast<size_t>(-1)) {
      *dst++ = '?';  // skip one unconvertible character
      --out_left;
      do {
        ++in;
        --in_left;
      } while (in_left > 0 && (static_cast<unsigned char>(*in) & 0xC0) == 0x80);
    }
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

struct Corpus {
  std::string rss_utf8, rss_cp1256, atom;
  Corpus() {
    const std::vector<Item> items = make_items();
    rss_utf8 = make_rss(items, "utf-8");
    rss_cp1256 = to_cp1256(make_rss(items, "windows-1256"));
    atom = make_atom(items);
  }
};

const Corpus& corpus() {
  static const Corpus c;
  return c;
}

void run(benchmark::State& state, const std::string& doc, const char* expected_encoding) {
  const nw::FeedParseOptions options{.url = "https://news.example.com/feed.xml",
                                     .content_type = ""};
  size_t items = 0;
  for (auto _ : state) {
    nw::Result<nw::Feed> feed = nw::parse_feed(doc, options);
    if (!feed || feed->entries.size() != static_cast<size_t>(kItems) ||
        feed->encoding != expected_encoding) {
      state.SkipWithError("parse failed or lost items");
      return;
    }
    items += feed->entries.size();
    benchmark::DoNotOptimize(feed->entries.back().summary.data());
  }
  state.counters["items/s"] =
      benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
  state.counters["MB"] = static_cast<double>(doc.size()) / (1024.0 * 1024.0);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(doc.size()));
}

void BM_ParseRssUtf8(benchmark::State& state) { run(state, corpus().rss_utf8, "utf-8"); }
void BM_ParseRssWindows1256(benchmark::State& state) {
  run(state, corpus().rss_cp1256, "windows-1256");
}
void BM_ParseAtomUtf8(benchmark::State& state) { run(state, corpus().atom, "utf-8"); }

// Rates are per CPU second: parsing is single-threaded, and on the shared
// 2-core machine wall time mostly measures waiting for a core (the Time column
// still shows it).
BENCHMARK(BM_ParseRssUtf8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseRssWindows1256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAtomUtf8)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
