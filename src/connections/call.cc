// The credentialed call: link name -> connection -> egress check -> credentials -> injection ->
// outbound request (retried once after a 401 with a refreshed token) -> audit (audit.cc).
#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

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
                                             outbound::Request request, RetryMode retry,
                                             std::optional<Refused> refused) {
  Impl& d = *impl_;
  AuditEntry base;
  base.org_id = ctx.org_id;
  base.environment = ctx.environment;
  base.link_name = std::string(link_name);
  base.topping = ctx.topping;
  base.user_id = ctx.user_id;
  base.run_id = ctx.run_id;
  base.origin = ctx.origin;
  base.method = request.method;
  base.bytes_out = static_cast<int64_t>(request.body.size());
  // The registry of the credentials last used: masked in whatever this call hands back.
  std::shared_ptr<const SecretValues> secrets;
  RetryPlan plan;  // known once the service is
  // The call's room under its connection's limits: taken once, for all its attempts.
  struct Held {
    CallLimiter* limiter = nullptr;
    std::string key;
    CallLimits limits;
    ~Held() {
      if (limiter != nullptr) limiter->Release(key, limits);
    }
  } held;

  auto attempt = [&](AuditEntry& audit) -> Result<outbound::Response> {
    auto rp = TRY(d.ResolveForCall(ctx, link_name));
    const Resolved& r = *rp;
    audit.link_name = r.connection.link_name;
    plan = PlanRetries(*r.service, retry, request.method);
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
    if (held.limiter == nullptr && Limited(r.service->limits)) {
      TRY(d.limiter_.Acquire(r.connection.id, r.service->limits, r.connection.link_name));
      held.limiter = &d.limiter_;
      held.key = r.connection.id;
      held.limits = r.service->limits;
    }
    // The proxy's asynchronous half already had this version refused: refresh it first (unless
    // someone else just did) rather than send the refused token again.
    std::optional<Refused> first_refused = std::exchange(refused, std::nullopt);  // once
    auto c = TRY(d.Usable(r, ctx.user_id, first_refused.has_value(),
                          first_refused ? first_refused->version : 0));
    secrets = c.secrets;
    auto refreshed_note = [](int status) {
      return status == 401 ? std::string("retried after 401 with a refreshed token")
                           : "retried after a token-invalid answer (HTTP " + std::to_string(status) +
                                 ") with a refreshed token";
    };
    if (first_refused) {
      audit.note += (audit.note.empty() ? "" : "; ") + refreshed_note(first_refused->status);
    }
    outbound::Request first = request;
    TRY(d.Inject(r, c, first, &audit.note));
    auto response = TRY(d.Http(ctx.environment).Send(std::move(first)));
    bool refreshable = (r.service->auth == AuthScheme::kOAuth2 && !c.refresh_token.empty()) ||
                       r.service->auth == AuthScheme::kOAuth2ClientCredentials;
    if (first_refused || !refreshable || !TokenInvalid(*r.service, response)) return response;
    // The token was refused (a 401, or the service's own way of saying so): refresh once
    // (unless someone else just did) and retry once.
    auto fresh = d.Usable(r, ctx.user_id, true, c.version);
    if (!fresh.ok()) return response;  // hand the refusal back; the connection's status says why
    outbound::Request second = request;
    std::string note2;
    secrets = fresh->secrets;
    TRY(d.Inject(r, *fresh, second, &note2));
    audit.note += (audit.note.empty() ? "" : "; ") + refreshed_note(response.status);
    return d.Http(ctx.environment).Send(std::move(second));
  };

  int64_t waited = 0;
  for (int n = 1;; ++n) {
    AuditEntry audit = base;
    audit.at = d.clock_.NowMillis();
    auto started = std::chrono::steady_clock::now();
    auto result = attempt(audit);
    audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
    if (audit.url.empty()) audit.url = request.url;  // Record scrubs it
    // Whether to go again, from the answer as it came (before masking).
    std::optional<int64_t> delay;
    if (result.ok() && n < plan.max_attempts) {
      delay = RetryDelayMs(*result, n, plan.base_delay_ms, d.clock_.NowMillis(),
                           d.random_.Next64());
      if (delay && waited + *delay > plan.max_wait_ms) delay.reset();  // out of patience
    }
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
    int status = audit.status;
    d.Record(std::move(audit));
    if (!delay) return result;
    // Off the server's I/O threads (the proxy's slow path runs on its pool, functions on their
    // own threads): waiting here holds only this call.
    std::this_thread::sleep_for(std::chrono::milliseconds(*delay));
    waited += *delay;
    base.note = AttemptNote(n + 1, plan.max_attempts, status, *delay);
  }
}

