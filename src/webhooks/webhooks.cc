#include "webhooks/webhooks.h"

#include <sodium.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/ids.h"
#include "base/log.h"
#include "outbound/url.h"

namespace relish::webhooks {

using store::Transaction;
using store::TxMode;

namespace {

constexpr std::string_view kEndpointColumns =
    "id, org_id, url, description, types, enabled, created_by, created_at";
constexpr std::string_view kDeliveryColumns =
    "id, org_id, endpoint_id, event_id, event_type, attempt, at, outcome, response_status,"
    " duration_ms, error, next_attempt_at";
// What of an endpoint's answer the log keeps in `error`: enough to see what it said.
constexpr size_t kAnswerShown = 200;

std::string SecretOwner(std::string_view endpoint_id) {
  return "webhook:" + std::string(endpoint_id) + ":secret";
}

Endpoint EndpointFromRow(const store::Row& r) {
  Endpoint e;
  e.id = r.Text(0);
  e.org_id = r.Text(1);
  e.url = r.Text(2);
  e.description = r.Text(3);
  auto types = Json::parse(r.Text(4), nullptr, false);
  if (types.is_array()) {
    for (const auto& t : types) {
      if (t.is_string()) e.types.push_back(t.get<std::string>());
    }
  }
  e.enabled = r.Bool(5);
  e.created_by = r.Text(6);
  e.created_at = r.Int(7);
  return e;
}

Delivery DeliveryFromRow(const store::Row& r) {
  Delivery d;
  d.id = r.Text(0);
  d.org_id = r.Text(1);
  d.endpoint_id = r.Text(2);
  d.event_id = r.Text(3);
  d.event_type = r.Text(4);
  d.attempt = static_cast<int>(r.Int(5));
  d.at = r.Int(6);
  d.outcome = r.Text(7);
  d.response_status = static_cast<int>(r.Int(8));
  d.duration_ms = r.Int(9);
  d.error = r.Text(10);
  d.next_attempt_at = r.Int(11);
  return d;
}

bool Wants(const Endpoint& e, std::string_view type) {
  return e.types.empty() || std::find(e.types.begin(), e.types.end(), type) != e.types.end();
}

// Printable ASCII, cut: an endpoint's answer is for a person reading the log.
std::string Shown(std::string_view body) {
  std::string out;
  for (char ch : body.substr(0, kAnswerShown)) {
    out += (ch >= 0x20 && ch < 0x7f) ? ch : ' ';
  }
  if (body.size() > kAnswerShown) out += "...";
  return out;
}

}  // namespace

Json EventJson(const connections::ConnectionEvent& e) {
  return {{"id", e.id},
          {"type", e.type},
          {"at", e.at},
          {"organization", e.org_id},
          {"environment", e.environment},
          {"connection", {{"link_name", e.link_name}, {"service", e.service_id}}},
          {"user_id", e.user_id},
          {"actor", e.actor},
          {"status", e.status},
          {"reason", e.reason},
          {"error", e.error},
          {"error_description", e.error_description}};
}

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string t = std::to_string(unix_seconds);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(t.data()), t.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>("."), 1);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return "t=" + t + ",v1=" + HexEncode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac));
}

std::vector<store::Migration> Webhooks::Migrations() {
  return {{"webhooks", 1, "webhook endpoints and their delivery log", R"sql(
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  types TEXT NOT NULL,
  enabled BIGINT NOT NULL,
  secret TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  response_status BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  error TEXT NOT NULL,
  next_attempt_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, id);
)sql"},
          [] {
            auto sql = vault::Vault::TrackSealedColumns("webhook_endpoints", {"secret"});
            return store::Migration{"webhooks", 2, "changes to endpoint secrets numbered for "
                                    "Vault::Learn", sql.sqlite, sql.postgres};
          }()};
}

Webhooks::Webhooks(store::Store& store, vault::Vault& vault, workflow::JobQueue& queue,
                   outbound::HttpClient& http, const Clock& clock, Random& random,
                   WebhookOptions options)
    : store_(store),
      vault_(vault),
      queue_(queue),
      http_(http),
      clock_(clock),
      random_(random),
      options_(options) {
  vault_.RegisterColumn({"webhook_endpoints", "secret", "id", "'webhook:' || id || ':secret'", "org_id"});
}

void Webhooks::Attach(connections::Connections& connections, workflow::Engine& engine) {
  connections.OnEvent([this](Transaction& tx, const connections::ConnectionEvent& e) {
    return Enqueue(tx, e);
  });
  engine.AddJobKind(std::string(kJobKind),
                    [this](const workflow::Job& job) { return Deliver(job); });
}

