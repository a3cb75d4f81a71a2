#include "outbound/egress.h"

#include <gtest/gtest.h>

#include <map>

namespace relish::outbound {
namespace {

class MapResolver final : public Resolver {
 public:
  std::map<std::string, std::vector<std::string>> names;
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (ClassifyAddress(host) != AddressClass::kInvalid) return std::vector<std::string>{host};
    auto it = names.find(host);
    if (it == names.end()) return Unavailable("cannot resolve host " + host);
    return it->second;
  }
};

TEST(EgressTest, ClassifiesAddresses) {
  EXPECT_EQ(ClassifyAddress("93.184.216.34"), AddressClass::kPublic);
  EXPECT_EQ(ClassifyAddress("127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(ClassifyAddress("::1"), AddressClass::kLoopback);
  EXPECT_EQ(ClassifyAddress("10.1.2.3"), AddressClass::kPrivate);
  EXPECT_EQ(ClassifyAddress("172.31.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(ClassifyAddress("172.32.0.1"), AddressClass::kPublic);
  EXPECT_EQ(ClassifyAddress("192.168.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(ClassifyAddress("100.64.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(ClassifyAddress("169.254.169.254"), AddressClass::kLinkLocal);
  EXPECT_EQ(ClassifyAddress("fe80::1"), AddressClass::kLinkLocal);
  EXPECT_EQ(ClassifyAddress("fd00:ec2::254"), AddressClass::kPrivate);
  EXPECT_EQ(ClassifyAddress("::ffff:169.254.169.254"), AddressClass::kLinkLocal);
  EXPECT_EQ(ClassifyAddress("::ffff:127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(ClassifyAddress("0.0.0.0"), AddressClass::kUnspecified);
  EXPECT_EQ(ClassifyAddress("::"), AddressClass::kUnspecified);
  EXPECT_EQ(ClassifyAddress("224.0.0.1"), AddressClass::kMulticast);
  EXPECT_EQ(ClassifyAddress("255.255.255.255"), AddressClass::kMulticast);
  EXPECT_EQ(ClassifyAddress("2606:4700::1111"), AddressClass::kPublic);
  EXPECT_EQ(ClassifyAddress("nonsense"), AddressClass::kInvalid);
}

TEST(EgressTest, NumericHostsInTheirOneSpelling) {
  EXPECT_EQ(NumericHost("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(NumericHost("[::1]"), "::1");
  EXPECT_EQ(NumericHost("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(NumericHost("example.com"), std::nullopt);
  EXPECT_EQ(NumericHost("127.1"), std::nullopt);  // inet_pton's strict form only, as before
}

TEST(EgressTest, RefusesMetadataLinkLocalAndInternalByDefault) {
  MapResolver r;
  r.names["api.example.com"] = {"93.184.216.34"};
  r.names["evil.example.com"] = {"93.184.216.34", "169.254.169.254"};
  r.names["internal.example.com"] = {"10.0.0.5"};
  r.names["localhost"] = {"127.0.0.1"};
  EgressPolicy policy({}, r);
  EXPECT_TRUE(policy.Check(*ParseUrl("https://api.example.com/x")).ok());
  EXPECT_EQ(policy.Check(*ParseUrl("http://169.254.169.254/latest/meta-data")).error().message(),
            "calls to link-local and cloud metadata addresses are not allowed: 169.254.169.254");
  EXPECT_EQ(policy.Check(*ParseUrl("http://metadata.google.internal/x")).error().message(),
            "calls to the cloud metadata service (metadata.google.internal) are not allowed");
  EXPECT_EQ(policy.Check(*ParseUrl("https://evil.example.com/")).error().message(),
            "calls to link-local and cloud metadata addresses are not allowed: evil.example.com "
            "(169.254.169.254)");
  EXPECT_EQ(policy.Check(*ParseUrl("http://internal.example.com/")).error().message(),
            "calls to private network addresses are not allowed: internal.example.com (10.0.0.5)");
  EXPECT_EQ(policy.Check(*ParseUrl("http://localhost:8080/")).error().message(),
            "calls to loopback addresses are not allowed: localhost (127.0.0.1)");
  EXPECT_EQ(policy.Check(*ParseUrl("http://[::ffff:127.0.0.1]/")).error().code(),
            ErrorCode::kPermissionDenied);
}

TEST(EgressTest, AllowsLoopbackAndPrivateWhenConfigured) {
  MapResolver r;
  EgressPolicy policy({.allow_loopback = true, .allow_private = true}, r);
  EXPECT_TRUE(policy.Check(*ParseUrl("http://127.0.0.1:9/")).ok());
  EXPECT_TRUE(policy.Check(*ParseUrl("http://10.1.1.1/")).ok());
  EXPECT_FALSE(policy.Check(*ParseUrl("http://169.254.169.254/")).ok());
}

TEST(EgressTest, RemapSendsAHostElsewhereAndTrustsTheTarget) {
  MapResolver r;
  EgressOptions options;
  options.remap = *ParseRemap("books.zoho.com=http://127.0.0.1:9100/");
  EgressPolicy policy(options, r);
  auto t = policy.Check(*ParseUrl("https://books.zoho.com/api/v3/contacts?organization_id=1"));
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_TRUE(t->remapped);
  EXPECT_EQ(t->actual.ToString(), "http://127.0.0.1:9100/api/v3/contacts?organization_id=1");
  EXPECT_EQ(t->requested.host, "books.zoho.com");
  EXPECT_EQ(t->address, "127.0.0.1");
}

TEST(EgressTest, ParseRemapValidates) {
  auto m = ParseRemap("A.example.com=http://127.0.0.1:1,b.example.com=https://10.0.0.1");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at("a.example.com"), "http://127.0.0.1:1");
  EXPECT_EQ(ParseRemap("x.com").error().message(), "remap entries are host=origin, got 'x.com'");
  EXPECT_EQ(ParseRemap("x.com=http://h/path").error().message(),
            "remap target for x.com must be an origin like http://127.0.0.1:9100, got 'http://h/path'");
}

}  // namespace
}  // namespace relish::outbound
