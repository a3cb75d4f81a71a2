// The egress policy: which hosts and addresses outbound requests may reach.
//
// Every address a host resolves to is classified (ClassifyAddress), and the request is refused
// unless every one may be called; the checked address is then pinned for the connection, so DNS
// cannot change between the check and the call. The classes, after RFC 6890 and its updates:
//
//   IPv4                  class        why
//   0.0.0.0/8             unspecified  "this network"; 0.0.0.0 reaches the local host on Linux
//   127.0.0.0/8           loopback     this machine
//   169.254.0.0/16        link-local   includes 169.254.169.254, the cloud metadata endpoint
//   10/8, 172.16/12,      private      RFC 1918
//   192.168/16
//   100.64.0.0/10         private      carrier-grade NAT (shared address space)
//   192.0.0.0/24          private      IETF protocol assignments (DS-Lite, NAT64 discovery)
//   198.18.0.0/15         private      benchmarking, in practice lab and internal networks
//   192.0.2.0/24,         reserved     documentation (TEST-NET-1, -2, -3)
//   198.51.100.0/24,
//   203.0.113.0/24
//   192.88.99.0/24        reserved     the deprecated 6to4 relay anycast (RFC 7526)
//   224.0.0.0/4           multicast
//   240.0.0.0/4           reserved     future use; 255.255.255.255 (broadcast) included
//   anything else         public
//
//   IPv6                  class        why
//   ::/128                unspecified
//   ::1/128               loopback
//   ::ffff:0:0/96         its IPv4's   IPv4-mapped: the same socket reaches the IPv4 address
//   ::/96, ::ffff:0:0:0/96  private or stricter   IPv4-compatible (deprecated) and
//                                      IPv4-translated (RFC 2765): no public service is reached
//                                      by them, and a host may tunnel them to the IPv4 address
//   64:ff9b::/96          its IPv4's   the well-known NAT64 prefix: DNS64 answers it for every
//                                      IPv4-only name on an IPv6-only network, so a public IPv4
//                                      stays public, and 64:ff9b::7f00:1 is loopback
//   64:ff9b:1::/48        private or stricter   NAT64 for local use (RFC 8215), IPv4 read at
//                                      bit 48 and at bit 96
//   100::/64              reserved     discard-only
//   2001::/32             private or stricter   Teredo: server and (inverted) client IPv4
//   2001:2::/48           private      benchmarking, as 198.18.0.0/15
//   2001:10::/28,         reserved     ORCHID, ORCHIDv2: identifiers, not routable
//   2001:20::/28
//   2001:db8::/32,        reserved     documentation
//   3fff::/20
//   2002::/16             its IPv4's   6to4: the IPv4 address in bits 16-47
//   fc00::/7              private      unique local (includes fd00:ec2::254, AWS metadata)
//   fe80::/10             link-local
//   fec0::/10             private      site-local (deprecated, still routed in some networks)
//   ff00::/8              multicast
//   other outside 2000::/3  reserved   not allocated for global unicast
//   other                 public
//
// "Private or stricter": private, unless the embedded IPv4 address is refused more strictly
// (loopback, link-local, ...), whose class it then takes.
//
// Always refused: link-local (whatever the configuration: the cloud metadata services live
// there), cloud metadata host names, unspecified, multicast, reserved. Loopback and private only
// when the installation allows them (egress_allow_loopback, egress_allow_private). Public always.
//
// Remap (for sandbox runs): a host may be mapped to another origin, e.g. books.zoho.com ->
// http://127.0.0.1:9100; path and query are kept. A remap target is trusted configuration, so
// loopback and private targets are allowed for it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "outbound/url.h"

namespace relish::outbound {

enum class AddressClass {
  kPublic,
  kLoopback,
  kPrivate,
  kLinkLocal,  // includes 169.254.169.254, the metadata endpoint
  kUnspecified,
  kMulticast,
  kReserved,  // documentation, discard-only, ORCHID, unallocated: nothing to call there
  kInvalid,
};

// Classifies a numeric IPv4 or IPv6 address by the table above.
AddressClass ClassifyAddress(const std::string& ip);

struct EgressOptions {
  bool allow_loopback = false;
  bool allow_private = false;
  std::map<std::string, std::string> remap;  // lowercase host -> origin "http://127.0.0.1:9100"
  // An explicit forward proxy every request goes through ("http://host:port", url.h's CheckProxyUrl),
  // or empty: none. The proxy environment variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, ...)
  // are never used. Through a proxy the policy still holds: Relish resolves and checks the
  // target itself and asks the proxy to CONNECT to the checked address, not to the name.
  std::string proxy;
};


// Parses "host=origin,host=origin" (the environment and --set form of a remap table).
Result<std::map<std::string, std::string>> ParseRemap(std::string_view text);

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Numeric addresses for `host`; a numeric host resolves to itself.
  virtual Result<std::vector<std::string>> Resolve(const std::string& host) = 0;
};

// A numeric IPv4 or IPv6 host in its canonical text; nullopt for a name.
std::optional<std::string> NumericHost(std::string_view host);

// getaddrinfo (numeric hosts are answered without it); thread-safe.
Resolver& SystemResolver();

struct Target {
  Url requested;        // as the caller asked
  Url actual;           // after remap
  std::string address;  // the checked, pinned IP address for actual.host
  bool remapped = false;
};

class EgressPolicy {
 public:
  EgressPolicy(EgressOptions options, Resolver& resolver);
  // kPermissionDenied with the reason when the URL may not be called.
  Result<Target> Check(const Url& url) const;
  // The host Check asks the resolver about for `url`: its own, or the remap's; empty when Check
  // refuses the URL by its name alone.
  std::string HostToResolve(const Url& url) const;
  const EgressOptions& options() const { return options_; }

 private:
  EgressOptions options_;
  Resolver& resolver_;
};

}  // namespace relish::outbound
