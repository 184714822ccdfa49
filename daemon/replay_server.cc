// The replay ROUTER (daemon/replay_server.h).
#include "daemon/replay_server.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/curve.h"
#include "daemon/publisher.h"

namespace nw {
namespace {

using Clock = std::chrono::steady_clock;

// More clients than this with requests outstanding get ERROR: memory stays
// bounded by clients × batch.
constexpr std::size_t kMaxClients = 1024;

struct Request {
  std::string error;  // non-empty: answer ERROR with this reason
  std::uint64_t cursor = 0;
  std::string prefix;
  bool started = false;
  bool exhausted = false;                    // the store has nothing more up to `last`
  std::uint64_t last = 0;                    // the last seq assigned when the request started
  std::optional<std::uint64_t> oldest_kept;  // set when alerts after N were deleted
};

struct Client {
  bool req_envelope = false;  // a REQ client: replies carry an empty delimiter
  std::deque<Request> requests;
  std::deque<RecordedAlert> buffered;  // read from the store, not yet sent
  Clock::time_point last_progress = Clock::now();
};

class ZmqReplayServer final : public ReplayServer {
 public:
  ZmqReplayServer(zmq::context_t& context, std::unique_ptr<Store> store, ReplayOptions options)
      : socket_(context, zmq::socket_type::router), store_(std::move(store)), options_(options) {}

  Result<void> bind(const std::string& endpoint, std::string_view curve_secret_key) {
    if (std::string why = bad_tcp_port(endpoint); !why.empty()) {
      return fail(Errc::kIo, "cannot bind replay endpoint " + endpoint + ": " + why);
    }
    try {
      socket_.set(zmq::sockopt::router_mandatory, true);  // full queue: EAGAIN, not a drop
      socket_.set(zmq::sockopt::sndhwm, options_.send_high_water_mark);
      socket_.set(zmq::sockopt::linger, 0);
      if (!curve_secret_key.empty()) make_curve_server(socket_, curve_secret_key);
      socket_.bind(endpoint);
      endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, "cannot bind replay endpoint " + endpoint + ": " + e.what());
    }
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
    return {};
  }

  std::string endpoint() const override { return endpoint_; }

 private:
  void run(std::stop_token st) {
    while (!st.stop_requested()) {
      try {
        const bool work = !clients_.empty();
        const bool all_paused = work && paused_ == clients_.size();
        const auto timeout = !work        ? std::chrono::milliseconds(100)
                             : all_paused ? std::chrono::milliseconds(5)
                                          : std::chrono::milliseconds(0);
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, timeout);
        receive_requests();
        serve_clients();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        spdlog::error("replay: {}", e.what());
      }
    }
  }

