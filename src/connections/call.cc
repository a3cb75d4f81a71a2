// The credentialed call: link name -> connection -> egress check -> credentials -> injection ->
// outbound request (retried once after a 401 with a refreshed token) -> audit.
#include <algorithm>

#include "base/encoding.h"
#include "base/fast_random.h"
#include "base/http_wire.h"
#include "base/ids.h"
#include "base/log.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

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

// Query parameter names that carry this service's credentials, for redaction.
std::vector<std::string> SecretParams(const Service& s) {
  std::vector<std::string> out;
  if (!s.inject.query.empty()) out.push_back(s.inject.query);
  if (s.api_key && s.api_key->in == KeyPlacement::kQuery) {
    for (const auto& f : s.api_key->fields) out.push_back(f.name);
  }
  return out;
}

}  // namespace

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
  std::vector<std::string> secret_params;

  auto attempt = [&]() -> Result<outbound::Response> {
    auto rp = TRY(d.ResolveForCall(ctx, link_name));
    const Resolved& r = *rp;
    audit.link_name = r.connection.link_name;
    request.url = TRY(d.AbsoluteUrl(r, ctx.environment, request.url));
    secret_params = SecretParams(*r.service);
    auto url = TRY(outbound::ParseUrl(request.url));
    audit.url = outbound::RedactQuery(url, secret_params);
    if (!TRY(HostAllowed(*r.service, r.values, url.host))) {
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
  request.url = TRY(d.AbsoluteUrl(r, ctx.environment, request.url));
  p.url = TRY(outbound::ParseUrl(request.url));
  p.audit.url = outbound::RedactQuery(p.url, SecretParams(*r.service));  // Record scrubs it
  p.request = std::move(request);  // handed back as it came when not ready
  if (!TRY(HostAllowed(*r.service, r.values, p.url.host))) return prepared;  // Call says why
  const Service& s = *r.service;
  bool tokens = s.auth == AuthScheme::kOAuth2 || s.auth == AuthScheme::kOAuth2ClientCredentials;
  std::string user = d.UserKey(r.connection, ctx.user_id);
  auto cached = d.credentials_.Get(r.connection.id + ":" + user);
  if (!cached || cached->status != Status::kConnected) return prepared;
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

void Connections::Impl::Record(AuditEntry&& entry) {
  entry.id = NewId("aud", clock_, FastRandom());  // not a secret: see base/fast_random.h
  entry.url = GlobalRedactor().Scrub(entry.url);
  std::shared_ptr<const Observers> observers;
  {
    std::lock_guard lock(audit_mu_);
    observers = observers_;
  }
  for (const auto& o : *observers) o(entry);
  bool full = false;
  {
    std::lock_guard lock(audit_mu_);
    audit_queue_.push_back(std::move(entry));
    ++audit_enqueued_;
    full = audit_queue_.size() == kAuditBatch;
  }
  if (full) audit_cv_.notify_one();
}

void Connections::Impl::AuditLoop() {
  std::vector<AuditEntry> batch;
  std::unique_lock lock(audit_mu_);
  while (true) {
    audit_cv_.wait_for(lock, kAuditTick, [&] {
      return audit_stop_ || audit_flush_ || audit_queue_.size() >= kAuditBatch;
    });
    audit_flush_ = false;
    if (audit_queue_.empty()) {
      if (audit_stop_) return;
      continue;
    }
    // The written batch's vector, emptied, becomes the next queue: no entry is moved twice and
    // the queue keeps its capacity.
    batch.swap(audit_queue_);
    lock.unlock();
    size_t n = batch.size();
    WriteAudit(batch);
    batch.clear();
    lock.lock();
    audit_written_ += static_cast<int64_t>(n);
    audit_done_cv_.notify_all();
  }
}

namespace {

// Rows per INSERT: a statement per row spent about as much on the statement (reset, bindings,
// the VM's set-up) as on the row.
constexpr size_t kAuditRowsPerInsert = 16;
constexpr size_t kAuditColumns = 17;

std::string AuditInsert(size_t rows) {
  std::string sql =
      "INSERT INTO connection_audit (id, at, org_id, environment, link_name, topping, user_id,"
      " run_id, origin, method, url, status, latency_us, bytes_out, bytes_in, error, note) VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < kAuditColumns; ++c) sql += c == 0 ? "?" : ", ?";
    sql += ")";
  }
  return sql;
}

}  // namespace

void Connections::Impl::WriteAudit(const std::vector<AuditEntry>& batch) {
  static const std::string kFullInsert = AuditInsert(kAuditRowsPerInsert);
  std::vector<store::ValueRef> params;
  params.reserve(kAuditRowsPerInsert * kAuditColumns);
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    for (size_t i = 0; i < batch.size(); i += kAuditRowsPerInsert) {
      size_t rows = std::min(kAuditRowsPerInsert, batch.size() - i);
      params.clear();
      for (size_t k = i; k < i + rows; ++k) {
        const AuditEntry& e = batch[k];
        params.emplace_back(std::string_view(e.id));
        params.emplace_back(e.at);
        for (const auto* text : {&e.org_id, &e.environment, &e.link_name, &e.topping, &e.user_id,
                                 &e.run_id, &e.origin, &e.method, &e.url}) {
          params.emplace_back(std::string_view(*text));
        }
        params.emplace_back(int64_t{e.status});
        params.emplace_back(e.latency_us);
        params.emplace_back(e.bytes_out);
        params.emplace_back(e.bytes_in);
        params.emplace_back(std::string_view(e.error));
        params.emplace_back(std::string_view(e.note));
      }
      TRY(tx.ExecRefs(rows == kAuditRowsPerInsert ? kFullInsert : AuditInsert(rows), params));
    }
    return Ok();
  });
  if (!r.ok()) spdlog::error("writing {} audit entries failed: {}", batch.size(), r.error().message());
}

