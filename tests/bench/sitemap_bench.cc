// Sitemaps at the protocol's limit (issue 24): a generated Google News
// sitemap of 50,000 URLs (about 22 MB: news:publication_date, news:title in
// Arabic or English, news:publication, an image:image each), of which 100 are
// dated within the last two days. Measures parse_sitemap() plain and gzip, and
// parse + sitemap_items() with max_age = 2d (what a poll does), and says how
// many items that leaves: only the recent ones go on to be fetched. Before the
// runs it prints the peak resident memory one parse added (getrusage).
//
//   cmake --preset release && cmake --build --preset release --target sitemap_bench
//   build-release/bench/sitemap_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "daemon/sitemap_items.h"
#include "feeds/sitemap.h"

namespace {

using std::chrono::sys_seconds;

constexpr int kUrls = 50'000;
constexpr int kRecent = 100;
const sys_seconds kNow =
    std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours(12);

std::string iso(sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The newest kRecent URLs are within the last day; the rest go back a minute
// each over the previous weeks, as a big site's sitemap does.
const std::string& document() {
  static const std::string doc = [] {
    std::string s =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
        "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\" "
        "xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n";
    s.reserve(24u << 20);
    for (int i = 0; i < kUrls; ++i) {
      const sys_seconds when = i < kRecent ? kNow - std::chrono::minutes(10 * i)
                                           : kNow - std::chrono::days(3) - std::chrono::minutes(i);
      const std::string n = std::to_string(i);
      const bool arabic = i % 2 == 0;
      s += "<url><loc>https://www.example-news.com/" + std::string(arabic ? "ar" : "en") +
           "/2024/04/" + n + "/a-fairly-long-slug-of-the-article-title-" + n + ".html</loc>" +
           "<lastmod>" + iso(when) + "</lastmod><news:news><news:publication><news:name>Example " +
           "News</news:name><news:language>" + (arabic ? "ar" : "en") +
           "</news:language></news:publication><news:publication_date>" + iso(when) +
           "</news:publication_date><news:title>" +
           (arabic ? "محادثات وقف إطلاق النار تستأنف في القاهرة بمشاركة الوسطاء رقم " + n
                   : "Ceasefire talks resume in Cairo with the mediators, number " + n) +
           "</news:title></news:news><image:image><image:loc>https://img.example-news.com/" + n +
           ".jpg</image:loc></image:image></url>\n";
    }
    return s + "</urlset>\n";
  }();
  return doc;
}

std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

const std::string& gzipped() {
  static const std::string g = gzip(document());
  return g;
}

void report(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(state.iterations() * kUrls);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}

void BM_ParseSitemap(benchmark::State& state) {
  const std::string& doc = document();
  for (auto _ : state) {
    auto s = nw::parse_sitemap(doc, {.url = "https://www.example-news.com/sitemap.xml"});
    if (!s || s->urls.size() != kUrls) state.SkipWithError("bad parse");
    benchmark::DoNotOptimize(s);
  }
  report(state, doc.size());
}
BENCHMARK(BM_ParseSitemap)->Unit(benchmark::kMillisecond);

void BM_ParseSitemapGzip(benchmark::State& state) {
  const std::string& gz = gzipped();
  for (auto _ : state) {
    auto s = nw::parse_sitemap(gz, {.url = "https://www.example-news.com/sitemap.xml.gz"});
    if (!s || s->urls.size() != kUrls) state.SkipWithError("bad parse");
    benchmark::DoNotOptimize(s);
  }
  report(state, gz.size());
}
BENCHMARK(BM_ParseSitemapGzip)->Unit(benchmark::kMillisecond);

// What a poll does with the body: parse, then keep the URLs within max_age.
void BM_ParseAndTakeRecent(benchmark::State& state) {
  const std::string& doc = document();
  std::size_t items = 0;
  for (auto _ : state) {
    auto s = nw::parse_sitemap(doc, {.url = "https://www.example-news.com/sitemap.xml"});
    if (!s) state.SkipWithError("bad parse");
    nw::SitemapItems found = nw::sitemap_items(std::move(s->urls), kNow, std::chrono::days(2));
    items = found.items.size();
    benchmark::DoNotOptimize(found);
  }
  report(state, doc.size());
  state.counters["items"] = static_cast<double>(items);
  if (items != kRecent) state.SkipWithError("not only the recent URLs");
}
BENCHMARK(BM_ParseAndTakeRecent)->Unit(benchmark::kMillisecond);

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string& doc = document();
  const std::string& gz = gzipped();
  const long before = max_rss_kb();
  {
    auto s = nw::parse_sitemap(gz, {.url = "https://www.example-news.com/sitemap.xml.gz"});
    const long after = max_rss_kb();
    nw::SitemapItems found = nw::sitemap_items(std::move(s->urls), kNow, std::chrono::days(2));
    std::printf(
        "sitemap: %d URLs, %.1f MB (%.1f MB gzip); peak resident memory added by one gzip "
        "parse: %.1f MB; items within max_age 2d: %zu (%zu older, %zu undated)\n",
        kUrls, static_cast<double>(doc.size()) / (1 << 20),
        static_cast<double>(gz.size()) / (1 << 20), static_cast<double>(after - before) / 1024,
        found.items.size(), found.too_old, found.undated);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
