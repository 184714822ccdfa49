#include "feeds/curl_fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <climits>
#include <ctime>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

constexpr const char* kProtocols = "http,https";

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Retry-After is either delta-seconds or an HTTP-date (RFC 9110 10.2.3). Waits
// beyond a year are not meant seriously and would overflow nanosecond time
// arithmetic in the caller, so they are clamped to one.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  constexpr long long kMaxSeconds = 365LL * 24 * 3600;
  value = trim(value);
  if (value.empty()) return std::nullopt;
  long long secs = 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec == std::errc::result_out_of_range)
      secs = kMaxSeconds;
    else if (ec != std::errc() || end != value.data() + value.size())
      return std::nullopt;
  } else {
    const std::string date(value);
    const time_t when = curl_getdate(date.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    secs = static_cast<long long>(when) - static_cast<long long>(std::time(nullptr));
  }
  return std::chrono::seconds(std::clamp(secs, 0LL, kMaxSeconds));
}

// max-age=N from a Cache-Control value ("public, max-age=300"); s-maxage is
// for shared caches and ignored. Clamped like Retry-After.
std::optional<std::chrono::seconds> parse_max_age(std::string_view value) {
  constexpr long long kMaxSeconds = 365LL * 24 * 3600;
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string_view part = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    constexpr std::string_view kKey = "max-age=";
    if (part.size() <= kKey.size() || !iequals(part.substr(0, kKey.size()), kKey)) continue;
    part.remove_prefix(kKey.size());
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"')
      part = part.substr(1, part.size() - 2);
    long long secs = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), secs);
    if (ec == std::errc::result_out_of_range && end == part.data() + part.size())
      secs = kMaxSeconds;
    else if (ec != std::errc() || end != part.data() + part.size() || secs < 0)
      return std::nullopt;
    return std::chrono::seconds(std::min(secs, kMaxSeconds));
  }
  return std::nullopt;
}

// The scheme of an absolute URL (RFC 3986 3.1), "" when `url` has none.
std::string_view url_scheme(std::string_view url) {
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(url[0])) return {};
  const std::string_view scheme = url.substr(0, colon);
  const bool valid = std::all_of(scheme.begin(), scheme.end(), [&](char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
  return valid ? scheme : std::string_view();
}

// Only http and https are fetched; anything else is refused before any I/O.
Result<void> check_url(const std::string& url) {
  const std::string_view scheme = url_scheme(url);
  if (!scheme.empty() && !iequals(scheme, "http") && !iequals(scheme, "https")) {
    return fail(Errc::kUnsupported, "unsupported URL scheme \"" + std::string(scheme) +
                                        "\" (only http and https): " + url);
  }
  UrlHandle u(curl_url());
  if (!u) return fail(Errc::kInternal, "out of memory parsing URL: " + url);
  // Without a scheme curl refuses the URL: "example.com/feed" is not absolute.
  if (const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    return fail(Errc::kInvalid, "invalid URL \"" + url + "\": " + curl_url_strerror(rc));
  }
  return {};
}

// One response in the chain of a transfer: a redirect hop or the final answer.
struct Hop {
  long status = 0;
  std::string url;  // the URL this response answered
};

// Everything one easy handle writes into. Heap-allocated and never moved while
// the handle is in the multi: curl holds pointers to it.
struct Transfer {
  EasyHandle easy;
  Slist headers;
  std::string url;   // as submitted, for error messages
  std::string host;  // politeness key (url_host of url)
  Fetcher::Done done;
  std::size_t max_body = 0;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
  FetchResponse response;  // headers of the latest response only, body of the final one
  std::string retry_after;
  std::string cache_control;
  std::vector<Hop> hops;
};

// Called once per header line of every response, redirects included. A status
// line starts a new response, so the fields kept at the end are the final one's.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t length = size * count;
  const std::string_view line = trim(std::string_view(data, length));
  if (line.starts_with("HTTP/")) {
    long status = 0;
    if (const auto space = line.find(' '); space != std::string_view::npos) {
      const std::string_view code = line.substr(space + 1);
      std::from_chars(code.data(), code.data() + code.size(), status);
    }
    char* url = nullptr;
    curl_easy_getinfo(t->easy.get(), CURLINFO_EFFECTIVE_URL, &url);
    // An interim 1xx answer is followed by the real one for the same request.
    if (!t->hops.empty() && t->hops.back().status / 100 == 1) t->hops.pop_back();
    t->hops.push_back(Hop{status, url ? url : t->url});
    t->response.content_type.clear();
    t->response.etag.clear();
    t->response.last_modified.clear();
    t->response.content_location.clear();
    t->retry_after.clear();
    t->cache_control.clear();
    return length;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return length;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string value(trim(line.substr(colon + 1)));
  if (iequals(name, "Content-Type")) {
    t->response.content_type = value;
  } else if (iequals(name, "ETag")) {
    t->response.etag = value;
  } else if (iequals(name, "Last-Modified")) {
    t->response.last_modified = value;
  } else if (iequals(name, "Content-Location")) {
    t->response.content_location = value;
  } else if (iequals(name, "Retry-After")) {
    t->retry_after = value;
  } else if (iequals(name, "Cache-Control")) {
    t->cache_control += (t->cache_control.empty() ? "" : ",") + value;
  }
  return length;
}

// Receives the decoded body: the cap holds however small the compressed form was.
size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t length = size * count;
  if (length > t->max_body - t->response.body.size()) {
    t->too_large = true;
    return 0;  // CURLE_WRITE_ERROR: curl aborts the transfer
  }
  t->response.body.append(data, length);
  return length;
}

