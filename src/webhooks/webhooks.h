// Webhooks: an organization's endpoints that connection events (connections/connections.h) are
// delivered to, signed with each endpoint's own secret, through the workflow module's durable
// job queue, with a log of every attempt.
//
// An event commits together with one delivery job per endpoint that wants it (OnEvent runs in
// the event's transaction). A job sends one attempt; a failed attempt (no answer, or an answer
// other than 2xx) enqueues the next one, after an exponential back-off, until the event is a
// day old (WebhookOptions). Each attempt is a row of the delivery log. The body is the event as
// GET /api/v1/connections/events shows it (EventJson); its signature header is
//   Relish-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// (docs/webhooks.md says how a receiver checks it). Deliveries go out through the outbound
// client, so the installation's egress policy applies to endpoint URLs as to any call.
//
// The secret is made here, shown once by Create and otherwise only sealed in the vault.
// Thread-safe: all state is in the store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "connections/connections.h"
#include "outbound/http_client.h"
#include "store/store.h"
#include "vault/vault.h"
#include "workflow/engine.h"
#include "workflow/queue.h"

namespace relish::webhooks {

using Json = nlohmann::ordered_json;  // keys in the order written: the body reads as documented

// The queue's job kind of one delivery attempt.
inline constexpr std::string_view kJobKind = "webhook_delivery";
inline constexpr std::string_view kSignatureHeader = "Relish-Signature";
// An organization's endpoints, at most.
inline constexpr int kMaxEndpoints = 20;

struct Endpoint {
  std::string id;  // "whe_..."
  std::string org_id;
  std::string url;
  std::string description;
  std::vector<std::string> types;  // event types it receives; empty: all
  bool enabled = true;
  std::string created_by;
  int64_t created_at = 0;
};

struct NewEndpoint {
  std::string org_id;
  std::string url;
  std::string description;
  std::vector<std::string> types;
  std::string created_by;
};

struct CreatedEndpoint {
  Endpoint endpoint;
  std::string secret;  // shown this once
};

// One attempt to deliver one event to one endpoint.
struct Delivery {
  std::string id;  // "whd_..."
  std::string org_id;
  std::string endpoint_id;
  std::string event_id;
  std::string event_type;
  int attempt = 0;  // 1, 2, ...
  int64_t at = 0;   // when it was sent, epoch ms
  // "delivered" (2xx), "retrying" (failed; another attempt is queued), "failed" (failed, and
  // the event is too old for another attempt, or the endpoint is gone or disabled).
  std::string outcome;
  int response_status = 0;  // 0: no answer
  int64_t duration_ms = 0;
  std::string error;             // why it failed, for a person (never the body it sent)
  int64_t next_attempt_at = 0;   // when retrying
};

struct DeliveryFilter {
  std::string endpoint_id;
  std::string event_id;
  std::string before;  // a page's cursor: older than this delivery id
  int limit = 100;
};

struct WebhookOptions {
  int64_t first_backoff_ms = 30'000;  // after the first failed attempt; doubles each time
  int64_t max_backoff_ms = 3'600'000;
  int64_t give_up_after_ms = 24LL * 3600 * 1000;  // no attempt starts later than this after the event
  std::chrono::milliseconds timeout{10'000};      // one attempt
};

// The event as the REST API lists it and as a delivery's body carries it.
Json EventJson(const connections::ConnectionEvent& e);

// "t=<unix_seconds>,v1=<lowercase hex HMAC-SHA256 of '<unix_seconds>.<body>' keyed by the secret>"
std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

class Webhooks {
 public:
  static std::vector<store::Migration> Migrations();

  // `http` sends the deliveries (the production client: no sandbox remap, the egress policy).
  Webhooks(store::Store& store, vault::Vault& vault, workflow::JobQueue& queue,
           outbound::HttpClient& http, const Clock& clock, Random& random,
           WebhookOptions options = {});

  // Subscribes to `connections`' events and registers the delivery jobs with `engine`. Once,
  // before the engine starts.
  void Attach(connections::Connections& connections, workflow::Engine& engine);

  Result<CreatedEndpoint> Create(const NewEndpoint& spec);
  Result<std::vector<Endpoint>> List(std::string_view org_id);
  Result<Endpoint> Get(std::string_view org_id, std::string_view id);
  Result<Endpoint> SetEnabled(std::string_view org_id, std::string_view id, bool enabled);
  // Deletes the endpoint and its delivery log; queued attempts find it gone and stop.
  Result<void> Delete(std::string_view org_id, std::string_view id);
  // Newest first.
  Result<std::vector<Delivery>> Deliveries(std::string_view org_id, const DeliveryFilter& filter);

  // In the event's transaction: one delivery job per enabled endpoint of the organization that
  // wants the event's type.
  Result<void> Enqueue(store::Transaction& tx, const connections::ConnectionEvent& event);
  // One attempt (the engine's handler for kJobKind).
  workflow::JobOutcome Deliver(const workflow::Job& job);
  // The wait before attempt `attempt` + 1 (attempt >= 1).
  int64_t BackoffMs(int attempt) const;

 private:
  Result<std::string> Secret(const Endpoint& e);

  store::Store& store_;
  vault::Vault& vault_;
  workflow::JobQueue& queue_;
  outbound::HttpClient& http_;
  const Clock& clock_;
  Random& random_;
  WebhookOptions options_;
};

}  // namespace relish::webhooks