Result<std::unique_ptr<Connections::Prepared>> Connections::Prepare(const CallContext& ctx,
                                                                   std::string_view link_name,
                                                                   outbound::Request request,
                                                                   RetryMode retry) {
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
  // --- Resilient calls (issue 18)
  p.retry = retry;
  p.plan = PlanRetries(s, retry, p.request.method);
  p.token_invalid_signals = !s.token_invalid.empty();
  if (p.token_invalid_signals) {  // a reference count only for services that need it in Finish
    p.service = r.service.get();
    p.hold = r.service;
  }
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
  if (Limited(s.limits)) {
    // No room now: Call waits for it (bounded) on the pool, not on this I/O thread.
    if (!d.limiter_.TryAcquire(r.connection.id, s.limits)) return prepared;
    p.limiter = &d.limiter_;
    p.limit_key = r.connection.id;
    p.limits = s.limits;
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
  p.version = cached->version;
  p.ready = true;
  return prepared;
}

Connections::Prepared::~Prepared() {
  if (limiter != nullptr) limiter->Release(limit_key, limits);
}

void Connections::ReleaseLimit(Prepared& p) {
  if (p.limiter == nullptr) return;
  p.limiter->Release(p.limit_key, p.limits);
  p.limiter = nullptr;
}

bool Connections::Finish(Prepared& p, Result<outbound::Response>& response) {
  if (response.ok() && p.refreshable &&
      (response->status == 401 ||
       (p.token_invalid_signals && TokenInvalid(*p.service, *response)))) {
    p.refused_status = response->status;
    ReleaseLimit(p);  // Call takes it again
    return true;
  }
  p.audit.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - p.started)
                           .count();
  // Whether to go again (issue 18), from the answer as it came; with retries off (the plan's
  // one attempt) this costs a comparison.
  p.retry_in_ms.reset();
  if (p.attempt < p.plan.max_attempts && response.ok()) {
    auto delay = RetryDelayMs(*response, p.attempt, p.plan.base_delay_ms,
                              impl_->clock_.NowMillis(), impl_->random_.Next64());
    if (delay && p.waited_ms + *delay <= p.plan.max_wait_ms) p.retry_in_ms = delay;
  }
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
  // Finish runs on an I/O thread, which a full audit queue must not block: an entry that finds
  // no room is held in `p` for RecordHeld, on the blocking pool (in order behind any held before).
  auto queue = [&](AuditEntry entry) {
    if (!p.held_audit.empty() || !impl_->Record(entry, /*may_wait=*/false)) {
      p.held_audit.push_back(std::move(entry));
    }
  };
  if (!p.retry_in_ms) {
    ReleaseLimit(p);
    queue(std::move(p.audit));
    return false;
  }
  // This attempt is audited; the next one starts from the same entry.
  int status = p.audit.status;
  queue(p.audit);
  ++p.attempt;
  p.waited_ms += *p.retry_in_ms;
  p.audit.at = impl_->clock_.NowMillis() + *p.retry_in_ms;
  p.audit.status = 0;
  p.audit.bytes_in = 0;
  p.audit.error.clear();
  p.audit.note = AttemptNote(p.attempt, p.plan.max_attempts, status, *p.retry_in_ms);
  p.started = std::chrono::steady_clock::now() + std::chrono::milliseconds(*p.retry_in_ms);
  return false;
}

void Connections::RecordHeld(Prepared& p) {
  for (auto& entry : p.held_audit) impl_->Record(std::move(entry));
  p.held_audit.clear();
}

}  // namespace relish::connections
