#include "daemon/work_pool.h"

#include <utility>

namespace nw {

WorkPool::WorkPool(std::size_t workers, std::function<void()> wake) : wake_(std::move(wake)) {
  if (workers <= 1) return;
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

WorkPool::~WorkPool() {
  for (auto& t : threads_) t.request_stop();
  ready_.notify_all();
  threads_.clear();  // joins
}

void WorkPool::submit(Job job) {
  if (threads_.empty()) {
    job()();
    return;
  }
  ++in_progress_;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

std::size_t WorkPool::drain() {
  std::deque<Continuation> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
  }
  for (Continuation& c : done) {
    --in_progress_;
    c();
  }
  return done.size();
}

void WorkPool::work(std::stop_token stop) {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      // Stopped: the jobs still queued are dropped, not run.
      if (!ready_.wait(lock, stop, [this] { return !jobs_.empty(); }) || stop.stop_requested()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Continuation c = job();
    job = nullptr;  // what it captured is freed here, off the loop thread
    bool first;
    {
      std::lock_guard lock(mutex_);
      first = done_.empty();
      done_.push_back(std::move(c));
    }
    // One wake per drain is enough: the loop takes all that is done by then.
    // Waking it for each job cost a syscall and a loop turn per article.
    if (first && wake_) wake_();
  }
}

}  // namespace nw
