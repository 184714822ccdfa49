#include "filters/furniture.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/text.h"
#include "filters/boilerplate.h"

namespace nw::extract_detail {
namespace {

using html::Node;
using html::Tag;
namespace bp = boilerplate;

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

// Roles of furniture: landmarks around the story, widgets, forms.
bool furniture_role(const Node& n) {
  // Hidden subtrees went before (Furniture::remove_hidden).
  if (lower_ascii(n.attr("aria-modal")) == "true") return true;
  static constexpr std::string_view kRoles[] = {
      "navigation", "banner", "contentinfo", "complementary", "dialog",  "alertdialog",
      "search",     "menu",   "menubar",     "toolbar",       "tablist", "form"};
  const std::string role = lower_ascii(n.attr("role"));
  if (std::ranges::find(kRoles, role) != std::end(kRoles)) return true;
  const std::string itemprop = lower_ascii(n.attr("itemprop"));
  const std::string itemtype = lower_ascii(n.attr("itemtype"));
  return itemprop == "comment" || itemtype.ends_with("/comment");
}

// A page header goes; an article's own header (headline, standfirst) stays.
bool page_header(const Node& n) {
  bool in_article = false;
  for (Node p = n.parent(); p; p = p.parent()) {
    in_article |= p.tag() == Tag::kArticle || p.tag() == Tag::kMain;
  }
  bool has_nav = false;
  for (Node d = n.following(); d && d != n.after(); d = d.following()) {
    has_nav |= d.tag() == Tag::kNav;
  }
  return !in_article || has_nav;
}

bool has_inputs(const Node& n) {
  for (Node d = n.following(); d && d != n.after(); d = d.following()) {
    if (d.tag() == Tag::kTextarea || d.tag() == Tag::kInput) return true;
  }
  return false;
}

class Furniture {
 public:
  Furniture(Page& page, const Node& hint) : page_(page), hint_(hint), n_(page.size()) {}
  void remove();

 private:
  bool keeps_hint(const Node& n) const { return hint_ && n.contains(hint_); }
  // Whether an <h1> opens inside `n` (below `n` itself).
  bool holds_h1(const Node& n) const {
    const auto& h1s = page_.h1_nodes();
    const auto h1 = std::ranges::lower_bound(h1s, n.id() + 1);
    return h1 != h1s.end() && *h1 < n.end();
  }
  int remove_hidden();
  void sweep(bool weak_pass);
  // The first pass removes sure furniture, the second weak class names.
  bool furniture(const Node& n, bool weak_pass);
  bool weak_furniture(const Node& n) const;
  bool gallery(const Node& n) const;
  bool by_vocabulary(const Node& n);

