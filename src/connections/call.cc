// The credentialed call: link name -> connection -> egress check -> credentials -> injection ->
// outbound request (retried once after a 401 with a refreshed token) -> audit (audit.cc).
#include <algorithm>

#include "base/encoding.h"
#include "base/http_wire.h"
#include "base/log.h"
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
  if (s.api_key && s.api_key->in == KeyPlacement::kQuery) {
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
      t.allowed = r.base_host_allowed;
      return t;
    }
  }
  t.text = url.starts_with('/') ? TRY(BaseUrl(r, environment)) + url : url;
  t.url = TRY(outbound::ParseUrl(t.text));
  t.allowed = TRY(HostAllowed(*r.service, r.values, t.url.host));
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
      const std::string& token = s.auth == AuthScheme::kBearer ? c.fields.at("token") : c.access_token;
      if (!s.inject.query.empty()) {
        request.url = AddQuery(request.url, s.inject.query, token);
      } else {
        PutHeader(request.headers, s.inject.header, token_value(token), note);
        if (s.inject.header != "Authorization") request.credential_headers.push_back(s.inject.header);
      }
      return Ok();
    }
    case AuthScheme::kBasic: {
      std::string pair = c.fields.at("username") + ":" + c.fields.at("password");
      PutHeader(request.headers, s.inject.header, s.inject.prefix + " " + Base64Encode(pair), note);
      return Ok();
    }
    case AuthScheme::kApiKey: {
      for (const auto& f : s.api_key->fields) {
        const std::string& value = c.fields.at(f.name);
        switch (s.api_key->in) {
          case KeyPlacement::kHeader:
            PutHeader(request.headers, f.name, f.prefix.empty() ? value : f.prefix + " " + value, note);
            request.credential_headers.push_back(f.name);
            break;
          case KeyPlacement::kQuery:
            request.url = AddQuery(request.url, f.name, value);
            break;
          case KeyPlacement::kForm: {
            const std::string* type = FindHeader(request.headers, "Content-Type");
            bool form = type != nullptr &&
                        type->find("application/x-www-form-urlencoded") != std::string::npos;
            if (request.method == "GET" || request.method == "DELETE" || request.method == "HEAD") {
              request.url = AddQuery(request.url, f.name, value);
            } else if (form || request.body.empty()) {
              if (type == nullptr) {
                request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
              }
              auto pairs = ParseFormEncoded(request.body);
              std::erase_if(pairs, [&](const auto& p) { return p.first == f.name; });
              pairs.emplace_back(f.name, value);
              request.body = FormBody(pairs);
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
      auto client = TRY(LoadClient(r.connection.org_id, s.id));
      std::vector<std::pair<std::string, std::string>> form;
      const std::string* type = FindHeader(request.headers, "Content-Type");
      if (type != nullptr && type->find("application/x-www-form-urlencoded") != std::string::npos) {
        form = ParseFormEncoded(request.body);
      }
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

  auto attempt = [&]() -> Result<outbound::Response> {
    auto rp = TRY(d.ResolveForCall(ctx, link_name));
    const Resolved& r = *rp;
    audit.link_name = r.connection.link_name;
    auto target = TRY(d.Target(r, ctx.environment, request.url));
    request.url = std::move(target.text);
    const outbound::Url& url = target.url;
    audit.url = outbound::RedactQuery(url, r.secret_params);
    if (!target.allowed) {
      std::string hosts;
      for (const auto& h : r.service->allowed_hosts) {
        hosts += (hosts.empty() ? "" : ", ") + Expand(h, r.values).value_or(h);
      }
      return PermissionDenied("connection '" + r.connection.link_name + "' (service " +
                              r.service->id + ") may not send credentials to " + url.host +
                              "; allowed: " + hosts);
    }
    auto c = TRY(d.Usable(r, ctx.user_id, false, 0));
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
    TRY(d.Inject(r, *fresh, second, &note2));
    audit.note += (audit.note.empty() ? "" : "; ") + std::string("retried after 401 with a refreshed token");
    return d.Http(ctx.environment).Send(std::move(second));
  };
  auto result = attempt();
  audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  if (audit.url.empty()) audit.url = GlobalRedactor().Scrub(request.url);
  if (result.ok()) {
    audit.status = result->status;
    audit.bytes_in = static_cast<int64_t>(result->body.size());
  } else {
    audit.error = GlobalRedactor().Scrub(result.error().message());
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
  p.ready = true;
  return prepared;
}

bool Connections::Finish(Prepared& p, const Result<outbound::Response>& response) {
  if (response.ok() && response->status == 401 && p.refreshable) return true;
  p.audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - p.started)
                           .count();
  if (response.ok()) {
    p.audit.status = response->status;
    p.audit.bytes_in = static_cast<int64_t>(response->body.size());
  } else {
    p.audit.error = GlobalRedactor().Scrub(response.error().message());
  }
  impl_->Record(std::move(p.audit));
  return false;
}

}  // namespace relish::connections
