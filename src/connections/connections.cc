#include "connections/connections.h"

#include <algorithm>

#include "base/ids.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

std::vector<store::Migration> Connections::Migrations() {
  std::vector<store::Migration> all = {{"connections", 1, "connections, credentials, OAuth apps, states, audit", R"sql(
CREATE TABLE service_clients (
  org_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_secret TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, service_id)
);
CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  link_name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  service_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  params TEXT NOT NULL,
  per_user BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (org_id, environment, link_name)
);
CREATE TABLE connection_credentials (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  access_token TEXT,
  refresh_token TEXT,
  token_secret TEXT,
  fields TEXT,
  expires_at BIGINT,
  granted_scopes TEXT NOT NULL,
  account_id TEXT NOT NULL,
  authorized_at BIGINT,
  refreshed_at BIGINT,
  refresh_failures BIGINT NOT NULL,
  next_attempt_at BIGINT,
  version BIGINT NOT NULL,
  lease_until BIGINT,
  PRIMARY KEY (connection_id, user_id)
);
CREATE TABLE oauth_states (
  state_digest TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE connection_audit (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  link_name TEXT NOT NULL,
  topping TEXT NOT NULL,
  user_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  status BIGINT NOT NULL,
  latency_us BIGINT NOT NULL,
  bytes_out BIGINT NOT NULL,
  bytes_in BIGINT NOT NULL,
  error TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX connection_audit_run ON connection_audit (run_id);
CREATE INDEX connection_audit_org ON connection_audit (org_id, id);
)sql"},
          // An audit row is written for every credentialed call, so each B-tree it lands in
          // counts: the table is clustered by (org_id, id), the order the audit is read in, and
          // the run index holds only calls made by runs (the proxy's have none). Was four
          // B-trees per row (rowid table, id key, run and org indexes), now one for the proxy.
          {"connections", 2, "audit rows clustered by organization and id; run index for runs only", R"sql(
CREATE TABLE connection_audit_v2 (
  id TEXT NOT NULL,
  at BIGINT NOT NULL,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  link_name TEXT NOT NULL,
  topping TEXT NOT NULL,
  user_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  status BIGINT NOT NULL,
  latency_us BIGINT NOT NULL,
  bytes_out BIGINT NOT NULL,
  bytes_in BIGINT NOT NULL,
  error TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
INSERT INTO connection_audit_v2 SELECT id, at, org_id, environment, link_name, topping, user_id,
  run_id, origin, method, url, status, latency_us, bytes_out, bytes_in, error, note
  FROM connection_audit;
DROP TABLE connection_audit;
ALTER TABLE connection_audit_v2 RENAME TO connection_audit;
CREATE INDEX connection_audit_run ON connection_audit (run_id, id) WHERE run_id != '';
)sql"},
          // Half the cost of writing a row (see audit.cc): the caller's context is stored once
          // and numbered, and rows are keyed by a per-organization sequence instead of a random
          // text id. Rows from before keep their ids (legacy_id) and get seqs in id order, which
          // is time order.
          {"connections", 3, "audit contexts stored once; audit rows keyed by organization and sequence", R"sql(
CREATE TABLE connection_audit_contexts (
  id BIGINT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  link_name TEXT NOT NULL,
  topping TEXT NOT NULL,
  user_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  UNIQUE (org_id, environment, link_name, topping, user_id, origin)
);
INSERT INTO connection_audit_contexts (id, org_id, environment, link_name, topping, user_id, origin)
  SELECT ROW_NUMBER() OVER (ORDER BY org_id, environment, link_name, topping, user_id, origin),
         org_id, environment, link_name, topping, user_id, origin
  FROM (SELECT DISTINCT org_id, environment, link_name, topping, user_id, origin FROM connection_audit) AS d;
CREATE TABLE connection_audit_v3 (
  org_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  context BIGINT NOT NULL,
  run_id TEXT NOT NULL,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  status BIGINT NOT NULL,
  latency_us BIGINT NOT NULL,
  bytes_out BIGINT NOT NULL,
  bytes_in BIGINT NOT NULL,
  error TEXT NOT NULL,
  note TEXT NOT NULL,
  legacy_id TEXT,
  PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
INSERT INTO connection_audit_v3 (org_id, seq, at, context, run_id, method, url, status, latency_us,
                                 bytes_out, bytes_in, error, note, legacy_id)
  SELECT a.org_id, ROW_NUMBER() OVER (PARTITION BY a.org_id ORDER BY a.id), a.at, c.id, a.run_id,
         a.method, a.url, a.status, a.latency_us, a.bytes_out, a.bytes_in, a.error, a.note, a.id
  FROM connection_audit a
  JOIN connection_audit_contexts c USING (org_id, environment, link_name, topping, user_id, origin);
DROP TABLE connection_audit;
ALTER TABLE connection_audit_v3 RENAME TO connection_audit;
CREATE INDEX connection_audit_run ON connection_audit (run_id, seq) WHERE run_id != '';
)sql"},
          // A state names who started it and the connection's organization and environment
          // (the callback completes silently only for that user), and holds a callback that
          // came back elsewhere until it is confirmed. States in flight at the upgrade (at most
          // authorization_timeout old) named no one: they are dropped and started again.
          {"connections", 4, "authorization states bound to their initiator; callbacks awaiting confirmation", R"sql(
DROP TABLE oauth_states;
CREATE TABLE oauth_states (
  state_digest TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL,
  started_by TEXT NOT NULL,
  verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  callback TEXT,
  confirm_digest TEXT
);
CREATE UNIQUE INDEX oauth_states_confirm ON oauth_states (confirm_digest);
)sql"},
          // When a connection was last called through, kept by the audit writer in the batch's
          // own transaction: the console lists it per connection without reading the audit.
          {"connections", 5, "last use of each connection", R"sql(
ALTER TABLE connections ADD COLUMN last_used_at BIGINT;
)sql"},
          // A connection's audit (GET /api/v1/audit?link=) reads each of its contexts newest
          // first through this index instead of the organization's whole audit (audit.cc).
          {"connections", 6, "audit rows by context", R"sql(
CREATE INDEX connection_audit_context ON connection_audit (context, seq);
)sql"},
          // Issue 20: an organization's OAuth client for one environment (sandbox and production
          // each their own app); service_clients keeps the one for every environment.
          {"connections", 7, "OAuth clients per organization and environment", R"sql(
CREATE TABLE service_env_clients (
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  service_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_secret TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, environment, service_id)
);
)sql"}};
  // ---- PostgreSQL variants (issue 16) ----
  // PostgreSQL has no WITHOUT ROWID (every table is a heap and its primary key an index): the
  // same tables and keys without it.
  for (auto& m : all) {
    if (m.version != 2 && m.version != 3) continue;
    m.postgres_sql = m.sql;
    for (size_t at; (at = m.postgres_sql.find(" WITHOUT ROWID")) != std::string::npos;) {
      m.postgres_sql.erase(at, std::string_view(" WITHOUT ROWID").size());
    }
  }
  // ---- Sealed columns numbered for Vault::Learn ----
  // Rotation's re-sealing included: another node reads only the rows changed since its last scan.
  store::Migration sealed{"connections", 8, "changes to sealed columns numbered for Vault::Learn",
                          "", ""};
  for (const auto& [table, columns] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"connection_credentials", {"access_token", "refresh_token", "token_secret", "fields"}},
           {"oauth_states", {"verifier", "callback"}},
           {"service_clients", {"client_secret"}},
           {"service_env_clients", {"client_secret"}}}) {
    auto sql = vault::Vault::TrackSealedColumns(table, columns);
    sealed.sql += sql.sqlite;
    sealed.postgres_sql += sql.postgres;
  }
  all.push_back(std::move(sealed));
  // ---- Connection events (issue 18) ----
  for (auto& m : EventMigrations()) all.push_back(std::move(m));
  return all;
}

