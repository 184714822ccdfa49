// The table of `newswatch` commands (daemon/cli/command.h), in help order, as
// Ninja's kTools.
#include "daemon/cli/command.h"

namespace nw::cli {

std::span<const Command> commands() {
  static constexpr Command kCommands[] = {
      {"extract", "print the main text of pages (files or URLs)", setup_extract},
      {"match", "print the watchlist hits of pages or text files", setup_match},
      {"parse-feed", "print a feed (RSS, Atom, JSON Feed) as JSON", setup_parse_feed},
      {"check-rules", "validate watchlist files", setup_check_rules},
      {"subscribe",
       "print the alerts of a running newswatchd, one per line, each once, in seq order; "
       "catches up through the replay socket",
       setup_subscribe},
      {"keygen", "write a CURVE key pair: NAME.key and NAME.pub", setup_keygen},
      {"alerts", "print recorded alerts after a sequence number, one JSON per line", setup_alerts},
      {"stories", "print the story id the daemon would give each page, one JSON line each",
       setup_stories},
      {"sources", "print each source's health (last success, last error, next poll)",
       setup_sources},
      {"status", "the daemon at a glance: each source's health, items and alerts, then totals",
       setup_status},
      {"backtest",
       "run a rule over the articles the daemon kept ([daemon] keep_articles): its hits, the "
       "number of articles searched and the time taken",
       setup_backtest},
      {"notify",
       "deliver the alerts of a running newswatchd by e-mail, Slack, Mattermost, Teams, Telegram, "
       "ntfy and webhooks: each alert once per channel, in order, across crashes",
       setup_notify},
      {"discover",
       "print the feeds and sitemaps a site offers, best first, as [[source]] blocks to paste",
       setup_discover},
      {"passwd",
       "print a [web] auth_file line: NAME and the Argon2id hash of a password read from stdin "
       "(or, with --token, of a new bearer token)",
       setup_passwd},
  };
  return kCommands;
}

}  // namespace nw::cli
