// daemon/notify/mail.h: SMTP URLs and the RFC 2047 encoder as tables, then
// real mails through libcurl to a real SMTP server on 127.0.0.1
// (tests/support/smtp_sink.py, aiosmtpd) read back by Python's email package
// (tests/support/parse_mail.py): headers, the Arabic subject and bodies, a
// hostile title, digests, and SMTP failures mapped to retry or permanent.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "daemon/notify/mail.h"
#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days{std::chrono::year{y} / m / d} + std::chrono::hours{hh} + std::chrono::minutes{mm};
}

// ---- check_smtp_url, check_mail_options ---------------------------------------

TEST(CheckSmtpUrl, HowEachUrlIsProtected) {
  struct Case {
    std::string_view url;
    SmtpTls tls;
  };
  for (const Case& c : {
           Case{"smtps://mail.example.org", SmtpTls::kImplicit},
           Case{"smtps://mail.example.org:465", SmtpTls::kImplicit},
           Case{"SMTPS://Mail.Example.org", SmtpTls::kImplicit},
           Case{"smtp://mail.example.org:587", SmtpTls::kStartTls},
           Case{"smtp://mail.example.org/newswatch.example.org", SmtpTls::kStartTls},
           Case{"smtp://10.0.0.25", SmtpTls::kStartTls},
           Case{"smtp://128.0.0.1", SmtpTls::kStartTls},
           Case{"smtp://[::2]:25", SmtpTls::kStartTls},
           Case{"smtp://localhost.example.org", SmtpTls::kStartTls},
           Case{"smtp://127.0.0.1.example.org", SmtpTls::kStartTls},
           Case{"smtp://127.0.0.1:25", SmtpTls::kNone},
           Case{"smtp://127.8.9.10", SmtpTls::kNone},
           Case{"smtp://localhost", SmtpTls::kNone},
           Case{"smtp://LOCALHOST:2525", SmtpTls::kNone},
           Case{"smtp://[::1]:25", SmtpTls::kNone},
           Case{"smtps://127.0.0.1", SmtpTls::kImplicit},
       }) {
    auto tls = check_smtp_url(c.url);
    ASSERT_TRUE(tls.has_value()) << c.url << ": " << tls.error().message;
    EXPECT_EQ(*tls, c.tls) << c.url;
  }
}

TEST(CheckSmtpUrl, RefusedWithAnExample) {
  for (std::string_view url :
       {"", "mail.example.org", "http://mail.example.org", "submission://mail.example.org",
        "smtp://", "smtp://user:secret@mail.example.org", "smtp://user@mail.example.org",
        "smtps://mail.example.org/?x=1", "smtp://mail.example.org/#f"}) {
    auto tls = check_smtp_url(url);
    ASSERT_FALSE(tls.has_value()) << url;
    EXPECT_EQ(tls.error().code, Errc::kInvalid);
    EXPECT_NE(tls.error().message.find("smtps://mail.example.org"), std::string::npos)
        << tls.error().message;
  }
  // The message never repeats a password given in the URL.
  EXPECT_EQ(check_smtp_url("smtp://u:hunter2@mail.example.org").error().message.find("hunter2"),
            std::string::npos);
}

MailOptions options(std::string url = "smtps://mail.example.org") {
  return MailOptions{.smtp_url = std::move(url),
                     .from = "Newswatch <alerts@example.org>",
                     .to = {"desk@example.org"},
                     .list_unsubscribe = "mailto:desk-admin@example.org?subject=unsubscribe",
                     .timeout = 10s};
}

