// JSON as the commands print it: one object per line, invalid UTF-8 replaced
// rather than thrown on, times as the daemon writes them. Any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nw::cli {

using json = nlohmann::json;

// `j` on one line, without the newline.
std::string dump(const json& j);

// A UTC time as JSON, null when absent.
json time_json(const std::optional<std::chrono::sys_seconds>& t);

}  // namespace nw::cli
