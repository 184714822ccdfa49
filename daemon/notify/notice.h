// What a channel delivers in one message: an alert (parsed, and its JSON as the
// daemon published it), plus the other outlets of the same story folded into
// it when the channel was at its rate limit. A value type; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/alert.h"

namespace nw {

struct Notice {
  Alert alert;
  std::string json;  // the bytes as published: a webhook posts them unchanged
  // Alerts of the same story folded into this message ("… and 2 more outlets").
  std::vector<Alert> folded;
};

}  // namespace nw
