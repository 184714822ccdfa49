// Internal to filters/matcher*.cc: the compiled snapshot behind a Matcher and
// the helpers its compiler (matcher_compile.cc) and evaluator (matcher.cc)
// share. Immutable once compiled; read from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filters/key_dictionary.h"
#include "filters/matcher.h"
#include "filters/query.h"

namespace nw {

// How a dictionary entry may be reached from a token beyond kViaCarrier and
// kViaBare: through the token's accent-folded key (rules with fold_accents).
inline constexpr std::uint8_t kViaFolded = 4;
// Required sets checked per rule beyond its anchor set (the rarest first).
inline constexpr std::size_t kMaxChecks = 4;

// An immutable open-addressing map from a pair of 32-bit ids to a 32-bit value.
class PairTable {
 public:
  PairTable() = default;
  explicit PairTable(
      std::span<const std::pair<std::uint64_t, std::uint32_t>> entries);  // distinct keys
  static std::uint64_t key(std::uint32_t a, std::uint32_t b) { return std::uint64_t{a} << 32 | b; }
  // The value of `k`, or kMissing.
  std::uint32_t find(std::uint64_t k) const {
    if (keys_.empty()) return kMissing;
    for (std::size_t i = slot(k);; i = (i + 1) & mask_) {
      if (keys_[i] == k) return values_[i];
      if (keys_[i] == kEmpty) return kMissing;
    }
  }
  static constexpr std::uint32_t kMissing = 0xFFFFFFFF;

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // ids are below 2^32 - 1
  std::size_t slot(std::uint64_t k) const {
    const std::uint64_t h = k * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> 32 ^ h) & mask_;
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t mask_ = 0;
};

// A compiled query node. kWord: `first` is the word id. kPhrase: words
// phrase_words[first, first+count). kAnd/kOr/kNot/kNear: children
// child_ids[first, first+count). kMeta: meta_values[first], field kSource or kLang.
struct Node {
  enum class Kind : std::uint8_t { kWord, kPhrase, kAnd, kOr, kNot, kNear, kMeta };
  Kind kind = Kind::kWord;
  QueryNode::Field field = QueryNode::Field::kAny;
  bool ordered = false;        // kNear: ONEAR
  std::uint16_t distance = 0;  // kNear
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct CompiledRule {
  std::string watchlist;
  std::string id;
  std::vector<std::string> sources;
  std::vector<std::string> languages;
  std::string severity;  // copied into every Hit of the rule
  std::vector<std::string> tags;
  bool once_per_story = false;    // copied into every Hit of the rule
  std::uint32_t min_sources = 0;  // likewise
  std::chrono::seconds within{0};
};

// A word~1 reaches its word through any of its spellings (key, bare form,
// proclitic variants); the fuzzy dictionary maps each one-deletion of each
// spelling to the spelling, which is then checked at edit distance <= 1.
struct FuzzyTarget {
  std::uint32_t word = 0;
  std::string spelling;
};

struct Matcher::Impl {
  KeyDictionary dictionary;
  KeyDictionary prefixes;            // word* terms, probed with each prefix of a token
  std::uint64_t prefix_lengths = 0;  // bit b: some prefix key is b bytes long (b < 64)
  std::size_t longest_prefix = 0;    // bytes; 0 when there is no word* term
  KeyDictionary fuzzy;               // DictEntry::word indexes fuzzy_targets
  std::vector<FuzzyTarget> fuzzy_targets;
  bool fold = false;  // some rule folds accents: tokens need their folded key
  std::vector<Node> nodes;
  std::vector<std::uint32_t> child_ids;
  std::vector<std::uint32_t> phrase_words;
  std::vector<std::string> meta_values;
  std::vector<CompiledRule> rules;
  // Hot per-rule data kept apart from the metadata, for cache locality:
  // root node, and whether sources/languages restrict the rule.
  std::vector<std::uint32_t> roots;
  std::vector<std::uint8_t> restricted;
  // Features are what fires in an article: word ids [0, word_count) and
  // adjacent word pairs ("bigrams", ids [word_count, feature_count)), which
  // fire where their first word fires at some position and their second at
  // the next. A phrase requires each of its bigrams.
  std::uint32_t word_count = 0;
  std::uint32_t feature_count = 0;
  std::vector<std::uint8_t> starts_bigram;  // per word: first word of some bigram
  PairTable bigrams;                        // (first word, second word) → feature
  // Every rule is stored under one anchor set (its rarest required set of
  // features, one of which fires whenever the rule matches): feature → rules,
  // CSR. Its other required sets are checks: the rule is a candidate only
  // when each has a fired feature. checks[check_begin[r], check_begin[r+1])
  // holds rule r's sets, each as its size followed by its features.
  // Each entry carries a gate: the rule's first check of one or two features
  // (`gate`, `gate2`; the same twice for one; kNoGate when the rule has no
  // such check), tested in the posting itself, as most rules woken by a
  // common anchor fail there and reading a rule's checks is a cache miss per
  // rule. `rule` has kMoreChecks set when the rule has checks besides its
  // gate; without it a rule that passes its gate is a candidate.
  struct Anchored {
    std::uint32_t rule = 0;
    std::uint32_t gate = 0;
    std::uint32_t gate2 = 0;
  };
  static constexpr std::uint32_t kNoGate = 0xFFFFFFFF;
  static constexpr std::uint32_t kMoreChecks = 0x80000000;
  std::vector<std::uint32_t> anchor_begin;
  std::vector<Anchored> anchor_rules;
  std::vector<std::uint32_t> check_begin;
  std::vector<std::uint32_t> checks;
  std::vector<std::uint32_t> unanchored;  // rules with no required set: always evaluated
};

// Adds the rules of `watchlists` to `impl`; the messages of bad rules go to
// `errors` (one per rule, newline-separated) and nothing is added after one.
void compile_rules(std::span<const Watchlist> watchlists, Matcher::Impl& impl, std::string& errors);

// Each string made by deleting one code point of `s`.
std::vector<std::string> one_deletions(std::string_view s);
// Whether `a` becomes `b` by at most one code point inserted, deleted or replaced.
bool within_one_edit(std::string_view a, std::string_view b);

}  // namespace nw
