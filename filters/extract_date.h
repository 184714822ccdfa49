// Publication dates read from a page's body (step 5 of main-text extraction),
// for pages without one in <head> or JSON-LD: <time> and hAtom elements, then
// a date shown beside the headline or byline. Why a date was taken, or a line
// passed over, is decided here. Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>

#include "filters/extract_blocks.h"
#include "filters/extract_page.h"
#include "filters/html.h"

namespace nw::extract_detail {

// The body's date: a <time> in `roots`, else a marked one anywhere, else the
// page's only one, else a date line near the headline (visible_date).
// `kept` are the body's blocks as step 3 kept them.
std::optional<std::chrono::sys_seconds> body_date(const Page& page,
                                                  std::span<const html::Node> roots,
                                                  std::span<const Block* const> kept);

// A date the reader sees beside the headline or byline: short unlinked lines
// from the <h1> (or the body's start) to the second long paragraph, furniture
// such as a "byline" box included, hidden text, links and "updated" lines not.
std::optional<std::chrono::sys_seconds> visible_date(const Page& page,
                                                     std::span<const html::Node> roots,
                                                     std::span<const Block* const> kept);

// The date of the first <time datetime> inside `scope` (pubdate and
// itemprop=datePublished first), for pages without a date in <head>. With
// `marked_only`, only times marked as the publication date count.
std::optional<std::chrono::sys_seconds> time_element_date(html::Node scope,
                                                          bool marked_only = false);

// A date written in a short line of page text, as bylines show it: "2018-08-25
// 15:24", "25.08.2018", "Published 25 August 2018, 10:02", "25 يناير 2020",
// "٢٥ كانون الثاني ٢٠٢٠". Slashed dates are read only when unambiguous
// (a part over 12). Lines over 120 bytes or without a year are not read.
std::optional<std::chrono::sys_seconds> date_in_text(std::string_view line);

}  // namespace nw::extract_detail
