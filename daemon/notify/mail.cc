#include "daemon/notify/mail.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>

#include "feeds/text.h"

namespace nw {
namespace {

constexpr std::string_view kCrlf = "\r\n";

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// ---- text -------------------------------------------------------------------

// `s` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.data() + start, static_cast<std::size_t>(i - start));
    }
  }
  return out;
}

// One line of header text: valid UTF-8, every control character (C0, DEL,
// C1, LINE and PARAGRAPH SEPARATOR) a space, whitespace collapsed.
std::string header_text(std::string_view s) {
  const std::string utf8 = valid_utf8(s);
  std::string out;
  out.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029) {
      out += ' ';
    } else {
      out.append(utf8.data() + start, static_cast<std::size_t>(i - start));
    }
  }
  return collapse_whitespace(out);
}

std::string base64(std::string_view bytes, std::size_t line_length = 0) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t column = 0;
  const auto put = [&](char c) {
    if (line_length != 0 && column == line_length) {
      out += kCrlf;
      column = 0;
    }
    out += c;
    ++column;
  };
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    put(kDigits[(v >> 18) & 63]);
    put(kDigits[(v >> 12) & 63]);
    put(n > 1 ? kDigits[(v >> 6) & 63] : '=');
    put(n > 2 ? kDigits[v & 63] : '=');
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The length of the UTF-8 sequence starting with lead byte `c` (1 for a
// stray byte: the text is valid UTF-8 by then).
std::size_t sequence_length(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// ---- addresses ----------------------------------------------------------------

struct Mailbox {
  std::string name;     // display name, may be empty
  std::string address;  // addr-spec
};

// An addr-spec as SMTP without SMTPUTF8 takes it: printable ASCII without
// spaces or the specials that would break a header or the envelope.
bool valid_address(std::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || std::strchr("<>()[],;:\"\\", c) != nullptr) return false;
  }
  const std::size_t at = a.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() && a.find('@') == at;
}

// "a@x" or "Name <a@x>"; nullopt when the address part is not valid_address().
std::optional<Mailbox> parse_mailbox(std::string_view text) {
  text = trim(text);
  Mailbox box;
  const std::size_t open = text.rfind('<');
  if (open != std::string_view::npos && text.ends_with('>')) {
    box.address = std::string(trim(text.substr(open + 1, text.size() - open - 2)));
    std::string_view name = trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    box.name = header_text(name);
  } else {
    box.address = std::string(text);
  }
  if (!valid_address(box.address)) return std::nullopt;
  return box;
}

// A display name as an RFC 5322 phrase: atoms as they are, other ASCII quoted,
// anything else RFC 2047 encoded.
std::string phrase(const std::string& name, std::size_t name_length) {
  if (!is_ascii(name) || name.find("=?") != std::string::npos) {
    return encode_header_value(name, name_length);
  }
  const bool atoms = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
           std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
  });
  if (atoms) return name;
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string mailbox_header(const Mailbox& box, std::size_t name_length) {
  if (box.name.empty()) return box.address;
  const std::string name = phrase(box.name, name_length);
  // The address goes on a line of its own when the name's last line is full
  // (a line with encoded words holds at most 76 characters).
  const std::size_t last_break = name.rfind(kCrlf);
  const std::size_t last_line = last_break == std::string::npos ? name_length + 2 + name.size()
                                                                : name.size() - last_break - 2;
  const std::string address = "<" + box.address + ">";
  if (last_line + 1 + address.size() > 76) return name + std::string(kCrlf) + " " + address;
  return name + " " + address;
}

// A URL for List-Unsubscribe: mailto: or https:, no spaces, controls or <>.
bool valid_unsubscribe(std::string_view url) {
  const std::string lower = lower_ascii(url);
  if (!lower.starts_with("mailto:") && !lower.starts_with("https://")) return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7F || c == '<' || c == '>';
  });
}

// ---- headers ------------------------------------------------------------------

