// The reference subscriber (daemon/subscriber.h).
#include "daemon/subscriber.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/alert.h"
#include "daemon/publisher.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Finds the top-level "seq" member while the parser checks the whole text,
// without building the document: the subscriber reads every alert, and the
// document was most of its time.
class SeqFinder : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::optional<std::uint64_t> seq;
  bool top_is_object = false;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t v) override {
    if (depth_ == 1 && key_is_seq_) seq = v;
    return value();
  }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    if (depth_ == 0) top_is_object = true;
    return open();
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    key_is_seq_ = depth_ == 1 && k == "seq";
    if (key_is_seq_) seq.reset();  // a repeated key: the last one counts, as in a parsed document
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool value() {
    key_is_seq_ = false;
    return true;
  }
  bool open() {
    ++depth_;
    return value();
  }
  bool close() {
    --depth_;
    return value();
  }
  int depth_ = 0;
  bool key_is_seq_ = false;
};

Result<std::optional<std::uint64_t>> read_state(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<std::uint64_t>();
  std::ifstream in(file);
  std::string text;
  if (!in || !std::getline(in, text))
    return fail(Errc::kIo, "cannot read state file " + file.string());
  auto v = parse_seq(text);
  if (!v) {
    return fail(Errc::kParse, "state file " + file.string() +
                                  " does not hold a seq (a decimal number): \"" +
                                  text.substr(0, 40) + "\"");
  }
  return std::optional<std::uint64_t>(*v);
}

