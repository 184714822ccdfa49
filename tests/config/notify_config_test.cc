// The notifier's config (config/notify_config.h): every key read, every
// problem reported at its file:line:col, secrets only from files their owner
// alone may read.
#include "config/notify_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace nw {
namespace {

namespace fs = std::filesystem;
using Kind = ChannelConfig::Kind;

class NotifyConfigTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("notify_config_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    secret("slack.url", "https://hooks.slack.com/services/T0/B0/xyz\n");
    secret("bot.token", "123456:ABC\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void secret(const std::string& name, const std::string& text,
              fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    std::ofstream(dir_ / name) << text;
    fs::permissions(dir_ / name, mode);
  }
  Result<NotifyConfig> load(const std::string& text) {
    std::ofstream(dir_ / "notify.toml") << text;
    return load_notify_config(dir_ / "notify.toml");
  }
  // The error's lines, with the folder cut off.
  std::string problems(const std::string& text) {
    auto r = load(text);
    if (r) return "(loaded)";
    std::string msg = r.error().message;
    const std::string prefix = dir_.string() + "/";
    for (std::size_t p; (p = msg.find(prefix)) != std::string::npos;) msg.erase(p, prefix.size());
    return msg;
  }

  fs::path dir_;
};

TEST_F(NotifyConfigTest, ReadsEveryKey) {
  auto cfg = load(R"(
[subscribe]
endpoint = "tcp://127.0.0.1:6556"
state_dir = "state"
heartbeat = "2s"
log_level = "debug"

[metrics]
endpoint = "127.0.0.1:9465"

[[channel]]
id = "desk"
kind = "slack"
url_file = "slack.url"
timezone = "Africa/Tripoli"
rate_limit = "2/s"
burst = 3

[[channel]]
id = "tg"
kind = "telegram"
token_file = "bot.token"
chat_id = -1001234
api_url = "http://127.0.0.1:8081"

[[channel]]
id = "hook"
kind = "webhook"
url_file = "slack.url"
rate_limit = "none"

[[route]]
topics = ["libya/", "egypt/cairo"]
min_severity = "high"
tags = ["security"]
channels = ["desk", "tg"]

[[route]]
channels = ["hook"]
)");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint, "tcp://127.0.0.1:6556");
  EXPECT_EQ(cfg->replay_endpoint, "tcp://127.0.0.1:6557");
  EXPECT_EQ(cfg->state_dir, dir_ / "state");
  EXPECT_EQ(cfg->heartbeat, std::chrono::seconds(2));
  EXPECT_EQ(cfg->log_level, "debug");
  EXPECT_EQ(cfg->metrics_endpoint, "127.0.0.1:9465");
  ASSERT_EQ(cfg->channels.size(), 3u);
  const ChannelConfig& desk = cfg->channels[0];
  EXPECT_EQ(desk.kind, Kind::kSlack);
  EXPECT_EQ(desk.url, "https://hooks.slack.com/services/T0/B0/xyz");
  EXPECT_EQ(desk.timezone, "Africa/Tripoli");
  ASSERT_TRUE(desk.rate_limit);
  EXPECT_EQ(desk.rate_limit->count, 2u);
  EXPECT_EQ(desk.rate_limit->burst, 3u);
  EXPECT_EQ(desk.pos.line, 11);
  const ChannelConfig& tg = cfg->channels[1];
  EXPECT_EQ(tg.token, "123456:ABC");
  EXPECT_EQ(tg.chat_id, "-1001234");
  EXPECT_EQ(tg.url, "http://127.0.0.1:8081");
  EXPECT_TRUE(cfg->channels[2].no_rate_limit);
  ASSERT_EQ(cfg->routes.size(), 2u);
  EXPECT_EQ(cfg->routes[0].topics, (std::vector<std::string>{"libya/", "egypt/cairo"}));
  EXPECT_EQ(cfg->routes[0].min_severity, "high");
  EXPECT_EQ(cfg->routes[0].tags, (std::vector<std::string>{"security"}));
  EXPECT_EQ(cfg->routes[0].channels, (std::vector<std::string>{"desk", "tg"}));
  EXPECT_TRUE(cfg->routes[1].topics.empty());
}

TEST_F(NotifyConfigTest, DefaultsAndTheTelegramApi) {
  auto cfg = load(R"(
[[channel]]
id = "tg"
kind = "telegram"
token_file = "bot.token"
chat_id = "@newsdesk"
[[route]]
channels = ["tg"]
)");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint, "tcp://127.0.0.1:5556");
  EXPECT_EQ(cfg->replay_endpoint, "tcp://127.0.0.1:5557");
  EXPECT_EQ(cfg->channels[0].url, "https://api.telegram.org");
  EXPECT_EQ(cfg->channels[0].chat_id, "@newsdesk");
  EXPECT_EQ(cfg->channels[0].timezone, "UTC");
}

TEST_F(NotifyConfigTest, AnEmailChannelWithADigestAndATemplate) {
  secret("smtp.pass", "s3cret\n");
  std::ofstream(dir_ / "mail.mustache")
      << "<p dir=\"auto\"><a href=\"{{link}}\">{{title}}</a></p>\n";
  auto cfg = load(R"(
[[channel]]
id = "editor"
kind = "email"
smtp = "smtp://127.0.0.1:2525"
from = "newswatch@example.org"
to = ["editor@example.org", "Desk <desk@example.org>"]
password_file = "smtp.pass"
timezone = "Africa/Tripoli"
digest = "daily 07:00"
template_file = "mail.mustache"
[[route]]
channels = ["editor"]
)");
  ASSERT_TRUE(cfg) << cfg.error().message;
  const ChannelConfig& c = cfg->channels[0];
  EXPECT_EQ(c.kind, Kind::kEmail);
  EXPECT_EQ(c.mail.smtp_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(c.mail.to.size(), 2u);
  EXPECT_EQ(c.mail.password, "s3cret");
  ASSERT_TRUE(c.digest);
  EXPECT_EQ(c.digest->kind, DigestSchedule::Kind::kDaily);
  EXPECT_EQ(c.digest->hour, 7);
  EXPECT_EQ(c.digest->timezone, "Africa/Tripoli");
  ASSERT_TRUE(c.message_template);
  EXPECT_EQ(c.message_template->format(), TemplateFormat::kHtml);
}

struct BadCase {
  std::string name;
  std::string toml;
  std::string want;  // the whole error
};

TEST_F(NotifyConfigTest, EveryProblemHasItsPosition) {
  secret("open.url", "https://hooks.example/x\n",
         fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  secret("empty.url", "\n");
  secret("ftp.url", "ftp://hooks.example/x\n");
  const BadCase cases[] = {
      {"an inline secret", "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl = \"https://x\"\n",
       "notify.toml:4:7: 'url' in [[channel]] would put a secret in the config: write it to a file "
       "only the notifier's user can read (chmod 600) and name that file in 'url_file'"},
      {"a secret others may read",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"open.url\"\n",
       "notify.toml:4:12: 'url_file' in [[channel]]: 'open.url' holds a secret but others may read "
       "it (mode 0604): chmod 600 it"},
      {"an empty secret", "[[channel]]\nid = \"a\"\nkind = \"teams\"\nurl_file = \"empty.url\"\n",
       "notify.toml:4:12: 'url_file' in [[channel]]: 'empty.url' is empty"},
      {"a missing secret", "[[channel]]\nid = \"a\"\nkind = \"webhook\"\nurl_file = \"nope.url\"\n",
       "notify.toml:4:12: 'url_file' in [[channel]]: cannot read 'nope.url': No such file or "
       "directory"},
      {"no url_file", "[[channel]]\nid = \"a\"\nkind = \"mattermost\"\n",
       "notify.toml:1:1: [[channel]] of kind \"mattermost\" needs 'url_file'"},
      {"not http", "[[channel]]\nid = \"a\"\nkind = \"ntfy\"\nurl_file = \"ftp.url\"\n",
       "notify.toml:4:12: [[channel]] \"a\": the URL that 'url_file' holds must start with "
       "https:// or http://"},
      {"an unknown kind", "[[channel]]\nid = \"a\"\nkind = \"pager\"\n",
       "notify.toml:3:8: 'kind' in [[channel]] must be \"slack\", \"mattermost\", \"teams\", "
       "\"telegram\", \"ntfy\", \"webhook\" or \"email\", not \"pager\""},
      {"an email without smtp", "[[channel]]\nid = \"m\"\nkind = \"email\"\n",
       "notify.toml:1:1: [[channel]] is missing required key 'smtp'"},
      {"a bad smtp URL",
       "[[channel]]\nid = \"m\"\nkind = \"email\"\nsmtp = \"http://mail.example.org\"\nfrom = "
       "\"a@example.org\"\nto = [\"b@example.org\"]\n",
       "notify.toml:4:8: 'smtp' in [[channel]]: "},
      {"a digest for slack",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\ndigest = \"1h\"\n",
       "notify.toml:5:10: 'digest' in [[channel]] is for kind \"email\""},
      {"a template for a webhook",
       "[[channel]]\nid = \"a\"\nkind = \"webhook\"\nurl_file = \"slack.url\"\ntemplate_file = "
       "\"t.mustache\"\n",
       "notify.toml:5:17: 'template_file' in [[channel]] is not for kind \"webhook\": a webhook "
       "receives the alert JSON as published"},
      {"a bad time zone",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\ntimezone = "
       "\"Mars/Olympus\"\n[[route]]\nchannels = [\"a\"]\n",
       "notify.toml:5:12: 'timezone' in [[channel]] must be an IANA time zone like "
       "\"Europe/Berlin\" or \"UTC\", not \"Mars/Olympus\""},
      {"a bad rate",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\nrate_limit = "
       "\"fast\"\n",
       "notify.toml:5:14: 'rate_limit' in [[channel]] must be \"N/s\", \"N/min\", \"N/h\" (N from "
       "1 to 1000) or \"none\", not \"fast\""},
      {"a duplicate id",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\n[[channel]]\nid = "
       "\"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\n",
       "notify.toml:6:6: a second [[channel]] with id \"a\""},
      {"a route to nowhere",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\n[[route]]\nchannels = "
       "[\"a\", \"b\"]\n",
       "notify.toml:6:18: [[route]] names channel \"b\", which no [[channel]] defines (channels: "
       "\"a\")"},
      {"a misspelt key",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\n[[route]]\nchannel = "
       "[\"a\"]\n",
       "notify.toml:5:1: [[route]] is missing required key 'channels'\n"
       "notify.toml:6:1: unknown key 'channel' in [[route]] (did you mean 'channels'?)"},
      {"no routes", "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\n",
       "notify.toml:1:1: no [[route]]: no alert would reach any channel"},
      {"a bad endpoint", "[subscribe]\nendpoint = \"127.0.0.1:5556\"\n",
       "notify.toml:2:12: 'endpoint' in [subscribe]: "},
      {"a missing template",
       "[[channel]]\nid = \"a\"\nkind = \"slack\"\nurl_file = \"slack.url\"\ntemplate_file = "
       "\"t.mustache\"\n",
       "notify.toml:5:17: 'template_file' in [[channel]]: "},
  };
  for (const BadCase& c : cases) {
    const std::string got = problems(c.toml);
    if (c.want.back() == ' ') {
      EXPECT_EQ(got.rfind(c.want, 0), 0u) << c.name << ":\n" << got;
    } else {
      EXPECT_EQ(got, c.want) << c.name;
    }
  }
}

TEST(SeverityRank, OrdersTheRuleSeverities) {
  EXPECT_EQ(severity_rank(""), 0);
  EXPECT_LT(severity_rank("low"), severity_rank("medium"));
  EXPECT_LT(severity_rank("high"), severity_rank("critical"));
  EXPECT_EQ(severity_rank("urgent"), -1);
}

}  // namespace
}  // namespace nw
