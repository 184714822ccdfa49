// The watchlist query language: parses a rule's query into an AST that the
// matcher compiles. Grammar, loosest binding first:
//   query := or;  or := and (OR and)*;  and := unary ([AND] unary)*;
//   unary := NOT unary | near;  near := primary [(NEAR/n | ONEAR/n) primary]
//   primary := [field:](word | =word | word* | word~1 | [=]"phrase" | ( or ))
// with field = title | body | source | lang; any other field:word is an
// error ("site:bbc.com"; quote it to look for the text). Operators are
// upper-case only ("and", "near/3" are words, which query_warnings points
// out). Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"
#include "filters/watchlist.h"

namespace nw {

struct QueryNode {
  // kNear: children[0] NEAR/distance children[1] (either order) or, when
  // `ordered`, ONEAR (children[0] first). Each side is a term, a phrase or an
  // OR of them. kMeta: `source:id` or `lang:code` (field kSource/kLang, the
  // value in `text`); it restricts but is not a word to look for.
  enum class Kind { kTerm, kPhrase, kAnd, kOr, kNot, kNear, kMeta };
  enum class Field { kAny, kTitle, kBody, kSource, kLang };

  Kind kind = Kind::kTerm;
  // kTerm, kPhrase: the text as written (a phrase without its quotes, a term
  // without its field: prefix) and its normalized words. A term the tokenizer
  // splits ("al-Sisi", "Obama's") has several words and matches as a phrase.
  std::string text;
  std::vector<std::string> words;       // carrier-form keys (see filters/normalize.h)
  std::vector<std::string> bare_words;  // bare-hamza forms, "" where same as the key
  Field field = Field::kAny;
  bool prefix = false;              // written word*: the last word matches any word it begins
  bool exact = false;               // written =word or ="phrase": no Arabic proclitic variants
  bool fuzzy = false;               // written word~1: also matches words one edit away
  bool ordered = false;             // kNear: ONEAR
  int distance = 0;                 // kNear: at most this many token positions apart (1 = adjacent)
  std::size_t offset = 0;           // byte offset of the node's first character in the query
  std::vector<QueryNode> children;  // kAnd, kOr: two or more; kNot: one
};

// Parses and checks `query`. On error (Errc::kInvalid) the message is
//   "FILE:LINE:COL: what is wrong\n    the query line\n    ^"
// with the position computed from `pos`, where the query's first character
// stands in its file. A query must have a positive term to look for: `NOT x`
// alone, or an OR with a purely negative branch, is rejected.
[[nodiscard]] Result<QueryNode> parse_query(std::string_view query, const SourcePos& pos);

// What in `query` parses but most likely does not say what the user meant, one
// message per finding, positioned like parse errors:
//   "FILE:LINE:COL: warning: 'and' is looked for as a word (operators are
//   upper-case): did you mean AND? ...\n    the query line\n    ^"
// Today: and, or, not, near/5, onear/5 written in lower (or mixed) case outside
// quotes. Lexes but does not parse (cheap next to compiling: no ICU), so a
// query parse_query rejects may have warnings too; none when it cannot be lexed.
[[nodiscard]] std::vector<std::string> query_warnings(std::string_view query, const SourcePos& pos);

// The AST as an s-expression, for tests and debugging:
// (AND haftar (OR cairo "al sisi") (NOT title:egypt)), (NEAR/3 a b), (ONEAR/2 a b),
// =word, word~1, source:id, lang:ar
std::string to_string(const QueryNode& node);

}  // namespace nw
