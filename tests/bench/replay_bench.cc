// The replay socket at scale (issue 8): N recorded alerts of ~1.5 KB (default
// 100,000) in a real SQLite store, served by the real ReplayServer over
// tcp://127.0.0.1 to a DEALER client in this process that reads as fast as it
// can. Reports alerts/s per round (median of the rounds) and the process's
// peak resident memory, which must stay far below the backlog's size: the
// server holds a batch per client, never the backlog.
//
//   build-release/bench/replay_bench [--alerts 100000] [--rounds 5]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/replay_server.h"
#include "daemon/store.h"

int main(int argc, char** argv) {
  int alerts = 100000;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--alerts") == 0) alerts = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("replay_bench_" + std::to_string(getpid()));
  {
    auto store = nw::open_sqlite_store(dir);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error().message.c_str());
      return 1;
    }
    const std::string padding(1400, '.');
    for (int item = 0; item * 1000 < alerts; ++item) {
      std::vector<nw::Alert> batch;
      for (int r = 0; r < 1000 && item * 1000 + r < alerts; ++r) {
        batch.push_back(nw::Alert{.watchlist = "archive",
                                  .rule = "r" + std::to_string(r),
                                  .source = "old",
                                  .url = "https://old.example/" + std::to_string(item),
                                  .title = "حفتر يصل القاهرة",
                                  .snippet = padding});
      }
      if (!(*store)->finish_item("old", "k" + std::to_string(item), "a" + std::to_string(item),
                                 std::move(batch))) {
        return 1;
      }
    }
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  zmq::context_t ctx;
  auto replay_store = nw::open_sqlite_store(dir);
  auto server = nw::ReplayServer::start(ctx, "tcp://127.0.0.1:*", std::move(*replay_store));
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message.c_str());
    return 1;
  }
  std::vector<double> rates;
  for (int round = 0; round < rounds; ++round) {
    zmq::socket_t client(ctx, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    client.connect((*server)->endpoint());
    const auto t0 = std::chrono::steady_clock::now();
    const std::array<zmq::const_buffer, 3> request = {zmq::buffer(std::string_view("SINCE")),
                                                      zmq::buffer(std::string_view("0")),
                                                      zmq::buffer(std::string_view(""))};
    zmq::send_multipart(client, request);
    long n = 0;
    for (;;) {
      std::vector<zmq::message_t> f;
      if (!zmq::recv_multipart(client, std::back_inserter(f))) break;
      if (f[0].to_string_view() == "END") break;
      ++n;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(n / s);
    std::printf("round %d: %ld alerts in %.3f s = %.0f alerts/s\n", round + 1, n, s, n / s);
  }
  std::sort(rates.begin(), rates.end());
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  std::printf("median %.0f alerts/s over %d rounds; backlog %.0f MB; peak RSS %.1f MiB\n",
              rates[rates.size() / 2], rounds, alerts * 1.5 / 1000, after.ru_maxrss / 1024.0);
  server->reset();
  fs::remove_all(dir);
  return 0;
}
