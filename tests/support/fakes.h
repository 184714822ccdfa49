// Test doubles for the daemon's seams: a clock the test moves, a fetcher that
// answers from a table the test fills (and records every request), and a
// publisher that keeps what it was given. Single-threaded, like the loop.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clock.h"
#include "daemon/publisher.h"
#include "feeds/fetcher.h"

namespace nw::test {

class FakeClock final : public Clock {
 public:
  FakeClock()
      : now_(std::chrono::sys_days{std::chrono::year{2020} / 6 / 3} + std::chrono::hours(9)) {}
  TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

class FakeFetcher final : public Fetcher {
 public:
  // What a URL answers; unknown URLs answer a network error.
  void answer(const std::string& url, Result<FetchResponse> r) { answers_[url] = std::move(r); }
  void answer_page(const std::string& url, std::string body, long status = 200,
                   std::string content_type = "text/html; charset=utf-8") {
    answer(url, FetchResponse{.status = status,
                              .url = url,
                              .content_type = std::move(content_type),
                              .body = std::move(body)});
  }

  // Requests for `url` are recorded but never answered: a host that hangs.
  void hold(const std::string& url) { held_urls_.insert(url); }

  void submit(FetchRequest request, Done done) override {
    requests.push_back(request);
    if (held_urls_.contains(request.url)) {
      held_.emplace_back(std::move(request), std::move(done));
      return;
    }
    queue_.emplace_back(std::move(request), std::move(done));
  }
  void run(std::chrono::milliseconds) override {
    auto batch = std::move(queue_);
    queue_.clear();
    for (auto& [req, done] : batch) {
      auto it = answers_.find(req.url);
      if (it == answers_.end()) {
        done(fail(Errc::kNetwork, "GET " + req.url + ": Couldn't connect to server"));
        continue;
      }
      Result<FetchResponse> r = it->second;
      if (r && r->status == 200 && !r->etag.empty() && req.etag == r->etag) {
        r = FetchResponse{.status = 304, .url = req.url, .etag = r->etag};
      }
      done(std::move(r));
    }
  }
  std::size_t pending() const override { return queue_.size() + held_.size(); }
  void wakeup() override {}

  int count(const std::string& url) const {
    int n = 0;
    for (const auto& r : requests) n += r.url == url;
    return n;
  }
  std::vector<FetchRequest> requests;

 private:
  std::map<std::string, Result<FetchResponse>> answers_;
  std::deque<std::pair<FetchRequest, Done>> queue_;
  std::set<std::string> held_urls_;
  std::deque<std::pair<FetchRequest, Done>> held_;
};

// Records the bytes a subscriber would receive.
class FakePublisher final : public Publisher {
 public:
  Result<void> publish(const RecordedAlert& alert) override {
    if (broken) return fail(Errc::kIo, "publisher broken");
    records.push_back(alert);
    auto parsed = alert_from_json(alert.json);
    if (!parsed) return fail(Errc::kInternal, "bad alert JSON: " + parsed.error().message);
    sent.push_back(std::move(*parsed));
    return {};
  }
  Result<void> heartbeat(std::uint64_t last_seq, std::chrono::sys_seconds now) override {
    if (broken) return fail(Errc::kIo, "publisher broken");
    heartbeats.push_back(heartbeat_json(last_seq, now));
    return {};
  }
  std::vector<RecordedAlert> records;  // the bytes a subscriber receives
  std::vector<Alert> sent;             // the same, parsed back
  std::vector<std::string> heartbeats;
  bool broken = false;
};

}  // namespace nw::test
