// invokeurl, getUrl and postUrl: Deluge's request encoding and response shaping
// (docs/language/invokeurl-and-tasks.md). The host only moves bytes.
#include <iconv.h>

#include <cerrno>
#include <cstdio>

#include "base/http_wire.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/json.h"
#include "deluge/text_util.h"
#include "deluge/zoho_tasks.h"

namespace relish::deluge {
namespace {

constexpr std::string_view kBoundary = "----RelishFormBoundary7MA4YWxkTrZu0gW";

// application/x-www-form-urlencoded as Java's URLEncoder writes it: `key=value` appended to `out`
// (with '&' after the first), unless `out` would pass `room` bytes (then false, `out` unchanged:
// a map holding one large text many times must not grow a request body without bound).
bool FormPairTo(std::string& out, std::string_view key, std::string_view value, size_t room,
                size_t& need) {
  std::string pair;
  if (!out.empty()) pair += '&';
  JavaUrlEncodeTo(pair, key);
  pair += '=';
  JavaUrlEncodeTo(pair, value);
  need = out.size() + pair.size();
  if (need > room) return false;
  out += pair;
  return true;
}

// Header values from a map, each in display form; their total is bounded like a text.
bool HeadersFrom(Interp& in, const Value& map, HttpHeaders& out) {
  size_t total = 0;
  for (const auto& en : map.map()->map.entries()) {
    if (en.key.is_null()) continue;
    std::string value;
    if (!in.Display(en.value, value)) return false;
    total += en.key.text().size() + value.size();
    if (!in.CheckText(total)) return false;
    out.emplace_back(std::string(en.key.text()), std::move(value));
  }
  return true;
}

bool HasHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

const std::string* FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

std::string WithoutQuery(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

std::string Size(size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MB";
  return std::to_string(bytes) + " bytes";
}

bool IsBinaryType(std::string_view ct) {
  std::string t = ToLower(ct);
  for (std::string_view p : {"image/", "audio/", "video/", "application/octet-stream",
                             "application/pdf", "application/zip"}) {
    if (t.find(p) != std::string::npos) return true;
  }
  return false;
}

std::string FileNameFor(const HttpResponse& r, std::string_view url) {
  if (const std::string* cd = FindHeader(r.headers, "content-disposition")) {
    size_t p = cd->find("filename=");
    if (p != std::string::npos) {
      std::string name = cd->substr(p + 9);
      if (!name.empty() && name.front() == '"') name = name.substr(1, name.find('"', 1) - 1);
      return name;
    }
  }
  std::string path = WithoutQuery(url);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ---- multipart/form-data (RFC 7578) ----

// A name or filename inside a quoted Content-Disposition parameter, escaped as browsers do
// (HTML's form encoding): a quote or a line break cannot end the parameter or the header.
std::string QuotedPartName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

struct Part {
  std::string head;  // Content-Disposition and Content-Type lines, without the boundary
  const FileObj* file = nullptr;  // a file part's bytes (the file outlives the request)
  std::string text;               // a text part's bytes
  std::string_view bytes() const { return file ? std::string_view(file->bytes) : text; }
};

// Builds the parts of a multipart body: `files` (a FILE, a part map or a list of them) first,
// then the entries of a `parameters` map and of a `body` map. A FILE is sent as its bytes with
// its file name and content type; its part is named by its map key, else by setParamName, else
// "file". A list value becomes one part per element under the same name. Every part is counted
// against the text limit before it is kept: a list holding one large file many times is small
// in memory but not as a body.
bool Multipart(Interp& in, const Value& files, const Value& parameters, const Value& body,
               HttpRequest& req) {
  std::vector<Part> parts;
  size_t total = 0;
  auto keep = [&](std::string_view name, const FileObj* file, std::string text) {
    Part p;
    p.head = "Content-Disposition: form-data; name=\"" + QuotedPartName(name) + "\"";
    if (file != nullptr) {
      p.head += "; filename=\"" + QuotedPartName(file->name) + "\"\r\nContent-Type: ";
      p.head += file->content_type.empty() ? "application/octet-stream" : file->content_type;
      p.file = file;
    } else {
      p.text = std::move(text);
    }
    total += p.head.size() + p.bytes().size() + kBoundary.size() + 16;
    if (!in.CheckText(total)) return false;
    parts.push_back(std::move(p));
    return true;
  };
  auto file_name = [](const FileObj* f) -> std::string_view {
    return f->param_name.empty() ? std::string_view("file") : std::string_view(f->param_name);
  };
  // One value under `name` (empty: a FILE names itself).
  auto add_value = [&](std::string_view name, const Value& v) -> bool {
    if (v.is_file()) return keep(name.empty() ? file_name(v.file()) : name, v.file(), "");
    std::string text;
    if (!v.is_null() && !in.Display(v, text)) return false;
    return keep(name, nullptr, std::move(text));
  };
  auto add_entry = [&](std::string_view name, const Value& v) -> bool {
    if (v.is_list()) {
      for (const Value& item : v.list()->items) {
        if (!add_value(name, item)) return false;
      }
      return true;
    }
    return add_value(name, v);
  };
  auto add_file = [&](const Value& f) -> bool {
    if (f.is_file()) return add_value("", f);
    if (f.is_map()) {
      auto get = [&](std::string_view k) -> Value {
        Value* v = f.map()->map.Find(k, HashText(k));
        return v ? *v : Value();
      };
      std::string name;
      if (!in.Display(get("paramName"), name)) return false;
      Value content = get("content");
      if (content.is_file() && name.empty()) return add_value("", content);
      return add_value(name, content);
    }
    in.Fail(Msg::kCastError, {TypeName(f.type()), "FILE", "files"});
    return false;
  };
  auto add_map = [&](const Value& map) -> bool {
    for (const auto& en : map.map()->map.entries()) {
      if (en.key.is_null()) continue;
      if (!add_entry(en.key.text(), en.value)) return false;
    }
    return true;
  };
  if (files.is_list()) {
    for (const Value& f : files.list()->items) {
      if (!add_file(f)) return false;
    }
  } else if (!files.is_null() && !add_file(files)) {
    return false;
  }
  for (const Value* v : {&parameters, &body}) {
    if (v->is_map()) {
      if (!add_map(*v)) return false;
    } else if (v->is_file()) {
      if (!add_value("", *v)) return false;
    } else if (!v->is_null()) {
      std::string text;
      if (!in.Display(*v, text)) return false;
      req.body += text;  // a text under a multipart type: the script built the body itself
    }
  }
  if (parts.empty() && !req.body.empty()) return true;
  // The boundary must not occur in any part; the fixed one almost never does, and a file that
  // holds it (a multipart body uploaded as a file) gets random hex added until none does.
  std::string boundary(kBoundary);
  auto clashes = [&] {
    for (const Part& p : parts) {
      if (p.bytes().find(boundary) != std::string_view::npos) return true;
    }
    return false;
  };
  while (clashes()) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(in.host().random().Next64()));
    boundary += hex;
  }
  std::string mp;
  mp.reserve(total + boundary.size() * (parts.size() + 1));
  for (const Part& p : parts) {
    mp += "--";
    mp += boundary;
    mp += "\r\n";
    mp += p.head;
    mp += "\r\n\r\n";
    mp += p.bytes();
    mp += "\r\n";
  }
  mp += "--";
  mp += boundary;
  mp += "--\r\n";
  req.body = std::move(mp);
  std::erase_if(req.headers, [](const auto& h) { return EqualsIgnoreCase(h.first, "content-type"); });
  req.headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
  return true;
}

// ---- response text ----

// Zoho's documented download limits (docs/language/limits.md): 15 MB from Zoho's own domains,
// 5 MB from any other. A Zoho domain is a host under zoho, zohoapis or zohocloud in one of the
// data centres' suffixes.
bool IsZohoHost(std::string_view url) {
  size_t p = url.find("://");
  std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  rest = rest.substr(0, rest.find(':'));
  std::string host = ToLower(rest);
  while (!host.empty() && host.back() == '.') host.pop_back();
  for (std::string_view name : {"zoho", "zohoapis", "zohocloud"}) {
    for (std::string_view tld : {"com", "eu", "in", "jp", "sa", "uk", "ca", "com.au", "com.cn"}) {
      std::string domain = std::string(name) + "." + std::string(tld);
      if (host == domain || host.ends_with("." + domain)) return true;
    }
  }
  return false;
}

// The charset parameter of a Content-Type ("text/html; charset=Shift_JIS"), as written.
std::string CharsetOf(std::string_view content_type) {
  std::string lower = ToLower(content_type);
  size_t p = lower.find("charset=");
  if (p == std::string::npos) return "";
  std::string_view v = std::string_view(content_type).substr(p + 8);
  if (!v.empty() && v.front() == '"') {
    v.remove_prefix(1);
    v = v.substr(0, v.find('"'));
  }
  v = v.substr(0, v.find_first_of("; \t"));
  return std::string(v);
}

// Converts `bytes` in `charset` to UTF-8 with glibc's iconv; false for a charset it does not
// know. Bytes the charset cannot map become U+FFFD, as Java's decoders replace them.
bool ToUtf8(std::string_view charset, std::string_view bytes, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", std::string(charset).c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 2);
  std::string in_buf(bytes);
  char* src = in_buf.data();
  size_t left = in_buf.size();
  char chunk[4096];
  while (left > 0) {
    char* dst = chunk;
    size_t room = sizeof chunk;
    size_t rc = iconv(cd, &src, &left, &dst, &room);
    out.append(chunk, static_cast<size_t>(dst - chunk));
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ, or EINVAL (a sequence cut short): U+FFFD for the byte, then go on after it.
      out += "\xEF\xBF\xBD";
      ++src;
      --left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  char* dst = chunk;
  size_t room = sizeof chunk;
  iconv(cd, nullptr, nullptr, &dst, &room);
  out.append(chunk, static_cast<size_t>(dst - chunk));
  iconv_close(cd);
  return true;
}

bool IsUtf8Name(std::string_view charset) {
  return charset.empty() || charset == "UTF-8" || charset == "UTF8";
}

}  // namespace

Value Interp::EvalInvokeUrl(const Expr* e) {
  std::string url;
  std::string method = "GET";
  std::string content_type;
  std::string response_format;
  std::string decoding;
  bool detailed = false;
  Value parameters;
  Value body;
  Value headers;
  Value files;
  HttpRequest req;
  // invokeapi (issue 17): the URL is the service's origin at the connection's data centre + path.
  bool api = e->name == "invokeapi";
  std::string service;
  std::string path;
  for (const auto& f : e->fields) {
    Value v = Eval(f.value);
    if (v.is_abort()) return v;
    if (f.key == "parameters") {
      parameters = std::move(v);
    } else if (f.key == "body") {
      body = std::move(v);
    } else if (f.key == "headers") {
      headers = std::move(v);
    } else if (f.key == "files") {
      files = std::move(v);
    } else if (f.key == "detailed") {
      detailed = (v.is_bool() && v.AsBool()) || (v.is_text() && EqualsIgnoreCase(v.text(), "true"));
    } else {
      std::string text;
      if (!v.is_null() && !Display(v, text)) return Value::Abort();
      if (f.key == "url") url = std::move(text);
      if (f.key == "service") service = std::move(text);
      if (f.key == "path") path = std::move(text);
      if (f.key == "type") method = ToUpper(text);
      if (f.key == "contenttype") content_type = std::move(text);
      if (f.key == "connection") req.connection = std::move(text);
      if (f.key == "responseformat") response_format = ToUpper(text);
      if (f.key == "responsedecoding") decoding = ToUpper(text);
      if (f.key == "retry") {
        // true/false (a boolean or its text), "on"/"off", or "always" (POST and PATCH too).
        std::string t = ToLower(text);
        if (t == "true" || t == "on") t = "on";
        if (t == "false" || t == "off") t = "off";
        if (t != "on" && t != "off" && t != "always") {
          line_ = f.line;
          col_ = f.col;
          return Fail(Msg::kTaskFailed,
                      {"invokeurl's retry must be true, false or \"always\", not '" + text + "'"});
        }
        req.retry = std::move(t);
      }
    }
  }
  line_ = e->line;
  col_ = e->col;
  if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" &&
      method != "DELETE") {
    return Fail(Msg::kBadHttpMethod, {method});
  }
  if (api && !InvokeApiUrl(service, path, req.connection, url)) return Value::Abort();
  if (url.empty()) return Fail(Msg::kBadUrl, {url});
  if (!req.retry.empty() && req.connection.empty()) {
    return Fail(Msg::kTaskFailed, {"invokeurl's retry needs a connection: the retries follow its "
                                   "service's settings and are audited with it"});
  }
  req.method = method;