namespace {

// What Vault::Learn tells the Redactor of another node's sealed credential: the value's wire
// forms, as SecretValuesOf does for a connection this node loads; for "fields" (a JSON object of
// strings), AddFieldSecrets's. The service is not at hand here: fields with both a user name and
// a password are taken as Basic's (the user name is an account's, and the header value a secret).
std::function<void(std::string_view, std::string_view)> LearnCredential(bool fields) {
  return [fields](std::string_view tenant, std::string_view plaintext) {
    std::vector<std::string> values;
    if (!fields) {
      AddWireForms(plaintext, values);
    } else {
      Json j = Json::parse(plaintext, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) return;
      Values parsed;
      for (const auto& [name, value] : j.items()) {
        if (value.is_string()) parsed[name] = value.get<std::string>();
      }
      AddFieldSecrets(parsed, parsed.contains("username") && parsed.contains("password"), values);
    }
    Redactor& redactor = GlobalRedactor();
    for (const auto& v : values) redactor.Add(tenant, v);
  };
}

}  // namespace

Connections::Impl::Impl(store::Store& store, vault::Vault& vault, Catalog& catalog,
                        outbound::HttpClient& sandbox, outbound::HttpClient& production,
                        const Clock& clock, Random& random, ConnectionsOptions options)
    : store_(store),
      vault_(vault),
      catalog_(catalog),
      sandbox_(sandbox),
      production_(production),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/') {
    options_.public_url.pop_back();
  }
  // Rotation re-seals these columns; the owner expressions match Owner().
  // The tenant and learn parts are for Vault::Learn: another node's sealed values reach this
  // node's Redactor in the forms a connection's own load registers (secrets.cc).
  const std::string connection_org = "(SELECT org_id FROM connections WHERE id = connection_id)";
  // The installation-wide client's secret is the installation's own (LoadClient).
  const std::string client_org = "CASE WHEN org_id = '*' THEN '' ELSE org_id END";
  for (const char* field : {"access_token", "refresh_token", "token_secret", "fields"}) {
    vault_.RegisterColumn({"connection_credentials", field, "connection_id || ':' || user_id",
                           "'cred:' || connection_id || ':' || user_id || ':" + std::string(field) + "'",
                           connection_org, LearnCredential(field == std::string_view("fields"))});
  }
  // A state's PKCE verifier or OAuth 1.0a request-token secret, and a kept callback.
  vault_.RegisterColumn({"oauth_states", "callback", "state_digest",
                         "'state:' || state_digest || ':callback'", "org_id"});
  vault_.RegisterColumn({"service_clients", "client_secret", "org_id || ':' || service_id",
                         "'client:' || org_id || ':' || service_id", client_org,
                         LearnCredential(false)});
  vault_.RegisterColumn({"service_env_clients", "client_secret",
                         "org_id || ':' || environment || ':' || service_id",
                         "'client:' || org_id || ':' || environment || ':' || service_id", client_org,
                         LearnCredential(false)});
  vault_.RegisterColumn({"oauth_states", "verifier", "state_digest",
                         "'state:' || state_digest || ':verifier'", "org_id"});
  audit_thread_ = std::thread([this] { AuditLoop(); });
  catalog_.SetObserver(std::make_shared<const Catalog::Observer>(Catalog::Observer{
      .during = [this](Transaction& tx, const PolicyChange& c) { return ServiceChanging(tx, c); },
      .after = [this] { ForgetCaches(); }}));
}

