// The text blocks of a page, the unit main-text extraction keeps or drops
// (steps 2 and 3): paragraphs, headings, list items, cells and lines between
// <br>s, in document order, with their length and linked part. Internal to
// nw_extract; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "filters/extract_page.h"
#include "filters/html.h"

namespace nw::extract_detail {

struct Block {
  std::string text;              // whitespace collapsed
  std::uint32_t owner = 0;       // nearest block-level element
  std::uint32_t first_text = 0;  // first text node, for "is it inside the root"
  int chars = 0;
  int linked = 0;
  html::Tag kind = html::Tag::kOther;

  double link_density() const { return chars ? static_cast<double>(linked) / chars : 0.0; }
};

// The <body>'s text that step 1 kept, cut where a block-level element opens
// or closes and at each <br>. Inline boundaries never glue "Klimaschutz" and
// "Bohren" into one word.
std::vector<Block> segment(const Page& page);

// Text of a subtree (a headline), with a space where an element boundary
// separates two words: a block element or <br> between them, a kicker span,
// or letters that meet as a kicker meets its headline.
std::string spaced_text(const html::Node& n);

}  // namespace nw::extract_detail
