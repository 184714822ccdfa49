// Page metadata for main-text extraction: titles, publication date, author,
// language, canonical URL and image, read from <head> meta tags (OpenGraph,
// article:*, Dublin Core), JSON-LD (schema.org NewsArticle) and <time>.
// Internal to nw_extract. Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "filters/html.h"

namespace nw::extract_detail {

struct PageMeta {
  std::string og_title;     // og:title, else twitter:title
  std::string ld_headline;  // JSON-LD headline
  std::string html_title;   // <title>
  std::string site_name;    // og:site_name, application-name, JSON-LD publisher
  std::optional<std::chrono::sys_seconds> published;  // UTC
  std::string author;
  std::string language;   // BCP 47 ("ar", "en-GB")
  std::string canonical;  // absolute, "" when the page declares none
  std::string image;      // absolute
  std::string ld_body;    // JSON-LD articleBody as plain text, paragraphs separated by '\n'
};

PageMeta read_meta(const html::Document& doc, std::string_view base_url);

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

// "Title | Site", "Site - Title" → "Title". The site is recognised by name or
// by host ("alwasat" for www.alwasat.ly); without either, a short side (at
// most four words) facing a longer one is taken for the site.
std::string strip_site_name(std::string_view title, std::string_view site_name,
                            std::string_view host);

}  // namespace nw::extract_detail
