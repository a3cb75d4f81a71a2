// The egress policy: which hosts and addresses outbound requests may reach.
//
// Always refused: link-local addresses (169.254.0.0/16, fe80::/10) which include the cloud
// metadata endpoints, cloud metadata host names, unspecified (0.0.0.0, ::), multicast and
// broadcast addresses. Loopback and private addresses (10/8, 172.16/12, 192.168/16, 100.64/10,
// fc00::/7) only when the installation allows them. The host is resolved once and the checked
// address is pinned for the connection, so DNS cannot change between the check and the call.
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
  kInvalid,
};

// Classifies a numeric IPv4 or IPv6 address (IPv4-mapped IPv6 is classified as its IPv4).
AddressClass ClassifyAddress(const std::string& ip);

struct EgressOptions {
  bool allow_loopback = false;
  bool allow_private = false;
  std::map<std::string, std::string> remap;  // lowercase host -> origin "http://127.0.0.1:9100"
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
