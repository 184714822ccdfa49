// Watchlist rules compiled for the commands that run them (match, backtest):
// the errors and config/rule_checks.h's warnings said on stderr, as
// `newswatchd --check` says them. Any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "filters/matcher.h"

namespace nw::cli {

// The rules of `lists` plus those of `watchlist_files`, compiled; null after
// saying why not.
std::shared_ptr<const Matcher> compile_rules(std::vector<Watchlist> lists,
                                             const std::vector<std::string>& watchlist_files);

}  // namespace nw::cli
