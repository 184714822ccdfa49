// Compiling the commands' rules (daemon/cli/rules.h).
#include "daemon/cli/rules.h"

#include <iostream>
#include <utility>

#include "config/config.h"
#include "config/rule_checks.h"

namespace nw::cli {

std::shared_ptr<const Matcher> compile_rules(std::vector<Watchlist> lists,
                                             const std::vector<std::string>& watchlist_files) {
  for (const auto& f : watchlist_files) {
    auto w = load_watchlist(f);
    if (!w) {
      std::cerr << w.error().message << "\n";
      return nullptr;
    }
    lists.push_back(std::move(*w));
  }
  auto matcher = Matcher::compile(lists);
  if (!matcher) {
    std::cerr << matcher.error().message << "\n";
    return nullptr;
  }
  for (const std::string& w : rule_warnings(lists)) std::cerr << w << "\n";
  return std::move(*matcher);
}

}  // namespace nw::cli
