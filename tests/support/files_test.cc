// tests/support/files.h: a fixture that is not there fails loudly.
#include "tests/support/files.h"

#include <gtest/gtest.h>

namespace nw::test {
namespace {

TEST(Fixtures, AMissingFixtureThrows) {
  EXPECT_THROW(read_fixture_file(fixture_path("no/such/fixture.html")), std::runtime_error);
  EXPECT_THROW(read_fixture_file(fixture_path("samples")), std::runtime_error);  // a folder
}

TEST(Fixtures, TheArabicSamplesAreInTheRepository) {
  for (const char* name :
       {"000_2f2f26cc72d594b8.txt", "001_a70efb1e516236b5.txt", "003_1c09f43d1289937b.txt"}) {
    EXPECT_GT(read_arabic_sample(name).size(), 4000u) << name;
  }
}

TEST(Fixtures, AMissingLogReadsAsEmpty) { EXPECT_EQ(read_file(fixture_path("no/such/log")), ""); }

}  // namespace
}  // namespace nw::test
