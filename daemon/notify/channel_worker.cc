// One channel's delivery loop (daemon/notify/channel_worker.h).
#include "daemon/notify/channel_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/notify/formats.h"

namespace nw {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxFolded = 50;

std::chrono::sys_seconds sys_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Low-cardinality failure reasons for the metric: http_503, network.
std::string reason_label(const std::string& reason) {
  if (reason.rfind("HTTP ", 0) == 0 && reason.size() >= 8) return "http_" + reason.substr(5, 3);
  return "network";
}

// Waits `d` unless stopped first. REQUIRES: `lock` holds the mutex of `cv`.
void pause(std::condition_variable_any& cv, std::unique_lock<std::mutex>& lock,
           std::stop_token stop, Clock::duration d) {
  cv.wait_for(lock, stop, d, [] { return false; });
}

}  // namespace

ChannelWorker::ChannelWorker(const ChannelConfig& config, std::unique_ptr<Sender> sender,
                             const CursorStore& cursors, Metrics& metrics,
                             std::optional<std::uint64_t> cursor, WorkerOptions options,
                             std::function<void()> wants_replay)
    : config_(config),
      sender_(std::move(sender)),
      cursors_(cursors),
      metrics_(metrics),
      options_(options),
      wants_replay_(std::move(wants_replay)),
      labels_({{"channel", config.id}}),
      accepted_(cursor),
      cursor_(cursor),
      highest_handled_(cursor.value_or(0)),
      saved_(cursor) {
  status_.id = config.id;
  status_.kind = std::string(kind_name(config.kind));
  status_.state = "ok";
  if (auto limit = effective_rate_limit(config)) limiter_ = RateLimiter(*limit);
  if (config.digest) next_boundary_ = next_digest(*config.digest, sys_now());
  if (cursor) metrics_.set("newswatch_notify_cursor", labels_, static_cast<double>(*cursor));
  metrics_.set("newswatch_notify_lag_alerts", labels_, 0);
}

ChannelWorker::~ChannelWorker() { stop(); }

