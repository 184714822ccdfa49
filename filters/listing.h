// Article discovery on listing pages (sources of kind "html"): the links on a
// section or home page that lead to article pages of the same site, skipping
// navigation, footer, tag, category, author, pagination and share links.
// Pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nw {

struct ListingLink {
  std::string url;    // absolute, fragment removed
  std::string title;  // the link's text (or its title attribute), whitespace collapsed
};

// `html` must be UTF-8. Links come in page order, each URL once.
std::vector<ListingLink> find_article_links(std::string_view html, std::string_view page_url);

}  // namespace nw