TEST(CheckMailOptions, AddressesAndUnsubscribe) {
  EXPECT_TRUE(check_mail_options(options()).has_value());
  struct Case {
    std::function<void(MailOptions&)> change;
    std::string_view says;
  };
  for (const Case& c : {
           Case{[](MailOptions& o) { o.from = "alerts"; }, "from \"alerts\""},
           Case{[](MailOptions& o) { o.from = "نيوزواتش <تنبيه@example.org>"; }, "from"},
           Case{[](MailOptions& o) { o.to.clear(); }, "no recipient"},
           Case{[](MailOptions& o) { o.to = {"desk@example.org\r\nBcc: x@evil.example"}; },
                "to \"desk@example.org Bcc: x@evil.example\""},
           Case{[](MailOptions& o) { o.to = {"a@b@example.org"}; }, "to"},
           Case{[](MailOptions& o) { o.list_unsubscribe = "javascript:alert(1)"; },
                "list_unsubscribe"},
           Case{[](MailOptions& o) { o.list_unsubscribe = "https://x.example/u>\r\nBcc: y"; },
                "list_unsubscribe"},
           Case{[](MailOptions& o) { o.smtp_url = "http://mail.example.org"; }, "smtp URL"},
       }) {
    MailOptions o = options();
    c.change(o);
    auto ok = check_mail_options(o);
    ASSERT_FALSE(ok.has_value()) << c.says;
    EXPECT_NE(ok.error().message.find(c.says), std::string::npos) << ok.error().message;
    // No CR or LF is ever echoed into a log line.
    EXPECT_EQ(ok.error().message.find_first_of("\r\n"), std::string::npos) << ok.error().message;
  }
  MailOptions https = options();
  https.list_unsubscribe = "https://news.example.org/unsubscribe?u=desk";
  https.to = {"desk@example.org", "\"Desk, night\" <night@example.org>"};
  EXPECT_TRUE(check_mail_options(https).has_value());
}

// ---- encode_header_value ------------------------------------------------------

std::string decode_base64(std::string_view s) {
  std::string out;
  std::uint32_t v = 0;
  int bits = 0;
  for (char c : s) {
    int d = -1;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    if (c >= '0' && c <= '9') d = c - '0' + 52;
    if (c == '+') d = 62;
    if (c == '/') d = 63;
    if (d < 0) continue;
    v = (v << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xFF);
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

std::vector<std::string> split_lines(const std::string& value) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = value.find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(value.substr(start, end - start));
  }
  lines.push_back(value.substr(start));
  return lines;
}

// The text an RFC 2047-aware reader sees in `value` (B words only, as ours),
// checking the limits on the way.
std::string decode_header_value(const std::string& value, std::size_t name_length) {
  const std::vector<std::string> lines = split_lines(value);
  std::string out;
  bool encoded = value.starts_with("=?");
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string& line = lines[k];
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos);
    const std::size_t length = line.size() + (k == 0 ? name_length + 2 : 0);
    if (!encoded) {
      EXPECT_LE(length, 78u) << line;
      if (k > 0) {
        EXPECT_TRUE(line.starts_with(" ")) << line;
        out += line;  // unfolding: CRLF removed, the space stays
      } else {
        out += line;
      }
      continue;
    }
    EXPECT_LE(length, 76u) << line;
    const std::string word = k == 0 ? line : line.substr(1);
    if (k > 0) {
      EXPECT_EQ(line[0], ' ');
    }
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    const std::string bytes = decode_base64(word.substr(10, word.size() - 12));
    EXPECT_TRUE(is_valid_utf8(bytes)) << "a word cuts a UTF-8 sequence: " << word;
    out += bytes;
  }
  return out;
}

