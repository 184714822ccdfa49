// A real HTTP server on 127.0.0.1 for tests (cpp-httplib on a background
// thread, ephemeral port). Routes are set and changed while it runs; each GET
// answers with the route's canned response, honouring If-None-Match and
// If-Modified-Since with 304 when the route has an ETag or Last-Modified.
// Thread-safe: tests change routes while the daemon under test polls.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace nw::test {

struct CannedResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::string etag;           // when set: sent, and If-None-Match with it gets 304
  std::string last_modified;  // when set: sent, and If-Modified-Since with it gets 304
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path
  std::string url(std::string_view path) const;

  void set(const std::string& path, CannedResponse response);
  void remove(const std::string& path);
  // GET requests received for `path` so far (any status).
  int hits(const std::string& path) const;
  // Request headers of the last GET for `path` (empty when none).
  httplib::Headers last_headers(const std::string& path) const;

  // For handlers the canned responses cannot express (drip, bombs, loops).
  // Register them before the first request to that path.
  httplib::Server& raw() { return server_; }
  // A custom GET handler for `path`, run on the server's threads and counted in
  // hits(). Use this rather than raw().Get(): the catch-all GET route registered
  // by the constructor comes first, so it would shadow any later GET pattern.
  void handle_with(const std::string& path, httplib::Server::Handler handler);

 private:
  void handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, CannedResponse> routes_;              // GUARDED_BY(mutex_)
  std::map<std::string, int> hits_;                           // GUARDED_BY(mutex_)
  std::map<std::string, httplib::Headers> headers_;           // GUARDED_BY(mutex_)
  std::map<std::string, httplib::Server::Handler> handlers_;  // GUARDED_BY(mutex_)
};

}  // namespace nw::test
