// The operator's HTTP endpoint (`[metrics] endpoint`): GET /metrics answers the
// Prometheus text exposition of a Metrics, GET /healthz answers 200 "ok" while
// the main loop runs and the store is writable, else 503 with a one-line
// reason; and what other components install (HttpRoutes).
// Serves from its own threads; stops on destruction.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/metrics.h"
#include "feeds/error.h"

namespace httplib {
class Server;
class TaskQueue;
}  // namespace httplib

namespace nw {

// Adds handlers to the server (Get/Post on paths the others leave alone).
using HttpRoutes = std::function<void(httplib::Server&)>;

// The server's request threads: a thread pool of `threads` whose threads run
// at a lower CPU priority than the daemon (nice + 10), so that on a small
// machine a busy browser, dashboard or scraper yields the cores to the loop
// and the workers; an idle machine serves it as fast. For
// httplib::Server::new_task_queue (which takes ownership).
httplib::TaskQueue* background_task_queue(std::size_t threads);
// The nice value `background_task_queue` gives its threads over the daemon's.
inline constexpr int kServerNiceness = 10;

class MetricsServer {
 public:
  // `endpoint` is "host:port" (port 0: any free port; see endpoint()).
  // `metrics` must outlive the server, and so must whatever the `routes`
  // install: the pages other components serve on the same server (the Atom
  // feed of alerts, daemon/alerts_atom.h), each called once before the server
  // listens, their handlers then run on the server's threads.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> start(
      const std::string& endpoint, const Metrics& metrics, std::vector<HttpRoutes> routes = {});
  virtual ~MetricsServer() = default;
  // "host:port" as bound.
  virtual std::string endpoint() const = 0;
};

}  // namespace nw