Connections::Impl::~Impl() {
  catalog_.SetObserver(nullptr);
  {
    std::lock_guard lock(audit_mu_);
    audit_stop_ = true;
  }
  audit_cv_.notify_one();
  audit_thread_.join();
}

Connections::Connections(store::Store& store, vault::Vault& vault, Catalog& catalog,
                         outbound::HttpClient& sandbox_http, outbound::HttpClient& production_http,
                         const Clock& clock, Random& random, ConnectionsOptions options)
    : impl_(std::make_unique<Impl>(store, vault, catalog, sandbox_http, production_http, clock,
                                   random, std::move(options))) {}

Connections::~Connections() = default;

const std::map<std::string, std::string>& Connections::SandboxRemap() const {
  return impl_->options_.sandbox_remap;
}

std::string LinkNameFrom(std::string_view display_name) {
  std::string out;
  bool gap = false;
  for (unsigned char ch : display_name) {
    char c = static_cast<char>(std::tolower(ch));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (gap && !out.empty()) out += '_';
      out += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  if (out.empty() || out[0] < 'a' || out[0] > 'z') out = "c_" + out;
  if (out.size() > 50) out.resize(50);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

Result<void> Connections::SetClient(std::string_view org_id, std::string_view service_id,
                                    std::string_view client_id, std::string_view client_secret,
                                    std::string_view environment) {
  Impl& d = *impl_;
  if (!environment.empty() && environment != "sandbox" && environment != "production") {
    return InvalidArgument("environment must be sandbox or production, got '" +
                           std::string(environment) + "'");
  }
  if (!environment.empty() && org_id == kAnyOrg) {
    return InvalidArgument("an installation-wide client is for every environment");
  }
  auto service = TRY(d.catalog_.Get(org_id, service_id));
  if (service->auth != AuthScheme::kOAuth2 && service->auth != AuthScheme::kOAuth2ClientCredentials &&
      service->auth != AuthScheme::kOAuth1) {
    return FailedPrecondition("service " + service->id + " uses " +
                              std::string(AuthSchemeName(service->auth)) + " and has no OAuth client");
  }
  if (client_id.empty()) return InvalidArgument("client_id is required");
  std::optional<std::string> sealed;
  if (!client_secret.empty()) {
    sealed = TRY(d.vault_.Seal(ClientOwner(org_id, environment, service_id), client_secret,
                               org_id == kAnyOrg ? Redactor::kInstallation : org_id));
  }
  bool machine = service->auth == AuthScheme::kOAuth2ClientCredentials;
  TRY(store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (environment.empty()) {
      TRY(tx.Exec("DELETE FROM service_clients WHERE org_id = ? AND service_id = ?", org_id,
                  service_id));
      TRY(tx.Exec("INSERT INTO service_clients (org_id, service_id, client_id, client_secret,"
                  " updated_at) VALUES (?, ?, ?, ?, ?)",
                  org_id, service_id, client_id, sealed, d.clock_.NowMillis()));
    } else {
      TRY(tx.Exec("DELETE FROM service_env_clients WHERE org_id = ? AND environment = ? AND"
                  " service_id = ?",
                  org_id, environment, service_id));
      TRY(tx.Exec("INSERT INTO service_env_clients (org_id, environment, service_id, client_id,"
                  " client_secret, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                  org_id, environment, service_id, client_id, sealed, d.clock_.NowMillis()));
    }
    if (machine) {
      // A client-credentials connection that failed for want of a (working) client fetches its
      // token again on its next call: nobody has a browser step to take, and a `connect` made
      // before the client existed must not stay stuck with that error. Revoked ones stay so.
      TRY(tx.Exec("UPDATE connection_credentials SET status = 'pending', reason = '',"
                  " refresh_failures = 0, next_attempt_at = NULL, version = version + 1"
                  " WHERE status = 'needs_reauth' AND connection_id IN (SELECT id FROM connections"
                  " WHERE service_id = ? AND (org_id = ? OR ? = ?))",
                  service_id, org_id, org_id, std::string(kAnyOrg)));
    }
    return Ok();
  }));
  if (machine) d.ForgetCaches();
  return Ok();
}

Result<bool> Connections::HasClient(std::string_view org_id, std::string_view service_id) {
  auto rows = TRY(store::Transact(impl_->store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT 1 FROM service_clients WHERE org_id = ? AND service_id = ?", org_id,
                    service_id);
  }));
  return !rows.empty();
}

