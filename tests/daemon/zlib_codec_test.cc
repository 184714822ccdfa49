// The archive's zlib codec (daemon/zlib_codec.h): texts survive the round
// trip through one codec reused for many of them, prose shrinks, and a body
// that does not decompress to its recorded size is an error, not a text.
#include "daemon/zlib_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace nw {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> sample_texts() {
  std::vector<std::string> texts;
  for (const auto& entry : fs::directory_iterator(fs::path(NW_TEST_DATA) / "samples/arabic-news")) {
    std::ifstream in(entry.path(), std::ios::binary);
    texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return texts;
}

TEST(ZlibCodecTest, OneCodecRoundTripsManyTextsAndShrinksProse) {
  const auto texts = sample_texts();
  ASSERT_GE(texts.size(), 3u);
  ZlibCodec codec;
  for (int round = 0; round < 3; ++round) {  // the streams are reset, not re-made
    for (const std::string& text : texts) {
      ASSERT_FALSE(text.empty());
      auto body = codec.compress(text);
      ASSERT_TRUE(body.has_value()) << body.error().message;
      EXPECT_LT(body->size(), text.size() * 6 / 10);  // Arabic prose: about a third
      auto back = codec.decompress(*body, text.size());
      ASSERT_TRUE(back.has_value()) << back.error().message;
      EXPECT_EQ(*back, text);
    }
  }
}

TEST(ZlibCodecTest, ShortAndBinaryTextsRoundTrip) {
  ZlibCodec codec;
  const std::string texts[] = {"x", "حفتر", std::string("a\0b\xff", 4), std::string(100000, 'z')};
  for (const std::string& text : texts) {
    auto body = codec.compress(text);
    ASSERT_TRUE(body.has_value());
    auto back = codec.decompress(*body, text.size());
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, text);
  }
}

TEST(ZlibCodecTest, ABodyThatIsNotItsRecordedSizeIsDamagedAndTheCodecGoesOn) {
  ZlibCodec codec;
  const std::string text = sample_texts().front();
  auto body = codec.compress(text);
  ASSERT_TRUE(body.has_value());
  struct Case {
    const char* name;
    std::string data;
    std::size_t size;
  };
  const Case cases[] = {
      {"recorded size too small", *body, text.size() - 1},
      {"recorded size too large", *body, text.size() + 1},
      {"truncated body", body->substr(0, body->size() / 2), text.size()},
      {"not zlib", std::string(64, '\x42'), text.size()},
      {"empty body", "", text.size()},
  };
  for (const Case& c : cases) {
    auto back = codec.decompress(c.data, c.size);
    ASSERT_FALSE(back.has_value()) << c.name;
    EXPECT_EQ(back.error().code, Errc::kIo) << c.name;
    EXPECT_EQ(back.error().message, "a kept article's text is damaged") << c.name;
    // The failure is not left in the stream: the next article reads.
    auto good = codec.decompress(*body, text.size());
    ASSERT_TRUE(good.has_value()) << c.name;
    EXPECT_EQ(*good, text) << c.name;
  }
}

}  // namespace
}  // namespace nw
