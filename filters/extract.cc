#include "filters/extract.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "feeds/text.h"
#include "feeds/url.h"
#include "filters/boilerplate.h"
#include "filters/extract_meta.h"
#include "filters/html.h"

// How the body is found:
//  1. Furniture is removed as whole subtrees: by element (nav, aside, footer,
//     dialog, form with inputs, scripts...), by attribute (role=navigation,
//     hidden, aria-hidden, display:none) and by class/id vocabulary. Weak
//     vocabulary ("sidebar", "meta") is ignored on elements that hold a large
//     share of the page's unlinked text. A photo gallery or slideshow goes
//     unless it is the page (holds the headline or most of the text).
//  2. The root is the schema.org articleBody, else the <article> with the most
//     text, else the best container by paragraph scoring (text length, commas,
//     link density, as in Readability) with its well-scoring siblings.
//     Hidden subtrees (display:none, visibility:hidden, hidden, aria-hidden)
//     go before any share is taken. Several alike candidates under one
//     ancestor (a body split into boxes) make that ancestor the root, as does
//     an ancestor with prose paragraphs of its own (a "read more" fold). A box
//     of quotations scores low and is never gathered.
//  3. The root's text blocks (paragraphs, headings, list items, cells, lines
//     between <br>s) are kept unless link-dense or labelled boilerplate by the
//     phrase lexicon; a "Comments"/"Related" head drops the rest of its section,
//     a carousel or promo head ("JUST WATCHED", "Sign up for our newsletter")
//     its own small box. Inline boundaries never glue "Klimaschutz"+"Bohren".
//  4. An empty or footer-only result is retried with the densest run of long
//     paragraphs as the body; a result under half of the JSON-LD articleBody
//     gives way to it (Article::fallback says so).
//  5. Without a date in <head> or JSON-LD: a <time>, then a date shown beside
//     the headline or byline, read line by line across inline elements
//     (never in links, hidden text or "updated" lines).
namespace nw {
namespace {

using extract_detail::PageMeta;
using html::Node;
using html::Tag;
namespace bp = boilerplate;

bool is_block(Tag t) {
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

bool is_heading(Tag t) { return t >= Tag::kH1 && t <= Tag::kH6; }

bool is_paragraph(Tag t) {
  return t == Tag::kP || t == Tag::kPre || t == Tag::kLi || t == Tag::kDt || t == Tag::kDd ||
         is_heading(t);
}

// Elements that are never article text.
bool is_furniture_tag(Tag t) {
  switch (t) {
    case Tag::kHead:
    case Tag::kScript:
    case Tag::kStyle:
    case Tag::kNoscript:
    case Tag::kTemplate:
    case Tag::kIframe:
    case Tag::kObject:
    case Tag::kEmbed:
    case Tag::kSvg:
    case Tag::kMath:
    case Tag::kCanvas:
    case Tag::kVideo:
    case Tag::kAudio:
    case Tag::kSelect:
    case Tag::kOption:
    case Tag::kTextarea:
    case Tag::kInput:
    case Tag::kButton:
    case Tag::kNav:
    case Tag::kAside:
    case Tag::kDialog:
    case Tag::kMenu:
    case Tag::kFigcaption:
    case Tag::kFooter:
    case Tag::kAddress:
    case Tag::kLabel:
      return true;
    default:
      return false;
  }
}

// Code points that are not ASCII whitespace: the length measure for Arabic
// and Latin alike.
int visible_chars(std::string_view s) {
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

int commas(std::string_view s) {
  int n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') ++n;
    // U+060C ARABIC COMMA
    if (s[i] == '\xD8' && i + 1 < s.size() && s[i + 1] == '\x8C') ++n;
  }
  return n;
}

bool ascii_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool ascii_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

// Two texts meet at an element boundary the way a kicker meets its headline,
// which the page's CSS shows as lines: "Klimaschutz" + "Bohren" (lower, then
// upper case), "KLIMASCHUTZ" + "Bohren" (a capitals word, then a capitalised
// one), "Klimaschutz:" + "Bohren", "Klimaschutz." + "Bohren". Inside one word
// markup never does this (<b>W</b>ord is upper, lower; Fach<a>konferenz</a>
// lower, lower; "25.08." + "2018" a digit).
bool glued_at_boundary(std::string_view before, std::string_view after) {
  if (before.empty() || after.empty()) return false;
  const auto last = static_cast<unsigned char>(before.back());
  const auto first = static_cast<unsigned char>(after.front());
  const auto second = after.size() >= 2 ? static_cast<unsigned char>(after[1]) : 0;
  bool lower = ascii_lower(last);
  if (!lower && before.size() >= 2 &&
      static_cast<unsigned char>(before[before.size() - 2]) == 0xC3) {
    lower = last >= 0x9F && last <= 0xBF;  // ß à..ÿ
  }
  bool upper = ascii_upper(first);
  if (!upper && first == 0xC3) upper = second >= 0x80 && second <= 0x9E && second != 0x97;  // À..Þ
  if (lower && upper) return true;
  const bool letter_after = upper || ascii_lower(first) || first >= 0xC3;
  if ((last == ':' || last == '!' || last == '?') && letter_after) return true;
  if (last == '.' && upper) return true;
  // A word in capitals, then a capitalised word: "KLIMASCHUTZ" + "Bohren".
  return ascii_upper(last) && before.size() >= 2 &&
         ascii_upper(static_cast<unsigned char>(before[before.size() - 2])) && ascii_upper(first) &&
         ascii_lower(second);
}

// A <span> that the page styles as a line of its own above a headline: a
// kicker, overline or roof line ("Dachzeile"). It meets the headline's words
// in any script, so its ends are word boundaries whatever the letters.
bool kicker_span(const Node& n) {
  if (n.tag() != Tag::kSpan) return false;
  const std::string_view cls = n.attr("class");
  if (cls.size() < 6) return false;
  const std::string lower = lower_ascii(cls);
  static constexpr std::string_view kNames[] = {"kicker",   "overline",  "topline",    "dachzeile",
                                                "eyebrow",  "roofline",  "spitzmarke", "supertitle",
                                                "surtitre", "antetitulo"};
  return std::ranges::any_of(
      kNames, [&](std::string_view k) { return lower.find(k) != std::string::npos; });
}

// Text of a subtree (a headline), with a space where an element boundary
// separates two words: a block element or <br> between them, a kicker span,
// or letters that meet as above.
std::string spaced_text(const Node& n) {
  std::string out;
  Node prev;
  bool broken = false;  // a block element, <br> or kicker span since `prev`
  for (Node d = n.following(); d && d != n.after();) {
    const Tag t = d.tag();
    if (t == Tag::kScript || t == Tag::kStyle || t == Tag::kTemplate) {
      d = d.after();
      continue;
    }
    if (t == Tag::kText) {
      const std::string_view text = d.text();
      if (prev && (d.id() != prev.id() + 1 || d.parent() != prev.parent())) {
        // Elements that closed between the two texts count too.
        for (Node p = prev.parent(); p && !broken && p != n && !p.contains(d); p = p.parent()) {
          broken = is_block(p.tag()) || kicker_span(p);
        }
        if (broken || glued_at_boundary(out, text)) out.push_back(' ');
      }
      out.append(text);
      prev = d;
      broken = false;
    } else if (is_block(t) || t == Tag::kBr || kicker_span(d)) {
      broken = true;
    }
    d = d.following();
  }
  return out;
}

// A whole paragraph in quotation marks: “…”, „…“, «…», »…«, "…" (a closing
// mark may be followed by one stop).
bool in_quotation_marks(std::string_view t) {
  static constexpr std::string_view kOpen[] = {"\u201C", "\u201E", "\u00AB", "\u00BB", "\""};
  static constexpr std::string_view kClose[] = {"\u201D", "\u201C", "\u00BB", "\u00AB", "\""};
  if (t.size() < 4) return false;
  if (t.back() == '.' || t.back() == ',' || t.back() == ';') t.remove_suffix(1);
  return std::ranges::any_of(kOpen, [&](std::string_view q) { return t.starts_with(q); }) &&
         std::ranges::any_of(kClose, [&](std::string_view q) { return t.ends_with(q); });
}

struct Block {
  std::string text;              // whitespace collapsed
  std::uint32_t owner = 0;       // nearest block-level element
  std::uint32_t first_text = 0;  // first text node, for "is it inside the root"
  int chars = 0;
  int linked = 0;
  Tag kind = Tag::kOther;

  double link_density() const { return chars ? static_cast<double>(linked) / chars : 0.0; }
};

class Extractor {
 public:
  Extractor(const html::Document& doc, const PageMeta& meta, std::string_view host)
      : doc_(doc), meta_(meta), host_(host), n_(static_cast<std::uint32_t>(doc.size())) {}

  // `forced_hint` stands for the schema.org articleBody: kept whatever its class.
  void run(Article& out, const Node& forced_hint = Node());
  // display:none, visibility:hidden, the hidden attribute, aria-hidden="true".
  static bool hidden(const Node& n);

 private:
  Node node(std::uint32_t id) const { return doc_.node(id); }
  // The first call (kept_only false) also fills chars_, which later calls reuse.
  void count_text(bool kept_only, std::vector<int>& text, std::vector<int>& linked);
  int text_in(const Node& n) const { return text_[n.end()] - text_[n.id()]; }
  int linked_in(const Node& n) const { return linked_[n.end()] - linked_[n.id()]; }
  int unlinked_in(const Node& n) const { return text_in(n) - linked_in(n); }
  double share(const Node& n) const {
    return total_unlinked_ > 0 ? static_cast<double>(unlinked_in(n)) / total_unlinked_ : 0.0;
  }
  Node find_article_body() const;
  // The first pass removes sure furniture, the second weak class names.
  bool furniture(const Node& n, const Node& hint, bool weak_pass);
  void remove_furniture(const Node& hint);
  void segment();
  // Sets `scored` when the roots come from paragraph scoring (no structural hint).
  std::vector<Node> choose_roots(const Node& hint, std::string& reason, bool& scored) const;
  std::vector<Node> best_candidate() const;
  std::string choose_title(const std::vector<Node>& roots) const;
  std::optional<std::chrono::sys_seconds> visible_date(const std::vector<Node>& roots,
                                                       const std::vector<const Block*>& kept) const;

  const html::Document& doc_;
  const PageMeta& meta_;
  std::string host_;
  std::uint32_t n_;
  std::vector<int> text_, linked_;  // prefix sums of visible chars over node ids
  int total_unlinked_ = 0;
  std::vector<std::uint8_t> removed_;
  std::vector<std::uint32_t> key_nodes_;  // ids of <h1>, <main>, <article>, ascending
  std::vector<std::uint32_t> h1_nodes_;   // ids of <h1>, ascending
  std::vector<std::uint8_t> weak_;        // weak furniture class names, found by the first pass
  std::vector<Block> blocks_;
  std::vector<int> chars_;  // visible characters of each text node, by id
  std::vector<Tag> tags_;   // each node's tag, by id, read once
  bool element(std::uint32_t i) const {
    return tags_[i] != Tag::kDocument && tags_[i] != Tag::kText && tags_[i] != Tag::kComment;
  }
};

// Prefix sums of visible characters (all, and inside links) over node ids, so
// any subtree's totals are two lookups.
void Extractor::count_text(bool kept_only, std::vector<int>& text, std::vector<int>& linked) {
  text.assign(n_ + 1, 0);
  linked.assign(n_ + 1, 0);
  const bool first = chars_.empty();
  if (first) {
    chars_.assign(n_, 0);
    tags_.resize(n_);
    for (std::uint32_t i = 0; i < n_; ++i) tags_[i] = node(i).tag();
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
    text[i + 1] = text[i] + t;
    linked[i + 1] = linked[i] + l;
  }
}

Node Extractor::find_article_body() const {
  Node best;
  for (std::uint32_t i = 0; i < n_; ++i) {
    const Node nd = node(i);
    if (!nd.is_element()) continue;
    const std::string_view prop = nd.attr("itemprop");
    if (prop.empty() || lower_ascii(prop).find("articlebody") == std::string::npos) continue;
    if (!best || unlinked_in(nd) > unlinked_in(best)) best = nd;
  }
  return best && unlinked_in(best) > 0 ? best : Node();
}

bool Extractor::hidden(const Node& n) {
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

// A class or id naming a photo gallery or slideshow, in any case.
bool gallery_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {"gallery", "slideshow",   "slider",  "diaporama",
                                                "galerie", "fotostrecke", "carrusel"};
  if (name.size() < 6) return false;
  for (std::size_t i = 0; i + 6 <= name.size(); ++i) {
    const char c = lower_ascii(name[i]);
    if (c != 'g' && c != 's' && c != 'd' && c != 'f' && c != 'c') continue;
    for (std::string_view k : kNames) {
      if (k[0] != c || i + k.size() > name.size()) continue;
      std::size_t j = 1;
      while (j < k.size() && lower_ascii(name[i + j]) == k[j]) ++j;
      if (j == k.size()) return true;
    }
  }
  return false;
}

bool Extractor::furniture(const Node& n, const Node& hint, bool weak_pass) {
  const Tag tag = n.tag();
  if (tag == Tag::kHtml || tag == Tag::kBody) return false;
  if (hint && n.contains(hint)) return false;
  if (weak_pass) {
    // Shares are now of the text left after the sure furniture went, so a
    // long comment thread does not make the body look small.
    if (!weak_[n.id()] || tag == Tag::kArticle || tag == Tag::kMain) return false;
    const auto key = std::ranges::lower_bound(key_nodes_, n.id() + 1);
    if (key != key_nodes_.end() && *key < n.end()) return false;
    const double s = share(n);
    return !(s >= 0.35 || (bp::positive_class(n.attr("class"), n.attr("id")) && s >= 0.15));
  }
  if (is_furniture_tag(tag)) return true;

  // Hidden subtrees went before (remove_furniture).
  if (lower_ascii(n.attr("aria-modal")) == "true") return true;
  static constexpr std::string_view kRoles[] = {
      "navigation", "banner", "contentinfo", "complementary", "dialog",  "alertdialog",
      "search",     "menu",   "menubar",     "toolbar",       "tablist", "form"};
  const std::string role = lower_ascii(n.attr("role"));
  if (std::ranges::find(kRoles, role) != std::end(kRoles)) return true;
  const std::string itemprop = lower_ascii(n.attr("itemprop"));
  const std::string itemtype = lower_ascii(n.attr("itemtype"));
  if (itemprop == "comment" || itemtype.ends_with("/comment")) return true;

  if (tag == Tag::kHeader) {
    // A page header goes; an article's own header (headline, standfirst) stays.
    bool in_article = false;
    for (Node p = n.parent(); p; p = p.parent()) {
      in_article |= p.tag() == Tag::kArticle || p.tag() == Tag::kMain;
    }
    bool has_nav = false;
    for (Node d = n.following(); d && d != n.after(); d = d.following()) {
      has_nav |= d.tag() == Tag::kNav;
    }
    if (!in_article || has_nav) return true;
  }
  if (tag == Tag::kForm && share(n) < 0.4) {
    // Comment, search and newsletter forms; a form wrapping the whole page stays.
    for (Node d = n.following(); d && d != n.after(); d = d.following()) {
      if (d.tag() == Tag::kTextarea || d.tag() == Tag::kInput) return true;
    }
  }

  const std::string_view cls = n.attr("class"), id = n.attr("id");
  if ((gallery_name(cls) || gallery_name(id)) && tag != Tag::kArticle && tag != Tag::kMain) {
    // Slides, captions and "3 of 12" counters inside a story are furniture;
    // on a gallery page they are the story: the box then holds the headline or
    // most of the text, or sits in a box named as a gallery ("gallery-page").
    const auto h1 = std::ranges::lower_bound(h1_nodes_, n.id() + 1);
    bool page = share(n) >= 0.6 || (h1 != h1_nodes_.end() && *h1 < n.end());
    for (Node p = n.parent(); p && !page; p = p.parent()) {
      page = gallery_name(p.attr("class")) || gallery_name(p.attr("id"));
    }
    if (!page) return true;
  }
  const bp::Vocab vocab = bp::classify_class(cls, id);
  weak_[n.id()] = vocab == bp::Vocab::kWeak;
  if (vocab == bp::Vocab::kNone) return false;
  if (tag == Tag::kArticle || tag == Tag::kMain) return false;
  const bool positive = bp::positive_class(n.attr("class"), n.attr("id"));
  const double s = share(n);
  // A state name on a wrapper of the whole page ("render-target-modal
  // modal-open" around a story shown as an overlay) is no furniture: an
  // element with most of the text and the page's headline is the page.
  if (s >= 0.5) {
    const auto h1 = std::ranges::lower_bound(h1_nodes_, n.id() + 1);
    if (h1 != h1_nodes_.end() && *h1 < n.end()) return false;
  }
  // Weak names ("dialog-off-canvas", "has-sidebar") wait for the second pass.
  return vocab == bp::Vocab::kStrong && !(positive && s >= 0.6);
}

void Extractor::remove_furniture(const Node& hint) {
  removed_.assign(n_, 0);
  weak_.assign(n_, 0);
  for (std::uint32_t i = 0; i < n_; ++i) {
    const Tag t = tags_[i];
    if (t == Tag::kH1 || t == Tag::kMain || t == Tag::kArticle) key_nodes_.push_back(i);
    if (t == Tag::kH1) h1_nodes_.push_back(i);
  }
  // Hidden subtrees go first, so that shares are of the text a reader sees: a
  // story shown over an aria-hidden copy of the home page is most of the page.
  int hidden_text = 0;  // icons and labels are often aria-hidden: recount only for real text
  for (std::uint32_t i = 0; i < n_;) {
    const Tag tag = tags_[i];
    if (!element(i) || tag == Tag::kHtml || tag == Tag::kBody) {
      ++i;
      continue;
    }
    const Node nd = node(i);
    if (is_furniture_tag(tag) && !(hint && nd.contains(hint))) {
      i = nd.end();  // goes in the next pass whatever it holds
    } else if (hidden(nd) && !(hint && nd.contains(hint))) {
      std::fill(removed_.begin() + i, removed_.begin() + nd.end(), 1);
      hidden_text += text_in(nd);
      i = nd.end();
    } else {
      ++i;
    }
  }
  for (const bool weak_pass : {false, true}) {
    if (weak_pass || hidden_text * 20 > text_[n_]) {
      count_text(true, text_, linked_);
      total_unlinked_ = text_[n_] - linked_[n_];
    }
    for (std::uint32_t i = 0; i < n_;) {
      if (!removed_[i] && !element(i)) {
        ++i;
        continue;
      }
      const Node nd = node(i);
      if (removed_[i]) {
        i = nd.end();
      } else if (furniture(nd, hint, weak_pass)) {
        std::fill(removed_.begin() + i, removed_.begin() + nd.end(), 1);
        i = nd.end();
      } else {
        ++i;
      }
    }
  }
}

// Cuts the kept body into blocks in document order: a block ends where a
// block-level element opens or closes and at each <br>.
void Extractor::segment() {
  const Node body = doc_.first(Tag::kBody);
  if (!body) return;
  struct Open {
    std::uint32_t end, id;
  };
  std::vector<Open> open{{body.end(), body.id()}};
  std::string buf;
  Block cur;
  bool have_text = false;
  std::uint32_t link_end = 0, kicker_end = 0;
  Node prev_text;
  auto flush = [&] {
    if (have_text) {
      std::string text = collapse_whitespace(buf);
      if (!text.empty()) {
        cur.text = std::move(text);
        cur.owner = open.back().id;
        cur.kind = node(cur.owner).tag();
        blocks_.push_back(std::move(cur));
      }
    }
    cur = Block();
    buf.clear();
    have_text = false;
  };
  for (std::uint32_t i = body.id() + 1; i < body.end();) {
    while (open.size() > 1 && open.back().end <= i) {
      flush();
      open.pop_back();
    }
    const Node nd = node(i);
    if (removed_[i]) {
      i = nd.end();
      continue;
    }
    const Tag tag = nd.tag();
    if (tag == Tag::kText) {
      const std::string_view t = nd.text();
      if (kicker_end && i >= kicker_end) {
        buf.push_back(' ');  // the text after a kicker
        kicker_end = 0;
      }
      if (!have_text) {
        cur.first_text = i;
      } else if ((i != prev_text.id() + 1 || nd.parent() != prev_text.parent()) &&
                 glued_at_boundary(buf, t)) {
        buf.push_back(' ');
      }
      prev_text = nd;
      have_text = true;
      buf.append(t);
      const int c = visible_chars(t);
      cur.chars += c;
      if (i < link_end) cur.linked += c;
    } else if (tag == Tag::kBr || tag == Tag::kHr) {
      flush();
    } else if (tag == Tag::kImg) {
      buf.push_back(' ');
    } else if (tag == Tag::kA) {
      link_end = std::max(link_end, nd.end());
    } else if (kicker_span(nd)) {
      buf.push_back(' ');
      kicker_end = nd.end();
    } else if (is_block(tag)) {
      flush();
      open.push_back({nd.end(), i});
    } else if (tag == Tag::kTd || tag == Tag::kTh) {
      flush();
    }
    ++i;
  }
  while (!open.empty()) {
    flush();
    open.pop_back();
  }
}

// Readability-style scoring: each real paragraph credits the containers above
// it; the best container, damped by its link density, wins.
std::vector<Node> Extractor::best_candidate() const {
  std::vector<double> score(n_, 0.0);
  std::vector<std::uint32_t> scored;
  // Per candidate, the characters of its scored paragraphs, and of those that
  // are quotations (in <blockquote>/<q>, or wholly in quotation marks).
  struct Prose {
    int chars = 0, quoted = 0;
  };
  std::vector<Prose> prose(n_);
  for (const Block& b : blocks_) {
    if (b.chars - b.linked < 25 || b.link_density() > 0.5) continue;
    const double s = 1 + commas(b.text) + std::min(b.chars / 100.0, 3.0);
    Node c = node(b.owner);
    bool quoted = in_quotation_marks(b.text);
    Node q = c;
    for (int up = 0; q && !quoted && up < 3; ++up, q = q.parent()) {
      quoted = q.tag() == Tag::kBlockquote || q.tag() == Tag::kQ;
    }
    if (is_paragraph(b.kind)) c = c.parent();
    for (int level = 0; c && level < 4 && c.tag() != Tag::kHtml; ++level, c = c.parent()) {
      if (score[c.id()] == 0.0) scored.push_back(c.id());
      score[c.id()] += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
      prose[c.id()].chars += b.chars;
      if (quoted) prose[c.id()].quoted += b.chars;
    }
  }
  auto quotations = [&](std::uint32_t id) { return prose[id].quoted * 2 > prose[id].chars; };
  auto final_score = [&](std::uint32_t id) {
    const Node nd = node(id);
    double s = score[id];
    switch (nd.tag()) {
      case Tag::kDiv:
      case Tag::kArticle:
      case Tag::kSection:
      case Tag::kMain:
        s += 5;
        break;
      case Tag::kTd:
      case Tag::kPre:
      case Tag::kBlockquote:
        s += 3;
        break;
      case Tag::kForm:
      case Tag::kOl:
      case Tag::kUl:
      case Tag::kLi:
      case Tag::kDl:
        s -= 3;
        break;
      case Tag::kTh:
        s -= 5;
        break;
      default:
        break;
    }
    // A content class name helps a container that already holds prose; it
    // must not lift a one-line widget ("card-body") over the article.
    if (bp::positive_class(nd.attr("class"), nd.attr("id"))) s += std::min(25.0, score[id]);
    const int t = text_in(nd);
    const double density = t ? static_cast<double>(linked_in(nd)) / t : 1.0;
    // A box of quotations (a sidebar of quotes of the week) has many commas
    // and long lines, but it is not the story: mostly quoted prose counts little.
    if (quotations(id)) s *= 0.3;
    return s * (1.0 - density);
  };
  std::uint32_t top = 0;
  double top_score = 0;
  std::vector<double> finals(scored.size());
  for (std::size_t k = 0; k < scored.size(); ++k) {
    const std::uint32_t id = scored[k];
    const double s = finals[k] = final_score(id);
    if (s > top_score) {
      top_score = s;
      top = id;
    }
  }
  if (top_score <= 0) return {};
  // A body split into alike boxes (steps, sections between ads and figures)
  // scores as several good candidates (each at least 0.3 of the best) under
  // one ancestor up to eight levels above the best: that ancestor, when not
  // link-dense, is the article, as Readability's "alternative candidates" find it.
  std::vector<std::uint32_t> alike;
  for (std::size_t k = 0; k < scored.size(); ++k) {
    const std::uint32_t id = scored[k];
    if (finals[k] < top_score * 0.3 || id == top || quotations(id)) continue;
    if (node(id).contains(node(top)) || node(top).contains(node(id))) continue;
    alike.push_back(id);
  }
  Node best = node(top);
  if (alike.size() >= 2) {
    int level = 0;
    for (Node a = best.parent(); a && level < 8; a = a.parent(), ++level) {
      if (a.tag() == Tag::kBody || a.tag() == Tag::kHtml) break;
      const auto inside =
          std::ranges::count_if(alike, [&](std::uint32_t id) { return a.contains(node(id)); });
      if (inside < 2) continue;
      const int t = text_in(a);
      if (t && linked_in(a) * 10 < t * 3) best = a;
      break;
    }
  }
  // A body cut by a "read more" fold or an ad box: the opening paragraphs sit
  // straight in an ancestor of the best box, which holds little else.
  int level = 0;
  for (Node a = best.parent(); a && level < 3; a = a.parent(), ++level) {
    if (a.tag() == Tag::kBody || a.tag() == Tag::kHtml) break;
    int prose_paragraphs = 0, prose_chars = 0;
    for (Node c = a.first_child(); c; c = c.next_sibling()) {
      if (c.tag() != Tag::kP || removed_[c.id()]) continue;
      const int t = text_in(c);
      if (t >= 80 && linked_in(c) * 4 < t) ++prose_paragraphs, prose_chars += t;
    }
    if (prose_paragraphs < 2) continue;
    const int u = unlinked_in(a);
    if (u * 2 <= (unlinked_in(best) + prose_chars) * 3 + 400 &&
        linked_in(a) * 10 < text_in(a) * 3) {
      best = a;
    }
    break;
  }
  const Node parent = best.parent();
  if (!parent || parent.tag() == Tag::kHtml) return {best};
  // Siblings that continue the article: well scored, or prose paragraphs.
  std::vector<Node> roots;
  const double threshold = std::max(10.0, top_score * 0.2);
  for (Node s = parent.first_child(); s; s = s.next_sibling()) {
    if (s == best) {
      roots.push_back(s);
      continue;
    }
    if (!s.is_element() || removed_[s.id()]) continue;
    const int t = text_in(s);
    const double density = t ? static_cast<double>(linked_in(s)) / t : 1.0;
    // A box of quotations beside the story does not continue it.
    bool take = score[s.id()] > 0 && !quotations(s.id()) && final_score(s.id()) >= threshold;
    if (!take && s.tag() == Tag::kP) take = t > 80 && density < 0.25;
    if (take) roots.push_back(s);
  }
  return roots;
}

std::vector<Node> Extractor::choose_roots(const Node& hint, std::string& reason,
                                          bool& scored) const {
  scored = false;
  if (hint && !removed_[hint.id()]) {
    // Prefer the enclosing <article> when it adds little beyond a headline and
    // standfirst, so those stay.
    for (Node p = hint.parent(); p; p = p.parent()) {
      const bool article = p.tag() == Tag::kArticle ||
                           lower_ascii(p.attr("itemtype")).find("article") != std::string::npos;
      if (!article) continue;
      if (!removed_[p.id()] && unlinked_in(p) <= unlinked_in(hint) * 3 / 2 + 400) return {p};
      break;
    }
    return {hint};
  }
  Node best;
  int total = 0, substantial = 0, second = 0;
  for (const Node& a : doc_.all(Tag::kArticle)) {
    if (removed_[a.id()]) continue;
    bool nested = false;
    for (Node p = a.parent(); p; p = p.parent()) nested |= p.tag() == Tag::kArticle;
    if (nested) continue;
    const int u = unlinked_in(a);
    total += u;
    if (u >= 80) ++substantial;
    if (!best || u > unlinked_in(best)) {
      if (best) second = unlinked_in(best);
      best = a;
    } else {
      second = std::max(second, u);
    }
  }
  if (best) {
    const int u = unlinked_in(best);
    // One article with teasers of related ones around it: the headline is in
    // it, or it dwarfs each teaser. A listing's entries are alike in size.
    const auto h1 = std::ranges::lower_bound(h1_nodes_, best.id());
    const bool headline = h1 != h1_nodes_.end() && *h1 < best.end() && !removed_[*h1];
    const bool single = u >= 200 && (headline || (u >= 500 && u >= 3 * second));
    if (substantial >= 3 && u * 2 < total && !single) {
      reason = "page lists several articles; no single article found";
      return {};
    }
    if (u >= 200) return {best};
  }
  scored = true;
  return best_candidate();
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
  for (const Node& h : doc_.all(Tag::kH1)) {
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
    if (root_h1.empty() && !removed_[h.id()] && in_roots(h)) root_h1 = t;
    if (any_h1.empty() && !removed_[h.id()]) any_h1 = t;
  }
  if (!root_h1.empty()) return root_h1;
  if (!meta_.ld_headline.empty()) return meta_.ld_headline;
  for (const std::string* t : {&meta_.og_title, &meta_.html_title}) {
    if (!t->empty()) return extract_detail::strip_site_name(*t, meta_.site_name, host_);
  }
  return any_h1;
}

void Extractor::run(Article& out, const Node& forced_hint) {
  count_text(false, text_, linked_);
  total_unlinked_ = text_[n_] - linked_[n_];
  const Node hint = forced_hint ? forced_hint : find_article_body();
  remove_furniture(hint);
  count_text(true, text_, linked_);
  total_unlinked_ = text_[n_] - linked_[n_];
  segment();

  std::string reason;
  bool scored = false;
  const std::vector<Node> roots = choose_roots(hint, reason, scored);
  out.title = choose_title(roots);
  if (roots.empty()) {
    out.reason = reason.empty() ? "no article content found" : reason;
    return;
  }
  auto root_of = [&](std::uint32_t id) {
    for (const Node& r : roots) {
      if (id >= r.id() && id < r.end()) return r;
    }
    return Node();
  };

  const std::string title = bp::fold(out.title);
  std::vector<const Block*> kept;
  std::uint32_t cut_begin = 0, cut_end = 0;  // a boilerplate section being dropped
  int link_headings = 0, long_paragraphs = 0;
  for (const Block& b : blocks_) {
    const Node root = root_of(b.first_text);
    if (!root) continue;
    if (b.first_text >= cut_begin && b.first_text < cut_end) continue;
    if (is_heading(b.kind) && b.link_density() > 0.6) ++link_headings;
    if (b.link_density() > 0.5) continue;
    bp::Cue cue = bp::classify_text(b.text);
    // "Comment" or "Related" heading a column of a table is a column name.
    if ((cue == bp::Cue::kSectionStart || cue == bp::Cue::kBox) && in_table_row(node(b.owner))) {
      cue = bp::Cue::kNone;
    }
    if (cue == bp::Cue::kDrop) continue;
    if (cue == bp::Cue::kBox) {
      // The box is the head's container; a head straight in the root goes alone.
      Node box = node(b.owner);
      if (is_paragraph(b.kind) && box.parent()) box = box.parent();
      if (box != root && root.contains(box) && unlinked_in(box) < 600) {
        cut_begin = b.first_text;
        cut_end = box.end();
      }
      continue;
    }
    if (cue == bp::Cue::kSectionStart) {
      // The section is the heading's container, or everything after it in the root.
      Node section = node(b.owner);
      if (is_paragraph(b.kind) && section.parent()) section = section.parent();
      // A head alone in a link-free box ("Leave a Reply" over a removed form):
      // the comments follow outside the box, so the rest of the root goes. A
      // box of links ("Related" over a list) is cut by itself.
      const bool alone = unlinked_in(section) < b.chars + 100 && linked_in(section) == 0;
      if (!root.contains(section) || alone) section = root;
      cut_begin = b.first_text;
      cut_end = section.end();
      continue;
    }
    if (kept.empty() || b.kind == Tag::kH1) {
      if (!title.empty() && bp::fold(b.text) == title) continue;  // the headline again
    }
    if (b.chars - b.linked >= 200) ++long_paragraphs;
    kept.push_back(&b);
  }
  if (scored && link_headings >= 3 && long_paragraphs < 2) {
    out.reason = "page lists several articles; no single article found";
    return;
  }
  int chars = 0;
  for (const Block* b : kept) {
    if (!out.text.empty()) out.text.push_back('\n');
    out.text += b->text;
    chars += b->chars;
  }
  if (chars < 50) {
    out.text.clear();
    out.reason = "no article content found (less than 50 characters of body text)";
  }
  if (!out.published) {
    for (const Node& r : roots) {
      if ((out.published = extract_detail::time_element_date(r))) break;
    }
  }
  if (!out.published) {
    // Outside the body only a marked time, or the page's only one, is trusted.
    out.published = extract_detail::time_element_date(doc_.root(), /*marked_only=*/true);
    const std::vector<Node> times = doc_.all(Tag::kTime);
    if (!out.published && times.size() == 1) {
      out.published = extract_detail::time_element_date(times.front());
    }
  }
  if (!out.published) out.published = visible_date(roots, kept);
}

bool mentions_update(std::string_view line) {
  if (line.empty() || line.size() > 120) return false;
  const std::string lower = lower_ascii(line);
  static constexpr std::string_view kWords[] = {"updated",    "modified",    "aktualisiert",
                                                "mis à jour", "actualizado", "güncellen",
                                                "обновлено",  "تحديث",       "محدث"};
  return std::ranges::any_of(
      kWords, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

// A date the reader sees beside the headline or byline: short unlinked lines
// from the <h1> (or the body's start) to the second long paragraph, furniture
// such as a "byline" box included, hidden text and links (related lists) not.
std::optional<std::chrono::sys_seconds> Extractor::visible_date(
    const std::vector<Node>& roots, const std::vector<const Block*>& kept) const {
  if (roots.empty()) return std::nullopt;
  std::uint32_t begin = roots.front().id(), stop = roots.back().end();
  int long_seen = 0;
  for (const Block* b : kept) {
    if (b->chars >= 100 && ++long_seen == 2) {
      stop = b->first_text;
      break;
    }
  }
  // The headline marks where the story starts: from its box (a date may sit
  // above it), not from a box of links gathered before it.
  for (const std::uint32_t h : h1_nodes_) {
    if (h < stop && !hidden(node(h))) {
      const Node box = node(h).parent();
      begin = box && box.tag() != Tag::kBody ? box.id() : h;
      break;
    }
  }
  // Lines are the texts between block boundaries: "<span>25</span>
  // <span>August</span> 2018" is one line. A link ends a line and is skipped.
  int scanned = 0;
  std::string line, previous;  // the line before may label this one
  std::vector<std::string_view> pieces;
  std::optional<std::chrono::sys_seconds> found;
  auto end_line = [&] {
    if (pieces.empty()) return;
    line = collapse_whitespace(line);
    // "Last Updated: January 7, 2025" is not when the story came out, nor is a
    // date after a label line ("<p>Updated:</p><p>January 7</p>").
    const bool label = std::ranges::none_of(previous, [](char c) { return c >= '0' && c <= '9'; });
    if (!mentions_update(line) && !(label && mentions_update(previous))) {
      found = extract_detail::date_in_text(line);
      // A line too long to be a date line may still hold one in a short piece.
      for (std::size_t k = 0; !found && line.size() > 120 && k < pieces.size(); ++k) {
        if (!mentions_update(pieces[k])) found = extract_detail::date_in_text(pieces[k]);
      }
    }
    previous = line.size() <= 120 ? std::move(line) : std::string();
    line.clear();
    pieces.clear();
  };
  Node owner;  // the line's nearest block element
  auto block_of = [&](Node t) {
    Node b = t.parent();
    while (b && !is_block(b.tag())) b = b.parent();
    return b;
  };
  for (std::uint32_t i = begin; i < stop && scanned < 80 && !found;) {
    const Node nd = node(i);
    const Tag tag = nd.tag();
    if (tag == Tag::kScript || tag == Tag::kStyle || tag == Tag::kTemplate ||
        tag == Tag::kNoscript || tag == Tag::kA || (nd.is_element() && hidden(nd))) {
      end_line();
      i = nd.end();
      continue;
    }
    if (tag == Tag::kBr || is_block(tag)) end_line();
    if (tag == Tag::kText) {
      const Node b = block_of(nd);
      if (b != owner) end_line();
      owner = b;
      const std::string_view t = nd.text();
      if (!t.empty()) {
        ++scanned;
        pieces.push_back(t);
        line.append(t);
      }
    }
    ++i;
  }
  if (!found) end_line();
  return found;
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
    if (a.is_element() && Extractor::hidden(a)) return Node();
  }
  return best;
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

  Extractor extractor(*doc, meta, url_host(options.base_url));
  extractor.run(article);
  if (article.text.empty() || looks_like_footer(article.text)) {
    // Nothing, or only a footer: the body may sit in a box whose class reads
    // as furniture. Its densest run of paragraphs is taken as the body.
    if (const Node prose = densest_prose(*doc)) {
      Article again = article;
      again.text.clear();
      again.reason.clear();
      Extractor(*doc, meta, url_host(options.base_url)).run(again, prose);
      if (visible_chars(again.text) > visible_chars(article.text) &&
          !looks_like_footer(again.text)) {
        article = std::move(again);
      }
    }
  }
  // The structured body is evidence: a page body under half of it is a wrong
  // or partial block (a footer, a quote box, one section of several).
  const int ld_chars = meta.ld_body.size() >= 200 ? visible_chars(meta.ld_body) : 0;
  if (ld_chars >= 200 && visible_chars(article.text) * 2 < ld_chars) {
    article.text = meta.ld_body;
    article.reason.clear();
    article.fallback = "json-ld";
  }
  return article;
}

}  // namespace nw
