// The e-mail channel of `newswatch notify`: an alert or a digest as an RFC 5322
// message (MIME multipart/alternative, a text/plain and a text/html part, both
// UTF-8 in base64; subject and display names RFC 2047 encoded), sent through
// libcurl's SMTP client over smtps:// or smtp:// with STARTTLS required (plain
// smtp:// only to a relay on this machine). Header values come from news sites:
// CR, LF and other control characters never reach a header as such (they
// become spaces), and the HTML part escapes everything it shows.
//
// The notifier's core (daemon/notify/) builds a MailContent with alert_mail()
// or digest_mail() (or a template, daemon/notify/template.h), compose_mail()s
// it and send_mail()s the bytes, retrying by the SendResult. All functions are
// pure or own their curl handle: safe from any thread; send_mail() blocks for
// up to MailOptions::timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alert.h"
#include "daemon/notify/digest.h"
#include "daemon/notify/local_time.h"
#include "daemon/notify/send_result.h"
#include "feeds/error.h"

namespace nw {

struct MailOptions {
  // smtps://mail.example.org (implicit TLS, port 465 by default) or
  // smtp://mail.example.org:587 (STARTTLS, required), or smtp://127.0.0.1:25
  // / smtp://localhost / smtp://[::1] (a local relay, plain allowed). A path
  // is the EHLO name (libcurl). No user or password in the URL.
  std::string smtp_url;
  // "alerts@example.org" or "Newswatch <alerts@example.org>" (the name may be
  // any UTF-8). ASCII addresses only (no SMTPUTF8).
  std::string from;
  std::vector<std::string> to;  // addresses as for `from`; all get the same message
  // SMTP AUTH (PLAIN/LOGIN, as the server offers) only when `password` is set;
  // the user is `username`, or the address of `from` when empty.
  std::string username;
  std::string password;
  // Optional: a mailto: or https: URL, sent as List-Unsubscribe: <url>.
  std::string list_unsubscribe;
  // For the whole SMTP exchange (connect, TLS, AUTH, upload).
  std::chrono::seconds timeout{30};
};

struct MailContent {
  std::string subject;  // UTF-8, one line (line breaks become spaces)
  std::string text;     // the text/plain part, UTF-8; lines end in \n or \r\n
  std::string html;     // the text/html part, a whole UTF-8 document; none when empty
  // The alert id (or the digest id): the Message-ID is
  // <ID.newswatch@DOMAIN-OF-FROM>, so a message sent twice (a retry after a
  // lost reply) is one message to the reader's client.
  std::string message_id;
};

// How send_mail() protects the connection, by the URL.
enum class SmtpTls {
  kImplicit,  // smtps://
  kStartTls,  // smtp:// to anything but loopback: STARTTLS or the send fails
  kNone,      // smtp:// to 127.0.0.0/8, ::1 or localhost
};

// Whether `url` is an SMTP URL send_mail() accepts, and how it will be
// protected. Errors say what is wrong and give an example.
[[nodiscard]] Result<SmtpTls> check_smtp_url(std::string_view url);

// check_smtp_url(), and that `from`, each `to` (at least one) and
// `list_unsubscribe` are usable. For the config loader, at start-up.
[[nodiscard]] Result<void> check_mail_options(const MailOptions& options);

// A header field's value for a field named `name_length` characters long
// ("Subject" = 7): ASCII text folded at spaces to lines of at most 78
// characters; anything else (non-ASCII, "=?", a word too long to fold) as
// RFC 2047 B-encoded UTF-8 words of at most 75 characters, on lines of at most
// 76, never cutting a UTF-8 sequence. Control characters (CR, LF, TAB, ...)
// become spaces, runs of spaces one, and invalid UTF-8 U+FFFD, first.
// Lines after the first start with a space (folding); none ends with CRLF.
std::string encode_header_value(std::string_view utf8, std::size_t name_length);

// The whole message, CRLF line ends: Date (`date`, UTC), From, To, Subject,
// Message-ID, MIME-Version, Content-Type, Auto-Submitted: auto-generated,
// List-Unsubscribe when set; then the parts. Only the addresses' valid part
// reaches From and To (see check_mail_options()).
std::string compose_mail(const MailOptions& options, const MailContent& content,
                         std::chrono::system_clock::time_point date);

// Sends `message` (from compose_mail()) from `from` to every `to`. Sent when
// the server took it for all recipients; retry on a connection, DNS, timeout
// or TLS-handshake failure or an SMTP 4xx reply; permanent on an SMTP 5xx
// reply (550 mailbox unavailable, 535 authentication failed...), on a server
// that does not offer STARTTLS, on a certificate that does not verify, or on
// options that check_mail_options() refuses. `reason` quotes the server's
// last reply line ("SMTP 550 5.1.1 <x@example.org>: mailbox unavailable").
SendResult send_mail(const MailOptions& options, std::string_view message);

// ---- bodies (mail_body.cc) -------------------------------------------------

// One alert. Subject "[SEVERITY WATCHLIST/RULE] TITLE" (severity when set).
// Both parts show the title (a link in HTML when the URL is http(s); never for
// javascript:, data: or anything else), the URL, source, time (its published
// date, else when fetched, in `render.timezone`), severity, rule, matched
// words, story size and snippet. Right-to-left text: in the text part, lines
// of mostly right-to-left text start with U+200F RIGHT-TO-LEFT MARK and
// right-to-left values after a label are wrapped in it; in the HTML part every
// element holding outside text has dir="auto" (matched words in <bdi>).
// message_id = the alert id.
MailContent alert_mail(const Alert& alert, const RenderOptions& render);

// A digest of `lines` (group_by_story(); newest first, as given). Subject
// "[newswatch digest] N stories, M alerts"; one entry per story: its title (a
// link when http(s)), first outlet and outlet count, alert count, newest time
// in `render.timezone`, severities, rules and matched words. Same direction
// handling as alert_mail(). The caller sends no digest for no lines.
MailContent digest_mail(std::span<const StoryLine> lines, const DigestInfo& info,
                        const RenderOptions& render);

}  // namespace nw
