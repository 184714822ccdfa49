// The rule matcher: all rules of all watchlists compiled into one immutable
// snapshot that is matched against normalized article text. A compiled Matcher
// is read-only, so any number of threads may call match() at once; a reload
// compiles a new one and swaps the shared_ptr.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"
#include "filters/normalize.h"
#include "filters/watchlist.h"

namespace nw {

struct Document {
  std::string_view title;
  std::string_view body;
  std::string_view source;    // source id, for `source:` and per-rule sources
  std::string_view language;  // for `lang:` and per-rule languages; may be empty
};

struct MatchSpan {
  enum class Field { kTitle, kBody };
  Field field = Field::kBody;
  std::size_t begin = 0;  // byte offsets into the original field text
  std::size_t end = 0;
};

struct Hit {
  std::string watchlist;
  std::string rule;
  std::string severity;  // the rule's, copied into its alerts
  std::vector<std::string> tags;
  std::vector<std::string>
      matched;  // the words as they appear in the article, first occurrence order, each once
  std::vector<MatchSpan> spans;
  std::string snippet;            // the sentence around the first match
  bool once_per_story = false;    // the rule's: alerts for the first article of a story only
  std::uint32_t min_sources = 0;  // the rule's (filters/watchlist.h)
  std::chrono::seconds within{0};
};

class Matcher {
 public:
  // Compiles every rule. On failure the message has one entry per bad rule:
  // "file:line:col: message", the query line, and a caret under the bad token.
  [[nodiscard]] static Result<std::shared_ptr<const Matcher>> compile(
      std::span<const Watchlist> watchlists);

  ~Matcher();
  std::vector<Hit> match(const Document& doc) const;
  // Same, and hands back the body's tokens (tokenize(doc.body)): a caller that
  // needs them too (the story signature) does not tokenize the text twice.
  std::vector<Hit> match(const Document& doc, std::vector<Token>& body_tokens) const;
  std::size_t rule_count() const;

  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nw