  Page& page_;
  const Node hint_;
  const std::uint32_t n_;
  std::vector<std::uint32_t> key_nodes_;  // ids of <h1>, <main>, <article>, ascending
  std::vector<std::uint8_t> weak_;        // weak furniture class names, found by the first pass
};

// Hidden subtrees go first, so that shares are of the text a reader sees: a
// story shown over an aria-hidden copy of the home page is most of the page.
// Returns the characters they held.
int Furniture::remove_hidden() {
  int hidden_text = 0;
  for (std::uint32_t i = 0; i < n_;) {
    const Tag tag = page_.tag(i);
    if (!page_.element(i) || tag == Tag::kHtml || tag == Tag::kBody) {
      ++i;
      continue;
    }
    const Node nd = page_.node(i);
    if (is_furniture_tag(tag) && !keeps_hint(nd)) {
      i = nd.end();  // goes in the next pass whatever it holds
    } else if (hidden(nd) && !keeps_hint(nd)) {
      page_.remove(nd);
      hidden_text += page_.text_in(nd);
      i = nd.end();
    } else {
      ++i;
    }
  }
  return hidden_text;
}

void Furniture::sweep(bool weak_pass) {
  for (std::uint32_t i = 0; i < n_;) {
    if (!page_.removed(i) && !page_.element(i)) {
      ++i;
      continue;
    }
    const Node nd = page_.node(i);
    if (page_.removed(i)) {
      i = nd.end();
    } else if (furniture(nd, weak_pass)) {
      page_.remove(nd);
      i = nd.end();
    } else {
      ++i;
    }
  }
}

void Furniture::remove() {
  weak_.assign(n_, 0);
  for (std::uint32_t i = 0; i < n_; ++i) {
    const Tag t = page_.tag(i);
    if (t == Tag::kH1 || t == Tag::kMain || t == Tag::kArticle) key_nodes_.push_back(i);
  }
  // Icons and labels are often aria-hidden: recount only for real text.
  const int hidden_text = remove_hidden();
  if (hidden_text * 20 > page_.total_text()) page_.recount();
  sweep(false);
  page_.recount();
  sweep(true);
  page_.recount();
}

bool Furniture::furniture(const Node& n, bool weak_pass) {
  const Tag tag = n.tag();
  if (tag == Tag::kHtml || tag == Tag::kBody) return false;
  if (keeps_hint(n)) return false;
  if (weak_pass) return weak_furniture(n);
  if (is_furniture_tag(tag)) return true;
  if (furniture_role(n)) return true;
  if (tag == Tag::kHeader && page_header(n)) return true;
  // Comment, search and newsletter forms; a form wrapping the whole page stays.
  if (tag == Tag::kForm && page_.share(n) < 0.4 && has_inputs(n)) return true;
  if (gallery(n)) return true;
  return by_vocabulary(n);
}

// Shares are now of the text left after the sure furniture went, so a long
// comment thread does not make the body look small.
bool Furniture::weak_furniture(const Node& n) const {
  const Tag tag = n.tag();
  if (!weak_[n.id()] || tag == Tag::kArticle || tag == Tag::kMain) return false;
  const auto key = std::ranges::lower_bound(key_nodes_, n.id() + 1);
  if (key != key_nodes_.end() && *key < n.end()) return false;
  const double s = page_.share(n);
  return !(s >= 0.35 || (bp::positive_class(n.attr("class"), n.attr("id")) && s >= 0.15));
}

// Slides, captions and "3 of 12" counters inside a story are furniture; on a
// gallery page they are the story: the box then holds the headline or most of
// the text, or sits in a box named as a gallery ("gallery-page").
bool Furniture::gallery(const Node& n) const {
  const Tag tag = n.tag();
  if (!(gallery_name(n.attr("class")) || gallery_name(n.attr("id"))) || tag == Tag::kArticle ||
      tag == Tag::kMain) {
    return false;
  }
  bool page = page_.share(n) >= 0.6 || holds_h1(n);
  for (Node p = n.parent(); p && !page; p = p.parent()) {
    page = gallery_name(p.attr("class")) || gallery_name(p.attr("id"));
  }
  return !page;
}

// Class and id vocabulary (filters/boilerplate.h). Weak names
// ("dialog-off-canvas", "has-sidebar") wait for the second pass.
bool Furniture::by_vocabulary(const Node& n) {
  const Tag tag = n.tag();
  const bp::Vocab vocab = bp::classify_class(n.attr("class"), n.attr("id"));
  weak_[n.id()] = vocab == bp::Vocab::kWeak;
  if (vocab == bp::Vocab::kNone) return false;
  if (tag == Tag::kArticle || tag == Tag::kMain) return false;
  const bool positive = bp::positive_class(n.attr("class"), n.attr("id"));
  const double s = page_.share(n);
  // A state name on a wrapper of the whole page ("render-target-modal
  // modal-open" around a story shown as an overlay) is no furniture: an
  // element with most of the text and the page's headline is the page.
  if (s >= 0.5 && holds_h1(n)) return false;
  return vocab == bp::Vocab::kStrong && !(positive && s >= 0.6);
}

}  // namespace

void remove_furniture(Page& page, const Node& hint) { Furniture(page, hint).remove(); }

}  // namespace nw::extract_detail
