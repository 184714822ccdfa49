// `newswatch check-rules`: validate watchlist files: every error, then the
// warnings about rules that compile but most likely do not say what was meant.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/rule_checks.h"
#include "daemon/cli/command.h"
#include "filters/matcher.h"

namespace nw::cli {
namespace {

struct CheckRulesOptions {
  std::vector<std::string> files;
};

int run_check_rules(const CheckRulesOptions& o) {
  std::vector<Watchlist> lists;
  std::string errors;
  for (const auto& f : o.files) {
    auto w = load_watchlist(f);
    if (!w) {
      errors += w.error().message + "\n";
      continue;
    }
    lists.push_back(std::move(*w));
  }
  if (errors.empty()) {
    auto m = Matcher::compile(lists);
    if (!m)
      errors = m.error().message + "\n";
    else
      std::cout << "OK: " << (*m)->rule_count() << " rules\n";
  }
  std::cerr << errors;
  // Rules that compile but most likely do not say what was meant: exit 0 all the same.
  for (const std::string& w : rule_warnings(lists)) std::cerr << w << "\n";
  return errors.empty() ? 0 : 1;
}

}  // namespace

Run setup_check_rules(CLI::App& app) {
  auto o = std::make_shared<CheckRulesOptions>();
  app.add_option("files", o->files, "watchlist files (TOML)")->required();
  return [o] { return run_check_rules(*o); };
}

}  // namespace nw::cli
