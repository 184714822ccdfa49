// Watchlists as written by the user: plain data filled in by config/ from TOML
// files and compiled by filters/matcher.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nw {

// Where a piece of text stands in a file, to point error messages at it.
// line and column are 1-based; column counts Unicode code points.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Rule {
  std::string id;
  std::string query;
  SourcePos query_pos;               // position of the query's first character (inside the quotes)
  std::vector<std::string> sources;  // only these source ids; empty = all
  std::vector<std::string> languages;  // only these languages; empty = all
  std::string severity;
  std::vector<std::string> tags;
  bool exact = false;         // no proclitic variants for any term
  bool fold_accents = false;  // Latin accents ignored on both sides: etat matches État
  // Alerts only for the first article of a story (filters/story.h); later
  // copies are recorded but not published.
  bool once_per_story = false;
  // Alerts once per story, for the first matching article of a story that has
  // reached min_sources distinct sources within `within` of its first article;
  // earlier hits are recorded, held, not published. 0: no such threshold.
  std::uint32_t min_sources = 0;
  std::chrono::seconds within{0};
  // When a reload adds the rule, it is also run over the articles kept in this
  // last stretch of time (the daemon's keep_articles archive).
  std::optional<std::chrono::seconds> lookback;
};

struct Watchlist {
  std::string name;
  std::string file;
  std::vector<Rule> rules;
};

}  // namespace nw