void ChannelWorker::start() {
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void ChannelWorker::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void ChannelWorker::set_lag() {
  metrics_.set("newswatch_notify_lag_alerts", labels_, static_cast<double>(queued_alerts_));
}

void ChannelWorker::offer(const Alert& alert, std::string_view json) {
  std::lock_guard lock(mutex_);
  if (overflowed_ || (accepted_ && alert.seq <= *accepted_)) return;
  if (queued_alerts_ >= options_.max_queued) {
    // The replay holds them: drop the window, take it again when we deliver.
    if (!overflowed_) {
      spdlog::warn(
          "channel {}: {} alerts waiting; the rest are left to the daemon's replay "
          "until it delivers again",
          config_.id, queued_alerts_);
    }
    overflowed_ = true;
    status_.state = "catching up";
    return;
  }
  accepted_ = alert.seq;
  queue_.push_back({alert.seq, Notice{alert, std::string(json), {}}, Clock::now()});
  ++queued_alerts_;
  set_lag();
  cv_.notify_all();
}

void ChannelWorker::pass(std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  if (overflowed_ || (accepted_ && seq <= *accepted_)) return;
  accepted_ = seq;
  if (!queue_.empty() && !queue_.back().notice) {
    queue_.back().seq = seq;  // one mark is enough
  } else {
    queue_.push_back({seq, std::nullopt, {}});
  }
  cv_.notify_all();
}

void ChannelWorker::resync() {
  std::lock_guard lock(mutex_);
  if (!awaiting_resync_) return;
  awaiting_resync_ = false;
  overflowed_ = false;
  accepted_ = cursor_;
  status_.state = status_.last_error.empty() ? "ok" : "retrying";
}

std::optional<std::uint64_t> ChannelWorker::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

ChannelStatus ChannelWorker::status() const {
  std::lock_guard lock(mutex_);
  ChannelStatus s = status_;
  s.cursor = cursor_;
  s.queued = queued_alerts_;
  if (config_.digest) s.next_digest = next_boundary_;
  return s;
}

std::uint64_t ChannelWorker::cursor_candidate() const {
  std::uint64_t c = queue_.empty() ? highest_handled_ : queue_.front().seq - 1;
  return std::max(c, cursor_.value_or(0));
}

void ChannelWorker::remove_sent(const std::vector<std::uint64_t>& seqs) {
  std::erase_if(queue_, [&](const Item& item) {
    if (!item.notice || std::find(seqs.begin(), seqs.end(), item.seq) == seqs.end()) return false;
    highest_handled_ = std::max(highest_handled_, item.seq);
    --queued_alerts_;
    return true;
  });
}

void ChannelWorker::save(std::uint64_t seq, bool sync) {
  if (saved_ && *saved_ == seq) return;
  if (auto r = cursors_.save(config_.id, seq, sync); !r) {
    spdlog::error("channel {}: {}", config_.id, r.error().message);
    return;
  }
  saved_ = seq;
  metrics_.set("newswatch_notify_cursor", labels_, static_cast<double>(seq));
}

void ChannelWorker::note_failure(const SendResult& result) {
  metrics_.inc("newswatch_notify_failures_total",
               {{"channel", config_.id}, {"reason", reason_label(result.reason)}});
  std::lock_guard lock(mutex_);
  ++status_.failures;
  status_.last_error = result.reason;
  status_.state = result.kind == SendResult::Kind::kPermanent ? "failing" : "retrying";
  if (overflowed_) status_.state = "catching up";
}

void ChannelWorker::run(std::stop_token stop) {
  const std::function<bool()> cancelled = [&stop] { return stop.stop_requested(); };
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (config_.digest) {
      digest_step(lock, stop, cancelled);
      continue;
    }
    const bool dirty = cursor_ && (!saved_ || *saved_ != *cursor_);
    if (queue_.empty()) {
      if (dirty) {
        // A pass moved the cursor: save it when the interval allows.
        const auto due = last_pass_save_ + options_.pass_save_interval;
        if (Clock::now() >= due) {
          const std::uint64_t c = *cursor_;
          lock.unlock();
          save(c, false);
          last_pass_save_ = Clock::now();
          lock.lock();
          continue;
        }
        cv_.wait_until(lock, stop, due, [&] { return !queue_.empty(); });
      } else {
        cv_.wait(lock, stop, [&] { return !queue_.empty(); });
      }
      continue;
    }
    if (!queue_.front().notice) {  // a pass mark
      highest_handled_ = std::max(highest_handled_, queue_.front().seq);
      queue_.pop_front();
      cursor_ = cursor_candidate();
      continue;
    }
    if (auto wait = limiter_.wait(Clock::now())) {
      rate_limited_ = true;
      pause(cv_, lock, stop, *wait);
      continue;
    }
    Notice notice = *queue_.front().notice;
    const Clock::time_point received = queue_.front().received;
    std::vector<std::uint64_t> seqs{queue_.front().seq};
    if (rate_limited_ && sender_->folds() && !notice.alert.story.empty()) {
      for (auto it = queue_.begin() + 1; it != queue_.end() && seqs.size() <= kMaxFolded; ++it) {
        if (it->notice && it->notice->alert.story == notice.alert.story) {
          notice.folded.push_back(it->notice->alert);
          seqs.push_back(it->seq);
        }
      }
    }
    lock.unlock();
    limiter_.take(Clock::now());
    const SendResult result = sender_->send(notice, cancelled);
    if (result.kind == SendResult::Kind::kSent) {
      metrics_.observe("newswatch_notify_delivery_seconds", labels_,
                       std::chrono::duration<double>(Clock::now() - received).count());
      if (seqs.size() > 1)
        metrics_.inc("newswatch_notify_folded_total", labels_,
                     static_cast<double>(seqs.size() - 1));
      lock.lock();
      rate_limited_ = rate_limited_ && queue_.size() > seqs.size();
      delivered(lock, seqs);
      continue;
    }
    lock.lock();
    failed(lock, stop, result);
  }
  // Leaving: the cursor as it stands (passes included) goes to disk.
  const std::optional<std::uint64_t> c = cursor_;
  lock.unlock();
  if (c) save(*c, true);
}

