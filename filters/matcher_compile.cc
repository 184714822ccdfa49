// Compiling rules into the Matcher snapshot. Every distinct query word (with
// its hamza forms, its accent-folded form for fold_accents rules and, unless
// exact, its Arabic proclitic variants) becomes a key in one hash dictionary
// pointing at a word id. Each rule is stored under an anchor set: features
// (words, or pairs of adjacent words for phrases) of which one must fire for
// the rule to match, chosen to be rare so that common words ("said", "في",
// "الرئيس") do not wake thousands of rules; its other required sets are
// checked against the fired features before the rule is evaluated.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "filters/matcher_impl.h"
#include "filters/matcher_proclitics.h"
#include "filters/normalize.h"

namespace nw {
namespace {

using Field = QueryNode::Field;

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The most frequent words of Arabic and English news (function words and
// the commonest nouns and verbs of political reporting). A rule is never
// anchored on one of these when it has a rarer required word.
constexpr std::string_view kCommonWords[] = {
    // Arabic
    "في",
    "من",
    "على",
    "إلى",
    "الى",
    "عن",
    "مع",
    "أن",
    "ان",
    "إن",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "كان",
    "كانت",
    "يكون",
    "قال",
    "قالت",
    "وقال",
    "أكد",
    "وأكد",
    "أضاف",
    "وأضاف",
    "بين",
    "بعد",
    "قبل",
    "حتى",
    "أو",
    "ثم",
    "كل",
    "لم",
    "لن",
    "لا",
    "ما",
    "هو",
    "هي",
    "هم",
    "نحن",
    "أنه",
    "انه",
    "عند",
    "خلال",
    "حول",
    "منذ",
    "ضد",
    "عبر",
    "غير",
    "أي",
    "قد",
    "وقد",
    "لقد",
    "كما",
    "بعض",
    "أمام",
    "اليوم",
    "العام",
    "عام",
    "يوم",
    "الرئيس",
    "رئيس",
    "الحكومة",
    "حكومة",
    "وزير",
    "وزارة",
    "مصادر",
    "مصدر",
    "أكثر",
    "أول",
    "دولة",
    "الدولة",
    "البلاد",
    "الوطني",
    "الوطنية",
    "العربية",
    "العربي",
    "الدولي",
    "الدولية",
    "المتحدة",
    "الأمن",
    "القوات",
    "مجلس",
    "حيث",
    "إذا",
    "لكن",
    "ولكن",
    "أيضا",
    "فقط",
    "عليه",
    "عليها",
    "فيه",
    "فيها",
    "منه",
    "منها",
    "له",
    "لها",
    "لهم",
    "به",
    "بها",
    "تم",
    "يتم",
    "وفق",
    "وفقا",
    "نحو",
    "لدى",
    "أمس",
    "الأول",
    "الثاني",
    "الماضي",
    "المقبل",
    "الجديد",
    "العسكرية",
    "السياسية",
    "الأزمة",
    "الوضع",
    "الأوضاع",
    "المنطقة",
    "الشعب",
    "الحرب",
    "الجيش",
    "مصر",
    "ليبيا",
    "العاصمة",
    "الخارجية",
    "الداخلية",
    "خاصة",
    "بشكل",
    "إطار",
    "ظل",
    "سنة",
    "شهر",
    // English
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "was",
    "for",
    "on",
    "that",
    "with",
    "as",
    "by",
    "at",
    "from",
    "it",
    "be",
    "has",
    "have",
    "had",
    "said",
    "says",
    "are",
    "were",
    "will",
    "would",
    "not",
    "but",
    "this",
    "which",
    "an",
    "or",
    "its",
    "his",
    "her",
    "their",
    "they",
    "he",
    "she",
    "we",
    "after",
    "over",
    "about",
    "more",
    "new",
    "than",
    "who",
    "also",
    "been",
    "one",
    "two",
    "first",
    "year",
    "years",
    "government",
    "president",
    "minister",
    "people",
    "state",
    "police",
    "officials",
    "told",
    "percent",
    "last",
    "there",
    "into",
    "up",
    "out",
    "could",
    "other",
    "some",
    "all",
    "when",
    "what",
    "while",
    "against",
    "country",
    "security",
    "military",
    "forces",
    "war",
    "news",
    "week",
    "time",
    "world",
    "national",
    "international",
    "united",
    "minister",
    "reuters",
    "according",
    "official",
    "two",
    "three",
    "since",
    "before",
    "during",
    "under",
};

const std::unordered_set<std::string>& common_words() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    for (std::string_view w : kCommonWords) {
      std::string key = normalize_term(w);
      if (key.starts_with("ال") && key.size() > 6) out.insert(key.substr(4));  // "ال" is 4 bytes
      out.insert(std::move(key));
    }
    return out;
  }();
  return words;
}

// Frees a container's memory (`c = {}` or clear() keeps its capacity).
template <class C>
void release(C& c) {
  C().swap(c);
}

// Word identities (key, bare form and how the word matches) to word ids: a
// flat open-addressing table over one arena of identities, as a million rules
// intern over a million words and a node per word costs a cache miss each.
class WordIds {
 public:
  // The id of `identity`, inserted as `next` when new: (id, inserted).
  std::pair<std::uint32_t, bool> insert(std::string_view identity, std::uint32_t next) {
    if ((ends_.size() + 1) * 2 > slots_.size()) grow();
    const std::uint64_t h = KeyDictionary::hash(identity);
    std::size_t i = slot(h);
    for (; slots_[i] != 0; i = (i + 1) & mask_) {
      const auto id = static_cast<std::uint32_t>(slots_[i]) - 1;
      if ((slots_[i] >> 32) == (h >> 32) && text(id) == identity) return {id, false};
    }
    slots_[i] = (h >> 32 << 32) | (next + 1);
    arena_ += identity;
    ends_.push_back(static_cast<std::uint32_t>(arena_.size()));
    return {next, true};
  }

