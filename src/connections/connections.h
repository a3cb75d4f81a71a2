// Connections: authorized instances of services, named by link names, and the one path by which
// anything in Relish calls an API with credentials (Call).
//
// A connection lives in an organization and an environment (sandbox or production) and is
// either shared (one authorization for everyone) or per user ("use credentials of login user":
// each user authorizes their own). Its credentials are sealed in the vault; none of them ever
// leaves this module except inside an outbound request to one of the service's allowed hosts.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/result.h"
#include "connections/catalog.h"
#include "connections/resilience.h"
#include "outbound/http_client.h"
#include "outbound/url.h"
#include "store/store.h"
#include "vault/vault.h"

namespace relish::connections {

enum class Status { kPending, kConnected, kNeedsReauth, kRevoked };
std::string_view StatusName(Status s);  // "pending", "connected", "needs_reauth", "revoked"

// The non-secret state of one authorization (the shared one, or one user's).
struct Authorization {
  std::string user_id;  // empty for the shared authorization
  Status status = Status::kPending;
  std::string reason;  // why it needs re-authorization, or the last refresh problem
  std::vector<std::string> granted_scopes;
  std::optional<int64_t> expires_at;  // access token expiry, epoch ms
  std::string account_id;             // upstream account, when the service names it
  std::optional<int64_t> authorized_at;
  std::optional<int64_t> refreshed_at;
  int64_t refresh_failures = 0;
};

struct Connection {
  std::string id;
  std::string org_id;
  std::string environment;  // "sandbox" or "production"
  std::string link_name;    // [a-z][a-z0-9_]{0,49}; toppings use "namespace__link"
  std::string display_name;
  std::string service_id;
  std::vector<std::string> scopes;  // requested
  Values params;                    // the service's connection parameters
  bool per_user = false;
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // The last call through it (audited, whatever its outcome), epoch ms; nullopt when never used.
  // Kept by the audit writer, so it may lag a call by the writer's batch interval.
  std::optional<int64_t> last_used_at;
  std::vector<Authorization> authorizations;  // shared one first, then per-user ones
};

// The authorization that decides what `user_id` gets from the connection: the shared one, or
// for a per-user connection that user's own; nullptr when there is none yet (pending).
const Authorization* AuthorizationFor(const Connection& connection, std::string_view user_id);

// SetClient with this organization id registers an OAuth client for every organization that
// has none of its own (Relish's own CRM client is such a one).
inline constexpr std::string_view kAnyOrg = "*";

struct NewConnection {
  std::string org_id;
  std::string environment = "sandbox";
  std::string display_name;
  std::string link_name;  // empty: generated from display_name
  std::string service_id;
  std::vector<std::string> scopes;  // empty: the service's default scopes
  Values params;
  bool per_user = false;
  std::string created_by;
};

// Where a call comes from, for link-name resolution, per-user credentials and the audit.
struct CallContext {
  std::string org_id;
  std::string environment;
  std::string topping;  // namespace of the running topping, or empty
  std::string user_id;  // the acting user (per-user connections use their authorization)
  std::string run_id;   // the function run, to tie audit entries to an execution log
  std::string origin;   // "function", "task", "proxy", "test"
};

struct AuditEntry {
  std::string id;
  int64_t at = 0;
  std::string org_id;
  std::string environment;
  std::string link_name;
  std::string topping;
  std::string user_id;
  std::string run_id;
  std::string origin;
  std::string method;
  std::string url;  // credentials removed
  int status = 0;   // 0 when no response
  int64_t latency_us = 0;
  int64_t bytes_out = 0;
  int64_t bytes_in = 0;
  std::string error;
  std::string note;  // e.g. "replaced the caller's Authorization header"
};

// Which audit entries to read, newest first; each empty field matches everything.
struct AuditFilter {
  std::string run_id;
  std::string environment;  // the request's; an entry is its connection's
  std::string link_name;
  std::string origin;       // "function", "task", "proxy", "test", "service"
  // "ok" (2xx, 3xx), "error" (anything else, no answer included) or a status code ("404").
  std::string status;
  int64_t since_ms = 0;     // entries at or after; 0: no bound
  int64_t until_ms = 0;     // entries before; 0: no bound
  int limit = 100;
};

// The status and time filters look at no more than this many newest entries of the organization
// (or of each of the connection's contexts): a filter that matches nothing must not read a busy
// organization's every row.
inline constexpr int kAuditScanWindow = 50'000;

// Whether `status` is a status filter AuditFilter accepts.
bool ValidAuditStatus(std::string_view status);

// ---- Connection events (issue 18) -----------------------------------------------------------
// Every change of a connection's state is an event, stored per organization and environment and
// handed, inside the transaction that stores it, to the observers (webhook delivery enqueues
// its jobs there, so an event and its deliveries commit together). An event holds no secret:
// `reason` and `error_description` are what Relish or the provider said, with the connection's
// secrets masked.
//
// Types: created, authorized, reauthorized, refresh_failed, needs_reauth, revoked, deleted,
// policy_changed, probe_failed, probe_ok.
struct ConnectionEvent {
  std::string id;  // "evt_..." (time-ordered)
  int64_t at = 0;  // epoch ms
  std::string org_id;
  std::string environment;
  std::string link_name;
  std::string service_id;
  std::string type;
  std::string user_id;  // whose authorization (per-user connections), else ""
  std::string actor;    // the user who caused it, or "" for Relish itself (a refresh)
  std::string status;   // the authorization's status afterwards ("" when not applicable)
  std::string reason;   // what happened, for a person
  std::string error;    // the provider's error code (e.g. "invalid_grant"), when it gave one
  std::string error_description;  // and its error_description
};

// Whether `type` is one of the event types above.
bool ValidEventType(std::string_view type);

// Which events to read, newest first; empty fields match everything.
struct EventFilter {
  std::string environment;
  std::string link_name;
  std::string type;
  int64_t since_ms = 0;  // at or after
  int64_t until_ms = 0;  // before
  std::string before;    // a page's cursor: events older than this id
  int limit = 100;
};

// Called inside the transaction that stores an event; an error rolls the event back (and is
// logged: the change it reports has happened all the same).
using EventObserver = std::function<Result<void>(store::Transaction&, const ConnectionEvent&)>;

struct ConnectionsOptions {
  std::string public_url;  // for redirect URIs and {public_url}
  // The sandbox host remap (host -> origin); also applied to the authorize URLs handed to the
  // browser for sandbox connections, so a local stand-in can play the provider end to end.
  std::map<std::string, std::string> sandbox_remap;
  // The production host remap: empty unless the installation says so (production_remap), for
  // a staging installation that tests offline.
  std::map<std::string, std::string> production_remap;
  std::chrono::milliseconds refresh_margin{5 * 60 * 1000};
  std::chrono::milliseconds state_ttl{10 * 60 * 1000};
  int max_refresh_failures = 5;
  std::chrono::milliseconds refresh_backoff{30'000};      // doubles per failure
  std::chrono::milliseconds max_refresh_backoff{3'600'000};
  // Audit entries queued or being written at most: a call that would make one more waits for the
  // writer (audit.cc says why it waits rather than drops).
  size_t audit_queue_limit = 65'536;
  // "Ann Lee (ann@example.com)" for a user id, for the errors of per-user connections: people
  // read them, and an id says nothing. Unset (or "" from it), errors say "user <id>".
  std::function<std::string(std::string_view user_id)> describe_user;
};

struct BeginResult {
  std::string authorize_url;  // send the user's browser here
  std::string state;          // for tests and logs (not a secret once used)
};

struct CompleteResult {
  Connection connection;
  std::string return_to;  // where the console wanted to go afterwards ("" for none)
};

// An authorization that came back to the callback in a browser not signed in as the user who
// began it: what a confirmation page must say before anything is used. The state and the
// callback's parameters are kept until ConfirmAuthorization or CancelAuthorization, or expiry.
struct PendingAuthorization {
  std::string org_id;
  std::string environment;
  std::string link_name;
  std::string connection_name;  // the connection's display name
  std::string service_id;
  std::string service_name;
  std::string started_by;    // the user who began the authorization
  std::string confirmation;  // for the confirmation form: unguessable, single use; only here
                             // in clear
  int64_t expires_at = 0;    // the state's expiry, epoch ms
};

// What the callback did: completed, or kept for confirmation (exactly one is set).
struct CallbackResult {
  std::optional<CompleteResult> completed;
  std::optional<PendingAuthorization> pending;
};

struct TestResult {
  bool ok = false;
  int status = 0;  // 0 when no answer came (the message says why)
  std::string message;
  // What the upstream answered, for a person to read (the console's test panel): Call masked the
  // connection's secrets in both already. The body stops at kTestBodyShown bytes.
  outbound::Headers headers;
  std::string body;
  bool body_truncated = false;
};

// The most of a test call's answer shown back: enough for any API's "who am I" response.
inline constexpr size_t kTestBodyShown = 64 * 1024;

// An organization's OAuth application for a service, as may be shown: never the secret itself.
struct ClientInfo {
  std::string client_id;
  bool client_secret_set = false;
  // The environment it was registered for ("sandbox", "production"), or "" when it is the
  // organization's for every environment without one of its own.
  std::string environment;
  // Registered for every organization without its own (Relish's own CRM client), not by this one.
  bool installation_wide = false;
};

class Connections {
 public:
  static std::vector<store::Migration> Migrations();

