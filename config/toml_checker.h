// Reading TOML files for config/: parses documents with toml++ and checks their
// tables (known keys, types, required keys), collecting every problem as
// "file:line:col: message" instead of stopping at the first. Columns count
// code points. One checker per load; not thread-safe. Internal to config/.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feeds/error.h"
#include "filters/watchlist.h"

namespace nw {

// `where` arguments name the table in messages: "[daemon]", "[[source]]", or
// "" for the top level of a file.
class TomlChecker {
 public:
  using Keys = std::initializer_list<std::string_view>;

  // Parses `text`, which becomes the current document, shown in messages as
  // `shown`. A syntax error is recorded and gives nullopt.
  std::optional<toml::table> parse(std::string shown, std::string text);
  const std::string& current_file() const { return docs_.back().path; }

  // Records a problem in the current document, or in document `doc` (0 is the
  // first one parsed).
  void problem(toml::source_position pos, std::string message);
  void problem_in(std::size_t doc, toml::source_position pos, std::string message);
  std::size_t problem_count() const { return problems_.size(); }
  // All problems, sorted by document then position, one per line (Errc::kInvalid).
  Error error() const;

  // Reports each key of `t` not in `known`, suggesting the closest known one.
  void check_keys(const toml::table& t, std::string_view where, Keys known);
  // False (and a problem) when `key` is absent.
  bool require(const toml::table& t, std::string_view where, std::string_view key);
  void wrong_type(const toml::node& n, std::string_view key, std::string_view where,
                  std::string_view want);

  // These return nothing when the key is absent; when it is present with a bad
  // type or value they record the problem and return nothing too.
  // T is std::string, bool or std::int64_t.
  template <class T>
  const toml::value<T>* value(const toml::table& t, std::string_view key, std::string_view where);
  std::optional<std::string> one_of(const toml::table& t, std::string_view key,
                                    std::string_view where, Keys options);
  // A duration string ("5m", "1h30m"), at least 1s. A bare number is a
  // problem whose message suggests the string with "s".
  std::optional<std::chrono::seconds> duration(const toml::table& t, std::string_view key,
                                               std::string_view where);
  // An array of strings: the good elements with their nodes (for positions).
  std::vector<std::pair<std::string, const toml::node*>> strings(const toml::table& t,
                                                                 std::string_view key,
                                                                 std::string_view where);
  // A top-level [key] table / [[key]] array of tables.
  const toml::table* section(const toml::table& root, std::string_view key);
  std::vector<const toml::table*> table_array(const toml::table& root, std::string_view key);

  // Positions in the current document.
  SourcePos pos_of(toml::source_position p) const;
  // Where the text of a string value starts: past its opening quotes, and past
  // the newline (and a """ string's line-ending backslash) that TOML trims.
  SourcePos text_start(const toml::node& string_node) const;

 private:
  struct Doc {
    std::string path;  // as shown in messages
    // The current document's raw bytes (toml++ does not say which quotes a
    // string used) and where its lines start; emptied when the next one is parsed.
    std::string text;
    std::vector<std::size_t> line_starts;
  };
  struct Problem {
    std::size_t doc;
    int line;
    int column;
    std::string message;
  };

  std::size_t byte_offset(const Doc& doc, toml::source_position p) const;

  std::vector<Doc> docs_;
  std::vector<Problem> problems_;
};

// "a" → "\"a\"", for values quoted in messages.
std::string in_quotes(std::string_view s);

}  // namespace nw
