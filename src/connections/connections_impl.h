// Private to the connections module: the state and helpers behind Connections. Split by concern
// into repository.cc (rows), token_client.cc (token endpoints), oauth1.cc (signatures),
// authorize.cc (flows), credentials.cc (refresh), call.cc (injection, egress), audit.cc and
// connections.cc (the rest).
#pragma once

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/ttl_cache.h"
#include "connections/connections.h"
#include "connections/resilience.h"
#include "outbound/url.h"

namespace relish::connections {

using Json = nlohmann::json;

// An empty registry, shared (a Credentials starts with it; no allocation).
const std::shared_ptr<const SecretValues>& NoSecrets();

// Secrets of one authorization, opened from the vault. Lives only for the length of a call.
struct Credentials {
  std::string connection_id;
  std::string user_id;
  Status status = Status::kPending;
  std::string reason;
  std::string access_token;
  std::string refresh_token;
  std::string token_secret;  // OAuth 1.0a
  Values fields;             // api_key / basic / bearer values
  std::optional<int64_t> expires_at;
  std::vector<std::string> granted_scopes;
  std::string account_id;
  std::optional<int64_t> authorized_at;
  std::optional<int64_t> refreshed_at;
  int64_t refresh_failures = 0;
  std::optional<int64_t> next_attempt_at;
  int64_t version = 0;
  bool exists = false;  // a row was found
  // Every secret these credentials and the organization's OAuth client hold, in the forms they
  // take on the wire (secrets.cc): what is masked in whatever comes back from the upstream and
  // in the audit. Set by LoadCredentials and SaveCredentials.
  std::shared_ptr<const SecretValues> secrets = NoSecrets();
};

struct ClientApp {
  std::string client_id;
  std::string client_secret;
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;
  std::optional<int64_t> expires_in;  // seconds
  std::optional<std::string> scope;
  std::string account_id;
  // Issue 20: every top-level text field of the response, for captured parameters.
  std::map<std::string, std::string> fields;
};

// A connection with everything needed to use it.
struct Resolved {
  Connection connection;
  ServicePtr service;
  Values values;  // parameters plus built-ins
  // The API base URL for the environment, expanded; empty when expansion failed (BaseUrl says why).
  std::string base_url;
  // The origins credentials may go to (allowed_hosts) and token endpoints may be at
  // (token_hosts, else allowed_hosts), with this connection's values.
  std::vector<OriginRule> allowed;
  std::vector<OriginRule> token_origins;
  // For calls relative to the base URL (the proxy's), worked out once: the base parsed, when it
  // is of the plain shape (outbound::AppendPlainPath), and whether credentials may go to its
  // origin.
  std::optional<outbound::Url> base;
  bool base_origin_allowed = false;
  std::vector<std::string> secret_params;  // query parameters that carry credentials
};
struct CallTarget {
  std::string text;  // absolute
  outbound::Url url;
  bool allowed = false;  // an origin of the service's allowed_hosts
};

// Query parameter names that carry this service's credentials, for redaction.
std::vector<std::string> SecretParams(const Service& s);

// secrets.cc: the registry of a connection's secrets. Every value `c` holds (tokens, OAuth 1.0a
// token secret, API keys, Basic's password and header value) and `client`'s secret, each in
// the forms it takes on the wire (AddWireForms). The one list every scrubber is fed from.
std::vector<std::string> SecretValuesOf(const Service& s, const Credentials& c,
                                        const ClientApp* client);
// A credential's fields' part of SecretValuesOf: each field's wire forms but Basic's user name,
// and Basic's header value.
void AddFieldSecrets(const Values& fields, bool basic, std::vector<std::string>& out);
// `value` as sent and as encoded in a URL or form (FormEncode, PercentEncode) or inside a JSON
// string, appended to `out`.
void AddWireForms(std::string_view value, std::vector<std::string>& out);
// What comes back from an upstream, before anyone sees it: header values, body, final URL.
void ScrubAnswer(const SecretValues& secrets, outbound::Response& response);
Error ScrubError(const SecretValues& secrets, const Error& error);

// r.values plus what only an authorization's own requests (authorize_params, token_params) may
// name: {relish_org} and {relish_environment}, the connection's organization and environment.
// They come last, so no parameter can stand in for them.
Values AuthorizationValues(const Resolved& r);

// --- OAuth clients per organization and environment (issue 20) ---
// The one choice of an organization's client for an environment: its own for the environment
// (service_env_clients), else its own for every environment, else the installation-wide one.
// Parameters: org, environment, service, org, service. Columns: client_id, client_secret,
// org_id, environment ("" when for every environment).
inline constexpr std::string_view kClientChoiceSql =
    "SELECT client_id, client_secret, org_id, environment FROM ("
    " SELECT client_id, client_secret, org_id, environment, 0 AS choice FROM service_env_clients"
    "  WHERE org_id = ? AND environment = ? AND service_id = ?"
    " UNION ALL SELECT client_id, client_secret, org_id, '', CASE WHEN org_id = '*' THEN 2 ELSE 1 END"
    "  FROM service_clients WHERE (org_id = ? OR org_id = '*') AND service_id = ?) AS c"
    " ORDER BY choice LIMIT 1";
// The vault owner of a client's secret.
inline std::string ClientOwner(std::string_view org_id, std::string_view environment,
                               std::string_view service_id) {
  return "client:" + std::string(org_id) + ":" +
         (environment.empty() ? "" : std::string(environment) + ":") + std::string(service_id);
}

// Shared and immutable: the resolved-connection cache hands the same one to every caller.
using ResolvedPtr = std::shared_ptr<const Resolved>;

class Connections::Impl {
 public:
  Impl(store::Store& store, vault::Vault& vault, Catalog& catalog, outbound::HttpClient& sandbox,
       outbound::HttpClient& production, const Clock& clock, Random& random,
       ConnectionsOptions options);
  ~Impl();

