#include "outbound/url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

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

// libcurl reads a URL as a C string: "https://api.example.com\0.evil/x" was parsed as
// https://api.example.com/, so a service's base URL or a script's URL meant one host and was
// checked as another. Found by the url fuzz target.
TEST(UrlTest, RefusesANulCharacter) {
  using namespace std::string_literals;
  std::string text = "https://api.example.com\0.evil.example/x"s;
  EXPECT_EQ(ParseUrl(text).error().message(),
            "invalid URL 'https://api.example.com\\0.evil.example/x': it has a NUL character");
  EXPECT_FALSE(ParseUrlWithCurl(text).ok());
  Url base = *ParseUrl("https://a.example.com/v1");
  EXPECT_EQ(ResolveUrl(base, "/x\0y"s).error().message(),
            "invalid redirect location '/x\\0y': it has a NUL character");
  EXPECT_FALSE(CheckProxyUrl("http://proxy:3128\0x"s).ok());
}

// libcurl decodes a host's percent escapes and keeps bytes no host name has: "h.%2510" was the
// host "h.%10", whose URL (ToString) libcurl then refused ("Bad hostname"), so a redirect from it
// could not be resolved. Found by the url fuzz target.
TEST(UrlTest, RefusesAHostThatCannotBeWrittenBack) {
  EXPECT_EQ(ParseUrl("http://h0.0.%2510/").error().message(),
            "URL has an invalid host: 'http://h0.0.%2510/'");
  EXPECT_EQ(ParseUrl("http://a%7fb.com/").error().message(),
            "URL has an invalid host: 'http://a%7fb.com/'");
  EXPECT_EQ(ParseUrl("http://a%b.com/").error().message(), "URL has an invalid host: 'http://a%b.com/'");
  // libcurl writes a numeric IPv4 host in its one form only when the host is written literally:
  // spelled with escapes, "127.1" stayed "127.1", and was another host than 127.0.0.1.
  EXPECT_EQ(ParseUrl("http://%31%32%37.1/").error().message(),
            "URL has an invalid host: 'http://%31%32%37.1/'");
  EXPECT_EQ(ParseUrl("http://12%2e0.100/").error().message(),
            "URL has an invalid host: 'http://12%2e0.100/'");
  EXPECT_EQ(ParseUrl("http://127.1/")->host, "127.0.0.1");
  // Escapes of what a host may hold are decoded, as libcurl connects to them.
  EXPECT_EQ(ParseUrl("http://Evil%2ecom/")->ToString(), "http://evil.com/");
  EXPECT_EQ(ParseUrl("http://[::1%25eth0]/")->ToString(), "http://[::1]/");
}

// libcurl takes port 0 (no server has it; an origin's port is 1 to 65535). Found by the url
// fuzz target.
TEST(UrlTest, RefusesPortZero) {
  EXPECT_EQ(ParseUrl("http://host:0/").error().message(), "URL has port 0: 'http://host:0/'");
  EXPECT_EQ(ParseUrl("https://host:00/x").error().message(), "URL has port 0: 'https://host:00/x'");
  Url base = *ParseUrl("https://a.example.com/v1");
  EXPECT_EQ(ResolveUrl(base, "http://b.example.com:0/").error().message(),
            "URL has port 0: 'http://b.example.com:0/'");
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

// The plain parser must agree with libcurl on everything it takes, and leave everything else to
// it: hand-picked edge cases, then random strings over the characters that matter.
bool ExpectSameAsCurl(const std::string& text) {
  auto plain = ParsePlainUrl(text);
  if (!plain) return false;
  auto curl = ParseUrlWithCurl(text);
  EXPECT_TRUE(curl.ok()) << text << ": plain parser took what libcurl refuses: " << curl.error().message();
  if (!curl.ok()) return true;
  EXPECT_EQ(plain->scheme, curl->scheme) << text;
  EXPECT_EQ(plain->host, curl->host) << text;
  EXPECT_EQ(plain->port, curl->port) << text;
  EXPECT_EQ(plain->path, curl->path) << text;
  EXPECT_EQ(plain->query, curl->query) << text;
  return true;
}

TEST(UrlTest, PlainParserTakesTheCommonShape) {
  auto u = ParsePlainUrl("HTTP://Api.Example.COM:8443/v1/items/%41b?x=1&y=a%20b");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "api.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/v1/items/%41b");
  EXPECT_EQ(u->query, "x=1&y=a%20b");
  EXPECT_EQ(ParsePlainUrl("https://127.0.0.1")->path, "/");
  EXPECT_EQ(ParsePlainUrl("https://127.0.0.1")->port, 443);
}

