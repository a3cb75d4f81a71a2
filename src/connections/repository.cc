// Rows: connections, their authorizations (credentials) and the organizations' OAuth apps.
#include <algorithm>

#include "base/encoding.h"
#include "connections/connections_impl.h"

namespace relish::connections {

using store::Row;
using store::Transaction;
using store::TxMode;

namespace {

constexpr std::string_view kConnectionColumns =
    "id, org_id, environment, link_name, display_name, service_id, scopes, params, per_user,"
    " created_by, created_at, updated_at, last_used_at";

Connection ConnectionFrom(const Row& r) {
  Connection c;
  c.id = r.Text(0);
  c.org_id = r.Text(1);
  c.environment = r.Text(2);
  c.link_name = r.Text(3);
  c.display_name = r.Text(4);
  c.service_id = r.Text(5);
  Json scopes = Json::parse(r.Text(6), nullptr, false);
  if (scopes.is_array()) {
    for (const auto& s : scopes) c.scopes.push_back(s.get<std::string>());
  }
  Json params = Json::parse(r.Text(7), nullptr, false);
  if (params.is_object()) {
    for (const auto& [k, v] : params.items()) c.params[k] = v.get<std::string>();
  }
  c.per_user = r.Bool(8);
  c.created_by = r.Text(9);
  c.created_at = r.Int(10);
  c.updated_at = r.Int(11);
  c.last_used_at = r.OptInt(12);
  return c;
}

Status StatusFrom(std::string_view s) {
  if (s == "connected") return Status::kConnected;
  if (s == "needs_reauth") return Status::kNeedsReauth;
  if (s == "revoked") return Status::kRevoked;
  return Status::kPending;
}

constexpr std::string_view kCredentialColumns =
    "connection_id, user_id, status, reason, access_token, refresh_token, token_secret, fields,"
    " expires_at, granted_scopes, account_id, authorized_at, refreshed_at, refresh_failures,"
    " next_attempt_at, version";

}  // namespace

std::string_view StatusName(Status s) {
  switch (s) {
    case Status::kPending: return "pending";
    case Status::kConnected: return "connected";
    case Status::kNeedsReauth: return "needs_reauth";
    case Status::kRevoked: return "revoked";
  }
  return "pending";
}

const Authorization* AuthorizationFor(const Connection& connection, std::string_view user_id) {
  std::string_view key = connection.per_user ? user_id : std::string_view();
  for (const auto& a : connection.authorizations) {
    if (a.user_id == key) return &a;
  }
  return nullptr;
}

std::string Connections::Impl::Owner(const std::string& connection_id, const std::string& user_id,
                                     std::string_view field) const {
  return "cred:" + connection_id + ":" + user_id + ":" + std::string(field);
}

Result<Connection> Connections::Impl::LoadConnection(Transaction& tx, std::string_view org_id,
                                                     std::string_view environment,
                                                     std::string_view link_name) {
  auto rows = TRY(tx.Query("SELECT " + std::string(kConnectionColumns) +
                               " FROM connections WHERE org_id = ? AND environment = ? AND"
                               " link_name = ?",
                           org_id, environment, link_name));
  if (rows.empty()) {
    return NotFound("no connection '" + std::string(link_name) + "' in the " +
                    std::string(environment) + " environment");
  }
  Connection c = ConnectionFrom(rows[0]);
  c.authorizations = TRY(LoadAuthorizations(tx, c.id));
  return c;
}

Result<std::vector<Authorization>> Connections::Impl::LoadAuthorizations(
    Transaction& tx, const std::string& connection_id) {
  auto rows = TRY(tx.Query(
      "SELECT user_id, status, reason, granted_scopes, expires_at, account_id, authorized_at,"
      " refreshed_at, refresh_failures FROM connection_credentials WHERE connection_id = ?"
      " ORDER BY user_id",
      connection_id));
  std::vector<Authorization> out;
  for (const auto& r : rows) {
    Authorization a;
    a.user_id = r.Text(0);
    a.status = StatusFrom(r.Text(1));
    a.reason = r.Text(2);
    a.granted_scopes = SplitScopes(r.Text(3));
    a.expires_at = r.OptInt(4);
    a.account_id = r.Text(5);
    a.authorized_at = r.OptInt(6);
    a.refreshed_at = r.OptInt(7);
    a.refresh_failures = r.Int(8);
    out.push_back(std::move(a));
  }
  return out;
}

Result<Credentials> Connections::Impl::LoadCredentials(const Resolved& resolved,
                                                       const std::string& user_id) {
  const std::string& connection_id = resolved.connection.id;
  const std::string& org_id = resolved.connection.org_id;
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT " + std::string(kCredentialColumns) +
                        " FROM connection_credentials WHERE connection_id = ? AND user_id = ?",
                    connection_id, user_id);
  }));
  Credentials c;
  c.connection_id = connection_id;
  c.user_id = user_id;
  if (rows.empty()) return c;
  const Row& r = rows[0];
  c.exists = true;
  c.status = StatusFrom(r.Text(2));
  c.reason = r.Text(3);
  auto open = [&](size_t col, std::string_view field) -> Result<std::string> {
    if (r.IsNull(col)) return std::string();
    return vault_.Open(Owner(connection_id, user_id, field), r.Text(col), org_id);
  };
  c.access_token = TRY(open(4, "access_token"));
  c.refresh_token = TRY(open(5, "refresh_token"));
  c.token_secret = TRY(open(6, "token_secret"));
  std::string fields = TRY(open(7, "fields"));
  if (!fields.empty()) {
    Json j = Json::parse(fields, nullptr, false);
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) c.fields[k] = v.get<std::string>();
    }
  }
  c.expires_at = r.OptInt(8);
  c.granted_scopes = SplitScopes(r.Text(9));
  c.account_id = r.Text(10);
  c.authorized_at = r.OptInt(11);
  c.refreshed_at = r.OptInt(12);
  c.refresh_failures = r.Int(13);
  c.next_attempt_at = r.OptInt(14);
  c.version = r.Int(15);
  c.secrets = Secrets(resolved, c);
  return c;
}

