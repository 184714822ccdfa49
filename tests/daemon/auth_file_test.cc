// daemon/auth_file.h: the [web] auth_file parser (good lines, comments, every
// kind of bad line with its line:col), and daemon/password_hash.h: what it
// makes parses, verifies the right secret and refuses a wrong one.
#include "daemon/auth_file.h"

#include <gtest/gtest.h>

#include <string>

#include "daemon/password_hash.h"

namespace nw {
namespace {

// A hash as libargon2 writes it (salt "0123456789abcdef", password "pw").
constexpr const char* kHash =
    "$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
    "qhGYb1MyPEE+aES/CN6NCQDLQrWvmzyI+WAxnX2ZLmI";
// Cheap costs, so the tests hash quickly.
constexpr HashCost kCheap{.passes = 1, .memory_kib = 64, .lanes = 1};

TEST(AuthFile, ReadsUsersAndTokensAndSkipsCommentsAndBlankLines) {
  const std::string text = std::string("# who may read the pages\n\nalice:") + kHash +
                           "\n  # indented comment\r\ntoken:grafana:" + kHash +
                           " \r\nbob.s-1@x+y:" + kHash + "\n";
  auto f = parse_auth_file(text, "users");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  ASSERT_EQ(f->users.size(), 2u);
  EXPECT_EQ(f->users[0], (AuthEntry{.name = "alice", .hash = kHash, .line = 3}));
  EXPECT_EQ(f->users[1].name, "bob.s-1@x+y");
  EXPECT_EQ(f->users[1].line, 6);
  ASSERT_EQ(f->tokens.size(), 1u);
  EXPECT_EQ(f->tokens[0], (AuthEntry{.name = "grafana", .hash = kHash, .line = 5}));
  EXPECT_NE(f->user("alice"), nullptr);
  EXPECT_EQ(f->user("grafana"), nullptr);  // a token is not a user
}

TEST(AuthFile, BadLinesSayWhereAndWhy) {
  const std::string h = kHash;
  const std::string tail = h.substr(h.rfind('$'));  // "$" and the hash
  struct Case {
    std::string line;
    std::string where;  // "line:col"
    std::string says;
  };
  const Case cases[] = {
      {"alice", "1:6", "expected ':' and a hash"},
      {":" + h, "1:1", "the user has no name"},
      {"al ice:" + h, "1:3", "may hold only letters, digits"},
      {"token::" + h, "1:7", "the token has no name"},
      {"token:" + h, "1:1", "\"token\" cannot be a user name"},
      {"alice:secret", "1:7", "must be an Argon2 hash in its encoded form"},
      {"alice:$argon2d$v=19$m=65536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:7",
       "argon2d is not meant for passwords"},
      {"alice:$argon2id$v=16$m=65536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:17",
       "version must be v=19"},
      {"alice:$argon2id$v=19$t=3,m=65536,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:22",
       "m=MEMORY_KIB,t=PASSES,p=LANES"},
      {"alice:$argon2id$v=19$m=065536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:22",
       "m=MEMORY_KIB"},
      {"alice:$argon2id$v=19$m=4,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:22",
       "m (memory in KiB) must be from 8 * p"},
      {"alice:$argon2id$v=19$m=65536,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:22",
       "t (passes) must be from 1"},
      {"alice:$argon2id$v=19$m=65536,t=3,p=99$MDEyMzQ1Njc4OWFiY2RlZg" + tail, "1:22",
       "p (lanes) must be from 1 to 16"},
      {"alice:$argon2id$v=19$m=65536,t=3,p=1$MDEy*zQ1Njc4OWFiY2RlZg" + tail, "1:42",
       "the salt must be unpadded base64"},
      {"alice:$argon2id$v=19$m=65536,t=3,p=1$MDEyMzQ" + tail, "1:38", "at least 8 bytes"},
      {"alice:$argon2id$v=19$m=65536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg", "1:60",
       "expected '$' and the hash"},
      {"alice:$argon2id$v=19$m=65536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$qhGYb1MyPEE", "1:61",
       "the hash must be 16 to 1024 bytes"},
      // The last character's unused bits must be zero, as libargon2 requires.
      {"alice:$argon2id$v=19$m=65536,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZh" + tail, "1:59",
       "the salt must be unpadded base64"},
      {"  alice:" + h, "1:1", "must not start with blanks"},
  };
  for (const Case& c : cases) {
    auto f = parse_auth_file(c.line + "\n", "users");
    ASSERT_FALSE(f.has_value()) << c.line;
    EXPECT_EQ(f.error().code, Errc::kInvalid);
    EXPECT_TRUE(f.error().message.starts_with("users:" + c.where + ": ")) << c.line << "\n"
                                                                          << f.error().message;
    EXPECT_NE(f.error().message.find(c.says), std::string::npos) << c.line << "\n"
                                                                 << f.error().message;
  }
}

TEST(AuthFile, EveryProblemIsListedAndNamesMustBeUnique) {
  const std::string h = kHash;
  auto f = parse_auth_file(
      "alice:" + h + "\n# ok\nbob\nalice:" + h + "\ntoken:t:" + h + "\ntoken:t:" + h + "\n",
      "/etc/newswatch/users");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().message,
            "/etc/newswatch/users:3:4: expected ':' and a hash: a line is NAME:HASH (a user) or "
            "token:NAME:HASH (a bearer token); newswatch passwd NAME prints one\n"
            "/etc/newswatch/users:4:1: the user \"alice\" is given twice (first on line 1)\n"
            "/etc/newswatch/users:6:7: the token \"t\" is given twice (first on line 5)");
}

TEST(AuthFile, AFileWithNobodyInItIsAnError) {
  for (const char* text : {"", "# nobody yet\n\n"}) {
    auto f = parse_auth_file(text, "users");
    ASSERT_FALSE(f.has_value()) << text;
    EXPECT_NE(f.error().message.find("no user or token: nobody could sign in"), std::string::npos);
  }
}

TEST(AuthFile, AMissingFileIsAnIoError) {
  auto f = load_auth_file("/nonexistent/users");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, Errc::kIo);
  EXPECT_EQ(f.error().message, "cannot read /nonexistent/users: No such file or directory");
}

TEST(PasswordHash, MakesHashesThatParseAndVerifyOnlyTheirSecret) {
  auto h = hash_password("correct horse", kCheap);
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << *h;
  EXPECT_EQ(check_argon2_hash(*h).why, "");
  EXPECT_TRUE(verify_password(*h, "correct horse"));
  EXPECT_FALSE(verify_password(*h, "correct horsE"));
  EXPECT_FALSE(verify_password(*h, ""));
  // A new salt each time.
  EXPECT_NE(*h, *hash_password("correct horse", kCheap));
  // The default cost, and a hash libargon2 made elsewhere.
  auto d = hash_password("x");
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->starts_with("$argon2id$v=19$m=65536,t=3,p=1$")) << *d;
  EXPECT_TRUE(verify_password(kHash, "pw"));
  EXPECT_FALSE(verify_password(kHash, "pw "));
}

TEST(PasswordHash, TokensAreRandomBase64Url) {
  auto a = random_token();
  auto b = random_token();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->size(), 43u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(
      a->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

}  // namespace
}  // namespace nw
