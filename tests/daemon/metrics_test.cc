// Metrics and its HTTP server, for real over 127.0.0.1; the exposition is
// checked by Prometheus' reference parser (python3-prometheus-client) when present.
#include "daemon/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/metrics_server.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

using namespace std::chrono_literals;

TEST(Metrics, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics m;
  m.inc("newswatch_polls_total", {{"source", "bbc"}, {"result", "new"}});
  m.inc("newswatch_polls_total", {{"source", "bbc"}, {"result", "new"}}, 2);
  m.set("newswatch_rules", {}, 42);
  m.observe("newswatch_fetch_duration_seconds", {{"kind", "feed"}}, 0.07);
  m.observe("newswatch_fetch_duration_seconds", {{"kind", "feed"}}, 3);
  m.inc("newswatch_alerts_total", {{"watchlist", "libya"}, {"rule", "say \"hi\"\\n"}});
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE newswatch_polls_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("newswatch_polls_total{source=\"bbc\",result=\"new\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("newswatch_rules 42\n"), std::string::npos);
  EXPECT_NE(text.find("newswatch_fetch_duration_seconds_bucket{kind=\"feed\",le=\"0.05\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("newswatch_fetch_duration_seconds_bucket{kind=\"feed\",le=\"0.1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("newswatch_fetch_duration_seconds_bucket{kind=\"feed\",le=\"5\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("newswatch_fetch_duration_seconds_bucket{kind=\"feed\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("newswatch_fetch_duration_seconds_count{kind=\"feed\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find(R"(rule="say \"hi\"\\n")"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("\nprocess_start_time_seconds "), std::string::npos);
  m.forget("source", "bbc");
  EXPECT_EQ(m.render().find("source=\"bbc\""), std::string::npos);
}

TEST(Metrics, HealthNamesWhatIsWrong) {
  Metrics m;
  EXPECT_EQ(m.health(), "");
  m.store_status("disk I/O error");
  EXPECT_EQ(m.health(), "the state database cannot be written: disk I/O error");
  m.store_status("");
  EXPECT_EQ(m.health(), "");
  // Nobody calls loop_alive(): once the limit has passed, the loop is reported
  // stuck. Metrics reads the steady clock itself, so poll until it says so.
  std::string verdict;
  EXPECT_TRUE(test::wait_for([&] { return !(verdict = m.health(1s)).empty(); }, 10s));
  EXPECT_EQ(verdict.rfind("the main loop has not run for ", 0), 0u) << verdict;
  m.loop_alive();
  EXPECT_EQ(m.health(1s), "");
}

TEST(MetricsServer, ServesMetricsAndHealthOverHttp) {
  Metrics m;
  m.inc("newswatch_polls_total", {{"source", "bbc"}, {"result", "error"}});
  auto server = MetricsServer::start("127.0.0.1:0", m);
  ASSERT_TRUE(server) << server.error().message;
  const std::string ep = (*server)->endpoint();
  httplib::Client client("http://" + ep);
  auto r = client.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("newswatch_polls_total{source=\"bbc\",result=\"error\"} 1"),
            std::string::npos);
  auto h = client.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "ok\n");
  m.store_status("database is locked");
  h = client.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);
  EXPECT_EQ(h->body, "the state database cannot be written: database is locked\n");

  // The reference parser reads every family.
  if (std::system("/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-prometheus-client (installed by .ci/deps) is missing";
  }
  const auto file = std::filesystem::temp_directory_path() / "nw_metrics_test.txt";
  std::ofstream(file) << r->body;
  const std::string cmd =
      "/usr/bin/python3 -c 'import sys; from prometheus_client.parser import "
      "text_string_to_metric_families as p; fams = list(p(open(sys.argv[1]).read())); "
      "print(len(fams))' " +
      file.string();
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[64] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, pipe), nullptr);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_GE(std::atoi(buf), 16) << "families parsed";
  std::filesystem::remove(file);
}

// The request threads yield the CPU to the daemon's loop and workers.
TEST(MetricsServer, ServesFromThreadsAtALowerPriority) {
  Metrics m;
  errno = 0;
  const int daemon_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  ASSERT_EQ(errno, 0);
  auto server = MetricsServer::start(
      "127.0.0.1:0", m, {[](httplib::Server& s) {
        s.Get("/nice", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(std::to_string(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()))),
                          "text/plain");
        });
      }});
  ASSERT_TRUE(server) << server.error().message;
  httplib::Client client("http://" + (*server)->endpoint());
  for (int i = 0; i < 3; ++i) {  // the first request of a thread, and later ones
    auto r = client.Get("/nice");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, std::to_string(std::min(daemon_nice + kServerNiceness, 19)));
  }
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), daemon_nice)
      << "the daemon's own threads keep theirs";
}

TEST(MetricsServer, BadOrBusyEndpointsAreClearErrors) {
  Metrics m;
  auto bad = MetricsServer::start("localhost", m);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "metrics endpoint \"localhost\" must be host:port, like \"127.0.0.1:9464\"");
  auto first = MetricsServer::start("127.0.0.1:0", m);
  ASSERT_TRUE(first);
  auto second = MetricsServer::start((*first)->endpoint(), m);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot bind metrics endpoint"), std::string::npos);
}

// The shipped Grafana dashboard and Prometheus alert rules name only metrics
// the daemon exposes.
TEST(Metrics, MonitoringDocsNameOnlyExposedMetrics) {
  Metrics m;
  const std::string exposed = m.render();
  for (const char* doc :
       {"docs/monitoring/newswatch-dashboard.json", "docs/monitoring/newswatch-alerts.yml"}) {
    std::ifstream in(std::filesystem::path(NW_SOURCE_DIR) / doc);
    ASSERT_TRUE(in) << doc;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int named = 0;
    for (std::size_t pos = 0; (pos = text.find("newswatch_", pos)) != std::string::npos;) {
      std::size_t end = pos;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
      std::string name = text.substr(pos, end - pos);
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix) && exposed.find("# TYPE " + name + " ") == std::string::npos)
          name = name.substr(0, name.size() - std::string(suffix).size());
      }
      EXPECT_NE(exposed.find("# TYPE " + name + " "), std::string::npos)
          << doc << " names " << name;
      ++named;
      pos = end;
    }
    EXPECT_GT(named, 3) << doc;
  }
}

}  // namespace
}  // namespace nw