  // repository.cc
  Result<Connection> LoadConnection(store::Transaction& tx, std::string_view org_id,
                                    std::string_view environment, std::string_view link_name);
  Result<std::vector<Authorization>> LoadAuthorizations(store::Transaction& tx,
                                                        const std::string& connection_id);
  // One authorization's credentials (`user_id` "" for the shared one), opened, with their
  // registry of secrets.
  Result<Credentials> LoadCredentials(const Resolved& r, const std::string& user_id);
  // Seals and writes an authorization's row (its own transaction; never call it inside one),
  // and makes `c.secrets` its registry of secrets.
  Result<void> SaveCredentials(const Resolved& r, Credentials& c, int64_t touch_connection_at = 0);
  // The client of `org_id`'s connections of the service in `environment` (GetClient's choice).
  Result<ClientApp> LoadClient(std::string_view org_id, std::string_view environment,
                               std::string_view service_id);
  Result<ResolvedPtr> Resolve(std::string_view org_id, std::string_view environment,
                              std::string_view link_name);
  // Issue 20 (captured values): `r` with other parameter values (not cached), and the
  // connection's parameters written (caches forgotten).
  Result<ResolvedPtr> ResolveWithParams(const Resolved& r, const Values& params);
  Result<void> SaveParams(const Connection& c, const Values& params, int64_t now);
  // Everything in a Resolved after its connection and service.
  Result<void> FillResolved(Resolved& r, std::string_view environment);
  // Applies the topping namespace rule, then Resolve.
  Result<ResolvedPtr> ResolveForCall(const CallContext& ctx, std::string_view link_name);
  // The API base URL of a resolved connection (its cached expansion, or why it fails).
  Result<std::string> BaseUrl(const Resolved& r, std::string_view environment);
  // call.cc: `url` as it is, or under the base URL when it starts with '/' (Call and Prepare
  // take both), parsed, and whether the credentials may go to its host.
  Result<CallTarget> Target(const Resolved& r, std::string_view environment, const std::string& url);
  std::string Owner(const std::string& connection_id, const std::string& user_id,
                    std::string_view field) const;
  // secrets.cc: `c`'s registry of secrets, with the organization's OAuth client's secret (loaded
  // here), each value registered with the log Redactor under the connection's organization.
  std::shared_ptr<const SecretValues> Secrets(const Resolved& r, const Credentials& c);

