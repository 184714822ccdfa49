// newswatch: command-line tools over the daemon's stages, one subcommand each
// (extract, match, parse-feed, check-rules, subscribe, keygen, alerts, stories,
// sources, status, backtest). Each lives in daemon/cli/NAME.cc with its own
// flags; the table in daemon/cli/commands.cc names them. This file picks one.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "daemon/cli/command.h"
#include "daemon/heap.h"

int main(int argc, char** argv) {
  nw::keep_freed_heap();
  CLI::App app{"newswatch: the stages of newswatchd as command-line tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "newswatch 0.1.0");

  std::vector<std::pair<const CLI::App*, nw::cli::Run>> runs;
  for (const nw::cli::Command& c : nw::cli::commands()) {
    CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.help));
    runs.emplace_back(sub, c.setup(*sub));
  }

  // CLI11 says only "A subcommand is required" for a mistyped one.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const nw::cli::Command& c : nw::cli::commands()) {
      names += (names.empty() ? "" : ", ") + std::string(c.name);
      known = known || c.name == argv[1];
    }
    if (!known) {
      std::cerr << "newswatch: unknown command '" << argv[1] << "'; commands: " << names << "\n";
      return 2;
    }
  }
  CLI11_PARSE(app, argc, argv);
  for (const auto& [sub, run] : runs) {
    if (*sub) return run();
  }
  return 0;
}