// Sun, 06 Dec 2026 19:05:00 +0000
std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::weekday wd(day);
  const std::chrono::hh_mm_ss hms(seconds - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kDays[wd.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1].data(),
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

// Letters, digits, '.', '-' and '_' of `id`; others become '-'.
std::string id_part(std::string_view id) {
  std::string out;
  for (char c : id) {
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '-';
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append(kCrlf);
}

// `text` as valid UTF-8 with CRLF line ends, in base64 lines of 76.
std::string body_part(std::string_view type, std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size() + text.size() / 16);
  const std::string utf8 = valid_utf8(text);
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if (utf8[i] == '\r') {
      if (i + 1 < utf8.size() && utf8[i + 1] == '\n') ++i;
      normalized += kCrlf;
    } else if (utf8[i] == '\n') {
      normalized += kCrlf;
    } else {
      normalized += utf8[i];
    }
  }
  std::string out;
  header(out, "Content-Type", std::string(type) + "; charset=utf-8");
  header(out, "Content-Transfer-Encoding", "base64");
  out += kCrlf;
  out += base64(normalized, 76);
  out += kCrlf;
  return out;
}

// ---- SMTP ---------------------------------------------------------------------

bool loopback_host(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  host = lower_ascii(host);
  if (host == "localhost" || host == "localhost.") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

std::string url_part(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string s(value);
  curl_free(value);
  return s;
}

struct Upload {
  std::string_view message;
  std::size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  const std::size_t n = std::min(size * count, up->message.size() - up->offset);
  std::memcpy(buffer, up->message.data() + up->offset, n);
  up->offset += n;
  return n;
}

// The server's replies as libcurl logs them: the last 4xx/5xx line is the reason.
struct Replies {
  std::string last_error;
};

int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* userdata) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* replies = static_cast<Replies*>(userdata);
  std::string_view text(data, size);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.size() >= 3 && (line[0] == '4' || line[0] == '5') &&
        std::isdigit(static_cast<unsigned char>(line[1])) &&
        std::isdigit(static_cast<unsigned char>(line[2]))) {
      replies->last_error = header_text(line.substr(0, 300));
    }
  }
  return 0;
}

// `url` without what lies between "://" and an "@" of its authority (a user
// and password must not reach a log).
std::string redacted(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return header_text(url);
  const std::size_t authority = scheme + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", authority), url.size());
  const std::size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return header_text(url);
  return header_text(std::string(url.substr(0, authority)) + "...@" +
                     std::string(url.substr(at + 1)));
}

}  // namespace

Result<SmtpTls> check_smtp_url(std::string_view url) {
  const std::string text(url);
  const auto bad = [&](std::string_view what) {
    return fail(Errc::kInvalid, "smtp URL \"" + redacted(text) + "\": " + std::string(what) +
                                    "; write smtps://mail.example.org (TLS, port 465) or "
                                    "smtp://mail.example.org:587 (STARTTLS)");
  };
  const std::string lower = lower_ascii(text);
  if (!lower.starts_with("smtps://") && !lower.starts_with("smtp://")) {
    return bad("not an smtps:// or smtp:// URL");
  }
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return bad("not a URL");
  }
  const std::string host = url_part(u.get(), CURLUPART_HOST);
  if (host.empty()) return bad("no host");
  if (!url_part(u.get(), CURLUPART_USER).empty() ||
      !url_part(u.get(), CURLUPART_PASSWORD).empty()) {
    return bad("the user and password do not belong in the URL (give them as options)");
  }
  if (!url_part(u.get(), CURLUPART_QUERY).empty() ||
      !url_part(u.get(), CURLUPART_FRAGMENT).empty()) {
    return bad("a query or fragment means nothing to SMTP");
  }
  if (lower.starts_with("smtps://")) return SmtpTls::kImplicit;
  return loopback_host(host) ? SmtpTls::kNone : SmtpTls::kStartTls;
}

Result<void> check_mail_options(const MailOptions& options) {
  if (auto ok = check_smtp_url(options.smtp_url); !ok) return std::unexpected(ok.error());
  if (!parse_mailbox(options.from)) {
    return fail(Errc::kInvalid, "from \"" + header_text(options.from) +
                                    "\": not an e-mail address (ASCII); write "
                                    "\"alerts@example.org\" or \"Newswatch <alerts@example.org>\"");
  }
  if (options.to.empty()) {
    return fail(Errc::kInvalid, "to: no recipient; write to = [\"desk@example.org\"]");
  }
  for (const std::string& to : options.to) {
    if (!parse_mailbox(to)) {
      return fail(Errc::kInvalid, "to \"" + header_text(to) +
                                      "\": not an e-mail address (ASCII); write "
                                      "\"desk@example.org\" or \"News desk <desk@example.org>\"");
    }
  }
  if (!options.list_unsubscribe.empty() && !valid_unsubscribe(options.list_unsubscribe)) {
    return fail(Errc::kInvalid, "list_unsubscribe \"" + header_text(options.list_unsubscribe) +
                                    "\": not a mailto: or https: URL; write "
                                    "\"mailto:desk@example.org?subject=unsubscribe\"");
  }
  return {};
}