Result<void> Connections::Impl::SaveCredentials(const Resolved& r, Credentials& c,
                                                int64_t touch_connection_at) {
  // Seal first, outside the write transaction: the vault reads the store itself.
  auto seal = [&](const std::string& value, std::string_view field) -> Result<std::optional<std::string>> {
    if (value.empty()) return std::optional<std::string>();
    return std::optional<std::string>(
        TRY(vault_.Seal(Owner(c.connection_id, c.user_id, field), value, r.connection.org_id)));
  };
  std::optional<std::string> fields;
  if (!c.fields.empty()) {
    Json j = Json::object();
    for (const auto& [k, v] : c.fields) j[k] = v;
    fields = TRY(seal(j.dump(), "fields"));
  }
  auto access = TRY(seal(c.access_token, "access_token"));
  auto refresh = TRY(seal(c.refresh_token, "refresh_token"));
  auto secret = TRY(seal(c.token_secret, "token_secret"));
  std::string scopes = JoinScopes(c.granted_scopes, " ");
  int64_t version = c.version + 1;
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM connection_credentials WHERE connection_id = ? AND user_id = ?",
                c.connection_id, c.user_id));
    TRY(tx.Exec("INSERT INTO connection_credentials (" + std::string(kCredentialColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                c.connection_id, c.user_id, StatusName(c.status), c.reason, access, refresh, secret,
                fields, c.expires_at, scopes, c.account_id, c.authorized_at, c.refreshed_at,
                c.refresh_failures, c.next_attempt_at, version));
    if (touch_connection_at > 0) {
      TRY(tx.Exec("UPDATE connections SET updated_at = ? WHERE id = ?", touch_connection_at,
                  c.connection_id));
    }
    return Ok();
  }));
  c.version = version;
  c.exists = true;
  c.secrets = Secrets(r, c);
  // Authorizations are listed in Resolved.connection: drop it; the credentials are current.
  resolved_.Clear();
  credentials_.Put(c.connection_id + ":" + c.user_id, std::make_shared<const Credentials>(c));
  return Ok();
}

Result<ClientApp> Connections::Impl::LoadClient(std::string_view org_id,
                                                std::string_view environment,
                                                std::string_view service_id) {
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query(std::string(kClientChoiceSql), org_id, environment, service_id, org_id,
                    service_id);
  }));
  if (rows.empty()) {
    return FailedPrecondition("no OAuth client is registered for service '" +
                              std::string(service_id) +
                              "' in this organization; set its client id and secret first");
  }
  ClientApp app;
  app.client_id = rows[0].Text(0);
  if (!rows[0].IsNull(1)) {
    // The installation-wide client's secret is the installation's own in the Redactor; the
    // registry of each connection that uses it adds it to that connection's organization too.
    std::string owner = rows[0].Text(2);
    app.client_secret =
        TRY(vault_.Open(ClientOwner(owner, rows[0].Text(3), service_id), rows[0].Text(1),
                        owner == kAnyOrg ? Redactor::kInstallation : std::string_view(owner)));
  }
  return app;
}