Result<std::optional<ClientInfo>> Connections::GetClient(std::string_view org_id,
                                                         std::string_view service_id,
                                                         std::string_view environment) {
  Impl& d = *impl_;
  TRY(d.catalog_.Get(org_id, service_id));  // another organization's custom service: not found
  auto rows = TRY(store::Transact(d.store_, TxMode::kRead, [&](Transaction& tx) {
    // The same choice LoadClient makes.
    return tx.Query(std::string(kClientChoiceSql), org_id, environment, service_id, org_id,
                    service_id);
  }));
  if (rows.empty()) return std::optional<ClientInfo>();
  return std::optional<ClientInfo>(ClientInfo{.client_id = rows[0].Text(0),
                                              .client_secret_set = !rows[0].IsNull(1),
                                              .environment = rows[0].Text(3),
                                              .installation_wide = rows[0].Text(2) == kAnyOrg});
}

Result<Connection> Connections::Create(const NewConnection& spec) {
  Impl& d = *impl_;
  if (spec.environment != "sandbox" && spec.environment != "production") {
    return InvalidArgument("environment must be sandbox or production, got '" + spec.environment + "'");
  }
  if (spec.display_name.empty() || spec.display_name.size() > 100) {
    return InvalidArgument("a connection needs a name of 1 to 100 characters");
  }
  auto service = TRY(d.catalog_.Get(spec.org_id, spec.service_id));
  TRY(ResolveParameters(*service, spec.params, d.options_.public_url));
  std::vector<std::string> scopes = spec.scopes;
  if (service->oauth2) {
    if (scopes.empty()) scopes = service->oauth2->default_scopes;
    // A custom scope not in the list is allowed only when the service lists none.
    for (const auto& s : scopes) {
      const auto& known = service->oauth2->scopes;
      if (!known.empty() && std::find(known.begin(), known.end(), s) == known.end()) {
        return InvalidArgument("service " + service->id + " has no scope '" + s + "'");
      }
    }
  } else if (!scopes.empty()) {
    return InvalidArgument("service " + service->id + " uses " +
                           std::string(AuthSchemeName(service->auth)) + ", which has no scopes");
  }
  Connection c;
  c.id = NewId("con", d.clock_, d.random_);
  c.org_id = spec.org_id;
  c.environment = spec.environment;
  c.display_name = spec.display_name;
  c.service_id = service->id;
  c.scopes = scopes;
  c.params = spec.params;
  c.per_user = spec.per_user;
  c.created_by = spec.created_by;
  c.created_at = c.updated_at = d.clock_.NowMillis();
  bool generated = spec.link_name.empty();
  std::string base = generated ? LinkNameFrom(spec.display_name) : spec.link_name;
  // Topping connections are "namespace__link": each part a link name of its own.
  auto valid = [](std::string_view name) {
    auto sep = name.find("__");
    if (sep == std::string_view::npos) return ValidLinkName(name);
    return name.size() <= 101 && ValidLinkName(name.substr(0, sep)) && ValidLinkName(name.substr(sep + 2));
  };
  if (!valid(base)) {
    return InvalidArgument("link name '" + base + "' must start with a lowercase letter and hold "
                           "only a-z, 0-9 and _, at most 50 characters");
  }
  Json scopes_json = scopes;
  Json params_json = Json::object();
  for (const auto& [k, v] : c.params) params_json[k] = v;
  for (int n = 1; n < 100; ++n) {
    c.link_name = n == 1 ? base : base.substr(0, 47) + "_" + std::to_string(n);
    auto r = store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      TRY(tx.Exec("INSERT INTO connections (id, org_id, environment, link_name, display_name,"
                  " service_id, scopes, params, per_user, created_by, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  c.id, c.org_id, c.environment, c.link_name, c.display_name, c.service_id,
                  scopes_json.dump(), params_json.dump(), c.per_user, c.created_by, c.created_at,
                  c.updated_at));
      ConnectionEvent e = d.EventOf(c, "created", "", "pending");
      e.actor = c.created_by;
      TRY(d.InsertEvent(tx, e));
      return Ok();
    });
    if (r.ok()) {
      d.ForgetCaches();
      return c;
    }
    if (r.error().code() != ErrorCode::kAlreadyExists) return r.error();
    if (!generated) {
      return AlreadyExists("a connection with link name '" + c.link_name + "' already exists in the " +
                           c.environment + " environment");
    }
  }
  return ResourceExhausted("too many connections named like '" + base + "'");
}

