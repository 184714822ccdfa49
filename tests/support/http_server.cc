#include "tests/support/http_server.h"

#include <chrono>
#include <stdexcept>

#include "tests/support/wait.h"

namespace nw::test {

HttpServer::HttpServer() {
  server_.set_keep_alive_max_count(100);
  // httplib writes headers and body separately: without TCP_NODELAY every
  // response on a reused connection waits ~40 ms for the client's delayed ACK.
  server_.set_tcp_nodelay(true);
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() only ends a loop that has started (httplib checks is_running()).
  (void)wait_for([this] { return server_.is_running(); }, std::chrono::seconds(5));
}

HttpServer::~HttpServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string HttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void HttpServer::set(const std::string& path, CannedResponse response) {
  std::lock_guard lock(mutex_);
  routes_[path] = std::move(response);
}

void HttpServer::handle_with(const std::string& path, httplib::Server::Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_[path] = std::move(handler);
}

void HttpServer::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  routes_.erase(path);
}

int HttpServer::hits(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = hits_.find(path);
  return it == hits_.end() ? 0 : it->second;
}

httplib::Headers HttpServer::last_headers(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = headers_.find(path);
  return it == headers_.end() ? httplib::Headers{} : it->second;
}

void HttpServer::handle(const httplib::Request& req, httplib::Response& res) {
  std::string key = req.path;
  if (!req.params.empty()) {
    // Match on the path with its query string when such a route exists.
    auto pos = req.target.find('?');
    if (pos != std::string::npos) {
      std::lock_guard lock(mutex_);
      if (routes_.count(req.target)) key = req.target;
    }
  }
  CannedResponse r;
  httplib::Server::Handler custom;
  {
    std::lock_guard lock(mutex_);
    ++hits_[key];
    headers_[key] = req.headers;
    if (auto h = handlers_.find(key); h != handlers_.end()) custom = h->second;
  }
  if (custom) {
    custom(req, res);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    auto it = routes_.find(key);
    if (it == routes_.end()) {
      res.status = 404;
      res.set_content("not found", "text/plain");
      return;
    }
    r = it->second;
  }
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  if (!r.etag.empty()) res.set_header("ETag", r.etag);
  if (!r.last_modified.empty()) res.set_header("Last-Modified", r.last_modified);
  const bool etag_hit = !r.etag.empty() && req.get_header_value("If-None-Match") == r.etag;
  const bool lm_hit =
      !r.last_modified.empty() && req.get_header_value("If-Modified-Since") == r.last_modified;
  if (r.status == 200 && (etag_hit || lm_hit)) {
    res.status = 304;
    return;
  }
  res.status = r.status;
  res.set_content(r.body, r.content_type.c_str());
}

}  // namespace nw::test
