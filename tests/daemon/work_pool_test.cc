#include "daemon/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/wait.h"

namespace nw {
namespace {

using namespace std::chrono_literals;

TEST(WorkPool, OneWorkerRunsEachJobAndItsContinuationAtOnceOnTheCaller) {
  int woken = 0;
  WorkPool pool(1, [&] { ++woken; });
  const auto caller = std::this_thread::get_id();
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) {
    pool.submit([&, i]() -> WorkPool::Continuation {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      return [&got, i] { got.push_back(i); };
    });
    EXPECT_EQ(got.size(), static_cast<std::size_t>(i + 1));  // before submit returned
  }
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(pool.in_progress(), 0u);
  EXPECT_EQ(pool.drain(), 0u);
  EXPECT_EQ(woken, 0);
}

TEST(WorkPool, EachJobsResultComesBackOnceOnTheDrainingThread) {
  std::atomic<int> woken = 0;
  WorkPool pool(2, [&] { ++woken; });
  EXPECT_EQ(pool.workers(), 2u);
  const auto loop = std::this_thread::get_id();
  constexpr int kJobs = 2000;
  std::set<std::thread::id> workers;  // read on the loop thread only
  std::vector<int> result(kJobs, -1);
  std::vector<int> times(kJobs, 0);
  for (int i = 0; i < kJobs; ++i) {
    pool.submit([i, loop, &workers, &result, &times]() -> WorkPool::Continuation {
      const auto worker = std::this_thread::get_id();
      EXPECT_NE(worker, loop);
      const int square = i * i;  // the work, with what the job holds only
      return [&workers, &result, &times, i, square, worker, loop] {
        EXPECT_EQ(std::this_thread::get_id(), loop);
        workers.insert(worker);
        result[i] = square;
        ++times[i];
      };
    });
  }
  std::size_t drained = 0;
  ASSERT_TRUE(test::wait_for([&] { return (drained += pool.drain()) == kJobs; }, 30s));
  EXPECT_EQ(pool.in_progress(), 0u);
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(result[i], i * i) << i;
    EXPECT_EQ(times[i], 1) << i;
  }
  EXPECT_GE(woken.load(), 1);
  EXPECT_LE(workers.size(), 2u);
  EXPECT_EQ(pool.drain(), 0u);
}

TEST(WorkPool, JobsRunAtOnceOnSeveralWorkers) {
  WorkPool pool(2, [] {});
  // Each job waits for the other to have started: with one thread the first
  // would time out.
  std::promise<void> a_started, b_started;
  std::shared_future<void> a = a_started.get_future().share(), b = b_started.get_future().share();
  std::atomic<int> met = 0;
  pool.submit([&]() -> WorkPool::Continuation {
    a_started.set_value();
    if (b.wait_for(20s) == std::future_status::ready) ++met;
    return [] {};
  });
  pool.submit([&]() -> WorkPool::Continuation {
    b_started.set_value();
    if (a.wait_for(20s) == std::future_status::ready) ++met;
    return [] {};
  });
  std::size_t drained = 0;
  ASSERT_TRUE(test::wait_for([&] { return (drained += pool.drain()) == 2; }, 30s));
  EXPECT_EQ(met.load(), 2);
}

TEST(WorkPool, ResultsNotDrainedAreDroppedWithWhatTheyHoldWhenThePoolGoes) {
  auto held = std::make_shared<int>(7);
  std::atomic<int> ran = 0;
  bool continued = false;
  {
    WorkPool pool(2, [] {});
    for (int i = 0; i < 10; ++i) {
      pool.submit([&ran, &continued, held]() -> WorkPool::Continuation {
        ++ran;
        return [&continued, held] { continued = true; };
      });
    }
    ASSERT_TRUE(test::wait_for([&] { return ran.load() == 10; }, 30s));
    EXPECT_EQ(pool.in_progress(), 10u);
  }
  EXPECT_FALSE(continued);
  EXPECT_EQ(held.use_count(), 1);  // the jobs and their continuations are freed
}

TEST(WorkPool, StoppingWhileJobsRunFinishesThoseAndDropsTheQueued) {
  auto held = std::make_shared<int>(7);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> started = 0;
  std::atomic<int> ran = 0;
  bool continued = false;
  auto pool = std::make_unique<WorkPool>(2, [] {});
  for (int i = 0; i < 50; ++i) {
    pool->submit([&, held]() -> WorkPool::Continuation {
      ++started;
      open.wait();
      ++ran;
      return [&continued, held] { continued = true; };
    });
  }
  ASSERT_TRUE(test::wait_for([&] { return started.load() == 2; }, 30s));  // both workers busy
  // Opens the gate while the pool is being destroyed (or just before): the
  // two running jobs finish; of the rest, those a worker took before it saw
  // the stop run too, and the others are dropped.
  std::jthread opener([&] { gate.set_value(); });
  pool.reset();
  opener.join();
  EXPECT_GE(ran.load(), 2);
  EXPECT_LE(ran.load(), 50);
  EXPECT_EQ(ran.load(), started.load());
  EXPECT_FALSE(continued);
  EXPECT_EQ(held.use_count(), 1);
}

}  // namespace
}  // namespace nw