Result<CreatedEndpoint> Webhooks::Create(const NewEndpoint& spec) {
  if (spec.url.empty()) return InvalidArgument("a webhook endpoint needs a url");
  auto url = outbound::ParseUrl(spec.url);
  if (!url.ok()) return InvalidArgument("webhook url: " + url.error().message());
  if (spec.description.size() > 200) {
    return InvalidArgument("a webhook description is at most 200 characters");
  }
  for (const auto& t : spec.types) {
    if (!connections::ValidEventType(t)) return InvalidArgument("unknown event type '" + t + "'");
  }
  CreatedEndpoint out;
  Endpoint& e = out.endpoint;
  e.id = NewId("whe", clock_, random_);
  e.org_id = spec.org_id;
  e.url = url->ToString();
  e.description = spec.description;
  e.types = spec.types;
  e.created_by = spec.created_by;
  e.created_at = clock_.NowMillis();
  out.secret = "whsec_" + random_.Token(32);
  std::string sealed = TRY(vault_.Seal(SecretOwner(e.id), out.secret, e.org_id));
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    auto count = TRY(tx.QueryOne("endpoints", "SELECT COUNT(*) FROM webhook_endpoints WHERE org_id = ?",
                                 e.org_id));
    if (count.Int(0) >= kMaxEndpoints) {
      return ResourceExhausted("an organization has at most " + std::to_string(kMaxEndpoints) +
                               " webhook endpoints");
    }
    TRY(tx.Exec("INSERT INTO webhook_endpoints (id, org_id, url, description, types, enabled,"
                " secret, created_by, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                e.id, e.org_id, e.url, e.description, Json(e.types).dump(), sealed, e.created_by,
                e.created_at));
    return Ok();
  }));
  return out;
}

Result<std::vector<Endpoint>> Webhooks::List(std::string_view org_id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<Endpoint>> {
    std::vector<Endpoint> out;
    for (const auto& r : TRY(tx.Query("SELECT " + std::string(kEndpointColumns) +
                                      " FROM webhook_endpoints WHERE org_id = ? ORDER BY id",
                                      org_id))) {
      out.push_back(EndpointFromRow(r));
    }
    return out;
  });
}

Result<Endpoint> Webhooks::Get(std::string_view org_id, std::string_view id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Endpoint> {
    auto row = TRY(tx.QueryOne("webhook endpoint '" + std::string(id) + "' not found",
                               "SELECT " + std::string(kEndpointColumns) +
                                   " FROM webhook_endpoints WHERE org_id = ? AND id = ?",
                               org_id, id));
    return EndpointFromRow(row);
  });
}

Result<Endpoint> Webhooks::SetEnabled(std::string_view org_id, std::string_view id, bool enabled) {
  auto changed = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) {
    return tx.Exec("UPDATE webhook_endpoints SET enabled = ? WHERE org_id = ? AND id = ?", enabled,
                   org_id, id);
  }));
  if (changed == 0) return NotFound("webhook endpoint '" + std::string(id) + "' not found");
  return Get(org_id, id);
}

Result<void> Webhooks::Delete(std::string_view org_id, std::string_view id) {
  auto changed = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<int64_t> {
    TRY(tx.Exec("DELETE FROM webhook_deliveries WHERE org_id = ? AND endpoint_id = ?", org_id, id));
    return tx.Exec("DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?", org_id, id);
  }));
  if (changed == 0) return NotFound("webhook endpoint '" + std::string(id) + "' not found");
  return Ok();
}

Result<std::vector<Delivery>> Webhooks::Deliveries(std::string_view org_id,
                                                   const DeliveryFilter& f) {
  std::string sql = "SELECT " + std::string(kDeliveryColumns) +
                    " FROM webhook_deliveries WHERE org_id = ?";
  std::vector<store::Value> params = {store::Value(org_id)};
  if (!f.endpoint_id.empty()) {
    sql += " AND endpoint_id = ?";
    params.emplace_back(f.endpoint_id);
  }
  if (!f.event_id.empty()) {
    sql += " AND event_id = ?";
    params.emplace_back(f.event_id);
  }
  if (!f.before.empty()) {
    sql += " AND id < ?";
    params.emplace_back(f.before);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(int64_t{f.limit});
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<Delivery>> {
    std::vector<Delivery> out;
    for (const auto& r : TRY(tx.QueryParams(sql, params))) out.push_back(DeliveryFromRow(r));
    return out;
  });
}