 private:
  std::size_t slot(std::uint64_t h) const {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return static_cast<std::size_t>(h) & mask_;
  }
  std::string_view text(std::uint32_t id) const {
    const std::size_t begin = id == 0 ? 0 : ends_[id - 1];
    return std::string_view(arena_).substr(begin, ends_[id] - begin);
  }
  void grow() {
    const std::size_t capacity = std::max<std::size_t>(1024, slots_.size() * 2);
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    for (std::uint32_t id = 0; id < ends_.size(); ++id) {
      const std::uint64_t h = KeyDictionary::hash(text(id));
      std::size_t i = slot(h);
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = (h >> 32 << 32) | (id + 1);
    }
  }

  // The high half of the identity's hash, then id + 1; 0 = empty.
  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::string arena_;
  std::vector<std::uint32_t> ends_;  // per id: where its identity ends in arena_
};

class Compiler {
 public:
  explicit Compiler(Matcher::Impl& impl) : impl_(impl) {}

  void add_rule(const Watchlist& list, const Rule& rule, const QueryNode& query) {
    rule_exact_ = rule.exact;
    fold_ = rule.fold_accents;
    impl_.fold = impl_.fold || fold_;
    const auto rule_index = static_cast<std::uint32_t>(impl_.rules.size());
    const std::uint32_t root = compile(query);
    impl_.rules.push_back({list.name, rule.id, rule.sources, rule.languages, rule.severity,
                           rule.tags, rule.once_per_story, rule.min_sources, rule.within});
    impl_.roots.push_back(root);
    impl_.restricted.push_back(!rule.sources.empty() || !rule.languages.empty());
    // The rarest required set is the anchor; the next rarest ones are
    // checked before the rule is evaluated.
    std::vector<AnchorSet> sets = required(root);
    for (AnchorSet& set : sets) {
      std::ranges::sort(set.features);
      set.features.erase(std::unique(set.features.begin(), set.features.end()), set.features.end());
    }
    std::ranges::stable_sort(sets, {}, &AnchorSet::cost);
    check_begin_.push_back(static_cast<std::uint32_t>(checks_.size()));
    if (sets.empty()) {
      impl_.unanchored.push_back(rule_index);
      return;
    }
    for (std::uint32_t f : sets[0].features) anchors_.emplace_back(f, rule_index);
    std::size_t checked = 0;
    for (std::size_t i = 1; i < sets.size() && checked < kMaxChecks; ++i) {
      const auto same = [&](const AnchorSet& s) { return s.features == sets[i].features; };
      if (std::any_of(sets.begin(), sets.begin() + static_cast<std::ptrdiff_t>(i), same)) continue;
      checks_.push_back(static_cast<std::uint32_t>(sets[i].features.size()));
      checks_.insert(checks_.end(), sets[i].features.begin(), sets[i].features.end());
      ++checked;
    }
  }

