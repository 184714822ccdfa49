#include "filters/listing.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/files.h"

namespace nw {
namespace {

TEST(Listing, SectionPageGivesExactlyTheArticleLinks) {
  const std::string dir = std::string(NW_TEST_DATA) + "/listing/";
  const std::string html = test::read_fixture_file(dir + "section_ar.html");
  const auto expected =
      nlohmann::json::parse(test::read_fixture_file(dir + "section_ar.expected.json"));
  const auto links = find_article_links(html, expected["page_url"].get<std::string>());
  std::vector<std::pair<std::string, std::string>> got, want;
  for (const ListingLink& l : links) got.emplace_back(l.url, l.title);
  for (const auto& l : expected["links"]) {
    want.emplace_back(l["url"].get<std::string>(), l["title"].get<std::string>());
  }
  EXPECT_EQ(got, want);
}

struct LinkCase {
  const char* name;
  const char* anchor;  // one <a> inside <main>
  const char* want;    // expected URL, "" for none
};

class LinkTest : public testing::TestWithParam<LinkCase> {};

TEST_P(LinkTest, OneLink) {
  const std::string html =
      std::string("<html><body><main><h2>") + GetParam().anchor + "</h2></main></body></html>";
  const auto links = find_article_links(html, "https://www.example.com/world/");
  if (std::string_view(GetParam().want).empty()) {
    EXPECT_TRUE(links.empty()) << links.front().url;
  } else {
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].url, GetParam().want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LinkTest,
    testing::Values(
        LinkCase{"slug", "<a href='/2020/06/03/haftar-lands-in-cairo'>Haftar lands in Cairo</a>",
                 "https://www.example.com/2020/06/03/haftar-lands-in-cairo"},
        LinkCase{"fragment", "<a href='/news/48213.html#top'>Haftar lands in Cairo</a>",
                 "https://www.example.com/news/48213.html"},
        LinkCase{"no www",
                 "<a href='https://example.com/news/item-48213'>Haftar lands in Cairo</a>",
                 "https://example.com/news/item-48213"},
        LinkCase{"title attr",
                 "<a href='/a/haftar-lands-in-cairo' title='Haftar lands in Cairo'>"
                 "</a>",
                 "https://www.example.com/a/haftar-lands-in-cairo"},
        LinkCase{"other site", "<a href='https://other.org/news/48213'>Haftar lands in Cairo</a>",
                 ""},
        LinkCase{"subdomain",
                 "<a href='https://blog.example.com/news/48213'>Haftar lands in "
                 "Cairo</a>",
                 ""},
        LinkCase{"image only", "<a href='/news/48213.html'><img src='x.jpg' alt='Haftar'></a>", ""},
        LinkCase{"short text", "<a href='/news/48213.html'>More</a>", ""},
        LinkCase{"section", "<a href='/libya'>All the news from Libya today</a>", ""},
        LinkCase{"tag", "<a href='/tag/haftar-cairo-2020'>All about Haftar in Cairo</a>", ""},
        LinkCase{"author", "<a href='/author/jane-doe-12345'>Articles by Jane Doe here</a>", ""},
        LinkCase{"page", "<a href='/world/page/2'>Older news from the world</a>", ""},
        LinkCase{"search", "<a href='/find?q=haftar&id=2020'>Search for Haftar news</a>", ""},
        LinkCase{"self", "<a href='https://www.example.com/world/#main'>World news from today</a>",
                 ""},
        LinkCase{"javascript", "<a href='javascript:open(48213)'>Haftar lands in Cairo</a>", ""},
        LinkCase{"mailto", "<a href='mailto:news@example.com'>Write to the news desk</a>", ""},
        LinkCase{"read more", "<a href='/news/48213.html'>Read more about this</a>", ""}),
    [](const testing::TestParamInfo<LinkCase>& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(Listing, EachUrlOnceInPageOrder) {
  const auto links = find_article_links(
      "<main><a href='/b/second-story-here-2020'>Second story is listed first</a>"
      "<a href='/a/first-story-here-2020'>First story comes second here</a>"
      "<a href='/b/second-story-here-2020#comments'>Second story is listed again</a></main>",
      "https://example.com/");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://example.com/b/second-story-here-2020");
  EXPECT_EQ(links[0].title, "Second story is listed first");
  EXPECT_EQ(links[1].url, "https://example.com/a/first-story-here-2020");
}

TEST(Listing, BadInputGivesNothing) {
  EXPECT_TRUE(find_article_links("", "https://example.com/").empty());
  EXPECT_TRUE(find_article_links("<a href='/x-y-z-1234'>a b c d</a>", "not a url").empty());
  EXPECT_TRUE(find_article_links(std::string("\0\xff<a", 4), "https://example.com/").empty());
}

}  // namespace
}  // namespace nw
