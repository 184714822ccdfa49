// How one channel puts a message in front of people: the seam between the
// channel's delivery loop (daemon/notify/channel_worker.h) and the service.
// HttpSender posts each service's format (daemon/notify/formats.h) through
// libcurl; the email channel implements the same interface. send() is called
// from the channel's own thread only.
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "config/notify_config.h"
#include "daemon/notify/notice.h"
#include "daemon/notify/send_result.h"

namespace nw {

class Sender {
 public:
  virtual ~Sender() = default;
  // One attempt. `cancelled` turns true at shutdown: abort and return a retry.
  virtual SendResult send(const Notice& notice, const std::function<bool()>& cancelled) = 0;
  // Whether alerts of one story may share a message at the rate limit (people
  // read it); a webhook's receiver is a program that wants every alert.
  virtual bool folds() const = 0;
  // A digest of `alerts` (seq order, at least one), for channels with `digest`.
  virtual SendResult send_digest(std::span<const Alert> alerts, const DigestInfo& info,
                                 const std::function<bool()>& cancelled) {
    (void)alerts, (void)info, (void)cancelled;
    return SendResult::permanent("this channel kind sends no digests");
  }
};

// For every kind but email. REQUIRES: `channel` outlives the sender.
std::unique_ptr<Sender> make_http_sender(const ChannelConfig& channel);
// Email: each alert (or digest) composed as a MIME message (daemon/notify/mail.h)
// and sent through libcurl's SMTP client. REQUIRES: `channel` outlives it.
std::unique_ptr<Sender> make_mail_sender(const ChannelConfig& channel);
// The sender for the channel's kind.
std::unique_ptr<Sender> make_sender(const ChannelConfig& channel);

}  // namespace nw
