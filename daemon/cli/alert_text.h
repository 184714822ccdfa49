// An alert as one readable line, for `--format text` of subscribe and alerts.
// Any thread.
#pragma once

#include <string>
#include <string_view>

namespace nw::cli {

// Time, severity, topic, seq, the story when the alert has one ("not
// published" for a copy once_per_story held back), title, url. JSON that is
// not an alert comes back as it is.
std::string alert_text(std::string_view json);

}  // namespace nw::cli
