#include "base/encoding.h"

#include <gtest/gtest.h>

namespace relish {
namespace {

TEST(EncodingTest, Base64RoundTripsRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYg"), "foob");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST(EncodingTest, Base64UrlHasNoPaddingAndUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64Decode("-_8"), "\xfb\xff");
}

TEST(EncodingTest, Hex) {
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(EncodingTest, PercentAndFormEncoding) {
  EXPECT_EQ(PercentEncode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
  EXPECT_EQ(FormEncode("a b+c"), "a+b%2Bc");
  EXPECT_EQ(PercentDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

}  // namespace
TEST(EncodingTest, SameSecretNeedsEqualNonEmptyValues) {
  EXPECT_TRUE(SameSecret("csrf-value-1", "csrf-value-1"));
  EXPECT_FALSE(SameSecret("csrf-value-1", "csrf-value-2"));
  EXPECT_FALSE(SameSecret("csrf-value-1", "csrf-value-12"));
  EXPECT_FALSE(SameSecret("", ""));  // a missing secret never matches a missing one
}

}  // namespace relish
