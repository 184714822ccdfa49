// JSON lines for the commands (daemon/cli/json_line.h).
#include "daemon/cli/json_line.h"

#include "daemon/alert.h"

namespace nw::cli {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json time_json(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? json(format_utc(*t)) : json(nullptr);
}

}  // namespace nw::cli