void Connections::FlushAudit() {
  Impl& d = *impl_;
  std::unique_lock lock(d.audit_mu_);
  int64_t target = d.audit_enqueued_;
  if (d.audit_written_ >= target) return;
  d.audit_flush_ = true;  // wake the writer now rather than at its next tick
  d.audit_cv_.notify_one();
  d.audit_done_cv_.wait(lock, [&] { return d.audit_written_ >= target; });
}

void Connections::OnAudit(std::function<void(const AuditEntry&)> observer) {
  std::lock_guard lock(impl_->audit_mu_);
  auto next = std::make_shared<Impl::Observers>(*impl_->observers_);
  next->push_back(std::move(observer));
  impl_->observers_ = std::move(next);
}

Result<std::vector<AuditEntry>> Connections::Audit(std::string_view org_id,
                                                   std::string_view run_id, int limit) {
  FlushAudit();
  auto rows = TRY(store::Transact(impl_->store_, TxMode::kRead, [&](Transaction& tx) {
    std::string sql =
        "SELECT id, at, org_id, environment, link_name, topping, user_id, run_id, origin, method,"
        " url, status, latency_us, bytes_out, bytes_in, error, note FROM connection_audit"
        " WHERE org_id = ?";
    if (!run_id.empty()) {
      // The run index is partial (run_id != ''): the query must say so for SQLite to use it.
      return tx.Query(sql + " AND run_id = ? AND run_id != '' ORDER BY id DESC LIMIT ?", org_id,
                      run_id, limit);
    }
    return tx.Query(sql + " ORDER BY id DESC LIMIT ?", org_id, limit);
  }));
  std::vector<AuditEntry> out;
  for (const auto& r : rows) {
    AuditEntry e;
    e.id = r.Text(0);
    e.at = r.Int(1);
    e.org_id = r.Text(2);
    e.environment = r.Text(3);
    e.link_name = r.Text(4);
    e.topping = r.Text(5);
    e.user_id = r.Text(6);
    e.run_id = r.Text(7);
    e.origin = r.Text(8);
    e.method = r.Text(9);
    e.url = r.Text(10);
    e.status = static_cast<int>(r.Int(11));
    e.latency_us = r.Int(12);
    e.bytes_out = r.Int(13);
    e.bytes_in = r.Int(14);
    e.error = r.Text(15);
    e.note = r.Text(16);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace relish::connections
