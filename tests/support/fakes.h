// Test doubles for the daemon's seams: a clock the test moves, a fetcher that
// answers from a table the test fills (and records every request), a
// publisher that keeps what it was given, and a Store that forwards to a real
// one so that a test can override one call. Single-threaded, like the loop.
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
#include "daemon/store.h"
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

// Forwards every call to `base` (which must outlive it); a test derives from it
// and overrides the calls it wants to break, as LevelDB's EnvWrapper does.
class StoreWrapper : public Store {
 public:
  explicit StoreWrapper(Store& base) : base_(base) {}
  Result<SourceState> source(std::string_view id) override { return base_.source(id); }
  Result<void> save_source(std::string_view id, const SourceState& state) override {
    return base_.save_source(id, state);
  }
  Result<std::vector<Item>> add_items(std::string_view id, std::span<const Item> items,
                                      bool finished) override {
    return base_.add_items(id, items, finished);
  }
  Result<std::vector<std::pair<std::string, std::string>>> keys_for_links(
      std::string_view id, std::span<const std::string> links) override {
    return base_.keys_for_links(id, links);
  }
  Result<std::vector<Item>> requeue_edited(std::string_view id,
                                           std::span<const Item> items) override {
    return base_.requeue_edited(id, items);
  }
  Result<std::vector<Item>> pending_items(std::string_view id) override {
    return base_.pending_items(id);
  }
  Result<void> record_attempt(std::string_view id, std::string_view key) override {
    return base_.record_attempt(id, key);
  }
  Result<void> count_robots_skipped(std::string_view id) override {
    return base_.count_robots_skipped(id);
  }
  Result<std::vector<Alert>> finish_item(
      std::string_view id, std::string_view key, std::string_view article_key,
      std::vector<Alert> alerts, const std::optional<StoryArticle>& story = std::nullopt) override {
    return base_.finish_item(id, key, article_key, std::move(alerts), story);
  }
  Result<std::vector<StoredStoryArticle>> story_articles(std::chrono::sys_seconds since,
                                                         std::size_t limit) override {
    return base_.story_articles(since, limit);
  }
  Result<std::vector<RecordedAlert>> story_alerts(std::string_view story,
                                                  std::size_t limit) override {
    return base_.story_alerts(story, limit);
  }
  Result<std::vector<StorySummary>> top_stories(std::chrono::sys_seconds since,
                                                std::size_t limit) override {
    return base_.top_stories(since, limit);
  }
  Result<std::size_t> prune_stories(std::chrono::sys_seconds before, std::size_t limit) override {
    return base_.prune_stories(before, limit);
  }
  Result<std::vector<Alert>> finish_and_keep(std::string_view id, std::string_view key,
                                             std::string_view article_key,
                                             std::vector<Alert> alerts, const KeptArticle& article,
                                             const std::optional<StoryArticle>& story) override {
    return base_.finish_and_keep(id, key, article_key, std::move(alerts), article, story);
  }
  Result<std::vector<std::vector<Alert>>> finish_items(std::span<FinishedItem> items) override {
    return base_.finish_items(items);
  }
  Result<std::vector<Alert>> record_alerts(std::string_view id, std::string_view key,
                                           std::string_view article_key,
                                           std::vector<Alert> alerts) override {
    return base_.record_alerts(id, key, article_key, std::move(alerts));
  }
  Result<std::vector<KeptArticle>> kept_articles(std::chrono::sys_seconds since, std::int64_t after,
                                                 std::size_t limit) override {
    return base_.kept_articles(since, after, limit);
  }
  Result<std::size_t> prune_articles(std::chrono::sys_seconds before, std::size_t limit) override {
    return base_.prune_articles(before, limit);
  }
  Result<std::vector<RecordedAlert>> unpublished_alerts(std::size_t limit) override {
    return base_.unpublished_alerts(limit);
  }
  using Store::mark_published;
  Result<void> mark_published(std::span<const std::uint64_t> seqs) override {
    return base_.mark_published(seqs);
  }
  Result<std::vector<RecordedAlert>> alerts_since(std::uint64_t after, std::string_view prefix,
                                                  std::size_t limit) override {
    return base_.alerts_since(after, prefix, limit);
  }
  Result<std::vector<RecordedAlert>> latest_alerts(std::uint64_t before, std::string_view prefix,
                                                   std::size_t limit) override {
    return base_.latest_alerts(before, prefix, limit);
  }
  Result<AlertLog> alert_log() override { return base_.alert_log(); }
  Result<std::map<std::string, std::uint64_t, std::less<>>> topic_counts(
      std::chrono::sys_seconds since) override {
    return base_.topic_counts(since);
  }
  Result<std::map<std::string, SourceCounts, std::less<>>> source_counts() override {
    return base_.source_counts();
  }
  Result<std::size_t> prune_alerts(std::chrono::sys_seconds before, std::size_t limit) override {
    return base_.prune_alerts(before, limit);
  }
  Result<void> save_lookback(const LookbackProgress& p) override { return base_.save_lookback(p); }
  Result<void> end_lookback(std::string_view watchlist, std::string_view rule) override {
    return base_.end_lookback(watchlist, rule);
  }
  Result<std::vector<LookbackProgress>> lookbacks() override { return base_.lookbacks(); }

 private:
  Store& base_;
};

}  // namespace nw::test
