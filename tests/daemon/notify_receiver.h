// A real HTTP server on 127.0.0.1 standing where Slack, Teams, Telegram, ntfy
// or a webhook receiver would be (cpp-httplib, ephemeral port): it records
// every POST (path, headers, body, time) and answers what the test scripts
// per path (by default 200 "ok"). Header-only, for the notifier's tests.
// Thread-safe.
#pragma once

#include <httplib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/wait.h"

namespace nw::test {

struct Received {
  std::string path;
  httplib::Headers headers;
  std::string body;
  std::chrono::steady_clock::time_point at;
  int status = 200;  // what was answered

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Answer {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
};

class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Answer a;
      {
        std::lock_guard lock(mutex_);
        auto& script = scripts_[req.path];
        if (!script.empty()) {
          a = script.front();
          script.pop_front();
        } else if (auto it = defaults_.find(req.path); it != defaults_.end()) {
          a = it->second;
        }
        received_.push_back(
            {req.path, req.headers, req.body, std::chrono::steady_clock::now(), a.status});
      }
      if (on_request_) on_request_(req);
      res.status = a.status;
      for (const auto& [k, v] : a.headers) res.set_header(k, v);
      res.set_content(a.body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    (void)test::wait_for([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The next answers for `path`, in order; then the default.
  void script(const std::string& path, std::vector<Answer> answers) {
    std::lock_guard lock(mutex_);
    for (auto& a : answers) scripts_[path].push_back(std::move(a));
  }
  void set_default(const std::string& path, Answer answer) {
    std::lock_guard lock(mutex_);
    defaults_[path] = std::move(answer);
  }
  // Set before requests arrive.
  void on_request(std::function<void(const httplib::Request&)> f) { on_request_ = std::move(f); }

  std::vector<Received> received(const std::string& path = "") const {
    std::lock_guard lock(mutex_);
    std::vector<Received> out;
    for (const auto& r : received_) {
      if (path.empty() || r.path == path) out.push_back(r);
    }
    return out;
  }
  // Requests for `path` answered 2xx.
  std::vector<Received> accepted(const std::string& path) const {
    std::vector<Received> out;
    for (auto& r : received(path)) {
      if (r.status >= 200 && r.status < 300) out.push_back(r);
    }
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Answer>> scripts_;  // GUARDED_BY(mutex_)
  std::map<std::string, Answer> defaults_;             // GUARDED_BY(mutex_)
  std::vector<Received> received_;                     // GUARDED_BY(mutex_)
  std::function<void(const httplib::Request&)> on_request_;
};

}  // namespace nw::test