Result<void> Connections::Impl::ServiceChanging(Transaction& tx, const PolicyChange& change) {
  // Live connections: at least one authorization in use. Pending, revoked and already
  // re-authorizing ones hold nothing granted for the old policy that could still be sent.
  auto rows = TRY(tx.Query(
      "SELECT c.environment, c.link_name FROM connections c WHERE c.org_id = ? AND"
      " c.service_id = ? AND EXISTS (SELECT 1 FROM connection_credentials k WHERE"
      " k.connection_id = c.id AND k.status = 'connected') ORDER BY c.environment, c.link_name",
      change.org_id, change.service_id));
  if (rows.empty()) return Ok();
  std::string fields;
  for (const auto& f : change.changes) fields += (fields.empty() ? "" : ", ") + f;
  std::string reason = "service " + change.service_id + " changed " + fields +
                       " since this connection was authorized; authorize it again";
  // The version moves, so a refresh another process is running sees the row changed.
  TRY(
      tx.Exec("UPDATE connection_credentials SET status = 'needs_reauth', reason = ?,"
              " version = version + 1 WHERE status = 'connected' AND connection_id IN"
              " (SELECT id FROM connections WHERE org_id = ? AND service_id = ?)",
              reason, change.org_id, change.service_id));
  std::vector<AuditEntry> entries;
  for (const auto& row : rows) {
    AuditEntry e;
    e.at = change.at;
    e.org_id = change.org_id;
    e.environment = row.Text(0);
    e.link_name = row.Text(1);
    e.user_id = change.changed_by;
    e.origin = "service";
    e.note = "service " + change.service_id + " changed by " + change.changed_by + ": " +
             change.description + "; the connection needs to be authorized again";
    entries.push_back(std::move(e));
    ConnectionEvent ev;
    ev.at = change.at;
    ev.org_id = change.org_id;
    ev.environment = row.Text(0);
    ev.link_name = row.Text(1);
    ev.service_id = change.service_id;
    ev.type = "policy_changed";
    ev.actor = change.changed_by;
    ev.status = "needs_reauth";
    ev.reason = reason;
    TRY(InsertEvent(tx, ev));
  }
  AuditContexts fresh;
  return InsertAudit(tx, entries, nullptr, fresh);
}

