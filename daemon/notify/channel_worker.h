// One channel's delivery: the alerts routed to it wait in memory, in seq
// order, and its own thread sends them one message at a time through its
// Sender: retried with backoff (1 s -> 10 min, Retry-After obeyed) while they
// fail, at most at the channel's rate limit, alerts of one story folded into
// one message when that limit holds them back. After each delivery the cursor
// (the seq up to which the channel is served) is saved, so a restart asks the
// daemon's replay for what comes after it: the daemon's log is the queue, and
// the memory here is only a window on it. A channel that falls more than
// `max_queued` alerts behind drops its window and takes it again from the
// replay once it delivers again (wants_replay()). A failing channel holds
// back nobody else: each worker has its own thread.
//
// offer(), pass(), resync() are called from the notifier's subscriber thread;
// status() and cursor() from any thread. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "config/notify_config.h"
#include "daemon/metrics.h"
#include "daemon/notify/backoff.h"
#include "daemon/notify/cursor_store.h"
#include "daemon/notify/notice.h"
#include "daemon/notify/rate_limiter.h"
#include "daemon/notify/sender.h"

namespace nw {

struct ChannelStatus {
  std::string id;
  std::string kind;
  std::optional<std::uint64_t> cursor;
  std::size_t queued = 0;  // alerts waiting for this channel
  std::string state;       // "ok", "retrying", "failing", "catching up"
  std::string last_error;  // "" once it delivers again
  std::uint64_t sent = 0;  // messages
  std::uint64_t failures = 0;
  std::optional<std::chrono::system_clock::time_point> last_sent;
  // While a failure is waited out: when the next attempt is due.
  std::optional<std::chrono::system_clock::time_point> next_attempt;
  // Digest channels: the end of the current period (its message, if any, goes then).
  std::optional<std::chrono::sys_seconds> next_digest;
};

struct WorkerOptions {
  std::size_t max_queued = 10000;
  // Cursors moved past alerts not meant for the channel are saved at most
  // this often (losing one costs a replay that delivers nothing).
  std::chrono::milliseconds pass_save_interval{1000};
};

class ChannelWorker {
 public:
  // `cursor`: where the channel is (nullopt: it takes what comes).
  // `wants_replay` is called from the worker thread when it dropped alerts
  // and is ready to take them again: the notifier then subscribes again from
  // the lowest cursor and calls resync(). REQUIRES: `config`, `cursors` and
  // `metrics` outlive the worker.
  ChannelWorker(const ChannelConfig& config, std::unique_ptr<Sender> sender,
                const CursorStore& cursors, Metrics& metrics, std::optional<std::uint64_t> cursor,
                WorkerOptions options, std::function<void()> wants_replay);
  ~ChannelWorker();  // stop()
  ChannelWorker(const ChannelWorker&) = delete;
  ChannelWorker& operator=(const ChannelWorker&) = delete;

  void start();
  // Stops the thread (an attempt in flight is aborted); queued alerts are
  // left to the replay of the next start.
  void stop();

  // An alert routed to this channel; ignored when at or below what it has.
  void offer(const Alert& alert, std::string_view json);
  // Everything up to `seq` is known to the notifier and not (otherwise) meant
  // for this channel: once what is queued went out, the cursor may move there.
  void pass(std::uint64_t seq);
  // At the start of a subscription: a channel that dropped alerts takes them
  // again from its cursor.
  void resync();

  std::optional<std::uint64_t> cursor() const;
  ChannelStatus status() const;

 private:
  struct Item {
    std::uint64_t seq = 0;
    std::optional<Notice> notice;  // none: a pass mark
    std::chrono::steady_clock::time_point received{};
  };

  void run(std::stop_token stop);
  // A channel with `digest`: waits for the period's boundary, then sends every
  // queued alert as one digest. REQUIRES: `lock` holds mutex_ (held on return).
  void digest_step(std::unique_lock<std::mutex>& lock, std::stop_token stop,
                   const std::function<bool()>& cancelled);
  // After a message went out: `seqs` leave the queue, the cursor moves and is
  // saved. REQUIRES: `lock` holds mutex_ (held on return).
  void delivered(std::unique_lock<std::mutex>& lock, const std::vector<std::uint64_t>& seqs);
  // After a failed attempt: logs (once per reason) and waits. Same lock contract.
  void failed(std::unique_lock<std::mutex>& lock, std::stop_token stop, const SendResult& result);
  // REQUIRES: mutex_ held. Where the cursor may go now.
  std::uint64_t cursor_candidate() const;
  void remove_sent(const std::vector<std::uint64_t>& seqs);
  void save(std::uint64_t seq, bool sync);
  void note_failure(const SendResult& result);
  void set_lag();

  const ChannelConfig& config_;
  std::unique_ptr<Sender> sender_;
  const CursorStore& cursors_;
  Metrics& metrics_;
  const WorkerOptions options_;
  const std::function<void()> wants_replay_;
  const Metrics::Labels labels_;

  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<Item> queue_;                 // GUARDED_BY(mutex_), seq order
  std::size_t queued_alerts_ = 0;          // GUARDED_BY(mutex_)
  std::optional<std::uint64_t> accepted_;  // GUARDED_BY(mutex_): highest seq taken in
  std::optional<std::uint64_t> cursor_;    // GUARDED_BY(mutex_): as saved (or to save)
  std::uint64_t highest_handled_ = 0;      // GUARDED_BY(mutex_)
  bool overflowed_ = false;                // GUARDED_BY(mutex_): alerts were dropped
  bool awaiting_resync_ = false;           // GUARDED_BY(mutex_)
  ChannelStatus status_;                   // GUARDED_BY(mutex_)

  // The worker thread's own.
  Backoff backoff_;
  RateLimiter limiter_;
  bool rate_limited_ = false;
  std::string logged_reason_;
  std::optional<std::uint64_t> saved_;
  std::chrono::steady_clock::time_point last_pass_save_{};
  std::chrono::sys_seconds next_boundary_{};  // digest channels
  std::optional<std::chrono::sys_seconds> last_boundary_;
  std::jthread thread_;
};

}  // namespace nw