  // token_client.cc
  // `url` (a template of the service) expanded and parsed, when its origin is one of the token
  // hosts: where the client secret, codes and refresh tokens may go. `field` names it in errors.
  Result<CallTarget> TokenEndpoint(const Resolved& r, const std::string& url,
                                   std::string_view field);
  Result<TokenResponse> TokenRequest(const Resolved& r, const ClientApp& client,
                                     const std::string& url,
                                     std::vector<std::pair<std::string, std::string>> form);
  Result<void> RevokeAtProvider(const Resolved& r, const Credentials& c);

  // credentials.cc: credentials ready to use (refreshed when needed). `force` refreshes even
  // when the token looks valid, unless another caller refreshed since `seen_version`.
  Result<Credentials> Usable(const Resolved& r, const std::string& user_id, bool force,
                             int64_t seen_version);
  Result<Credentials> RefreshLocked(const Resolved& r, Credentials c);
  // True when `c` was authorized before the service's policy last changed (the change marks
  // them needs_reauth in the store; this covers copies cached before that).
  static bool Stale(const Resolved& r, const Credentials& c) {
    return r.service->policy_changed_at > 0 && c.status == Status::kConnected &&
           c.authorized_at.value_or(0) < r.service->policy_changed_at;
  }

  // catalog.cc's observer: inside the transaction that changes a custom service's policy, marks
  // the organization's connected authorizations of it needs_reauth and audits each connection.
  Result<void> ServiceChanging(store::Transaction& tx, const PolicyChange& change);

  // call.cc
  Result<void> Inject(const Resolved& r, const Credentials& c, outbound::Request& request,
                      std::string* note);

  // audit.cc
  void Record(AuditEntry&& entry) { Record(entry, true); }
  // Queues `entry` (moved from) and returns true. With `may_wait` false (the proxy's I/O
  // thread), a full queue leaves the entry (masked, not observed) and returns false instead of
  // waiting.
  bool Record(AuditEntry& entry, bool may_wait);
  void AuditLoop();
  void WriteAudit(std::span<const AuditEntry> batch);
  // A caller's context (organization, environment, link name, topping, user, origin) -> its
  // number in connection_audit_contexts.
  struct AuditContextLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  using AuditContexts = std::map<std::array<std::string, 6>, int64_t, AuditContextLess>;
  Result<int64_t> AuditContextId(store::Transaction& tx, const AuditEntry& e,
                                 const AuditContexts* committed, AuditContexts& fresh);
  // Writes entries in the caller's transaction, numbering contexts from `committed` (the
  // background writer's cache, only on its thread; nullptr elsewhere) and the store.
  Result<void> InsertAudit(store::Transaction& tx, std::span<const AuditEntry> batch,
                           const AuditContexts* committed, AuditContexts& fresh);
  Result<void> NoteLastUse(store::Transaction& tx, std::span<const AuditEntry> batch);

  // ---- Connection events (issue 18): events.cc ----
  // An event about `r`'s connection (and `user_id`'s authorization of it), not yet stored.
  ConnectionEvent EventOf(const Connection& c, std::string_view type, const std::string& user_id,
                          std::string_view status = "");
  // Stores `e` (its id and time filled in) and tells the observers, in the caller's transaction.
  Result<void> InsertEvent(store::Transaction& tx, ConnectionEvent& e);
  // The same in a transaction of its own. Never fails the caller: the change it reports has
  // happened, so a failure to record it is logged.
  void Emit(ConnectionEvent e);
  std::vector<EventObserver> event_observers_;  // added before serving, then only read

  outbound::HttpClient& Http(std::string_view environment) {
    return environment == "production" ? production_ : sandbox_;
  }
  std::string RedirectUri() const { return options_.public_url + "/oauth/callback"; }
  std::string Remapped(std::string_view environment, const std::string& url) const;
  // authorize.cc: records a new authorization state (and drops expired ones). `user` is whose
  // authorization it becomes ("" when shared); `started_by` who began it.
  Result<void> SaveState(const std::string& digest, const Connection& connection,
                         const std::string& user, std::string_view started_by,
                         const std::string& sealed_verifier, std::string_view return_to,
                         int64_t now);
  std::string UserKey(const Connection& c, std::string_view user_id) const {
    return c.per_user ? std::string(user_id) : std::string();
  }

  store::Store& store_;
  vault::Vault& vault_;
  Catalog& catalog_;
  outbound::HttpClient& sandbox_;
  outbound::HttpClient& production_;
  const Clock& clock_;
  Random& random_;
  ConnectionsOptions options_;

