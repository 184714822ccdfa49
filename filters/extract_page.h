// The page as the steps of main-text extraction see it: the parsed document,
// the subtrees step 1 removed, and prefix sums of visible text so that any
// subtree's size is two lookups. Internal to nw_extract; one per extraction,
// used by one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "filters/html.h"

namespace nw::extract_detail {

// Elements that start a line of their own: text on each side is two blocks.
inline bool is_block(html::Tag t) {
  using html::Tag;
  switch (t) {
    case Tag::kAddress:
    case Tag::kArticle:
    case Tag::kAside:
    case Tag::kBlockquote:
    case Tag::kBody:
    case Tag::kCaption:
    case Tag::kCenter:
    case Tag::kDd:
    case Tag::kDetails:
    case Tag::kDialog:
    case Tag::kDiv:
    case Tag::kDl:
    case Tag::kDt:
    case Tag::kFieldset:
    case Tag::kFigcaption:
    case Tag::kFigure:
    case Tag::kFooter:
    case Tag::kForm:
    case Tag::kH1:
    case Tag::kH2:
    case Tag::kH3:
    case Tag::kH4:
    case Tag::kH5:
    case Tag::kH6:
    case Tag::kHeader:
    case Tag::kHr:
    case Tag::kLi:
    case Tag::kMain:
    case Tag::kMenu:
    case Tag::kNav:
    case Tag::kOl:
    case Tag::kP:
    case Tag::kPre:
    case Tag::kSection:
    case Tag::kSummary:
    case Tag::kTable:
    case Tag::kTbody:
    case Tag::kTd:
    case Tag::kTfoot:
    case Tag::kTh:
    case Tag::kThead:
    case Tag::kTr:
    case Tag::kUl:
    case Tag::kLegend:
      return true;
    default:
      return false;
  }
}

inline bool is_heading(html::Tag t) { return t >= html::Tag::kH1 && t <= html::Tag::kH6; }
inline bool is_paragraph(html::Tag t) {
  using html::Tag;
  return t == Tag::kP || t == Tag::kPre || t == Tag::kLi || t == Tag::kDt || t == Tag::kDd ||
         is_heading(t);
}

// Code points that are not ASCII whitespace: the length measure for Arabic
// and Latin alike.
inline int visible_chars(std::string_view s) {
  int n = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80 || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      continue;
    }
    ++n;
  }
  return n;
}

// display:none, visibility:hidden, the hidden attribute, aria-hidden="true".
bool hidden(const html::Node& n);

class Page {
 public:
  // Counts all text (nothing removed yet). `doc` must outlive the Page.
  explicit Page(const html::Document& doc);

  const html::Document& doc() const { return doc_; }
  html::Node node(std::uint32_t id) const { return doc_.node(id); }
  std::uint32_t size() const { return n_; }
  html::Tag tag(std::uint32_t i) const { return tags_[i]; }
  bool element(std::uint32_t i) const {
    using html::Tag;
    return tags_[i] != Tag::kDocument && tags_[i] != Tag::kText && tags_[i] != Tag::kComment;
  }

  // Counts again, without the removed subtrees.
  void recount();
  int text_in(const html::Node& n) const { return text_[n.end()] - text_[n.id()]; }
  int linked_in(const html::Node& n) const { return linked_[n.end()] - linked_[n.id()]; }
  int unlinked_in(const html::Node& n) const { return text_in(n) - linked_in(n); }
  int total_text() const { return text_[n_]; }
  // `n`'s part of the page's unlinked text.
  double share(const html::Node& n) const {
    return total_unlinked_ > 0 ? static_cast<double>(unlinked_in(n)) / total_unlinked_ : 0.0;
  }

  bool removed(std::uint32_t i) const { return removed_[i]; }
  void remove(const html::Node& n) {
    std::fill(removed_.begin() + n.id(), removed_.begin() + n.end(), 1);
  }
  const std::vector<std::uint32_t>& h1_nodes() const { return h1_nodes_; }  // ascending ids

 private:
  void count_text(bool kept_only);

  const html::Document& doc_;
  std::uint32_t n_;
  std::vector<html::Tag> tags_;     // each node's tag, by id, read once
  std::vector<int> chars_;          // visible characters of each text node, by id
  std::vector<int> text_, linked_;  // prefix sums of visible chars over node ids
  int total_unlinked_ = 0;
  std::vector<std::uint8_t> removed_;
  std::vector<std::uint32_t> h1_nodes_;
};

}  // namespace nw::extract_detail
