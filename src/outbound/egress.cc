#include "outbound/egress.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace relish::outbound {
namespace {

// The IPv4 rows of the table in egress.h, in its order.
AddressClass ClassifyV4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) {
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    return (a & mask) == (net & mask);
  };
  if (in(0x00000000, 8)) return AddressClass::kUnspecified;  // 0.0.0.0/8 "this network"
  if (in(0x7F000000, 8)) return AddressClass::kLoopback;     // 127.0.0.0/8
  if (in(0xA9FE0000, 16)) return AddressClass::kLinkLocal;   // 169.254.0.0/16
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) ||  // RFC 1918
      in(0x64400000, 10) ||                                              // 100.64/10 CGNAT
      in(0xC0000000, 24) ||  // 192.0.0.0/24 IETF protocol assignments (DS-Lite, NAT64 discovery)
      in(0xC6120000, 15)) {  // 198.18.0.0/15 benchmarking, used for lab and internal networks
    return AddressClass::kPrivate;
  }
  if (in(0xC0000200, 24) || in(0xC6336400, 24) || in(0xCB007100, 24) ||  // documentation
      in(0xC0586300, 24) ||  // 192.88.99.0/24, the deprecated 6to4 relay anycast
      in(0xF0000000, 4)) {   // 240.0.0.0/4 reserved, 255.255.255.255 broadcast included
    return AddressClass::kReserved;
  }
  if (in(0xE0000000, 4)) return AddressClass::kMulticast;  // 224.0.0.0/4
  return AddressClass::kPublic;
}

// How strictly a class is refused: an address that embeds another is refused at least as its
// embedded address would be.
int Strictness(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic: return 0;
    case AddressClass::kPrivate: return 1;
    case AddressClass::kLoopback: return 2;
    case AddressClass::kLinkLocal: return 3;
    case AddressClass::kUnspecified:
    case AddressClass::kMulticast:
    case AddressClass::kReserved:
    case AddressClass::kInvalid: return 4;
  }
  return 4;
}

AddressClass Stricter(AddressClass a, AddressClass b) {
  return Strictness(b) > Strictness(a) ? b : a;
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// The IPv6 rows of the table in egress.h, in its order.
AddressClass ClassifyV6(const uint8_t* b) {
  auto zeros = [b](int from, int to) {
    return std::all_of(b + from, b + to, [](uint8_t x) { return x == 0; });
  };
  auto prefix = [b](std::initializer_list<uint8_t> bytes) {
    return std::equal(bytes.begin(), bytes.end(), b);
  };
  if (zeros(0, 15) && b[15] == 0) return AddressClass::kUnspecified;  // ::
  if (zeros(0, 15) && b[15] == 1) return AddressClass::kLoopback;     // ::1
  if (zeros(0, 10) && b[10] == 0xFF && b[11] == 0xFF) {               // ::ffff:a.b.c.d mapped
    return ClassifyV4(V4At(b + 12));
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765):
  // no public service is reached by them, and a host may still tunnel them to the IPv4 address.
  if (zeros(0, 12) || (zeros(0, 8) && b[8] == 0xFF && b[9] == 0xFF && zeros(10, 12))) {
    return Stricter(AddressClass::kPrivate, ClassifyV4(V4At(b + 12)));
  }
  // 64:ff9b::/96, the well-known NAT64 prefix: what DNS64 answers for every IPv4-only name on an
  // IPv6-only network, so its class is its IPv4 address's.
  if (prefix({0x00, 0x64, 0xFF, 0x9B}) && zeros(4, 12)) return ClassifyV4(V4At(b + 12));
  // 64:ff9b:1::/48, NAT64 for local use (RFC 8215): an operator's own translator, private. With
  // a /96 prefix in it (bits 48-95 zero) its IPv4 address is the last 32 bits, and may make it
  // stricter; the prefix lengths that split the address around the "u" octet stay private.
  if (prefix({0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01})) {
    if (!zeros(6, 12)) return AddressClass::kPrivate;
    return Stricter(AddressClass::kPrivate, ClassifyV4(V4At(b + 12)));
  }
  if (prefix({0x01, 0x00}) && zeros(2, 8)) return AddressClass::kReserved;  // 100::/64 discard
  if (prefix({0x20, 0x01, 0x00, 0x00})) {  // 2001::/32 Teredo: server, then client (inverted)
    const uint8_t client[4] = {static_cast<uint8_t>(~b[12]), static_cast<uint8_t>(~b[13]),
                               static_cast<uint8_t>(~b[14]), static_cast<uint8_t>(~b[15])};
    return Stricter(Stricter(AddressClass::kPrivate, ClassifyV4(V4At(b + 4))),
                    ClassifyV4(V4At(client)));
  }
  if (prefix({0x20, 0x01, 0x00, 0x02, 0x00, 0x00})) return AddressClass::kPrivate;  // 2001:2::/48
  if (prefix({0x20, 0x01, 0x00}) && (b[3] & 0xF0) == 0x20) {  // 2001:20::/28 ORCHIDv2
    return AddressClass::kReserved;
  }
  if (prefix({0x20, 0x01, 0x00}) && (b[3] & 0xF0) == 0x10) {  // 2001:10::/28 ORCHID
    return AddressClass::kReserved;
  }
  if (prefix({0x20, 0x01, 0x0D, 0xB8})) return AddressClass::kReserved;  // 2001:db8::/32 docs
  if (prefix({0x20, 0x02})) return ClassifyV4(V4At(b + 2));  // 2002::/16 6to4: its IPv4's class
  if (prefix({0x3F, 0xFF}) && (b[2] & 0xF0) == 0x00) return AddressClass::kReserved;  // 3fff::/20
  if ((b[0] & 0xFE) == 0xFC) return AddressClass::kPrivate;  // fc00::/7 (includes fd00:ec2::254)
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return AddressClass::kPrivate;    // fec0::/10
  if (b[0] == 0xFF) return AddressClass::kMulticast;                           // ff00::/8
  // Outside 2000::/3 nothing is allocated for global unicast.
  if ((b[0] & 0xE0) != 0x20) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

bool ValidOrigin(const std::string& origin) {
  auto url = ParseUrl(origin);
  return url.ok() && url->path == "/" && url->query.empty();
}

}  // namespace

AddressClass ClassifyAddress(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return ClassifyV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return AddressClass::kInvalid;
  return ClassifyV6(v6.s6_addr);
}

Result<std::map<std::string, std::string>> ParseRemap(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgument("remap entries are host=origin, got '" + std::string(entry) + "'");
    }
    std::string host(entry.substr(0, eq));
    std::string origin(entry.substr(eq + 1));
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    if (!ValidOrigin(origin)) {
      return InvalidArgument("remap target for " + host + " must be an origin like " +
                             "http://127.0.0.1:9100, got '" + origin + "'");
    }
    out[host] = origin;
  }
  return out;
}

