#include "filters/extract_score.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "filters/boilerplate.h"

namespace nw::extract_detail {
namespace {

using html::Node;
using html::Tag;
namespace bp = boilerplate;

int commas(std::string_view s) {
  int n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') ++n;
    // U+060C ARABIC COMMA
    if (s[i] == '\xD8' && i + 1 < s.size() && s[i + 1] == '\x8C') ++n;
  }
  return n;
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

class Scoring {
 public:
  Scoring(const Page& page, const std::vector<Block>& blocks)
      : page_(page), blocks_(blocks), score_(page.size(), 0.0), prose_(page.size()) {}
  std::vector<Node> best_candidate();

 private:
  // Per candidate, the characters of its scored paragraphs, and of those that
  // are quotations (in <blockquote>/<q>, or wholly in quotation marks).
  struct Prose {
    int chars = 0, quoted = 0;
  };
  void score_paragraphs();
  double final_score(std::uint32_t id) const;
  bool quotations(std::uint32_t id) const { return prose_[id].quoted * 2 > prose_[id].chars; }
  bool choose_top();
  Node most_text() const;
  Node gather_alike(Node best) const;
  Node widen_to_fold(Node best) const;
  std::vector<Node> continuing_siblings(const Node& best) const;

  const Page& page_;
  const std::vector<Block>& blocks_;
  std::vector<double> score_;
  std::vector<std::uint32_t> scored_;  // ids with a score, in the order first credited
  std::vector<Prose> prose_;
  std::vector<double> finals_;  // final_score() of each of scored_
  std::uint32_t top_ = 0;
  double top_score_ = 0;
};

void Scoring::score_paragraphs() {
  for (const Block& b : blocks_) {
    if (b.chars - b.linked < 25 || b.link_density() > 0.5) continue;
    const double s = 1 + commas(b.text) + std::min(b.chars / 100.0, 3.0);
    Node c = page_.node(b.owner);
    bool quoted = in_quotation_marks(b.text);
    Node q = c;
    for (int up = 0; q && !quoted && up < 3; ++up, q = q.parent()) {
      quoted = q.tag() == Tag::kBlockquote || q.tag() == Tag::kQ;
    }
    if (is_paragraph(b.kind)) c = c.parent();
    for (int level = 0; c && level < 4 && c.tag() != Tag::kHtml; ++level, c = c.parent()) {
      if (score_[c.id()] == 0.0) scored_.push_back(c.id());
      score_[c.id()] += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
      prose_[c.id()].chars += b.chars;
      if (quoted) prose_[c.id()].quoted += b.chars;
    }
  }
}

double Scoring::final_score(std::uint32_t id) const {
  const Node nd = page_.node(id);
  double s = score_[id];
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
  if (bp::positive_class(nd.attr("class"), nd.attr("id"))) s += std::min(25.0, score_[id]);
  const int t = page_.text_in(nd);
  const double density = t ? static_cast<double>(page_.linked_in(nd)) / t : 1.0;
  // A box of quotations (a sidebar of quotes of the week) has many commas
  // and long lines, but it is not the story: mostly quoted prose counts little.
  if (quotations(id)) s *= 0.3;
  return s * (1.0 - density);
}

// Whether any container scores above zero; `top_` is the best.
bool Scoring::choose_top() {
  finals_.resize(scored_.size());
  for (std::size_t k = 0; k < scored_.size(); ++k) {
    const std::uint32_t id = scored_[k];
    const double s = finals_[k] = final_score(id);
    if (s > top_score_) {
      top_score_ = s;
      top_ = id;
    }
  }
  return top_score_ > 0;
}

// A body split into alike boxes (steps, sections between ads and figures)
// scores as several good candidates (each at least 0.3 of the best) under
// one ancestor up to eight levels above the best: that ancestor, when not
// link-dense, is the article, as Readability's "alternative candidates" find it.
Node Scoring::gather_alike(Node best) const {
  std::vector<std::uint32_t> alike;
  const Node top = page_.node(top_);
  for (std::size_t k = 0; k < scored_.size(); ++k) {
    const std::uint32_t id = scored_[k];
    if (finals_[k] < top_score_ * 0.3 || id == top_ || quotations(id)) continue;
    if (page_.node(id).contains(top) || top.contains(page_.node(id))) continue;
    alike.push_back(id);
  }
  if (alike.size() < 2) return best;
  int level = 0;
  for (Node a = best.parent(); a && level < 8; a = a.parent(), ++level) {
    if (a.tag() == Tag::kBody || a.tag() == Tag::kHtml) break;
    const auto inside =
        std::ranges::count_if(alike, [&](std::uint32_t id) { return a.contains(page_.node(id)); });
    if (inside < 2) continue;
    const int t = page_.text_in(a);
    if (t && page_.linked_in(a) * 10 < t * 3) best = a;
    break;
  }
  return best;
}

// A body cut by a "read more" fold or an ad box: the opening paragraphs sit
// straight in an ancestor of the best box, which holds little else.
Node Scoring::widen_to_fold(Node best) const {
  int level = 0;
  for (Node a = best.parent(); a && level < 3; a = a.parent(), ++level) {
    if (a.tag() == Tag::kBody || a.tag() == Tag::kHtml) break;
    int prose_paragraphs = 0, prose_chars = 0;
    for (Node c = a.first_child(); c; c = c.next_sibling()) {
      if (c.tag() != Tag::kP || page_.removed(c.id())) continue;
      const int t = page_.text_in(c);
      if (t >= 80 && page_.linked_in(c) * 4 < t) ++prose_paragraphs, prose_chars += t;
    }
    if (prose_paragraphs < 2) continue;
    const int u = page_.unlinked_in(a);
    if (u * 2 <= (page_.unlinked_in(best) + prose_chars) * 3 + 400 &&
        page_.linked_in(a) * 10 < page_.text_in(a) * 3) {
      best = a;
    }
    break;
  }
  return best;
}

// `best` and the siblings that continue the article: well scored, or prose
// paragraphs. A box of quotations beside the story does not continue it.
std::vector<Node> Scoring::continuing_siblings(const Node& best) const {
  const Node parent = best.parent();
  if (!parent || parent.tag() == Tag::kHtml) return {best};
  std::vector<Node> roots;
  const double threshold = std::max(10.0, top_score_ * 0.2);
  for (Node s = parent.first_child(); s; s = s.next_sibling()) {
    if (s == best) {
      roots.push_back(s);
      continue;
    }
    if (!s.is_element() || page_.removed(s.id())) continue;
    const int t = page_.text_in(s);
    const double density = t ? static_cast<double>(page_.linked_in(s)) / t : 1.0;
    bool take = score_[s.id()] > 0 && !quotations(s.id()) && final_score(s.id()) >= threshold;
    if (!take && s.tag() == Tag::kP) take = t > 80 && density < 0.25;
    if (take) roots.push_back(s);
  }
  return roots;
}

// Text in cells or lines all under the scoring's 25 characters (a bulletin
// set as a table of short cells, a notice of short lines): the smallest
// element that holds two thirds of the page's text in blocks that are not
// link-dense. Null when there is no such text.
Node Scoring::most_text() const {
  std::vector<int> held(page_.size(), 0);
  int total = 0;
  for (const Block& b : blocks_) {
    const int u = b.chars - b.linked;
    if (u <= 0 || b.link_density() > 0.5) continue;
    total += u;
    for (Node c = page_.node(b.owner); c && c.tag() != Tag::kHtml; c = c.parent())
      held[c.id()] += u;
  }
  if (total < 15) return Node();
  for (std::uint32_t id = page_.size(); id-- > 0;) {
    if (held[id] * 3 >= total * 2) return page_.node(id);
  }
  return Node();
}

std::vector<Node> Scoring::best_candidate() {
  score_paragraphs();
  if (!choose_top()) {
    const Node most = most_text();
    if (!most) return {};
    return {most};
  }
  const Node best = widen_to_fold(gather_alike(page_.node(top_)));
  return continuing_siblings(best);
}

}  // namespace

std::vector<Node> best_candidate(const Page& page, const std::vector<Block>& blocks) {
  return Scoring(page, blocks).best_candidate();
}

}  // namespace nw::extract_detail
