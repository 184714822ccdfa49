// One classified HTTP POST (daemon/notify/http_post.h).
#include "daemon/notify/http_post.h"

#include <curl/curl.h>

#include <charconv>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "feeds/date.h"

namespace nw {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

constexpr std::size_t kMaxBody = 64 * 1024;

struct Transfer {
  std::string body;
  std::string retry_after;
  const PostOptions* options = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  if (t->body.size() < kMaxBody) t->body.append(data, std::min(bytes, kMaxBody - t->body.size()));
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) match = false;
    }
    if (match) {
      std::string v(line.substr(kName.size()));
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      t->retry_after = v;
    }
  }
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->options->cancelled && t->options->cancelled() ? 1 : 0;
}

std::string first_line(std::string_view body) {
  std::string line(body.substr(0, body.find('\n')));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > 200) line = line.substr(0, 200) + "…";
  return line;
}

// Telegram answers 429 with {"parameters":{"retry_after":N}}.
std::optional<std::chrono::seconds> json_retry_after(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto p = j.find("parameters");
  if (p == j.end() || !p->is_object()) return std::nullopt;
  const auto r = p->find("retry_after");
  if (r == p->end() || !r->is_number_integer()) return std::nullopt;
  return std::chrono::seconds(std::max<std::int64_t>(0, r->get<std::int64_t>()));
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  std::int64_t n = 0;
  if (auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      ec == std::errc() && p == value.data() + value.size()) {
    if (n < 0) return std::nullopt;
    return std::chrono::seconds(n);
  }
  if (auto at = parse_date(value)) {
    const auto d = std::chrono::duration_cast<std::chrono::seconds>(*at - now);
    return std::max(d, std::chrono::seconds(0));
  }
  return std::nullopt;
}

SendResult http_post(const HttpRequest& request, const PostOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return SendResult::retry("cannot start a libcurl transfer");
  curl_slist* raw = nullptr;
  for (const std::string& h : request.headers) raw = curl_slist_append(raw, h.c_str());
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, ListDeleter> headers(raw);
  Transfer t;
  t.options = &options;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  // No redirects: a webhook that moved is a configuration to fix, not to follow.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return SendResult::retry(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return SendResult::sent();
  std::string reason = "HTTP " + std::to_string(status);
  if (const std::string line = first_line(t.body); !line.empty()) reason += ": " + line;
  if (status == 429 || status == 503) {
    auto after = parse_retry_after(t.retry_after, std::chrono::system_clock::now());
    if (!after) after = json_retry_after(t.body);
    return SendResult::retry(reason, after);
  }
  if (status == 408 || status == 425 || status >= 500) return SendResult::retry(reason);
  return SendResult::permanent(reason);
}

}  // namespace nw
