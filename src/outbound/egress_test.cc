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

class MapResolverForTable final : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (auto numeric = NumericHost(host)) return std::vector<std::string>{*numeric};
    return Unavailable("cannot resolve host " + host);
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
  EXPECT_EQ(ClassifyAddress("255.255.255.255"), AddressClass::kReserved);
  EXPECT_EQ(ClassifyAddress("2606:4700::1111"), AddressClass::kPublic);
  EXPECT_EQ(ClassifyAddress("nonsense"), AddressClass::kInvalid);
}

// Every row of egress.h's table, at its edges: the class, and what the default policy (neither
// loopback nor private allowed) says when asked for http://[address]/.
std::string Refusal(const std::string& address) {
  static MapResolverForTable resolver;
  EgressPolicy policy({}, resolver);
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  auto t = policy.Check(*ParseUrl("http://" + host + "/"));
  return t.ok() ? "allowed" : t.error().message();
}

TEST(EgressTest, ClassifiesEverySpecialRange) {
  const std::string loopback = "calls to loopback addresses are not allowed: ";
  const std::string priv = "calls to private network addresses are not allowed: ";
  const std::string link = "calls to link-local and cloud metadata addresses are not allowed: ";
  const std::string reserved =
      "calls to reserved addresses (documentation, benchmarking, unallocated) are not allowed: ";
  const std::string other = "calls to this address are not allowed: ";
  struct Case {
    const char* address;
    AddressClass expected;
    std::string message;  // of the default policy; the address is appended
  };
  const std::vector<Case> cases = {
      // IPv4
      {"0.0.0.0", AddressClass::kUnspecified, other},
      {"0.255.255.255", AddressClass::kUnspecified, other},
      {"1.0.0.0", AddressClass::kPublic, ""},
      {"127.255.255.255", AddressClass::kLoopback, loopback},
      {"169.254.0.1", AddressClass::kLinkLocal, link},
      {"10.255.255.255", AddressClass::kPrivate, priv},
      {"172.16.0.0", AddressClass::kPrivate, priv},
      {"172.31.255.255", AddressClass::kPrivate, priv},
      {"192.168.255.255", AddressClass::kPrivate, priv},
      {"100.64.0.0", AddressClass::kPrivate, priv},
      {"100.127.255.255", AddressClass::kPrivate, priv},
      {"100.128.0.0", AddressClass::kPublic, ""},
      {"192.0.0.8", AddressClass::kPrivate, priv},
      {"192.0.1.1", AddressClass::kPublic, ""},
      {"198.17.255.255", AddressClass::kPublic, ""},
      {"198.18.0.0", AddressClass::kPrivate, priv},
      {"198.19.255.255", AddressClass::kPrivate, priv},
      {"198.20.0.0", AddressClass::kPublic, ""},
      {"192.0.2.1", AddressClass::kReserved, reserved},
      {"198.51.100.7", AddressClass::kReserved, reserved},
      {"203.0.113.255", AddressClass::kReserved, reserved},
      {"192.88.99.1", AddressClass::kReserved, reserved},
      {"224.0.0.1", AddressClass::kMulticast, other},
      {"239.255.255.255", AddressClass::kMulticast, other},
      {"240.0.0.1", AddressClass::kReserved, reserved},
      {"255.255.255.255", AddressClass::kReserved, reserved},
      {"8.8.8.8", AddressClass::kPublic, ""},
      // IPv6
      {"::", AddressClass::kUnspecified, other},
      {"::1", AddressClass::kLoopback, loopback},
      {"::ffff:8.8.8.8", AddressClass::kPublic, ""},
      {"::ffff:10.0.0.1", AddressClass::kPrivate, priv},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal, link},
      {"::8.8.8.8", AddressClass::kPrivate, priv},  // IPv4-compatible: private at least
      {"::127.0.0.1", AddressClass::kLoopback, loopback},
      {"::169.254.169.254", AddressClass::kLinkLocal, link},
      {"::ffff:0:808:808", AddressClass::kPrivate, priv},  // IPv4-translated 8.8.8.8
      {"::ffff:0:7f00:1", AddressClass::kLoopback, loopback},
      {"64:ff9b::808:808", AddressClass::kPublic, ""},  // NAT64 of 8.8.8.8 (DNS64)
      {"64:ff9b::7f00:1", AddressClass::kLoopback, loopback},
      {"64:ff9b::a01:203", AddressClass::kPrivate, priv},  // 10.1.2.3
      {"64:ff9b::a9fe:a9fe", AddressClass::kLinkLocal, link},
      {"64:ff9b::c612:1", AddressClass::kPrivate, priv},  // 198.18.0.1
      {"64:ff9b:0:1::808:808", AddressClass::kReserved, reserved},  // not the /96: unallocated
      {"64:ff9b:1::808:808", AddressClass::kPrivate, priv},  // local-use NAT64: private at least
      {"64:ff9b:1::7f00:1", AddressClass::kLoopback, loopback},  // /96: 127.0.0.1
      {"64:ff9b:1::a9fe:a9fe", AddressClass::kLinkLocal, link},  // /96: 169.254.169.254
      {"64:ff9b:1:7f00:1::", AddressClass::kPrivate, priv},  // another prefix length
      {"100::1", AddressClass::kReserved, reserved},
      {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", AddressClass::kPrivate, priv},  // Teredo
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass::kReserved, reserved},  // client 192.0.2.45
      {"2001:0:7f00:1::f7f7:f7f7", AddressClass::kLoopback, loopback},  // server 127.0.0.1
      {"2001:0:808:808::5601:5601", AddressClass::kLinkLocal, link},  // client ~a9fe:a9fe
      {"2001:2::1", AddressClass::kPrivate, priv},
      {"2001:3::1", AddressClass::kPublic, ""},  // AMT: global
      {"2001:10::1", AddressClass::kReserved, reserved},
      {"2001:2f:ffff::1", AddressClass::kReserved, reserved},
      {"2001:30::1", AddressClass::kPublic, ""},
      {"2001:db8::1", AddressClass::kReserved, reserved},
      {"3fff::1", AddressClass::kReserved, reserved},
      {"3fff:1000::1", AddressClass::kPublic, ""},
      {"2002:808:808::1", AddressClass::kPublic, ""},  // 6to4 of 8.8.8.8
      {"2002:7f00:1::1", AddressClass::kLoopback, loopback},
      {"2002:a00:1::1", AddressClass::kPrivate, priv},
      {"2002:a9fe:a9fe::1", AddressClass::kLinkLocal, link},
      {"2002:c612:1::1", AddressClass::kPrivate, priv},  // 198.18.0.1
      {"fc00::1", AddressClass::kPrivate, priv},
      {"fdff:ffff::1", AddressClass::kPrivate, priv},
      {"fe80::1", AddressClass::kLinkLocal, link},
      {"febf::1", AddressClass::kLinkLocal, link},
      {"fec0::1", AddressClass::kPrivate, priv},  // site-local
      {"feff::1", AddressClass::kPrivate, priv},
      {"ff02::1", AddressClass::kMulticast, other},
      {"1::1", AddressClass::kReserved, reserved},
      {"4000::1", AddressClass::kReserved, reserved},
      {"5f00::1", AddressClass::kReserved, reserved},
      {"2606:4700::1111", AddressClass::kPublic, ""},
      {"3ffe::1", AddressClass::kPublic, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ClassifyAddress(c.address), c.expected) << c.address;
    EXPECT_EQ(Refusal(c.address), c.message.empty() ? "allowed" : c.message + c.address)
        << c.address;
  }
}

