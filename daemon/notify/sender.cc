// HttpSender (daemon/notify/sender.h).
#include "daemon/notify/sender.h"

#include "daemon/notify/formats.h"
#include "daemon/notify/http_post.h"

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

}  // namespace

std::unique_ptr<Sender> make_http_sender(const ChannelConfig& channel) {
  return std::make_unique<HttpSender>(channel);
}

}  // namespace nw