void ChannelWorker::delivered(std::unique_lock<std::mutex>& lock,
                              const std::vector<std::uint64_t>& seqs) {
  if (!logged_reason_.empty()) {
    spdlog::info("channel {}: delivering again", config_.id);
    logged_reason_.clear();
  }
  backoff_.reset();
  metrics_.inc("newswatch_notify_sent_total", labels_);
  metrics_.inc("newswatch_notify_alerts_sent_total", labels_, static_cast<double>(seqs.size()));
  remove_sent(seqs);
  // The marks right behind go too, so the one save covers them.
  while (!queue_.empty() && !queue_.front().notice) {
    highest_handled_ = std::max(highest_handled_, queue_.front().seq);
    queue_.pop_front();
  }
  cursor_ = cursor_candidate();
  ++status_.sent;
  status_.last_sent = std::chrono::system_clock::now();
  status_.last_error.clear();
  status_.next_attempt.reset();
  status_.state = overflowed_ ? "catching up" : "ok";
  set_lag();
  const std::uint64_t c = *cursor_;
  const bool drained_after_overflow = overflowed_ && queue_.empty() && !awaiting_resync_;
  if (drained_after_overflow) awaiting_resync_ = true;
  lock.unlock();
  save(c, true);
  if (drained_after_overflow && wants_replay_) wants_replay_();
  lock.lock();
}

void ChannelWorker::failed(std::unique_lock<std::mutex>& lock, std::stop_token stop,
                           const SendResult& result) {
  lock.unlock();
  note_failure(result);
  std::chrono::seconds wait{};
  if (result.kind == SendResult::Kind::kPermanent) {
    if (result.reason != logged_reason_) {
      spdlog::error(
          "channel {} ({}): {}; the service refuses the message: check the channel's "
          "settings; trying again every {} min, its alerts wait",
          config_.id, kind_name(config_.kind), result.reason, Backoff::kMax.count() / 60);
    }
    wait = Backoff::kMax;
  } else {
    wait = backoff_.next(result.retry_after);
    if (result.reason != logged_reason_) {
      spdlog::warn("channel {} ({}): {}; retrying in {}s, its alerts wait", config_.id,
                   kind_name(config_.kind), result.reason, wait.count());
    }
  }
  logged_reason_ = result.reason;
  lock.lock();
  status_.next_attempt = std::chrono::system_clock::now() + wait;
  pause(cv_, lock, stop, wait);
}

void ChannelWorker::digest_step(std::unique_lock<std::mutex>& lock, std::stop_token stop,
                                const std::function<bool()>& cancelled) {
  bool popped = false;
  while (!queue_.empty() && !queue_.front().notice) {
    highest_handled_ = std::max(highest_handled_, queue_.front().seq);
    queue_.pop_front();
    popped = true;
  }
  if (popped) cursor_ = cursor_candidate();
  const auto now = sys_now();
  if (now < next_boundary_) {
    // Passes move the cursor meanwhile: saved at most every pass_save_interval.
    if (cursor_ && (!saved_ || *saved_ != *cursor_) &&
        Clock::now() >= last_pass_save_ + options_.pass_save_interval) {
      const std::uint64_t c = *cursor_;
      lock.unlock();
      save(c, false);
      last_pass_save_ = Clock::now();
      lock.lock();
    }
    const auto left = std::chrono::duration_cast<Clock::duration>(next_boundary_ - now);
    pause(cv_, lock, stop, std::min<Clock::duration>(left, options_.pass_save_interval));
    return;
  }
  std::vector<Alert> alerts;
  std::vector<std::uint64_t> seqs;
  for (const Item& item : queue_) {
    if (!item.notice) continue;
    alerts.push_back(item.notice->alert);
    seqs.push_back(item.seq);
  }
  if (alerts.empty()) {  // an empty period: no message
    last_boundary_ = next_boundary_;
    next_boundary_ = next_digest(*config_.digest, now);
    return;
  }
  const DigestInfo info{
      "digest-" + config_.id + "-" + std::to_string(next_boundary_.time_since_epoch().count()),
      last_boundary_, next_boundary_};
  lock.unlock();
  const SendResult result = sender_->send_digest(alerts, info, cancelled);
  lock.lock();
  if (result.kind == SendResult::Kind::kSent) {
    last_boundary_ = next_boundary_;
    next_boundary_ = next_digest(*config_.digest, sys_now());
    delivered(lock, seqs);
    return;
  }
  failed(lock, stop, result);
}

}  // namespace nw
