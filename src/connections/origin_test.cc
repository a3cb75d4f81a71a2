#include "connections/origin.h"

#include <gtest/gtest.h>

#include "connections/service.h"

namespace relish::connections {
namespace {

std::string Parsed(std::string_view entry) {
  auto r = ParseOriginRule(entry);
  return r.ok() ? r->ToString() + (r->wildcard ? " (wildcard)" : "") : r.error().message();
}

bool Matches(std::string_view entry, std::string_view url) {
  auto rule = ParseOriginRule(entry);
  auto parsed = outbound::ParseUrl(url);
  EXPECT_TRUE(rule.ok() && parsed.ok()) << entry << " " << url;
  return rule.ok() && parsed.ok() && OriginMatches(*rule, *parsed);
}

TEST(OriginTest, EntriesImplyHttpsAndTheSchemesDefaultPort) {
  EXPECT_EQ(Parsed("api.example.com"), "https://api.example.com");
  EXPECT_EQ(Parsed("API.Example.com:8443"), "https://api.example.com:8443");
  EXPECT_EQ(Parsed("https://api.example.com:443"), "https://api.example.com");
  EXPECT_EQ(Parsed("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(Parsed("http://localhost"), "http://localhost");
  EXPECT_EQ(Parsed("*.example.com:8443"), "https://*.example.com:8443 (wildcard)");
  EXPECT_EQ(Parsed("[::1]:9000"), "https://[::1]:9000");
  EXPECT_EQ(Parsed("http://[fd00::1]"), "http://[fd00::1]");
}

TEST(OriginTest, AnythingButSchemeHostAndPortIsRefused) {
  const std::string tail = "; write host, host:port, https://host[:port] or http://host[:port]";
  EXPECT_EQ(Parsed("ftp://files.example.com"),
            "'ftp://files.example.com' is not an origin (the scheme must be https or http)" + tail);
  EXPECT_EQ(Parsed("api.example.com/v1"),
            "'api.example.com/v1' is not an origin (only a scheme, a host and a port)" + tail);
  EXPECT_EQ(Parsed("user@api.example.com"),
            "'user@api.example.com' is not an origin (only a scheme, a host and a port)" + tail);
  EXPECT_EQ(Parsed("api.example.com:0"),
            "'api.example.com:0' is not an origin (the port must be 1 to 65535)" + tail);
  EXPECT_EQ(Parsed("api.example.com:65536"),
            "'api.example.com:65536' is not an origin (the port must be 1 to 65535)" + tail);
  EXPECT_EQ(Parsed("api.example.com:http"),
            "'api.example.com:http' is not an origin (the port must be a number)" + tail);
  EXPECT_EQ(Parsed("api.example.com:"),
            "'api.example.com:' is not an origin (an empty port)" + tail);
  EXPECT_EQ(Parsed("https://"), "'https://' is not an origin (no host)" + tail);
  EXPECT_EQ(Parsed("a.*.example.com"),
            "'a.*.example.com' is not an origin (a bad host name)" + tail);
  EXPECT_EQ(Parsed("[::1"), "'[::1' is not an origin (an unclosed '[')" + tail);
}

// The hole this closes: a bearer token for https://api.example.com went to any port and any
// scheme of the host.
TEST(OriginTest, PortMismatchIsRefused) {
  EXPECT_TRUE(Matches("api.example.com", "https://api.example.com/v1"));
  EXPECT_TRUE(Matches("api.example.com", "https://api.example.com:443/v1"));
  EXPECT_FALSE(Matches("api.example.com", "https://api.example.com:8443/v1"));
  EXPECT_FALSE(Matches("api.example.com", "https://api.example.com:8080/v1"));
}

TEST(OriginTest, SchemeDowngradeIsRefused) {
  EXPECT_FALSE(Matches("api.example.com", "http://api.example.com/v1"));
  EXPECT_FALSE(Matches("api.example.com", "http://api.example.com:443/v1"));
  EXPECT_FALSE(Matches("api.example.com:8080", "http://api.example.com:8080/v1"));
  // Plain http only where the entry says so, and then not https.
  EXPECT_TRUE(Matches("http://127.0.0.1:8080", "http://127.0.0.1:8080/x"));
  EXPECT_FALSE(Matches("http://127.0.0.1:8080", "https://127.0.0.1:8080/x"));
}

TEST(OriginTest, ANamedPortAdmitsThatPortOnly) {
  EXPECT_TRUE(Matches("api.example.com:8443", "https://api.example.com:8443/v1"));
  EXPECT_FALSE(Matches("api.example.com:8443", "https://api.example.com/v1"));
  EXPECT_FALSE(Matches("api.example.com:8443", "https://api.example.com:8444/v1"));
  EXPECT_FALSE(Matches("api.example.com:8443", "http://api.example.com:8443/v1"));
  EXPECT_TRUE(Matches("http://localhost:9000", "http://localhost:9000/"));
  EXPECT_FALSE(Matches("http://localhost:9000", "http://localhost/"));
}

TEST(OriginTest, WildcardSubdomainsWithPorts) {
  EXPECT_TRUE(Matches("*.example.com", "https://eu.example.com/"));
  EXPECT_TRUE(Matches("*.example.com", "https://a.b.example.com/"));
  EXPECT_FALSE(Matches("*.example.com", "https://example.com/"));
  EXPECT_FALSE(Matches("*.example.com", "https://badexample.com/"));
  EXPECT_FALSE(Matches("*.example.com", "https://eu.example.com.evil.test/"));
  EXPECT_FALSE(Matches("*.example.com", "https://eu.example.com:8443/"));
  EXPECT_TRUE(Matches("*.example.com:8443", "https://eu.example.com:8443/"));
  EXPECT_FALSE(Matches("*.example.com:8443", "https://eu.example.com/"));
  EXPECT_FALSE(Matches("*.example.com:8443", "http://eu.example.com:8443/"));
  EXPECT_TRUE(Matches("http://*.local.test:8080", "http://a.local.test:8080/"));
}

TEST(OriginTest, IPv6Literals) {
  EXPECT_TRUE(Matches("http://[::1]:8080", "http://[::1]:8080/x"));
  EXPECT_FALSE(Matches("http://[::1]:8080", "http://[::2]:8080/x"));
}

// A URL's host is libcurl's one form of an address, so an entry that spells it otherwise
// ("063.0.0.1" is 51.0.0.1 in URLs, "[0:0::1]" is [::1]) was accepted and never matched: the
// credentials it was meant for went nowhere, silently. Found by the service_yaml fuzz target.
TEST(OriginTest, AddressesAreWrittenAsUrlsWriteThem) {
  const std::string tail = "; write host, host:port, https://host[:port] or http://host[:port]";
  EXPECT_EQ(Parsed("http://063.0.0.1:8080"),
            "'http://063.0.0.1:8080' is not an origin (URLs write this address as 51.0.0.1)" + tail);
  EXPECT_EQ(Parsed("127.1"), "'127.1' is not an origin (URLs write this address as 127.0.0.1)" + tail);
  EXPECT_EQ(Parsed("[0:0::1]:9000"),
            "'[0:0::1]:9000' is not an origin (URLs write this address as [::1])" + tail);
  EXPECT_EQ(Parsed("[0:0:0:0:0:0:0:1]"),
            "'[0:0:0:0:0:0:0:1]' is not an origin (URLs write this address as [::1])" + tail);
  EXPECT_EQ(Parsed("10.0.0.1:8443"), "https://10.0.0.1:8443");
  EXPECT_EQ(Parsed("1password.example"), "https://1password.example");
  EXPECT_TRUE(Matches("[::1]:9000", "https://[0:0::1]:9000/"));
}

TEST(OriginTest, EntriesAsMessagesShowThem) {
  auto url = *outbound::ParseUrl("http://api.example.com:8080/v1");
  EXPECT_EQ(OriginEntry(url), "http://api.example.com:8080");
  EXPECT_EQ(OriginEntry(*outbound::ParseUrl("https://api.example.com/v1")), "api.example.com");
  EXPECT_EQ(OriginEntry(*outbound::ParseUrl("https://api.example.com:8443/v1")),
            "api.example.com:8443");
  std::vector<OriginRule> rules = {*ParseOriginRule("api.example.com"),
                                   *ParseOriginRule("http://127.0.0.1:9"),
                                   *ParseOriginRule("*.example.com:8443")};
  EXPECT_EQ(DescribeOrigins(rules), "api.example.com, http://127.0.0.1:9, *.example.com:8443");
}

// Relish's own CRM on an http loopback public URL: {public_origin} is its scheme, host and port.
TEST(OriginTest, PublicOriginIsABuiltInParameter) {
  Service s;
  s.id = "bigin";
  auto values = *ResolveParameters(s, {}, "http://127.0.0.1:8080/");
  EXPECT_EQ(values["public_url"], "http://127.0.0.1:8080");
  EXPECT_EQ(values["public_host"], "127.0.0.1:8080");
  EXPECT_EQ(values["public_origin"], "http://127.0.0.1:8080");
  auto https = *ResolveParameters(s, {}, "https://relish.example.com");
  EXPECT_EQ(https["public_host"], "relish.example.com");
  EXPECT_EQ(https["public_origin"], "https://relish.example.com");
  std::vector<std::string> entries = {"{public_origin}"};
  EXPECT_TRUE(
      *OriginAllowed(entries, values, *outbound::ParseUrl("http://127.0.0.1:8080/bigin/v2")));
  EXPECT_FALSE(
      *OriginAllowed(entries, values, *outbound::ParseUrl("http://127.0.0.1:8081/bigin/v2")));
  EXPECT_FALSE(
      *OriginAllowed(entries, values, *outbound::ParseUrl("https://127.0.0.1:8080/bigin/v2")));
}

}  // namespace
}  // namespace relish::connections
