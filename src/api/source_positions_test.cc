#include "api/source_positions.h"

#include <gtest/gtest.h>

namespace relish::api {
namespace {

TEST(SourcePositionsTest, ColumnsCountUtf16UnitsAsTheEditorDoes) {
  // "é" is two bytes and one unit; "😀" four bytes and two units (a surrogate pair).
  SourcePositions p("info \"é\";\nx = \"😀\" y;\n");
  EXPECT_EQ(p.Utf16Column(1, 1), 1);
  EXPECT_EQ(p.Utf16Column(1, 10), 9);   // the ';' after "é"
  EXPECT_EQ(p.Utf16Column(2, 12), 10);  // 'y' after "😀"
  EXPECT_EQ(p.Utf16Column(2, 14), 12);  // just past the line's ';'
  EXPECT_EQ(p.Utf16Column(2, 20), 18);  // past the line's end: a unit per byte
  EXPECT_EQ(p.Utf16Column(3, 1), 1);    // the empty last line
  EXPECT_EQ(p.Utf16Column(9, 4), 4);    // no such line
}

}  // namespace
}  // namespace relish::api