  void receive_requests() {
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return;
      if (frames.size() < 2) continue;
      std::string identity = frames[0].to_string();
      std::size_t first = 1;
      const bool req = frames[1].size() == 0;
      if (req) ++first;
      auto it = clients_.find(identity);
      if (it == clients_.end()) {
        if (clients_.size() >= kMaxClients) {
          Client once{.req_envelope = req};
          send_frames(identity, once, {"ERROR", "the replay server is busy; try again later"});
          continue;
        }
        it = clients_.emplace(identity, Client{.req_envelope = req}).first;
      }
      Client& c = it->second;
      if (c.requests.size() >= options_.max_queued_requests) continue;  // a flood: ignored
      c.requests.push_back(parse_request(frames, first));
    }
  }

  static Request parse_request(const std::vector<zmq::message_t>& frames, std::size_t first) {
    Request r;
    const std::size_t n = frames.size() - first;
    if (n != 3 || frames[first].to_string_view() != "SINCE") {
      r.error = "expected 3 frames: SINCE, a decimal seq, a topic prefix";
      return r;
    }
    auto seq = parse_seq(frames[first + 1].to_string_view());
    if (!seq) {
      r.error =
          "seq \"" + frames[first + 1].to_string().substr(0, 40) + "\" is not a decimal number";
      return r;
    }
    r.cursor = *seq;
    r.prefix = frames[first + 2].to_string();
    return r;
  }

  void serve_clients() {
    paused_ = 0;
    const auto now = Clock::now();
    for (auto it = clients_.begin(); it != clients_.end();) {
      Client& c = it->second;
      const Outcome o = serve(it->first, c);
      if (o == Outcome::kPaused && now - c.last_progress > options_.stall) {
        spdlog::warn("replay: a client stopped reading for {}s; dropped its replay",
                     options_.stall.count());
        it = clients_.erase(it);
      } else if (o == Outcome::kGone || c.requests.empty()) {
        it = clients_.erase(it);
      } else {
        paused_ += o == Outcome::kPaused;
        ++it;
      }
    }
  }

  enum class Outcome { kProgress, kPaused, kGone };

  // Sends up to one batch of the client's current request.
  Outcome serve(const std::string& identity, Client& c) {
    Request& r = c.requests.front();
    if (!r.error.empty()) {
      const std::string reason = r.error;
      return finish(identity, c, {"ERROR", reason});
    }
    if (!r.started) {
      auto log = store_->alert_log();
      if (!log) {
        spdlog::error("replay: {}", log.error().message);
        return finish(identity, c, {"ERROR", "the daemon cannot read its alerts"});
      }
      r.started = true;
      r.last = log->last_seq;
      // Alerts after N are missing when the oldest kept one is beyond N + 1.
      if (log->oldest_seq ? r.cursor < *log->oldest_seq - 1 : r.cursor < log->last_seq)
        r.oldest_kept = log->oldest_seq.value_or(log->last_seq + 1);
    }
    if (c.buffered.empty() && !r.exhausted) {
      auto rows = store_->alerts_since(r.cursor, r.prefix, options_.batch);
      if (!rows) {
        spdlog::error("replay: {}", rows.error().message);
        return finish(identity, c, {"ERROR", "the daemon cannot read its alerts"});
      }
      r.exhausted = rows->size() < options_.batch;
      for (auto& a : *rows) {
        if (a.seq > r.last) {
          r.exhausted = true;
          break;
        }
        c.buffered.push_back(std::move(a));
      }
    }
    bool sent_any = false;
    while (!c.buffered.empty()) {
      const RecordedAlert& a = c.buffered.front();
      const auto sent = send_frames(identity, c, {"ALERT", a.topic, a.json});
      if (sent == Outcome::kGone) return sent;
      if (sent == Outcome::kPaused) return sent_any ? Outcome::kProgress : Outcome::kPaused;
      r.cursor = a.seq;
      c.buffered.pop_front();
      c.last_progress = Clock::now();
      sent_any = true;
    }
    if (!r.exhausted) return Outcome::kProgress;
    std::vector<std::string> end = {"END", std::to_string(r.last)};
    if (r.oldest_kept) end.push_back(std::to_string(*r.oldest_kept));
    return finish(identity, c, end);
  }

  // Sends the request's last message and moves on to the client's next request.
  Outcome finish(const std::string& identity, Client& c, const std::vector<std::string>& frames) {
    const Outcome o = send_frames(identity, c, frames);
    if (o == Outcome::kProgress) {
      c.requests.pop_front();
      c.last_progress = Clock::now();
    }
    return o;
  }

  Outcome send_frames(const std::string& identity, const Client& c,
                      const std::vector<std::string>& frames) {
    try {
      // ROUTER_MANDATORY: the first frame fails with EAGAIN when the client's
      // queue is full (nothing sent), with EHOSTUNREACH when it is gone.
      if (!socket_.send(zmq::buffer(identity),
                        zmq::send_flags::sndmore | zmq::send_flags::dontwait))
        return Outcome::kPaused;
      if (c.req_envelope) socket_.send(zmq::const_buffer(), zmq::send_flags::sndmore);
      for (std::size_t i = 0; i < frames.size(); ++i) {
        socket_.send(zmq::buffer(frames[i]),
                     i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH) return Outcome::kGone;
      throw;
    }
    return Outcome::kProgress;
  }

  zmq::socket_t socket_;
  std::unique_ptr<Store> store_;
  ReplayOptions options_;
  std::string endpoint_;
  std::map<std::string, Client> clients_;
  std::size_t paused_ = 0;
  std::jthread thread_;  // last: stops and joins first
};

}  // namespace

Result<std::unique_ptr<ReplayServer>> ReplayServer::start(zmq::context_t& context,
                                                          const std::string& endpoint,
                                                          std::unique_ptr<Store> store,
                                                          std::string_view curve_secret_key,
                                                          ReplayOptions options) {
  std::unique_ptr<ZmqReplayServer> server;
  try {
    server = std::make_unique<ZmqReplayServer>(context, std::move(store), options);
  } catch (const zmq::error_t& e) {
    return fail(Errc::kIo, "cannot create a ZeroMQ socket for " + endpoint + ": " + e.what());
  }
  if (auto r = server->bind(endpoint, curve_secret_key); !r) return std::unexpected(r.error());
  return server;
}

}  // namespace nw
