#include "outbound/url.h"

#include <gtest/gtest.h>

namespace relish::outbound {
namespace {

TEST(UrlTest, ParsesAndNormalises) {
  auto u = ParseUrl("HTTPS://Books.Zoho.COM/api/v3/contacts?organization_id=1#frag");
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "books.zoho.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/api/v3/contacts");
  EXPECT_EQ(u->query, "organization_id=1");
  EXPECT_EQ(u->ToString(), "https://books.zoho.com/api/v3/contacts?organization_id=1");
  EXPECT_EQ(ParseUrl("http://127.0.0.1:9100")->ToString(), "http://127.0.0.1:9100/");
  EXPECT_EQ(ParseUrl("http://[::1]:81/x")->host, "::1");
  EXPECT_EQ(ParseUrl("http://[::1]:81/x")->Origin(), "http://[::1]:81");
}

TEST(UrlTest, RefusesOtherSchemesAndUserInfo) {
  EXPECT_EQ(ParseUrl("ftp://example.com/x").error().message(),
            "only http and https URLs can be called, not 'ftp://example.com/x'");
  EXPECT_EQ(ParseUrl("file:///etc/passwd").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseUrl("https://user:pw@example.com/").error().message(),
            "URLs with a user name or password are refused; use a connection");
  EXPECT_FALSE(ParseUrl("not a url").ok());
}

TEST(UrlTest, ResolvesRedirectLocations) {
  Url base = *ParseUrl("https://a.example.com/v1/items?x=1");
  EXPECT_EQ(ResolveUrl(base, "/v2/other")->ToString(), "https://a.example.com/v2/other");
  EXPECT_EQ(ResolveUrl(base, "next?y=2")->ToString(), "https://a.example.com/v1/next?y=2");
  EXPECT_EQ(ResolveUrl(base, "https://b.example.org/z")->host, "b.example.org");
}

TEST(UrlTest, RedactQueryHidesNamedParameters) {
  Url u = *ParseUrl("https://api.example.com/x?api_key=s3cret&q=hello&token=t0k");
  EXPECT_EQ(RedactQuery(u, {"api_key", "token"}), "https://api.example.com/x?api_key=***&q=hello&token=***");
  EXPECT_EQ(RedactQuery(u, {}), u.ToString());
}

}  // namespace
}  // namespace relish::outbound
