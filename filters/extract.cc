#include "filters/extract.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "feeds/text.h"
#include "feeds/url.h"
#include "filters/boilerplate.h"
#include "filters/extract_blocks.h"
#include "filters/extract_date.h"
#include "filters/extract_meta.h"
#include "filters/extract_page.h"
#include "filters/extract_score.h"
#include "filters/furniture.h"
#include "filters/html.h"

// How the body is found, step by step (Extractor::run, extract_article):
//  1. remove_furniture() (filters/furniture.h): furniture goes as whole
//     subtrees: by element (nav, aside, footer, dialog, form with inputs,
//     scripts...), by attribute (role=navigation, hidden, aria-hidden,
//     display:none) and by class/id vocabulary. Weak vocabulary ("sidebar",
//     "meta") is ignored on elements that hold a large share of the page's
//     unlinked text. A photo gallery or slideshow goes unless it is the page
//     (holds the headline or most of the text).
//  2. choose_roots(): the root is the schema.org articleBody, else the
//     <article> with the most text, else best_candidate()
//     (filters/extract_score.h): the best container by paragraph scoring
//     (text length, commas, link density, as in Readability) with its
//     well-scoring siblings. Hidden subtrees (display:none, visibility:hidden,
//     hidden, aria-hidden) go before any share is taken. Several alike
//     candidates under one ancestor (a body split into boxes) make that
//     ancestor the root, as does an ancestor with prose paragraphs of its own
//     (a "read more" fold). A box of quotations scores low and is never gathered.
//  3. keep_blocks(): the root's text blocks (segment() in
//     filters/extract_blocks.h: paragraphs, headings, list items, cells, lines
//     between <br>s) are kept unless link-dense or labelled boilerplate by the
//     phrase lexicon; a "Comments"/"Related" head drops the rest of its section,
//     a carousel or promo head ("JUST WATCHED", "Sign up for our newsletter")
//     its own small box. Inline boundaries never glue "Klimaschutz"+"Bohren".
//  4. retry_densest_prose(): an empty or footer-only result is retried with the
//     densest run of long paragraphs as the body; prefer_json_ld_body(): a
//     result under half of the JSON-LD articleBody gives way to it
//     (Article::fallback says so).
//  5. body_date() (filters/extract_date.h): without a date in <head> or
//     JSON-LD: a <time>, then a date shown beside the headline or byline, read
//     line by line across inline elements (never in links, hidden text or
//     "updated" lines).
namespace nw {
namespace {

using extract_detail::Block;
using extract_detail::hidden;
using extract_detail::Page;
using extract_detail::PageMeta;
using extract_detail::spaced_text;
using extract_detail::visible_chars;
using html::Node;
using html::Tag;
namespace bp = boilerplate;

constexpr std::string_view kListing = "page lists several articles; no single article found";

// Whether `n` is (or sits in, two levels at most) a table cell beside other
// cells of its row: a column's head, not the head of a page section.
bool in_table_row(Node n) {
  for (int up = 0; n && up < 3; ++up, n = n.parent()) {
    if (n.tag() != Tag::kTd && n.tag() != Tag::kTh) continue;
    int cells = 0;
    for (Node c = n.parent() ? n.parent().first_child() : Node(); c; c = c.next_sibling()) {
      cells += c.tag() == Tag::kTd || c.tag() == Tag::kTh;
    }
    return cells >= 2;
  }
  return false;
}

// A part of a root being dropped: a boilerplate section or box, by node ids.
struct Cut {
  std::uint32_t begin = 0, end = 0;
  bool covers(std::uint32_t id) const { return id >= begin && id < end; }
};

// Step 3's result: the blocks kept, and what tells a listing from a story.
struct Body {
  std::vector<const Block*> kept;
  int link_headings = 0;    // headings that are mostly a link (teasers)
  int long_paragraphs = 0;  // kept blocks with 200 unlinked characters or more
  // Indices into `kept` where a run of text after a link heading starts.
  std::vector<std::size_t> run_starts;
};

// A story among teasers: the kept blocks between link headings form runs, and
// one run (the story) holds three times the text of any other (a teaser's
// summary). `body.kept` becomes that run, without a heading at its end (the
// head of the teasers). A listing's runs are alike: false.
bool keep_dominant_run(Body& body) {
  std::vector<std::size_t> bounds = {0};
  for (const std::size_t s : body.run_starts) {
    if (s > bounds.back() && s < body.kept.size()) bounds.push_back(s);
  }
  bounds.push_back(body.kept.size());
  std::size_t best = 0;
  int best_chars = 0, second = 0;
  for (std::size_t r = 0; r + 1 < bounds.size(); ++r) {
    int chars = 0;
    for (std::size_t k = bounds[r]; k < bounds[r + 1]; ++k) {
      chars += body.kept[k]->chars - body.kept[k]->linked;
    }
    if (chars > best_chars) {
      second = best_chars;
      best_chars = chars;
      best = r;
    } else {
      second = std::max(second, chars);
    }
  }
  if (best_chars < 200 || best_chars < 3 * second) return false;
  std::size_t end = bounds[best + 1];
  while (end > bounds[best] + 1 && extract_detail::is_heading(body.kept[end - 1]->kind)) --end;
  body.kept.erase(body.kept.begin() + static_cast<std::ptrdiff_t>(end), body.kept.end());
  body.kept.erase(body.kept.begin(), body.kept.begin() + static_cast<std::ptrdiff_t>(bounds[best]));
  return true;
}

class Extractor {
 public:
  Extractor(const html::Document& doc, const PageMeta& meta, std::string_view host)
      : page_(doc), meta_(meta), host_(host) {}

