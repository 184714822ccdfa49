// Boilerplate signals for main-text extraction: a multilingual lexicon of the
// phrases that label non-article blocks ("اترك تعليق", "Related articles",
// "Lire aussi"...) and the class/id vocabulary of page furniture. Internal to
// nw_extract and nw_listing. Pure functions over static tables, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace nw::boilerplate {

// Lower-case, Arabic letter variants unified as for rule matching
// (filters/arabic.h: أ إ آ → ا, ى ئ → ي, ة → ه...), diacritics and tatweel
// dropped, anything not a letter or digit turned into a single space, trimmed.
// Matching text, not for display.
std::string fold(std::string_view utf8);

enum class Cue {
  kNone,
  kSectionStart,  // heads a section that is all boilerplate: comments, related, most read
  kDrop,          // this block alone is boilerplate: "Read also: ...", a share bar, consent text
  kBox,  // heads a small box of furniture (a video carousel, a newsletter promo): the box goes,
         // not the rest of the page
};

// Classifies one block of text (a paragraph, heading or line) by the lexicon.
// Long blocks are never boilerplate by phrase: every cue has a word limit.
Cue classify_text(std::string_view utf8);

enum class Vocab {
  kNone,
  kWeak,    // furniture unless the element holds most of the page's text ("has-sidebar")
  kStrong,  // always furniture: comments, consent, share, related, ads, newsletter
};

// Looks at class and id attribute values ("comments-area", "post_tags", "shareBar").
Vocab classify_class(std::string_view class_attr, std::string_view id_attr);

// Class/id names that mark content ("article-body", "entry-content", "story").
bool positive_class(std::string_view class_attr, std::string_view id_attr);

// Path segments and query keys of non-article URLs: tag, category, author,
// page, search, login, share...
bool is_non_article_path_word(std::string_view lower_word);

}  // namespace nw::boilerplate
