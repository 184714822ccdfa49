// The notifier's run loop (daemon/notify/notifier.h).
#include "daemon/notify/notifier.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "daemon/alert.h"
#include "daemon/curve.h"
#include "daemon/metrics_server.h"
#include "daemon/notify/router.h"
#include "daemon/subscriber.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kLockFile = "notify.pid";
constexpr std::string_view kStatusFile = "status.json";

// The OFD write lock on state_dir/notify.pid, held for the process's life.
class PidLock {
 public:
  static Result<PidLock> acquire(const fs::path& dir) {
    const fs::path path = dir / kLockFile;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return fail(Errc::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
      ::close(fd);
      std::ifstream in(path);
      std::string pid;
      std::getline(in, pid);
      return fail(Errc::kInvalid, "another newswatch notify (pid " + (pid.empty() ? "?" : pid) +
                                      ") uses " + dir.string() +
                                      ": two notifiers must not share channel cursors");
    }
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
      ::close(fd);
      return fail(Errc::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
    }
    return PidLock(fd);
  }
  PidLock(PidLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  PidLock& operator=(PidLock&&) = delete;
  ~PidLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit PidLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The pid of the notifier holding state_dir's lock, if one does.
std::optional<long> running_notifier(const fs::path& dir) {
  const fs::path path = dir / kLockFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  const bool ok = ::fcntl(fd, F_OFD_GETLK, &fl) == 0;
  ::close(fd);
  if (!ok || fl.l_type == F_UNLCK) return std::nullopt;
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return pid;
}

std::string iso_now() {
  return format_utc(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
}

json status_json(const std::vector<std::unique_ptr<ChannelWorker>>& workers) {
  json channels = json::array();
  for (const auto& w : workers) {
    const ChannelStatus s = w->status();
    json c = {
        {"id", s.id},     {"kind", s.kind},         {"queued", s.queued},        {"state", s.state},
        {"sent", s.sent}, {"failures", s.failures}, {"last_error", s.last_error}};
    c["cursor"] = s.cursor ? json(*s.cursor) : json(nullptr);
    c["last_sent"] =
        s.last_sent
            ? json(format_utc(std::chrono::time_point_cast<std::chrono::seconds>(*s.last_sent)))
            : json(nullptr);
    if (s.next_attempt)
      c["next_attempt"] =
          format_utc(std::chrono::time_point_cast<std::chrono::seconds>(*s.next_attempt));
    if (s.next_digest) c["next_digest"] = format_utc(*s.next_digest);
    channels.push_back(std::move(c));
  }
  return {{"pid", ::getpid()}, {"updated", iso_now()}, {"channels", std::move(channels)}};
}

void write_status(const fs::path& dir, const json& status) {
  const fs::path path = dir / kStatusFile;
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << status.dump(2) << "\n";
    if (!out) return;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
}

}  // namespace

Result<void> run_notify(const NotifyConfig& cfg, const NotifyRunOptions& o) {
  std::error_code ec;
  fs::create_directories(cfg.state_dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + cfg.state_dir.string() + ": " + ec.message());
  auto lock = PidLock::acquire(cfg.state_dir);
  if (!lock) return std::unexpected(lock.error());
  CursorStore cursors(cfg.state_dir);
  if (auto r = cursors.open(); !r) return r;

  std::vector<std::optional<std::uint64_t>> loaded;
  std::optional<std::uint64_t> lowest;
  for (const ChannelConfig& c : cfg.channels) {
    auto cursor = cursors.load(c.id);
    if (!cursor) return std::unexpected(cursor.error());
    loaded.push_back(*cursor);
    if (*cursor) lowest = std::min(lowest.value_or(**cursor), **cursor);
  }

  std::optional<CurveKeyPair> curve;
  if (!cfg.curve_secret_key_file.empty()) {
    auto secret = read_curve_key(cfg.curve_secret_key_file);
    if (!secret) return std::unexpected(secret.error());
    auto pub = curve_public_key(*secret);
    if (!pub) return std::unexpected(pub.error());
    curve = CurveKeyPair{*pub, *secret};
  }

  Metrics metrics(Metrics::Families::kNotify);
  std::unique_ptr<MetricsServer> metrics_server;
  if (!cfg.metrics_endpoint.empty()) {
    auto server = MetricsServer::start(cfg.metrics_endpoint, metrics);
    if (!server) return std::unexpected(server.error());
    metrics_server = std::move(*server);
    if (o.metrics_bound) o.metrics_bound(metrics_server->endpoint());
  }

  std::atomic<bool> resubscribe{false};
  std::vector<std::unique_ptr<ChannelWorker>> workers;
  for (std::size_t i = 0; i < cfg.channels.size(); ++i) {
    const ChannelConfig& c = cfg.channels[i];
    // A channel new to this state_dir starts where the others are.
    const std::optional<std::uint64_t> start = loaded[i] ? loaded[i] : lowest;
    if (!loaded[i] && lowest) {
      spdlog::info("channel {}: new, starts with the others after seq {}", c.id, *lowest);
    }
    auto sender = o.make_sender ? o.make_sender(c) : make_sender(c);
    workers.push_back(std::make_unique<ChannelWorker>(c, std::move(sender), cursors, metrics, start,
                                                      o.worker,
                                                      [&resubscribe] { resubscribe = true; }));
  }
  for (auto& w : workers) w->start();

  std::jthread status_thread([&](std::stop_token st) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock l(m);
    while (!st.stop_requested()) {
      write_status(cfg.state_dir, status_json(workers));
      metrics.loop_alive();
      cv.wait_for(l, st, o.status_interval, [] { return false; });
    }
  });

  const Router router(cfg);
  Result<void> result;
  const auto user_stop = [&] { return o.stop && o.stop(); };
  while (!user_stop()) {
    std::optional<std::uint64_t> since;
    for (const auto& w : workers) {
      if (auto c = w->cursor()) since = std::min(since.value_or(*c), *c);
    }
    SubscriberOptions so;
    so.endpoint = cfg.endpoint;
    so.replay_endpoint = cfg.replay_endpoint;
    so.since = since;
    so.heartbeat = cfg.heartbeat;
    so.curve_key = curve;
    so.curve_server_key = cfg.curve_server_key;
    so.on_covered = [&](std::uint64_t seq) {
      for (auto& w : workers) w->pass(seq);
    };
    spdlog::info("following {} from {}", cfg.endpoint,
                 since ? "seq " + std::to_string(*since) : std::string("its next alert"));
    result = run_subscriber(
        so,
        [&](std::string_view text) {
          auto alert = alert_from_json(text);
          if (!alert) {
            spdlog::warn("an alert that does not parse, passed over: {}", alert.error().message);
            return;
          }
          for (std::size_t i : router.channels_for(*alert)) workers[i]->offer(*alert, text);
        },
        [](const std::string& line) { spdlog::info("{}", line); },
        [&] { return user_stop() || resubscribe.load(); });
    if (!result) break;
    if (resubscribe.exchange(false)) {
      for (auto& w : workers) w->resync();
    }
  }
  for (auto& w : workers) w->stop();
  status_thread.request_stop();
  status_thread.join();
  write_status(cfg.state_dir, status_json(workers));
  return result;
}

Result<std::string> notify_status_report(const NotifyConfig& cfg) {
  std::ostringstream out;
  const auto pid = running_notifier(cfg.state_dir);
  json status;
  if (std::ifstream in(cfg.state_dir / kStatusFile); in) {
    status = json::parse(in, nullptr, false);
  }
  if (pid) {
    out << "newswatch notify: running (pid " << *pid << ")";
    if (status.is_object() && status.contains("updated"))
      out << ", status of " << status["updated"].get<std::string>();
    out << "\n";
  } else {
    out << "newswatch notify: not running (state in " << cfg.state_dir.string() << ")\n";
  }
  std::map<std::string, json> last;
  if (status.is_object() && status["channels"].is_array()) {
    for (const json& c : status["channels"]) {
      if (c.is_object() && c["id"].is_string()) last[c["id"].get<std::string>()] = c;
    }
  }
  const CursorStore cursors(cfg.state_dir);
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-10s %10s %7s %-12s %8s %8s  %s\n", "CHANNEL", "KIND",
                "CURSOR", "QUEUED", "STATE", "SENT", "FAILED", "LAST ERROR");
  out << line;
  for (const ChannelConfig& c : cfg.channels) {
    auto cursor = cursors.load(c.id);
    const std::string cur = !cursor ? "?" : *cursor ? std::to_string(**cursor) : "-";
    std::string queued = "-", state = pid ? "?" : "stopped", sent = "-", failed = "-", error;
    if (auto it = last.find(c.id); it != last.end() && pid) {
      const json& s = it->second;
      queued = std::to_string(s.value("queued", 0));
      state = s.value("state", "?");
      sent = std::to_string(s.value("sent", 0));
      failed = std::to_string(s.value("failures", 0));
      error = s.value("last_error", "");
      if (s.contains("next_attempt")) error += "; next try " + s.value("next_attempt", "");
      if (s.contains("next_digest"))
        error +=
            (error.empty() ? "" : "; ") + std::string("next digest ") + s.value("next_digest", "");
    }
    std::snprintf(line, sizeof line, "%-16s %-10s %10s %7s %-12s %8s %8s  ", c.id.c_str(),
                  std::string(kind_name(c.kind)).c_str(), cur.c_str(), queued.c_str(),
                  state.c_str(), sent.c_str(), failed.c_str());
    out << line << error << "\n";
  }
  return out.str();
}

}  // namespace nw
