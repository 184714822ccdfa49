// Readability-style scoring, step 2 of main-text extraction when the page
// has no structural hint (articleBody, <article>): each real paragraph credits
// the containers above it; the best container, damped by its link density,
// wins, with what continues it. Internal to nw_extract; pure.
#pragma once

#include <vector>

#include "filters/extract_blocks.h"
#include "filters/extract_page.h"
#include "filters/html.h"

namespace nw::extract_detail {

// The article's root elements in document order (siblings under one parent),
// or none when no container scores.
std::vector<html::Node> best_candidate(const Page& page, const std::vector<Block>& blocks);

}  // namespace nw::extract_detail
