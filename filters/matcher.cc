// How matching works: every distinct query word (with its hamza forms and,
// unless the rule is exact, its Arabic proclitic variants) is a key in one
// hash dictionary pointing at word ids. An article is tokenized once, each
// token looked up once (key, and bare-hamza key when it differs), which
// yields the fired words with their positions. Each rule has an anchor set
// of words of which one must fire for the rule to match; only rules whose
// anchors fired are evaluated. Phrases are checked on positions.
#include "filters/matcher.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "filters/key_dictionary.h"
#include "filters/normalize.h"
#include "filters/query.h"

namespace nw {
namespace {

using Field = QueryNode::Field;

// A compiled query node. kWord: `first` is the word id. kPhrase: words
// phrase_words[first, first+count). kAnd/kOr/kNot: children
// child_ids[first, first+count).
struct Node {
  enum class Kind : std::uint8_t { kWord, kPhrase, kAnd, kOr, kNot };
  Kind kind = Kind::kWord;
  Field field = Field::kAny;
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct CompiledRule {
  std::string watchlist;
  std::string id;
  std::uint32_t root = 0;
  std::vector<std::string> sources;
  std::vector<std::string> languages;
};

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

// "ar" admits "ar", "AR" and "ar-EG".
bool language_allowed(const std::vector<std::string>& allowed, std::string_view language) {
  if (allowed.empty()) return true;
  for (const auto& want : allowed) {
    if (equals_ignore_case(language, want)) return true;
    if (language.size() > want.size() && language[want.size()] == '-' &&
        equals_ignore_case(language.substr(0, want.size()), want)) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct Matcher::Impl {
  KeyDictionary dictionary;
  KeyDictionary prefixes;             // word* terms, probed with each prefix of a token
  std::size_t longest_prefix = 0;  // bytes; 0 when there is no word* term
  std::vector<Node> nodes;
  std::vector<std::uint32_t> child_ids;
  std::vector<std::uint32_t> phrase_words;
  std::vector<CompiledRule> rules;
  // Hot per-rule data kept apart from the metadata, for cache locality:
  // root node, and whether sources/languages restrict the rule.
  std::vector<std::uint32_t> roots;
  std::vector<std::uint8_t> restricted;
  std::vector<std::uint32_t> anchor_begin;  // word id → anchored rules, CSR
  std::vector<std::uint32_t> anchor_rules;
};

namespace {

class Compiler {
 public:
  explicit Compiler(Matcher::Impl& impl) : impl_(impl) {}

  void add_rule(const Watchlist& list, const Rule& rule, const QueryNode& query) {
    exact_ = rule.exact;
    const auto rule_index = static_cast<std::uint32_t>(impl_.rules.size());
    const std::uint32_t root = compile(query);
    impl_.rules.push_back({list.name, rule.id, root, rule.sources, rule.languages});
    impl_.roots.push_back(root);
    impl_.restricted.push_back(!rule.sources.empty() || !rule.languages.empty());
    for (std::uint32_t word : anchor(root)) anchors_.emplace_back(word, rule_index);
  }

  void finish() {
    impl_.dictionary = KeyDictionary(std::move(builder_));
    impl_.prefixes = KeyDictionary(std::move(prefix_builder_));
    std::ranges::sort(anchors_);
    const auto last = std::ranges::unique(anchors_);
    anchors_.erase(last.begin(), last.end());
    impl_.anchor_begin.assign(word_keys_.size() + 1, 0);
    for (const auto& [word, rule] : anchors_) ++impl_.anchor_begin[word + 1];
    for (std::size_t i = 1; i < impl_.anchor_begin.size(); ++i) impl_.anchor_begin[i] += impl_.anchor_begin[i - 1];
    impl_.anchor_rules.reserve(anchors_.size());
    for (const auto& [word, rule] : anchors_) impl_.anchor_rules.push_back(rule);
  }

 private:
  std::uint32_t add_node(Node n) {
    impl_.nodes.push_back(n);
    return static_cast<std::uint32_t>(impl_.nodes.size() - 1);
  }

  std::uint32_t compile(const QueryNode& q) {
    switch (q.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        const std::size_t last = q.words.size() - 1;
        if (last == 0) return add_node({Node::Kind::kWord, q.field, intern(q.words[0], q.bare_words[0], q.prefix), 1});
        const auto first = static_cast<std::uint32_t>(impl_.phrase_words.size());
        for (std::size_t i = 0; i <= last; ++i) {
          impl_.phrase_words.push_back(intern(q.words[i], q.bare_words[i], q.prefix && i == last));
        }
        return add_node({Node::Kind::kPhrase, q.field, first, static_cast<std::uint32_t>(q.words.size())});
      }
      case QueryNode::Kind::kAnd:
      case QueryNode::Kind::kOr:
      case QueryNode::Kind::kNot: {
        std::vector<std::uint32_t> children;
        for (const auto& c : q.children) children.push_back(compile(c));
        const auto first = static_cast<std::uint32_t>(impl_.child_ids.size());
        impl_.child_ids.insert(impl_.child_ids.end(), children.begin(), children.end());
        const auto kind = q.kind == QueryNode::Kind::kAnd  ? Node::Kind::kAnd
                          : q.kind == QueryNode::Kind::kOr ? Node::Kind::kOr
                                                           : Node::Kind::kNot;
        return add_node({kind, Field::kAny, first, static_cast<std::uint32_t>(children.size())});
      }
    }
    return 0;
  }

  // One id per distinct (key, bare key, exact, prefix) word, shared by all rules.
  std::uint32_t intern(const std::string& key, const std::string& bare, bool prefix) {
    std::string identity = key + '\x1f' + bare + (exact_ ? "\x1f=" : "") + (prefix ? "\x1f*" : "");
    auto [it, inserted] = word_ids_.try_emplace(std::move(identity), static_cast<std::uint32_t>(word_keys_.size()));
    if (!inserted) return it->second;
    const std::uint32_t id = it->second;
    word_keys_.push_back(key);
    KeyDictionary::Builder& builder = prefix ? prefix_builder_ : builder_;
    auto add_key = [&](std::string_view k, std::uint32_t word, std::uint8_t via) {
      builder.add(k, {word, via});
      if (prefix) impl_.longest_prefix = std::max(impl_.longest_prefix, k.size());
    };
    // Without a seated hamza both forms are the key itself.
    add_key(key, id, bare.empty() ? kViaCarrier | kViaBare : kViaCarrier);
    if (!bare.empty()) add_key(bare, id, kViaBare);
    if (!exact_) {
      for (const auto& v : proclitic_variants(key)) add_key(v, id, bare.empty() ? kViaCarrier | kViaBare : kViaCarrier);
      if (!bare.empty()) {
        for (const auto& v : proclitic_variants(bare)) add_key(v, id, kViaBare);
      }
    }
    return id;
  }

  // Words of which at least one fires whenever the node matches; empty when
  // there is no such set (a NOT, or an OR with a purely negative branch).
  std::vector<std::uint32_t> anchor(std::uint32_t index) const {
    const Node& n = impl_.nodes[index];
    auto children = std::span(impl_.child_ids).subspan(n.first, n.kind >= Node::Kind::kAnd ? n.count : 0);
    switch (n.kind) {
      case Node::Kind::kWord:
        return {n.first};
      case Node::Kind::kPhrase: {  // the longest word: likely the rarest
        auto words = std::span(impl_.phrase_words).subspan(n.first, n.count);
        return {*std::ranges::max_element(words, {}, [&](std::uint32_t w) { return word_keys_[w].size(); })};
      }
      case Node::Kind::kNot:
        return {};
      case Node::Kind::kAnd: {  // one child's set: the smallest, then the longest words
        std::vector<std::uint32_t> best;
        std::size_t best_len = 0;
        for (std::uint32_t c : children) {
          auto set = anchor(c);
          if (set.empty()) continue;
          std::size_t shortest = SIZE_MAX;
          for (std::uint32_t w : set) shortest = std::min(shortest, word_keys_[w].size());
          if (best.empty() || set.size() < best.size() || (set.size() == best.size() && shortest > best_len)) {
            best = std::move(set);
            best_len = shortest;
          }
        }
        return best;
      }
      case Node::Kind::kOr: {
        std::vector<std::uint32_t> all;
        for (std::uint32_t c : children) {
          auto set = anchor(c);
          if (set.empty()) return {};
          all.insert(all.end(), set.begin(), set.end());
        }
        return all;
      }
    }
    return {};
  }

  Matcher::Impl& impl_;
  bool exact_ = false;
  KeyDictionary::Builder builder_;
  KeyDictionary::Builder prefix_builder_;
  std::unordered_map<std::string, std::uint32_t> word_ids_;
  std::vector<std::string> word_keys_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> anchors_;  // (word, rule)
};

// The per-article state: tokens of both fields and the fired words.
class Article {
 public:
  Article(const Matcher::Impl& impl, const Document& doc) : impl_(impl), doc_(doc) {
    tokenize(doc.title, title_);
    tokenize(doc.body, body_);
    body_start_ = static_cast<std::uint32_t>(title_.size()) + 1;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fired;  // (word, position)
    auto look_up = [&](const std::vector<Token>& tokens, std::uint32_t base) {
      for (std::uint32_t i = 0; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        // A token without seated hamza is its own bare form.
        const std::uint8_t via_key = t.alt_key.empty() ? kViaCarrier | kViaBare : kViaCarrier;
        for (const DictEntry& e : impl_.dictionary.find(t.key)) {
          if (e.via & via_key) fired.emplace_back(e.word, base + i);
        }
        if (!t.alt_key.empty()) {
          for (const DictEntry& e : impl_.dictionary.find(t.alt_key)) {
            if (e.via & kViaBare) fired.emplace_back(e.word, base + i);
          }
        }
        if (impl_.longest_prefix == 0) continue;
        // word*: look up every prefix of the token of at least two code points.
        auto probe = [&](const std::string& key, std::uint8_t via) {
          const std::size_t limit = std::min(key.size(), impl_.longest_prefix);
          std::size_t letters = 0;
          for (std::size_t end = 1; end <= limit; ++end) {
            if (end < key.size() && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) continue;
            if (++letters < 2) continue;
            for (const DictEntry& e : impl_.prefixes.find(std::string_view(key).substr(0, end))) {
              if (e.via & via) fired.emplace_back(e.word, base + i);
            }
          }
        };
        probe(t.key, via_key);
        if (!t.alt_key.empty()) probe(t.alt_key, kViaBare);
      }
    };
    look_up(title_, 0);
    look_up(body_, body_start_);
    std::ranges::sort(fired);
    const auto dup = std::ranges::unique(fired);
    fired.erase(dup.begin(), dup.end());
    positions_.reserve(fired.size());
    for (const auto& [word, pos] : fired) {
      if (words_.empty() || words_.back().word != word) {
        words_.push_back({word, static_cast<std::uint32_t>(positions_.size()), 0});
      }
      positions_.push_back(pos);
      ++words_.back().count;
    }
  }

  // Rules whose anchors fired, each once, in compile order.
  std::vector<std::uint32_t> candidates() const {
    std::vector<std::uint32_t> out;
    for (const FiredWord& w : words_) {
      for (std::uint32_t i = impl_.anchor_begin[w.word]; i < impl_.anchor_begin[w.word + 1]; ++i) {
        out.push_back(impl_.anchor_rules[i]);
      }
    }
    std::ranges::sort(out);
    const auto dup = std::ranges::unique(out);
    out.erase(dup.begin(), dup.end());
    return out;
  }

  bool allowed(const CompiledRule& rule) const {
    if (!rule.sources.empty() && std::ranges::find(rule.sources, doc_.source) == rule.sources.end()) return false;
    return language_allowed(rule.languages, doc_.language);
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
    Hit hit{.watchlist = rule.watchlist, .rule = rule.id, .matched = {}, .spans = {}, .snippet = {}};
    std::ranges::sort(found);
    const auto dup = std::ranges::unique(found);
    found.erase(dup.begin(), dup.end());
    for (const Occurrence& o : found) {
      const bool in_title = o.first < body_start_;
      const auto& tokens = in_title ? title_ : body_;
      const std::string_view text = in_title ? doc_.title : doc_.body;
      const std::uint32_t base = in_title ? 0 : body_start_;
      MatchSpan span{in_title ? MatchSpan::Field::kTitle : MatchSpan::Field::kBody, tokens[o.first - base].begin,
                     tokens[o.last - base].end};
      std::string words(text.substr(span.begin, span.end - span.begin));
      if (std::ranges::find(hit.matched, words) == hit.matched.end()) hit.matched.push_back(std::move(words));
      hit.spans.push_back(span);
    }
    if (!hit.spans.empty()) {
      const MatchSpan& first = hit.spans.front();
      const bool in_title = first.field == MatchSpan::Field::kTitle;
      // Sentence breaks once per field, only for articles that hit.
      auto& breaks = in_title ? title_breaks_ : body_breaks_;
      if (!breaks) breaks = sentence_breaks(in_title ? doc_.title : doc_.body);
      hit.snippet = snippet_around(in_title ? doc_.title : doc_.body, *breaks, first.begin, first.end);
    }
    return hit;
  }

 private:
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

  bool in_field(std::uint32_t pos, Field field) const {
    return field == Field::kAny || (field == Field::kTitle) == (pos < body_start_);
  }

  bool occurrences(const Node& n, std::vector<Occurrence>* out) const {
    const bool phrase = n.kind == Node::Kind::kPhrase;
    const std::uint32_t length = phrase ? n.count : 1;
    auto word_at = [&](std::uint32_t i) { return phrase ? impl_.phrase_words[n.first + i] : n.first; };
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
  mutable std::optional<std::vector<std::size_t>> title_breaks_;
  mutable std::optional<std::vector<std::size_t>> body_breaks_;
};

}  // namespace

Result<std::shared_ptr<const Matcher>> Matcher::compile(std::span<const Watchlist> watchlists) {
  auto impl = std::make_unique<Impl>();
  Compiler compiler(*impl);
  std::string errors;
  for (const Watchlist& list : watchlists) {
    for (const Rule& rule : list.rules) {
      SourcePos pos = rule.query_pos;
      if (pos.file.empty()) pos.file = list.file;
      auto query = parse_query(rule.query, pos);
      if (!query) {
        if (!errors.empty()) errors += '\n';
        errors += query.error().message;
        continue;
      }
      if (errors.empty()) compiler.add_rule(list, rule, *query);
    }
  }
  if (!errors.empty()) return fail(Errc::kInvalid, std::move(errors));
  compiler.finish();
  return std::make_shared<const Matcher>(std::move(impl));
}

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

std::size_t Matcher::rule_count() const { return impl_->rules.size(); }

std::vector<Hit> Matcher::match(const Document& doc) const {
  std::vector<Hit> hits;
  if (impl_->rules.empty()) return hits;
  const Article article(*impl_, doc);
  for (std::uint32_t r : article.candidates()) {
    if (impl_->restricted[r] && !article.allowed(impl_->rules[r])) continue;
    if (!article.eval(impl_->roots[r], nullptr)) continue;
    std::vector<Occurrence> found;
    article.eval(impl_->roots[r], &found);
    hits.push_back(article.make_hit(impl_->rules[r], std::move(found)));
  }
  return hits;
}

}  // namespace nw
