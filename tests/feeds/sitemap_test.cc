// feeds/sitemap.h and feeds/gzip.h. The cases in tests/data/feeds/sitemap/ are
// written like the feed conformance corpus (tests/data/feeds/conformance/README.md):
// expectations in the first XML comment, or in <case>.expect beside a binary one,
// checked against sitemap_to_json.
#include "feeds/sitemap.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/gzip.h"
#include "tests/support/files.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Case {
  std::string description;
  std::string url;
  std::string content_type;
  std::vector<std::string> expects;
};

Case load_case(const fs::path& file) {
  Case c;
  std::string spec;
  if (fs::path side = file.string() + ".expect"; fs::exists(side)) {
    spec = test::read_fixture_file(side);
  } else {
    const std::string bytes = test::read_fixture_file(file);
    const size_t open = bytes.find("<!--");
    const size_t close = bytes.find("-->", open == std::string::npos ? 0 : open);
    if (open != std::string::npos && close != std::string::npos)
      spec = bytes.substr(open + 4, close - open - 4);
  }
  std::istringstream lines(spec);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "Description") c.description = value;
    if (key == "URL") c.url = value;
    if (key == "Content-Type") c.content_type = value;
    if (key == "Expect") c.expects.push_back(value);
  }
  return c;
}

// error | POINTER == JSON | POINTER ~= "substring" | POINTER absent; "/#" is an array's size.
std::string check(const std::string& expect, const Json* doc, const std::string& parse_error) {
  if (expect == "error") return doc == nullptr ? "" : "parsed, but an error was expected";
  if (doc == nullptr) return "parse failed: " + parse_error;
  const size_t sp = expect.find(' ');
  if (sp == std::string::npos) return "bad expectation";
  std::string pointer = expect.substr(0, sp);
  const std::string rest = expect.substr(sp + 1);
  const bool size_of = pointer.ends_with("/#");
  if (size_of) pointer.resize(pointer.size() - 2);
  const Json::json_pointer ptr(pointer);
  if (rest == "absent") return doc->contains(ptr) ? "present: " + doc->at(ptr).dump() : "";
  if (!doc->contains(ptr)) return "no " + pointer;
  Json got = doc->at(ptr);
  if (size_of) got = got.is_array() ? Json(got.size()) : Json(nullptr);
  const std::string op = rest.substr(0, 3);
  const Json want = Json::parse(rest.substr(3), nullptr, false);
  if (want.is_discarded()) return "bad JSON in expectation";
  if (op == "== ") return got == want ? "" : "got " + got.dump() + ", want " + want.dump();
  if (op == "~= ") {
    return got.is_string() && want.is_string() &&
                   got.get<std::string>().find(want.get<std::string>()) != std::string::npos
               ? ""
               : "got " + got.dump() + ", want it to contain " + want.dump();
  }
  return "bad operator in expectation";
}

TEST(SitemapCases, AllPass) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test::fixture_path("feeds/sitemap"))) {
    if (e.is_regular_file() && !e.path().string().ends_with(".expect")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 8u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const Case c = load_case(file);
    ASSERT_FALSE(c.expects.empty()) << "case without expectations";
    const auto sitemap = parse_sitemap(test::read_fixture_file(file),
                                       {.url = c.url, .content_type = c.content_type});
    Json doc;
    if (sitemap) doc = Json::parse(sitemap_to_json(*sitemap));
    for (const std::string& e : c.expects) {
      const std::string why =
          check(e, sitemap ? &doc : nullptr, sitemap ? "" : sitemap.error().message);
      EXPECT_EQ(why, "") << c.description << "\n  " << e;
    }
  }
}

