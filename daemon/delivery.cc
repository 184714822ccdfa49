// Delivery (daemon/delivery.h).
#include "daemon/delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nw {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Unpublished alerts are read this many at a time.
constexpr std::size_t kPublishBatch = 1000;

void log_alert(const RecordedAlert& recorded) {
  auto a = alert_from_json(recorded.json);
  if (!a) {
    spdlog::info("alert #{} {}", recorded.seq, recorded.topic);
    return;
  }
  std::string words;
  for (const auto& m : a->matched) words += (words.empty() ? "" : ", ") + m;
  spdlog::info("alert #{} {} source={} url={} matched=[{}]", recorded.seq, recorded.topic,
               a->source, a->url, words);
}

}  // namespace

Delivery::Delivery(Store& store, Publisher& publisher, const Clock& clock, DeliveryOptions options)
    : store_(store), publisher_(publisher), clock_(clock), options_(options) {}

void Delivery::publish_recorded() {
  unpublished_ = true;
  for (;;) {
    auto alerts = store_.unpublished_alerts(kPublishBatch);
    if (!alerts) {
      spdlog::error("{}", alerts.error().message);
      return;
    }
    // Marked published together once sent: one transaction per batch, not
    // one per alert (that was a fifth of the loop thread's time).
    std::vector<std::uint64_t> sent;
    sent.reserve(alerts->size());
    auto mark = [&] {
      auto marked = store_.mark_published(sent);
      if (!marked) spdlog::error("{}", marked.error().message);
      return marked.has_value();
    };
    for (const RecordedAlert& a : *alerts) {
      if (auto r = publisher_.publish(a); !r) {
        spdlog::error("alert #{}: {}", a.seq, r.error().message);
        mark();
        return;  // stays unpublished, tried again at the next tick
      }
      sent.push_back(a.seq);
      ++alerts_published_;
      const auto day = std::chrono::floor<std::chrono::days>(clock_.now());
      if (day != today_) {
        today_ = day;
        alerts_today_ = 0;
      }
      ++alerts_today_;
      if (options_.metrics) {
        const auto slash = a.topic.find('/');
        options_.metrics->inc("newswatch_alerts_total", {{"watchlist", a.topic.substr(0, slash)},
                                                         {"rule", a.topic.substr(slash + 1)}});
        options_.metrics->set("newswatch_last_alert_seq", {}, static_cast<double>(a.seq));
      }
      log_alert(a);
    }
    if (!mark()) return;
    if (alerts->size() < kPublishBatch) break;
  }
  unpublished_ = false;
}

std::chrono::milliseconds Delivery::tick() {
  if (unpublished_) publish_recorded();
  const TimePoint now = clock_.now();
  if (now >= next_heartbeat_) {
    auto log = store_.alert_log();
    if (log && options_.metrics) {
      options_.metrics->set("newswatch_last_alert_seq", {}, static_cast<double>(log->last_seq));
    }
    if (!log) {
      spdlog::error("{}", log.error().message);
    } else if (auto sent = publisher_.heartbeat(
                   log->last_seq, std::chrono::time_point_cast<std::chrono::seconds>(now));
               !sent) {
      spdlog::error("heartbeat: {}", sent.error().message);
    }
    next_heartbeat_ = now + options_.heartbeat;
  }
  if (now >= next_prune_) prune();
  const TimePoint next = std::min(next_heartbeat_, next_prune_);
  return std::max(milliseconds(0), duration_cast<milliseconds>(next - clock_.now()));
}

void Delivery::prune() {
  const TimePoint now = clock_.now();
  auto full = [this](const Result<std::size_t>& deleted, std::string_view what) {
    if (!deleted) {
      spdlog::error("{}", deleted.error().message);
      return false;
    }
    if (*deleted > 0) spdlog::debug("deleted {} {}", *deleted, what);
    return *deleted == options_.prune_batch;
  };
  const auto before = [&now](std::chrono::seconds keep) {
    return std::chrono::time_point_cast<std::chrono::seconds>(now - keep);
  };
  const bool more_alerts =
      full(store_.prune_alerts(before(options_.keep_alerts), options_.prune_batch),
           "alerts older than keep_alerts");
  const bool more_articles =
      full(store_.prune_articles(before(options_.keep_articles), options_.prune_batch),
           "kept articles older than keep_articles");
  // A full batch: more are waiting; come back soon, between other work.
  next_prune_ =
      now + (more_alerts || more_articles ? std::chrono::seconds(1) : options_.prune_every);
}

}  // namespace nw
