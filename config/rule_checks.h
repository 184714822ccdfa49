// Checks of watchlist rules beyond validity: what loads and compiles but most
// likely does not say what its author meant (operators written in lower case,
// filters/query.h query_warnings; a language in `languages` or `lang:` that
// filters/language.h cannot identify from text, so only pages declaring it
// match). Invalid rules are errors elsewhere (load_config, Matcher::compile);
// these are warnings, positioned the same way. `newswatch check-rules`,
// `newswatch match`, `newswatchd --check` and the daemon's start and reload
// all report them. Pure; any thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "filters/watchlist.h"

namespace nw {

// One message per finding, in file and rule order:
// "FILE:LINE:COL: warning: ... did you mean AND? ...\n    query line\n    ^".
[[nodiscard]] std::vector<std::string> rule_warnings(std::span<const Watchlist> watchlists);

}  // namespace nw
