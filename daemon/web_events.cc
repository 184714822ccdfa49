// AlertEvents (daemon/web_events.h) on cpp-httplib's chunked responses.
#include "daemon/web_events.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/metrics_server.h"

namespace nw {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// How long a stream's call waits before it returns to cpp-httplib, which then
// checks the connection and whether the server is stopping.
constexpr milliseconds kSlice{200};

}  // namespace

std::string alert_event(const RecordedAlert& alert) {
  std::string out = "id: " + std::to_string(alert.seq) + "\nevent: alert\n";
  std::string_view json = alert.json;
  for (std::size_t at = 0;;) {
    const std::size_t end = json.find_first_of("\r\n", at);
    out += "data: ";
    out += json.substr(at, end == std::string_view::npos ? json.npos : end - at);
    out += '\n';
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return out + "\n";
}

AlertEvents::AlertEvents(std::unique_ptr<Store> store, Options options)
    : options_(options), store_(std::move(store)) {
  if (auto log = store_->alert_log()) {
    head_ = floor_ = log->last_seq;
  } else {
    spdlog::warn("live alerts: {}", log.error().message);
  }
  if (options_.metrics) options_.metrics->set("newswatch_web_streams", {}, 0);
  thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

AlertEvents::~AlertEvents() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void AlertEvents::run(std::stop_token stop) {
  std::mutex sleep_mutex;
  std::condition_variable_any sleep;
  std::string last_error;
  while (!stop.stop_requested()) {
    std::uint64_t after;
    {
      std::lock_guard lock(mutex_);
      after = head_;
    }
    Result<std::vector<RecordedAlert>> fresh = [&] {
      std::lock_guard lock(store_mutex_);
      return store_->alerts_since(after, "", options_.backlog);
    }();
    if (!fresh) {
      if (fresh.error().message != last_error)
        spdlog::warn("live alerts: {}", fresh.error().message);
      last_error = fresh.error().message;
    } else if (!fresh->empty()) {
      last_error.clear();
      {
        std::lock_guard lock(mutex_);
        for (const RecordedAlert& a : *fresh) recent_.push_back({a.seq, alert_event(a)});
        head_ = fresh->back().seq;
        while (recent_.size() > options_.backlog) {
          floor_ = recent_.front().seq;
          recent_.pop_front();
        }
      }
      changed_.notify_all();
      if (fresh->size() == options_.backlog) continue;  // more to read now
    }
    std::unique_lock lock(sleep_mutex);
    sleep.wait_for(lock, stop, options_.poll, [] { return false; });
  }
}

std::optional<std::vector<AlertEvents::Event>> AlertEvents::next(std::uint64_t& after,
                                                                 milliseconds wait) {
  std::vector<Event> out;
  std::uint64_t floor;
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return stopping_ || head_ > after; });
    if (stopping_) return std::nullopt;
    if (head_ <= after) return out;
    if (after >= floor_) {
      auto it = std::upper_bound(recent_.begin(), recent_.end(), after,
                                 [](std::uint64_t s, const Event& e) { return s < e.seq; });
      for (; it != recent_.end() && out.size() < options_.backlog; ++it) out.push_back(*it);
      if (!out.empty()) after = out.back().seq;
      return out;
    }
    floor = floor_;
  }
  // From further back than memory holds: this stream reads the store.
  std::lock_guard lock(store_mutex_);
  auto older = store_->alerts_since(after, "", options_.backlog);
  if (!older) spdlog::warn("live alerts: {}", older.error().message);
  if (!older || older->empty()) {
    after = floor;  // gone from the store too: go on from what memory holds
    return out;
  }
  for (const RecordedAlert& a : *older) out.push_back({a.seq, alert_event(a)});
  after = out.back().seq;
  return out;
}

bool AlertEvents::open_stream() {
  std::size_t now;
  {
    std::lock_guard lock(mutex_);
    if (streams_ >= options_.max_streams) return false;
    now = ++streams_;
  }
  if (options_.metrics)
    options_.metrics->set("newswatch_web_streams", {}, static_cast<double>(now));
  return true;
}

void AlertEvents::close_stream() {
  std::size_t now;
  {
    std::lock_guard lock(mutex_);
    now = --streams_;
  }
  if (options_.metrics)
    options_.metrics->set("newswatch_web_streams", {}, static_cast<double>(now));
}

std::size_t AlertEvents::streams() const {
  std::lock_guard lock(mutex_);
  return streams_;
}

std::uint64_t AlertEvents::head() const {
  std::lock_guard lock(mutex_);
  return head_;
}

void AlertEvents::install(httplib::Server& server) {
  const std::size_t threads = CPPHTTPLIB_THREAD_POOL_COUNT + options_.max_streams;
  server.new_task_queue = [threads] { return background_task_queue(threads); };
  server.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<std::uint64_t> cursor;
    for (const char* name : {"Last-Event-ID", "after"}) {
      const bool header = name[0] == 'L';
      if (header ? !req.has_header(name) : !req.has_param(name)) continue;
      cursor = parse_seq(header ? req.get_header_value(name) : req.get_param_value(name));
      if (!cursor) {
        res.status = 400;
        res.set_content(std::string(name) + ": an alert seq\n", "text/plain");
        return;
      }
      break;
    }
    if (!open_stream()) {
      if (options_.metrics) options_.metrics->inc("newswatch_web_streams_refused_total");
      spdlog::warn("live alerts: refused a stream from {}: {} open already (the most)",
                   req.remote_addr, options_.max_streams);
      res.status = 503;
      res.set_header("Retry-After", "10");
      res.set_content("too many live streams\n", "text/plain");
      return;
    }
    struct Stream {
      std::uint64_t after;
      bool greeted = false;
      steady_clock::time_point last_write;
    };
    auto stream = std::make_shared<Stream>(Stream{
        .after = std::min(cursor.value_or(UINT64_MAX), head()), .last_write = steady_clock::now()});
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");  // nginx: pass each event on at once
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, stream](std::size_t, httplib::DataSink& sink) {
          auto send = [&](const std::string& bytes) {
            stream->last_write = steady_clock::now();
            return sink.write(bytes.data(), bytes.size());
          };
          if (!stream->greeted) {
            stream->greeted = true;
            // A browser reconnects 2 s after the stream drops.
            return send("retry: 2000\n: newswatch live alerts after " +
                        std::to_string(stream->after) + "\n\n");
          }
          const auto beat_due = stream->last_write + options_.heartbeat;
          const auto wait =
              std::clamp(std::chrono::ceil<milliseconds>(beat_due - steady_clock::now()),
                         milliseconds(0), kSlice);
          auto events = next(stream->after, wait);
          if (!events) return false;  // stopping
          if (!events->empty()) {
            std::string bytes;
            for (const Event& e : *events) bytes += e.bytes;
            return send(bytes);
          }
          if (steady_clock::now() >= beat_due) return send(": heartbeat\n\n");
          return true;
        },
        [this](bool) { close_stream(); });
  });
}

}  // namespace nw
