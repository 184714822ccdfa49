// Operational figures for Prometheus: counters, gauges and histograms by label,
// rendered in the text exposition format 0.0.4, plus the process figures and a
// health verdict for /healthz. The loop thread updates; the HTTP thread reads.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nw {

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Which program's families: newswatchd's, or `newswatch notify`'s.
  enum class Families { kDaemon, kNotify };

  // Declares every family the program exposes (names, types, help, buckets).
  explicit Metrics(Families families = Families::kDaemon);

  // REQUIRES: `name` is a declared counter / gauge / histogram.
  void inc(std::string_view name, const Labels& labels = {}, double by = 1);
  void set(std::string_view name, const Labels& labels, double value);
  void observe(std::string_view name, const Labels& labels, double value);
  // Drops every series of `name` whose labels include `label` = `value` (a
  // source removed by a reload).
  void forget(std::string_view label, std::string_view value);

  // The loop calls this every turn; /healthz fails when it stops.
  void loop_alive();
  // A store write failed (message) or succeeded again ("").
  void store_status(std::string error);
  // "" when healthy, else a one-line reason.
  std::string health(std::chrono::seconds loop_limit = std::chrono::seconds(30)) const;

  // Every family in the text exposition format, then the process figures.
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    double value = 0;             // counter, gauge; histogram: sum
    std::vector<double> buckets;  // histogram: cumulative counts per bound
    double count = 0;             // histogram
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;  // histogram bucket upper bounds
    std::map<Labels, Series> series;
  };
  Series& series(std::string_view name, const Labels& labels, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;  // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point loop_beat_;      // GUARDED_BY(mutex_)
  std::string store_error_;                              // GUARDED_BY(mutex_)
  double start_time_ = 0;
};

}  // namespace nw
