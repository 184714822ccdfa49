// Matching an article against the compiled snapshot (filters/matcher_impl.h;
// compiling is in matcher_compile.cc). An article is tokenized once and each
// token looked up once per form (key, bare-hamza key, accent-folded key when
// some rule folds accents; prefixes and fuzzy words only when rules use them),
// which yields the fired words with their positions, then the fired bigrams
// (adjacent pairs of phrase words). Only rules whose anchor set fired and
// whose checked sets fired too are evaluated; phrases and NEAR are checked
// on positions.
#include "filters/matcher.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "filters/matcher_impl.h"
#include "filters/matcher_proclitics.h"
#include "filters/normalize.h"

namespace nw {
namespace {

using Field = QueryNode::Field;

// Positions: title tokens are 0..T-1, body tokens T+1..; the gap keeps a
// phrase from running from the title into the body.
struct Occurrence {
  std::uint32_t first = 0;  // token positions, inclusive
  std::uint32_t last = 0;
  auto operator<=>(const Occurrence&) const = default;
};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// "ar" admits "ar", "AR" and "ar-EG". "en-GB" admits "en" too: an article's
// language is identified without its region (filters/language.h).
bool language_allowed(const std::vector<std::string>& allowed, std::string_view language) {
  if (allowed.empty()) return true;
  auto subtag_of = [](std::string_view longer, std::string_view shorter) {
    return longer.size() > shorter.size() && longer[shorter.size()] == '-' &&
           equals_ignore_case(longer.substr(0, shorter.size()), shorter);
  };
  for (const auto& want : allowed) {
    if (equals_ignore_case(language, want)) return true;
    if (subtag_of(language, want) || subtag_of(want, language)) return true;
  }
  return false;
}

// The per-article state: tokens of both fields and the fired words.
class Article {
 public:
  // The body's tokens, for the caller, once matching is done.
  std::vector<Token> take_body() { return std::move(body_); }
  Article(const Matcher::Impl& impl, const Document& doc) : impl_(impl), doc_(doc) {
    tokenize(doc.title, title_);
    tokenize(doc.body, body_);
    body_start_ = static_cast<std::uint32_t>(title_.size()) + 1;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fired;  // (word, position)
    const bool stems = impl_.dictionary.has_stems();
    auto look_up = [&](const std::vector<Token>& tokens, std::uint32_t base) {
      for (std::uint32_t i = 0; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        // A token without seated hamza is its own bare form.
        const std::uint8_t via_key = t.alt_key.empty() ? kViaCarrier | kViaBare : kViaCarrier;
        // The words `key` is, and those it is a proclitic variant of.
        auto find = [&](std::string_view key, std::uint8_t via) {
          for (const DictEntry& e : impl_.dictionary.find(key)) {
            if (e.via & via) fired.emplace_back(e.word, base + i);
          }
          if (!stems) return;
          for (std::string_view stem : ProcliticStems(key)) {
            for (const DictEntry& e : impl_.dictionary.find(stem)) {
              if (e.stem_via & via) fired.emplace_back(e.word, base + i);
            }
          }
        };
        find(t.key, via_key);
        if (!t.alt_key.empty()) find(t.alt_key, kViaBare);
        std::string folded;
        if (impl_.fold && !(folded = fold_accents(t.key)).empty()) find(folded, kViaFolded);
        if (impl_.longest_prefix != 0) {
          // word*: look up the prefixes of the token that are as long as some prefix term.
          auto probe = [&](std::string_view key, std::uint8_t via) {
            const std::size_t limit = std::min({key.size(), impl_.longest_prefix, std::size_t{63}});
            std::uint64_t h = KeyDictionary::kEmptyHash;  // of key[0, end)
            for (std::size_t end = 1; end <= limit; ++end) {
              h = KeyDictionary::extend(h, key[end - 1]);
              if (!(impl_.prefix_lengths >> end & 1)) continue;
              if (end < key.size() && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80)
                continue;
              for (const DictEntry& e : impl_.prefixes.find(key.substr(0, end), h)) {
                if (e.via & via) fired.emplace_back(e.word, base + i);
              }
            }
          };
          probe(t.key, via_key);
          if (!t.alt_key.empty()) probe(t.alt_key, kViaBare);
          if (!folded.empty()) probe(folded, kViaFolded);
        }
        if (!impl_.fuzzy_targets.empty()) {
          // word~1: this token's one-deletions meet those of the fuzzy words.
          auto probe = [&](std::string_view key) {
            if (key.size() < 4) return;  // fewer than 4 code points cannot be one edit from 5
            auto check = [&](std::string_view k) {
              for (const DictEntry& e : impl_.fuzzy.find(k)) {
                const FuzzyTarget& target = impl_.fuzzy_targets[e.word];
                if (within_one_edit(key, target.spelling))
                  fired.emplace_back(target.word, base + i);
              }
            };
            check(key);
            for (const auto& d : one_deletions(key)) check(d);
          };
          probe(t.key);
          if (!t.alt_key.empty()) probe(t.alt_key);
        }
      }
    };
    look_up(title_, 0);
    look_up(body_, body_start_);
    fired_bits_.assign(impl_.feature_count / 64 + 1, 0);
    find_bigrams(fired);
    std::ranges::sort(fired);
    fired.erase(std::unique(fired.begin(), fired.end()), fired.end());
    positions_.reserve(fired.size());
    for (const auto& [word, pos] : fired) {
      if (words_.empty() || words_.back().word != word) {
        words_.push_back({word, static_cast<std::uint32_t>(positions_.size()), 0});
        set_fired(word);
      }
      positions_.push_back(pos);
      ++words_.back().count;
    }
  }

