// Alerts as readable lines (daemon/cli/alert_text.h).
#include "daemon/cli/alert_text.h"

#include "daemon/alert.h"

namespace nw::cli {

std::string alert_text(std::string_view json) {
  auto a = alert_from_json(json);
  if (!a) return std::string(json);
  std::string line = format_utc(a->fetched) + "  " + (a->severity.empty() ? "-" : a->severity) +
                     "  " + a->topic() + "  #" + std::to_string(a->seq) + "  ";
  if (!a->story.empty()) {
    line += "story " + a->story + " (" + std::to_string(a->story_size) + ")  ";
  }
  if (a->held) {
    line += "held, not published (min_sources: story had " + std::to_string(a->story_sources) +
            " sources)  ";
  } else if (a->suppressed) {
    line += "not published (once_per_story)  ";
  }
  return line + a->title + "  " + a->url;
}

}  // namespace nw::cli
