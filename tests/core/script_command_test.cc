#include "core/script_command.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommand, SplitsOnBlanks) {
  EXPECT_EQ(split_command("/bin/check  a\tb "), (Words{"/bin/check", "a", "b"}));
  EXPECT_EQ(split_command("one"), (Words{"one"}));
}

TEST(SplitCommand, QuotesGroupAndDisappear) {
  EXPECT_EQ(split_command("/x.sh \"two words\" 'single \"q\"'"),
            (Words{"/x.sh", "two words", "single \"q\""}));
  // A quote inside a word joins the pieces, as keepalived's alloc_strvec_quoted_escaped does.
  EXPECT_EQ(split_command("a\"b c\"d"), (Words{"ab cd"}));
  EXPECT_EQ(split_command("x ''"), (Words{"x", ""}));
}

TEST(SplitCommand, Escapes) {
  EXPECT_EQ(split_command(R"(a\ b c\"d)"), (Words{"a b", "c\"d"}));
  EXPECT_EQ(split_command(R"(\t\n\x41\101\cA)"), (Words{std::string("\t\nAA\x01")}));
  EXPECT_EQ(split_command(R"("in \"quotes\"")"), (Words{"in \"quotes\""}));
}

TEST(SplitCommand, Errors) {
  EXPECT_FALSE(split_command("\"unterminated"));
  EXPECT_FALSE(split_command("trailing\\"));
  EXPECT_FALSE(split_command("   "));
  EXPECT_FALSE(split_command(""));
}

TEST(MakeScriptCommand, ResolvesBareNamesThroughThePath) {
  ScriptDefaults d;
  d.search_path = "/nonexistent:/bin:/usr/bin";
  d.script_user = "root";
  std::string error;
  auto c = make_script_command("true --flag 'a b'", "", "", d, &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->argv, (Words{"/bin/true", "--flag", "a b"}));
  ASSERT_TRUE(c->credentials);
  EXPECT_EQ(c->credentials->uid, 0u);

  EXPECT_FALSE(make_script_command("no-such-program-vigil", "", "", d, &error));
  EXPECT_NE(error.find("path"), std::string::npos);
}

TEST(MakeScriptCommand, UnknownUserFails) {
  ScriptDefaults d;
  std::string error;
  EXPECT_FALSE(make_script_command("/bin/true", "no-such-user-vigil", "", d, &error));
  EXPECT_FALSE(make_script_command("/bin/true", "", "",
                                   ScriptDefaults{"no-such-user-vigil", "", ""}, &error));
}

TEST(ScriptIdentity, Precedence) {
  ScriptDefaults d;
  // Own user wins; group defaults to the user's primary group.
  auto nobody = script_identity("nobody", "", d);
  if (!nobody) GTEST_SKIP() << "no user nobody";
  auto root_grp = script_identity("nobody", "root", d);
  ASSERT_TRUE(root_grp);
  EXPECT_EQ(root_grp->gid, 0u);
  // Global script_user next.
  d.script_user = "nobody";
  auto global = script_identity("", "", d);
  ASSERT_TRUE(global);
  EXPECT_EQ(global->uid, nobody->uid);
  // Without either: keepalived_script if it exists, else ourselves.
  d.script_user.clear();
  auto def = script_identity("", "", d);
  ASSERT_TRUE(def);
  if (!lookup_credentials("keepalived_script", "")) {
    EXPECT_EQ(def->uid, ::geteuid());
  }
}

}  // namespace
}  // namespace vigil::core
