// HTTP auth for the daemon's HTTP server when `[web] auth_file` is set
// (daemon/auth_file.h): every request (pages, /api, /events, /metrics) needs
// HTTP Basic credentials of a user or `Authorization: Bearer TOKEN`; others get
// 401 with `WWW-Authenticate: Basic realm="newswatch"`. Argon2 is slow on
// purpose, so a verified Authorization value is remembered by its SHA-256
// (bounded; forgotten when the file is replaced), and so is a refused one: the
// same wrong credentials are logged once and cost one verification. At most
// two verifications run at once. Thread-safe: check() runs on the server's
// threads, set_file() on any other (it never waits for a verification).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/auth_file.h"
#include "daemon/metrics.h"

namespace httplib {
class Server;
}

namespace nw {

class WebAuth {
 public:
  struct Options {
    Metrics* metrics = nullptr;    // newswatch_web_auth_failures_total
    std::size_t cache_size = 256;  // verified values kept, and as many refused ones
  };
  // `file` null: no auth, every request passes.
  explicit WebAuth(std::shared_ptr<const AuthFile> file, Options options);
  WebAuth(std::shared_ptr<const AuthFile> file) : WebAuth(std::move(file), Options{}) {}

  // The users and tokens from now on (null: none needed); drops what was remembered.
  void set_file(std::shared_ptr<const AuthFile> file);
  bool enabled() const;

  enum class Verdict { kOpen, kAllowed, kMissing, kRefused };
  // The verdict on a request's Authorization header value ("" when absent);
  // `client` is its address, for the log. May run Argon2: REQUIRES not the loop thread.
  Verdict check(std::string_view authorization, std::string_view client,
                std::string_view forwarded_for = {});

  // Guards every route of `server` (its pre-routing handler).
  void install(httplib::Server& server);

  // Argon2 verifications run so far (what the cache saves is visible in tests).
  std::size_t verifications() const;

 private:
  Verdict verify(const AuthFile& file, std::string_view authorization, std::string& who,
                 std::string& why);

  const Options options_;
  std::counting_semaphore<16> slots_{2};  // concurrent verifications: 2 x 64 MiB at most
  mutable std::mutex mutex_;
  std::shared_ptr<const AuthFile> file_;                    // GUARDED_BY(mutex_)
  std::unordered_map<std::string, bool> remembered_;        // GUARDED_BY(mutex_); SHA-256 -> ok
  std::size_t remembered_ok_ = 0, remembered_refused_ = 0;  // GUARDED_BY(mutex_)
  std::size_t generation_ = 0;                              // GUARDED_BY(mutex_)
  std::size_t verifications_ = 0;                           // GUARDED_BY(mutex_)
};

// `s` fit for a log line: printable ASCII as is but `"` and `\` escaped, other
// bytes as \xNN, cut at 100 bytes.
std::string log_escape(std::string_view s);

}  // namespace nw