  if (headers.is_collection()) headers = headers.collection()->inner;
  if (headers.is_map()) {
    if (!HeadersFrom(*this, headers, req.headers)) return Value::Abort();
  } else if (!headers.is_null()) {
    return Fail(Msg::kCastError, {TypeName(headers.type()), "KEY-VALUE", "headers"});
  }
  if (!content_type.empty()) {
    for (auto it = req.headers.begin(); it != req.headers.end();) {
      it = EqualsIgnoreCase(it->first, "content-type") ? req.headers.erase(it) : it + 1;
    }
    req.headers.emplace_back("Content-Type", content_type);
  }
  const std::string* ct_header = FindHeader(req.headers, "content-type");
  std::string ct_lower = ct_header ? ToLower(*ct_header) : "";
  bool json_body = ct_lower.find("json") != std::string::npos;
  // `content-type: "multipart/form-data"` (or `files:`) sends real parts with a boundary.
  bool multipart = !files.is_null() || ct_lower.starts_with("multipart/form-data");

  // Form-encodes a map's entries into an empty `out`. Values are in display form: a list is
  // "a,b", a map its JSON, null an empty value (docs/language/decisions.md).
  auto form = [&](const Value& map, std::string& out) -> bool {
    for (const auto& en : map.map()->map.entries()) {
      if (en.key.is_null()) continue;
      std::string value;
      if (!en.value.is_null() && !Display(en.value, value)) return false;
      size_t need = 0;
      if (!FormPairTo(out, en.key.text(), value, TextRoom(), need)) return CheckText(need);
    }
    return true;
  };
  auto append_query = [&](std::string_view query) {
    if (query.empty()) return;
    if (req.url.find('?') == std::string::npos) {
      req.url += '?';
    } else if (req.url.back() != '?' && req.url.back() != '&') {
      req.url += '&';
    }
    req.url += query;
  };
  auto set_type = [&](std::string_view type) {
    if (FindHeader(req.headers, "content-type") == nullptr) {
      req.headers.emplace_back("Content-Type", std::string(type));
    }
  };
  req.url = url;
  if (parameters.is_collection()) parameters = parameters.collection()->inner;
  if (body.is_collection()) body = body.collection()->inner;