// Write a temporary file and rename it over the old one: a crash leaves the
// old value or the new one, never half of one.
Result<void> write_state(const fs::path& file, std::uint64_t seq) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << seq << "\n";
    if (!out) {
      return fail(Errc::kIo,
                  "cannot write state file " + tmp.string() + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return fail(Errc::kIo, "cannot write state file " + file.string() + ": " + ec.message());
  return {};
}

class Session {
 public:
  Session(const SubscriberOptions& o, const std::function<void(std::string_view)>& deliver,
          const std::function<void(const std::string&)>& status)
      : o_(o), deliver_(deliver), status_(status) {}

  Result<void> run(const std::function<bool()>& stop) {
    if (!o_.state_file.empty()) {
      auto saved = read_state(o_.state_file);
      if (!saved) return std::unexpected(saved.error());
      if (*saved) covered_ = **saved;
    }
    if (!covered_ && o_.since) covered_ = *o_.since;
    try {
      connect_live();
      if (!o_.replay_endpoint.empty()) connect_replay();
    } catch (const zmq::error_t& e) {
      return fail(Errc::kInvalid, std::string("cannot connect: ") + e.what());
    }
    // Not knowing where to start ("from now on"), the first replay asks for
    // nothing and learns the daemon's last seq from END.
    request();
    last_heard_ = Clock::now();
    while (!stop() && (o_.count == 0 || delivered_ < o_.count)) {
      std::vector<zmq::pollitem_t> items{{sub_->handle(), 0, ZMQ_POLLIN, 0}};
      if (dealer_) items.push_back({dealer_->handle(), 0, ZMQ_POLLIN, 0});
      try {
        zmq::poll(items.data(), items.size(), milliseconds(100));
        if (items[0].revents & ZMQ_POLLIN) on_live();
        if (items.size() > 1 && (items[1].revents & ZMQ_POLLIN)) on_replay();
        if (auto r = check_timers(); !r) return r;
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM || e.num() == EINTR) break;
        return fail(Errc::kIo, std::string("ZeroMQ: ") + e.what());
      }
      if (!error_.empty()) return fail(Errc::kIo, error_);
    }
    return {};
  }

 private:
  void secure(zmq::socket_t& s) {
    if (o_.curve_key) make_curve_client(s, *o_.curve_key, o_.curve_server_key);
  }

  void connect_live() {
    sub_.emplace(ctx_, zmq::socket_type::sub);
    sub_->set(zmq::sockopt::linger, 0);
    secure(*sub_);
    sub_->set(zmq::sockopt::subscribe, o_.topic);
    if (!o_.topic.empty()) sub_->set(zmq::sockopt::subscribe, kHeartbeatTopic);
    sub_->connect(o_.endpoint);
  }

  // A fresh DEALER drops whatever an old one still had queued for a daemon
  // that went away.
  void connect_replay() {
    dealer_.emplace(ctx_, zmq::socket_type::dealer);
    dealer_->set(zmq::sockopt::linger, 0);
    secure(*dealer_);
    dealer_->connect(o_.replay_endpoint);
  }

  void request() {
    if (!dealer_) return;
    const std::uint64_t after = covered_.value_or(UINT64_MAX);
    const std::string seq = std::to_string(after);
    std::array<zmq::const_buffer, 3> frames = {zmq::buffer(std::string_view("SINCE")),
                                               zmq::buffer(seq), zmq::buffer(o_.topic)};
    zmq::send_multipart(*dealer_, frames, zmq::send_flags::dontwait);
    pending_ = true;
    requested_at_ = Clock::now();
  }

  void deliver(std::uint64_t seq, std::string_view json) {
    deliver_(json);
    ++delivered_;
    advance(seq);
  }

  void advance(std::uint64_t seq) {
    if (covered_ && seq <= *covered_) return;
    covered_ = seq;
    if (!o_.state_file.empty()) {
      if (auto r = write_state(o_.state_file, seq); !r) error_ = r.error().message;
    }
    if (o_.on_covered) o_.on_covered(seq);
  }

  void heard() {
    if (silent_) status_("receiving from the daemon again");
    silent_ = false;
    waiting_said_ = false;
    last_heard_ = Clock::now();
  }

  void on_live() {
    std::vector<zmq::message_t> frames;
    while (zmq::recv_multipart(*sub_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      if (frames.size() == 2)
        on_live_message(frames[0].to_string_view(), frames[1].to_string_view());
      frames.clear();
      if (o_.count != 0 && delivered_ >= o_.count) return;
    }
  }

  void on_live_message(std::string_view topic, std::string_view json) {
    heard();
    const auto seq = message_seq(json);
    if (!seq) return;
    if (!dealer_) {  // live only: no replay to fill gaps with
      if (topic != kHeartbeatTopic && (!covered_ || *seq > *covered_)) deliver(*seq, json);
      return;
    }
    if (topic == kHeartbeatTopic) {
      if (covered_ && *seq > *covered_) behind(*seq);
      return;
    }
    if (!covered_) return;          // the first replay has not told us where we are
    if (*seq <= *covered_) return;  // had it already (replay)
    if (*seq == *covered_ + 1 && !pending_) {
      deliver(*seq, json);
      return;
    }
    behind(*seq);  // a gap, or a filtered stream: let the replay sort it out
  }

  void behind(std::uint64_t seq) {
    ahead_ = std::max(ahead_, seq);
    if (!pending_) request();
  }

  void on_replay() {
    std::vector<zmq::message_t> f;
    while (zmq::recv_multipart(*dealer_, std::back_inserter(f), zmq::recv_flags::dontwait)) {
      heard();
      const std::string_view kind = f.empty() ? "" : f[0].to_string_view();
      if (kind == "ALERT" && f.size() == 3) {
        const auto seq = message_seq(f[2].to_string_view());
        if (seq && (!covered_ || *seq > *covered_)) deliver(*seq, f[2].to_string_view());
      } else if (kind == "END" && f.size() >= 2) {
        pending_ = false;
        const auto last = parse_seq(f[1].to_string_view());
        if (f.size() >= 3 && covered_ && *covered_ != UINT64_MAX) {
          status_("alerts after seq " + std::to_string(*covered_) + " up to seq " +
                  std::to_string(parse_seq(f[2].to_string_view()).value_or(0) - 1) +
                  " were already deleted by the daemon ([daemon] keep_alerts)");
        }
        if (last && covered_ && *last < *covered_ && *covered_ != UINT64_MAX) {
          status_("the daemon's last seq " + std::to_string(*last) + " is below ours (" +
                  std::to_string(*covered_) + "): was its state reset?");
        } else if (last) {
          if (!covered_ || *covered_ == UINT64_MAX) covered_.reset();
          advance(*last);
        }
        if (covered_ && ahead_ > *covered_) request();
      } else if (kind == "ERROR") {
        pending_ = false;
        status_("replay refused: " + (f.size() > 1 ? f[1].to_string() : std::string("?")));
        retry_after_ = Clock::now() + std::chrono::seconds(5);
      }
      f.clear();
      if (o_.count != 0 && delivered_ >= o_.count) return;
    }
  }

  Result<void> check_timers() {
    const auto now = Clock::now();
    if (retry_after_ && now >= *retry_after_) {
      retry_after_.reset();
      if (!pending_) request();
    }
    if (pending_ && now - requested_at_ > o_.reply_timeout) {
      if (!waiting_said_) {
        status_("waiting for the daemon at " + o_.endpoint +
                (o_.replay_endpoint.empty() ? "" : " and " + o_.replay_endpoint) + " …");
        waiting_said_ = true;
      }
      connect_replay();
      request();
    }
    if (now - last_heard_ > 3 * o_.heartbeat) {
      if (!silent_) {
        status_("no heartbeat from the daemon for " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(now - last_heard_).count()) +
                "s; reconnecting");
      }
      silent_ = true;
      last_heard_ = now;
      connect_live();
      if (dealer_ && !pending_) {
        connect_replay();
        request();
      }
    }
    return {};
  }

  const SubscriberOptions& o_;
  const std::function<void(std::string_view)>& deliver_;
  const std::function<void(const std::string&)>& status_;
  zmq::context_t ctx_;
  std::optional<zmq::socket_t> sub_;
  std::optional<zmq::socket_t> dealer_;
  // Everything up to this seq (for our topic) was delivered. Unset until the
  // first END when starting "from now on".
  std::optional<std::uint64_t> covered_;
  std::uint64_t ahead_ = 0;  // the highest seq seen live or in a heartbeat
  bool pending_ = false;     // a replay request is unanswered
  Clock::time_point requested_at_;
  Clock::time_point last_heard_;
  std::optional<Clock::time_point> retry_after_;
  bool silent_ = false;
  bool waiting_said_ = false;
  std::uint64_t delivered_ = 0;
  std::string error_;
};

}  // namespace

std::optional<std::uint64_t> message_seq(std::string_view json) {
  SeqFinder finder;
  const bool ok = nlohmann::json::sax_parse(json, &finder);
  if (!ok || !finder.top_is_object) return std::nullopt;
  return finder.seq;
}

std::string endpoint_hint(std::string_view endpoint) {
  if (endpoint.empty() || endpoint.find("://") != std::string_view::npos) return {};
  return "endpoint \"" + std::string(endpoint) + "\" names no transport; did you mean tcp://" +
         std::string(endpoint) + "?";
}

Result<void> run_subscriber(const SubscriberOptions& options,
                            const std::function<void(std::string_view json)>& deliver,
                            const std::function<void(const std::string&)>& status,
                            const std::function<bool()>& stop) {
  for (const auto& e : {options.endpoint, options.replay_endpoint}) {
    if (std::string hint = endpoint_hint(e); !hint.empty()) return fail(Errc::kInvalid, hint);
  }
  Session session(options, deliver, status);
  return session.run(stop);
}

}  // namespace nw
