// `newswatch subscribe`: the alerts of a running newswatchd, each once, in seq
// order: replay first, then live (daemon/subscriber.h), until SIGINT/SIGTERM.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/cli/alert_text.h"
#include "daemon/cli/command.h"
#include "daemon/curve.h"
#include "daemon/subscriber.h"

namespace nw::cli {
namespace {

struct SubscribeOptions {
  SubscriberOptions subscriber;  // endpoint, topic, state file, count, CURVE server key
  std::uint64_t since = 0;       // used when --since is given
  std::string format = "json";
  std::string heartbeat = "5s";
  std::string curve_key_file;
};

std::atomic<bool> g_stop{false};

// With --since, --replay-endpoint (or the default next to --endpoint),
// --heartbeat and the CURVE key pair filled in; otherwise the status to exit with.
int complete(SubscribeOptions& o, bool since_given, bool replay_given) {
  SubscriberOptions& options = o.subscriber;
  if (since_given) options.since = o.since;
  auto beat = parse_duration(o.heartbeat);
  if (!beat || beat->count() <= 0) {
    std::cerr << "newswatch subscribe: --heartbeat: "
              << (beat ? "must be positive" : beat.error().message) << "\n";
    return 2;
  }
  options.heartbeat = *beat;
  if (!replay_given) options.replay_endpoint = default_replay_endpoint(options.endpoint);
  if (!o.curve_key_file.empty() || !options.curve_server_key.empty()) {
    if (o.curve_key_file.empty() || options.curve_server_key.empty()) {
      std::cerr << "newswatch subscribe: CURVE needs both --curve-key-file and "
                   "--curve-server-key\n";
      return 2;
    }
    auto secret = read_curve_key(o.curve_key_file);
    auto pub = secret ? curve_public_key(*secret) : std::unexpected(secret.error());
    if (!pub) {
      std::cerr << "newswatch subscribe: " << pub.error().message << "\n";
      return 2;
    }
    options.curve_key = CurveKeyPair{*pub, *secret};
  }
  return 0;
}

int run_subscribe(SubscribeOptions o, bool since_given, bool replay_given) {
  if (int status = complete(o, since_given, replay_given); status != 0) return status;
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = true; };
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const bool text = o.format == "text";
  auto r = run_subscriber(
      o.subscriber,
      [text](std::string_view json) {
        if (text) {
          std::cout << alert_text(json) << std::endl;
        } else {
          std::cout << json << std::endl;
        }
      },
      [](const std::string& line) { std::cerr << "newswatch subscribe: " << line << std::endl; },
      [] { return g_stop.load(); });
  if (!r) {
    std::cerr << "newswatch subscribe: " << r.error().message << "\n";
    return r.error().code == Errc::kInvalid ? 2 : 1;
  }
  return 0;
}

}  // namespace

Run setup_subscribe(CLI::App& app) {
  auto o = std::make_shared<SubscribeOptions>();
  SubscriberOptions& s = o->subscriber;
  app.add_option("-e,--endpoint", s.endpoint, "the daemon's [publish] endpoint")
      ->capture_default_str();
  const CLI::Option* replay = app.add_option(
      "--replay-endpoint", s.replay_endpoint,
      "the daemon's [publish] replay_endpoint (default: the endpoint's port + 1; \"\" = none)");
  app.add_option("-t,--topic", s.topic,
                 "topic prefix, e.g. libya/ or libya/haftar-cairo (default: all)");
  const CLI::Option* since =
      app.add_option("--since", o->since, "print recorded alerts after this seq first");
  app.add_option("--state", s.state_file,
                 "file that remembers the last seq printed; a restart resumes there");
  app.add_option("--format", o->format, "json: the alert as sent; text: one readable line")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_option("-n,--count", s.count, "exit after this many alerts (0: never)");
  app.add_option("--heartbeat", o->heartbeat,
                 "the daemon's [publish] heartbeat; silence for 3 of them means reconnect")
      ->capture_default_str();
  app.add_option("--curve-server-key", s.curve_server_key, "the daemon's CURVE public key (Z85)");
  app.add_option("--curve-key-file", o->curve_key_file,
                 "this client's secret key file, from `newswatch keygen`");
  return [o, since, replay] { return run_subscribe(*o, since->count() > 0, replay->count() > 0); };
}

}  // namespace nw::cli
