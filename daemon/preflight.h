// What `newswatchd --check` tries beyond the config's own checks, so that an
// OK means the daemon will start: the state directory can be used (or created)
// and the [publish] endpoints and the [metrics] endpoint can be bound. Nothing is created or left
// behind; the endpoint's address is bound for an instant and released. Any thread.
#pragma once

#include "config/config.h"
#include "feeds/error.h"

namespace nw {

// Every problem found, one "file:line:col: 'key' in [section]: why" line each
// (Errc::kInvalid), or nothing.
[[nodiscard]] Result<void> preflight(const Config& config);

}  // namespace nw