TEST(EncodeHeaderValue, Table) {
  const std::string arabic = test::read_arabic_sample("000_2f2f26cc72d594b8.txt");
  const std::string headline = arabic.substr(0, arabic.find('\n'));
  ASSERT_FALSE(headline.empty());
  const std::string long_ascii =
      "Libya: Haftar travels to Cairo for talks with Sisi as the fighting around Tripoli goes "
      "on and the United Nations calls for a ceasefire before the Berlin conference";
  struct Case {
    std::string input;
    std::string decoded;  // what a reader sees
    bool encoded;
  };
  const std::vector<Case> cases = {
      {"Haftar in Cairo", "Haftar in Cairo", false},
      {"", "", false},
      {long_ascii, long_ascii, false},
      {"  spaces\t\tand\ttabs  ", "spaces and tabs", false},
      {"Title\r\nBcc: victim@evil.example", "Title Bcc: victim@evil.example", false},
      {"Title\nSubject: again", "Title Subject: again", false},
      {"looks =?UTF-8?B?encoded?=", "looks =?UTF-8?B?encoded?=", true},
      {"https://example.org/" + std::string(90, 'a'), "https://example.org/" + std::string(90, 'a'),
       true},
      {headline, headline, true},
      {"حفتر\r\nBcc: x@evil.example", "حفتر Bcc: x@evil.example", true},
      {"Emoji 🇱🇾 and Arabic حفتر mixed " + std::string(40, 'x') +
           " 🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",
       "Emoji 🇱🇾 and Arabic حفتر mixed " + std::string(40, 'x') +
           " 🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",
       true},
      {"broken \xD8 byte \xFF here", "broken \xEF\xBF\xBD byte \xEF\xBF\xBD here", true},
      {"C1\xC2\x85next\xE2\x80\xA8line", "C1 next line", false},
  };
  for (const Case& c : cases) {
    for (std::size_t name_length : {7u, 4u, 2u, 16u}) {
      const std::string value = encode_header_value(c.input, name_length);
      EXPECT_EQ(value.starts_with("=?UTF-8?B?"), c.encoded) << value;
      EXPECT_EQ(decode_header_value(value, name_length), c.decoded) << value;
    }
  }
  // Folding happened where it had to.
  EXPECT_GT(split_lines(encode_header_value(long_ascii, 7)).size(), 1u);
  EXPECT_GT(split_lines(encode_header_value(headline, 7)).size(), 1u);
}

// ---- compose_mail -------------------------------------------------------------

Alert arabic_alert() {
  auto a = alert_from_json(test::read_fixture_file(test::fixture_path("daemon/alert_full.json")));
  EXPECT_TRUE(a.has_value());
  Alert alert = a.value_or(Alert{});
  alert.id = "5f0c9a31b2d4e677";
  return alert;
}

Alert hostile_alert() {
  Alert a;
  a.seq = 9;
  a.id = "0123456789abcdef";
  a.watchlist = "libya";
  a.rule = "haftar";
  a.source = "evil<b>";
  a.url = "javascript:alert(document.cookie)";
  a.title = "<script>alert(1)</script>\r\nBcc: victim@evil.example\r\n\r\nbody?";
  a.fetched = utc(2026, 12, 6, 19, 5);
  a.matched = {"<i>x</i>"};
  a.snippet = "<img src=x onerror=alert(2)> & \"quotes\" 'single'";
  return a;
}

// The header block of `message`, unfolded: one string per field.
std::vector<std::string> header_fields(const std::string& message) {
  const std::string head = message.substr(0, message.find("\r\n\r\n"));
  std::vector<std::string> fields;
  for (const std::string& line : split_lines(head)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back() += line;
    } else {
      fields.push_back(line);
    }
  }
  return fields;
}

TEST(ComposeMail, LinesAndHeaders) {
  const MailContent content = alert_mail(arabic_alert(), {.timezone = "Africa/Tripoli"});
  const std::string message = compose_mail(
      options(), content,
      std::chrono::system_clock::time_point(utc(2026, 12, 6, 19, 5).time_since_epoch()));
  // CRLF only, no line over 78 (base64 lines are 76).
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << i;
    }
    if (message[i] == '\r') {
      ASSERT_TRUE(i + 1 < message.size() && message[i + 1] == '\n') << i;
    }
  }
  for (const std::string& line : split_lines(message)) EXPECT_LE(line.size(), 78u) << line;
  const std::vector<std::string> fields = header_fields(message);
  EXPECT_EQ(fields[0], "Date: Sun, 06 Dec 2026 19:05:00 +0000");
  EXPECT_EQ(fields[1], "From: Newswatch <alerts@example.org>");
  EXPECT_EQ(fields[2], "To: desk@example.org");
  EXPECT_TRUE(fields[3].starts_with("Subject: =?UTF-8?B?")) << fields[3];
  EXPECT_EQ(fields[4], "Message-ID: <5f0c9a31b2d4e677.newswatch@example.org>");
  EXPECT_NE(message.find("\r\nList-Unsubscribe: <mailto:desk-admin@example.org?subject=unsubscribe>"
                         "\r\n"),
            std::string::npos);
  EXPECT_NE(message.find("\r\nAuto-Submitted: auto-generated\r\n"), std::string::npos);
  // Only text and no HTML: one text/plain body.
  const std::string plain =
      compose_mail(options(), {.subject = "s", .text = "t\n", .message_id = "x"},
                   std::chrono::system_clock::time_point{});
  EXPECT_NE(plain.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_EQ(plain.find("multipart"), std::string::npos);
}