Result<FetchResponse> finish(Transfer& t, CURLcode code) {
  if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return fail(Errc::kTooLarge,
                "body larger than " + std::to_string(t.max_body) + " bytes: " + t.url);
  }
  if (code != CURLE_OK) {
    std::string why(trim(t.error));
    if (why.empty()) why = curl_easy_strerror(code);
    const Errc errc = code == CURLE_UNSUPPORTED_PROTOCOL ? Errc::kUnsupported
                      : code == CURLE_URL_MALFORMAT      ? Errc::kInvalid
                                                         : Errc::kNetwork;
    return fail(errc, "GET " + t.url + ": " + why);
  }
  FetchResponse r = std::move(t.response);
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &r.status);
  char* url = nullptr;
  curl_easy_getinfo(t.easy.get(), CURLINFO_EFFECTIVE_URL, &url);
  r.url = url ? url : t.url;
  if ((r.status == 429 || r.status == 503) && !t.retry_after.empty()) {
    r.retry_after = parse_retry_after(t.retry_after);
  }
  if (!t.cache_control.empty()) r.max_age = parse_max_age(t.cache_control);
  // Hop i was answered by a redirect to hops[i + 1].url. A leading run of
  // permanent redirects says where the source now lives; a temporary one ends it.
  for (size_t i = 0; i + 1 < t.hops.size(); ++i) {
    if (t.hops[i].status != 301 && t.hops[i].status != 308) break;
    r.moved_to = t.hops[i + 1].url;
  }
  return r;
}

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(FetchOptions options) : options_(std::move(options)) {
    global_init();
    multi_.reset(curl_multi_init());
    if (multi_) {
      curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                        static_cast<long>(options_.max_connections_per_host));
    }
  }

  ~CurlFetcher() override {
    for (auto& [easy, transfer] : active_) curl_multi_remove_handle(multi_.get(), easy);
  }

  void submit(FetchRequest request, Done done) override {
    // Refused URLs fail at once rather than after waiting for their host's turn.
    if (auto ok = validate(request); !ok) {
      ready_.emplace_back(std::move(done), std::unexpected(std::move(ok.error())));
      return;
    }
    std::string host = url_host(request.url);
    const auto now = std::chrono::steady_clock::now();
    Host& h = host_state(host, now);
    // Only this host's chances changed: a host with nothing queued may start
    // at once; anything else waits for run()'s pump. Pumping every waiting
    // host here made each submit cost O(hosts): with thousands of hosts
    // waiting out their spacing, that was a fifth of the loop's CPU.
    if (h.queue.empty() && can_start(h, now) && !(request.deferrable && deferrable_full())) {
      space(h, request, now);
      launch(host, h, Waiting{std::move(request), std::move(done)});
      if (h.active == 0) forget(host);  // it failed to start: its answer is ready
      return;
    }
    if (h.queue.empty()) turns_.push_back(host);
    h.queue.push_back(Waiting{std::move(request), std::move(done)});
    ++waiting_;
  }

  void run(std::chrono::milliseconds max_wait) override {
    using std::chrono::steady_clock;
    // Clamped so that milliseconds::max() ("until something happens") cannot overflow.
    const auto wait = std::clamp<std::chrono::milliseconds>(max_wait, std::chrono::milliseconds(0),
                                                            std::chrono::hours(24));
    const auto deadline = steady_clock::now() + wait;
    for (;;) {
      std::optional<steady_clock::time_point> next_turn;
      if (multi_) {
        int running = 0;
        curl_multi_perform(multi_.get(), &running);
        collect();
        // After collect(): finished transfers free their host's slots.
        next_turn = pump(steady_clock::now());
      }
      if (deliver() || woken_.exchange(false) || !multi_) return;
      const auto now = steady_clock::now();
      auto until = deadline;
      if (next_turn) until = std::min(until, std::max(*next_turn, now));
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now);
      if (left.count() <= 0) {
        if (until == deadline) return;
        continue;  // a host's turn has come
      }
      // curl shortens the wait to its own next timer (timeouts, retries).
      const int wait_ms = static_cast<int>(std::min<long long>(left.count(), INT_MAX));
      curl_multi_poll(multi_.get(), nullptr, 0, wait_ms, nullptr);
    }
  }

  std::size_t pending() const override { return active_.size() + ready_.size() + waiting_; }

  void limit_deferrable(std::size_t running) override { deferrable_limit_ = running; }

  void wakeup() override {
    woken_.store(true);
    if (multi_) curl_multi_wakeup(multi_.get());
  }

 private:
  struct Waiting {
    FetchRequest request;
    Done done;
  };
  // Politeness state of one host name.
  struct Host {
    std::deque<Waiting> queue;                           // not started yet, in submit order
    std::size_t active = 0;                              // transfers in the multi handle
    std::chrono::steady_clock::time_point next_start{};  // spacing: no start before
    bool crawl_delay = false;  // next_start was set by a request's own longer spacing
  };

  // The host's politeness state, made on first use. A host's state is dropped
  // when it has nothing queued or running; one spaced by a request's
  // host_spacing (Crawl-delay) keeps its next start in resting_ until then.
  Host& host_state(const std::string& host, std::chrono::steady_clock::time_point now) {
    auto [it, made] = hosts_.try_emplace(host);
    if (made && !resting_.empty()) {
      if (auto r = resting_.find(host); r != resting_.end()) {
        if (r->second > now) {
          it->second.next_start = r->second;
          it->second.crawl_delay = true;
        }
        resting_.erase(r);
      }
    }
    return it->second;
  }

  void space(Host& h, const FetchRequest& request, std::chrono::steady_clock::time_point now) {
    h.crawl_delay = request.host_spacing > options_.host_spacing;
    h.next_start = now + std::max(options_.host_spacing, request.host_spacing);
  }

  void forget(const std::string& host) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return;
    const auto now = std::chrono::steady_clock::now();
    if (it->second.crawl_delay && it->second.next_start > now) {
      if (resting_.size() > 4096)
        std::erase_if(resting_, [now](auto& r) { return r.second <= now; });
      resting_[host] = it->second.next_start;
    }
    hosts_.erase(it);
  }

  Result<void> validate(const FetchRequest& request) const {
    if (auto ok = check_url(request.url); !ok) return ok;
    // The validators go out verbatim as header lines: a CR or LF would inject headers.
    for (const std::string* v : {&request.etag, &request.last_modified}) {
      if (v->find_first_of("\r\n") != std::string::npos) {
        return fail(Errc::kInvalid, "validator with a line break for " + request.url);
      }
    }
    // So do a source's own headers (the config refuses these already).
    constexpr std::string_view kBreaks("\r\n\0", 3);
    for (const auto& [name, value] : request.http.headers) {
      if (name.empty() || name.find_first_of(kBreaks) != std::string::npos ||
          name.find(':') != std::string::npos ||
          value.find_first_of(kBreaks) != std::string::npos) {
        return fail(Errc::kInvalid,
                    "request header with a line break or bad name for " + request.url);
      }
    }
    if (request.http.user_agent.find_first_of(kBreaks) != std::string::npos) {
      return fail(Errc::kInvalid, "user agent with a line break for " + request.url);
    }
    if (!multi_) return fail(Errc::kInternal, "GET " + request.url + ": curl_multi_init failed");
    return {};
  }

  // Starts every waiting request whose host and the global limit allow it now,
  // one per host per round so that no host starves the others. Returns when the
  // earliest host held back only by its spacing gets its turn.
  std::optional<std::chrono::steady_clock::time_point> pump(
      std::chrono::steady_clock::time_point now) {
    std::optional<std::chrono::steady_clock::time_point> next_turn;
    bool progress = true;
    while (progress && !turns_.empty()) {
      progress = false;
      next_turn.reset();
      for (std::size_t n = turns_.size(); n > 0; --n) {
        // All transfers busy: nobody can start until one finishes (which
        // wakes run()); the hosts not visited keep their place at the front.
        if (active_.size() >= options_.max_transfers) return std::nullopt;
        std::string host = std::move(turns_.front());
        turns_.pop_front();
        Host& h = hosts_[host];
        // At the deferrable limit: the host's turn waits for an answer or a
        // new limit, not for a time.
        const bool slot = h.active < options_.max_connections_per_host &&
                          !(h.queue.front().request.deferrable && deferrable_full());
        if (slot && h.next_start <= now) {
          Waiting w = std::move(h.queue.front());
          h.queue.pop_front();
          --waiting_;
          space(h, w.request, now);
          launch(host, h, std::move(w));
          progress = true;
        } else if (slot) {
          next_turn = next_turn ? std::min(*next_turn, h.next_start) : h.next_start;
        }
        if (!h.queue.empty()) {
          turns_.push_back(std::move(host));
        } else if (h.active == 0) {
          forget(host);
        }
      }
    }
    return next_turn;
  }

  bool deferrable_full() const { return deferrable_running_ >= deferrable_limit_; }

  bool can_start(const Host& h, std::chrono::steady_clock::time_point now) const {
    return h.active < options_.max_connections_per_host &&
           active_.size() < options_.max_transfers && h.next_start <= now;
  }

  void launch(const std::string& host, Host& h, Waiting w) {
    if (w.request.deferrable) {
      // Counted until its callback has run, failed start or not.
      ++deferrable_running_;
      w.done = [this, done = std::move(w.done)](Result<FetchResponse> r) {
        --deferrable_running_;
        done(std::move(r));
      };
    }
    auto transfer = start(w.request);
    if (!transfer) {
      ready_.emplace_back(std::move(w.done), std::unexpected(std::move(transfer.error())));
      return;
    }
    CURL* easy = (*transfer)->easy.get();
    if (const CURLMcode rc = curl_multi_add_handle(multi_.get(), easy); rc != CURLM_OK) {
      ready_.emplace_back(std::move(w.done), fail(Errc::kInternal, "GET " + w.request.url + ": " +
                                                                       curl_multi_strerror(rc)));
      return;
    }
    (*transfer)->done = std::move(w.done);
    (*transfer)->host = host;
    ++h.active;
    active_.emplace(easy, std::move(*transfer));
  }

  Result<std::unique_ptr<Transfer>> start(const FetchRequest& request) {
    auto t = std::make_unique<Transfer>();
    t->easy.reset(curl_easy_init());
    if (!t->easy) return fail(Errc::kInternal, "GET " + request.url + ": curl_easy_init failed");
    t->url = request.url;
    t->max_body = request.max_body_bytes.value_or(options_.max_body_bytes);

    auto add_header = [&t](const std::string& line) {
      curl_slist* next = curl_slist_append(t->headers.get(), line.c_str());
      if (next == nullptr) return false;
      (void)t->headers.release();  // now owned through `next`
      t->headers.reset(next);
      return true;
    };
    bool headers_ok = true;
    if (!request.etag.empty()) headers_ok &= add_header("If-None-Match: " + request.etag);
    if (!request.last_modified.empty()) {
      headers_ok &= add_header("If-Modified-Since: " + request.last_modified);
    }
    // A value-less header goes out as "Name;" (curl's syntax for an empty value).
    for (const auto& [name, value] : request.http.headers) {
      headers_ok &= add_header(value.empty() ? name + ";" : name + ": " + value);
    }
    if (!headers_ok) return fail(Errc::kInternal, "GET " + request.url + ": out of memory");

    CURL* h = t->easy.get();
    CURLcode rc = CURLE_OK;
    auto set = [&rc, h](CURLoption option, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
    };
    const long follow = options_.max_redirects > 0 ? 1L : 0L;
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_ERRORBUFFER, t->error);
    set(CURLOPT_PROTOCOLS_STR, kProtocols);
    set(CURLOPT_REDIR_PROTOCOLS_STR, kProtocols);
    set(CURLOPT_FOLLOWLOCATION, follow);
    set(CURLOPT_MAXREDIRS, std::max(options_.max_redirects, 0L));
    set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl can decode
    const std::string& agent =
        request.http.user_agent.empty() ? options_.user_agent : request.http.user_agent;
    set(CURLOPT_USERAGENT, agent.c_str());
    // Only a configured proxy is set (libcurl copies the string): unset, libcurl
    // keeps reading $http_proxy & co; a source's "" turns even those off.
    if (request.http.proxy) {
      set(CURLOPT_PROXY, request.http.proxy->c_str());
    } else if (!options_.proxy.empty()) {
      set(CURLOPT_PROXY, options_.proxy.c_str());
    }
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    set(CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
    set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
    // Refuses early on a Content-Length above the cap; on_body enforces it on decoded bytes.
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(std::min<std::size_t>(
                                       t->max_body, std::numeric_limits<curl_off_t>::max())));
    set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    set(CURLOPT_HEADERFUNCTION, on_header);
    set(CURLOPT_HEADERDATA, t.get());
    set(CURLOPT_WRITEFUNCTION, on_body);
    set(CURLOPT_WRITEDATA, t.get());
    if (t->headers) set(CURLOPT_HTTPHEADER, t->headers.get());
    if (rc != CURLE_OK) {
      return fail(Errc::kInternal,
                  "GET " + request.url + ": cannot set up transfer: " + curl_easy_strerror(rc));
    }
    return t;
  }

  // Moves finished transfers out of the multi handle and into ready_.
  void collect() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;
      const auto it = active_.find(easy);
      if (it == active_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      active_.erase(it);
      curl_multi_remove_handle(multi_.get(), easy);
      if (auto h = hosts_.find(t->host); h != hosts_.end()) {
        if (--h->second.active == 0 && h->second.queue.empty()) forget(t->host);
      }
      ready_.emplace_back(std::move(t->done), finish(*t, code));
    }
  }

  // Runs the callbacks ready when called; those queued by a callback (a refused
  // URL submitted from inside one) wait for the next run(). True when any ran.
  bool deliver() {
    const std::size_t n = ready_.size();
    for (std::size_t i = 0; i < n; ++i) {
      auto [done, result] = std::move(ready_.front());
      ready_.pop_front();
      done(std::move(result));
    }
    return n > 0;
  }

  const FetchOptions options_;
  MultiHandle multi_;
  std::map<CURL*, std::unique_ptr<Transfer>> active_;
  // Requests waiting for their host's turn, and the hosts that have some, in
  // round-robin order (each host once).
  std::unordered_map<std::string, Host> hosts_;
  std::deque<std::string> turns_;
  // Hosts with nothing queued or running whose Crawl-delay has not passed yet.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> resting_;
  std::size_t waiting_ = 0;
  std::deque<std::pair<Done, Result<FetchResponse>>> ready_;
  // limit_deferrable(): deferrable requests started whose callback has not run.
  std::size_t deferrable_limit_ = std::numeric_limits<std::size_t>::max();
  std::size_t deferrable_running_ = 0;
  std::atomic<bool> woken_{false};
};

}  // namespace

std::unique_ptr<Fetcher> make_curl_fetcher(FetchOptions options) {
  return std::make_unique<CurlFetcher>(std::move(options));
}

}  // namespace nw