  // What only compiling needs is freed as soon as it is no longer read, so
  // that the peak of a compile beside a running matcher (a reload) stays
  // near what the new one keeps.
  void finish() {
    // Bigram features are numbered after the words, now that every word has an id.
    const auto words = static_cast<std::uint32_t>(words_.size());
    // Moved out, not assigned from an empty one: a string assigned "" keeps its buffer.
    std::exchange(word_ids_, WordIds());
    release(words_);
    release(bigram_ids_);
    checks_.shrink_to_fit();
    impl_.nodes.shrink_to_fit();
    impl_.child_ids.shrink_to_fit();
    impl_.phrase_words.shrink_to_fit();
    impl_.dictionary = KeyDictionary(std::move(builder_));
    impl_.prefixes = KeyDictionary(std::move(prefix_builder_));
    impl_.fuzzy = KeyDictionary(std::move(fuzzy_builder_));
    impl_.word_count = words;
    impl_.feature_count = words + static_cast<std::uint32_t>(bigram_pairs_.size());
    auto feature = [&](std::uint32_t f) { return f & kBigram ? words + (f & ~kBigram) : f; };
    impl_.starts_bigram.assign(words, 0);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs;
    pairs.reserve(bigram_pairs_.size());
    for (std::uint32_t i = 0; i < bigram_pairs_.size(); ++i) {
      const auto [a, b] = bigram_pairs_[i];
      impl_.starts_bigram[a] = 1;
      pairs.emplace_back(PairTable::key(a, b), words + i);
    }
    impl_.bigrams = PairTable(pairs);
    release(pairs);
    release(bigram_pairs_);
    for (auto& [f, rule] : anchors_) f = feature(f);
    std::ranges::sort(anchors_);
    anchors_.erase(std::unique(anchors_.begin(), anchors_.end()), anchors_.end());
    impl_.anchor_begin.assign(impl_.feature_count + 1, 0);
    for (const auto& [f, rule] : anchors_) ++impl_.anchor_begin[f + 1];
    for (std::size_t i = 1; i < impl_.anchor_begin.size(); ++i)
      impl_.anchor_begin[i] += impl_.anchor_begin[i - 1];
    // Rewrite the checks' features in place (sizes stay as they are) and
    // find each rule's gate: its first (rarest) check of at most two features.
    check_begin_.push_back(static_cast<std::uint32_t>(checks_.size()));
    using Anchored = Matcher::Impl::Anchored;
    std::vector<Anchored> gates(impl_.rules.size(),
                                {0, Matcher::Impl::kNoGate, Matcher::Impl::kNoGate});
    for (std::size_t r = 0; r + 1 < check_begin_.size(); ++r) {
      std::size_t sets = 0;
      for (std::uint32_t i = check_begin_[r]; i < check_begin_[r + 1]; i += checks_[i] + 1) {
        for (std::uint32_t j = i + 1; j <= i + checks_[i]; ++j) checks_[j] = feature(checks_[j]);
        ++sets;
        if (checks_[i] <= 2 && gates[r].gate == Matcher::Impl::kNoGate) {
          gates[r].gate = checks_[i + 1];
          gates[r].gate2 = checks_[i + checks_[i]];
        }
      }
      const bool gated = gates[r].gate != Matcher::Impl::kNoGate;
      if (sets > (gated ? 1 : 0)) gates[r].rule = Matcher::Impl::kMoreChecks;
    }
    impl_.anchor_rules.reserve(anchors_.size());
    for (const auto& [f, rule] : anchors_)
      impl_.anchor_rules.push_back({rule | gates[rule].rule, gates[rule].gate, gates[rule].gate2});
    release(anchors_);
    release(gates);
    impl_.check_begin = std::move(check_begin_);
    impl_.checks = std::move(checks_);
  }

  // Room for `rules` rules, so that the per-rule vectors are not grown by doubling.
  void reserve(std::size_t rules) {
    impl_.rules.reserve(rules);
    impl_.roots.reserve(rules);
    impl_.restricted.reserve(rules);
    check_begin_.reserve(rules + 1);
  }

 private:
  struct WordInfo {
    std::uint32_t weight = 1;  // estimated chance of firing in an article, relative
  };