TEST(EgressTest, EmbeddedAddressesFollowTheConfiguration) {
  MapResolverForTable r;
  EgressPolicy loopback({.allow_loopback = true}, r);
  EXPECT_TRUE(loopback.Check(*ParseUrl("http://[64:ff9b::7f00:1]/")).ok());
  EXPECT_EQ(loopback.Check(*ParseUrl("http://[::8.8.8.8]/")).error().message(),
            "calls to private network addresses are not allowed: ::8.8.8.8");
  EgressPolicy both({.allow_loopback = true, .allow_private = true}, r);
  for (const char* host : {"[::8.8.8.8]", "[64:ff9b:1::808:808]", "[fec0::1]", "198.18.0.1",
                           "[2001:0:4136:e378:8000:63bf:f7f7:f7f7]", "[2002:a00:1::1]"}) {
    EXPECT_TRUE(both.Check(*ParseUrl(std::string("http://") + host + "/")).ok()) << host;
  }
  // Nothing allows link-local or reserved addresses, however they are spelt.
  for (const char* host : {"[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[::169.254.169.254]",
                           "[2001:db8::1]", "192.0.2.1"}) {
    EXPECT_FALSE(both.Check(*ParseUrl(std::string("http://") + host + "/")).ok()) << host;
  }
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