Result<ResolvedPtr> Connections::Impl::Resolve(std::string_view org_id,
                                               std::string_view environment,
                                               std::string_view link_name) {
  std::string key = std::string(org_id) + "|" + std::string(environment) + "|" + std::string(link_name);
  if (auto cached = resolved_.Get(key)) return std::move(*cached);
  auto r = std::make_shared<Resolved>();
  r->connection = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return LoadConnection(tx, org_id, environment, link_name);
  }));
  // The connection's own organization's service: never another organization's of the same id.
  r->service = TRY(catalog_.Get(r->connection.org_id, r->connection.service_id));
  TRY(FillResolved(*r, environment));
  ResolvedPtr shared = std::move(r);
  resolved_.Put(key, shared);
  return shared;
}

// --- Captured values (issue 20) ---
// ExpandOrigins, leaving out the entries that name a captured parameter not captured yet: they
// admit nothing until the authorization sets it.
static Result<std::vector<OriginRule>> ExpandKnownOrigins(const Service& s,
                                                   const std::vector<std::string>& entries,
                                                   const Values& values) {
  std::vector<std::string> known;
  for (const auto& e : entries) {
    bool waiting = std::any_of(s.parameters.begin(), s.parameters.end(), [&](const Parameter& p) {
      return p.capture && !values.contains(p.name) &&
             e.find("{" + p.name + "}") != std::string::npos;
    });
    if (!waiting) known.push_back(e);
  }
  return ExpandOrigins(known, values);
}

Result<ResolvedPtr> Connections::Impl::ResolveWithParams(const Resolved& r, const Values& params) {
  auto out = std::make_shared<Resolved>();
  out->connection = r.connection;
  out->connection.params = params;
  out->service = r.service;
  TRY(FillResolved(*out, r.connection.environment));
  return ResolvedPtr(std::move(out));
}

Result<void> Connections::Impl::SaveParams(const Connection& c, const Values& params,
                                           int64_t now) {
  Json j = Json::object();
  for (const auto& [k, v] : params) j[k] = v;
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("UPDATE connections SET params = ?, updated_at = ? WHERE id = ?", j.dump(), now,
                c.id));
    return Ok();
  }));
  ForgetCaches();
  return Ok();
}

Result<void> Connections::Impl::FillResolved(Resolved& resolved, std::string_view environment) {
  Resolved* r = &resolved;
  r->values = TRY(ResolveParameters(*r->service, r->connection.params, options_.public_url));
  r->allowed = TRY(ExpandKnownOrigins(*r->service, r->service->allowed_hosts, r->values));
  r->token_origins = TRY(ExpandKnownOrigins(*r->service, r->service->TokenHosts(), r->values));
  const std::string& base = environment == "sandbox" && !r->service->sandbox_base_url.empty()
                                ? r->service->sandbox_base_url
                                : r->service->base_url;
  r->base_url = Expand(base, r->values).value_or("");
  r->secret_params = SecretParams(*r->service);
  if (auto parsed = outbound::ParsePlainUrl(r->base_url)) {
    r->base_origin_allowed = AnyOriginMatches(r->allowed, *parsed);
    r->base = std::move(*parsed);
  }
  return Ok();
}

Result<ResolvedPtr> Connections::Impl::ResolveForCall(const CallContext& ctx,
                                                   std::string_view link_name) {
  if (!ctx.topping.empty() && link_name.find("__") == std::string_view::npos) {
    auto scoped = Resolve(ctx.org_id, ctx.environment, ctx.topping + "__" + std::string(link_name));
    if (scoped.ok() || scoped.error().code() != ErrorCode::kNotFound) return scoped;
  }
  return Resolve(ctx.org_id, ctx.environment, link_name);
}

std::string JoinScopes(const std::vector<std::string>& scopes, std::string_view delimiter) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += delimiter;
    out += s;
  }
  return out;
}

std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '+') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += FormEncode(k) + "=" + FormEncode(v);
  }
  return out;
}

}  // namespace relish::connections