  std::uint32_t add_node(Node n) {
    impl_.nodes.push_back(n);
    return static_cast<std::uint32_t>(impl_.nodes.size() - 1);
  }

  std::uint32_t compile(const QueryNode& q) {
    switch (q.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        const bool exact = rule_exact_ || q.exact;
        capital_ = !q.text.empty() && q.text[0] >= 'A' && q.text[0] <= 'Z';
        const std::size_t last = q.words.size() - 1;
        if (last == 0) {
          return add_node({.kind = Node::Kind::kWord,
                           .field = q.field,
                           .first = intern(q.words[0], q.bare_words[0], q.prefix, exact, q.fuzzy),
                           .count = 1});
        }
        const auto first = static_cast<std::uint32_t>(impl_.phrase_words.size());
        for (std::size_t i = 0; i <= last; ++i) {
          impl_.phrase_words.push_back(
              intern(q.words[i], q.bare_words[i], q.prefix && i == last, exact, false));
        }
        return add_node({.kind = Node::Kind::kPhrase,
                         .field = q.field,
                         .first = first,
                         .count = static_cast<std::uint32_t>(q.words.size())});
      }
      case QueryNode::Kind::kMeta:
        impl_.meta_values.push_back(q.text);
        return add_node({.kind = Node::Kind::kMeta,
                         .field = q.field,
                         .first = static_cast<std::uint32_t>(impl_.meta_values.size() - 1),
                         .count = 1});
      case QueryNode::Kind::kAnd:
      case QueryNode::Kind::kOr:
      case QueryNode::Kind::kNot:
      case QueryNode::Kind::kNear: {
        std::vector<std::uint32_t> children;
        for (const auto& c : q.children) children.push_back(compile(c));
        const auto first = static_cast<std::uint32_t>(impl_.child_ids.size());
        impl_.child_ids.insert(impl_.child_ids.end(), children.begin(), children.end());
        const auto kind = q.kind == QueryNode::Kind::kAnd   ? Node::Kind::kAnd
                          : q.kind == QueryNode::Kind::kOr  ? Node::Kind::kOr
                          : q.kind == QueryNode::Kind::kNot ? Node::Kind::kNot
                                                            : Node::Kind::kNear;
        return add_node({.kind = kind,
                         .field = Field::kAny,
                         .ordered = q.ordered,
                         .distance = static_cast<std::uint16_t>(q.distance),
                         .first = first,
                         .count = static_cast<std::uint32_t>(children.size())});
      }
    }
    return 0;
  }

  // One id per distinct word and way of matching it, shared by all rules.
  std::uint32_t intern(const std::string& key, const std::string& bare, bool prefix, bool exact,
                       bool fuzzy) {
    std::string& identity = identity_;
    identity.assign(key);
    identity += '\x1f';
    identity += bare;
    if (exact) identity += "\x1f=";
    if (prefix) identity += "\x1f*";
    if (fuzzy) identity += "\x1f~";
    if (fold_) identity += "\x1f^";
    auto [id, inserted] = word_ids_.insert(identity, static_cast<std::uint32_t>(words_.size()));
    if (!inserted) return id;
    words_.push_back({weight(key, prefix, exact, fuzzy, capital_)});
    KeyDictionary::Builder& builder = prefix ? prefix_builder_ : builder_;
    auto add_key = [&](std::string_view k, std::uint8_t via, std::uint8_t stem_via = 0) {
      builder.add(k, {id, via, stem_via});
      if (!prefix) return;
      impl_.longest_prefix = std::max(impl_.longest_prefix, k.size());
      if (k.size() < 64) impl_.prefix_lengths |= std::uint64_t{1} << k.size();
    };
    // Without a seated hamza both forms are the key itself.
    const std::uint8_t via_key =
        (bare.empty() ? kViaCarrier | kViaBare : kViaCarrier) | (fold_ ? kViaFolded : 0);
    // A plain word's proclitic variants are found from the token at match
    // time (filters/matcher_proclitics.h), not stored; a prefix term's are
    // stored, as the token's prefixes are what is looked up.
    const bool stems = !exact && !prefix;
    add_key(key, via_key, stems && takes_proclitics(key) ? via_key : 0);
    if (fold_) {
      if (std::string folded = fold_accents(key); !folded.empty())
        add_key(folded, via_key | kViaFolded);
    }
    if (!bare.empty()) add_key(bare, kViaBare, stems && takes_proclitics(bare) ? kViaBare : 0);
    std::vector<std::string> spellings{key};
    if (!bare.empty()) spellings.push_back(bare);
    if (!exact && (prefix || fuzzy)) {
      for (auto& v : proclitic_variants(key)) {
        if (prefix) add_key(v, via_key);
        if (fuzzy) spellings.push_back(std::move(v));
      }
      if (!bare.empty()) {
        for (auto& v : proclitic_variants(bare)) {
          if (prefix) add_key(v, kViaBare);
          if (fuzzy) spellings.push_back(std::move(v));
        }
      }
    }
    if (fuzzy) {
      if (fold_) {
        if (std::string folded = fold_accents(key); !folded.empty())
          spellings.push_back(std::move(folded));
      }
      for (auto& s : spellings) {
        const auto target = static_cast<std::uint32_t>(impl_.fuzzy_targets.size());
        fuzzy_builder_.add(s, {target, 0});
        for (const auto& d : one_deletions(s)) fuzzy_builder_.add(d, {target, 0});
        impl_.fuzzy_targets.push_back({id, std::move(s)});
      }
    }
    return id;
  }