  // `sandbox_http` and `production_http` send the calls of each environment (the sandbox one
  // applies the host remap); token endpoint calls go through the same client.
  Connections(store::Store& store, vault::Vault& vault, Catalog& catalog,
              outbound::HttpClient& sandbox_http, outbound::HttpClient& production_http,
              const Clock& clock, Random& random, ConnectionsOptions options);
  ~Connections();

  // The OAuth application (client id and secret) an organization registered at a provider:
  // for one environment ("sandbox", "production"), or for every environment without one of its
  // own ("", the default).
  Result<void> SetClient(std::string_view org_id, std::string_view service_id,
                         std::string_view client_id, std::string_view client_secret,
                         std::string_view environment = "");
  Result<bool> HasClient(std::string_view org_id, std::string_view service_id);
  // The client an organization's connections of the service use in `environment` (the
  // organization's for that environment, else its own for every environment, else the
  // installation-wide one), or nullopt when there is none. kNotFound for a service the
  // organization cannot see. `environment` "" asks for the organization's every-environment one.
  Result<std::optional<ClientInfo>> GetClient(std::string_view org_id,
                                              std::string_view service_id,
                                              std::string_view environment = "");

  Result<Connection> Create(const NewConnection& spec);
  Result<Connection> Get(std::string_view org_id, std::string_view environment,
                         std::string_view link_name);
  Result<std::vector<Connection>> List(std::string_view org_id, std::string_view environment);
  // Revokes at the provider (when it has an endpoint; best effort) and deletes.
  Result<void> Delete(std::string_view org_id, std::string_view environment,
                      std::string_view link_name);

