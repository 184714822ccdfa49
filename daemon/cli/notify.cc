// `newswatch notify`: delivers the alerts of a running newswatchd to people
// (e-mail, Slack, Mattermost, Teams, Telegram, ntfy, webhooks), each alert once to
// each channel of its routes, in seq order (daemon/notify/notifier.h); with
// --check it validates its config and exits, with --status it prints each
// channel's cursor and state.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "config/notify_config.h"
#include "daemon/cli/command.h"
#include "daemon/curve.h"
#include "daemon/notify/notifier.h"

namespace nw::cli {
namespace {

struct NotifyOptions {
  std::string config;
  bool check = false;
  bool status = false;
  std::string log_level;  // "" = the config's
};

std::atomic<bool> g_stop{false};

// What can be checked without side effects: the file (with the secrets it
// names), the client key, and that state_dir can be made and written.
int check(const NotifyConfig& cfg, const std::string& path) {
  if (!cfg.curve_secret_key_file.empty()) {
    if (auto key = read_curve_key(cfg.curve_secret_key_file); !key) {
      std::cerr << path << ": 'curve_secret_key_file' in [subscribe]: " << key.error().message
                << "\n";
      return 1;
    }
  }
  namespace fs = std::filesystem;
  fs::path probe = cfg.state_dir;
  std::error_code ec;
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  if (probe.empty() || ::access(probe.c_str(), W_OK | X_OK) != 0) {
    std::cerr << path << ": 'state_dir' in [subscribe]: " << cfg.state_dir.string()
              << " cannot be created or written by this user\n";
    return 1;
  }
  std::size_t routes = cfg.routes.size();
  std::cout << path << ": OK (" << cfg.channels.size() << " channel"
            << (cfg.channels.size() == 1 ? "" : "s") << ", " << routes << " route"
            << (routes == 1 ? "" : "s") << ")\n";
  return 0;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("newswatch-notify");
  // journald stamps each line itself.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "[%l] %v" : "%Y-%m-%dT%H:%M:%S.%e [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

int run_notify_command(const NotifyOptions& o) {
  auto cfg = load_notify_config(o.config);
  if (!cfg) {
    std::cerr << cfg.error().message << "\n";
    return cfg.error().code == Errc::kIo ? 1 : 2;
  }
  if (o.check) return check(*cfg, o.config);
  if (o.status) {
    auto report = notify_status_report(*cfg);
    if (!report) {
      std::cerr << "newswatch notify: " << report.error().message << "\n";
      return 1;
    }
    std::cout << *report;
    return 0;
  }
  setup_logging(o.log_level.empty() ? cfg->log_level : o.log_level);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = true; };
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  spdlog::info("newswatch notify starting: {} channels, {} routes, state in {}",
               cfg->channels.size(), cfg->routes.size(), cfg->state_dir.string());
  auto r = run_notify(*cfg, {.stop = [] { return g_stop.load(); },
                             .metrics_bound =
                                 [](const std::string& endpoint) {
                                   spdlog::info("metrics on http://{}/metrics", endpoint);
                                 }});
  if (!r) {
    spdlog::error("{}", r.error().message);
    return 1;
  }
  spdlog::info("newswatch notify stopping");
  return 0;
}

}  // namespace

Run setup_notify(CLI::App& app) {
  auto o = std::make_shared<NotifyOptions>();
  app.add_option("-c,--config", o->config,
                 "the notifier's configuration (newswatch-notify.toml(5))")
      ->required();
  auto* check = app.add_flag("--check", o->check, "validate the configuration, then exit");
  app.add_flag("--status", o->status, "print each channel's cursor, backlog and state, then exit")
      ->excludes(check);
  app.add_option("--log-level", o->log_level, "override [subscribe] log_level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  return [o] { return run_notify_command(*o); };
}

}  // namespace nw::cli