Result<Connection> Connections::Get(std::string_view org_id, std::string_view environment,
                                    std::string_view link_name) {
  return store::Transact(impl_->store_, TxMode::kRead, [&](Transaction& tx) {
    return impl_->LoadConnection(tx, org_id, environment, link_name);
  });
}

Result<std::vector<Connection>> Connections::List(std::string_view org_id,
                                                  std::string_view environment) {
  return store::Transact(impl_->store_, TxMode::kRead,
                         [&](Transaction& tx) -> Result<std::vector<Connection>> {
                           auto rows = TRY(tx.Query(
                               "SELECT link_name FROM connections WHERE org_id = ? AND"
                               " environment = ? ORDER BY link_name",
                               org_id, environment));
                           std::vector<Connection> out;
                           for (const auto& r : rows) {
                             out.push_back(TRY(impl_->LoadConnection(tx, org_id, environment, r.Text(0))));
                           }
                           return out;
                         });
}

Result<Connection> Connections::Revoke(std::string_view org_id, std::string_view environment,
                                       std::string_view link_name, std::string_view user_id) {
  Impl& d = *impl_;
  auto rp = TRY(d.Resolve(org_id, environment, link_name));
  const Resolved& r = *rp;
  std::string user = d.UserKey(r.connection, user_id);
  Credentials c = TRY(d.LoadCredentials(r, user));
  if (!c.exists) return FailedPrecondition("connection '" + r.connection.link_name + "' is not authorized");
  auto revoked = d.RevokeAtProvider(r, c);
  Credentials cleared;
  cleared.connection_id = c.connection_id;
  cleared.user_id = c.user_id;
  cleared.version = c.version;
  cleared.status = Status::kRevoked;
  cleared.reason = revoked.ok() ? "revoked" : "revoked here; the provider's revocation failed: " +
                                                 revoked.error().message();
  cleared.account_id = c.account_id;
  TRY(d.SaveCredentials(r, cleared));
  ConnectionEvent e = d.EventOf(r.connection, "revoked", user, "revoked");
  e.actor = std::string(user_id);
  e.reason = cleared.reason;
  d.Emit(std::move(e));
  return Get(org_id, environment, link_name);
}