  if (multipart) {
    if (!Multipart(*this, files, parameters, body, req)) return Value::Abort();
    return Fetch(std::move(req), detailed, response_format, decoding);
  }

  bool query_params = method == "GET" || method == "DELETE" || !body.is_null();
  if (parameters.is_map()) {
    std::string encoded;
    if (query_params) {
      if (!form(parameters, encoded)) return Value::Abort();
      append_query(encoded);
    } else if (json_body) {
      // A map under a JSON content type is sent as JSON (decisions.md).
      if (!Json(parameters, req.body)) return Value::Abort();
    } else {
      if (!form(parameters, req.body)) return Value::Abort();
      set_type("application/x-www-form-urlencoded");
    }
  } else if (parameters.is_file()) {
    req.body = parameters.file()->bytes;
    set_type(parameters.file()->content_type.empty() ? "application/octet-stream"
                                                     : parameters.file()->content_type);
  } else if (!parameters.is_null()) {
    // Text is sent as it is, on every method (GET too: decisions.md), as text/plain unless the
    // script gave a content type.
    if (!Display(parameters, req.body)) return Value::Abort();
    set_type("text/plain");
  }

  if (!body.is_null()) {
    if (body.is_text()) {
      req.body = std::string(body.text());
      set_type("text/plain");
    } else if (body.is_file()) {
      req.body = body.file()->bytes;
      set_type(body.file()->content_type.empty() ? "application/octet-stream"
                                                 : body.file()->content_type);
    } else if (body.is_map() && !json_body) {
      if (!form(body, req.body)) return Value::Abort();
      set_type("application/x-www-form-urlencoded");
    } else if (body.is_map() || body.is_list()) {
      if (!Json(body, req.body)) return Value::Abort();
    } else {
      if (!Display(body, req.body)) return Value::Abort();
      set_type("text/plain");
    }
  }
  return Fetch(std::move(req), detailed, response_format, decoding);
}

// ---- issue 17: invokeapi ----
// Zoho resolves the service's domain from its data centre; Relish takes it from the connection
// (its captured API domain), so the connection is required and must be for that service
// (docs/language/decisions.md).
bool Interp::InvokeApiUrl(const std::string& service, const std::string& path,
                          const std::string& connection, std::string& url) {
  auto known = FindInvokeApiService(service);
  if (!known.ok()) {
    Fail(Msg::kTaskFailed, {known.error().message()});
    return false;
  }
  if (connection.empty()) {
    Fail(Msg::kInvokeApiNeedsConnection, {service});
    return false;
  }
  // A path, never a host: "//host" or "@host" after the origin would name another server.
  if (!path.starts_with('/') || path.starts_with("//")) {
    Fail(Msg::kInvokeApiBadPath, {path});
    return false;
  }
  auto origin = host_.ZohoServiceOrigin(known->id, connection);
  if (!origin.ok()) {
    Fail(Msg::kTaskFailed, {origin.error().message()});
    return false;
  }
  url = *origin + path;
  return true;
}

Value Interp::Fetch(HttpRequest request, bool detailed, std::string_view response_format,
                    std::string_view decoding) {
  request.timeout = limits_.invokeurl_timeout;
  size_t limit =
      IsZohoHost(request.url) ? limits_.max_zoho_response_bytes : limits_.max_response_bytes;
  request.max_response_bytes = limit;
  std::string shown = WithoutQuery(request.url);
  // The rules of every outbound request head (base/http_wire.h), checked here so the script gets
  // its line and the host is not asked at all: a CR or LF would start another header or request.
  if (std::string problem = UrlTextError(request.url); !problem.empty()) {
    return Fail(Msg::kRequestRefused, {QuoteForMessage(shown), problem});
  }
  for (const auto& [name, value] : request.headers) {
    if (std::string problem = HeaderFieldError(name, value); !problem.empty()) {
      return Fail(Msg::kRequestRefused, {shown, problem});
    }
  }
  auto result = host_.Fetch(request);
  if (!result.ok()) {
    const Error& err = result.error();
    if (err.code() == ErrorCode::kDeadlineExceeded) {
      return FailFatal(Msg::kLimitInvokeTimeout,
                       {shown, FormatDuration(limits_.invokeurl_timeout)});
    }
    if (err.code() == ErrorCode::kResourceExhausted) {
      return FailFatal(Msg::kLimitResponseSize, {shown, Size(limit)});
    }
    return Fail(Msg::kFetchFailed, {shown, err.message()});
  }
  if (!CheckWallTime()) return Value::Abort();
  HttpResponse& r = *result;
  if (r.body.size() > limit) {
    return FailFatal(Msg::kLimitResponseSize, {shown, Size(limit)});
  }
  const std::string* ct = FindHeader(r.headers, "content-type");
  Value shaped;
  std::string fmt(response_format);
  if (fmt == "FILE" || (fmt.empty() && ct != nullptr && IsBinaryType(*ct))) {
    shaped = NewFile(FileNameFor(r, request.url), ct ? *ct : "", r.body);
  } else {
    // response-decoding names the charset; without it, the response's own charset=; UTF-8 when
    // neither says. Whatever the charset, the text ends as valid UTF-8.
    std::string named(decoding);
    if (named.empty() && ct != nullptr) named = CharsetOf(*ct);
    std::string charset = ToUpper(named);
    if (charset == "LATIN1" || charset == "LATIN-1") charset = "ISO-8859-1";
    if (!Scan(r.body.size())) return Value::Abort();
    if (!IsUtf8Name(charset)) {
      std::string converted;
      if (!ToUtf8(charset, r.body, converted)) {
        // As the script or the answer spelled it (a host's redaction matches that spelling).
        return Fail(Msg::kTaskFailed, {"Response from " + shown + " is in the character set '" +
                                       named.substr(0, 64) + "', which is not known"});
      }
      r.body = std::move(converted);
    }
    r.body = ValidUtf8(r.body);
    size_t i = 0;
    while (i < r.body.size() &&
           (r.body[i] == ' ' || r.body[i] == '\n' || r.body[i] == '\r' || r.body[i] == '\t')) {
      ++i;
    }
    bool looks_json = i < r.body.size() && (r.body[i] == '{' || r.body[i] == '[');
    if (fmt != "TEXT" && fmt != "STRING" && looks_json) {
      Value parsed;
      std::string error;
      if (ParseJson(r.body, heap_, parsed, error)) shaped = std::move(parsed);
      if (!Scan(r.body.size())) return Value::Abort();
    }
    if (shaped.is_null()) {
      shaped = MakeText(r.body);
      if (shaped.is_abort()) return shaped;
    }
  }
  if (!detailed) return shaped;
  Value out = heap_.NewMap();
  OrderedMap& m = out.map()->map;
  m.Put(Value::Text("responseCode"), Value::Int(r.status));
  m.Put(Value::Text("responseText"), std::move(shaped));
  Value hdrs = heap_.NewMap();
  // A header sent more than once (Set-Cookie, Link, Vary) keeps every value, joined with ", " in
  // arrival order as RFC 9110 §5.3 combines them (decisions.md).
  for (const auto& [k, v] : r.headers) {
    std::string name = ToLower(k);
    Value* seen = hdrs.map()->map.Find(name, HashText(name));
    std::string value = ValidUtf8(v);
    if (seen != nullptr && seen->is_text()) {
      value = std::string(seen->text()) + ", " + value;
    }
    hdrs.map()->map.Put(Value::Text(name), Value::Text(value));
  }
  m.Put(Value::Text("responseHeader"), std::move(hdrs));
  return out;
}

// ---- getUrl / postUrl (reference §4.5) ----
namespace {

// The request of getUrl, postUrl and the deprecated invokeUrl function: a map body is
// form-encoded, a text body sent raw as text/plain (the invokeUrl function's page).
bool UrlBody(Interp& in, const Value& body, HttpRequest& req) {
  if (body.is_map()) {
    for (const auto& en : body.map()->map.entries()) {
      if (en.key.is_null()) continue;
      std::string value;
      if (!en.value.is_null() && !in.Display(en.value, value)) return false;
      size_t need = 0;
      if (!FormPairTo(req.body, en.key.text(), value, in.TextRoom(), need)) {
        in.CheckText(need);  // fails: names the limit
        return false;
      }
    }
    if (!HasHeader(req.headers, "content-type")) {
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
  } else if (!body.is_null()) {
    if (!in.Display(body, req.body)) return false;
    if (!HasHeader(req.headers, "content-type")) req.headers.emplace_back("Content-Type", "text/plain");
  }
  return true;
}

// Simple mode answers the response as text, as the pages document ("Value 'true' will return a
// simple response content as text"); detailed mode is invokeurl's `detailed: true` map.
Value UrlFetch(Interp& in, HttpRequest req, bool simple) {
  return in.Fetch(std::move(req), !simple, simple ? "TEXT" : "", "");
}

// getUrl(url[, headerMap][, simple]); postUrl(url, body[, headerMap][, simple]).
Value UrlCall(Interp& in, bool post, const Value* args, int argc) {
  std::string url;
  if (!ArgText(in, args[0], post ? "postUrl" : "getUrl", url)) return Value::Abort();
  HttpRequest req;
  req.method = post ? "POST" : "GET";
  req.url = url;
  int next = post ? 2 : 1;
  bool simple = true;
  if (argc > next && args[next].is_map()) {
    if (!HeadersFrom(in, args[next], req.headers)) return Value::Abort();
    ++next;
  }
  if (argc > next) {
    if (!args[next].is_bool()) {
      return in.Fail(Msg::kCastError,
                     {TypeName(args[next].type()), "BOOLEAN", post ? "postUrl" : "getUrl"});
    }
    simple = args[next].AsBool();
  }
  if (post && !UrlBody(in, args[1], req)) return Value::Abort();
  return UrlFetch(in, std::move(req), simple);
}

Value GetUrl(Interp& in, const Value&, const Value* args, int argc) {
  return UrlCall(in, false, args, argc);
}
Value PostUrl(Interp& in, const Value&, const Value* args, int argc) {
  return UrlCall(in, true, args, argc);
}

// The deprecated function form (deluge/help/web-data/invokeurl-function.html):
// invokeUrl(url, type[, body][, headerMap][, simple]), type one of the five methods.
Value InvokeUrlFunction(Interp& in, const Value&, const Value* args, int argc) {
  HttpRequest req;
  if (!ArgText(in, args[0], "invokeUrl", req.url)) return Value::Abort();
  std::string type;
  if (!ArgText(in, args[1], "invokeUrl", type)) return Value::Abort();
  req.method = ToUpper(type);
  if (req.method != "GET" && req.method != "POST" && req.method != "PUT" &&
      req.method != "PATCH" && req.method != "DELETE") {
    return in.Fail(Msg::kBadHttpMethod, {type});
  }
  int next = 2;
  bool simple = true;
  // The optional arguments are told apart by type: the last boolean is `simple`, a map after
  // the body is the header map.
  if (argc > next && args[argc - 1].is_bool()) {
    simple = args[argc - 1].AsBool();
    --argc;
  }
  Value body;
  if (argc > next) body = args[next++];
  if (argc > next) {
    if (!args[next].is_map()) {
      return in.Fail(Msg::kCastError, {TypeName(args[next].type()), "KEY-VALUE", "invokeUrl"});
    }
    if (!HeadersFrom(in, args[next], req.headers)) return Value::Abort();
  }
  if (body.is_collection()) body = body.collection()->inner;
  if (!UrlBody(in, body, req)) return Value::Abort();
  return UrlFetch(in, std::move(req), simple);
}

constexpr Builtin kWeb[] = {
    {"getUrl", 1, 3, GetUrl, "web"},
    {"postUrl", 2, 4, PostUrl, "web"},
    {"invokeUrl", 2, 5, InvokeUrlFunction, "web"},
};

}  // namespace

std::span<const Builtin> WebFunctions() { return kWeb; }

}  // namespace relish::deluge
