#include "daemon/web_auth.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <optional>
#include <utility>

#include "daemon/password_hash.h"
#include "feeds/text.h"

namespace nw {
namespace {

constexpr std::string_view kFailures = "newswatch_web_auth_failures_total";

// The cache key: SHA-256 of the whole header value, so that no credentials are
// kept and no crafted value can collide with a remembered one.
std::string sha256(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md), n);
}

// Padded standard base64 (RFC 7617's credentials), strictly; nullopt when not.
std::optional<std::string> decode_base64_strict(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') {
      // Only one or two, at the very end.
      if (i + 2 < s.size() || (i + 1 < s.size() && s[i + 1] != '=')) return std::nullopt;
      break;
    }
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// A held slot of the verification semaphore.
class Slot {
 public:
  explicit Slot(std::counting_semaphore<16>& s) : s_(s) { s_.acquire(); }
  ~Slot() { s_.release(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::counting_semaphore<16>& s_;
};

}  // namespace

std::string log_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s.substr(0, 100)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 100) out += "...";
  return out;
}

WebAuth::WebAuth(std::shared_ptr<const AuthFile> file, Options options)
    : options_(options), file_(std::move(file)) {}

void WebAuth::set_file(std::shared_ptr<const AuthFile> file) {
  std::lock_guard lock(mutex_);
  file_ = std::move(file);
  remembered_.clear();
  remembered_ok_ = remembered_refused_ = 0;
  ++generation_;
}

bool WebAuth::enabled() const {
  std::lock_guard lock(mutex_);
  return file_ != nullptr;
}

std::size_t WebAuth::verifications() const {
  std::lock_guard lock(mutex_);
  return verifications_;
}

WebAuth::Verdict WebAuth::verify(const AuthFile& file, std::string_view authorization,
                                 std::string& who, std::string& why) {
  const std::size_t space = authorization.find(' ');
  const std::string_view scheme = authorization.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view() : trim(authorization.substr(space));
  if (iequals(scheme, "Basic")) {
    const auto credentials = decode_base64_strict(rest);
    const std::size_t colon = credentials ? credentials->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      why = "Basic credentials that are not base64 of NAME:PASSWORD";
      return Verdict::kRefused;
    }
    const std::string_view name = std::string_view(*credentials).substr(0, colon);
    const std::string_view password = std::string_view(*credentials).substr(colon + 1);
    if (const AuthEntry* user = file.user(name)) {
      if (verify_password(user->hash, password)) {
        who = user->name;
        return Verdict::kAllowed;
      }
      why = "wrong password for user \"" + log_escape(name) + "\"";
      return Verdict::kRefused;
    }
    // As slow as a known user's check, so that timing does not tell which names exist.
    const auto& any = !file.users.empty() ? file.users.front() : file.tokens.front();
    (void)verify_password(any.hash, password);
    why = "no user \"" + log_escape(name) + "\"";
    return Verdict::kRefused;
  }
  if (iequals(scheme, "Bearer") && !rest.empty()) {
    for (const AuthEntry& token : file.tokens) {
      if (verify_password(token.hash, rest)) {
        who = "token " + token.name;
        return Verdict::kAllowed;
      }
    }
    why = file.tokens.empty() ? "a bearer token, and the auth file has none" : "a wrong token";
    return Verdict::kRefused;
  }
  why = "an Authorization header that is neither Basic nor Bearer";
  return Verdict::kRefused;
}

WebAuth::Verdict WebAuth::check(std::string_view authorization, std::string_view client,
                                std::string_view forwarded_for) {
  if (!enabled()) return Verdict::kOpen;
  if (authorization.empty()) return Verdict::kMissing;
  const std::string key = sha256(authorization);
  std::shared_ptr<const AuthFile> file;
  std::size_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (file_ == nullptr) return Verdict::kOpen;  // set_file(nullptr) meanwhile
    file = file_;
    generation = generation_;
    if (auto it = remembered_.find(key); it != remembered_.end() && !key.empty()) {
      if (it->second) return Verdict::kAllowed;
      if (options_.metrics) options_.metrics->inc(kFailures);
      return Verdict::kRefused;
    }
  }
  std::string who, why;
  Verdict verdict;
  {
    Slot slot(slots_);
    verdict = verify(*file, authorization, who, why);
  }
  const bool ok = verdict == Verdict::kAllowed;
  bool first = true;
  {
    std::lock_guard lock(mutex_);
    ++verifications_;
    if (generation == generation_ && !key.empty()) {
      std::size_t& kept = ok ? remembered_ok_ : remembered_refused_;
      if (kept >= options_.cache_size) {
        std::erase_if(remembered_, [ok](const auto& entry) { return entry.second == ok; });
        kept = 0;
      }
      first = remembered_.emplace(key, ok).second;
      if (first) ++kept;
    }
  }
  if (!ok) {
    if (options_.metrics) options_.metrics->inc(kFailures);
    if (first) {
      spdlog::warn(
          "web auth: refused a request from {}{}: {} (the same credentials again are "
          "refused without a log line)",
          log_escape(client),
          forwarded_for.empty() ? std::string()
                                : " (X-Forwarded-For \"" + log_escape(forwarded_for) + "\")",
          why);
    }
  }
  return verdict;
}

void WebAuth::install(httplib::Server& server) {
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const Verdict v = check(req.get_header_value("Authorization"), req.remote_addr,
                            req.get_header_value("X-Forwarded-For"));
    if (v == Verdict::kOpen || v == Verdict::kAllowed) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 401;
    res.set_header("WWW-Authenticate", "Basic realm=\"newswatch\"");
    res.set_header("Cache-Control", "no-store");
    res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
}

}  // namespace nw
