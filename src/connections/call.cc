// The credentialed call: link name -> connection -> egress check -> credentials -> injection ->
// outbound request (retried once after a 401 with a refreshed token) -> audit (audit.cc).
#include <algorithm>

#include "base/encoding.h"
#include "base/http_wire.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {

namespace {

// Sets a header, replacing any the caller set under the same name; reports a replacement.
void PutHeader(outbound::Headers& headers, const std::string& name, std::string value,
               std::string* note) {
  bool replaced = false;
  std::erase_if(headers, [&](const auto& h) {
    if (SameHeaderName(h.first, name)) {
      replaced = true;
      return true;
    }
    return false;
  });
  if (replaced && note != nullptr) {
    *note += (note->empty() ? "" : "; ") + std::string("replaced the caller's ") + name + " header";
  }
  headers.emplace_back(name, std::move(value));
}

std::string AddQuery(const std::string& url, const std::string& name, const std::string& value) {
  auto parsed = outbound::ParseUrl(url);
  if (!parsed.ok()) return url;
  // Drop a same-named parameter the caller put there: the connection's value wins.
  auto pairs = ParseFormEncoded(parsed->query);
  std::erase_if(pairs, [&](const auto& p) { return p.first == name; });
  pairs.emplace_back(name, value);
  parsed->query = FormBody(pairs);
  return parsed->ToString();
}

// One of the values an API key, Basic or bearer connection was given. A service whose fields
// changed since (a custom service renamed its key field) leaves the stored credentials without
// it: that is the user's to fix, not a crash.
Result<const std::string*> CredentialField(const Resolved& r, const Credentials& c,
                                           const std::string& name) {
  auto it = c.fields.find(name);
  if (it == c.fields.end()) {
    return FailedPrecondition("connection '" + r.connection.link_name + "' has no '" + name +
                              "' credential (its service " + r.service->id +
                              " changed since they were set); set its credentials again");
  }
  return &it->second;
}

const std::string* FindHeader(const outbound::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (SameHeaderName(k, name)) return &v;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> SecretParams(const Service& s) {
  std::vector<std::string> out;
  if (!s.inject.query.empty()) out.push_back(s.inject.query);
  // A form-placed key goes into the query of a GET, DELETE or HEAD.
  if (s.api_key && s.api_key->in != KeyPlacement::kHeader) {
    for (const auto& f : s.api_key->fields) out.push_back(f.name);
  }
  return out;
}

Result<CallTarget> Connections::Impl::Target(const Resolved& r, std::string_view environment,
                                             const std::string& url) {
  CallTarget t;
  if (r.base) {
    if (auto joined = outbound::AppendPlainPath(*r.base, r.base_url, url)) {
      t.text = r.base_url + url;
      t.url = std::move(*joined);
      t.allowed = r.base_origin_allowed;
      return t;
    }
  }
  t.text = url.starts_with('/') ? TRY(BaseUrl(r, environment)) + url : url;
  t.url = TRY(outbound::ParseUrl(t.text));
  t.allowed = AnyOriginMatches(r.allowed, t.url);
  return t;
}

Result<void> Connections::Impl::Inject(const Resolved& r, const Credentials& c,
                                       outbound::Request& request, std::string* note) {
  const Service& s = *r.service;
  for (const auto& [name, value] : s.headers) {
    if (FindHeader(request.headers, name) == nullptr) {
      request.headers.emplace_back(name, TRY(Expand(value, r.values)));
    }
  }
  auto token_value = [&](const std::string& token) {
    return s.inject.prefix.empty() ? token : s.inject.prefix + " " + token;
  };
  switch (s.auth) {
    case AuthScheme::kNone:
      return Ok();
    case AuthScheme::kOAuth2:
    case AuthScheme::kOAuth2ClientCredentials:
    case AuthScheme::kBearer: {
      const std::string& token =
          s.auth == AuthScheme::kBearer ? *TRY(CredentialField(r, c, "token")) : c.access_token;
      if (!s.inject.query.empty()) {
        request.url = AddQuery(request.url, s.inject.query, token);
        request.credentials.query_params.push_back(s.inject.query);
      } else {
        PutHeader(request.headers, s.inject.header, token_value(token), note);
        request.credentials.headers.push_back(s.inject.header);
      }
      return Ok();
    }
    case AuthScheme::kBasic: {
      std::string pair =
          *TRY(CredentialField(r, c, "username")) + ":" + *TRY(CredentialField(r, c, "password"));
      PutHeader(request.headers, s.inject.header, s.inject.prefix + " " + Base64Encode(pair), note);
      request.credentials.headers.push_back(s.inject.header);
      return Ok();
    }
    case AuthScheme::kApiKey: {
      for (const auto& f : s.api_key->fields) {
        const std::string& value = *TRY(CredentialField(r, c, f.name));
        switch (s.api_key->in) {
          case KeyPlacement::kHeader:
            PutHeader(request.headers, f.name, f.prefix.empty() ? value : f.prefix + " " + value, note);
            request.credentials.headers.push_back(f.name);
            break;
          case KeyPlacement::kQuery:
            request.url = AddQuery(request.url, f.name, value);
            request.credentials.query_params.push_back(f.name);
            break;
          case KeyPlacement::kForm: {
            const std::string* type = FindHeader(request.headers, "Content-Type");
            bool form = type != nullptr &&
                        type->find("application/x-www-form-urlencoded") != std::string::npos;
            if (request.method == "GET" || request.method == "DELETE" || request.method == "HEAD") {
              request.url = AddQuery(request.url, f.name, value);
              request.credentials.query_params.push_back(f.name);
            } else if (form || request.body.empty()) {
              if (type == nullptr) {
                request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
              }
              auto pairs = ParseFormEncoded(request.body);
              std::erase_if(pairs, [&](const auto& p) { return p.first == f.name; });
              pairs.emplace_back(f.name, value);
              request.body = FormBody(pairs);
              request.credentials.form_fields.push_back(f.name);
            } else {
              return InvalidArgument("service " + s.id + " takes its API key as a form field, "
                                     "but this request's body is not a form");
            }
            break;
          }
        }
      }
      return Ok();
    }
    case AuthScheme::kOAuth1: {
      auto client = TRY(LoadClient(r.connection.org_id, r.connection.environment, s.id));
      std::vector<std::pair<std::string, std::string>> form;
      const std::string* type = FindHeader(request.headers, "Content-Type");
      if (type != nullptr && type->find("application/x-www-form-urlencoded") != std::string::npos) {
        form = ParseFormEncoded(request.body);
      }
      request.credentials.headers.push_back("Authorization");
      PutHeader(request.headers, "Authorization",
                OAuth1Header(request.method, request.url, form, client.client_id,
                             client.client_secret, c.access_token, c.token_secret, {},
                             random_.Token(16), clock_.NowMillis() / 1000),
                note);
      return Ok();
    }
  }
  return Ok();
}

Result<outbound::Response> Connections::Call(const CallContext& ctx, std::string_view link_name,
                                             outbound::Request request) {
  Impl& d = *impl_;
  AuditEntry audit;
  audit.at = d.clock_.NowMillis();
  audit.org_id = ctx.org_id;
  audit.environment = ctx.environment;
  audit.link_name = std::string(link_name);
  audit.topping = ctx.topping;
  audit.user_id = ctx.user_id;
  audit.run_id = ctx.run_id;
  audit.origin = ctx.origin;
  audit.method = request.method;
  audit.bytes_out = static_cast<int64_t>(request.body.size());
  auto started = std::chrono::steady_clock::now();
  // The registry of the credentials last used: masked in whatever this call hands back.
  std::shared_ptr<const SecretValues> secrets;

  auto attempt = [&]() -> Result<outbound::Response> {
    auto rp = TRY(d.ResolveForCall(ctx, link_name));
    const Resolved& r = *rp;
    audit.link_name = r.connection.link_name;
    auto target = TRY(d.Target(r, ctx.environment, request.url));
    request.url = std::move(target.text);
    const outbound::Url& url = target.url;
    audit.url = outbound::RedactQuery(url, r.secret_params);
    if (!target.allowed) {
      // Origins as allowed_hosts entries are written: a bare host is https on port 443.
      return PermissionDenied("connection '" + r.connection.link_name + "' (service " +
                              r.service->id + ") may not send credentials to " + OriginEntry(url) +
                              "; allowed: " + DescribeOrigins(r.allowed));
    }
    auto c = TRY(d.Usable(r, ctx.user_id, false, 0));
    secrets = c.secrets;
    outbound::Request first = request;
    TRY(d.Inject(r, c, first, &audit.note));
    auto response = TRY(d.Http(ctx.environment).Send(std::move(first)));
    bool refreshable = (r.service->auth == AuthScheme::kOAuth2 && !c.refresh_token.empty()) ||
                       r.service->auth == AuthScheme::kOAuth2ClientCredentials;
    if (response.status != 401 || !refreshable) return response;
    // The token was refused: refresh once (unless someone else just did) and retry once.
    auto fresh = d.Usable(r, ctx.user_id, true, c.version);
    if (!fresh.ok()) return response;  // hand the 401 back; the connection's status says why
    outbound::Request second = request;
    std::string note2;
    secrets = fresh->secrets;
    TRY(d.Inject(r, *fresh, second, &note2));
    audit.note += (audit.note.empty() ? "" : "; ") + std::string("retried after 401 with a refreshed token");
    return d.Http(ctx.environment).Send(std::move(second));
  };
  auto result = attempt();
  audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  if (audit.url.empty()) audit.url = request.url;  // Record scrubs it
  if (secrets) {
    if (result.ok()) {
      ScrubAnswer(*secrets, *result);
    } else {
      result = ScrubError(*secrets, result.error());
    }
    secrets->ScrubInPlace(audit.url);
    secrets->ScrubInPlace(audit.note);
  }
  if (result.ok()) {
    audit.status = result->status;
    audit.bytes_in = static_cast<int64_t>(result->body.size());
  } else {
    audit.error = result.error().message();
  }
  d.Record(std::move(audit));
  return result;
}

Result<std::unique_ptr<Connections::Prepared>> Connections::Prepare(const CallContext& ctx,
                                                                   std::string_view link_name,
                                                                   outbound::Request request) {
  Impl& d = *impl_;
  auto prepared = std::make_unique<Prepared>();
  Prepared& p = *prepared;
  p.started = std::chrono::steady_clock::now();
  p.audit.at = d.clock_.NowMillis();
  p.audit.org_id = ctx.org_id;
  p.audit.environment = ctx.environment;
  p.audit.topping = ctx.topping;
  p.audit.user_id = ctx.user_id;
  p.audit.run_id = ctx.run_id;
  p.audit.origin = ctx.origin;
  p.audit.method = request.method;
  p.audit.bytes_out = static_cast<int64_t>(request.body.size());
  auto rp = TRY(d.ResolveForCall(ctx, link_name));
  const Resolved& r = *rp;
  p.audit.link_name = r.connection.link_name;
  auto target = TRY(d.Target(r, ctx.environment, request.url));
  request.url = std::move(target.text);
  p.url = std::move(target.url);
  p.audit.url = outbound::RedactQuery(p.url, r.secret_params);  // Record scrubs it
  p.request = std::move(request);  // handed back as it came when not ready
  if (!target.allowed) return prepared;  // Call says why
  const Service& s = *r.service;
  bool tokens = s.auth == AuthScheme::kOAuth2 || s.auth == AuthScheme::kOAuth2ClientCredentials;
  std::string user = d.UserKey(r.connection, ctx.user_id);
  auto entry = d.credentials_.Get(r.connection.id + ":" + user);
  if (!entry || (*entry)->status != Status::kConnected) return prepared;
  const Credentials* cached = entry->get();
  if (Impl::Stale(r, *cached)) return prepared;  // Call refuses them
  int64_t now = d.clock_.NowMillis();
  if (tokens && (cached->access_token.empty() ||
                 (cached->expires_at && *cached->expires_at - d.options_.refresh_margin.count() <= now))) {
    return prepared;
  }
  p.refreshable = (s.auth == AuthScheme::kOAuth2 && !cached->refresh_token.empty()) ||
                  s.auth == AuthScheme::kOAuth2ClientCredentials;
  // A 401 sends the request again through Call, which must see it without these credentials.
  if (p.refreshable) p.original = p.request;
  TRY(d.Inject(r, *cached, p.request, &p.audit.note));
  // A credential in the query (an API key, a token in inject.query) changed the URL the client
  // sends, which it takes parsed.
  if (!p.request.credentials.query_params.empty()) {
    if (auto parsed = outbound::ParsePlainUrl(p.request.url)) {
      p.url = std::move(*parsed);
    } else {
      p.url = TRY(outbound::ParseUrl(p.request.url));
    }
  }
  p.secrets = cached->secrets;
  p.ready = true;
  return prepared;
}

bool Connections::Finish(Prepared& p, Result<outbound::Response>& response) {
  if (response.ok() && response->status == 401 && p.refreshable) return true;
  p.audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - p.started)
                           .count();
  // The proxy's hot path: a few searches over the answer for this connection's few secrets.
  if (p.secrets) {
    if (response.ok()) {
      ScrubAnswer(*p.secrets, *response);
    } else {
      response = ScrubError(*p.secrets, response.error());
    }
    p.secrets->ScrubInPlace(p.audit.url);
  }
  if (response.ok()) {
    p.audit.status = response->status;
    p.audit.bytes_in = static_cast<int64_t>(response->body.size());
  } else {
    p.audit.error = response.error().message();
  }
  impl_->Record(std::move(p.audit));
  return false;
}

}  // namespace relish::connections
