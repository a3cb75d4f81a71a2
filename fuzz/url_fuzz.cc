// libFuzzer target for outbound URLs (outbound/url.h) and the request-head policy
// (outbound/request_head.h): what every invokeurl, webhook, token request and redirect goes
// through before Relish sends anything.
//
// Input: up to five texts, each ended by a backslash and one more byte (FuzzedDataProvider's
// ConsumeRandomLengthString; "\\\\" is a backslash): a URL, a relative path or redirect
// location, a header name, a header value, a method. Seeds write them one per line.
//
// Properties:
// - differential: whenever the fast path (ParsePlainUrl) takes a URL, libcurl's parser
//   (ParseUrlWithCurl) takes it too, with the same scheme, host, port, path and query;
// - a URL ParseUrl takes has no space or control character in its text (libcurl reads a C
//   string: none may be cut at a NUL), is http(s), has a lowercase host and a path, and parses
//   again from its ToString() to the same URL;
// - AppendPlainPath(base, text, relative), when it answers, is ParseUrl(text + relative);
// - ResolveUrl never crashes and answers only http(s) URLs with a host;
// - the request-head policy refuses every method, URL, header name or value with CR, LF or NUL
//   (and everything it lets through has none).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "outbound/request_head.h"
#include "outbound/url.h"

namespace {

using relish::outbound::Url;

std::string Show(const Url& u) {
  return u.scheme + " | " + u.host + " | " + std::to_string(u.port) + " | " + u.path + " | " + u.query;
}

bool Same(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path &&
         a.query == b.query;
}

bool HasCrLfNul(std::string_view text) { return text.find_first_of(std::string_view("\r\n\0", 3)) != text.npos; }

bool HasSpaceOrControl(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

void CheckUrl(const Url& u, std::string_view from) {
  std::string where = std::string(from) + " -> " + Show(u);
  FUZZ_CHECK(u.scheme == "http" || u.scheme == "https", where);
  FUZZ_CHECK(!u.host.empty(), where);
  for (char c : u.host) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), where);
  FUZZ_CHECK(u.path.starts_with('/'), where);
  FUZZ_CHECK(u.port != 0, where);
  FUZZ_CHECK(!HasSpaceOrControl(u.ToString()), where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  FuzzedDataProvider in(data, size);
  std::string text = in.ConsumeRandomLengthString(1024);
  std::string relative = in.ConsumeRandomLengthString(1024);
  std::string name = in.ConsumeRandomLengthString(256);
  std::string value = in.ConsumeRandomLengthString(1024);
  std::string method = in.ConsumeRandomLengthString(32);

  // The fast path against libcurl.
  auto plain = relish::outbound::ParsePlainUrl(text);
  if (plain) {
    auto curl = relish::outbound::ParseUrlWithCurl(text);
    FUZZ_CHECK(curl.ok(), text + ": the fast path took what libcurl refuses: " + curl.error().message());
    FUZZ_CHECK(Same(*plain, *curl), text + ": fast path " + Show(*plain) + ", libcurl " + Show(*curl));
  }

  auto url = relish::outbound::ParseUrl(text);
  if (url.ok()) {
    // libcurl reads a C string: a URL must not be taken for its text up to a NUL.
    FUZZ_CHECK(!HasSpaceOrControl(text), text + " -> " + Show(*url));
    CheckUrl(*url, text);
    auto again = relish::outbound::ParseUrl(url->ToString());
    FUZZ_CHECK(again.ok(), text + " -> " + url->ToString() + ": " + again.error().message());
    FUZZ_CHECK(Same(*url, *again), text + " -> " + Show(*url) + " -> " + Show(*again));
    (void)relish::outbound::RedactQuery(*url, {name, value});
  }

  if (plain) {
    auto joined = relish::outbound::AppendPlainPath(*plain, text, relative);
    if (joined) {
      auto whole = relish::outbound::ParseUrl(text + relative);
      FUZZ_CHECK(whole.ok(), text + relative + ": " + whole.error().message());
      FUZZ_CHECK(Same(*joined, *whole), text + " + " + relative + ": joined " + Show(*joined) +
                                            ", parsed " + Show(*whole));
    }
  }

  if (url.ok()) {
    auto resolved = relish::outbound::ResolveUrl(*url, relative);
    if (resolved.ok()) CheckUrl(*resolved, url->ToString() + " + " + relative);
  }
  (void)relish::outbound::CheckProxyUrl(text);
  (void)relish::outbound::WithoutFormFields(value, {name});

  relish::outbound::Request request;
  request.method = method.empty() ? "GET" : method;
  request.url = text;
  request.headers = {{"Accept", "application/json"}, {name, value}};
  auto head = relish::outbound::CheckRequestHead(request);
  if (HasCrLfNul(request.method) || HasCrLfNul(text) || HasCrLfNul(name) || HasCrLfNul(value)) {
    FUZZ_CHECK(!head.ok(), "a CR, LF or NUL got through the request-head policy");
  }
  if (head.ok()) {
    FUZZ_CHECK(!HasSpaceOrControl(request.method) && !HasSpaceOrControl(text) &&
                   !HasSpaceOrControl(name) && !name.empty(),
               "the request-head policy let through a space or control character");
  } else {
    FUZZ_CHECK(head.error().code() == relish::ErrorCode::kInvalidArgument, head.error().ToString());
  }
  return 0;
}