TEST(UrlTest, PlainParserLeavesTheRestToCurl) {
  for (const char* text :
       {"http://127.1/", "http://0x7f.0.0.1/", "http://127.000.0.1/", "http://2130706433/",
        "http://256.0.0.1/", "http://[::1]/", "http://user@host/", "http://host/a/../b",
        "http://host/a/./b", "http://host/a/%2e%2e/b", "http://host/..", "http://host/#frag",
        "http://host?x=1", "http://host:/", "http://host:080/", "http://host:99999/",
        "http://host:0/", "http://ho_st/", "http://host./", "http://a..b/", "ftp://host/",
        "http:/host/", "http://host/a b", "http://host/%zz", "http://host/%4", "http://host/\\x",
        "http://host/a|b", "http://host/x?y#z", ""}) {
    EXPECT_FALSE(ParsePlainUrl(text).has_value()) << text;
  }
  // ...and ParseUrl still answers them as libcurl does.
  EXPECT_EQ(ParseUrl("http://127.1/")->host, "127.0.0.1");
  EXPECT_EQ(ParseUrl("http://host/a/../b")->path, "/b");
  EXPECT_EQ(ParseUrl("http://user@host/").error().message(),
            "URLs with a user name or password are refused; use a connection");
}

TEST(UrlTest, CanonicalIPv4) {
  for (const char* yes : {"127.0.0.1", "0.0.0.0", "255.255.255.255", "10.1.20.200"}) {
    EXPECT_TRUE(IsCanonicalIPv4(yes)) << yes;
  }
  for (const char* no : {"127.1", "127.0.0.01", "256.0.0.1", "1.2.3.4.5", "1.2.3.", ".1.2.3", "a.b.c.d",
                         "0x7f.0.0.1", "1..2.3", "", "::1", "1.2.3.1000"}) {
    EXPECT_FALSE(IsCanonicalIPv4(no)) << no;
  }
}

TEST(UrlTest, PlainParserAgreesWithCurl) {
  for (const char* text :
       {"http://localhost/", "https://api.github.com/repos/a/b/issues?state=open&per_page=100",
        "http://127.0.0.1:9100/x", "http://1password.com/", "http://a-b.c-d.example/x~y_z",
        "http://cafe/", "http://123.example.com/", "http://example.com:65535/", "http://h/a//b",
        "http://h/a/.b/..c/", "http://h/?", "http://h/p?q?r/s", "http://h/%41%2F", "http://h/:@!$&'()*+,;="}) {
    EXPECT_TRUE(ExpectSameAsCurl(text)) << text << " should take the plain path";
  }
  const std::string alphabet = "aZ09.-_~%2eE/:?@#&=+[]!$'()*,; \\x";
  const char* labels[] = {"a", "B", "1", "09", "0x7f", "127", "255", "256", "-", "a-b", "", "xn--d"};
  std::mt19937 rng(20261129);
  int plain = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = i % 2 == 0 ? "http://" : "HTTPS://";
    size_t host = 1 + rng() % 4;
    for (size_t k = 0; k < host; ++k) text += std::string(k ? "." : "") + labels[rng() % std::size(labels)];
    if (rng() % 4 == 0) text += ":" + std::to_string(rng() % 70000);
    if (rng() % 8 != 0) text += "/";
    size_t rest = rng() % 16;
    for (size_t k = 0; k < rest; ++k) text += alphabet[rng() % alphabet.size()];
    plain += ExpectSameAsCurl(text) ? 1 : 0;
    if (HasFailure()) break;
  }
  EXPECT_GT(plain, 2000);  // the comparison must have been made often enough to mean something
}

