// Step 1 of main-text extraction: page furniture (navigation, asides,
// footers, dialogs, forms, hidden text, galleries, boilerplate class names)
// is removed from a Page as whole subtrees, before any text is scored. Why a
// subtree was dropped is decided here. Pure, one page per call.
#pragma once

#include "filters/extract_page.h"
#include "filters/html.h"

namespace nw::extract_detail {

// Marks the furniture of `page` removed and recounts its text. `hint` (the
// schema.org articleBody, may be null) and its ancestors always stay.
void remove_furniture(Page& page, const html::Node& hint);

}  // namespace nw::extract_detail