  // A relative estimate of how often a word fires in a news article: common
  // words most, then by length; prefixes, fuzzy words and Arabic words with
  // proclitic variants fire through more spellings.
  static std::uint32_t weight(const std::string& key, bool prefix, bool exact, bool fuzzy,
                              bool capital) {
    if (!prefix && common_words().contains(key)) return 1 << 16;
    static constexpr std::array<std::uint32_t, 9> kByLength = {1024, 1024, 512, 256, 128,
                                                               64,   48,   32,  24};
    const std::size_t n = code_points(key);
    std::uint32_t w = n < kByLength.size() ? kByLength[n] : 16;
    if (capital) w /= 8;  // written as a name: Haftar, NATO
    if (prefix) w *= 8;
    if (fuzzy) w *= 2;
    if (!exact && is_arabic_key(key)) w *= 2;
    return w;
  }

  // Until finish(), a feature is a word id or kBigram | bigram index.
  static constexpr std::uint32_t kBigram = 0x80000000;

  struct AnchorSet {
    std::vector<std::uint32_t> features;
    std::uint64_t cost = 0;  // summed weights
  };

  // The feature of the words `a` `b` side by side, with its weight: rarer
  // than either word alone.
  AnchorSet bigram(std::uint32_t a, std::uint32_t b) {
    const std::uint64_t w =
        std::max<std::uint64_t>(1, std::min(words_[a].weight, words_[b].weight) / 16);
    auto [it, inserted] = bigram_ids_.try_emplace(PairTable::key(a, b),
                                                  static_cast<std::uint32_t>(bigram_pairs_.size()));
    if (inserted) bigram_pairs_.emplace_back(a, b);
    return {{kBigram | it->second}, w};
  }

  // Sets of features of which at least one fires whenever the node matches,
  // one set per required part; empty when nothing is required (a NOT,
  // source:, lang:, or an OR with such a branch).
  std::vector<AnchorSet> required(std::uint32_t index) {
    const Node& n = impl_.nodes[index];
    const bool inner =
        n.kind == Node::Kind::kAnd || n.kind == Node::Kind::kOr || n.kind == Node::Kind::kNear;
    // Only inner nodes index child_ids (a word's `first` is its word id).
    auto children = inner ? std::span(impl_.child_ids).subspan(n.first, n.count)
                          : std::span<const std::uint32_t>();
    switch (n.kind) {
      case Node::Kind::kWord:
        return {{{n.first}, words_[n.first].weight}};
      case Node::Kind::kPhrase: {  // every pair of adjacent words is required
        std::vector<AnchorSet> out;
        const auto words = std::span(impl_.phrase_words).subspan(n.first, n.count);
        for (std::size_t i = 0; i + 1 < words.size(); ++i) {
          AnchorSet pair = bigram(words[i], words[i + 1]);
          if (std::ranges::none_of(
                  out, [&](const AnchorSet& a) { return a.features == pair.features; })) {
            out.push_back(std::move(pair));
          }
        }
        return out;
      }
      case Node::Kind::kNot:
      case Node::Kind::kMeta:
        return {};
      case Node::Kind::kAnd:
      case Node::Kind::kNear: {  // every child is required
        std::vector<AnchorSet> out;
        for (std::uint32_t c : children) {
          for (auto& set : required(c)) out.push_back(std::move(set));
        }
        return out;
      }
      case Node::Kind::kOr: {  // one alternative fires: the union of each one's rarest set
        AnchorSet all;
        for (std::uint32_t c : children) {
          auto sets = required(c);
          if (sets.empty()) return {};
          auto best = std::ranges::min_element(sets, {}, &AnchorSet::cost);
          all.features.insert(all.features.end(), best->features.begin(), best->features.end());
          all.cost += best->cost;
        }
        return {std::move(all)};
      }
    }
    return {};
  }

