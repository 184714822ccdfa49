// The conformance corpus: tests/data/feeds/conformance/<category>/<case>, modelled
// on python feedparser's wellformed/illformed suites. Each case is a feed file
// with its expectations in the first XML comment, or in <case>.expect beside it
// (JSON feeds, UTF-16/32 files). See tests/data/feeds/conformance/README.md.
// Runs parse_feed + feed_to_json, exactly what `newswatch parse-feed` prints
// (Content-Location, which the daemon passes from the HTTP response, too).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/feed_parser.h"
#include "tests/support/files.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Case {
  fs::path file;
  std::string category;
  std::string group;  // issue-10 failure class ("1".."6", "faults"); empty when unlabelled
  std::string description;
  std::string url;
  std::string content_type;
  std::string content_location;  // the HTTP Content-Location header
  std::string known_failure;     // why it is allowed to fail; empty = must pass
  std::vector<std::string> expects;
};

// "Key: value" lines from the .expect file or the first comment.
Case load_case(const fs::path& file) {
  Case c{.file = file, .category = file.parent_path().filename().string()};
  std::string spec;
  if (fs::path side = file.string() + ".expect"; fs::exists(side)) {
    spec = test::read_fixture_file(side);
  } else {
    const std::string bytes = test::read_fixture_file(file);
    const size_t open = bytes.find("<!--");
    const size_t close = bytes.find("-->", open == std::string::npos ? 0 : open);
    if (open != std::string::npos && close != std::string::npos)
      spec = bytes.substr(open + 4, close - open - 4);
  }
  std::istringstream lines(spec);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 2);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (key == "Group") c.group = value;
    if (key == "Description") c.description = value;
    if (key == "URL") c.url = value;
    if (key == "Content-Type") c.content_type = value;
    if (key == "Content-Location") c.content_location = value;
    if (key == "Known-failure") c.known_failure = value;
    if (key == "Expect") c.expects.push_back(value);
  }
  return c;
}

// One expectation against the parse-feed document (null when parsing failed):
//   error | POINTER == JSON | POINTER ~= "substring" | POINTER absent
// A pointer ending in "/#" is the size of the array it names. Returns "" when
// it holds, else what went wrong.
std::string check(const std::string& expect, const Json* doc, const std::string& parse_error) {
  if (expect == "error") return doc == nullptr ? "" : "parsed, but an error was expected";
  if (doc == nullptr) return "parse failed: " + parse_error;
  const size_t sp = expect.find(' ');
  if (sp == std::string::npos) return "bad expectation";
  std::string pointer = expect.substr(0, sp);
  const std::string rest = expect.substr(sp + 1);
  const bool size_of = pointer.ends_with("/#");
  if (size_of) pointer.resize(pointer.size() - 2);
  const Json::json_pointer ptr(pointer);
  if (rest == "absent") return doc->contains(ptr) ? "present: " + doc->at(ptr).dump() : "";
  if (!doc->contains(ptr)) return "no " + pointer;
  Json got = doc->at(ptr);
  if (size_of) got = got.is_array() ? Json(got.size()) : Json(nullptr);
  const std::string op = rest.substr(0, 3);
  const Json want = Json::parse(rest.substr(3), nullptr, false);
  if (want.is_discarded()) return "bad JSON in expectation";
  if (op == "== ") return got == want ? "" : "got " + got.dump() + ", want " + want.dump();
  if (op == "~= ") {
    return got.is_string() && want.is_string() &&
                   got.get<std::string>().find(want.get<std::string>()) != std::string::npos
               ? ""
               : "got " + got.dump() + ", want it to contain " + want.dump();
  }
  return "bad operator in expectation";
}

std::vector<fs::path> case_files() {
  std::vector<fs::path> files;
  const fs::path root = fs::path(NW_TEST_DATA) / "feeds" / "conformance";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.ends_with(".expect") || name.ends_with(".md")) continue;
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Conformance, CorpusPasses) {
  const std::vector<fs::path> files = case_files();
  ASSERT_GE(files.size(), 150u);
  std::map<std::string, std::pair<int, int>> by_category;  // passed, total
  std::map<std::string, std::pair<int, int>> by_group;
  int passed = 0;
  std::vector<std::string> known;
  for (const fs::path& file : files) {
    const Case c = load_case(file);
    SCOPED_TRACE(file.string());
    ASSERT_FALSE(c.expects.empty()) << "case without expectations";
    const Result<Feed> feed = parse_feed(
        test::read_fixture_file(file),
        {.url = c.url, .content_type = c.content_type, .content_location = c.content_location});
    Json doc;
    if (feed) doc = Json::parse(feed_to_json(*feed));
    std::string failures;
    for (const std::string& e : c.expects) {
      const std::string why = check(e, feed ? &doc : nullptr, feed ? "" : feed.error().message);
      if (!why.empty()) failures += "\n    " + e + ": " + why;
    }
    auto& [cat_passed, cat_total] = by_category[c.category];
    ++cat_total;
    std::pair<int, int> unlabelled;
    auto& [group_passed, group_total] = c.group.empty() ? unlabelled : by_group[c.group];
    ++group_total;
    const std::string name = c.category + "/" + file.filename().string();
    if (failures.empty()) {
      ++passed;
      ++cat_passed;
      ++group_passed;
      if (!c.known_failure.empty())
        ADD_FAILURE() << name << " passes now: drop its Known-failure line";
    } else if (!c.known_failure.empty()) {
      known.push_back(name + " (" + c.known_failure + ")");
    } else {
      ADD_FAILURE() << name << " (" << c.description << "):" << failures;
    }
  }
  std::cout << "conformance by category:\n";
  for (const auto& [cat, counts] : by_category) {
    std::cout << "  " << cat << ": " << counts.first << "/" << counts.second << "\n";
  }
  std::cout << "conformance by group (Group: label):\n";
  for (const auto& [group, counts] : by_group) {
    std::cout << "  group " << group << ": " << counts.first << "/" << counts.second << "\n";
  }
  for (const std::string& k : known) std::cout << "  known failure: " << k << "\n";
  std::cout << "conformance: " << passed << "/" << files.size() << " cases pass ("
            << (100.0 * passed / static_cast<double>(files.size())) << "%)\n";
}

// The checker itself must be able to fail.
TEST(Conformance, CheckerRejectsWrongValues) {
  const Json doc = Json::parse(R"({"entries": [{"title": "a", "published": null}]})");
  EXPECT_EQ(check(R"(/entries/0/title == "a")", &doc, ""), "");
  EXPECT_NE(check(R"(/entries/0/title == "b")", &doc, ""), "");
  EXPECT_EQ(check("/entries/# == 1", &doc, ""), "");
  EXPECT_NE(check("/entries/# == 2", &doc, ""), "");
  EXPECT_EQ(check("/entries/0/published == null", &doc, ""), "");
  EXPECT_EQ(check("/feed/ttl absent", &doc, ""), "");
  EXPECT_NE(check("/entries/0/title absent", &doc, ""), "");
  EXPECT_EQ(check(R"(/entries/0/title ~= "a")", &doc, ""), "");
  EXPECT_NE(check("error", &doc, ""), "");
  EXPECT_EQ(check("error", nullptr, "x"), "");
  EXPECT_NE(check(R"(/entries/0/title == "a")", nullptr, "x"), "");
}

}  // namespace
}  // namespace nw