TEST(ComposeMail, HostileTextMakesNoHeader) {
  MailOptions o = options();
  o.from = "Evil\r\nBcc: a@evil.example <alerts@example.org>";
  const std::string message =
      compose_mail(o, alert_mail(hostile_alert(), {}), std::chrono::system_clock::time_point{});
  for (const std::string& field : header_fields(message)) {
    EXPECT_FALSE(field.starts_with("Bcc")) << field;
  }
  // The name has specials (":", "@"): quoted, one field.
  EXPECT_EQ(header_fields(message)[1], "From: \"Evil Bcc: a@evil.example\" <alerts@example.org>");
}

// ---- a real SMTP server ---------------------------------------------------------

const fs::path kSupport = fs::path(NW_SOURCE_DIR) / "tests" / "support";

bool have_aiosmtpd() {
  return std::system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") == 0;
}

// tests/support/smtp_sink.py as a child process, with its own folder.
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> extra = {}, std::string host = "127.0.0.1")
      : host_(std::move(host)), port_(test::free_tcp_port()) {
    dir_ = fs::temp_directory_path() / ("nw_smtp_sink_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    std::vector<std::string> args = {(kSupport / "smtp_sink.py").string(),
                                     "--dir",
                                     dir_.string(),
                                     "--port",
                                     std::to_string(port_),
                                     "--host",
                                     host_};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<test::Child>("/usr/bin/python3", args, dir_ / "sink.out",
                                           dir_ / "sink.err");
    // The sink writes "ready" once it listens; a test that starts sooner fails.
    (void)test::wait_for([&] { return fs::exists(dir_ / "ready"); }, 10s);
  }
  ~SmtpSink() {
    child_->stop();
    fs::remove_all(dir_);
  }
  bool ready() const { return fs::exists(dir_ / "ready"); }
  std::string log() const { return test::read_file(dir_ / "sink.err"); }
  std::string url() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "smtp://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  }
  // Every reply to RCPT TO (or DATA) is `line` from now on.
  void reply(const std::string& stage, const std::string& line) {
    std::ofstream(dir_ / (stage + "_reply")) << line << "\n";
  }
  // The .eml files received so far, in order.
  std::vector<fs::path> messages() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".eml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  json envelope(const fs::path& eml) const {
    fs::path j = eml;
    return json::parse(test::read_file(j.replace_extension(".json")));
  }

 private:
  std::string host_;
  int port_;
  fs::path dir_;
  std::unique_ptr<test::Child> child_;
};

// parse_mail.py's reading of one received message.
struct ParsedMail {
  json doc;
  std::string header(const std::string& name, const char* reading = "headers") const {
    for (const auto& h : doc[reading]) {
      if (h[0].get<std::string>() == name) return h[1].get<std::string>();
    }
    return "<none>";
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& h : doc["headers"]) out.push_back(h[0].get<std::string>());
    return out;
  }
  std::string part(const std::string& type) const {
    for (const auto& p : doc["parts"]) {
      if (p["type"] != type) continue;
      std::string text = p["text"].get<std::string>();  // CRLF as sent; LF here
      for (std::size_t i; (i = text.find("\r\n")) != std::string::npos;) text.erase(i, 1);
      return text;
    }
    return "<none>";
  }
};

ParsedMail parse(const fs::path& eml) {
  auto [code, out] = test::run_command("/usr/bin/python3 " + (kSupport / "parse_mail.py").string() +
                                       " " + eml.string());
  EXPECT_EQ(code, 0) << out;
  ParsedMail m;
  m.doc = json::parse(out, nullptr, false);
  EXPECT_FALSE(m.doc.is_discarded()) << out;
  return m;
}

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_aiosmtpd()) {
      GTEST_SKIP() << "/usr/bin/python3 with aiosmtpd (Debian python3-aiosmtpd, installed by "
                      ".ci/deps) missing";
    }
  }
  static std::chrono::system_clock::time_point date() {
    return std::chrono::system_clock::time_point(utc(2026, 12, 6, 19, 5).time_since_epoch());
  }
};

