// The contract of a `newswatch` subcommand. A row of commands() gives its name
// and one-line help; its `setup` declares its own flags on its CLI11 subcommand,
// bound to an options struct it owns, and returns what runs it once parsed.
// Adding a command: a file daemon/cli/NAME.cc defining its setup, a declaration
// below, a row in commands.cc, the file in daemon/CMakeLists.txt. Main thread only.
#pragma once

#include <functional>
#include <span>
#include <string_view>

namespace CLI {
class App;
}

namespace nw::cli {

// Runs a command whose flags are parsed; returns the exit status.
using Run = std::function<int()>;

struct Command {
  std::string_view name;
  std::string_view help;
  // REQUIRES: `app` outlives the returned Run (its flags point into what Run owns).
  Run (*setup)(CLI::App& app);
};

// Every command, in the order `newswatch --help` lists them (daemon/cli/commands.cc).
std::span<const Command> commands();

// The commands' setups, one file each: daemon/cli/NAME.cc.
Run setup_extract(CLI::App& app);
Run setup_match(CLI::App& app);
Run setup_parse_feed(CLI::App& app);
Run setup_check_rules(CLI::App& app);
Run setup_subscribe(CLI::App& app);
Run setup_keygen(CLI::App& app);
Run setup_alerts(CLI::App& app);
Run setup_stories(CLI::App& app);
Run setup_sources(CLI::App& app);  // sources.cc, with status: they share the code
Run setup_status(CLI::App& app);
Run setup_backtest(CLI::App& app);
Run setup_notify(CLI::App& app);
Run setup_discover(CLI::App& app);
Run setup_passwd(CLI::App& app);

}  // namespace nw::cli
