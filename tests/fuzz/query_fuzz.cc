// Fuzz target for the watchlist query parser (filters/query.h): any bytes are
// parsed as a query; a query that parses is compiled as a one-rule watchlist
// and matched against a fixed short Arabic/English article. Must never crash,
// hang or leak; errors and warnings must be positioned messages.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "filters/matcher.h"
#include "filters/query.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // queries are short; longer inputs only slow the search
  const std::string query(reinterpret_cast<const char*>(data), size);
  auto parsed = nw::parse_query(query, nw::SourcePos{"fuzz.toml", 1, 10});
  if (!parsed) {
    if (parsed.error().message.rfind("fuzz.toml:", 0) != 0) std::abort();
    return 0;
  }
  (void)nw::to_string(*parsed);
  for (const std::string& warning : nw::query_warnings(query, nw::SourcePos{"fuzz.toml", 1, 10})) {
    if (warning.rfind("fuzz.toml:", 0) != 0) std::abort();
  }
  nw::Rule rule;
  rule.id = "fuzz";
  rule.query = query;
  rule.query_pos = {"fuzz.toml", 1, 10};
  rule.fold_accents = size % 2 == 0;
  const std::vector<nw::Watchlist> lists{{"fuzz", "fuzz.toml", {rule}}};
  auto matcher = nw::Matcher::compile(lists);
  if (!matcher) std::abort();  // parse_query accepted it, so compile must too
  static const std::string title = "حفتر يصل القاهرة لإجراء مباحثات";
  static const std::string body =
      "وصل المشير خليفة حفتر إلى القاهرة للقاء المسئولين المصريين. Field Marshal Khalifa Haftar's "
      "visit to "
      "Cairo, l’État and Müller's İstanbul office: talks on 3 June ٢٠٢٠ ﷺ. قدم الطلب للجنة "
      "المصرية.وقال #طوفان_الكرامة عام ٢٠١٦م و3.5 bbc.com U.S.\u202Fenvoy";
  for (const nw::Hit& hit :
       (*matcher)->match({.title = title, .body = body, .source = "src", .language = "ar"})) {
    for (const nw::MatchSpan& span : hit.spans) {
      const std::string& text = span.field == nw::MatchSpan::Field::kTitle ? title : body;
      if (span.begin > span.end || span.end > text.size()) std::abort();
    }
  }
  return 0;
}