std::string encode_header_value(std::string_view utf8, std::size_t name_length) {
  const std::string text = header_text(utf8);
  const std::size_t first_used = name_length + 2;  // "Name: "
  // Plain ASCII, folded at spaces to lines of at most 78.
  if (is_ascii(text) && text.find("=?") == std::string::npos) {
    std::string out;
    std::size_t column = first_used;
    bool fits = true;
    std::size_t start = 0;
    bool first_word = true;
    while (start <= text.size() && !text.empty()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view word(text.data() + start, end - start);
      if ((first_word ? first_used : 1) + word.size() > 78) {
        fits = false;
        break;
      }
      if (first_word) {
        out += word;
        column += word.size();
        first_word = false;
      } else if (column + 1 + word.size() > 78) {
        out.append(kCrlf).append(" ").append(word);
        column = 1 + word.size();
      } else {
        out.append(" ").append(word);
        column += 1 + word.size();
      }
      start = end + 1;
    }
    if (fits) return out;
  }
  // RFC 2047: "=?UTF-8?B?" + base64 + "?=", at most 75 characters a word and
  // 76 a line. The first line has the field name before it.
  constexpr std::string_view kOpen = "=?UTF-8?B?";
  constexpr std::string_view kClose = "?=";
  constexpr std::size_t kOverhead = kOpen.size() + kClose.size();
  const auto bytes_for = [&](std::size_t used) {
    const std::size_t room = std::min<std::size_t>(75, 76 - std::min<std::size_t>(used, 64));
    return (room - kOverhead) / 4 * 3;
  };
  std::string out;
  std::size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    const std::size_t limit = bytes_for(first ? first_used : 1);
    std::size_t end = i;
    std::size_t after_space = i;  // the end just after the chunk's last space
    while (end < text.size()) {
      const std::size_t n = sequence_length(static_cast<unsigned char>(text[end]));
      if (end + n - i > limit) break;
      end += n;
      if (text[end - 1] == ' ') after_space = end;
    }
    if (end == i) end = i + sequence_length(static_cast<unsigned char>(text[i]));
    // Cut between words when the chunk holds a space: decoders that keep the
    // folding whitespace between encoded words (Python's address parser)
    // then add a space where there is one rather than split a word.
    if (end < text.size() && after_space > i) end = after_space;
    if (!first) out.append(kCrlf).append(" ");
    out.append(kOpen).append(base64(std::string_view(text).substr(i, end - i))).append(kClose);
    i = end;
    first = false;
  }
  return out;
}

