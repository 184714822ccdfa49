// The watchlist query language: parses a rule's query into an AST that the
// matcher compiles. Grammar, loosest binding first:
//   query := or;  or := and (OR and)*;  and := unary ([AND] unary)*;
//   unary := NOT unary | primary;  primary := [field:](word | word* | "phrase" | ( or ))
// with field = title | body. Operators are upper-case only ("and" is a word).
// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/error.h"
#include "filters/watchlist.h"

namespace nw {

struct QueryNode {
  enum class Kind { kTerm, kPhrase, kAnd, kOr, kNot };
  enum class Field { kAny, kTitle, kBody };

  Kind kind = Kind::kTerm;
  // kTerm, kPhrase: the text as written (a phrase without its quotes, a term
  // without its field: prefix) and its normalized words. A term the tokenizer
  // splits ("al-Sisi", "Obama's") has several words and matches as a phrase.
  std::string text;
  std::vector<std::string> words;      // carrier-form keys (see filters/normalize.h)
  std::vector<std::string> bare_words; // bare-hamza forms, "" where same as the key
  Field field = Field::kAny;
  bool prefix = false;     // written word*: the last word matches any word it begins
  std::size_t offset = 0;  // byte offset of the node's first character in the query
  std::vector<QueryNode> children;  // kAnd, kOr: two or more; kNot: one
};

// Parses and checks `query`. On error (Errc::kInvalid) the message is
//   "FILE:LINE:COL: what is wrong\n    the query line\n    ^"
// with the position computed from `pos`, where the query's first character
// stands in its file. A query must have a positive term to look for: `NOT x`
// alone, or an OR with a purely negative branch, is rejected.
[[nodiscard]] Result<QueryNode> parse_query(std::string_view query, const SourcePos& pos);

// The AST as an s-expression, for tests and debugging:
// (AND haftar (OR cairo "al sisi") (NOT title:egypt))
std::string to_string(const QueryNode& node);

}  // namespace nw