  // The hot path of a call reads the connection and its credentials from here, not the store.
  // Writes in this process update or clear them; other processes' writes show within the TTL.
  // A resolved entry holds the catalog's service, itself cached for half a second: the two
  // together keep another node's change under a second (docs/architecture.md#many-nodes).
  TtlCache<std::string, ResolvedPtr> resolved_{clock_, std::chrono::milliseconds(500)};
  // Shared, not copied out: a Credentials is a dozen strings, and the proxy reads one per request.
  TtlCache<std::string, std::shared_ptr<const Credentials>> credentials_{clock_, std::chrono::seconds(1)};
  void ForgetCaches() {
    resolved_.Clear();
    credentials_.Clear();
  }

  // Single flight: one refresh at a time per authorization, in this process.
  CallLimiter limiter_;  // issue 18: per-connection concurrency and rate caps

  std::mutex flights_mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> flights_;  // guarded by flights_mu_
  std::shared_ptr<std::mutex> Flight(const std::string& key);

  // Audit entries are written in batches by a background thread, which wakes when a batch is
  // full or on its tick: a wake-up per entry cost the proxy a context switch per request. A
  // transaction's own cost (locks, WAL index, partly filled pages) is shared by the batch.
  static constexpr size_t kAuditBatch = 1024;
  static constexpr std::chrono::milliseconds kAuditTick{200};
  std::mutex audit_mu_;
  std::condition_variable audit_cv_;
  std::condition_variable audit_done_cv_;
  std::vector<AuditEntry> audit_queue_;  // guarded by audit_mu_
  int64_t audit_enqueued_ = 0;          // guarded by audit_mu_
  int64_t audit_written_ = 0;           // guarded by audit_mu_
  // Back-pressure (options_.audit_queue_limit): calls that found the limit reached and waited
  // for the writer, since start, and how many wait now.
  int64_t audit_waits_ = 0;    // guarded by audit_mu_
  int audit_waiting_ = 0;      // guarded by audit_mu_
  bool audit_stop_ = false;             // guarded by audit_mu_
  bool audit_flush_ = false;            // guarded by audit_mu_
  // Replaced, never changed in place, so that Record can call them outside the lock.
  using Observers = std::vector<std::function<void(const AuditEntry&)>>;
  std::shared_ptr<const Observers> observers_ = std::make_shared<Observers>();  // guarded by audit_mu_
  AuditContexts audit_contexts_;  // the writer's, committed numbers only
  std::thread audit_thread_;
};

// OAuth 1.0a (RFC 5849) HMAC-SHA1: the Authorization header value for a request.
// `oauth_extra` carries oauth_callback or oauth_verifier during the flow.
std::string OAuth1Header(std::string_view method, std::string_view url,
                         const std::vector<std::pair<std::string, std::string>>& form_params,
                         std::string_view consumer_key, std::string_view consumer_secret,
                         std::string_view token, std::string_view token_secret,
                         const std::vector<std::pair<std::string, std::string>>& oauth_extra,
                         std::string_view nonce, int64_t timestamp);

// The pieces of OAuth1Header, exposed for tests against RFC 5849's published base string.
std::string OAuth1BaseString(std::string_view method, std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& form_params,
                             const std::vector<std::pair<std::string, std::string>>& oauth_params);
std::string OAuth1Signature(std::string_view base, std::string_view consumer_secret,
                            std::string_view token_secret);

std::string PkceChallenge(std::string_view verifier);  // base64url(sha256(verifier))
std::string JoinScopes(const std::vector<std::string>& scopes, std::string_view delimiter);
std::vector<std::string> SplitScopes(std::string_view text);  // on ',', ' ' and '+'
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);

// The query of one audit context's newest entries (audit.cc), named here for the test that
// checks SQLite answers it from the index rather than by a scan.
std::string AuditOfContextSql(bool with_run);

// events.cc: the provider's error code and error_description out of a token endpoint's or a
// callback's refusal ("the provider refused: invalid_grant (Token revoked)"), when it is one.
void ProviderRefusal(const Error& error, ConnectionEvent& e);
std::vector<store::Migration> EventMigrations();

}  // namespace relish::connections
