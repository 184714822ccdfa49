#include "config/toml_checker.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "config/config.h"
#include "feeds/text.h"

namespace nw {
namespace {

using Keys = TomlChecker::Keys;

// "a", "a or b", "a, b or c", each quoted.
std::string alternatives(Keys options) {
  std::string out;
  std::size_t i = 0;
  for (std::string_view o : options) {
    if (i > 0) out += (i + 1 == options.size()) ? " or " : ", ";
    out += in_quotes(o);
    ++i;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'interval'?)" when one known key is a likely typo of `key`.
std::string did_you_mean(std::string_view key, Keys known) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view k : known) {
    const std::size_t d = edit_distance(key, k);
    if (d < best_distance && d < key.size()) {
      best = k;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Advances `i` past one UTF-8 encoded code point of `s`.
void next_code_point(std::string_view s, std::size_t& i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
}

// " in [[source]]", or nothing at the top level.
std::string in(std::string_view where) {
  return where.empty() ? std::string() : " in " + std::string(where);
}

}  // namespace

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

void TomlChecker::problem(toml::source_position pos, std::string message) {
  problem_in(docs_.size() - 1, pos, std::move(message));
}

void TomlChecker::problem_in(std::size_t doc, toml::source_position pos, std::string message) {
  problems_.push_back(
      {doc, static_cast<int>(pos.line), static_cast<int>(pos.column), std::move(message)});
}

Error TomlChecker::error() const {
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.doc, a.line, a.column) < std::tie(b.doc, b.line, b.column);
  });
  std::string out;
  for (const Problem& p : sorted) {
    if (!out.empty()) out += '\n';
    out += docs_[p.doc].path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
           ": " + p.message;
  }
  return Error{Errc::kInvalid, std::move(out)};
}

std::optional<toml::table> TomlChecker::parse(std::string shown, std::string text) {
  // Positions are read in the current document only; the earlier ones keep
  // their path, for messages. A million rules come in 60 MB of files.
  if (!docs_.empty()) {
    std::string().swap(docs_.back().text);  // (assigning "" would keep the capacity)
    std::vector<std::size_t>().swap(docs_.back().line_starts);
  }
  Doc doc{.path = std::move(shown), .text = std::move(text), .line_starts = {}};
  doc.line_starts.reserve(
      static_cast<std::size_t>(std::count(doc.text.begin(), doc.text.end(), '\n')) + 1);
  doc.line_starts.push_back(0);
  for (std::size_t i = doc.text.find('\n'); i != std::string::npos; i = doc.text.find('\n', i + 1))
    doc.line_starts.push_back(i + 1);
  docs_.push_back(std::move(doc));
  const Doc& d = docs_.back();
  try {
    return toml::parse(d.text, std::string(d.path));
  } catch (const toml::parse_error& e) {
    std::string message(e.description());
    // A string missing its closing quote runs into the newline, which toml++
    // reports as a forbidden control character.
    const std::size_t at = byte_offset(d, e.source().begin);
    const bool at_line_end = at >= d.text.size() || d.text[at] == '\n' || d.text[at] == '\r';
    if (at_line_end && message.find("control characters") != std::string::npos) {
      message = message.substr(0, message.find(':')) + ": missing closing quote";
    }
    problem(e.source().begin, std::move(message));
    return std::nullopt;
  }
}

// The byte where toml++'s (line, code point column) position stands.
std::size_t TomlChecker::byte_offset(const Doc& doc, toml::source_position p) const {
  if (p.line < 1 || p.line > doc.line_starts.size()) return doc.text.size();
  std::size_t i = doc.line_starts[p.line - 1];
  if (p.line == 1 && doc.text.starts_with("\xEF\xBB\xBF")) i += 3;  // toml++ skips the BOM
  for (std::size_t c = 1; c < p.column && i < doc.text.size(); ++c) next_code_point(doc.text, i);
  return std::min(i, doc.text.size());
}

SourcePos TomlChecker::pos_of(toml::source_position p) const {
  return SourcePos{docs_.back().path, static_cast<int>(p.line), static_cast<int>(p.column)};
}

// toml++ places a string at its opening quote and counts columns in code
// points; the matcher wants the first character of the text itself.
SourcePos TomlChecker::text_start(const toml::node& string_node) const {
  const Doc& doc = docs_.back();
  const std::string_view text = doc.text;
  SourcePos pos = pos_of(string_node.source().begin);
  std::size_t i = byte_offset(doc, string_node.source().begin);
  const std::string_view rest = text.substr(std::min(i, text.size()));
  const bool multi_line = rest.starts_with("'''") || rest.starts_with("\"\"\"");
  const bool basic = rest.starts_with('"');
  const int delimiter = multi_line ? 3 : 1;
  i += static_cast<std::size_t>(delimiter);
  pos.column += delimiter;
  if (!multi_line) return pos;

  auto newline_at = [&](std::size_t at) -> std::size_t {  // its length, 0 if none
    if (text.substr(at).starts_with('\n')) return 1;
    if (text.substr(at).starts_with("\r\n")) return 2;
    return 0;
  };
  // A newline right after the opening delimiter is not part of the string.
  if (std::size_t n = newline_at(i); n > 0) {
    i += n;
    pos.line += 1;
    pos.column = 1;
  }
  // In a """ string a line-ending backslash drops all whitespace up to the next text.
  while (basic && i < text.size() && text[i] == '\\') {
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (newline_at(j) == 0) break;
    i = j;
    while (i < text.size() && is_space(text[i])) {
      if (text[i] == '\n') {
        pos.line += 1;
        pos.column = 1;
      } else if (text[i] != '\r') {
        pos.column += 1;
      }
      ++i;
    }
  }
  return pos;
}

