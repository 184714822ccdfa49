// MetricsServer (daemon/metrics_server.h) on cpp-httplib.
#include "daemon/metrics_server.h"

#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "config/endpoint.h"

namespace nw {
namespace {

class BackgroundPool final : public httplib::ThreadPool {
 public:
  using ThreadPool::ThreadPool;
  void enqueue(std::function<void()> fn) override {
    ThreadPool::enqueue([fn = std::move(fn)] {
      thread_local const bool lowered = [] {
        // Linux keeps a nice value per thread: this one only, not the daemon.
        const auto tid = static_cast<id_t>(gettid());
        errno = 0;
        const int now = getpriority(PRIO_PROCESS, tid);
        return errno == 0 &&
               setpriority(PRIO_PROCESS, tid, std::min(now + kServerNiceness, 19)) == 0;
      }();
      (void)lowered;  // best effort: at the daemon's priority if refused
      fn();
    });
  }
};

class HttpMetricsServer final : public MetricsServer {
 public:
  HttpMetricsServer(const Metrics& metrics, const std::vector<HttpRoutes>& routes) {
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second
    // daemon bind the same port silently: only SO_REUSEADDR here.
    server_.new_task_queue = [] { return background_task_queue(CPPHTTPLIB_THREAD_POOL_COUNT); };
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server_.Get("/healthz", [&metrics](const httplib::Request&, httplib::Response& res) {
      const std::string why = metrics.health();
      res.status = why.empty() ? 200 : 503;
      res.set_content((why.empty() ? std::string("ok") : why) + "\n", "text/plain");
    });
    for (const HttpRoutes& install : routes) install(server_);
  }
  ~HttpMetricsServer() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  Result<void> bind(const std::string& endpoint) {
    const auto parsed = parse_host_port(endpoint);
    if (!parsed) {
      return fail(Errc::kInvalid, "metrics endpoint \"" + endpoint +
                                      "\" must be host:port, like \"127.0.0.1:9464\"");
    }
    host_ = parsed->host;
    const int port = parsed->port;
    port_ = port == 0 ? server_.bind_to_any_port(host_)
                      : (server_.bind_to_port(host_, port) ? port : -1);
    if (port_ <= 0) {
      return fail(Errc::kIo,
                  "cannot bind metrics endpoint " + endpoint + ": address in use or not local");
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the thread is listening would be lost; wait until it is.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return {};
  }

  std::string endpoint() const override {
    const bool v6 = host_.find(':') != std::string::npos;
    return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  }

 private:
  httplib::Server server_;
  std::string host_;
  int port_ = -1;
  std::thread thread_;
};

}  // namespace

httplib::TaskQueue* background_task_queue(std::size_t threads) {
  return new BackgroundPool(threads);
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& endpoint,
                                                            const Metrics& metrics,
                                                            std::vector<HttpRoutes> routes) {
  auto server = std::make_unique<HttpMetricsServer>(metrics, routes);
  if (auto r = server->bind(endpoint); !r) return std::unexpected(r.error());
  return server;
}

}  // namespace nw
