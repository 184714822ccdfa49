#include "config/rule_checks.h"

#include "filters/query.h"

namespace nw {

std::vector<std::string> rule_warnings(std::span<const Watchlist> watchlists) {
  std::vector<std::string> out;
  for (const Watchlist& list : watchlists) {
    for (const Rule& rule : list.rules) {
      for (std::string& w : query_warnings(rule.query, rule.query_pos)) out.push_back(std::move(w));
    }
  }
  return out;
}

}  // namespace nw