TEST_F(SmtpTest, AnArabicAlertArrivesIntact) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ready()) << sink.log();
  MailOptions o = options(sink.url());
  // A display name long enough to need several encoded words.
  const std::string from_name = "نشرة نيوزواتش لمتابعة الأخبار الليبية والعربية العاجلة";
  o.from = from_name + " <alerts@example.org>";
  o.to = {"desk@example.org", "\"Night desk\" <night@example.org>"};
  const Alert alert = arabic_alert();
  const MailContent content = alert_mail(alert, {.timezone = "Africa/Tripoli"});
  const SendResult r = send_mail(o, compose_mail(o, content, date()));
  ASSERT_EQ(r.kind, SendResult::Kind::kSent) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  const fs::path eml = sink.messages()[0];
  const std::string raw = test::read_file(eml);
  for (const std::string& line : split_lines(raw.substr(0, raw.find("\r\n\r\n")))) {
    EXPECT_LE(line.size(), 76u) << line;  // header lines with encoded words
  }
  const json env = sink.envelope(eml);
  EXPECT_EQ(env["mail_from"], "alerts@example.org");
  EXPECT_EQ(env["rcpt_tos"], json::array({"desk@example.org", "night@example.org"}));
  EXPECT_FALSE(env["authenticated"].get<bool>());

  const ParsedMail m = parse(eml);
  EXPECT_EQ(m.doc["defects"], json::array()) << m.doc.dump();
  // RFC 2047 6.2: the folding between encoded words is not part of the text.
  // Python's address parser (policy.default) keeps it, so the words are cut
  // at spaces: it reads a space doubled, never a word split.
  EXPECT_EQ(m.header("From", "rfc2047"), from_name + " <alerts@example.org>");
  std::string from = m.header("From");
  for (std::size_t i; (i = from.find("  ")) != std::string::npos;) from.erase(i, 1);
  EXPECT_EQ(from, from_name + " <alerts@example.org>");
  EXPECT_EQ(m.header("Subject", "rfc2047"), "[high libya/haftar-cairo] " + alert.title);
  EXPECT_EQ(m.header("To"), "desk@example.org, Night desk <night@example.org>");
  EXPECT_EQ(m.header("Date"), "Sun, 06 Dec 2026 19:05:00 +0000");
  EXPECT_EQ(m.header("Message-ID"), "<5f0c9a31b2d4e677.newswatch@example.org>");
  EXPECT_EQ(m.header("MIME-Version"), "1.0");
  EXPECT_EQ(m.header("List-Unsubscribe"), "<mailto:desk-admin@example.org?subject=unsubscribe>");
  EXPECT_EQ(m.header("Subject"), "[high libya/haftar-cairo] " + alert.title);
  EXPECT_EQ(m.doc["content_type"], "multipart/alternative");
  ASSERT_EQ(m.doc["parts"].size(), 2u);
  EXPECT_EQ(m.doc["parts"][0]["charset"], "utf-8");

  const std::string text = m.part("text/plain");
  EXPECT_NE(text.find("\u200F" + alert.title + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\u200F" + alert.snippet + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find(alert.url + "\n"), std::string::npos);
  EXPECT_NE(text.find("Published: 2020-06-03 11:15 (Africa/Tripoli)"), std::string::npos) << text;
  EXPECT_NE(text.find("Matched: \u200Fحفتر, للقاهرة\u200F"), std::string::npos) << text;
  EXPECT_NE(text.find("Severity: high"), std::string::npos);
  EXPECT_NE(text.find("Story: 2 articles so far"), std::string::npos);
  EXPECT_NE(text.find("Source: alrasifa"), std::string::npos);

  const std::string html = m.part("text/html");
  EXPECT_NE(html.find("dir=\"auto\""), std::string::npos);
  EXPECT_NE(html.find("<h2 dir=\"auto\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"" + alert.url + "\">" + alert.title + "</a>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<p dir=\"auto\">" + alert.snippet + "</p>"), std::string::npos);
  EXPECT_NE(html.find("<bdi>حفتر</bdi>, <bdi>للقاهرة</bdi>"), std::string::npos);
  EXPECT_NE(html.find("2020-06-03 11:15 (Africa/Tripoli)"), std::string::npos);
}

TEST_F(SmtpTest, AHostileTitleIsHarmless) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ready()) << sink.log();
  const MailOptions o = options(sink.url());
  const SendResult r = send_mail(o, compose_mail(o, alert_mail(hostile_alert(), {}), date()));
  ASSERT_EQ(r.kind, SendResult::Kind::kSent) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.envelope(sink.messages()[0])["rcpt_tos"], json::array({"desk@example.org"}));
  const ParsedMail m = parse(sink.messages()[0]);
  EXPECT_EQ(m.doc["defects"], json::array()) << m.doc.dump();
  for (const std::string& name : m.names()) EXPECT_NE(name, "Bcc");
  EXPECT_EQ(m.header("Subject"),
            "[libya/haftar] <script>alert(1)</script> Bcc: victim@evil.example body?");
  const std::string html = m.part("text/html");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<i>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos) << html;
  EXPECT_EQ(html.find("href"), std::string::npos) << "a javascript: URL became a link: " << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << html;
  EXPECT_NE(
      html.find("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot; &#39;single&#39;"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("javascript:alert(document.cookie)"), std::string::npos);  // as text
  EXPECT_NE(m.part("text/plain").find("<script>alert(1)</script>"), std::string::npos);
}

