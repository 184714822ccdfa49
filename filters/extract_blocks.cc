#include "filters/extract_blocks.h"

#include <algorithm>
#include <string_view>

#include "feeds/text.h"

namespace nw::extract_detail {
namespace {

using html::Node;
using html::Tag;

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

// Cuts the kept body into blocks in document order.
class Segmenter {
 public:
  explicit Segmenter(const Page& page) : page_(page) {}
  std::vector<Block> run();

 private:
  struct Open {
    std::uint32_t end, id;
  };
  void flush();
  void text(std::uint32_t i, const Node& nd);
  void element(std::uint32_t i, const Node& nd, Tag tag);

  const Page& page_;
  std::vector<Block> blocks_;
  std::vector<Open> open_;  // the block elements around the current node
  std::string buf_;
  Block cur_;
  bool have_text_ = false;
  std::uint32_t link_end_ = 0, kicker_end_ = 0;
  Node prev_text_;
};

void Segmenter::flush() {
  if (have_text_) {
    std::string text = collapse_whitespace(buf_);
    if (!text.empty()) {
      cur_.text = std::move(text);
      cur_.owner = open_.back().id;
      cur_.kind = page_.node(cur_.owner).tag();
      blocks_.push_back(std::move(cur_));
    }
  }
  cur_ = Block();
  buf_.clear();
  have_text_ = false;
}

void Segmenter::text(std::uint32_t i, const Node& nd) {
  const std::string_view t = nd.text();
  if (kicker_end_ && i >= kicker_end_) {
    buf_.push_back(' ');  // the text after a kicker
    kicker_end_ = 0;
  }
  if (!have_text_) {
    cur_.first_text = i;
  } else if ((i != prev_text_.id() + 1 || nd.parent() != prev_text_.parent()) &&
             glued_at_boundary(buf_, t)) {
    buf_.push_back(' ');
  }
  prev_text_ = nd;
  have_text_ = true;
  buf_.append(t);
  const int c = visible_chars(t);
  cur_.chars += c;
  if (i < link_end_) cur_.linked += c;
}

void Segmenter::element(std::uint32_t i, const Node& nd, Tag tag) {
  if (tag == Tag::kBr || tag == Tag::kHr) {
    flush();
  } else if (tag == Tag::kImg) {
    buf_.push_back(' ');
  } else if (tag == Tag::kA) {
    link_end_ = std::max(link_end_, nd.end());
  } else if (kicker_span(nd)) {
    buf_.push_back(' ');
    kicker_end_ = nd.end();
  } else if (is_block(tag)) {
    flush();
    open_.push_back({nd.end(), i});
  } else if (tag == Tag::kTd || tag == Tag::kTh) {
    flush();
  }
}

std::vector<Block> Segmenter::run() {
  const Node body = page_.doc().first(Tag::kBody);
  if (!body) return {};
  open_.push_back({body.end(), body.id()});
  for (std::uint32_t i = body.id() + 1; i < body.end();) {
    while (open_.size() > 1 && open_.back().end <= i) {
      flush();
      open_.pop_back();
    }
    const Node nd = page_.node(i);
    if (page_.removed(i)) {
      i = nd.end();
      continue;
    }
    const Tag tag = nd.tag();
    if (tag == Tag::kText) {
      text(i, nd);
    } else {
      element(i, nd, tag);
    }
    ++i;
  }
  while (!open_.empty()) {
    flush();
    open_.pop_back();
  }
  return std::move(blocks_);
}

}  // namespace

std::vector<Block> segment(const Page& page) { return Segmenter(page).run(); }

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

}  // namespace nw::extract_detail
