#include "parser/block_tree.h"

#include <gtest/gtest.h>

#include "parser/parse.h"
#include "parser/preprocessor.h"

namespace vigil::parser {
namespace {

std::vector<Node> tree_of(std::string_view text, Diagnostics& diag) {
  ParseOptions opts;
  return build_tree(preprocess_text(text, "t.conf", opts, diag), diag);
}

TEST(BlockTree, BraceOnSameLineAndNextLine) {
  Diagnostics diag;
  auto t = tree_of("a 1 {\n b 2\n}\nc\n{\n d\n}\n", diag);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].keyword(), "a");
  ASSERT_EQ(t[0].children.size(), 1u);
  EXPECT_EQ(t[0].children[0].keyword(), "b");
  EXPECT_TRUE(t[1].has_block);
  ASSERT_EQ(t[1].children.size(), 1u);
  EXPECT_EQ(t[1].children[0].keyword(), "d");
  EXPECT_TRUE(diag.clean());
}

TEST(BlockTree, SeveralBracesOnOneLine) {
  Diagnostics diag;
  auto t = tree_of("vi { track_script { chk } x 1 }\n", diag);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0].children.size(), 2u);
  EXPECT_EQ(t[0].children[0].keyword(), "track_script");
  ASSERT_EQ(t[0].children[0].children.size(), 1u);
  EXPECT_EQ(t[0].children[0].children[0].keyword(), "chk");
  EXPECT_EQ(t[0].children[1].keyword(), "x");
  EXPECT_TRUE(diag.clean());
}

TEST(BlockTree, UnbalancedBracesAreErrors) {
  Diagnostics diag;
  tree_of("a {\n b\n", diag);
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_EQ(diag.entries()[0].str(), "t.conf:1:3: error: block 'a' is not closed (missing '}')");
  Diagnostics diag2;
  auto t = tree_of("}\na\n", diag2);
  ASSERT_EQ(diag2.error_count(), 1u);
  EXPECT_EQ(diag2.entries()[0].str(), "t.conf:1:1: error: '}' without a matching '{'");
  EXPECT_EQ(t.size(), 1u);
}

TEST(BlockTree, AnonymousBlockIsDiscarded) {
  Diagnostics diag;
  auto t = tree_of("a {\n}\n{\n b\n}\nc\n", diag);
  EXPECT_EQ(diag.error_count(), 1u);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].keyword(), "c");
}

}  // namespace
}  // namespace vigil::parser