void TomlChecker::check_keys(const toml::table& t, std::string_view where, Keys known) {
  for (const auto& [key, node] : t) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    const std::string what = where.empty() ? "unknown top-level key '" : "unknown key '";
    problem(key.source().begin,
            what + std::string(key.str()) + "'" + in(where) + did_you_mean(key.str(), known));
  }
}

void TomlChecker::wrong_type(const toml::node& n, std::string_view key, std::string_view where,
                             std::string_view want) {
  problem(n.source().begin, "'" + std::string(key) + "'" + in(where) + " must be " +
                                std::string(want) + ", not " + std::string(type_name(n.type())));
}

bool TomlChecker::require(const toml::table& t, std::string_view where, std::string_view key) {
  if (t.contains(key)) return true;
  if (where.empty()) {
    problem({1, 1}, "missing required top-level key '" + std::string(key) + "'");
  } else {
    problem(t.source().begin,
            std::string(where) + " is missing required key '" + std::string(key) + "'");
  }
  return false;
}

template <class T>
constexpr std::string_view kWant = "a value";
template <>
constexpr std::string_view kWant<std::string> = "a string";
template <>
constexpr std::string_view kWant<bool> = "a boolean";
template <>
constexpr std::string_view kWant<std::int64_t> = "an integer";

template <class T>
const toml::value<T>* TomlChecker::value(const toml::table& t, std::string_view key,
                                         std::string_view where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  if (const auto* v = n->as<T>()) return v;
  wrong_type(*n, key, where, kWant<T>);
  return nullptr;
}

std::optional<std::string> TomlChecker::one_of(const toml::table& t, std::string_view key,
                                               std::string_view where, Keys options) {
  const auto* v = value<std::string>(t, key, where);
  if (v == nullptr) return std::nullopt;
  if (std::find(options.begin(), options.end(), v->get()) != options.end()) return v->get();
  problem(v->source().begin, "'" + std::string(key) + "'" + in(where) + " must be " +
                                 alternatives(options) + ", not " + in_quotes(v->get()));
  return std::nullopt;
}

std::optional<std::chrono::seconds> TomlChecker::duration(const toml::table& t,
                                                          std::string_view key,
                                                          std::string_view where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  std::optional<std::chrono::seconds> d;
  if (const auto* s = n->as_string()) {
    auto parsed = parse_duration(s->get());
    if (!parsed) {
      problem(n->source().begin,
              "'" + std::string(key) + "'" + in(where) + ": " + parsed.error().message);
      return std::nullopt;
    }
    d = *parsed;
  } else if (const auto* i = n->as_integer()) {
    // A bare number has no unit: seconds would be a guess, and "interval = 5"
    // meant as minutes would poll twelve times too often.
    const std::string k(key);
    const std::string hint = std::to_string(i->get()) + "s";
    problem(n->source().begin, "'" + k + "'" + in(where) + " must be a duration with a unit, not " +
                                   "the number " + std::to_string(i->get()) + " (write " + k +
                                   " = \"" + hint + "\" for " + std::to_string(i->get()) +
                                   " seconds, or use m, h or d)");
    return std::nullopt;
  } else {
    wrong_type(*n, key, where, "a duration like \"30s\"");
    return std::nullopt;
  }
  if (*d < std::chrono::seconds{1}) {
    problem(n->source().begin,
            "'" + std::string(key) + "'" + in(where) + " must be at least 1s, not 0s");
    return std::nullopt;
  }
  return d;
}

std::vector<std::pair<std::string, const toml::node*>> TomlChecker::strings(
    const toml::table& t, std::string_view key, std::string_view where) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    wrong_type(*n, key, where, "an array of strings");
    return out;
  }
  for (const toml::node& e : *a) {
    if (const auto* s = e.as_string()) {
      out.emplace_back(s->get(), &e);
    } else {
      problem(e.source().begin, "'" + std::string(key) + "'" + in(where) +
                                    " must hold only strings, not " +
                                    std::string(type_name(e.type())));
    }
  }
  return out;
}

const toml::table* TomlChecker::section(const toml::table& root, std::string_view key) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return nullptr;
  if (const toml::table* t = n->as_table()) return t;
  wrong_type(*n, key, "", "a table ([" + std::string(key) + "])");
  return nullptr;
}

std::vector<const toml::table*> TomlChecker::table_array(const toml::table& root,
                                                         std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* n = root.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    wrong_type(*n, key, "", "an array of tables ([[" + std::string(key) + "]])");
    return out;
  }
  for (const toml::node& e : *a) {
    if (const toml::table* t = e.as_table()) {
      out.push_back(t);
    } else {
      problem(e.source().begin, "'" + std::string(key) + "' must hold only tables ([[" +
                                    std::string(key) + "]]), not " +
                                    std::string(type_name(e.type())));
    }
  }
  return out;
}

template const toml::value<std::string>* TomlChecker::value(const toml::table&, std::string_view,
                                                            std::string_view);
template const toml::value<bool>* TomlChecker::value(const toml::table&, std::string_view,
                                                     std::string_view);
template const toml::value<std::int64_t>* TomlChecker::value(const toml::table&, std::string_view,
                                                             std::string_view);

}  // namespace nw