  // `forced_hint` stands for the schema.org articleBody: kept whatever its class.
  void run(Article& out, const Node& forced_hint = Node());

 private:
  Node node(std::uint32_t id) const { return page_.node(id); }
  Node find_article_body() const;
  // Sets `scored` when the roots come from paragraph scoring (no structural hint).
  std::vector<Node> choose_roots(const Node& hint, std::string& reason, bool& scored) const;
  Node root_around_hint(const Node& hint) const;
  std::optional<std::vector<Node>> article_roots(std::string& reason) const;
  bool teaser(const Node& a) const;
  bool holds_headline(const std::vector<Node>& roots) const;
  Node story_among_entries(const std::vector<Node>& entries, const Node& best, int second) const;
  std::string choose_title(const std::vector<Node>& roots) const;
  Body keep_blocks(const std::vector<Node>& roots, const std::string& title) const;
  bool boilerplate_head(const Block& b, const Node& root, Cut& cut) const;

  Page page_;
  const PageMeta& meta_;
  std::string host_;
  std::vector<Block> blocks_;
};

Node Extractor::find_article_body() const {
  Node best;
  for (std::uint32_t i = 0; i < page_.size(); ++i) {
    const Node nd = page_.node(i);
    if (!nd.is_element()) continue;
    const std::string_view prop = nd.attr("itemprop");
    if (prop.empty() || lower_ascii(prop).find("articlebody") == std::string::npos) continue;
    if (!best || page_.unlinked_in(nd) > page_.unlinked_in(best)) best = nd;
  }
  return best && page_.unlinked_in(best) > 0 ? best : Node();
}

std::vector<Node> Extractor::choose_roots(const Node& hint, std::string& reason,
                                          bool& scored) const {
  scored = false;
  if (hint && !page_.removed(hint.id())) return {root_around_hint(hint)};
  if (auto roots = article_roots(reason)) return *std::move(roots);
  scored = true;
  return extract_detail::best_candidate(page_, blocks_);
}

// Prefer the enclosing <article> when it adds little beyond a headline and
// standfirst, so those stay.
Node Extractor::root_around_hint(const Node& hint) const {
  for (Node p = hint.parent(); p; p = p.parent()) {
    const bool article = p.tag() == Tag::kArticle ||
                         lower_ascii(p.attr("itemtype")).find("article") != std::string::npos;
    if (!article) continue;
    if (!page_.removed(p.id()) && page_.unlinked_in(p) <= page_.unlinked_in(hint) * 3 / 2 + 400) {
      return p;
    }
    break;
  }
  return hint;
}

// The <article> with the most text, none for a listing of several (with
// `reason` set), nullopt when the <article>s do not decide.
std::optional<std::vector<Node>> Extractor::article_roots(std::string& reason) const {
  Node best;
  int total = 0, second = 0;
  std::vector<Node> substantial;  // in document order
  for (const Node& a : page_.doc().all(Tag::kArticle)) {
    if (page_.removed(a.id())) continue;
    bool nested = false;
    for (Node p = a.parent(); p; p = p.parent()) nested |= p.tag() == Tag::kArticle;
    if (nested) continue;
    const int u = page_.unlinked_in(a);
    total += u;
    if (u >= 80) substantial.push_back(a);
    if (!best || u > page_.unlinked_in(best)) {
      if (best) second = page_.unlinked_in(best);
      best = a;
    } else {
      second = std::max(second, u);
    }
  }
  if (!best) return std::nullopt;
  const int u = page_.unlinked_in(best);
  // One article with teasers of related ones around it: the headline is in
  // it, or it dwarfs each teaser. A listing's entries are alike in size.
  const auto& h1s = page_.h1_nodes();
  const auto h1 = std::ranges::lower_bound(h1s, best.id());
  const bool headline = h1 != h1s.end() && *h1 < best.end() && !page_.removed(*h1);
  const bool single = u >= 200 && (headline || (u >= 500 && u >= 3 * second));
  if (substantial.size() >= 3 && u * 2 < total && !single) {
    if (auto story = story_among_entries(substantial, best, second))
      return std::vector<Node>{story};
    reason = kListing;
    return std::vector<Node>{};
  }
  if (u >= 200) return std::vector<Node>{best};
  return std::nullopt;
}

// Whether a kept <h1> is in `roots` or in the box around one (not <body>).
bool Extractor::holds_headline(const std::vector<Node>& roots) const {
  return std::ranges::any_of(roots, [&](const Node& r) {
    Node box = r.parent();
    if (!box || box.tag() == Tag::kBody || box.tag() == Tag::kHtml) box = r;
    return std::ranges::any_of(page_.h1_nodes(), [&](std::uint32_t h) {
      return !page_.removed(h) && h >= box.id() && h < box.end();
    });
  });
}

// An entry of a listing: its heading is a link, or it is mostly links.
bool Extractor::teaser(const Node& a) const {
  if (page_.linked_in(a) * 2 > page_.text_in(a)) return true;
  for (Node d = a.following(); d && d != a.after(); d = d.following()) {
    if (!extract_detail::is_heading(d.tag()) || page_.removed(d.id())) continue;
    const int t = page_.text_in(d);
    if (t && page_.linked_in(d) * 10 > t * 6) return true;
  }
  return false;
}

// Several <article>s that do not make a listing: a story (no linked headline)
// twice the size of any teaser beside it, or, when no entry is a teaser, a
// thread of posts, whose opening post is the story. Null for a listing.
Node Extractor::story_among_entries(const std::vector<Node>& entries, const Node& best,
                                    int second) const {
  const int u = page_.unlinked_in(best);
  const auto teasers = std::ranges::count_if(entries, [&](const Node& a) { return teaser(a); });
  if (u >= 200 && u >= 2 * second && !teaser(best) &&
      teasers == static_cast<std::ptrdiff_t>(entries.size()) - 1) {
    return best;
  }
  if (teasers > 0) return Node();
  for (const Node& a : entries) {
    if (page_.unlinked_in(a) >= 200) return a;
  }
  return Node();
}

std::string Extractor::choose_title(const std::vector<Node>& roots) const {
  const std::string site = bp::fold(meta_.site_name);
  const std::vector<std::string> meta_titles = {
      bp::fold(meta_.og_title), bp::fold(meta_.ld_headline), bp::fold(meta_.html_title)};
  auto in_roots = [&](const Node& n) {
    return std::ranges::any_of(roots, [&](const Node& r) { return r.contains(n); });
  };
  const std::string stripped_title =
      bp::fold(extract_detail::strip_site_name(meta_.html_title, meta_.site_name, host_));
  std::string root_h1, any_h1;
  for (const Node& h : page_.doc().all(Tag::kH1)) {
    std::string t = collapse_whitespace(spaced_text(h));
    const std::string f = bp::fold(t);
    if (f.empty() || f == site) continue;
    const bool words2 = f.find(' ') != std::string::npos;
    // The site's own name in an <h1> logo is found inside "<title>Headline -
    // Site", but strip_site_name() removed it from there: not the headline.
    const bool site_part = !stripped_title.empty() && stripped_title.find(f) == std::string::npos &&
                           meta_titles[2].find(f) != std::string::npos;
    for (const std::string& m : meta_titles) {
      if (m.empty()) continue;
      if (m == f) return t;
      if (words2 && m.find(f) != std::string::npos && !(site_part && &m == &meta_titles[2])) {
        return t;
      }
    }
    if (site_part) continue;
    if (root_h1.empty() && !page_.removed(h.id()) && in_roots(h)) root_h1 = t;
    if (any_h1.empty() && !page_.removed(h.id())) any_h1 = t;
  }
  if (!root_h1.empty()) return root_h1;
  if (!meta_.ld_headline.empty()) return meta_.ld_headline;
  for (const std::string* t : {&meta_.og_title, &meta_.html_title}) {
    if (!t->empty()) return extract_detail::strip_site_name(*t, meta_.site_name, host_);
  }
  return any_h1;
}

// A boilerplate head (filters/boilerplate.h's lexicon) drops itself, and for
// a box or section head what it heads, into `cut`. False for body text.
bool Extractor::boilerplate_head(const Block& b, const Node& root, Cut& cut) const {
  bp::Cue cue = bp::classify_text(b.text);
  // "Comment" or "Related" heading a column of a table is a column name.
  if ((cue == bp::Cue::kSectionStart || cue == bp::Cue::kBox) && in_table_row(node(b.owner))) {
    cue = bp::Cue::kNone;
  }
  if (cue == bp::Cue::kDrop) return true;
  if (cue == bp::Cue::kBox) {
    // The box is the head's container; a head straight in the root goes alone.
    Node box = node(b.owner);
    if (extract_detail::is_paragraph(b.kind) && box.parent()) box = box.parent();
    if (box != root && root.contains(box) && page_.unlinked_in(box) < 600) {
      cut = {b.first_text, box.end()};
    }
    return true;
  }
  if (cue == bp::Cue::kSectionStart) {
    // The section is the heading's container, or everything after it in the root.
    Node section = node(b.owner);
    if (extract_detail::is_paragraph(b.kind) && section.parent()) section = section.parent();
    // A head alone in a link-free box ("Leave a Reply" over a removed form):
    // the comments follow outside the box, so the rest of the root goes. A
    // box of links ("Related" over a list) is cut by itself.
    const bool alone = page_.unlinked_in(section) < b.chars + 100 && page_.linked_in(section) == 0;
    if (!root.contains(section) || alone) section = root;
    cut = {b.first_text, section.end()};
    return true;
  }
  return false;
}

// The roots' blocks, in document order, without link-dense ones, boilerplate
// heads and what they head, and the headline again (`title`, folded).
Body Extractor::keep_blocks(const std::vector<Node>& roots, const std::string& title) const {
  auto root_of = [&](std::uint32_t id) {
    for (const Node& r : roots) {
      if (id >= r.id() && id < r.end()) return r;
    }
    return Node();
  };
  Body body;
  Cut cut;
  for (const Block& b : blocks_) {
    const Node root = root_of(b.first_text);
    if (!root || cut.covers(b.first_text)) continue;
    if (extract_detail::is_heading(b.kind) && b.link_density() > 0.6) {
      ++body.link_headings;
      body.run_starts.push_back(body.kept.size());
    }
    if (b.link_density() > 0.5 || boilerplate_head(b, root, cut)) continue;
    if ((body.kept.empty() || b.kind == Tag::kH1) && !title.empty() && bp::fold(b.text) == title) {
      continue;  // the headline again
    }
    if (b.chars - b.linked >= 200) ++body.long_paragraphs;
    body.kept.push_back(&b);
  }
  return body;
}

void Extractor::run(Article& out, const Node& forced_hint) {
  const Node hint = forced_hint ? forced_hint : find_article_body();
  extract_detail::remove_furniture(page_, hint);  // step 1
  blocks_ = extract_detail::segment(page_);

  std::string reason;
  bool scored = false;
  const std::vector<Node> roots = choose_roots(hint, reason, scored);  // step 2
  out.title = choose_title(roots);
  if (roots.empty()) {
    out.reason = reason.empty() ? "no article content found" : reason;
    return;
  }
  Body body = keep_blocks(roots, bp::fold(out.title));  // step 3
  if (scored && body.link_headings >= 3 && body.long_paragraphs < 2 && !keep_dominant_run(body)) {
    out.reason = kListing;
    return;
  }
  int chars = 0;
  for (const Block* b : body.kept) {
    if (!out.text.empty()) out.text.push_back('\n');
    out.text += b->text;
    chars += b->chars;
  }
  // Under 50 characters is a stray line, unless it sits with the page's
  // headline: a short bulletin, a product's description.
  if (chars < 50 && !(chars >= 20 && holds_headline(roots))) {
    out.text.clear();
    out.reason = "no article content found (less than 50 characters of body text)";
  }
  if (!out.published) out.published = extract_detail::body_date(page_, roots, body.kept);  // step 5
}

// Site furniture as a whole result: a copyright line, terms, privacy.
bool looks_like_footer(std::string_view text) {
  // Most results are far longer: a prefix tells, without reading them whole.
  if (text.size() >= 4000 || visible_chars(text.substr(0, 1800)) >= 600 ||
      (text.size() > 1800 && visible_chars(text) >= 600)) {
    return false;
  }
  const std::string lower = lower_ascii(text);
  static constexpr std::string_view kWords[] = {
      "copyright",    "\u00a9",         "all rights reserved", "terms of service",
      "terms of use", "privacy policy", "جميع الحقوق محفوظة"};
  return std::ranges::any_of(
      kWords, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

// The element with the most direct <p> children of 80 or more characters:
// an article body that furniture rules removed. Null under five such.
Node densest_prose(const html::Document& doc) {
  std::vector<int> count(doc.size(), 0);
  Node best;
  for (const Node& p : doc.all(Tag::kP)) {
    const Node parent = p.parent();
    if (!parent || visible_chars(p.text_content()) < 80) continue;
    if (++count[parent.id()] >= 5 && (!best || count[parent.id()] > count[best.id()])) {
      best = parent;
    }
  }
  for (Node a = best; a; a = a.parent()) {
    if (a.is_element() && hidden(a)) return Node();
  }
  return best;
}

// Step 4: nothing, or only a footer: the body may sit in a box whose class
// reads as furniture. Its densest run of paragraphs is taken as the body.
void retry_densest_prose(const html::Document& doc, const PageMeta& meta, std::string_view host,
                         Article& article) {
  if (!article.text.empty() && !looks_like_footer(article.text)) return;
  const Node prose = densest_prose(doc);
  if (!prose) return;
  Article again = article;
  again.text.clear();
  again.reason.clear();
  Extractor(doc, meta, host).run(again, prose);
  if (visible_chars(again.text) > visible_chars(article.text) && !looks_like_footer(again.text)) {
    article = std::move(again);
  }
}

// Step 4: the structured body is evidence: a page body under half of it is a
// wrong or partial block (a footer, a quote box, one section of several).
void prefer_json_ld_body(const PageMeta& meta, Article& article) {
  const int ld_chars = meta.ld_body.size() >= 200 ? visible_chars(meta.ld_body) : 0;
  if (ld_chars >= 200 && visible_chars(article.text) * 2 < ld_chars) {
    article.text = meta.ld_body;
    article.reason.clear();
    article.fallback = "json-ld";
  }
}

}  // namespace

Article extract_article(std::string_view html, const ExtractOptions& options) {
  Article article;
  article.url = options.base_url;
  auto doc = html::parse(html, {.skip_script_text = true});
  if (!doc) {
    article.reason = "HTML not parsed: " + doc.error().message;
    return article;
  }
  const PageMeta meta = extract_detail::read_meta(*doc, options.base_url);
  article.published = meta.published;
  article.author = meta.author;
  article.language = meta.language;
  article.image = meta.image;
  if (!meta.canonical.empty()) article.url = meta.canonical;

  const std::string host = url_host(options.base_url);
  Extractor(*doc, meta, host).run(article);
  retry_densest_prose(*doc, meta, host, article);
  prefer_json_ld_body(meta, article);
  return article;
}

}  // namespace nw
