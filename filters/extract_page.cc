#include "filters/extract_page.h"

#include <algorithm>
#include <string>

#include "feeds/text.h"

namespace nw::extract_detail {

using html::Node;
using html::Tag;

bool hidden(const Node& n) {
  std::string_view raw;  // the style attribute
  for (const html::Attribute& a : n.attributes()) {
    if (a.name == "hidden") return true;
    if (a.name == "aria-hidden" && lower_ascii(a.value) == "true") return true;
    if (a.name == "style") raw = a.value;
  }
  if (raw.size() < 12) return false;
  std::string style = lower_ascii(raw);
  std::erase(style, ' ');
  return style.find("display:none") != std::string::npos ||
         style.find("visibility:hidden") != std::string::npos;
}

Page::Page(const html::Document& doc) : doc_(doc), n_(static_cast<std::uint32_t>(doc.size())) {
  count_text(false);
  removed_.assign(n_, 0);
}

void Page::recount() { count_text(true); }

// Prefix sums of visible characters (all, and inside links) over node ids, so
// any subtree's totals are two lookups.
void Page::count_text(bool kept_only) {
  text_.assign(n_ + 1, 0);
  linked_.assign(n_ + 1, 0);
  const bool first = chars_.empty();
  if (first) {
    chars_.assign(n_, 0);
    tags_.resize(n_);
    for (std::uint32_t i = 0; i < n_; ++i) {
      tags_[i] = node(i).tag();
      if (tags_[i] == Tag::kH1) h1_nodes_.push_back(i);
    }
  }
  std::uint32_t link_end = 0, skip_end = 0;
  for (std::uint32_t i = 0; i < n_; ++i) {
    const Node nd = node(i);
    int t = 0, l = 0;
    if (i >= skip_end) {
      const Tag tag = tags_[i];
      if ((kept_only && removed_[i]) || tag == Tag::kScript || tag == Tag::kStyle ||
          tag == Tag::kTemplate || tag == Tag::kHead || tag == Tag::kNoscript) {
        skip_end = nd.end();
      } else if (tag == Tag::kA) {
        link_end = std::max(link_end, nd.end());
      } else if (tag == Tag::kText) {
        // Later passes skip at least what the first one skipped, so the
        // counts they read were made.
        t = first ? (chars_[i] = visible_chars(nd.text())) : chars_[i];
        if (i < link_end) l = t;
      }
    }
    text_[i + 1] = text_[i] + t;
    linked_[i + 1] = linked_[i] + l;
  }
  total_unlinked_ = text_[n_] - linked_[n_];
}

}  // namespace nw::extract_detail
