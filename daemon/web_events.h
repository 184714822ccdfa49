// Live alerts for the analyst's pages (issue 22): GET /events, a Server-Sent
// Events stream. Each recorded alert after the client's cursor is one event,
// `id: SEQ`, `event: alert`, `data: ` the alert's JSON as /api/alerts gives it;
// the cursor is the Last-Event-ID header (a browser's reconnect), else
// `?after=SEQ`, else the newest alert when the stream opens. A comment line
// every `heartbeat` keeps proxies from closing an idle stream.
//
// One thread reads the alerts recorded since the last look every `poll`
// through its own read-only Store connection and keeps the newest `backlog`
// of them; the streams, on the HTTP server's threads, send from that, or read
// the store themselves for a client resuming from further back. The daemon's
// loop never sees a browser. At most `max_streams` streams at once: one more
// is answered 503 (counted in newswatch_web_streams_refused_total, and logged).
// Thread-safe; the destructor ends the streams and stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/metrics.h"
#include "daemon/store.h"

namespace httplib {
class Server;
}

namespace nw {

// One SSE event of a recorded alert: "id: SEQ\nevent: alert\ndata: JSON\n\n"
// (a JSON with a line break, which to_json never writes, gets a data: line per line).
std::string alert_event(const RecordedAlert& alert);

class AlertEvents {
 public:
  struct Options {
    std::chrono::milliseconds poll{250};
    std::chrono::milliseconds heartbeat{15'000};
    std::size_t max_streams = 64;
    std::size_t backlog = 1000;  // alerts kept in memory; most sent at once to a resuming client
    Metrics* metrics = nullptr;  // newswatch_web_streams, newswatch_web_streams_refused_total
  };
  // `store`: opened with OpenMode::kReadOnly, used only by this object.
  AlertEvents(std::unique_ptr<Store> store, Options options);
  ~AlertEvents();
  AlertEvents(const AlertEvents&) = delete;
  AlertEvents& operator=(const AlertEvents&) = delete;

  // GET /events on `server`, and enough server threads for max_streams
  // streams beside the pages (each stream holds one).
  void install(httplib::Server& server);

  std::size_t streams() const;
  // The seq of the newest alert seen (the cursor of a stream opened now).
  std::uint64_t head() const;

 private:
  struct Event {
    std::uint64_t seq;
    std::string bytes;
  };
  void run(std::stop_token stop);
  // The events after `after`, at most `backlog`, waiting up to `wait` for one;
  // moves `after` past them. nullopt when stopping.
  std::optional<std::vector<Event>> next(std::uint64_t& after, std::chrono::milliseconds wait);
  bool open_stream();  // false at the limit
  void close_stream();

  const Options options_;
  std::mutex store_mutex_;
  std::unique_ptr<Store> store_;  // GUARDED_BY(store_mutex_)

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Event> recent_;  // GUARDED_BY(mutex_), seq order
  std::uint64_t floor_ = 0;   // GUARDED_BY(mutex_): recent_ holds every alert after it
  std::uint64_t head_ = 0;    // GUARDED_BY(mutex_)
  std::size_t streams_ = 0;   // GUARDED_BY(mutex_)
  bool stopping_ = false;     // GUARDED_BY(mutex_)
  std::jthread thread_;       // last: stopped and joined first
};

}  // namespace nw