Result<void> Connections::Delete(std::string_view org_id, std::string_view environment,
                                 std::string_view link_name) {
  Impl& d = *impl_;
  auto rp = TRY(d.Resolve(org_id, environment, link_name));
  const Resolved& r = *rp;
  for (const auto& a : r.connection.authorizations) {
    auto c = d.LoadCredentials(r, a.user_id);
    if (c.ok() && c->status == Status::kConnected) (void)d.RevokeAtProvider(r, *c);
  }
  d.ForgetCaches();
  return store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM connections WHERE id = ?", r.connection.id));
    ConnectionEvent e = d.EventOf(r.connection, "deleted", "");
    return d.InsertEvent(tx, e);
  });
}

Result<TestResult> Connections::Test(const CallContext& ctx, std::string_view link_name,
                                     std::string_view url) {
  Impl& d = *impl_;
  auto rp = TRY(d.ResolveForCall(ctx, link_name));
  const Resolved& r = *rp;
  std::optional<int> expect;
  outbound::Request request;
  if (!url.empty()) {
    request.url = std::string(url);
  } else if (r.service->test) {
    request.method = r.service->test->method;
    request.url = TRY(Expand(r.service->test->url, r.values));
    expect = r.service->test->expect_status;
  } else {
    return FailedPrecondition("service " + r.service->id + " declares no test call; give a URL");
  }
  auto response = Call(ctx, r.connection.link_name, std::move(request));
  TestResult t;
  if (!response.ok()) {
    t.message = response.error().message();
    return t;
  }
  t.status = response->status;
  t.ok = expect ? response->status == *expect : response->status >= 200 && response->status < 300;
  t.message = t.ok ? "the test call succeeded" : "the test call answered HTTP " + std::to_string(response->status);
  t.headers = std::move(response->headers);
  t.body = std::move(response->body);
  if (t.body.size() > kTestBodyShown) {
    t.body.resize(kTestBodyShown);
    t.body_truncated = true;
  }
  return t;
}

Result<std::string> Connections::BaseUrl(const CallContext& ctx, std::string_view link_name) {
  auto rp = TRY(impl_->ResolveForCall(ctx, link_name));
  return impl_->BaseUrl(*rp, ctx.environment);
}

Result<std::string> Connections::ServiceId(const CallContext& ctx, std::string_view link_name) {
  auto rp = TRY(impl_->ResolveForCall(ctx, link_name));
  return rp->connection.service_id;
}

Result<std::string> Connections::Impl::BaseUrl(const Resolved& r, std::string_view environment) {
  if (!r.base_url.empty()) return r.base_url;
  const std::string& base = environment == "sandbox" && !r.service->sandbox_base_url.empty()
                                ? r.service->sandbox_base_url
                                : r.service->base_url;
  return Expand(base, r.values);  // says why it failed
}

}  // namespace relish::connections