  Matcher::Impl& impl_;
  bool rule_exact_ = false;
  bool fold_ = false;
  bool capital_ = false;  // the term being compiled starts with an ASCII capital
  KeyDictionary::Builder builder_;
  KeyDictionary::Builder prefix_builder_;
  KeyDictionary::Builder fuzzy_builder_;
  std::string identity_;  // intern()'s scratch
  WordIds word_ids_;
  std::vector<WordInfo> words_;
  std::unordered_map<std::uint64_t, std::uint32_t> bigram_ids_;  // PairTable::key → bigram index
  std::vector<std::pair<std::uint32_t, std::uint32_t>> bigram_pairs_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> anchors_;  // (feature, rule)
  std::vector<std::uint32_t> check_begin_;                        // per rule, into checks_
  std::vector<std::uint32_t> checks_;
};

// Code point boundaries of `s`, including 0 and s.size().
template <std::size_t N>
std::size_t boundaries(std::string_view s, std::array<std::size_t, N>& out) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size() && n < N - 1; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out[n++] = i;
  }
  out[n++] = s.size();
  return n;
}

}  // namespace

PairTable::PairTable(std::span<const std::pair<std::uint64_t, std::uint32_t>> entries) {
  if (entries.empty()) return;
  std::size_t capacity = 16;
  while (capacity < entries.size() * 2) capacity *= 2;
  keys_.assign(capacity, kEmpty);
  values_.assign(capacity, kMissing);
  mask_ = capacity - 1;
  for (const auto& [k, v] : entries) {
    std::size_t i = slot(k);
    while (keys_[i] != kEmpty) i = (i + 1) & mask_;
    keys_[i] = k;
    values_[i] = v;
  }
}

std::vector<std::string> one_deletions(std::string_view s) {
  std::vector<std::string> out;
  std::array<std::size_t, 129> at{};
  const std::size_t n = boundaries(s, at);
  out.reserve(n);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    std::string d(s.substr(0, at[i]));
    d += s.substr(at[i + 1]);
    if (out.empty() || out.back() != d) out.push_back(std::move(d));  // "aab": drop either a, once
  }
  return out;
}

bool within_one_edit(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (a.size() > b.size()) std::swap(a, b);
  // Strip the common prefix and suffix (on code point boundaries); what is
  // left must be at most one code point on each side.
  std::size_t p = 0;
  while (p < a.size() && a[p] == b[p]) ++p;
  while (p > 0 && p < a.size() && (static_cast<unsigned char>(a[p]) & 0xC0) == 0x80) --p;
  while (p > 0 && p < b.size() && (static_cast<unsigned char>(b[p]) & 0xC0) == 0x80) --p;
  std::size_t s = 0;
  while (s < a.size() - p && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  // Back off to a code point start in both strings.
  while (s > 0 && ((static_cast<unsigned char>(a[a.size() - s]) & 0xC0) == 0x80 ||
                   (static_cast<unsigned char>(b[b.size() - s]) & 0xC0) == 0x80)) {
    --s;
  }
  const std::string_view ra = a.substr(p, a.size() - p - s), rb = b.substr(p, b.size() - p - s);
  return code_points(ra) <= 1 && code_points(rb) <= 1;
}

void compile_rules(std::span<const Watchlist> watchlists, Matcher::Impl& impl,
                   std::string& errors) {
  Compiler compiler(impl);
  std::size_t rules = 0;
  for (const Watchlist& list : watchlists) rules += list.rules.size();
  compiler.reserve(rules);
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
  if (errors.empty()) compiler.finish();
}

}  // namespace nw
