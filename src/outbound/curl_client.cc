#include "outbound/curl_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "base/http_wire.h"
#include "outbound/request_head.h"

namespace relish::outbound {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One handle per thread: curl reuses its connections across requests on the same handle.
CURL* ThreadHandle() {
  thread_local Easy handle;
  if (!handle) {
    handle.reset(curl_easy_init());
  } else {
    curl_easy_reset(handle.get());
  }
  return handle.get();
}

struct Exchange {
  size_t limit = 0;
  bool too_large = false;
  std::string body;
  Headers headers;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t bytes = size * n;
  if (ex->body.size() + bytes > ex->limit) {
    ex->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  ex->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t bytes = size * n;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    ex->headers.clear();  // a new response (after 100 Continue): keep only its headers
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  ex->headers.emplace_back(std::move(name), std::string(value));
  return bytes;
}

std::string FormatSeconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

class CurlClient final : public HttpClient {
 public:
  explicit CurlClient(CurlClientOptions options)
      : options_(std::move(options)),
        policy_(options_.egress, options_.resolver ? *options_.resolver : SystemResolver()) {
    GlobalInit();
  }

  Result<Response> Send(Request request) override {
    auto started = std::chrono::steady_clock::now();
    auto deadline = started + request.timeout;
    TRY(CheckRequestHead(request));
    Url url = TRY(ParseUrl(request.url));
    const Url original = url;
    for (int hop = 0;; ++hop) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (remaining.count() <= 0) {
        return DeadlineExceeded("request to " + original.host + " timed out after " +
                                FormatSeconds(request.timeout));
      }
      Target target = TRY(policy_.Check(url));
      Response response = TRY(Perform(request, target, remaining));
      response.url = url.ToString();
      const std::string* location = response.Header("location");
      bool redirect = response.status >= 300 && response.status < 400 && response.status != 304 &&
                      location != nullptr;
      if (!redirect || request.max_redirects == 0) {
        response.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        return response;
      }
      if (hop >= request.max_redirects) {
        return Unavailable("too many redirects (more than " +
                           std::to_string(request.max_redirects) + ") starting at " +
                           original.Origin());
      }
      Url next = TRY(ResolveUrl(url, *location));
      // 303 always becomes GET; 301/302 turn POST into GET as browsers do; 307/308 keep all.
      if (response.status == 303 ||
          ((response.status == 301 || response.status == 302) && request.method == "POST")) {
        if (request.method != "HEAD") request.method = "GET";
        request.body.clear();
        std::erase_if(request.headers, [](const auto& h) {
          return SameHeaderName(h.first, "content-type") || SameHeaderName(h.first, "content-length");
        });
      }
      if (!next.SameOrigin(url)) StripCredentials(request, next);
      url = std::move(next);
    }
  }

 private:
  // Takes off every credential before a hop to another origin: from the headers, from the next
  // URL's query (a Location may copy the query it came from) and from a form body that 307 or
  // 308 sends again. Once off they stay off, so the lists are cleared: a later origin's own
  // parameters of the same names are not ours to remove.
  static void StripCredentials(Request& request, Url& next) {
    CredentialPlaces& places = request.credentials;
    std::erase_if(request.headers, [&](const auto& h) {
      if (SameHeaderName(h.first, "authorization") || SameHeaderName(h.first, "proxy-authorization") ||
          SameHeaderName(h.first, "cookie")) {
        return true;
      }
      return std::any_of(places.headers.begin(), places.headers.end(),
                         [&](const std::string& n) { return SameHeaderName(h.first, n); });
    });
    if (!places.query_params.empty()) next.query = WithoutFormFields(next.query, places.query_params);
    if (!places.form_fields.empty() && !request.body.empty()) {
      request.body = WithoutFormFields(request.body, places.form_fields);
    }
    places = {};
  }

  Result<Response> Perform(const Request& request, const Target& target,
                           std::chrono::milliseconds timeout) {
    CURL* curl = ThreadHandle();
    if (curl == nullptr) return Internal("curl_easy_init failed");
    Exchange ex;
    ex.limit = request.max_response_bytes;
    std::string url = target.actual.ToString();
    // The checked address is pinned, so a second DNS answer cannot send the request elsewhere:
    // "::ADDRESS:PORT", an entry whose empty host and port match whatever the URL says (no
    // spelling of the host, IPv6 brackets or IDN, can miss it), and which names the CONNECT
    // target when a proxy tunnels. (A CURLOPT_RESOLVE entry cannot hold an IPv6 literal host.)
    std::string pin = "::";
    if (target.address.find(':') != std::string::npos) {
      pin.append("[").append(target.address).append("]");
    } else {
      pin.append(target.address);
    }
    pin.append(":").append(std::to_string(target.actual.port));
    List connect_to(curl_slist_append(nullptr, pin.c_str()));
    List headers;
    bool has_expect = false;
    bool has_type = false;
    for (const auto& [name, value] : request.headers) {
      if (IsClientHeader(name)) continue;
      if (SameHeaderName(name, "expect")) has_expect = true;
      if (SameHeaderName(name, "content-type")) has_type = true;
      std::string line = value.empty() ? name + ";" : name + ": " + value;
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    // Never wait for "100 Continue": upstreams that don't send it would cost a second.
    if (!has_expect) headers.reset(curl_slist_append(headers.release(), "Expect:"));
    // A body goes out labelled as its sender labelled it, or not at all: libcurl's own
    // "application/x-www-form-urlencoded" would mislabel text and JSON (issue 17).
    if (!has_type) headers.reset(curl_slist_append(headers.release(), "Content-Type:"));

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to.get());
    const std::string& proxy = options_.egress.proxy;
    if (proxy.empty()) {
      // "" turns libcurl's proxy off, environment variables included: a proxy Relish was not
      // told about would bypass the egress policy and the pinned address.
      curl_easy_setopt(curl, CURLOPT_PROXY, "");
    } else {
      curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());
      curl_easy_setopt(curl, CURLOPT_NOPROXY, "");  // NO_PROXY may not route around it
      // A tunnel for http:// too, to the pinned address: a forwarding proxy would resolve the
      // name itself. The request's headers go to the target only, never to the proxy.
      curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
      curl_easy_setopt(curl, CURLOPT_HEADEROPT, static_cast<long>(CURLHEADER_SEPARATE));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(timeout.count(), 10'000)));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_response_bytes));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    }
    CURLcode rc = curl_easy_perform(curl);
    const std::string& shown = target.requested.host;
    if (rc != CURLE_OK) {
      if (ex.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        return ResourceExhausted("response from " + shown + " is larger than the limit of " +
                                 std::to_string(request.max_response_bytes) + " bytes");
      }
      if (rc == CURLE_OPERATION_TIMEDOUT) {
        return DeadlineExceeded("request to " + shown + " timed out after " +
                                FormatSeconds(request.timeout));
      }
      return Unavailable("cannot reach " + shown +
                         (options_.egress.proxy.empty() ? ": " : " through the outbound proxy: ") +
                         curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    Response response;
    response.status = static_cast<int>(status);
    response.headers = std::move(ex.headers);
    response.body = std::move(ex.body);
    return response;
  }

  CurlClientOptions options_;
  EgressPolicy policy_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlClient(CurlClientOptions options) {
  return std::make_unique<CurlClient>(std::move(options));
}

}  // namespace relish::outbound