std::string compose_mail(const MailOptions& options, const MailContent& content,
                         std::chrono::system_clock::time_point date) {
  const std::optional<Mailbox> from = parse_mailbox(options.from);
  std::vector<Mailbox> to;
  for (const std::string& address : options.to) {
    if (auto box = parse_mailbox(address)) to.push_back(std::move(*box));
  }
  const std::string date_text = rfc5322_date(date);
  const std::string domain =
      from ? from->address.substr(from->address.rfind('@') + 1) : std::string("newswatch.invalid");
  const std::string id = content.message_id.empty()
                             ? fnv1a64_hex({content.subject, content.text, date_text})
                             : id_part(content.message_id);

  std::string out;
  header(out, "Date", date_text);
  header(out, "From", from ? mailbox_header(*from, 4) : std::string("newswatch@newswatch.invalid"));
  std::string to_value;
  for (std::size_t k = 0; k < to.size(); ++k) {
    if (k > 0) to_value.append(",").append(kCrlf).append(" ");
    to_value += mailbox_header(to[k], k == 0 ? 2 : 1);
  }
  header(out, "To", to_value.empty() ? "undisclosed-recipients:;" : to_value);
  header(out, "Subject", encode_header_value(content.subject, 7));
  header(out, "Message-ID", "<" + id + ".newswatch@" + domain + ">");
  header(out, "MIME-Version", "1.0");
  header(out, "Auto-Submitted", "auto-generated");
  if (!options.list_unsubscribe.empty() && valid_unsubscribe(options.list_unsubscribe)) {
    header(out, "List-Unsubscribe", "<" + options.list_unsubscribe + ">");
  }
  if (content.html.empty()) {
    out += body_part("text/plain", content.text);
    return out;
  }
  // "=_" never occurs in base64, so the boundary cannot occur in a part.
  const std::string boundary = "=_nw_" + fnv1a64_hex({id, date_text, content.subject});
  header(out, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += kCrlf;
  out.append("--").append(boundary).append(kCrlf);
  out += body_part("text/plain", content.text);
  out.append("--").append(boundary).append(kCrlf);
  out += body_part("text/html", content.html);
  out.append("--").append(boundary).append("--").append(kCrlf);
  return out;
}

SendResult send_mail(const MailOptions& options, std::string_view message) {
  if (auto ok = check_mail_options(options); !ok) return SendResult::permanent(ok.error().message);
  const Result<SmtpTls> tls = check_smtp_url(options.smtp_url);
  const Mailbox from = *parse_mailbox(options.from);

  EasyHandle easy(curl_easy_init());
  if (!easy) return SendResult::retry("curl_easy_init failed");
  CURL* h = easy.get();
  Slist recipients;
  for (const std::string& to : options.to) {
    const std::string envelope = "<" + parse_mailbox(to)->address + ">";
    curl_slist* list = curl_slist_append(recipients.get(), envelope.c_str());
    if (list == nullptr) return SendResult::retry("out of memory");
    recipients.release();
    recipients.reset(list);
  }
  Upload upload{message};
  Replies replies;
  char error[CURL_ERROR_SIZE] = {};
  const std::string mail_from = "<" + from.address + ">";
  const std::string username = options.username.empty() ? from.address : options.username;
  const long timeout =
      static_cast<long>(std::max<std::chrono::seconds::rep>(options.timeout.count(), 1));

  CURLcode rc = CURLE_OK;
  const auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_URL, options.smtp_url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  set(CURLOPT_MAIL_FROM, mail_from.c_str());
  set(CURLOPT_MAIL_RCPT, recipients.get());
  set(CURLOPT_UPLOAD, 1L);
  set(CURLOPT_READFUNCTION, &read_upload);
  set(CURLOPT_READDATA, &upload);
  set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  set(CURLOPT_USE_SSL, *tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                              : static_cast<long>(CURLUSESSL_ALL));
  set(CURLOPT_TIMEOUT, timeout);
  set(CURLOPT_CONNECTTIMEOUT, timeout);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ERRORBUFFER, error);
  set(CURLOPT_VERBOSE, 1L);  // for the server's replies; on_debug prints nothing
  set(CURLOPT_DEBUGFUNCTION, &on_debug);
  set(CURLOPT_DEBUGDATA, &replies);
  if (!options.password.empty()) {
    set(CURLOPT_USERNAME, username.c_str());
    set(CURLOPT_PASSWORD, options.password.c_str());
  }
  if (rc != CURLE_OK) {
    return SendResult::permanent(std::string("cannot set up SMTP: ") + curl_easy_strerror(rc));
  }
  rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return SendResult::sent();

  if (!replies.last_error.empty()) {
    const std::string reason = "SMTP " + replies.last_error;
    return replies.last_error[0] == '5' ? SendResult::permanent(reason) : SendResult::retry(reason);
  }
  const std::string why =
      std::string(curl_easy_strerror(rc)) + (error[0] != '\0' ? std::string(": ") + error : "");
  switch (rc) {
    case CURLE_USE_SSL_FAILED:
      return SendResult::permanent("SMTP server " + redacted(options.smtp_url) +
                                   " does not offer STARTTLS (required for smtp:// to "
                                   "another machine; use smtps:// or a local relay): " +
                                   why);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_LOGIN_DENIED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return SendResult::permanent("SMTP " + redacted(options.smtp_url) + ": " + why);
    default:
      return SendResult::retry("SMTP " + redacted(options.smtp_url) + ": " + why);
  }
}

}  // namespace nw
