// Metrics (daemon/metrics.h).
#include "daemon/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace nw {
namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// Label values escape backslash, double quote and newline.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string label_text(const Metrics::Labels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  std::string out;
  auto add = [&](std::string_view k, std::string_view v) {
    out += out.empty() ? "{" : ",";
    out += std::string(k) + "=\"" + escape(v) + "\"";
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  return out.empty() ? out : out + "}";
}

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Metrics::Metrics(Families families)
    : loop_beat_(std::chrono::steady_clock::now()), start_time_(now_unix()) {
  const std::vector<double> fetch_buckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  auto declare = [this](std::string name, Type type, std::string help,
                        std::vector<double> bounds = {}) {
    families_.emplace(std::move(name), Family{type, std::move(help), std::move(bounds), {}});
  };
  if (families == Families::kNotify) {
    declare("newswatch_notify_sent_total", Type::kCounter,
            "Messages delivered to a channel (a folded message counts once).");
    declare("newswatch_notify_alerts_sent_total", Type::kCounter,
            "Alerts delivered to a channel, folded ones included.");
    declare("newswatch_notify_failures_total", Type::kCounter,
            "Failed delivery attempts by channel and reason: http_<status>, network.");
    declare("newswatch_notify_lag_alerts", Type::kGauge,
            "Alerts received for a channel and not yet delivered to it.");
    declare("newswatch_notify_cursor", Type::kGauge,
            "The seq up to which a channel has been served (its cursor file).");
    declare("newswatch_notify_folded_total", Type::kCounter,
            "Alerts folded into another message of their story at the channel's rate limit.");
    declare("newswatch_notify_delivery_seconds", Type::kHistogram,
            "Time from the notifier receiving an alert to the channel accepting it.",
            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600});
    return;
  }
  declare("newswatch_polls_total", Type::kCounter,
          "Polls of a source by result: new (new items), not_modified (nothing new), error.");
  declare("newswatch_fetch_duration_seconds", Type::kHistogram,
          "Time from queueing a fetch to its response (politeness waits included), by kind: feed, "
          "html, article.",
          fetch_buckets);
  declare("newswatch_alert_delay_seconds", Type::kHistogram,
          "Time from an article's fetch completing to its alerts being published (extraction, "
          "matching, the store transaction, sending).",
          {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5});
  declare("newswatch_source_last_success_timestamp_seconds", Type::kGauge,
          "Unix time of the source's last successful poll.");
  declare("newswatch_source_consecutive_failures", Type::kGauge,
          "Failed polls of the source since its last success.");
  declare("newswatch_items_total", Type::kCounter, "New items discovered in a source.");
  declare("newswatch_articles_extracted_total", Type::kCounter,
          "Articles fetched and turned into text.");
  declare("newswatch_extract_failures_total", Type::kCounter,
          "Articles that could not be fetched or gave no text (the feed's text is matched).");
  declare("newswatch_robots_disallowed_total", Type::kCounter,
          "Articles robots.txt disallowed, by source (the feed's text is matched).");
  declare("newswatch_alerts_total", Type::kCounter, "Alerts published, by watchlist and rule.");
  declare("newswatch_last_alert_seq", Type::kGauge, "The seq of the last alert recorded.");
  declare("newswatch_pending_items", Type::kGauge,
          "Items recorded but not yet processed (article fetches in flight or retried).");
  declare("newswatch_story_articles", Type::kGauge,
          "Articles the story index holds: those of the last story_window, at most 100,000 "
          "(about 0.7 KB of memory each).");
  declare("newswatch_rules", Type::kGauge, "Rules in the running watchlists.");
  declare("newswatch_sources", Type::kGauge, "Configured sources.");
  declare("newswatch_reloads_total", Type::kCounter, "Configuration reloads by result: ok, error.");
  declare("newswatch_loop_turn_max_seconds", Type::kGauge,
          "The longest the main loop spent on its own work in one turn since start (polls, "
          "deliveries and alerts wait meanwhile), by clock: wall, cpu (the loop thread's).");
  declare("newswatch_loop_turns_total", Type::kCounter,
          "Turns of the main loop: it stands still (a stall) when this stops growing.");
  declare("newswatch_web_streams", Type::kGauge,
          "Live alert streams (/events, Server-Sent Events) open to browsers.");
  declare("newswatch_web_streams_refused_total", Type::kCounter,
          "Live alert streams refused (503) because the most were open already.");
  declare("newswatch_web_backtests_total", Type::kCounter,
          "Backtests run from the rules page or /api/backtest, by how they ended: done, "
          "time_limit, hit_limit, cancelled, disconnected, stopping, error.");
  declare("newswatch_web_backtests_refused_total", Type::kCounter,
          "Backtests refused, by reason: busy (one ran already, 429), origin (cross-site, 403).");
  declare("newswatch_web_auth_failures_total", Type::kCounter,
          "HTTP requests refused (401) for wrong credentials, with [web] auth_file set.");
}

