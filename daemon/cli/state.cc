// Opening the daemon's state for a command (daemon/cli/state.h).
#include "daemon/cli/state.h"

#include <iostream>
#include <utility>

namespace nw::cli {

std::optional<State> open_state(const std::string& command, const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    std::cerr << config.error().message << "\n";
    return std::nullopt;
  }
  auto store = open_sqlite_store(config->state_dir, OpenMode::kReadOnly);
  if (!store) {
    std::cerr << "newswatch " << command << ": " << store.error().message << "\n";
    return std::nullopt;
  }
  return State{std::move(*config), std::move(*store)};
}

}  // namespace nw::cli