Result<void> Webhooks::Enqueue(Transaction& tx, const connections::ConnectionEvent& event) {
  auto rows = TRY(tx.Query("SELECT " + std::string(kEndpointColumns) +
                               " FROM webhook_endpoints WHERE org_id = ? AND enabled = 1",
                           event.org_id));
  if (rows.empty()) return Ok();
  // The body is fixed now: every attempt sends the same bytes. A provider's error text may be
  // invalid UTF-8: replaced, as API answers do, not thrown out of the storing transaction.
  std::string body = EventJson(event).dump(-1, ' ', false, Json::error_handler_t::replace);
  for (const auto& row : rows) {
    Endpoint e = EndpointFromRow(row);
    if (!Wants(e, event.type)) continue;
    workflow::NewJob job;
    job.org_id = event.org_id;
    job.environment = event.environment;
    job.kind = std::string(kJobKind);
    job.payload = {{"endpoint", e.id},
                   {"event", event.id},
                   {"type", event.type},
                   {"event_at", event.at},
                   {"body", body},
                   {"attempt", 1}};
    job.max_attempts = 3;  // leases: a worker that dies mid-attempt leaves it to another
    TRY(queue_.Enqueue(tx, job));
  }
  return Ok();
}

int64_t Webhooks::BackoffMs(int attempt) const {
  int64_t wait = options_.first_backoff_ms;
  for (int i = 1; i < attempt && wait < options_.max_backoff_ms; ++i) wait *= 2;
  return std::min(wait, options_.max_backoff_ms);
}

Result<std::string> Webhooks::Secret(const Endpoint& e) {
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("webhook endpoint", "SELECT secret FROM webhook_endpoints WHERE id = ?", e.id);
  }));
  return vault_.Open(SecretOwner(e.id), row.Text(0), e.org_id);
}

workflow::JobOutcome Webhooks::Deliver(const workflow::Job& job) {
  const Json& p = job.payload;
  Delivery d;
  d.id = workflow::SequentialId("whd", clock_, random_);  // ordered: the log lists by id
  d.org_id = job.org_id;
  d.endpoint_id = p.value("endpoint", "");
  d.event_id = p.value("event", "");
  d.event_type = p.value("type", "");
  d.attempt = p.value("attempt", 1);
  d.at = clock_.NowMillis();
  std::string body = p.value("body", "");
  int64_t event_at = p.value("event_at", int64_t{0});
  workflow::JobOutcome out;

  auto endpoint = Get(job.org_id, d.endpoint_id);
  if (!endpoint.ok()) return out;  // deleted since: nothing to deliver to, nothing to log under
  bool sent = false;
  if (!endpoint->enabled) {
    d.outcome = "failed";
    d.error = "the endpoint is disabled";
  } else if (job.exhausted) {
    d.outcome = "failed";
    d.error = "the worker sending it stopped " + std::to_string(job.max_attempts) + " times";
  } else {
    auto secret = Secret(*endpoint);
    if (!secret.ok()) {
      d.error = "cannot open the endpoint's secret: " + secret.error().message();
    } else {
      outbound::Request req;
      req.method = "POST";
      req.url = endpoint->url;
      req.body = body;
      req.timeout = options_.timeout;
      req.max_redirects = 0;  // a signed delivery goes where it was configured, nowhere else
      req.max_response_bytes = 64 * 1024;
      req.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", "Relish-Webhooks/1"},
                     {"Relish-Event-Id", d.event_id},
                     {"Relish-Event-Type", d.event_type},
                     {"Relish-Delivery-Attempt", std::to_string(d.attempt)},
                     {std::string(kSignatureHeader), SignatureHeader(*secret, d.at / 1000, body)}};
      auto started = std::chrono::steady_clock::now();
      auto response = http_.Send(std::move(req));
      d.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
      sent = true;
      if (!response.ok()) {
        d.error = response.error().message();
      } else {
        d.response_status = response->status;
        if (response->status >= 200 && response->status < 300) {
          d.outcome = "delivered";
        } else {
          d.error = "the endpoint answered HTTP " + std::to_string(response->status);
          if (!response->body.empty()) d.error += ": " + Shown(response->body);
        }
      }
    }
  }
  if (d.outcome.empty()) {
    int64_t next = clock_.NowMillis() + BackoffMs(d.attempt);
    if (sent && next <= event_at + options_.give_up_after_ms) {
      d.outcome = "retrying";
      d.next_attempt_at = next;
      workflow::NewJob again;
      again.org_id = job.org_id;
      again.environment = job.environment;
      again.kind = job.kind;
      again.payload = p;
      again.payload["attempt"] = d.attempt + 1;
      again.run_at = next;
      again.max_attempts = job.max_attempts;
      out.followups.push_back(std::move(again));
    } else {
      d.outcome = "failed";
    }
  }
  auto logged = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type,"
                " attempt, at, outcome, response_status, duration_ms, error, next_attempt_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                d.id, d.org_id, d.endpoint_id, d.event_id, d.event_type, d.attempt, d.at,
                d.outcome, d.response_status, d.duration_ms, d.error, d.next_attempt_at));
    return Ok();
  });
  if (!logged.ok()) {
    // The endpoint was deleted during the attempt (its log went with it), or the store failed.
    spdlog::warn("webhook {}: cannot log delivery of event {}: {}", d.endpoint_id, d.event_id,
                 logged.error().message());
  }
  return out;
}

}  // namespace relish::webhooks
