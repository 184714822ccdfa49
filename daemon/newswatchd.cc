// newswatchd: the news-monitoring daemon. Loads the config, then loops: the
// Watcher starts due polls and the Fetcher drives transfers, until SIGTERM or
// SIGINT (exit 0). SIGHUP reloads sources and watchlists; an invalid reload
// keeps the running ones. Talks to systemd through sd_notify when run by it.
#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "config/config.h"
#include "config/rule_checks.h"
#include "daemon/alerts_atom.h"
#include "daemon/auth_file.h"
#include "daemon/clock.h"
#include "daemon/curve.h"
#include "daemon/delivery.h"
#include "daemon/heap.h"
#include "daemon/instance_lock.h"
#include "daemon/lookback.h"
#include "daemon/metrics.h"
#include "daemon/metrics_server.h"
#include "daemon/preflight.h"
#include "daemon/publisher.h"
#include "daemon/replay_server.h"
#include "daemon/store.h"
#include "daemon/watcher.h"
#include "daemon/web_auth.h"
#include "daemon/web_events.h"
#include "daemon/web_pages.h"
#include "daemon/web_tryit.h"
#include "feeds/curl_fetcher.h"
#include "filters/matcher.h"

namespace nw {
namespace {

using std::chrono::milliseconds;

struct Loaded {
  Config config;
  std::shared_ptr<const Matcher> matcher;
  std::vector<std::string> warnings;     // config/rule_checks.h: rules that likely mean otherwise
  std::vector<LookbackRule> lookbacks;   // rules new since `previous` that look back
  std::shared_ptr<const AuthFile> auth;  // [web] auth_file's users and tokens; null: not set
};

// Loads and validates the config and compiles its watchlists; on a reload,
// also each rule that `previous` lacks and that sets lookback.
Result<Loaded> load(const std::string& path, const std::vector<Watchlist>* previous = nullptr) {
  auto config = load_config(path);
  if (!config) return std::unexpected(config.error());
  auto matcher = Matcher::compile(config->watchlists);
  if (!matcher) return std::unexpected(matcher.error());
  std::shared_ptr<const AuthFile> auth;
  if (!config->web_auth_file.empty()) {
    auto file = load_auth_file(config->web_auth_file);
    if (!file && file.error().code == Errc::kIo) {
      return fail(Errc::kInvalid,
                  key_location(*config, "web", "auth_file") + ": " + file.error().message);
    }
    if (!file) return std::unexpected(file.error());
    auth = std::make_shared<const AuthFile>(std::move(*file));
  }
  std::vector<std::string> warnings = rule_warnings(config->watchlists);
  Loaded loaded{std::move(*config), std::move(*matcher), std::move(warnings), {}, std::move(auth)};
  if (previous) {
    auto lookbacks = added_lookback_rules(*previous, loaded.config.watchlists);
    if (!lookbacks) return std::unexpected(lookbacks.error());
    loaded.lookbacks = std::move(*lookbacks);
  }
  return loaded;
}

std::size_t rule_count(const Config& c) {
  std::size_t n = 0;
  for (const auto& w : c.watchlists) n += w.rules.size();
  return n;
}

// A multi-line config error as one log record: its "file:line:col: message"
// lines joined, without the indented query-and-caret lines under them.
std::string one_line(std::string_view message) {
  std::string out;
  while (!message.empty()) {
    const std::size_t nl = message.find('\n');
    const std::string_view line = message.substr(0, nl);
    message = nl == std::string_view::npos ? std::string_view() : message.substr(nl + 1);
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    out += (out.empty() ? "" : "; ") + std::string(line);
  }
  return out;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("newswatchd");
  // journald stamps each line itself.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "[%l] %v" : "%Y-%m-%dT%H:%M:%S.%e [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

// Waits for signals on its own thread (they are blocked everywhere else).
class SignalWatcher {
 public:
  explicit SignalWatcher(Fetcher& fetcher)
      : thread_([this, &fetcher](std::stop_token st) { run(st, fetcher); }) {}
  bool stop_requested() const { return stop_.load(); }
  bool take_reload() { return reload_.exchange(false); }

  static void block_signals() {
    sigset_t set = signal_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

 private:
  static sigset_t signal_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
  }
  void run(std::stop_token st, Fetcher& fetcher) {
    const sigset_t set = signal_set();
    const timespec timeout{0, 200'000'000};
    while (!st.stop_requested()) {
      const int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGHUP) {
        reload_ = true;
        fetcher.wakeup();
      } else if (sig == SIGTERM || sig == SIGINT) {
        stop_ = true;
        fetcher.wakeup();
        return;
      }
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::jthread thread_;
};

// The longest turn of the loop's own work (all but Fetcher::run's wait), by
// wall clock and by the loop thread's CPU time, as the
// newswatch_loop_turn_max_seconds gauge: what polls and alerts waited at
// most, e.g. while a reload swapped a million rules in.
class LoopTurns {
 public:
  explicit LoopTurns(Metrics& metrics) : metrics_(metrics) {}
  void begin() {
    wall_start_ = std::chrono::steady_clock::now();
    cpu_start_ = thread_cpu();
  }
  void end() {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
    const double cpu = thread_cpu() - cpu_start_;
    metrics_.inc("newswatch_loop_turns_total", {});
    if (wall > max_wall_)
      metrics_.set("newswatch_loop_turn_max_seconds", {{"clock", "wall"}}, max_wall_ = wall);
    if (cpu > max_cpu_)
      metrics_.set("newswatch_loop_turn_max_seconds", {{"clock", "cpu"}}, max_cpu_ = cpu);
  }

 private:
  static double thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  Metrics& metrics_;
  std::chrono::steady_clock::time_point wall_start_;
  double cpu_start_ = 0;
  double max_wall_ = 0;
  double max_cpu_ = 0;
};

int run_daemon(const std::string& config_path, const std::string& log_level_override) {
  auto loaded = load(config_path);
  if (!loaded) {
    std::cerr << "newswatchd: invalid configuration, not starting:\n"
              << loaded.error().message << "\n";
    return 2;
  }
  Config& config = loaded->config;
  setup_logging(log_level_override.empty() ? config.log_level : log_level_override);
  for (const std::string& w : loaded->warnings) spdlog::warn("{}", one_line(w));
  SignalWatcher::block_signals();

  auto store = open_sqlite_store(config.state_dir);
  if (!store) {
    spdlog::critical("{}: {}", key_location(config, "daemon", "state_dir"), store.error().message);
    return 1;
  }
  // Held until exit: one daemon per state_dir, and what `--check` reads.
  auto instance = InstanceLock::acquire(
      config.state_dir, {config.endpoint, config.replay_endpoint, config.metrics_endpoint});
  if (!instance) {
    spdlog::critical("{}: {}", key_location(config, "daemon", "state_dir"),
                     instance.error().message);
    return 1;
  }
  // One ZeroMQ context for the PUB socket, the replay socket and the CURVE
  // authenticator; declared first, so it is destroyed last.
  zmq::context_t zmq_context;
  std::unique_ptr<ZapAuthenticator> authenticator;
  std::string curve_secret;
  if (!config.curve_secret_key_file.empty()) {
    auto key = read_curve_key(config.curve_secret_key_file);
    if (!key) {
      spdlog::critical("{}: {}", key_location(config, "publish", "curve_secret_key_file"),
                       key.error().message);
      return 1;
    }
    curve_secret = *key;
    auto auth = ZapAuthenticator::start(zmq_context, config.curve_authorized_keys_dir);
    if (!auth) {
      spdlog::critical("{}", auth.error().message);
      return 1;
    }
    authenticator = std::move(*auth);
  }
  auto publisher = bind_zmq_publisher(zmq_context, config.endpoint, curve_secret);
  if (!publisher) {
    spdlog::critical("{}: {}", key_location(config, "publish", "endpoint"),
                     publisher.error().message);
    return 1;
  }
  std::unique_ptr<ReplayServer> replay;
  if (!config.replay_endpoint.empty()) {
    // The replay thread reads through its own connection to the database.
    auto replay_store = open_sqlite_store(config.state_dir);
    if (!replay_store) {
      spdlog::critical("{}", replay_store.error().message);
      return 1;
    }
    auto started = ReplayServer::start(zmq_context, config.replay_endpoint,
                                       std::move(*replay_store), curve_secret);
    if (!started) {
      spdlog::critical("{}: {}", key_location(config, "publish", "replay_endpoint"),
                       started.error().message);
      return 1;
    }
    replay = std::move(*started);
  }
  Metrics metrics;
  std::unique_ptr<AlertsFeed> alerts_feed;  // declared first: it outlives the server
  SystemClock web_clock;
  std::unique_ptr<WebPages> web_pages;      // the same
  std::unique_ptr<AlertEvents> web_events;  // the same
  std::unique_ptr<TryIt> web_tryit;         // the same
  std::unique_ptr<WebAuth> web_auth;        // the same
  std::unique_ptr<MetricsServer> metrics_server;
  if (!config.metrics_endpoint.empty()) {
    // The Atom feed of alerts reads through its own connection to the database.
    auto feed_store = open_sqlite_store(config.state_dir);
    if (!feed_store) {
      spdlog::critical("{}", feed_store.error().message);
      return 1;
    }
    alerts_feed = std::make_unique<AlertsFeed>(std::move(*feed_store));
    std::vector<HttpRoutes> routes = {
        [&alerts_feed](httplib::Server& server) { alerts_feed->install(server); }};
    // Installed with or without an auth_file, so that a reload can add one.
    web_auth = std::make_unique<WebAuth>(loaded->auth, WebAuth::Options{.metrics = &metrics});
    routes.push_back([&web_auth](httplib::Server& server) { web_auth->install(server); });
    if (loaded->auth) {
      spdlog::info("web: HTTP auth on, {} users and {} tokens from {}", loaded->auth->users.size(),
                   loaded->auth->tokens.size(), loaded->auth->file.string());
    }
    if (config.web_enabled) {  // config/ refused a non-loopback endpoint for them
      // The analyst's pages, read-only, as the CLI reads the state.
      auto pages_store = open_sqlite_store(config.state_dir, OpenMode::kReadOnly);
      if (!pages_store) {
        spdlog::critical("{}", pages_store.error().message);
        return 1;
      }
      web_pages = std::make_unique<WebPages>(std::move(*pages_store), web_clock);
      routes.push_back([&web_pages](httplib::Server& server) { web_pages->install(server); });
      // The live alerts read through a connection of their own, on their own thread.
      auto events_store = open_sqlite_store(config.state_dir, OpenMode::kReadOnly);
      if (!events_store) {
        spdlog::critical("{}", events_store.error().message);
        return 1;
      }
      web_events = std::make_unique<AlertEvents>(std::move(*events_store),
                                                 AlertEvents::Options{.metrics = &metrics});
      routes.push_back([&web_events](httplib::Server& server) { web_events->install(server); });
      web_pages->set_stream_count([&web_events] { return web_events->streams(); });
      // The rules page's backtests, one at a time, on their own connection.
      auto tryit_store = open_sqlite_store(config.state_dir, OpenMode::kReadOnly);
      if (!tryit_store) {
        spdlog::critical("{}", tryit_store.error().message);
        return 1;
      }
      web_tryit = std::make_unique<TryIt>(
          std::move(*tryit_store), *web_pages, web_clock,
          TryIt::Options{.any_host = !config.web_auth_file.empty(), .metrics = &metrics});
      routes.push_back([&web_tryit](httplib::Server& server) { web_tryit->install(server); });
    }
    auto started = MetricsServer::start(config.metrics_endpoint, metrics, std::move(routes));
    if (!started) {
      spdlog::critical("{}: {}", key_location(config, "metrics", "endpoint"),
                       started.error().message);
      return 1;
    }
    metrics_server = std::move(*started);
  }
  std::unique_ptr<Fetcher> fetcher = make_curl_fetcher(config.fetch);
  SystemClock clock;
  Delivery delivery(**store, **publisher, clock,
                    {.heartbeat = config.heartbeat,
                     .keep_alerts = config.keep_alerts,
                     .keep_articles = config.keep_articles,
                     .metrics = &metrics});
  Watcher watcher(*fetcher, **store, delivery, clock,
                  {.keep_articles = config.keep_articles.count() > 0,
                   .metrics = &metrics,
                   .stories = {.window = config.story_window},
                   .robots_user_agent = config.fetch.user_agent,
                   .workers = config.workers});
  Lookback lookback(**store, delivery, clock);
  lookback.resume(config.watchlists);
  const std::size_t watchlists_at_start = config.watchlists.size();
  const std::size_t rules_at_start = rule_count(config);
  // The running rules, to tell which rules a reload adds: moved out of the
  // config (which keeps none), shared with the reload thread, never copied.
  auto running_watchlists =
      std::make_shared<const std::vector<Watchlist>>(std::move(config.watchlists));
  config.watchlists = {};
  // What the pages show of the running config (a pointer swap, never a wait).
  auto show_running = [&web_pages](const Config& c,
                                   std::shared_ptr<const std::vector<Watchlist>> watchlists) {
    if (!web_pages) return;
    web_pages->set_running(std::make_shared<const WebPages::Running>(
        WebPages::Running{.sources = c.sources,
                          .watchlists = std::move(watchlists),
                          .story_window = c.story_window}));
  };
  show_running(config, running_watchlists);
  metrics.set("newswatch_rules", {}, static_cast<double>(rules_at_start));
  metrics.set("newswatch_sources", {}, static_cast<double>(config.sources.size()));
  watcher.set_matcher(loaded->matcher);
  // The watcher holds the running matcher; this is the one to dispose of
  // after a reload.
  std::shared_ptr<const Matcher> running_matcher = std::move(loaded->matcher);
  watcher.set_sources(config.sources);
  SignalWatcher signals(*fetcher);

  spdlog::info(
      "newswatchd started: {} sources, {} watchlists, {} rules, {} workers; publishing on {}, "
      "replay on {}{}; state in {}",
      config.sources.size(), watchlists_at_start, rules_at_start, config.workers,
      (*publisher)->endpoint(), replay ? replay->endpoint() : "(off)",
      curve_secret.empty() ? "" : " (CURVE)", config.state_dir.string());
  sd_notify(0, "READY=1\nSTATUS=watching");
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  auto last_ping = std::chrono::steady_clock::now();

  std::future<Result<Loaded>> reloading;
  // What a reload replaced, freed on its own thread: a million rules take
  // longer to free than the loop may stall.
  std::future<void> disposing;
  LoopTurns turns(metrics);
  std::string last_status;
  while (!signals.stop_requested()) {
    turns.begin();
    if (signals.take_reload() && !reloading.valid()) {
      spdlog::info("reloading {}", config_path);
      sd_notify(0, "RELOADING=1");
      reloading = std::async(std::launch::async, [&config_path, previous = running_watchlists] {
        return load(config_path, previous.get());
      });
    }
    if (reloading.valid() && reloading.wait_for(milliseconds(0)) == std::future_status::ready) {
      auto next = reloading.get();
      if (next && web_auth && web_auth->enabled() && !next->auth) {
        // The server stays bound where it is: it would serve without auth.
        next = fail(Errc::kInvalid, key_location(next->config, "web", "auth_file") +
                                        ": [web] auth_file is no longer set; turning HTTP auth "
                                        "off takes a restart");
      }
      if (!next) {
        spdlog::error("reload failed, keeping the running config: {}",
                      one_line(next.error().message));
        metrics.inc("newswatch_reloads_total", {{"result", "error"}});
      } else {
        for (const std::string& w : next->warnings) spdlog::warn("{}", one_line(w));
        if (web_auth) web_auth->set_file(next->auth);
        watcher.set_matcher(next->matcher);
        watcher.set_sources(next->config.sources);
        watcher.set_keep_articles(next->config.keep_articles.count() > 0);
        delivery.set_options({.heartbeat = next->config.heartbeat,
                              .keep_alerts = next->config.keep_alerts,
                              .keep_articles = next->config.keep_articles,
                              .metrics = &metrics});
        const std::size_t rules = rule_count(next->config);
        metrics.inc("newswatch_reloads_total", {{"result", "ok"}});
        metrics.set("newswatch_rules", {}, static_cast<double>(rules));
        metrics.set("newswatch_sources", {}, static_cast<double>(next->config.sources.size()));
        spdlog::info("reloaded: {} sources, {} rules", next->config.sources.size(), rules);
        for (LookbackRule& rule : next->lookbacks) lookback.add(std::move(rule));
        auto old_watchlists = std::exchange(
            running_watchlists,
            std::make_shared<const std::vector<Watchlist>>(std::move(next->config.watchlists)));
        auto old_matcher = std::exchange(running_matcher, std::move(next->matcher));
        show_running(next->config, running_watchlists);
        if (disposing.valid()) disposing.wait();  // the previous reload's, long done
        disposing = std::async(std::launch::async, [old_watchlists = std::move(old_watchlists),
                                                    old_matcher = std::move(old_matcher),
                                                    rest = std::move(*next)]() mutable {
          old_watchlists.reset();
          old_matcher.reset();  // unless an article being matched still holds it
          rest = Loaded{};
          malloc_trim(0);  // what was freed goes back to the system
        });
      }
      sd_notify(0, "READY=1");
    }
    metrics.loop_alive();
    const milliseconds wait = std::min({watcher.tick(), delivery.tick(), lookback.tick()});
    // The one-line status systemctl shows, when it changed.
    const SourcesSummary summary = watcher.sources_summary();
    std::string status = std::to_string(summary.ok) + " sources ok, " +
                         std::to_string(summary.failing) + " failing; " +
                         std::to_string(delivery.alerts_today()) + " alerts today";
    if (status != last_status) {
      sd_notify(0, ("STATUS=" + status).c_str());
      last_status = std::move(status);
    }
    turns.end();
    fetcher->run(wait);
    if (watchdog && std::chrono::steady_clock::now() - last_ping >
                        std::chrono::microseconds(watchdog_usec / 2)) {
      sd_notify(0, "WATCHDOG=1");
      last_ping = std::chrono::steady_clock::now();
    }
  }
  sd_notify(0, "STOPPING=1");
  spdlog::info("newswatchd stopping ({} alerts published)", delivery.alerts_published());
  return 0;
}

// Everything that can be checked without side effects: the config and its
// watchlists, then whether the state directory and the endpoint can be used.
int check_config(const std::string& config_path) {
  auto loaded = load(config_path);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return 1;
  }
  auto ready = preflight(loaded->config);
  if (!ready) {
    std::cerr << ready.error().message << "\n";
    return 1;
  }
  for (const std::string& note : *ready) std::cerr << note << "\n";
  for (const std::string& w : loaded->warnings) std::cerr << w << "\n";
  std::cout << config_path << ": OK (" << loaded->config.sources.size() << " sources, "
            << loaded->config.watchlists.size() << " watchlists, " << rule_count(loaded->config)
            << " rules)\n";
  return 0;
}

}  // namespace
}  // namespace nw

int main(int argc, char** argv) {
  nw::keep_freed_heap();
  CLI::App app{"newswatchd: polls news sources, matches watchlists, publishes alerts over ZeroMQ"};
  std::string config_path;
  std::string log_level;
  bool check = false;
  app.add_option("-c,--config", config_path, "configuration file (TOML)")->required();
  app.add_flag("--check", check, "validate the configuration and watchlists, then exit");
  app.add_option("--log-level", log_level, "override [daemon] log_level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.set_version_flag("--version", "newswatchd 0.1.0");
  CLI11_PARSE(app, argc, argv);
  return check ? nw::check_config(config_path) : nw::run_daemon(config_path, log_level);
}
