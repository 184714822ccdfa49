// A pool of threads for the pipeline's pure work (extraction, matching, the
// story signature), whose results come back to the loop thread. A job is a
// function run on a worker that returns its continuation; drain(), called on
// the loop thread, runs the continuations of the jobs that finished, in the
// order they finished, and `wake` (given at construction) is called from the
// worker when the first is ready since the last drain(), so the loop's wait
// ends (Fetcher::wakeup()).
// With one worker there are no threads: submit() runs the job and its
// continuation at once, on the calling thread.
// submit(), drain() and the destructor: the loop thread only. Jobs must not
// touch what the loop thread owns (the Store, the publisher, the metrics);
// what they need they hold by value or by shared_ptr to const.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace nw {

class WorkPool {
 public:
  using Continuation = std::move_only_function<void()>;
  using Job = std::move_only_function<Continuation()>;

  // `workers` ≥ 1; `wake` may be called from any worker thread.
  WorkPool(std::size_t workers, std::function<void()> wake);
  // Stops the workers: a job running finishes, jobs not started and
  // continuations not drained are dropped without running.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void submit(Job job);
  // Runs the continuations of the finished jobs; returns how many ran.
  std::size_t drain();

  // Jobs submitted whose continuation has not run yet (queued, running or
  // finished and not drained).
  std::size_t in_progress() const { return in_progress_; }
  std::size_t workers() const { return threads_.empty() ? 1 : threads_.size(); }

 private:
  void work(std::stop_token stop);

  std::function<void()> wake_;
  std::size_t in_progress_ = 0;  // the loop thread's own count
  std::mutex mutex_;
  std::condition_variable_any ready_;
  std::deque<Job> jobs_;               // GUARDED_BY(mutex_)
  std::deque<Continuation> done_;      // GUARDED_BY(mutex_)
  std::vector<std::jthread> threads_;  // last: stopped and joined first
};

}  // namespace nw
