#include "config/rule_checks.h"

#include <set>

#include "filters/language.h"
#include "filters/query.h"

namespace nw {
namespace {

void lang_values(const QueryNode& n, std::set<std::string>& out) {
  if (n.kind == QueryNode::Kind::kMeta && n.field == QueryNode::Field::kLang) out.insert(n.text);
  for (const QueryNode& c : n.children) lang_values(c, out);
}

// A language the detector cannot identify from text (filters/language.h):
// only pages that declare it pass the rule's `languages` or `lang:`.
void language_warnings(const Rule& rule, std::vector<std::string>& out) {
  std::set<std::string> codes(rule.languages.begin(), rule.languages.end());
  // Parsing costs ICU; only a query that names a language is parsed again.
  if (rule.query.find("lang:") != std::string::npos) {
    if (auto q = parse_query(rule.query, rule.query_pos)) lang_values(*q, codes);
  }
  for (const std::string& code : codes) {
    if (detectable_language(normalize_language_code(code))) continue;
    out.push_back(rule.query_pos.file + ":" + std::to_string(rule.query_pos.line) + ":" +
                  std::to_string(rule.query_pos.column) + ": warning: rule '" + rule.id +
                  "' names the language \"" + code +
                  "\", which newswatch cannot identify from an article's text: only pages that "
                  "declare it match (codes are ISO 639-1 where there is one: ar, fa, ur, en)");
  }
}

}  // namespace

std::vector<std::string> rule_warnings(std::span<const Watchlist> watchlists) {
  std::vector<std::string> out;
  for (const Watchlist& list : watchlists) {
    for (const Rule& rule : list.rules) {
      for (std::string& w : query_warnings(rule.query, rule.query_pos)) out.push_back(std::move(w));
      language_warnings(rule, out);
    }
  }
  return out;
}

}  // namespace nw
