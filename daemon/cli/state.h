// The daemon's config and its state database, opened read-only, for the
// commands that read state (alerts, sources, status, stories, backtest). Safe
// while the daemon runs (SQLite WAL). Main thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "daemon/store.h"

namespace nw::cli {

struct State {
  Config config;
  std::unique_ptr<Store> store;
};

// Prints the error (as `command`'s, for the store) and returns nullopt when
// either cannot be opened.
std::optional<State> open_state(const std::string& command, const std::string& config_path);

}  // namespace nw::cli
