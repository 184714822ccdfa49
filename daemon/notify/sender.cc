// HttpSender (daemon/notify/sender.h).
#include "daemon/notify/sender.h"

#include "daemon/notify/formats.h"
#include "daemon/notify/http_post.h"
#include "daemon/notify/mail.h"

namespace nw {
namespace {

class HttpSender final : public Sender {
 public:
  explicit HttpSender(const ChannelConfig& channel) : channel_(channel) {}

  SendResult send(const Notice& notice, const std::function<bool()>& cancelled) override {
    return http_post(format_request(channel_, notice), {.cancelled = cancelled});
  }
  bool folds() const override { return channel_.kind != ChannelConfig::Kind::kWebhook; }

 private:
  const ChannelConfig& channel_;
};

class MailSender final : public Sender {
 public:
  explicit MailSender(const ChannelConfig& channel) : channel_(channel) {}

  SendResult send(const Notice& notice, const std::function<bool()>&) override {
    const RenderOptions render{channel_.timezone};
    MailContent content = alert_mail(notice.alert, render);
    if (channel_.message_template)
      content.html = channel_.message_template->render_alert(notice.alert, render);
    return send_mail(channel_.mail,
                     compose_mail(channel_.mail, content, std::chrono::system_clock::now()));
  }
  bool folds() const override { return false; }
  SendResult send_digest(std::span<const Alert> alerts, const DigestInfo& info,
                         const std::function<bool()>&) override {
    const RenderOptions render{channel_.timezone};
    const std::vector<StoryLine> lines = group_by_story(alerts);
    MailContent content = digest_mail(lines, info, render);
    if (channel_.message_template)
      content.html = channel_.message_template->render_digest(lines, info, render);
    return send_mail(channel_.mail,
                     compose_mail(channel_.mail, content, std::chrono::system_clock::now()));
  }

 private:
  const ChannelConfig& channel_;
};

}  // namespace

std::unique_ptr<Sender> make_mail_sender(const ChannelConfig& channel) {
  return std::make_unique<MailSender>(channel);
}

std::unique_ptr<Sender> make_sender(const ChannelConfig& channel) {
  if (channel.kind == ChannelConfig::Kind::kEmail) return make_mail_sender(channel);
  return make_http_sender(channel);
}

std::unique_ptr<Sender> make_http_sender(const ChannelConfig& channel) {
  return std::make_unique<HttpSender>(channel);
}

}  // namespace nw
