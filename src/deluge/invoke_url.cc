// invokeurl, getUrl and postUrl: Deluge's request encoding and response shaping
// (docs/language/invokeurl-and-tasks.md). The host only moves bytes.
#include "base/http_wire.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/json.h"
#include "deluge/text_util.h"

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

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string out;
  for (char c : bytes) EncodeUtf8(static_cast<unsigned char>(c), out);
  return out;
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
      method != "DELETE" && method != "HEAD") {
    return Fail(Msg::kBadHttpMethod, {method});
  }
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
  bool json_body = ct_header != nullptr && ToLower(*ct_header).find("json") != std::string::npos;

  // Form-encodes a map's entries into an empty `out`.
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
  req.url = url;
  if (parameters.is_collection()) parameters = parameters.collection()->inner;
  if (body.is_collection()) body = body.collection()->inner;

  bool query_params = method == "GET" || method == "DELETE" || method == "HEAD" ||
                      !body.is_null() || !files.is_null();
  if (parameters.is_map()) {
    std::string encoded;
    if (!form(parameters, encoded)) return Value::Abort();
    if (query_params && files.is_null()) {
      append_query(encoded);
    } else if (files.is_null()) {
      req.body = std::move(encoded);
      if (ct_header == nullptr) {
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
    }
  } else if (!parameters.is_null()) {
    if (!Display(parameters, req.body)) return Value::Abort();  // text is sent as it is
  }

  if (!files.is_null()) {
    // multipart/form-data: each file, then each parameter as a text part. Each part is checked
    // before it is appended: a list holding one large file many times is small in memory, not
    // as a body.
    std::string mp;
    auto part = [&](std::string_view name, std::string_view filename, std::string_view type,
                    std::string_view bytes) {
      size_t head = kBoundary.size() + name.size() + filename.size() + type.size() + 96;
      if (!CheckText(mp.size() + head + bytes.size())) return false;
      mp += "--";
      mp += kBoundary;
      mp += "\r\nContent-Disposition: form-data; name=\"";
      mp += name;
      mp += '"';
      if (!filename.empty()) {
        mp += "; filename=\"";
        mp += filename;
        mp += '"';
      }
      mp += "\r\n";
      if (!type.empty()) {
        mp += "Content-Type: ";
        mp += type;
        mp += "\r\n";
      }
      mp += "\r\n";
      mp += bytes;
      mp += "\r\n";
      return true;
    };
    auto add = [&](const Value& f) -> bool {
      if (f.is_file()) {
        return part(
            "file", f.file()->name,
            f.file()->content_type.empty() ? "application/octet-stream" : f.file()->content_type,
            f.file()->bytes);
      }
      if (f.is_map()) {
        auto get = [&](std::string_view k) -> Value {
          Value* v = f.map()->map.Find(k, HashText(k));
          return v ? *v : Value();
        };
        std::string name;
        std::string string_part;
        if (!Display(get("paramName"), name) || !Display(get("stringPart"), string_part)) {
          return false;
        }
        Value content = get("content");
        if (content.is_file()) {
          return part(name, content.file()->name, content.file()->content_type,
                      content.file()->bytes);
        }
        std::string text;
        if (!content.is_null() && !Display(content, text)) return false;
        return part(name, "", "", text);
      }
      return Fail(Msg::kCastError, {TypeName(f.type()), "FILE", "files"}), false;
    };
    if (files.is_list()) {
      for (const Value& f : files.list()->items) {
        if (!add(f)) return Value::Abort();
      }
    } else if (!add(files)) {
      return Value::Abort();
    }
    if (parameters.is_map()) {
      for (const auto& en : parameters.map()->map.entries()) {
        if (en.key.is_null()) continue;
        std::string value;
        if (!en.value.is_null() && !Display(en.value, value)) return Value::Abort();
        if (!part(en.key.text(), "", "", value)) return Value::Abort();
      }
    }
    mp += "--";
    mp += kBoundary;
    mp += "--\r\n";
    req.body = std::move(mp);
    for (auto it = req.headers.begin(); it != req.headers.end();) {
      it = EqualsIgnoreCase(it->first, "content-type") ? req.headers.erase(it) : it + 1;
    }
    req.headers.emplace_back("Content-Type",
                             "multipart/form-data; boundary=" + std::string(kBoundary));
  } else if (!body.is_null()) {
    if (body.is_text()) {
      req.body = std::string(body.text());
    } else if (body.is_file()) {
      req.body = body.file()->bytes;
      if (ct_header == nullptr && !body.file()->content_type.empty()) {
        req.headers.emplace_back("Content-Type", body.file()->content_type);
      }
    } else if (body.is_map() && !json_body) {
      if (!form(body, req.body)) return Value::Abort();
      if (ct_header == nullptr) {
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
    } else if (!Json(body, req.body)) {
      return Value::Abort();
    }
  }
  return Fetch(std::move(req), detailed, response_format, decoding);
}

Value Interp::Fetch(HttpRequest request, bool detailed, std::string_view response_format,
                    std::string_view decoding) {
  request.timeout = limits_.invokeurl_timeout;
  request.max_response_bytes = limits_.max_response_bytes;
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
      int64_t ms = limits_.invokeurl_timeout.count();
      return FailFatal(
          Msg::kLimitInvokeTimeout,
          {shown, ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms"});
    }
    if (err.code() == ErrorCode::kResourceExhausted) {
      return FailFatal(Msg::kLimitResponseSize, {shown, Size(limits_.max_response_bytes)});
    }
    return Fail(Msg::kFetchFailed, {shown, err.message()});
  }
  if (!CheckWallTime()) return Value::Abort();
  HttpResponse& r = *result;
  if (r.body.size() > limits_.max_response_bytes) {
    return FailFatal(Msg::kLimitResponseSize, {shown, Size(limits_.max_response_bytes)});
  }
  if (decoding == "ISO-8859-1" || decoding == "LATIN1" || decoding == "LATIN-1") {
    r.body = Latin1ToUtf8(r.body);
  }
  const std::string* ct = FindHeader(r.headers, "content-type");
  Value shaped;
  std::string fmt(response_format);
  if (fmt == "FILE" || (fmt.empty() && ct != nullptr && IsBinaryType(*ct))) {
    shaped = NewFile(FileNameFor(r, request.url), ct ? *ct : "", r.body);
  } else {
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
  for (const auto& [k, v] : r.headers) hdrs.map()->map.Put(Value::Text(ToLower(k)), Value::Text(v));
  m.Put(Value::Text("responseHeader"), std::move(hdrs));
  return out;
}

// ---- getUrl / postUrl (reference §4.5) ----
namespace {

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
  if (post) {
    const Value& body = args[1];
    if (body.is_map()) {
      for (const auto& en : body.map()->map.entries()) {
        if (en.key.is_null()) continue;
        std::string value;
        if (!en.value.is_null() && !in.Display(en.value, value)) return Value::Abort();
        size_t need = 0;
        if (!FormPairTo(req.body, en.key.text(), value, in.TextRoom(), need)) {
          in.CheckText(need);  // fails: names the limit
          return Value::Abort();
        }
      }
      if (!HasHeader(req.headers, "content-type")) {
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
    } else if (!body.is_null() && !in.Display(body, req.body)) {
      return Value::Abort();
    }
  }
  return in.Fetch(std::move(req), !simple, "", "");
}

Value GetUrl(Interp& in, const Value&, const Value* args, int argc) {
  return UrlCall(in, false, args, argc);
}
Value PostUrl(Interp& in, const Value&, const Value* args, int argc) {
  return UrlCall(in, true, args, argc);
}

constexpr Builtin kWeb[] = {
    {"getUrl", 1, 3, GetUrl, "web"},
    {"postUrl", 2, 4, PostUrl, "web"},
};

}  // namespace

std::span<const Builtin> WebFunctions() { return kWeb; }

}  // namespace relish::deluge