TEST_F(SmtpTest, ADigest) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ready()) << sink.log();
  std::vector<Alert> alerts;
  for (int i = 0; i < 5; ++i) {
    Alert a = arabic_alert();
    a.seq = 100 + i;
    a.id = "id" + std::to_string(i);
    a.source = i % 2 ? "alwasat" : "alrasifa";
    a.story = i < 3 ? "story-a" : "story-" + std::to_string(i);
    a.title = i < 3 ? a.title : "Libya story " + std::to_string(i);
    a.url = i == 4 ? "data:text/html,<script>alert(1)</script>" : a.url;
    a.published = utc(2026, 12, 6, 17, i * 10);
    alerts.push_back(a);
  }
  const std::vector<StoryLine> lines = group_by_story(alerts);
  ASSERT_EQ(lines.size(), 3u);
  const MailContent content = digest_mail(lines,
                                          {.id = "digest-desk-1765047600",
                                           .since = utc(2026, 12, 6, 17, 0),
                                           .until = utc(2026, 12, 6, 18, 0)},
                                          {.timezone = "Africa/Tripoli"});
  const MailOptions o = options(sink.url());
  const SendResult r = send_mail(o, compose_mail(o, content, date()));
  ASSERT_EQ(r.kind, SendResult::Kind::kSent) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  const ParsedMail m = parse(sink.messages()[0]);
  EXPECT_EQ(m.doc["defects"], json::array()) << m.doc.dump();
  EXPECT_EQ(m.header("Subject"), "[newswatch digest] 3 stories, 5 alerts");
  EXPECT_EQ(m.header("Message-ID"), "<digest-desk-1765047600.newswatch@example.org>");
  const std::string text = m.part("text/plain");
  EXPECT_NE(text.find("2026-12-06 19:00 (Africa/Tripoli) to 2026-12-06 20:00 (Africa/Tripoli)"),
            std::string::npos)
      << text;
  // Newest first: story 4 (17:40), story 3 (17:30), then the story of three.
  const std::size_t s4 = text.find("1. Libya story 4");
  const std::size_t s3 = text.find("2. Libya story 3");
  const std::size_t sa = text.find("3. \u200F" + alerts[0].title);
  EXPECT_NE(s4, std::string::npos) << text;
  EXPECT_LT(s4, s3);
  EXPECT_LT(s3, sa);
  EXPECT_NE(text.find("alrasifa (2 outlets) · 3 alerts · 2026-12-06 19:20 (Africa/Tripoli) · high"),
            std::string::npos)
      << text;
  const std::string html = m.part("text/html");
  EXPECT_NE(html.find("<li dir=\"auto\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"" + alerts[0].url + "\">" + alerts[0].title + "</a>"),
            std::string::npos);
  EXPECT_EQ(html.find("href=\"data:"), std::string::npos) << html;
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
}