  // Rules whose anchor set has a fired feature and whose checked sets each
  // have one too, each rule once, in compile order.
  std::vector<std::uint32_t> candidates() const {
    std::vector<std::uint32_t> out(impl_.unanchored);
    auto wake = [&](std::uint32_t feature) {
      for (std::uint32_t i = impl_.anchor_begin[feature]; i < impl_.anchor_begin[feature + 1];
           ++i) {
        const Matcher::Impl::Anchored& a = impl_.anchor_rules[i];
        if (a.gate != Matcher::Impl::kNoGate && !is_fired(a.gate) && !is_fired(a.gate2)) continue;
        const std::uint32_t rule = a.rule & ~Matcher::Impl::kMoreChecks;
        if (!(a.rule & Matcher::Impl::kMoreChecks) || checks_pass(rule)) out.push_back(rule);
      }
    };
    for (const FiredWord& w : words_) wake(w.word);
    for (std::uint32_t f : bigrams_) wake(f);
    std::ranges::sort(out);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  bool allowed(const CompiledRule& rule) const {
    if (!rule.sources.empty() && std::ranges::find(rule.sources, doc_.source) == rule.sources.end())
      return false;
    // An article whose language is unknown (declared by none, too short to
    // identify; filters/language.h) passes `languages`: otherwise such a rule
    // could never match it, and nothing would say so.
    return doc_.language.empty() || language_allowed(rule.languages, doc_.language);
  }

  // Evaluates node `index`; when `out` is given, also appends the
  // occurrences that make it true (none under a NOT).
  bool eval(std::uint32_t index, std::vector<Occurrence>* out) const {
    const Node& n = impl_.nodes[index];
    switch (n.kind) {
      case Node::Kind::kWord:
      case Node::Kind::kPhrase:
        return occurrences(n, out);
      case Node::Kind::kNot:
        return !eval(impl_.child_ids[n.first], nullptr);
      case Node::Kind::kMeta:
        return meta(n);
      case Node::Kind::kNear:
        return near(n, out);
      case Node::Kind::kAnd: {
        for (std::uint32_t i = 0; i < n.count; ++i) {
          if (!eval(impl_.child_ids[n.first + i], nullptr)) return false;
        }
        if (out) {
          for (std::uint32_t i = 0; i < n.count; ++i) eval(impl_.child_ids[n.first + i], out);
        }
        return true;
      }
      case Node::Kind::kOr: {
        bool any = false;
        for (std::uint32_t i = 0; i < n.count; ++i) {
          any = eval(impl_.child_ids[n.first + i], out) || any;
          if (any && !out) return true;
        }
        return any;
      }
    }
    return false;
  }

  Hit make_hit(const CompiledRule& rule, std::vector<Occurrence> found) const {
    Hit hit{.watchlist = rule.watchlist,
            .rule = rule.id,
            .severity = rule.severity,
            .tags = rule.tags,
            .matched = {},
            .spans = {},
            .snippet = {},
            .once_per_story = rule.once_per_story,
            .min_sources = rule.min_sources,
            .within = rule.within};
    std::ranges::sort(found);
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (const Occurrence& o : found) {
      const bool in_title = o.first < body_start_;
      const auto& tokens = in_title ? title_ : body_;
      const std::string_view text = in_title ? doc_.title : doc_.body;
      const std::uint32_t base = in_title ? 0 : body_start_;
      MatchSpan span{in_title ? MatchSpan::Field::kTitle : MatchSpan::Field::kBody,
                     tokens[o.first - base].begin, tokens[o.last - base].end};
      std::string words(text.substr(span.begin, span.end - span.begin));
      if (std::ranges::find(hit.matched, words) == hit.matched.end())
        hit.matched.push_back(std::move(words));
      hit.spans.push_back(span);
    }
    if (!hit.spans.empty()) {
      const MatchSpan& first = hit.spans.front();
      const bool in_title = first.field == MatchSpan::Field::kTitle;
      // Sentences are looked for only in the paragraphs that hit.
      const std::string_view text = in_title ? doc_.title : doc_.body;
      auto& sentences = in_title ? title_sentences_ : body_sentences_;
      if (!sentences) sentences.emplace(text);
      hit.snippet =
          snippet_around(text, sentences->around(first.begin, first.end), first.begin, first.end);
    }
    return hit;
  }

 private:
  bool is_fired(std::uint32_t feature) const {
    return fired_bits_[feature >> 6] >> (feature & 63) & 1;
  }
  void set_fired(std::uint32_t feature) {
    fired_bits_[feature >> 6] |= std::uint64_t{1} << (feature & 63);
  }

  // Each required set the rule checks has a fired feature.
  bool checks_pass(std::uint32_t rule) const {
    const std::uint32_t end = impl_.check_begin[rule + 1];
    for (std::uint32_t i = impl_.check_begin[rule]; i < end; i += impl_.checks[i] + 1) {
      bool any = false;
      for (std::uint32_t j = i + 1; j <= i + impl_.checks[i] && !any; ++j)
        any = is_fired(impl_.checks[j]);
      if (!any) return false;
    }
    return true;
  }

  // The bigrams that fire: a word at position p and the next word at p + 1.
  // `fired` holds (word, position) in position order, one run per token.
  void find_bigrams(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& fired) {
    if (impl_.feature_count == impl_.word_count) return;
    std::size_t prev = 0, prev_end = 0;  // the run of the previous token
    for (std::size_t i = 0; i < fired.size();) {
      const std::uint32_t pos = fired[i].second;
      std::size_t end = i;
      while (end < fired.size() && fired[end].second == pos) ++end;
      if (prev_end > prev && fired[prev].second + 1 == pos) {
        for (std::size_t a = prev; a < prev_end; ++a) {
          if (!impl_.starts_bigram[fired[a].first]) continue;
          for (std::size_t b = i; b < end; ++b) {
            const std::uint32_t f =
                impl_.bigrams.find(PairTable::key(fired[a].first, fired[b].first));
            if (f == PairTable::kMissing || is_fired(f)) continue;
            set_fired(f);
            bigrams_.push_back(f);
          }
        }
      }
      prev = i;
      prev_end = end;
      i = end;
    }
  }

  struct FiredWord {
    std::uint32_t word = 0;
    std::uint32_t first = 0;  // into positions_
    std::uint32_t count = 0;
  };

  std::span<const std::uint32_t> positions_of(std::uint32_t word) const {
    auto it = std::ranges::lower_bound(words_, word, {}, &FiredWord::word);
    if (it == words_.end() || it->word != word) return {};
    return std::span(positions_).subspan(it->first, it->count);
  }

  bool meta(const Node& n) const {
    const std::string& value = impl_.meta_values[n.first];
    if (n.field == Field::kSource) return equals_ignore_case(doc_.source, value);
    return language_allowed({value}, doc_.language);
  }

  // Occurrences of the two sides no more than n positions apart (in order for
  // ONEAR), within one field and not overlapping.
  bool near(const Node& n, std::vector<Occurrence>* out) const {
    std::vector<Occurrence> left, right;
    if (!eval(impl_.child_ids[n.first], &left) || !eval(impl_.child_ids[n.first + 1], &right))
      return false;
    auto close = [&](const Occurrence& a, const Occurrence& b) {  // b after a
      return b.first > a.last && b.first - a.last <= n.distance &&
             (a.first < body_start_) == (b.first < body_start_);
    };
    bool found = false;
    std::vector<bool> used_right(right.size());
    for (const Occurrence& a : left) {
      bool used = false;
      for (std::size_t j = 0; j < right.size(); ++j) {
        if (!close(a, right[j]) && (n.ordered || !close(right[j], a))) continue;
        if (!out) return true;
        found = used = true;
        if (!used_right[j]) out->push_back(right[j]);
        used_right[j] = true;
      }
      if (used) out->push_back(a);
    }
    return found;
  }

  bool in_field(std::uint32_t pos, Field field) const {
    return field == Field::kAny || (field == Field::kTitle) == (pos < body_start_);
  }

  bool occurrences(const Node& n, std::vector<Occurrence>* out) const {
    const bool phrase = n.kind == Node::Kind::kPhrase;
    const std::uint32_t length = phrase ? n.count : 1;
    auto word_at = [&](std::uint32_t i) {
      return phrase ? impl_.phrase_words[n.first + i] : n.first;
    };
    bool found = false;
    for (std::uint32_t start : positions_of(word_at(0))) {
      if (!in_field(start, n.field)) continue;
      bool whole = true;
      for (std::uint32_t i = 1; i < length && whole; ++i) {
        whole = std::ranges::binary_search(positions_of(word_at(i)), start + i);
      }
      if (!whole) continue;
      found = true;
      if (!out) return true;
      out->push_back({start, start + length - 1});
    }
    return found;
  }

  const Matcher::Impl& impl_;
  const Document& doc_;
  std::vector<Token> title_;
  std::vector<Token> body_;
  std::uint32_t body_start_ = 1;
  std::vector<FiredWord> words_;  // sorted by word
  std::vector<std::uint32_t> positions_;
  std::vector<std::uint32_t> bigrams_;     // fired bigram features
  std::vector<std::uint64_t> fired_bits_;  // per feature
  mutable std::optional<SentenceIndex> title_sentences_;
  mutable std::optional<SentenceIndex> body_sentences_;
};

}  // namespace

Result<std::shared_ptr<const Matcher>> Matcher::compile(std::span<const Watchlist> watchlists) {
  auto impl = std::make_unique<Impl>();
  std::string errors;
  compile_rules(watchlists, *impl, errors);
  if (!errors.empty()) return fail(Errc::kInvalid, std::move(errors));
  return std::make_shared<const Matcher>(std::move(impl));
}

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

std::size_t Matcher::rule_count() const { return impl_->rules.size(); }

std::vector<Hit> Matcher::match(const Document& doc) const {
  std::vector<Token> body;
  return impl_->rules.empty() ? std::vector<Hit>{} : match(doc, body);
}

std::vector<Hit> Matcher::match(const Document& doc, std::vector<Token>& body_tokens) const {
  std::vector<Hit> hits;
  if (impl_->rules.empty()) {
    body_tokens = tokenize(doc.body);
    return hits;
  }
  Article article(*impl_, doc);
  for (std::uint32_t r : article.candidates()) {
    if (impl_->restricted[r] && !article.allowed(impl_->rules[r])) continue;
    if (!article.eval(impl_->roots[r], nullptr)) continue;
    std::vector<Occurrence> found;
    article.eval(impl_->roots[r], &found);
    hits.push_back(article.make_hit(impl_->rules[r], std::move(found)));
  }
  body_tokens = article.take_body();
  return hits;
}

}  // namespace nw
