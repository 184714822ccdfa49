// A Server-Sent Events client for tests: one GET over a plain TCP socket to
// 127.0.0.1, read on its own thread until the reader is destroyed, the body
// de-chunked, for the test to wait on (tests/support/wait.h). Header-only;
// text() and status() from any thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nw::test {

class SseReader {
 public:
  // `headers`: whole lines without CRLF, e.g. "Last-Event-ID: 4".
  SseReader(int port, std::string path, std::vector<std::string> headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) request += h + "\r\n";
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) return;
    thread_ = std::thread([this] { read_loop(); });
  }
  ~SseReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  SseReader(const SseReader&) = delete;
  SseReader& operator=(const SseReader&) = delete;

  // The status code, 0 until the status line came.
  int status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  // The response's header block (the lines before the body).
  std::string headers() const {
    std::lock_guard lock(mutex_);
    return head_;
  }
  // The body so far, de-chunked when the response is chunked.
  std::string text() const {
    std::lock_guard lock(mutex_);
    return body_;
  }
  // Whether the server closed the connection.
  bool closed() const { return closed_; }

 private:
  void read_loop() {
    char buf[4096];
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return;
      }
      std::lock_guard lock(mutex_);
      raw_.append(buf, static_cast<std::size_t>(n));
      parse();
    }
  }
  // REQUIRES: mutex_ held.
  void parse() {
    if (status_ == 0) {
      const auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ = raw_.substr(0, end);
      status_ = std::atoi(head_.c_str() + head_.find(' ') + 1);
      chunked_ = head_.find("Transfer-Encoding: chunked") != std::string::npos;
      raw_.erase(0, end + 4);
    }
    if (!chunked_) {
      body_ += raw_;
      raw_.clear();
      return;
    }
    for (;;) {
      const auto line = raw_.find("\r\n");
      if (line == std::string::npos) return;
      const std::size_t size = std::strtoul(raw_.c_str(), nullptr, 16);
      if (raw_.size() < line + 2 + size + 2) return;
      body_ += raw_.substr(line + 2, size);
      raw_.erase(0, line + 2 + size + 2);
    }
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  mutable std::mutex mutex_;
  std::string raw_;   // GUARDED_BY(mutex_)
  std::string head_;  // GUARDED_BY(mutex_)
  std::string body_;  // GUARDED_BY(mutex_)
  int status_ = 0;    // GUARDED_BY(mutex_)
  bool chunked_ = false;
  std::thread thread_;
};

}  // namespace nw::test
