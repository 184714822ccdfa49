#include "feeds/url.h"

#include <gtest/gtest.h>

namespace nw {
namespace {

struct ResolveCase {
  const char* base;
  const char* ref;
  const char* want;
};

class ResolveTest : public testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveTest, Resolves) {
  const auto& c = GetParam();
  EXPECT_EQ(resolve_url(c.base, c.ref), c.want) << c.base << " + " << c.ref;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResolveTest,
    testing::Values(ResolveCase{"https://example.com/a/b", "c", "https://example.com/a/c"},
                    ResolveCase{"https://example.com/a/b", "/x?y=1", "https://example.com/x?y=1"},
                    ResolveCase{"https://example.com/a/", "../up", "https://example.com/up"},
                    ResolveCase{"https://example.com/", "//other.org/p", "https://other.org/p"},
                    ResolveCase{"https://example.com/", "http://abs.net/q", "http://abs.net/q"},
                    ResolveCase{"https://example.com/", "  /trim  ", "https://example.com/trim"},
                    ResolveCase{"https://example.com/", "javascript:void(0)", ""},
                    ResolveCase{"https://example.com/", "mailto:a@b.c", ""},
                    ResolveCase{"https://example.com/", "ftp://x.org/f", ""},
                    ResolveCase{"", "relative/only", ""},
                    ResolveCase{
                        "https://ar.example/", "/ليبيا/خبر",
                        "https://ar.example/%d9%84%d9%8a%d8%a8%d9%8a%d8%a7/%d8%ae%d8%a8%d8%b1"}));

TEST(CanonicalUrl, LowersSchemeAndHostDropsFragmentAndTracking) {
  EXPECT_EQ(canonical_url("HTTPS://Example.COM:443/Path?utm_source=x&id=3&fbclid=y#top"),
            "https://example.com/Path?id=3");
  EXPECT_EQ(canonical_url("http://example.com/a?gclid=1"), "http://example.com/a");
  EXPECT_EQ(canonical_url("http://example.com:8080/a"), "http://example.com:8080/a");
  EXPECT_EQ(canonical_url("not a url"), "");
}

TEST(UrlHost, LowerCaseHost) {
  EXPECT_EQ(url_host("https://WWW.Example.com/x"), "www.example.com");
  EXPECT_EQ(url_host("file:///etc/passwd"), "");
}

}  // namespace
}  // namespace nw