  // OAuth 2.0 (code + PKCE) and OAuth 1.0a: where to send the browser. `user_id` is who
  // authorizes (for per-user connections, whose authorization it becomes); the state records
  // them, and the connection's organization and environment, as the one who started it.
  Result<BeginResult> BeginAuthorization(std::string_view org_id, std::string_view environment,
                                         std::string_view link_name, std::string_view user_id,
                                         std::string_view return_to);
  // The provider's redirect to <public_url>/oauth/callback, with its query parameters, arriving
  // in a browser signed in to Relish as `signed_in_user` ("" for none). Completes when that is
  // the user who began the authorization, or when the provider reports an error (which grants
  // nothing). Otherwise nothing is used: the callback is kept, sealed, with the state, and the
  // result says what to confirm. Each call makes a new confirmation; only the latest counts.
  Result<CallbackResult> CompleteAuthorization(
      const std::vector<std::pair<std::string, std::string>>& query,
      std::string_view signed_in_user);
  // The confirmation page's "Connect": completes the kept callback (once, before the state
  // expires). An unknown, replaced or used confirmation is refused like a used state.
  Result<CompleteResult> ConfirmAuthorization(std::string_view confirmation);
  // Its "Cancel": forgets the state and the kept callback; the connection is left as it was.
  Result<PendingAuthorization> CancelAuthorization(std::string_view confirmation);
  // API key, basic and bearer credentials: the values for the service's fields
  // (api_key: field names; basic: "username", "password"; bearer: "token").
  Result<Connection> SetCredentials(std::string_view org_id, std::string_view environment,
                                    std::string_view link_name, std::string_view user_id,
                                    const Values& fields);
  // Client credentials: fetches a token now (it is also fetched on demand).
  Result<Connection> Connect(std::string_view org_id, std::string_view environment,
                             std::string_view link_name, std::string_view user_id);
  // RFC 7009 at the provider when it has an endpoint, then forgets the credentials.
  Result<Connection> Revoke(std::string_view org_id, std::string_view environment,
                            std::string_view link_name, std::string_view user_id);
  // Calls the service's test endpoint, or `url` when given.
  Result<TestResult> Test(const CallContext& ctx, std::string_view link_name,
                          std::string_view url);

