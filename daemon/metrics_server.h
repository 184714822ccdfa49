// The operator's HTTP endpoint (`[metrics] endpoint`): GET /metrics answers the
// Prometheus text exposition of a Metrics, GET /healthz answers 200 "ok" while
// the main loop runs and the store is writable, else 503 with a one-line
// reason; GET /alerts.atom, when given an AlertsFeed, the last alerts as Atom.
// Serves from its own threads; stops on destruction.
#pragma once

#include <memory>
#include <string>

#include "daemon/alerts_atom.h"
#include "daemon/metrics.h"
#include "feeds/error.h"

namespace nw {

class MetricsServer {
 public:
  // `endpoint` is "host:port" (port 0: any free port; see endpoint()).
  // `metrics` must outlive the server. With `alerts`, the server also serves
  // /alerts.atom[?topic=PREFIX][&severity=S] from it (daemon/alerts_atom.h).
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> start(
      const std::string& endpoint, const Metrics& metrics,
      std::unique_ptr<AlertsFeed> alerts = nullptr);
  virtual ~MetricsServer() = default;
  // "host:port" as bound.
  virtual std::string endpoint() const = 0;
};

}  // namespace nw