Metrics::Series& Metrics::series(std::string_view name, const Labels& labels, Type type) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != type) {
    // A programming error: an undeclared family. Kept visible, never fatal.
    it = families_.emplace(std::string(name), Family{type, "undeclared", {}, {}}).first;
  }
  Family& f = it->second;
  Series& s = f.series[labels];
  if (type == Type::kHistogram && s.buckets.size() != f.bounds.size())
    s.buckets.assign(f.bounds.size(), 0);
  return s;
}

void Metrics::inc(std::string_view name, const Labels& labels, double by) {
  std::lock_guard lock(mutex_);
  series(name, labels, Type::kCounter).value += by;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  series(name, labels, Type::kGauge).value = value;
}

void Metrics::observe(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, labels, Type::kHistogram);
  const auto& bounds = families_.find(name)->second.bounds;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) s.buckets[i] += 1;
  }
  s.value += value;
  s.count += 1;
}

void Metrics::forget(std::string_view label, std::string_view value) {
  std::lock_guard lock(mutex_);
  for (auto& [name, f] : families_) {
    std::erase_if(f.series, [&](const auto& entry) {
      for (const auto& [k, v] : entry.first) {
        if (k == label && v == value) return true;
      }
      return false;
    });
  }
}

void Metrics::loop_alive() {
  std::lock_guard lock(mutex_);
  loop_beat_ = std::chrono::steady_clock::now();
}

void Metrics::store_status(std::string error) {
  std::lock_guard lock(mutex_);
  store_error_ = std::move(error);
}

std::string Metrics::health(std::chrono::seconds loop_limit) const {
  std::lock_guard lock(mutex_);
  const auto idle = std::chrono::steady_clock::now() - loop_beat_;
  if (idle > loop_limit) {
    return "the main loop has not run for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(idle).count()) + "s";
  }
  if (!store_error_.empty()) return "the state database cannot be written: " + store_error_;
  return {};
}

std::string Metrics::render() const {
  std::ostringstream out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_) {
      out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " "
          << (f.type == Type::kCounter ? "counter"
              : f.type == Type::kGauge ? "gauge"
                                       : "histogram")
          << "\n";
      for (const auto& [labels, s] : f.series) {
        if (f.type != Type::kHistogram) {
          out << name << label_text(labels) << " " << number(s.value) << "\n";
          continue;
        }
        for (std::size_t i = 0; i < f.bounds.size(); ++i) {
          out << name << "_bucket" << label_text(labels, "le", number(f.bounds[i])) << " "
              << number(s.buckets[i]) << "\n";
        }
        out << name << "_bucket" << label_text(labels, "le", "+Inf") << " " << number(s.count)
            << "\n";
        out << name << "_sum" << label_text(labels) << " " << number(s.value) << "\n";
        out << name << "_count" << label_text(labels) << " " << number(s.count) << "\n";
      }
    }
  }
  // Process figures, under the names Prometheus client libraries use.
  long pages = 0, resident = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> pages >> resident;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu =
      ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  out << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
         "# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes "
      << number(static_cast<double>(resident) * sysconf(_SC_PAGESIZE))
      << "\n# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
         "# TYPE process_cpu_seconds_total counter\n"
      << "process_cpu_seconds_total " << number(cpu)
      << "\n# HELP process_start_time_seconds Start time of the process since unix epoch in "
         "seconds.\n# TYPE process_start_time_seconds gauge\n"
      << "process_start_time_seconds " << number(start_time_) << "\n";
  return out.str();
}

}  // namespace nw