  // Sends `request` with the connection's credentials. The link name resolves as
  // "<topping>__<link>" first, then "<link>". The URL's host must be one of the service's
  // allowed hosts; a URL that starts with '/' is relative to the connection's base URL (see
  // BaseUrl). Refreshes tokens ahead of expiry and once after a 401. What comes back (the
  // response's headers, body and final URL, or the error) has every secret of the connection
  // masked ("[REDACTED]"), even when the upstream echoed one: the caller never sees them.
  //
  // Resilient calls (issue 18): a 429 or 5xx is retried as `retry` and the service's `retry:`
  // say, waiting as RetryDelayMs says within the service's total wait; each attempt is an audit
  // entry ("attempt 2 of 3: ..." in its note). A service's token_invalid answers count as a 401.
  // A service's `limits:` are taken once per call: an excess call waits for room up to its
  // queue_wait, then fails with kResourceExhausted ("call limit: ...").
  //
  // `refused`: the proxy's asynchronous half had the token of that credentials version refused
  // (Finish returned true): the first attempt refreshes it (unless another caller already did)
  // instead of sending it again, so a refusal costs the upstream one request more, not two.
  struct Refused {
    int64_t version = 0;
    int status = 401;
  };
  Result<outbound::Response> Call(const CallContext& ctx, std::string_view link_name,
                                  outbound::Request request,
                                  RetryMode retry = RetryMode::kService,
                                  std::optional<Refused> refused = std::nullopt);