// AppendPlainPath(base, base text, relative) must be ParseUrl(base text + relative) whenever it
// answers, and answer the common shapes: hand-picked cases, then random relative parts.
TEST(UrlTest, AppendPlainPathIsParseUrlOfTheJoinedText) {
  struct Case { const char* base; const char* relative; const char* want; };
  for (const Case& c : std::initializer_list<Case>{
           {"http://127.0.0.1:41001", "/items", "http://127.0.0.1:41001/items"},
           {"https://api.example.com/v1", "/me?fields=a,b", "https://api.example.com/v1/me?fields=a,b"},
           {"https://API.example.com/v1/", "/me", "https://api.example.com/v1//me"},
           {"https://h", "/", "https://h/"},
           {"https://h:8443/base", "/x?", "https://h:8443/base/x"}}) {
    auto joined = AppendPlainPath(*ParsePlainUrl(c.base), c.base, c.relative);
    ASSERT_TRUE(joined.has_value()) << c.base << " + " << c.relative;
    EXPECT_EQ(joined->ToString(), c.want);
  }
  for (auto [base, relative] : std::initializer_list<std::pair<const char*, const char*>>{
           {"https://h/v1", "/../admin"}, {"https://h/v1", "/%2e%2e/x"}, {"https://h/v1", "/a b"},
           {"https://h/v1", "items"}, {"https://h/v1", ""}, {"https://h/v1?k=1", "/x"},
           {"https://h/v1", "/x#frag"}}) {
    EXPECT_FALSE(AppendPlainPath(*ParseUrl(base), base, relative).has_value()) << base << " + " << relative;
  }
  const std::string alphabet = "aZ09.-_~%2eE/:?@#&=+!$'()*,; ";
  const char* bases[] = {"http://127.0.0.1:9100", "https://api.example.com/v1", "https://h/a/b/"};
  std::mt19937 rng(20261130);
  int answered = 0;
  for (int i = 0; i < 20000; ++i) {
    const char* base = bases[rng() % std::size(bases)];
    std::string relative = "/";
    for (size_t k = rng() % 12; k > 0; --k) relative += alphabet[rng() % alphabet.size()];
    auto joined = AppendPlainPath(*ParsePlainUrl(base), base, relative);
    if (!joined) continue;
    ++answered;
    auto parsed = ParseUrl(base + relative);
    ASSERT_TRUE(parsed.ok()) << base << relative << ": " << parsed.error().message();
    EXPECT_EQ(joined->ToString(), parsed->ToString()) << base << relative;
    if (HasFailure()) break;
  }
  EXPECT_GT(answered, 2000);
}

}  // namespace
}  // namespace relish::outbound

namespace relish::outbound {
namespace {

// Each target as a browser would receive it (query parameters already decoded), and the rule
// that refuses it ("" for a target that stays on the origin).
TEST(UrlTest, SameOriginPathRefusesEveryWayOffTheSite) {
  const Url origin = *ParseUrl("http://relish.test:8080");
  struct Case {
    std::string target;
    std::string refusal;
  };
  const std::string kControl = "it contains a space, a control character or a non-ASCII character";
  const Case cases[] = {
      {"/", ""},
      {"/ok/path?x=1", ""},
      {"/connections#top", ""},
      // The sign-in's own `next` for an authorization request: encoded slashes in the query.
      {"/oauth/authorize?client_id=1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", ""},
      // Still a path once the dots are resolved ("//evil.example/x" on this host).
      {"/..//evil.example/x", ""},
      // Not decoded by anyone: a segment named "%09".
      {"/%09/evil.example/x", ""},
      {"/\t/evil.example/x", kControl},  // "/%09/evil.example/x" after decoding
      {"/\r/evil.example/x", kControl},
      {"/\n/evil.example/x", kControl},
      {std::string("/\0/evil.example/x", 17), kControl},
      {" /evil.example", kControl},
      {"/ /evil.example", kControl},
      {"/\x7f/evil.example", kControl},
      {"/caf\xc3\xa9", kControl},
      {"/\\evil.example", "it contains a backslash"},
      {"\\\\evil.example", "it contains a backslash"},
      {"//evil.example", "it starts with '//', which names a host"},
      {"//evil.example/x?y=1", "it starts with '//', which names a host"},
      {"/%2F%2Fevil.example", "its path contains an encoded '/' or '\\'"},
      {"/%2f/evil.example", "its path contains an encoded '/' or '\\'"},
      {"/%5Cevil.example", "its path contains an encoded '/' or '\\'"},
      {"https://evil.example/", "it is not a path starting with '/'"},
      {"http://relish.test:8080/", "it is not a path starting with '/'"},
      {"javascript:alert(1)", "it is not a path starting with '/'"},
      {"evil.example", "it is not a path starting with '/'"},
      {"", "it is not a path starting with '/'"},
      {"/" + std::string(kMaxRedirectTargetBytes - 1, 'a'), ""},
      {"/" + std::string(kMaxRedirectTargetBytes, 'a'), "it is longer than 4096 bytes"},
  };
  for (const auto& c : cases) {
    auto r = CheckSameOriginPath(origin, c.target);
    EXPECT_EQ(r.ok() ? "" : r.error().message(), c.refusal) << "target: " << c.target;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace relish::outbound
