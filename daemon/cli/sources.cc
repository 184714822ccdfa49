// `newswatch sources` and `newswatch status`: each configured source's health
// as the daemon last recorded it (which sources fail, since when, and why);
// `status` adds the totals and the last alert (daemon/cli/status_report.h).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/command.h"
#include "daemon/cli/json_line.h"
#include "daemon/cli/state.h"
#include "daemon/cli/status_report.h"

namespace nw::cli {
namespace {

struct SourcesOptions {
  std::string config_path;
  std::string format = "json";
};

struct StatusOptions {
  std::string config_path;
  bool json = false;
};

void print_source_lines(const StatusReport& report) {
  for (const auto& s : report.sources) {
    const SourceState& h = s.state;
    std::cout << dump({{"id", s.id},
                       {"url", h.url.empty() ? s.url : h.url},
                       {"disabled", h.disabled},
                       {"consecutive_failures", h.consecutive_failures},
                       {"last_success", time_json(h.last_success)},
                       {"last_attempt", time_json(h.last_attempt)},
                       {"last_error", h.last_error.empty() ? json(nullptr) : json(h.last_error)},
                       {"next_poll", time_json(h.next_poll)},
                       {"items", s.counts.items},
                       {"alerts", s.counts.alerts},
                       {"robots_skipped", s.counts.robots_skipped}})
              << "\n";
  }
}

// A table or JSON; with `totals`, the totals and the last alert follow.
int run_sources(const std::string& command, const std::string& config_path, bool text,
                bool totals) {
  auto state = open_state(command, config_path);
  if (!state) return 2;
  auto report = read_status(state->config, *state->store);
  if (!report) {
    std::cerr << "newswatch " << command << ": " << report.error().message << "\n";
    return 1;
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (text) {
    std::cout << status_text(*report, now, totals);
  } else if (totals) {
    std::cout << status_json(*report) << "\n";
  } else {
    print_source_lines(*report);
  }
  return 0;
}

}  // namespace

Run setup_sources(CLI::App& app) {
  auto o = std::make_shared<SourcesOptions>();
  app.add_option("-c,--config", o->config_path, "the daemon's configuration file")->required();
  app.add_option("--format", o->format, "json: a line per source; text: a table")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  return [o] { return run_sources("sources", o->config_path, o->format == "text", false); };
}

Run setup_status(CLI::App& app) {
  auto o = std::make_shared<StatusOptions>();
  app.add_option("-c,--config", o->config_path, "the daemon's configuration file")->required();
  app.add_flag("--json", o->json, "one JSON object instead of the table");
  return [o] { return run_sources("status", o->config_path, !o->json, true); };
}

}  // namespace nw::cli
