// Internal to filters/query*.cc: a parse error as the positioned message the
// user sees ("file:line:col: what\n    line\n    ^"), the positive-term check
// with its explanation, and field names as written. Pure functions, safe from
// any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "filters/query.h"
#include "filters/watchlist.h"

namespace nw::query_internal {

struct ParseError {
  std::size_t offset = 0;  // byte offset in the query
  std::string message;
};

// The message for `e` in `query`, whose first character stands at `pos` in its file.
std::string format_error(std::string_view query, const SourcePos& pos, const ParseError& e);

// Whether `n` requires some word to be present, so the matcher has an anchor.
bool has_positive(const QueryNode& n);
// The first place where a query without a positive term lacks one, and why.
ParseError explain_no_positive(const QueryNode& n);

// When `word` (unquoted, as lexed) starts with a field the query language does
// not have ("site:bbc.com", "Title:x", "tilte:x"), the error for it, with the
// field meant where a guess is possible and the list of fields; else nullopt.
// A URL ("https://...") and a word with no letters before ':' ("10:30") pass.
std::optional<std::string> unknown_field(std::string_view word);

// "title:", "body:", "source:", "lang:"; "" for kAny.
std::string_view field_name(QueryNode::Field f);

}  // namespace nw::query_internal
