// `cmake --install` into a temporary DESTDIR puts newswatch in place the way a
// Debian service is: the daemon in sbin and the tool in bin, the unit (its
// ExecStart= where the daemon went), a service-ready example config and
// watchlist, man pages that render without warnings and name every option and
// config key there is, and a bash completion that knows every subcommand and
// option.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "config/config.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using test::read_file;

std::pair<int, std::string> run(const std::string& command) { return test::run_command(command); }
bool have(const std::string& program) { return test::have_program(program); }

std::set<std::string> matches(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  const std::regex re(pattern, std::regex::multiline);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

// The options a --help lists ("-c", "--config", ...), without --help/--version.
std::set<std::string> options_in_help(const std::string& help) {
  std::set<std::string> out = matches(help, R"(^\s+(-\w),)");
  for (const auto& o : matches(help, R"(^\s+(?:-\w,)?(--[\w-]+))")) out.insert(o);
  out.erase("-h");
  out.erase("--help");
  out.erase("--version");
  return out;
}

const std::string kNewswatch = std::string(NW_BUILD_DIR) + "/newswatch";
const std::string kNewswatchd = std::string(NW_BUILD_DIR) + "/newswatchd";

std::set<std::string> subcommands() {
  const std::string help = run(kNewswatch + " --help").second;
  return matches(help.substr(help.find("Subcommands:")), R"(^  ([a-z][a-z-]+)\s)");
}

class Install : public testing::Test {
 protected:
  void SetUp() override {
    dest_ =
        fs::temp_directory_path() / ("newswatch_install_" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { fs::remove_all(dest_); }
  // DESTDIR=dest_/name cmake --install <build> --prefix prefix
  fs::path install(const std::string& name, const std::string& prefix) {
    const fs::path root = dest_ / name;
    const auto [status, out] = run("DESTDIR=" + root.string() + " " + NW_CMAKE + " --install " +
                                   NW_BUILD_DIR + " --prefix " + prefix);
    EXPECT_EQ(status, 0) << out;
    return root;
  }
  // A man page as `man -l` shows it, on lines long enough not to wrap.
  static std::string rendered(const fs::path& page) {
    return run("MANWIDTH=1000 man -l " + page.string() + " 2>/dev/null").second;
  }

  fs::path dest_;
};

TEST_F(Install, PutsEverythingWhereADebianServiceGoes) {
  const fs::path root = install("local", "/usr/local");
  std::set<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_directory()) files.insert(e.path().lexically_relative(root).string());
  }
  EXPECT_EQ(files, (std::set<std::string>{
                       "usr/local/bin/newswatch",
                       "usr/local/lib/sysusers.d/newswatch-notify.conf",
                       "usr/local/lib/systemd/system/newswatch-notify.service",
                       "usr/local/lib/systemd/system/newswatchd.service",
                       "usr/local/sbin/newswatchd",
                       "usr/local/share/bash-completion/completions/newswatch",
                       "usr/local/share/doc/newswatch/README.md",
                       "usr/local/share/doc/newswatch/examples/newswatch.toml",
                       "usr/local/share/doc/newswatch/examples/watchlists/libya.toml",
                       "usr/local/share/man/man1/newswatch.1",
                       "usr/local/share/man/man5/newswatch-notify.toml.5",
                       "usr/local/share/man/man5/newswatch.toml.5",
                       "usr/local/share/man/man8/newswatchd.8",
                   }));
  const fs::path local = root / "usr/local";
  for (const char* bin : {"sbin/newswatchd", "bin/newswatch"}) {
    const auto [status, out] = run((local / bin).string() + " --version");
    EXPECT_EQ(status, 0) << bin << ": " << out;
  }

  // The unit starts the daemon where it was installed.
  const std::string unit = read_file(local / "lib/systemd/system/newswatchd.service");
  EXPECT_NE(unit.find("\nExecStart=/usr/local/sbin/newswatchd --config "
                      "/etc/newswatch/newswatch.toml\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("\nExecStartPre=/usr/local/sbin/newswatchd --check --config "),
            std::string::npos);
  EXPECT_NE(unit.find("file:///usr/local/share/doc/newswatch/README.md"), std::string::npos);
  // The notifier's unit starts `newswatch notify` where it was installed.
  const std::string notify_unit = read_file(local / "lib/systemd/system/newswatch-notify.service");
  EXPECT_NE(notify_unit.find("\nExecStart=/usr/local/bin/newswatch notify --config "
                             "/etc/newswatch/notify.toml\n"),
            std::string::npos)
      << notify_unit;
  EXPECT_NE(notify_unit.find("\nExecStartPre=/usr/local/bin/newswatch notify --check --config "),
            std::string::npos);
  if (have("systemd-analyze")) {
    for (const char* u : {"newswatchd.service", "newswatch-notify.service"}) {
      const auto [status, out] = run("systemd-analyze security --offline=yes --threshold=15 " +
                                     (local / "lib/systemd/system" / u).string());
      EXPECT_EQ(status, 0) << u << ": " << out;
    }
  }

  // The example is ready for /etc/newswatch: the service's state directory.
  auto example = load_config(local / "share/doc/newswatch/examples/newswatch.toml");
  ASSERT_TRUE(example.has_value()) << example.error().message;
  EXPECT_EQ(example->state_dir, fs::path("/var/lib/newswatch"));
  EXPECT_FALSE(example->watchlists.empty());
  EXPECT_FALSE(example->sources.empty());
}

TEST_F(Install, TheUnitFollowsThePrefixGivenAtInstallTime) {
  const fs::path root = install("usr", "/usr");
  EXPECT_TRUE(fs::exists(root / "usr/sbin/newswatchd"));
  const std::string unit = read_file(root / "usr/lib/systemd/system/newswatchd.service");
  EXPECT_NE(unit.find("\nExecStart=/usr/sbin/newswatchd --config "), std::string::npos) << unit;
}

TEST_F(Install, ManPagesRenderWithoutWarningsAndNameEverything) {
  if (!have("man")) {
    GTEST_SKIP() << "man is not installed (Debian packages man-db and groff-base): the man "
                    "pages are not checked";
  }
  const fs::path man = install("local", "/usr/local") / "usr/local/share/man";
  for (const char* page : {"man1/newswatch.1", "man5/newswatch.toml.5",
                           "man5/newswatch-notify.toml.5", "man8/newswatchd.8"}) {
    const auto [status, warnings] =
        run("MANWIDTH=80 man --warnings -l " + (man / page).string() + " 2>&1 >/dev/null");
    EXPECT_EQ(warnings, "") << page;
    EXPECT_NE(rendered(man / page).find("NAME"), std::string::npos) << page;
  }

  // newswatchd(8): every option of newswatchd.
  const std::string daemon_page = rendered(man / "man8/newswatchd.8");
  for (const auto& option : options_in_help(run(kNewswatchd + " --help").second)) {
    EXPECT_NE(daemon_page.find(option), std::string::npos) << "newswatchd(8) lacks " << option;
  }
  // newswatch(1): every subcommand and each one's options.
  const std::string tool_page = rendered(man / "man1/newswatch.1");
  for (const auto& sub : subcommands()) {
    EXPECT_NE(tool_page.find("newswatch " + sub), std::string::npos)
        << "newswatch(1) lacks " << sub;
    for (const auto& option : options_in_help(run(kNewswatch + " " + sub + " --help").second)) {
      EXPECT_NE(tool_page.find(option), std::string::npos)
          << "newswatch(1) lacks " << sub << " " << option;
    }
  }
  // newswatch.toml(5): every key the loader knows (config/config.cc lists them
  // in its check_keys calls).
  const std::string format_page = rendered(man / "man5/newswatch.toml.5");
  const std::string loader = read_file(fs::path(NW_SOURCE_DIR) / "config" / "config.cc");
  std::set<std::string> keys;
  for (const auto& list : matches(loader, R"(check_keys\([^{]*\{([^}]*)\})")) {
    for (const auto& key : matches(list, R"re("([a-z_]+)")re")) keys.insert(key);
  }
  EXPECT_GE(keys.size(), 25u);
  for (const auto& key : keys) {
    const bool named = std::regex_search(format_page, std::regex("\\b" + key + "\\b"));
    EXPECT_TRUE(named) << "newswatch.toml(5) lacks the key " << key;
  }
  // newswatch-notify.toml(5): every key of config/notify_config.cc's check_keys calls.
  const std::string notify_page = rendered(man / "man5/newswatch-notify.toml.5");
  const std::string notify_loader =
      read_file(fs::path(NW_SOURCE_DIR) / "config" / "notify_config.cc");
  std::set<std::string> notify_keys;
  for (const auto& list : matches(notify_loader, R"(check_keys\([^{]*\{([^}]*)\})")) {
    for (const auto& key : matches(list, R"re("([a-z_]+)")re")) notify_keys.insert(key);
  }
  EXPECT_GE(notify_keys.size(), 20u);
  for (const auto& key : notify_keys) {
    const bool named = std::regex_search(notify_page, std::regex("\\b" + key + "\\b"));
    EXPECT_TRUE(named) << "newswatch-notify.toml(5) lacks the key " << key;
  }
}

TEST_F(Install, BashCompletionKnowsEverySubcommandAndOption) {
  if (!have("bash")) GTEST_SKIP() << "no bash";
  const fs::path script =
      install("local", "/usr/local") / "usr/local/share/bash-completion/completions/newswatch";
  // The words bash would offer after `newswatch WORDS...`.
  auto complete = [&](const std::string& words) {
    const std::string cmd = "bash -c 'source " + script.string() + "; COMP_WORDS=(newswatch " +
                            words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _newswatch; " +
                            "printf \"%s\\n\" \"${COMPREPLY[@]}\"'";
    const auto [status, out] = run(cmd);
    EXPECT_EQ(status, 0) << out;
    std::set<std::string> offered;
    std::istringstream in(out);
    for (std::string w; std::getline(in, w);) {
      if (!w.empty()) offered.insert(w);
    }
    return offered;
  };
  std::set<std::string> want = subcommands();
  want.insert({"--help", "--version"});
  EXPECT_EQ(complete("\"\""), want);
  for (const auto& sub : subcommands()) {
    std::set<std::string> options = options_in_help(run(kNewswatch + " " + sub + " --help").second);
    options.insert("--help");
    EXPECT_EQ(complete(sub + " -"), options) << sub;
  }
}

}  // namespace
}  // namespace nw
