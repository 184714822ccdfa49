#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace nw {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const fs::path kData = fs::path(NW_TEST_DATA) / "config";
const std::string kInvalid = (kData / "invalid").string() + "/";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Replaces every "@/" with the invalid/ fixture folder.
std::string expand(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "@/") {
      out += kInvalid;
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// ---------------------------------------------------------------- durations

struct DurationCase {
  std::string_view text;
  long long seconds;
};

TEST(ParseDuration, Valid) {
  const DurationCase cases[] = {
      {"1s", 1},    {"2s", 2},       {"30s", 30},      {"5m", 300},
      {"1h", 3600}, {"1h30m", 5400}, {"1d", 86400},    {"1h0m5s", 3605},
      {"0s", 0},    {" 5m ", 300},   {"1h 30m", 5400}, {"365d", 365LL * 86400},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().message;
    EXPECT_EQ(d->count(), c.seconds) << c.text;
  }
}

struct BadDurationCase {
  std::string_view text;
  std::string_view message;
};

TEST(ParseDuration, Invalid) {
  const BadDurationCase cases[] = {
      {"", R"(bad duration "": empty (write e.g. "30s", "5m" or "1h30m"))"},
      {"  ", R"(bad duration "  ": empty (write e.g. "30s", "5m" or "1h30m"))"},
      {"5x", R"(bad duration "5x": unknown unit "x" (use d, h, m or s))"},
      {"5ms", R"(bad duration "5ms": unknown unit "ms" (use d, h, m or s))"},
      {"5 min", R"(bad duration "5 min": unknown unit "min" (use d, h, m or s))"},
      {"1h30", R"(bad duration "1h30": 30 has no unit (use d, h, m or s))"},
      {"1h30 ", R"(bad duration "1h30 ": 30 has no unit (use d, h, m or s))"},
      {"30 5m", R"(bad duration "30 5m": 30 has no unit (use d, h, m or s))"},
      {"m5", R"(bad duration "m5": expected a number at "m5")"},
      {"-5s", R"(bad duration "-5s": expected a number at "-5s")"},
      {"1.5h", R"(bad duration "1.5h": unknown unit "." (use d, h, m or s))"},
      {"30s5m",
       R"(bad duration "30s5m": units must go from largest to smallest, each once (like "1h30m"))"},
      {"5m5m",
       R"(bad duration "5m5m": units must go from largest to smallest, each once (like "1h30m"))"},
      {"366d", R"(bad duration "366d": longer than 365 days)"},
      {"99999999999999999999999s",
       R"(bad duration "99999999999999999999999s": longer than 365 days)"},
      {"99999999999999999999999",
       R"(bad duration "99999999999999999999999": no unit (write "99999999999999999999999s" )"
       R"(for seconds, or use m, h or d))"},
      {"٥m", R"(bad duration "٥m": expected a number at "٥m")"},
      // No unit: not silently seconds.
      {"90", R"(bad duration "90": no unit (write "90s" for seconds, or use m, h or d))"},
      {" 0 ", R"(bad duration " 0 ": no unit (write "0s" for seconds, or use m, h or d))"},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_FALSE(d.has_value()) << c.text;
    EXPECT_EQ(d.error().code, Errc::kInvalid);
    EXPECT_EQ(d.error().message, c.message);
  }
}

// ------------------------------------------------------------- valid config

TEST(LoadConfig, ReadsEveryKey) {
  const fs::path file = kData / "valid" / "newswatch.toml";
  auto cfg = load_config(file);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;

  EXPECT_EQ(cfg->file, file);
  EXPECT_EQ(cfg->state_dir, kData / "state-test");
  EXPECT_EQ(cfg->log_level, "debug");
  EXPECT_EQ(cfg->endpoint, "tcp://127.0.0.1:6001");
  EXPECT_EQ(cfg->fetch.user_agent, "newswatch-test/1.0");
  EXPECT_EQ(cfg->fetch.total_timeout, std::chrono::milliseconds(45'000));
  EXPECT_EQ(cfg->fetch.connect_timeout, std::chrono::milliseconds(5'000));
  EXPECT_EQ(cfg->fetch.max_body_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(cfg->fetch.max_redirects, 3);
  EXPECT_EQ(cfg->fetch.max_connections_per_host, 4u);

  ASSERT_EQ(cfg->sources.size(), 3u);
  const SourceConfig& a = cfg->sources[0];
  EXPECT_EQ(a.id, "alrasifa");
  EXPECT_EQ(a.url, "https://alrasifa.example/feed/");
  EXPECT_EQ(a.kind, SourceConfig::Kind::kFeed);
  EXPECT_EQ(a.interval, seconds(1));
  EXPECT_TRUE(a.backlog);
  EXPECT_EQ(a.pos.file, file.string());
  EXPECT_EQ(a.pos.line, 19);
  EXPECT_EQ(a.pos.column, 1);
  const SourceConfig& b = cfg->sources[1];
  EXPECT_EQ(b.id, "alwasat");
  EXPECT_EQ(b.kind, SourceConfig::Kind::kHtml);
  EXPECT_EQ(b.interval, seconds(5400));
  EXPECT_FALSE(b.backlog);
  EXPECT_EQ(cfg->sources[2].interval, seconds(90));

  // Sorted by path, each file once although two patterns name alpha.toml.
  ASSERT_EQ(cfg->watchlists.size(), 3u);
  EXPECT_EQ(cfg->watchlists[0].name, "zeta");
  EXPECT_EQ(cfg->watchlists[0].file, (kData / "valid/extra/zeta.toml").string());
  EXPECT_TRUE(cfg->watchlists[0].rules.empty());
  EXPECT_EQ(cfg->watchlists[1].name, "alpha");
  EXPECT_EQ(cfg->watchlists[2].name, "beta");

  const Watchlist& beta = cfg->watchlists[2];
  ASSERT_EQ(beta.rules.size(), 2u);
  const Rule& r = beta.rules[0];
  EXPECT_EQ(r.id, "haftar-cairo");
  EXPECT_EQ(r.query, "حفتر AND القاهرة");
  EXPECT_EQ(r.query_pos.file, (kData / "valid/watchlists/beta.toml").string());
  EXPECT_EQ(r.query_pos.line, 5);
  EXPECT_EQ(r.query_pos.column, 10);
  EXPECT_EQ(r.sources, (std::vector<std::string>{"alrasifa", "alwasat"}));
  EXPECT_EQ(r.languages, (std::vector<std::string>{"ar"}));
  EXPECT_EQ(r.severity, "high");
  EXPECT_EQ(r.tags, (std::vector<std::string>{"libya", "egypt"}));
  EXPECT_TRUE(r.exact);
  EXPECT_TRUE(r.once_per_story);
  const Rule& gna = beta.rules[1];
  EXPECT_EQ(gna.query, "\"Government of National Accord\"");
  EXPECT_TRUE(gna.sources.empty());
  EXPECT_TRUE(gna.severity.empty());
  EXPECT_FALSE(gna.exact);
  EXPECT_FALSE(gna.once_per_story);
}

TEST(LoadConfig, EmptyFileGivesDefaults) {
  const fs::path dir = fs::temp_directory_path() / ("nw_config_empty_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "empty.toml";
  std::ofstream(file) << "# nothing\n";
  auto cfg = load_config(file);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  const Config defaults;
  EXPECT_EQ(cfg->state_dir, dir / "state");
  EXPECT_EQ(cfg->log_level, defaults.log_level);
  EXPECT_EQ(cfg->endpoint, defaults.endpoint);
  EXPECT_EQ(cfg->fetch.max_body_bytes, defaults.fetch.max_body_bytes);
  EXPECT_TRUE(cfg->sources.empty());
  EXPECT_TRUE(cfg->watchlists.empty());
  EXPECT_FALSE(fs::exists(dir / "state")) << "loading must not create state_dir";
  fs::remove_all(dir);
}

// Runs the body with the working directory set to `dir`, then restores it.
template <class F>
void in_directory(const fs::path& dir, F body) {
  const fs::path saved = fs::current_path();
  fs::current_path(dir);
  body();
  fs::current_path(saved);
}

TEST(LoadConfig, RelativePathsResolveAgainstTheConfigFolder) {
  in_directory(kData, [] {
    auto cfg = load_config("valid/newswatch.toml");
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
    EXPECT_EQ(cfg->file, kData / "valid/newswatch.toml");
    EXPECT_TRUE(cfg->file.is_absolute());
    EXPECT_EQ(cfg->state_dir, kData / "state-test");  // "../state-test" from valid/
    // Messages and positions name files the way the caller did.
    ASSERT_EQ(cfg->watchlists.size(), 3u);
    EXPECT_EQ(cfg->watchlists[1].file, "valid/watchlists/alpha.toml");
    EXPECT_EQ(cfg->watchlists[2].rules[0].query_pos.file, "valid/watchlists/beta.toml");
    EXPECT_EQ(cfg->sources[0].pos.file, "valid/newswatch.toml");
  });
  in_directory(kData / "valid", [] {
    auto cfg = load_config("newswatch.toml");
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
    EXPECT_EQ(cfg->file, kData / "valid/newswatch.toml");
    EXPECT_EQ(cfg->state_dir, kData / "state-test");
    EXPECT_EQ(cfg->watchlists[0].file, "extra/zeta.toml");
  });
}

TEST(LoadConfig, AbsoluteStateDirIsKept) {
  const fs::path dir = fs::temp_directory_path() / ("nw_config_abs_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "newswatch.toml";
  std::ofstream(file) << "[daemon]\nstate_dir = \"/var/lib/newswatch/\"\n";
  auto cfg = load_config(file);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->state_dir, fs::path("/var/lib/newswatch/"));
  fs::remove_all(dir);
}

TEST(LoadConfig, MissingFileIsAnIoError) {
  auto cfg = load_config(kData / "no-such-file.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, Errc::kIo);
  EXPECT_NE(cfg.error().message.find("no-such-file.toml"), std::string::npos);
  EXPECT_NE(cfg.error().message.find("No such file"), std::string::npos);
}

TEST(LoadConfig, DirectoryIsAnIoError) {
  auto cfg = load_config(kData);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().code, Errc::kIo);
  EXPECT_NE(cfg.error().message.find("is a directory"), std::string::npos);
}

// ----------------------------------------------------------- invalid config

struct InvalidCase {
  std::string_view file;                // under invalid/
  std::vector<std::string_view> lines;  // "@/" stands for the invalid/ folder
};

TEST(LoadConfig, ReportsEveryProblemWithItsPosition) {
  const InvalidCase cases[] = {
      {"unknown_keys.toml",
       {
           "@/unknown_keys.toml:1:1: unknown top-level key 'watchlist' (did you mean "
           "'watchlists'?)",
           "@/unknown_keys.toml:4:1: unknown key 'state-dir' in [daemon] (did you mean "
           "'state_dir'?)",
           "@/unknown_keys.toml:5:1: unknown key 'loglevel' in [daemon] (did you mean "
           "'log_level'?)",
           "@/unknown_keys.toml:9:1: unknown key 'bind' in [publish]",
           "@/unknown_keys.toml:14:1: unknown key 'intervall' in [[source]] (did you mean "
           "'interval'?)",
           "@/unknown_keys.toml:19:1: unknown key 'backlogg' in [[source]] (did you mean "
           "'backlog'?)",
           "@/unknown_keys.toml:20:1: unknown key 'colour' in [[source]]",
       }},
      {"types.toml",
       {
           "@/types.toml:1:14: 'watchlists' must be an array of strings, not a string",
           "@/types.toml:4:13: 'log_level' in [daemon] must be a string, not an integer",
           "@/types.toml:5:13: 'state_dir' in [daemon] must not be empty",
           "@/types.toml:8:11: 'timeout' in [http] must be a duration like \"30s\", not a float",
           "@/types.toml:9:12: 'max_body' in [http] must be a positive size like \"10MB\", "
           "\"512KB\" or a number of bytes",
           "@/types.toml:10:14: 'user_agent' in [http] must be a string, not an array",
           "@/types.toml:11:17: 'max_redirects' in [http] must be between 0 and 20",
           "@/types.toml:14:6: 'id' in [[source]] must be a string, not an integer",
           "@/types.toml:16:11: 'backlog' in [[source]] must be a boolean, not a string",
           "@/types.toml:21:12: 'interval' in [[source]] must be a duration like \"30s\", not a "
           "boolean",
       }},
      {"sources.toml",
       {
           "@/sources.toml:6:6: duplicate source id \"bbc\" (first defined at line 1)",
           "@/sources.toml:9:1: [[source]] is missing required key 'id'",
           "@/sources.toml:12:1: [[source]] is missing required key 'url'",
           "@/sources.toml:18:8: 'kind' in [[source]] must be \"feed\", \"html\" or \"sitemap\", "
           "not \"rss\"",
           "@/sources.toml:22:7: 'url' in [[source]] must be an http:// or https:// URL, not "
           "\"ftp://example.com/feed.xml\"",
           "@/sources.toml:26:7: 'url' in [[source]] must be an http:// or https:// URL, not "
           "\"not a url\"",
           "@/sources.toml:31:12: 'interval' in [[source]] must be at least 1s, not 0s",
           "@/sources.toml:36:12: 'interval' in [[source]]: bad duration \"5x\": unknown unit "
           "\"x\" (use d, h, m or s)",
           "@/sources.toml:41:12: 'interval' in [[source]]: bad duration \"1h30\": 30 has no "
           "unit (use d, h, m or s)",
           "@/sources.toml:44:6: 'id' in [[source]] may only hold ASCII letters, digits, '-', "
           "'_' and '.', not \"al rasifa\"",
       }},
      {"syntax.toml",
       {
           "@/syntax.toml:3:21: Error while parsing string: missing closing quote",
       }},
      {"sections.toml",
       {
           "@/sections.toml:1:10: 'daemon' must be a table ([daemon]), not a string",
           "@/sections.toml:2:24: 'endpoint' in [publish]: unsupported transport \"udp://\"; "
           "the daemon binds tcp:// or ipc:// (like \"tcp://127.0.0.1:5556\" or "
           "\"ipc:///run/newswatch/alerts.sock\")",
           "@/sections.toml:4:1: 'source' must be an array of tables ([[source]]), not a table",
       }},
      {"globs.toml",
       {
           "@/globs.toml:1:36: watchlists pattern \"missing/*.toml\" matches no file (looked "
           "for @/missing/*.toml)",
           "@/globs.toml:1:54: watchlists pattern \"nothing-here.toml\" matches no file (looked "
           "for @/nothing-here.toml)",
           "@/watchlists/a_rules.toml:9:6: duplicate rule id \"haftar-cairo\" in watchlist "
           "\"libya\" (first defined at line 3)",
           "@/watchlists/a_rules.toml:12:1: [[rule]] is missing required key 'query'",
           "@/watchlists/a_rules.toml:15:1: [[rule]] is missing required key 'id'",
           "@/watchlists/a_rules.toml:20:9: 'query' in [[rule]] must not be empty",
           "@/watchlists/a_rules.toml:21:12: 'sources' in [[rule]] names unknown source "
           "\"alrasfa\"",
           "@/watchlists/a_rules.toml:21:23: 'sources' in [[rule]] must hold only strings, not "
           "an integer",
           "@/watchlists/a_rules.toml:22:14: 'languages' in [[rule]] must hold lower-case ISO "
           "639 codes like \"ar\" or \"en\", not \"Arabic\"",
           "@/watchlists/a_rules.toml:23:12: 'severity' in [[rule]] must be \"low\", "
           "\"medium\", \"high\" or \"critical\", not \"hgih\"",
           "@/watchlists/a_rules.toml:24:9: 'tags' in [[rule]] must not hold an empty tag",
           "@/watchlists/a_rules.toml:25:9: 'exact' in [[rule]] must be a boolean, not a string",
           "@/watchlists/a_rules.toml:26:1: unknown key 'querry' in [[rule]] (did you mean "
           "'query'?)",
           "@/watchlists/a_rules.toml:29:6: 'id' in [[rule]] must not contain '/' or spaces (it "
           "is part of the alert topic), not \"a/b\"",
           "@/watchlists/b_dup_name.toml:2:8: duplicate watchlist name \"libya\" (also in "
           "@/watchlists/a_rules.toml:1:8)",
           "@/watchlists/c_syntax.toml:4:22: Error while parsing literal string: missing "
           "closing quote",
           "@/watchlists/d_no_name.toml:1:1: unknown top-level key 'names' (did you mean "
           "'name'?)",
           "@/watchlists/d_no_name.toml:1:1: missing required top-level key 'name'",
           "@/watchlists/d_no_name.toml:3:1: 'rule' must be an array of tables ([[rule]]), not "
           "a table",
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto cfg = load_config(kInvalid + std::string(c.file));
    ASSERT_FALSE(cfg.has_value());
    EXPECT_EQ(cfg.error().code, Errc::kInvalid);
    std::vector<std::string> want;
    for (std::string_view line : c.lines) want.push_back(expand(line));
    EXPECT_EQ(lines_of(cfg.error().message), want);
  }
}

// A config written to a temporary folder, for cases too small for a fixture.
class TempConfig {
 public:
  explicit TempConfig(std::string_view text) {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("nw_config_tmp_" + std::to_string(getpid()) + "_" + std::to_string(n++));
    fs::create_directories(dir_);
    std::ofstream(file()) << text;
  }
  ~TempConfig() { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "newswatch.toml"; }

 private:
  fs::path dir_;
};

struct SizeCase {
  std::string_view toml;
  std::size_t bytes;
};

TEST(LoadConfig, MaxBodySizes) {
  const SizeCase cases[] = {
      {"max_body = \"10MB\"", 10u << 20}, {"max_body = \"512 KB\"", 512u << 10},
      {"max_body = \"1GiB\"", 1u << 30},  {"max_body = \"2k\"", 2048},
      {"max_body = \"100B\"", 100},       {"max_body = 123456", 123456},
      {"max_body = \"777\"", 777},
  };
  for (const auto& c : cases) {
    TempConfig t("[http]\n" + std::string(c.toml) + "\n");
    auto cfg = load_config(t.file());
    ASSERT_TRUE(cfg.has_value()) << c.toml << ": " << cfg.error().message;
    EXPECT_EQ(cfg->fetch.max_body_bytes, c.bytes) << c.toml;
  }
  for (std::string_view bad : {"max_body = 0", "max_body = -1", "max_body = \"10 TB\"",
                               "max_body = \"MB\"", "max_body = \"99999999999999999999GB\""}) {
    TempConfig t("[http]\n" + std::string(bad) + "\n");
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << bad;
    EXPECT_EQ(cfg.error().message, t.file().string() +
                                       ":2:12: 'max_body' in [http] must be a positive size like "
                                       "\"10MB\", \"512KB\" or a number of bytes")
        << bad;
  }
}

TEST(LoadConfig, InlineTablesAndEndpoints) {
  TempConfig t(R"(source = [{ id = "a", url = "https://a.example/rss", kind = "html" }]
publish = { endpoint = "ipc:///tmp/newswatch.sock" }
)");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  ASSERT_EQ(cfg->sources.size(), 1u);
  EXPECT_EQ(cfg->sources[0].kind, SourceConfig::Kind::kHtml);
  EXPECT_EQ(cfg->sources[0].pos.line, 1);
  EXPECT_EQ(cfg->sources[0].pos.column, 11);  // the {
  EXPECT_EQ(cfg->endpoint, "ipc:///tmp/newswatch.sock");
}

// What ZeroMQ would refuse when the daemon binds is refused while loading,
// with the value's position.
TEST(LoadConfig, EndpointSyntax) {
  for (std::string_view ok :
       {"tcp://127.0.0.1:5556", "tcp://*:5556", "tcp://[::1]:5556", "tcp://lo:5556",
        "tcp://localhost:1", "ipc:///run/nw.sock", "ipc://@abstract", "inproc://alerts"}) {
    TempConfig t("[publish]\nendpoint = \"" + std::string(ok) + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_TRUE(cfg.has_value()) << ok << ": " << cfg.error().message;
    EXPECT_EQ(cfg->endpoint, ok);
    EXPECT_EQ(key_location(*cfg, "publish", "endpoint"),
              t.file().string() + ":2:12: 'endpoint' in [publish]");
  }
  struct Case {
    std::string_view endpoint;
    std::string_view message;
  };
  const std::string long_path(120, 'x');
  const Case cases[] = {
      {"tcp://127.0.0.1:notaport",
       R"(port "notaport" in "tcp://127.0.0.1:notaport" is not a number from 1 to 65535)"},
      {"tcp://127.0.0.1:99999",
       R"(port "99999" in "tcp://127.0.0.1:99999" is not a number from 1 to 65535)"},
      {"tcp://127.0.0.1:0", R"(port "0" in "tcp://127.0.0.1:0" is not a number from 1 to 65535)"},
      {"tcp://127.0.0.1:*", R"(port "*" in "tcp://127.0.0.1:*" is not a number from 1 to 65535)"},
      {"tcp://127.0.0.1", R"("tcp://127.0.0.1" has no port (like "tcp://127.0.0.1:5556" or )"
                          R"("ipc:///run/newswatch/alerts.sock"))"},
      {"tcp://::1:5556", R"(an IPv6 address goes in brackets: "tcp://[::1]:5556")"},
      {"tcp://[nope]:5556", R"("[nope]" in "tcp://[nope]:5556" is not an IPv6 address)"},
      {"tcp://1.2.3:5556",
       R"("1.2.3" in "tcp://1.2.3:5556" is not an IP address, "*" or a network interface name)"},
      {"tcp://:5556",
       R"("" in "tcp://:5556" is not an IP address, "*" or a network interface name)"},
      {"ipc://", R"(ipc:// needs a path (like "tcp://127.0.0.1:5556" or )"
                 R"("ipc:///run/newswatch/alerts.sock"))"},
      {"127.0.0.1:5556", R"("127.0.0.1:5556" is not a ZeroMQ endpoint (like )"
                         R"("tcp://127.0.0.1:5556" or "ipc:///run/newswatch/alerts.sock"))"},
  };
  for (const Case& c : cases) {
    TempConfig t("[publish]\nendpoint = \"" + std::string(c.endpoint) + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << c.endpoint;
    EXPECT_EQ(cfg.error().message,
              t.file().string() + ":2:12: 'endpoint' in [publish]: " + std::string(c.message));
  }
  TempConfig t("[publish]\nendpoint = \"ipc:///" + long_path + "\"\n");
  auto cfg = load_config(t.file());
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message.find("a Unix socket path has at most 107"), std::string::npos)
      << cfg.error().message;
}

// A number where a duration is expected is refused with the string to write.
TEST(LoadConfig, NumbersAreNotDurations) {
  TempConfig t(R"([http]
connect_timeout = 10
[[source]]
id = "a"
url = "https://a.example/rss"
interval = 5
max_interval = "30"
)");
  auto cfg = load_config(t.file());
  ASSERT_FALSE(cfg.has_value());
  const std::string f = t.file().string();
  EXPECT_EQ(lines_of(cfg.error().message),
            (std::vector<std::string>{
                f + ":2:19: 'connect_timeout' in [http] must be a duration with a unit, not the "
                    "number 10 (write connect_timeout = \"10s\" for 10 seconds, or use m, h or d)",
                f + ":6:12: 'interval' in [[source]] must be a duration with a unit, not the "
                    "number 5 (write interval = \"5s\" for 5 seconds, or use m, h or d)",
                f + ":7:16: 'max_interval' in [[source]]: bad duration \"30\": no unit (write "
                    "\"30s\" for seconds, or use m, h or d)"}));
}

TEST(LoadConfig, KeyLocationOfDefaults) {
  TempConfig t("[daemon]\nstate_dir = \"/var/lib/newswatch\"\n");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(key_location(*cfg, "daemon", "state_dir"),
            t.file().string() + ":2:13: 'state_dir' in [daemon]");
  EXPECT_EQ(key_location(*cfg, "publish", "endpoint"),
            t.file().string() + ": 'endpoint' in [publish] (not set: the default)");
}

TEST(LoadConfig, UnknownSourcesAreNotReportedWhenSourcesThemselvesAreBroken) {
  // [[source]] "b" is dropped for its bad URL; the rule naming it must not
  // add a second, misleading problem.
  const fs::path dir = fs::temp_directory_path() / ("nw_config_src_" + std::to_string(getpid()));
  fs::create_directories(dir / "w");
  std::ofstream(dir / "newswatch.toml") << R"(watchlists = ["w/*.toml"]
[[source]]
id = "b"
url = "gopher://b.example/"
)";
  std::ofstream(dir / "w" / "x.toml") << R"(name = "x"
[[rule]]
id = "r"
query = "Haftar"
sources = ["b"]
)";
  auto cfg = load_config(dir / "newswatch.toml");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().message,
            (dir / "newswatch.toml").string() +
                ":4:7: 'url' in [[source]] must be an http:// or https:// URL, not "
                "\"gopher://b.example/\"");
  fs::remove_all(dir);
}

// -------------------------------------------------------------- query_pos

// The text at (line, column) of `file`, column counted in code points.
std::string text_at(const fs::path& file, int line, int column) {
  std::ifstream in(file, std::ios::binary);
  std::string s;
  for (int i = 0; i < line; ++i) std::getline(in, s);
  std::size_t b = 0;
  for (int c = 1; c < column; ++c) {
    ++b;
    while (b < s.size() && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) ++b;
  }
  return b <= s.size() ? s.substr(b) : "";
}

struct PosCase {
  std::string_view rule;
  int line;
  int column;
  std::string_view text_there;  // what the file holds at that position
};

TEST(LoadWatchlist, QueryPosIsTheFirstCharacterOfTheQueryText) {
  const fs::path file = kData / "query_pos.toml";
  const PosCase cases[] = {
      {"literal", 7, 10, "حفتر AND"},
      {"basic", 11, 10, "Haftar AND"},
      {"indented", 15, 15, "tabs and"},
      {"literal-multi-same-line", 19, 12, "تركيا AND"},
      {"literal-multi-next-line", 24, 1, "السراج AND"},
      {"basic-multi-next-line", 29, 1, "  Sarraj OR"},
      {"basic-multi-backslash", 35, 7, "السيسي AND"},
      {"escaped", 39, 10, "\\\"Government"},
  };
  auto w = load_watchlist(file);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->name, "positions");
  ASSERT_EQ(w->rules.size(), std::size(cases));
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const PosCase& c = cases[i];
    const Rule& r = w->rules[i];
    SCOPED_TRACE(c.rule);
    EXPECT_EQ(r.id, c.rule);
    EXPECT_EQ(r.query_pos.file, file.string());
    EXPECT_EQ(r.query_pos.line, c.line);
    EXPECT_EQ(r.query_pos.column, c.column);
    EXPECT_TRUE(text_at(file, c.line, c.column).starts_with(c.text_there))
        << text_at(file, c.line, c.column);
  }
  EXPECT_EQ(w->rules[4].query, "السراج AND \"حكومة الوفاق\"");
  EXPECT_EQ(w->rules[5].query, "  Sarraj OR \"Government of National Accord\"\n");
  EXPECT_EQ(w->rules[6].query, "السيسي AND حفتر");
}

TEST(LoadWatchlist, QueryPosCountsCodePointsAfterArabicOnTheSameLine) {
  const fs::path file = kData / "query_pos_inline.toml";
  auto w = load_watchlist(file);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ASSERT_EQ(w->rules.size(), 2u);
  EXPECT_EQ(w->rules[0].id, "ليبيا-1");
  EXPECT_EQ(w->rules[0].tags, (std::vector<std::string>{"مصر"}));
  EXPECT_EQ(w->rules[0].query_pos.line, 4);
  EXPECT_EQ(w->rules[0].query_pos.column, 46);
  EXPECT_TRUE(text_at(file, 4, 46).starts_with("حفتر AND القاهرة'"));
  EXPECT_EQ(w->rules[1].query_pos.line, 5);
  EXPECT_EQ(w->rules[1].query_pos.column, 32);
  EXPECT_TRUE(text_at(file, 5, 32).starts_with("السيسي AND"));
}

TEST(LoadWatchlist, ByteOrderMarkIsNotAColumn) {
  const fs::path dir = fs::temp_directory_path() / ("nw_config_bom_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "bom.toml";
  std::ofstream(file, std::ios::binary)
      << "\xEF\xBB\xBF"
         "rule = [{ id = \"r\", query = 'حفتر' }]\nname = \"bom\"\n";
  auto w = load_watchlist(file);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->rules[0].query_pos.line, 1);
  EXPECT_EQ(w->rules[0].query_pos.column, 30);
  fs::remove_all(dir);
}

TEST(LoadWatchlist, ReportsProblemsWithoutCheckingSourceIds) {
  auto w = load_watchlist(kInvalid + "watchlists/d_no_name.toml");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, Errc::kInvalid);
  EXPECT_EQ(lines_of(w.error().message),
            (std::vector<std::string>{
                expand("@/watchlists/d_no_name.toml:1:1: unknown top-level key 'names' (did you "
                       "mean 'name'?)"),
                expand("@/watchlists/d_no_name.toml:1:1: missing required top-level key 'name'"),
                expand("@/watchlists/d_no_name.toml:3:1: 'rule' must be an array of tables "
                       "([[rule]]), not a table"),
            }));
  // A rule naming a source is fine here: there is no [[source]] list to check against.
  auto v = load_watchlist(kData / "valid/watchlists/beta.toml");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->rules[0].sources.size(), 2u);

  auto missing = load_watchlist(kData / "nope.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::kIo);
}

TEST(LoadWatchlist, InvalidUtf8IsASyntaxError) {
  const fs::path dir = fs::temp_directory_path() / ("nw_config_utf8_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "bad.toml";
  std::ofstream(file, std::ios::binary) << "name = \"a\xFF\"\n";
  auto w = load_watchlist(file);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, Errc::kInvalid);
  EXPECT_TRUE(w.error().message.starts_with(file.string() + ":1:")) << w.error().message;
  fs::remove_all(dir);
}

// ---------------------------------------------------------- bundled config

TEST(BundledConfig, IsValid) {
  const fs::path file = fs::path(NW_SOURCE_DIR) / "config" / "newswatch.toml";
  auto cfg = load_config(file);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->state_dir, fs::path(NW_SOURCE_DIR) / "state");
  EXPECT_GE(cfg->sources.size(), 7u);
  EXPECT_TRUE(std::any_of(cfg->sources.begin(), cfg->sources.end(), [](const SourceConfig& s) {
    return s.kind == SourceConfig::Kind::kHtml;
  }));
  const auto libya = std::find_if(cfg->watchlists.begin(), cfg->watchlists.end(),
                                  [](const Watchlist& w) { return w.name == "libya"; });
  ASSERT_NE(libya, cfg->watchlists.end());
  EXPECT_GE(libya->rules.size(), 8u);
  const auto haftar_cairo =
      std::find_if(libya->rules.begin(), libya->rules.end(),
                   [](const Rule& r) { return r.query == "حفتر AND القاهرة"; });
  EXPECT_NE(haftar_cairo, libya->rules.end());
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// Keys added for polling politeness, adaptive intervals and accent folding.
TEST(LoadConfig, PollingKeys) {
  TempConfig t(R"([http]
host_spacing = "250ms"

[[source]]
id = "a"
url = "https://a.example/rss"
interval = "5m"
min_interval = "1m"
max_interval = "1h"
realert_on_edit = true
)");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->fetch.host_spacing, std::chrono::milliseconds(250));
  ASSERT_EQ(cfg->sources.size(), 1u);
  EXPECT_EQ(cfg->sources[0].min_interval, std::chrono::seconds(60));
  EXPECT_EQ(cfg->sources[0].max_interval, std::chrono::seconds(3600));
  EXPECT_TRUE(cfg->sources[0].realert_on_edit);

  TempConfig bad(R"([[source]]
id = "a"
url = "https://a.example/rss"
interval = "5m"
min_interval = "10m"
)");
  auto r = load_config(bad.file());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            bad.file().string() +
                ":5:16: 'min_interval' in [[source]] must not be longer than 'interval'");
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

TEST(LoadConfig, DeliveryKeys) {
  TempConfig t(R"([daemon]
keep_alerts = "30d"
story_window = "2d"
keep_articles = "7d"
[publish]
endpoint = "tcp://0.0.0.0:6001"
replay_endpoint = "tcp://0.0.0.0:6002"
heartbeat = "2s"
curve_secret_key_file = "keys/daemon.key"
curve_authorized_keys_dir = "keys/clients"
)");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->keep_alerts, std::chrono::days(30));
  EXPECT_EQ(cfg->story_window, std::chrono::days(2));
  EXPECT_EQ(cfg->keep_articles, std::chrono::days(7));
  EXPECT_EQ(cfg->replay_endpoint, "tcp://0.0.0.0:6002");
  EXPECT_EQ(cfg->heartbeat, std::chrono::seconds(2));
  EXPECT_EQ(cfg->curve_secret_key_file, t.file().parent_path() / "keys" / "daemon.key");
  EXPECT_EQ(cfg->curve_authorized_keys_dir, t.file().parent_path() / "keys" / "clients");

  const Config defaults;
  EXPECT_EQ(defaults.replay_endpoint, "tcp://127.0.0.1:5557");
  EXPECT_EQ(defaults.heartbeat, std::chrono::seconds(5));
  EXPECT_EQ(defaults.keep_alerts, std::chrono::days(90));
  EXPECT_EQ(defaults.story_window, std::chrono::hours(72));
  EXPECT_EQ(defaults.keep_articles, std::chrono::days(14));
  EXPECT_TRUE(defaults.curve_secret_key_file.empty());

  // Unset, replay_endpoint is the port after endpoint's on the same host, as
  // `newswatch subscribe` assumes: two daemons on 5556 and 6556 do not clash.
  for (const auto& [endpoint, replay] : {std::pair{"tcp://127.0.0.1:6556", "tcp://127.0.0.1:6557"},
                                         std::pair{"tcp://*:6000", "tcp://*:6001"},
                                         std::pair{"tcp://[::1]:7000", "tcp://[::1]:7001"},
                                         std::pair{"ipc:///tmp/nw.sock", "tcp://127.0.0.1:5557"}}) {
    TempConfig only(std::string("[publish]\nendpoint = \"") + endpoint + "\"\n");
    auto c = load_config(only.file());
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->replay_endpoint, replay) << endpoint;
  }

  TempConfig off("[publish]\nreplay_endpoint = \"\"\n");
  auto no_replay = load_config(off.file());
  ASSERT_TRUE(no_replay.has_value()) << no_replay.error().message;
  EXPECT_EQ(no_replay->replay_endpoint, "");

  TempConfig no_archive("[daemon]\nkeep_articles = \"0s\"\n");
  auto archive_off = load_config(no_archive.file());
  ASSERT_TRUE(archive_off.has_value()) << archive_off.error().message;
  EXPECT_EQ(archive_off->keep_articles, std::chrono::seconds(0));
}

TEST(LoadConfig, DeliveryKeyProblems) {
  struct Case {
    const char* text;
    const char* message;  // after "<file>:"
  };
  const Case cases[] = {
      {"[publish]\nreplay_endpoint = \"127.0.0.1:5557\"\n",
       "2:19: 'replay_endpoint' in [publish]: \"127.0.0.1:5557\" is not a ZeroMQ endpoint (like "
       "\"tcp://127.0.0.1:5556\" or \"ipc:///run/newswatch/alerts.sock\") (or \"\" for none)"},
      {"[publish]\nheartbeat = \"0s\"\n",
       "2:13: 'heartbeat' in [publish] must be at least 1s, not 0s"},
      {"[daemon]\nkeep_alerts = \"0s\"\n",
       "2:15: 'keep_alerts' in [daemon] must be at least 1s, not 0s"},
      {"[daemon]\nstory_window = 72\n",
       "2:16: 'story_window' in [daemon] must be a duration with a unit, not the number 72 (write "
       "story_window = \"72s\" for 72 seconds, or use m, h or d)"},
      {"[daemon]\nkeep_articles = 14\n",
       "2:17: 'keep_articles' in [daemon] must be a duration with a unit, not the number 14 "
       "(write keep_articles = \"14s\" for 14 seconds, or use m, h or d)"},
      {"[publish]\ncurve_secret_key_file = \"k\"\n",
       "1:1: [publish] needs both 'curve_secret_key_file' and 'curve_authorized_keys_dir' for "
       "CURVE, or neither"},
  };
  for (const auto& c : cases) {
    TempConfig t(c.text);
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << c.text;
    EXPECT_EQ(cfg.error().message, t.file().string() + ":" + c.message) << c.text;
  }
}

TEST(LoadWatchlist, RuleLookback) {
  TempConfig t(
      "name = \"libya\"\n[[rule]]\nid = \"a\"\nquery = 'x'\nlookback = \"24h\"\n"
      "[[rule]]\nid = \"b\"\nquery = 'y'\n");
  auto w = load_watchlist(t.file());
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ASSERT_EQ(w->rules.size(), 2u);
  EXPECT_EQ(w->rules[0].lookback, std::chrono::hours(24));
  EXPECT_FALSE(w->rules[1].lookback.has_value());

  TempConfig bad("name = \"libya\"\n[[rule]]\nid = \"a\"\nquery = 'x'\nlookback = \"0s\"\n");
  auto b = load_watchlist(bad.file());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().message,
            bad.file().string() + ":5:12: 'lookback' in [[rule]] must be at least 1s, not 0s");
}

TEST(LoadWatchlist, RuleMinSourcesWithin) {
  TempConfig t(
      "name = \"libya\"\n[[rule]]\nid = \"a\"\nquery = 'x'\nmin_sources = 3\nwithin = \"6h\"\n");
  auto w = load_watchlist(t.file());
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->rules[0].min_sources, 3u);
  EXPECT_EQ(w->rules[0].within, std::chrono::hours(6));

  const std::pair<const char*, const char*> cases[] = {
      {"min_sources = 1\nwithin = \"6h\"\n",
       "5:15: 'min_sources' in [[rule]] must be from 2 to 10000, not 1"},
      {"min_sources = 3\n",
       "5:15: 'min_sources' in [[rule]] needs 'within' (a duration such as "
       "\"6h\")"},
      {"within = \"6h\"\n", "5:10: 'within' in [[rule]] needs 'min_sources'"},
      {"min_sources = 3\nwithin = \"0s\"\n",
       "6:10: 'within' in [[rule]] must be at least 1s, not 0s"},
      {"min_sources = 3\nwithin = 6\n",
       "6:10: 'within' in [[rule]] must be a duration with a unit, not the number 6 (write "
       "within = \"6s\" for 6 seconds, or use m, h or d)"},
  };
  for (const auto& [text, message] : cases) {
    TempConfig bad(std::string("name = \"libya\"\n[[rule]]\nid = \"a\"\nquery = 'x'\n") + text);
    auto b = load_watchlist(bad.file());
    ASSERT_FALSE(b.has_value()) << text;
    EXPECT_EQ(b.error().message, bad.file().string() + ":" + message) << text;
  }
}

TEST(LoadWatchlist, NamesStartingWithUnderscoreAreTheDaemonsOwn) {
  TempConfig t("name = \"_heartbeat\"\n[[rule]]\nid = \"r\"\nquery = 'x'\n");
  auto w = load_watchlist(t.file());
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().message,
            t.file().string() +
                ":1:8: 'name' must not start with '_' (topics starting with '_' are the daemon's "
                "own, like \"_heartbeat\"), not \"_heartbeat\"");
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// [daemon] shard = "K/N": every source in exactly one shard, none lost.
TEST(LoadConfig, ShardsSplitTheSourcesWithNoOverlapAndNoGap) {
  std::string sources;
  for (int i = 0; i < 60; ++i) {
    sources += "[[source]]\nid = \"site-" + std::to_string(i) + "\"\nurl = \"https://s" +
               std::to_string(i) + ".example/feed\"\n";
  }
  std::map<std::string, int> owner;
  for (int k = 1; k <= 3; ++k) {
    TempConfig t("[daemon]\nshard = \"" + std::to_string(k) + "/3\"\n" + sources);
    auto cfg = load_config(t.file());
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
    ASSERT_TRUE(cfg->shard.has_value());
    EXPECT_EQ(cfg->shard->index, k);
    EXPECT_GE(cfg->sources.size(), 8u) << "shard " << k << " of 3 is nearly empty";
    for (const auto& s : cfg->sources) {
      EXPECT_TRUE(owner.emplace(s.id, k).second) << s.id << " in two shards";
      EXPECT_TRUE(in_shard(s.id, *cfg->shard));
    }
  }
  EXPECT_EQ(owner.size(), 60u) << "a source in no shard";
  // One shard of one keeps everything.
  TempConfig all("[daemon]\nshard = \"1/1\"\n" + sources);
  EXPECT_EQ(load_config(all.file())->sources.size(), 60u);
}

TEST(LoadConfig, BadShardsAreRefused) {
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "1/2000", "1/3x", ""}) {
    TempConfig t(std::string("[daemon]\nshard = \"") + bad + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << bad;
    EXPECT_NE(cfg.error().message.find(":2:9: 'shard' in [daemon] must be \"K/N\""),
              std::string::npos)
        << cfg.error().message;
  }
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

TEST(LoadConfig, MetricsEndpoint) {
  for (const char* good : {"127.0.0.1:9464", "[::1]:9464", "localhost:0", ""}) {
    TempConfig t(std::string("[metrics]\nendpoint = \"") + good + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_TRUE(cfg.has_value()) << good << ": " << cfg.error().message;
    EXPECT_EQ(cfg->metrics_endpoint, good);
  }
  for (const char* bad :
       {"9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:94x4", "127.0.0.1:-1"}) {
    TempConfig t(std::string("[metrics]\nendpoint = \"") + bad + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << bad;
    EXPECT_EQ(cfg.error().message,
              t.file().string() + ":2:12: 'endpoint' in [metrics] must be host:port like " +
                  "\"127.0.0.1:9464\" (or \"\" for none), not \"" + bad + "\"");
  }
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// kind = "sitemap", max_age, and the per-source HTTP keys (issue 24).
TEST(LoadConfig, SitemapAndPerSourceHttpKeys) {
  TempConfig t(R"toml([http]
proxy = "socks5h://127.0.0.1:1080"

[[source]]
id = "news"
url = "https://a.example/sitemap.xml"
kind = "sitemap"
max_age = "6h"
headers = { "Accept-Language" = "ar", "X-Empty" = "" }
headers_file = "news.headers"
user_agent = "Mozilla/5.0 (compatible; newswatch)"
proxy = "http://user:pw@proxy.example:3128"

[[source]]
id = "direct"
url = "https://b.example/sitemap.xml"
kind = "sitemap"
proxy = ""

[[source]]
id = "feed"
url = "https://c.example/rss"
)toml");
  const fs::path secrets = t.file().parent_path() / "news.headers";
  std::ofstream(secrets) << "# the consent wall's cookie\nCookie: consent=yes; s=abc:def\n\n"
                            "Authorization:  Bearer t0ken  \r\n";
  fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write);
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->fetch.proxy, "socks5h://127.0.0.1:1080");
  ASSERT_EQ(cfg->sources.size(), 3u);
  const SourceConfig& news = cfg->sources[0];
  EXPECT_EQ(news.kind, SourceConfig::Kind::kSitemap);
  EXPECT_EQ(news.max_age, std::chrono::hours(6));
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Cookie", "consent=yes; s=abc:def"},
      {"Authorization", "Bearer t0ken"},
      {"Accept-Language", "ar"},
      {"X-Empty", ""}};
  EXPECT_EQ(news.http.headers, headers);
  EXPECT_EQ(news.http.user_agent, "Mozilla/5.0 (compatible; newswatch)");
  EXPECT_EQ(news.http.proxy, "http://user:pw@proxy.example:3128");
  EXPECT_EQ(cfg->sources[1].max_age, std::chrono::days(2));  // the default
  EXPECT_EQ(cfg->sources[1].http.proxy, "");                 // direct, not [http]'s
  EXPECT_EQ(cfg->sources[2].kind, SourceConfig::Kind::kFeed);
  EXPECT_FALSE(cfg->sources[2].http.proxy.has_value());
  EXPECT_TRUE(cfg->sources[2].http.headers.empty());
}

TEST(LoadConfig, PerSourceHttpProblemsHaveTheirPositions) {
  TempConfig t(R"toml([http]
proxy = "ftp://proxy.example:21"

[[source]]
id = "a"
url = "https://a.example/rss"
max_age = "1d"
headers = { "Bad Name" = "x", "X-Ok" = 1, "Host" = "evil.example", "User-Agent" = "u" }
user_agent = ""
proxy = "proxy.example:3128"

[[source]]
id = "b"
url = "https://b.example/rss"
headers = { "X-A" = """one
two""" }
headers_file = "open.headers"

[[source]]
id = "c"
url = "https://c.example/rss"
kind = "sitemaps"
headers = "Cookie: x"
headers_file = "missing.headers"
)toml");
  const fs::path open = t.file().parent_path() / "open.headers";
  std::ofstream(open) << "Cookie: secret-value\n";
  fs::permissions(open, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto r = load_config(t.file());
  ASSERT_FALSE(r.has_value());
  const std::string f = t.file().string();
  const std::string& m = r.error().message;
  const std::vector<std::string> want = {
      f + ":2:9: 'proxy' in [http] must be a proxy URL like \"http://proxy:3128\" or "
          "\"socks5h://127.0.0.1:1080\" (schemes http, https, socks4, socks4a, socks5, socks5h), "
          "or \"\" for none; not the scheme \"ftp\"",
      f + ":7:11: 'max_age' in [[source]] applies to kind = \"sitemap\" only",
      f + ":8:13: 'headers' in [[source]]: header name \"Bad Name\" is not a token",
      f + ":8:40: 'headers' in [[source]]: the value of \"X-Ok\" must be a string",
      f + ":8:43: 'headers' in [[source]]: header \"Host\" is the daemon's own to send",
      f + ":8:68: 'headers' in [[source]]: set the user agent with 'user_agent', not a header",
      f + ":9:14: 'user_agent' in [[source]] must be one non-empty line",
      f + ":10:9: 'proxy' in [[source]] must be a proxy URL",
      f + ":15:13: 'headers' in [[source]]: the value of header \"X-A\" must be one line",
      f + ":17:16: 'headers_file' in [[source]]: \"" +
          (t.file().parent_path() / "open.headers").string() +
          "\" may be read by other users; it holds secrets: chmod 600 it",
      f + ":22:8: 'kind' in [[source]] must be",
      f + ":23:11: 'headers' in [[source]] must be a table",
      f + ":24:16: 'headers_file' in [[source]]: cannot read",
  };
  for (const std::string& w : want) EXPECT_NE(m.find(w), std::string::npos) << w << "\nin:\n" << m;
  // Secrets are never repeated back.
  EXPECT_EQ(m.find("secret-value"), std::string::npos);
  EXPECT_EQ(m.find("evil.example"), std::string::npos);
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

TEST(LoadConfig, RobotsKey) {
  TempConfig t(R"([[source]]
id = "a"
url = "https://a.example/rss"

[[source]]
id = "b"
url = "https://b.example/rss"
robots = false
)");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  ASSERT_EQ(cfg->sources.size(), 2u);
  EXPECT_TRUE(cfg->sources[0].robots);
  EXPECT_FALSE(cfg->sources[1].robots);

  TempConfig bad(R"([[source]]
id = "a"
url = "https://a.example/rss"
robots = "no"
)");
  auto err = load_config(bad.file());
  ASSERT_FALSE(err.has_value());
  EXPECT_EQ(err.error().message,
            bad.file().string() + ":4:10: 'robots' in [[source]] must be a boolean, not a string");
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// [web]: the pages ride on the metrics server, loopback only until auth exists.
TEST(LoadConfig, WebServedOnLoopbackOnly) {
  for (const char* loopback : {"127.0.0.1:9464", "127.1.2.3:0", "[::1]:9464", "localhost:0"}) {
    TempConfig t(std::string("[metrics]\nendpoint = \"") + loopback + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_TRUE(cfg.has_value()) << loopback << ": " << cfg.error().message;
    EXPECT_TRUE(cfg->web_enabled);
  }
  for (const char* open : {"0.0.0.0:9464", "[::]:9464", "192.168.1.2:9464", "128.0.0.1:1"}) {
    TempConfig t(std::string("[metrics]\nendpoint = \"") + open + "\"\n");
    auto cfg = load_config(t.file());
    ASSERT_FALSE(cfg.has_value()) << open;
    EXPECT_EQ(cfg.error().message,
              t.file().string() + ":2:12: 'endpoint' in [metrics] \"" + open +
                  "\" is not a loopback address, and the web pages it serves have no "
                  "authentication: bind 127.0.0.1 (or [::1]) and put a proxy in front, set "
                  "[web] auth_file, or set [web] enabled = false to serve only /metrics");
    // Only /metrics on the network: fine.
    TempConfig off(std::string("[metrics]\nendpoint = \"") + open + "\"\n[web]\nenabled = false\n");
    auto cfg_off = load_config(off.file());
    ASSERT_TRUE(cfg_off.has_value()) << open << ": " << cfg_off.error().message;
    EXPECT_FALSE(cfg_off->web_enabled);
  }
}

TEST(LoadConfig, WebAuthFileAllowsANonLoopbackEndpoint) {
  TempConfig t("[metrics]\nendpoint = \"0.0.0.0:9464\"\n[web]\nauth_file = \"users\"\n");
  auto cfg = load_config(t.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  // Resolved against the config's folder; read by the daemon, not here.
  EXPECT_EQ(cfg->web_auth_file, (t.file().parent_path() / "users").lexically_normal());
  EXPECT_EQ(key_location(*cfg, "web", "auth_file"),
            t.file().string() + ":4:13: 'auth_file' in [web]");
  TempConfig typo("[web]\nenable = false\n");
  auto bad = load_config(typo.file());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find(":2:1: "), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("enabled"), std::string::npos) << bad.error().message;
}

TEST(LoadConfig, WorkersDefaultToTheCoresAndAreBounded) {
  TempConfig none("[daemon]\n");
  auto cfg = load_config(none.file());
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  EXPECT_EQ(cfg->workers, Config::default_workers());
  EXPECT_GE(cfg->workers, 1u);
  for (int n : {1, 2, 256}) {
    TempConfig t("[daemon]\nworkers = " + std::to_string(n) + "\n");
    auto c = load_config(t.file());
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->workers, static_cast<std::size_t>(n));
  }
  for (const char* bad : {"0", "-1", "257"}) {
    TempConfig t(std::string("[daemon]\nworkers = ") + bad + "\n");
    auto c = load_config(t.file());
    ASSERT_FALSE(c.has_value()) << bad;
    EXPECT_NE(c.error().message.find(":2:11: 'workers' in [daemon] must be between 1 and 256"),
              std::string::npos)
        << c.error().message;
  }
  TempConfig text("[daemon]\nworkers = \"2\"\n");
  auto c = load_config(text.file());
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find(":2:11:"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace nw
