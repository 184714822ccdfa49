// `newswatch alerts`: the alerts recorded in the state database after a seq,
// one per line in seq order: what a subscriber that was away missed. With
// --story: every alert recorded for that story, unpublished copies included.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/alert_text.h"
#include "daemon/cli/command.h"
#include "daemon/cli/state.h"

namespace nw::cli {
namespace {

struct AlertsOptions {
  std::string config_path;
  std::uint64_t since = 0;
  std::size_t limit = 1000;
  std::string story;
  std::string format = "json";
};

int run_alerts(const AlertsOptions& o) {
  auto state = open_state("alerts", o.config_path);
  if (!state) return 2;
  auto alerts = o.story.empty() ? state->store->alerts_since(o.since, "", o.limit)
                                : state->store->story_alerts(o.story, o.limit);
  if (!alerts) {
    std::cerr << "newswatch alerts: " << alerts.error().message << "\n";
    return 1;
  }
  const bool text = o.format == "text";
  for (const RecordedAlert& a : *alerts) std::cout << (text ? alert_text(a.json) : a.json) << "\n";
  return 0;
}

}  // namespace

Run setup_alerts(CLI::App& app) {
  auto o = std::make_shared<AlertsOptions>();
  app.add_option("-c,--config", o->config_path, "the daemon's configuration file")->required();
  app.add_option("--since", o->since, "print alerts with seq greater than this")
      ->capture_default_str();
  app.add_option("--limit", o->limit, "at most this many")->capture_default_str();
  app.add_option("--story", o->story,
                 "every alert of this story id instead, with the unpublished ones "
                 "(once_per_story copies, min_sources hits held)");
  app.add_option("--format", o->format, "json: the alert as sent; text: one line each")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  return [o] { return run_alerts(*o); };
}

}  // namespace nw::cli
