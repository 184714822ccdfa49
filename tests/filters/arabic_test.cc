// filters/arabic.h, and the two folds built on it agreeing letter for letter.
#include "filters/arabic.h"

#include <gtest/gtest.h>

#include "filters/boilerplate.h"
#include "filters/normalize.h"

namespace nw {
namespace {

TEST(ArabicFold, Letters) {
  struct Case {
    char32_t in, want;
  };
  for (const Case c : {Case{U'آ', U'ا'},
                       {U'أ', U'ا'},
                       {U'إ', U'ا'},
                       {U'ٱ', U'ا'},
                       {U'ٲ', U'ا'},
                       {U'ٳ', U'ا'},
                       {U'ى', U'ي'},
                       {U'ی', U'ي'},
                       {U'ے', U'ي'},
                       {U'ئ', U'ي'},
                       {U'ؤ', U'و'},
                       {U'ة', U'ه'},
                       {U'ۀ', U'ه'},
                       {U'ہ', U'ه'},
                       {U'ە', U'ه'},
                       {U'ک', U'ك'},
                       {U'ب', U'ب'},
                       {U'a', U'a'},
                       {U'٣', U'٣'}}) {
    EXPECT_EQ(arabic::fold_letter(c.in), c.want) << static_cast<unsigned>(c.in);
  }
  for (const char32_t drop : {U'\u0640', U'\u0670', U'\u064E', U'\u0651', U'\u0610', U'\u06ED',
                              U'\u200C', U'\u200F', U'\u202B', U'\u2067'}) {
    EXPECT_EQ(arabic::fold_letter(drop), arabic::kDrop) << static_cast<unsigned>(drop);
  }
}

// The boilerplate lexicon and rule matching read a word the same way: the
// lexicon used to miss the Persian and Urdu letter forms (ی ے ۀ ک).
TEST(ArabicFold, BoilerplateAndMatchingAgree) {
  for (const char* word : {"اقرأ أيضا", "اقرا ايضا", "مقالات ذات صلة", "الأكثر قراءة", "کتاب", "ی",
                           "ے", "ۀ", "ہ", "ە", "ٲ", "ٳ", "عـــاجل", "مُسَلَّحَة", "مسئول"}) {
    EXPECT_EQ(boilerplate::fold(word), normalize_term(word)) << word;
  }
}

}  // namespace
}  // namespace nw