  // The same call in two halves, for callers that send the request themselves (the proxy's
  // asynchronous path). Prepare resolves, checks the host and, when the credentials are usable
  // without a network call, injects them and says `ready`. Otherwise the caller hands
  // `request` (as it came, its URL made absolute) to Call, which fetches or refreshes a token
  // first or says why the call is refused. On the heap, so that the audit entry's strings are
  // not moved at each step. Finish audits the outcome and masks the connection's secrets in
  // `response` as Call does; it returns true (and changes nothing) when the caller should repeat
  // the request through Call with `original` (a 401 that a refresh may cure).
  struct Prepared {
    bool ready = false;
    outbound::Request request;
    outbound::Url url;           // request.url, parsed (with the credentials when ready)
    outbound::Request original;  // before injection, when a 401 may be retried
    AuditEntry audit;
    bool refreshable = false;
    std::chrono::steady_clock::time_point started;
    // The connection's secrets (its registry), when ready: what Finish masks.
    std::shared_ptr<const SecretValues> secrets;
    // --- Resilient calls (issue 18). After Finish, `retry_in_ms` set: the attempt was audited;
    // wait that long (on a timer, not a thread) and send `request` again, then Finish again.
    RetryMode retry = RetryMode::kService;
    RetryPlan plan;
    int attempt = 1;
    int64_t waited_ms = 0;
    std::optional<int64_t> retry_in_ms;
    int64_t version = 0;     // of the credentials injected
    int refused_status = 0;  // set when Finish returns true: Call's `refused`
    bool token_invalid_signals = false;  // the service declares more than a 401
    const Service* service = nullptr;    // kept alive by `hold`
    std::shared_ptr<const void> hold;
    CallLimiter* limiter = nullptr;      // the connection's room under its limits, when taken
    std::string limit_key;
    CallLimits limits;
    // Audit entries Finish could not queue without waiting (the queue was full): the caller
    // hands them to RecordHeld on the blocking pool.
    std::vector<AuditEntry> held_audit;
    ~Prepared();
  };
  Result<std::unique_ptr<Prepared>> Prepare(const CallContext& ctx, std::string_view link_name,
                                            outbound::Request request,
                                            RetryMode retry = RetryMode::kService);
  bool Finish(Prepared& prepared, Result<outbound::Response>& response);
  // Queues `prepared.held_audit`, waiting for room in the audit queue: never on an I/O thread.
  void RecordHeld(Prepared& prepared);
  // Gives back a prepared call's room under its connection's limits (Finish and ~Prepared do).
  void ReleaseLimit(Prepared& prepared);

  // The service's API base URL for a connection (sandbox_base_url in the sandbox when set).
  Result<std::string> BaseUrl(const CallContext& ctx, std::string_view link_name);
  // The catalog id of the service a connection is for (link names resolved as BaseUrl's), so an
  // integration task can refuse a connection to another service before sending anything.
  Result<std::string> ServiceId(const CallContext& ctx, std::string_view link_name);

  // Audit entries, newest first; `run_id` filters when not empty.
  Result<std::vector<AuditEntry>> Audit(std::string_view org_id, std::string_view run_id,
                                        int limit);
  Result<std::vector<AuditEntry>> Audit(std::string_view org_id, const AuditFilter& filter);
  // The sandbox's outbound host remap (host -> origin), server-wide configuration.
  const std::map<std::string, std::string>& SandboxRemap() const;
  // Writes queued audit entries now (they are written in batches in the background).
  void FlushAudit();
  // The audit writer's queue: entries not yet written (queued or being written), calls that
  // found audit_queue_limit of them and waited since start, and calls waiting now.
  struct AuditQueueStats {
    int64_t unwritten = 0;
    int64_t waits = 0;
    int waiting = 0;
  };
  AuditQueueStats AuditQueue();

  // Observes every audit entry as it is made (the workflow engine's execution log).
  void OnAudit(std::function<void(const AuditEntry&)> observer);

  // ---- Connection events (issue 18) ----
  Result<std::vector<ConnectionEvent>> Events(std::string_view org_id, const EventFilter& filter);
  // Records an event that happened outside this module (a health probe's outcome); fills id/at.
  Result<ConnectionEvent> RecordEvent(ConnectionEvent event);
  // Observers are added before the server starts serving (not thread-safe against Emit).
  void OnEvent(EventObserver observer);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Link name from a display name: lowercase, runs of other characters become "_", a letter
// first, at most 50 characters ("Zoho Books (prod)" -> "zoho_books_prod").
std::string LinkNameFrom(std::string_view display_name);

}  // namespace relish::connections