TEST_F(SmtpTest, SmtpRepliesGiveRetryOrPermanent) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ready()) << sink.log();
  const MailOptions o = options(sink.url());
  const std::string message = compose_mail(o, alert_mail(arabic_alert(), {}), date());
  struct Case {
    std::string stage;
    std::string reply;
    SendResult::Kind kind;
  };
  for (const Case& c : {
           Case{"rcpt", "451 4.3.0 Try again later", SendResult::Kind::kRetry},
           Case{"rcpt", "550 5.1.1 Mailbox unavailable", SendResult::Kind::kPermanent},
           Case{"data", "452 4.3.1 Insufficient system storage", SendResult::Kind::kRetry},
           Case{"data", "554 5.7.1 Message refused as spam", SendResult::Kind::kPermanent},
       }) {
    sink.reply(c.stage, c.reply);
    const SendResult r = send_mail(o, message);
    EXPECT_EQ(r.kind, c.kind) << c.reply << ": " << r.reason;
    EXPECT_EQ(r.reason, "SMTP " + c.reply);
    EXPECT_TRUE(sink.messages().empty());
    sink.reply(c.stage, "");
  }
  EXPECT_EQ(send_mail(o, message).kind, SendResult::Kind::kSent);
  EXPECT_EQ(sink.messages().size(), 1u);
}

TEST_F(SmtpTest, Authentication) {
  SmtpSink sink({"--auth", "alerts@example.org:s3cret pass"});
  ASSERT_TRUE(sink.ready()) << sink.log();
  MailOptions o = options(sink.url());
  const std::string message = compose_mail(o, alert_mail(arabic_alert(), {}), date());
  // Without a password: the server wants AUTH first (530).
  SendResult r = send_mail(o, message);
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_TRUE(r.reason.starts_with("SMTP 530")) << r.reason;
  o.password = "wrong";
  r = send_mail(o, message);
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_TRUE(r.reason.starts_with("SMTP 535")) << r.reason;
  EXPECT_EQ(r.reason.find("wrong"), std::string::npos);
  EXPECT_TRUE(sink.messages().empty());
  o.password = "s3cret pass";  // the user defaults to the address of `from`
  r = send_mail(o, message);
  ASSERT_EQ(r.kind, SendResult::Kind::kSent) << r.reason;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_TRUE(sink.envelope(sink.messages()[0])["authenticated"].get<bool>());
}

TEST_F(SmtpTest, NoServerIsRetried) {
  const MailOptions o = options("smtp://127.0.0.1:" + std::to_string(test::free_tcp_port()));
  const SendResult r = send_mail(o, compose_mail(o, alert_mail(arabic_alert(), {}), date()));
  EXPECT_EQ(r.kind, SendResult::Kind::kRetry) << r.reason;
  EXPECT_NE(r.reason.find("127.0.0.1"), std::string::npos) << r.reason;
}

TEST_F(SmtpTest, BadOptionsArePermanent) {
  MailOptions o = options("http://127.0.0.1:25");
  EXPECT_EQ(send_mail(o, "x").kind, SendResult::Kind::kPermanent);
  o = options("smtp://127.0.0.1:25");
  o.to = {"not an address"};
  EXPECT_EQ(send_mail(o, "x").kind, SendResult::Kind::kPermanent);
}

// An IPv4 address of this machine other than loopback, or "".
std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char buf[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) found = buf;
  }
  freeifaddrs(list);
  return found;
}

// smtp:// to another machine needs STARTTLS, and this server (aiosmtpd without
// a certificate) does not offer it: nothing is sent in the clear.
TEST_F(SmtpTest, StartTlsIsRequiredBeyondLoopback) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no IPv4 address but loopback";
  SmtpSink sink({}, address);
  ASSERT_TRUE(sink.ready()) << sink.log();
  const MailOptions o = options(sink.url());
  ASSERT_EQ(check_smtp_url(o.smtp_url).value_or(SmtpTls::kNone), SmtpTls::kStartTls);
  const SendResult r = send_mail(o, compose_mail(o, alert_mail(arabic_alert(), {}), date()));
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent) << r.reason;
  EXPECT_NE(r.reason.find("STARTTLS"), std::string::npos) << r.reason;
  EXPECT_TRUE(sink.messages().empty());
}

}  // namespace
}  // namespace nw