TEST(SitemapCases, CheckerCanFail) {
  const Json doc = Json::parse(R"({"urls": [{"loc": "a"}]})");
  EXPECT_EQ(check(R"(/urls/0/loc == "a")", &doc, ""), "");
  EXPECT_NE(check(R"(/urls/0/loc == "b")", &doc, ""), "");
  EXPECT_NE(check("/urls/# == 2", &doc, ""), "");
  EXPECT_NE(check("error", &doc, ""), "");
  EXPECT_NE(check("/urls absent", &doc, ""), "");
}

std::string urlset(std::size_t n) {
  std::string s = R"(<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (std::size_t i = 0; i < n; ++i) {
    s += "<url><loc>https://e.example/a/" + std::to_string(i) + "</loc></url>\n";
  }
  return s + "</urlset>\n";
}

std::string gzip_of(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Sitemap, KeepsTheProtocolsFiftyThousandEntriesAndSaysSo) {
  const auto s = parse_sitemap(urlset(kSitemapMaxEntries + 3), {});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->urls.size(), kSitemapMaxEntries);
  EXPECT_EQ(s->dropped, 3u);
  EXPECT_EQ(s->urls.back().loc, "https://e.example/a/49999");
  ASSERT_FALSE(s->warnings.empty());
  EXPECT_NE(s->warnings.back().find("50000 entries"), std::string::npos) << s->warnings.back();
}

TEST(Sitemap, RefusesMoreThanFiftyMegabytes) {
  std::string big = urlset(1);
  big.insert(big.size() - 11, kSitemapMaxBytes, ' ');
  const auto plain = parse_sitemap(big, {});
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, Errc::kTooLarge);
  EXPECT_NE(plain.error().message.find("50 MB"), std::string::npos) << plain.error().message;
  // A gzip bomb: 50 MB of spaces compress to about 50 KB.
  const auto bomb = parse_sitemap(gzip_of(big), {});
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().code, Errc::kTooLarge);
  EXPECT_NE(bomb.error().message.find("50 MB"), std::string::npos) << bomb.error().message;
}

TEST(Sitemap, ReadsGzipOfEveryMemberAndRefusesACutOne) {
  const std::string doc = urlset(2);
  const std::string two = gzip_of(doc.substr(0, 40)) + gzip_of(doc.substr(40));
  auto inflated = gunzip(two, 1 << 20);
  ASSERT_TRUE(inflated) << inflated.error().message;
  EXPECT_EQ(*inflated, doc);
  const auto s = parse_sitemap(two, {});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->gzip);
  EXPECT_EQ(s->urls.size(), 2u);
  const std::string whole = gzip_of(doc);
  const auto cut = gunzip(std::string_view(whole).substr(0, whole.size() / 2), 1 << 20);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, Errc::kParse);
  EXPECT_FALSE(gunzip(whole, 10));  // the cap
  EXPECT_FALSE(is_gzip("<urlset/>"));
}

TEST(Sitemap, FailsOnNothingUsable) {
  EXPECT_FALSE(parse_sitemap("", {}));
  EXPECT_FALSE(parse_sitemap("   \n", {}));
  EXPECT_FALSE(parse_sitemap("<urlset><url><loc>", {}));  // cut before any entry
  const auto html = parse_sitemap("<html><body>hi</body></html>", {});
  ASSERT_FALSE(html);
  EXPECT_NE(html.error().message.find("not a sitemap"), std::string::npos);
}

TEST(Sitemap, SkipsEntriesWithoutAnHttpLoc) {
  const auto s = parse_sitemap(
      "<urlset><url><loc>javascript:alert(1)</loc></url><url></url>"
      "<url><loc> https://e.example/ok </loc></url></urlset>",
      {});
  ASSERT_TRUE(s);
  ASSERT_EQ(s->urls.size(), 1u);
  EXPECT_EQ(s->urls[0].loc, "https://e.example/ok");
  ASSERT_EQ(s->warnings.size(), 1u);
  EXPECT_NE(s->warnings[0].find("2 <url>"), std::string::npos) << s->warnings[0];
}

}  // namespace
}  // namespace nw
