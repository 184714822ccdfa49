// What `newswatchd --check` tries beyond the config's own checks, so that an
// OK means the daemon will start: the state directory can be used (or created)
// and the [publish] endpoints and the [metrics] endpoint can be bound. Nothing is created or left
// behind; the endpoint's address is bound for an instant and released. Any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "feeds/error.h"

namespace nw {

// Every problem found, one "file:line:col: 'key' in [section]: why" line each
// (Errc::kInvalid), or notes (maybe none) to print beside the OK. An address
// that is in use is a problem, unless the running daemon of this config (the
// one holding state_dir's lock, daemon/instance_lock.h) serves it: then it is
// a note, so the config of a running daemon checks OK before a reload.
[[nodiscard]] Result<std::vector<std::string>> preflight(const Config& config);

}  // namespace nw