namespace {

class GetAddrInfoResolver final : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (auto numeric = NumericHost(host)) return std::vector<std::string>{*numeric};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) return Unavailable("cannot resolve host " + host + ": " + gai_strerror(rc));
    std::vector<std::string> out;
    for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {};
      const void* addr = p->ai_family == AF_INET
                             ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr)
                             : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr);
      if (inet_ntop(p->ai_family, addr, buf, sizeof buf) != nullptr) out.emplace_back(buf);
    }
    freeaddrinfo(res);
    if (out.empty()) return Unavailable("host " + host + " has no addresses");
    return out;
  }
};

}  // namespace

static bool IsMetadataName(std::string_view host) {
  static const std::array<std::string_view, 4> kMetadataNames = {
      "metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"};
  if (host.ends_with('.')) host.remove_suffix(1);  // the fully qualified spelling
  for (auto name : kMetadataNames) {
    if (host == name) return true;
  }
  return false;
}

std::optional<std::string> NumericHost(std::string_view host) {
  // Already in the form inet_ntop would print (which formats with sprintf: ~1.6k instructions).
  if (IsCanonicalIPv4(host)) return std::string(host);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string text(host);
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN] = {};
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), buf) == 1 &&
        inet_ntop(family, buf, out, sizeof out) != nullptr) {
      return std::string(out);
    }
  }
  return std::nullopt;
}

Resolver& SystemResolver() {
  static GetAddrInfoResolver resolver;
  return resolver;
}

EgressPolicy::EgressPolicy(EgressOptions options, Resolver& resolver)
    : options_(std::move(options)), resolver_(resolver) {}

std::string EgressPolicy::HostToResolve(const Url& url) const {
  if (IsMetadataName(url.host)) return "";
  if (auto it = options_.remap.find(url.host); it != options_.remap.end()) {
    if (auto origin = ParseUrl(it->second); origin.ok()) return origin->host;
  }
  return url.host;
}

Result<Target> EgressPolicy::Check(const Url& url) const {
  Target target;
  target.requested = url;
  target.actual = url;
  if (IsMetadataName(url.host)) {
    return PermissionDenied("calls to the cloud metadata service (" + url.host +
                            ") are not allowed");
  }
  if (auto it = options_.remap.find(url.host); it != options_.remap.end()) {
    auto origin = TRY(ParseUrl(it->second));
    target.actual.scheme = origin.scheme;
    target.actual.host = origin.host;
    target.actual.port = origin.port;
    target.remapped = true;
  }
  auto addresses = TRY(resolver_.Resolve(target.actual.host));
  // Every address the name resolves to must pass: otherwise a name with one public and one
  // internal address could be used to reach the internal one.
  for (const auto& address : addresses) {
    AddressClass c = ClassifyAddress(address);
    auto where = [&] { return url.host == address ? address : url.host + " (" + address + ")"; };
    switch (c) {
      case AddressClass::kPublic:
        break;
      case AddressClass::kLoopback:
        if (!options_.allow_loopback && !target.remapped) {
          return PermissionDenied("calls to loopback addresses are not allowed: " + where());
        }
        break;
      case AddressClass::kPrivate:
        if (!options_.allow_private && !target.remapped) {
          return PermissionDenied("calls to private network addresses are not allowed: " + where());
        }
        break;
      case AddressClass::kLinkLocal:
        return PermissionDenied("calls to link-local and cloud metadata addresses are not allowed: " +
                                where());
      case AddressClass::kReserved:
        return PermissionDenied(
            "calls to reserved addresses (documentation, benchmarking, unallocated) are not "
            "allowed: " + where());
      case AddressClass::kUnspecified:
      case AddressClass::kMulticast:
      case AddressClass::kInvalid:
        return PermissionDenied("calls to this address are not allowed: " + where());
    }
  }
  target.address = addresses.front();
  return target;
}

}  // namespace relish::outbound
