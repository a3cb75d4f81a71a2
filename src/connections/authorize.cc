// Authorization flows: OAuth 2.0 authorization code with PKCE (RFC 6749 4.1, RFC 7636) and
// OAuth 1.0a three-legged (RFC 5849 2). State is server-side, single use and short-lived, and
// bound to the user who started it and the connection's organization and environment: the
// callback completes silently only in that user's browser; anywhere else it is kept until the
// person there confirms (or cancels) on a page that says what would be connected.
#include "base/encoding.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

namespace {

// Where the callback sends the browser afterwards: nowhere ("") or a path that keeps every
// browser on this server (outbound::CheckSameOriginPath, the rule the sign-in's `next` obeys).
Result<void> CheckReturnTo(const std::string& public_url, std::string_view return_to) {
  if (return_to.empty()) return Ok();
  auto origin = outbound::ParseUrl(public_url);
  Result<void> checked = origin.ok() ? outbound::CheckSameOriginPath(*origin, return_to)
                                     : Result<void>(origin.error());
  if (!checked.ok()) {
    return InvalidArgument("return_to must be a path on this server: " + checked.error().message());
  }
  return Ok();
}

std::string AppendQuery(std::string url, const std::vector<std::pair<std::string, std::string>>& q) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += FormBody(q);
  return url;
}

constexpr std::string_view kUnknownState =
    "unknown or already used authorization state; start the authorization again";

// The vault owner of a state's sealed values. One suffix for the PKCE verifier and OAuth 1.0a's
// request-token secret alike (the column holds either), so key rotation can re-seal both.
std::string StateOwner(const std::string& digest, std::string_view field) {
  return "state:" + digest + ":" + std::string(field);
}

// One row of oauth_states with its connection's link name.
struct StateRow {
  std::string digest;
  std::string connection_id;
  std::string org_id;
  std::string environment;
  std::string user_id;     // whose authorization: "" for a shared connection
  std::string started_by;  // who began it
  std::string verifier;    // sealed
  std::string return_to;
  int64_t expires_at = 0;
  std::string link_name;
  std::string callback;    // sealed query of a callback awaiting confirmation, or ""
};

constexpr std::string_view kStateColumns =
    "s.state_digest, s.connection_id, s.org_id, s.environment, s.user_id, s.started_by,"
    " s.verifier, s.return_to, s.expires_at, c.link_name, s.callback"
    " FROM oauth_states s JOIN connections c ON c.id = s.connection_id"
    " AND c.org_id = s.org_id AND c.environment = s.environment";

StateRow StateFrom(const store::Row& r) {
  return {.digest = r.Text(0),
          .connection_id = r.Text(1),
          .org_id = r.Text(2),
          .environment = r.Text(3),
          .user_id = r.Text(4),
          .started_by = r.Text(5),
          .verifier = r.Text(6),
          .return_to = r.Text(7),
          .expires_at = r.Int(8),
          .link_name = r.Text(9),
          .callback = r.IsNull(10) ? "" : r.Text(10)};
}

Error Expired(std::chrono::milliseconds ttl) {
  int64_t ms = ttl.count();
  std::string limit = ms % 60000 == 0 ? std::to_string(ms / 60000) + " minutes"
                                      : std::to_string((ms + 999) / 1000) + " seconds";
  return InvalidArgument("the authorization took longer than " + limit + "; start it again");
}

using Query = std::vector<std::pair<std::string, std::string>>;

// The state key of a callback: `state` (OAuth 2.0) or `oauth_token` (OAuth 1.0a).
struct CallbackKey {
  bool oauth1 = false;
  std::string key;
};
CallbackKey KeyOf(const std::map<std::string, std::string>& q) {
  bool oauth1 = q.contains("oauth_token") && !q.contains("state");
  auto it = q.find(oauth1 ? "oauth_token" : "state");
  return {oauth1, it == q.end() ? "" : it->second};
}

std::map<std::string, std::string> MapOf(const Query& query) {
  std::map<std::string, std::string> q;
  for (const auto& [k, v] : query) q.emplace(k, v);
  return q;
}

// Uses (deletes) the state a confirmation was made for, in one write: once, whatever follows.
Result<StateRow> TakeConfirmed(Connections::Impl& d, std::string_view confirmation) {
  if (confirmation.empty()) return InvalidArgument(std::string(kUnknownState));
  return store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<StateRow> {
    auto rows = TRY(tx.Query("SELECT " + std::string(kStateColumns) + " WHERE s.confirm_digest = ?",
                             Sha256Hex(confirmation)));
    if (rows.empty()) return InvalidArgument(std::string(kUnknownState));
    StateRow row = StateFrom(rows[0]);
    TRY(tx.Exec("DELETE FROM oauth_states WHERE state_digest = ?", row.digest));
    return row;
  });
}

Result<CompleteResult> ExchangeForCredentials(Connections& self, Connections::Impl& d,
                                              const StateRow& row,
                                              std::map<std::string, std::string> q);

}  // namespace

Values AuthorizationValues(const Resolved& r) {
  Values v = r.values;
  v["relish_org"] = r.connection.org_id;
  v["relish_environment"] = r.connection.environment;
  return v;
}

std::string Connections::Impl::Remapped(std::string_view environment,
                                        const std::string& url) const {
  const auto& remap =
      environment == "sandbox" ? options_.sandbox_remap : options_.production_remap;
  if (remap.empty()) return url;
  auto parsed = outbound::ParseUrl(url);
  if (!parsed.ok()) return url;
  auto it = remap.find(parsed->host);
  if (it == remap.end()) return url;
  auto origin = outbound::ParseUrl(it->second);
  if (!origin.ok()) return url;
  outbound::Url out = *parsed;
  out.scheme = origin->scheme;
  out.host = origin->host;
  out.port = origin->port;
  return out.ToString();
}

Result<BeginResult> Connections::BeginAuthorization(std::string_view org_id,
                                                    std::string_view environment,
                                                    std::string_view link_name,
                                                    std::string_view user_id,
                                                    std::string_view return_to) {
  Impl& d = *impl_;
  TRY(CheckReturnTo(d.options_.public_url, return_to));
  if (user_id.empty()) return InvalidArgument("an authorization is started by a signed-in user");
  auto rp = TRY(d.Resolve(org_id, environment, link_name));
  const Resolved& r = *rp;
  const Service& s = *r.service;
  if (s.auth != AuthScheme::kOAuth2 && s.auth != AuthScheme::kOAuth1) {
    return FailedPrecondition("connection '" + r.connection.link_name + "' uses " +
                              std::string(AuthSchemeName(s.auth)) +
                              ", which has no browser authorization; " +
                              (s.auth == AuthScheme::kOAuth2ClientCredentials
                                   ? "connect it instead"
                                   : "set its credentials instead"));
  }
  auto client = TRY(d.LoadClient(org_id, environment, s.id));
  std::string user = d.UserKey(r.connection, user_id);
  int64_t now = d.clock_.NowMillis();
  BeginResult out;

  if (s.auth == AuthScheme::kOAuth1) {
    // Leg 1: a request token, signed with the consumer key, naming our callback.
    const OAuth1Settings& o = *s.oauth1;
    std::string url = TRY(d.TokenEndpoint(r, o.request_token_url, "oauth1.request_token_url")).text;
    outbound::Request req;
    req.method = "POST";
    req.url = url;
    req.headers = {{"Authorization", OAuth1Header("POST", url, {}, client.client_id,
                                                  client.client_secret, "", "",
                                                  {{"oauth_callback", d.RedirectUri()}},
                                                  d.random_.Token(16), now / 1000)},
                   {"Content-Type", "application/x-www-form-urlencoded"}};
    req.max_redirects = 0;
    auto response = d.Http(environment).Send(std::move(req));
    if (!response.ok()) return Unavailable("request token endpoint: " + response.error().message());
    std::string token, secret;
    for (const auto& [k, v] : ParseFormEncoded(response->body)) {
      if (k == "oauth_token") token = v;
      if (k == "oauth_token_secret") secret = v;
    }
    if (response->status != 200 || token.empty()) {
      return Unavailable("the request token endpoint answered HTTP " +
                         std::to_string(response->status) + " without a request token");
    }
    std::string digest = Sha256Hex(token);
    std::string sealed =
        TRY(d.vault_.Seal(StateOwner(digest, "verifier"), secret, r.connection.org_id));
    TRY(d.SaveState(digest, r.connection, user, user_id, sealed, return_to, now));
    out.state = token;
    std::vector<std::pair<std::string, std::string>> q = {{"oauth_token", token}};
    // catalog (issue 20): Trello grants read-only, 30-day tokens unless asked otherwise here.
    if (!o.authorize_params.empty()) {
      Values values = AuthorizationValues(r);
      for (const auto& [k, v] : o.authorize_params) q.emplace_back(k, TRY(Expand(v, values)));
    }
    out.authorize_url =
        d.Remapped(environment, AppendQuery(TRY(Expand(o.authorize_url, r.values)), q));
    return out;
  }

  const OAuth2Settings& o = *s.oauth2;
  std::string state = d.random_.Token(32);
  std::string verifier = d.random_.Token(32);
  std::string digest = Sha256Hex(state);
  std::string sealed =
      TRY(d.vault_.Seal(StateOwner(digest, "verifier"), verifier, r.connection.org_id));
  TRY(d.SaveState(digest, r.connection, user, user_id, sealed, return_to, now));
  std::vector<std::pair<std::string, std::string>> q = {{"response_type", "code"},
                                                        {"client_id", client.client_id},
                                                        {"redirect_uri", d.RedirectUri()},
                                                        {"state", state}};
  if (!r.connection.scopes.empty()) {
    q.emplace_back("scope", JoinScopes(r.connection.scopes, o.scope_delimiter));
  }
  if (o.pkce) {
    q.emplace_back("code_challenge", PkceChallenge(verifier));
    q.emplace_back("code_challenge_method", "S256");
  }
  if (!o.authorize_params.empty()) {
    Values values = AuthorizationValues(r);
    for (const auto& [k, v] : o.authorize_params) q.emplace_back(k, TRY(Expand(v, values)));
  }
  out.state = state;
  out.authorize_url =
      d.Remapped(environment, AppendQuery(TRY(Expand(o.authorize_url, r.values)), q));
  return out;
}

Result<void> Connections::Impl::SaveState(const std::string& digest, const Connection& connection,
                                         const std::string& user, std::string_view started_by,
                                         const std::string& sealed_verifier,
                                         std::string_view return_to, int64_t now) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM oauth_states WHERE expires_at < ?", now));
    TRY(tx.Exec("INSERT INTO oauth_states (state_digest, connection_id, org_id, environment,"
                " user_id, started_by, verifier, return_to, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                digest, connection.id, connection.org_id, connection.environment, user,
                std::string(started_by), sealed_verifier, std::string(return_to), now,
                now + options_.state_ttl.count()));
    return Ok();
  });
}

Result<CallbackResult> Connections::CompleteAuthorization(const Query& query,
                                                          std::string_view signed_in_user) {
  Impl& d = *impl_;
  auto q = MapOf(query);
  auto [oauth1, key] = KeyOf(q);
  if (key.empty()) return InvalidArgument("the callback has no state parameter");
  std::string digest = Sha256Hex(key);
  int64_t now = d.clock_.NowMillis();
  // An error from the provider grants nothing: it ends the attempt wherever it arrives.
  bool grants = oauth1 || !q.contains("error");
  // Made before the transaction, used only when the callback must wait for a confirmation.
  std::string confirmation = d.random_.Token(32);
  // The state's organization, whose share of the log Redactor the sealed callback takes. An
  // unknown state is refused before anything is sealed: anyone may call the callback, and what
  // the vault seals it registers.
  std::string state_org = TRY(store::Transact(
      d.store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::string> {
        auto rows = TRY(tx.Query("SELECT org_id FROM oauth_states WHERE state_digest = ?", digest));
        if (rows.empty()) return InvalidArgument(std::string(kUnknownState));
        return rows[0].Text(0);
      }));
  std::string sealed_callback =
      TRY(d.vault_.Seal(StateOwner(digest, "callback"), FormBody(query), state_org));

  struct Taken {
    StateRow row;
    bool expired = false;
    bool held = false;
  };
  // In one write: the state is used (deleted) here, or kept with the callback for a
  // confirmation; never both, and never twice.
  auto taken = TRY(store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Taken> {
    auto rows = TRY(tx.Query("SELECT " + std::string(kStateColumns) + " WHERE s.state_digest = ?",
                             digest));
    if (rows.empty()) return InvalidArgument(std::string(kUnknownState));
    Taken t{.row = StateFrom(rows[0])};
    t.expired = t.row.expires_at < now;
    bool starter = !t.row.started_by.empty() && t.row.started_by == signed_in_user;
    t.held = !t.expired && grants && !starter;
    if (t.held) {
      TRY(tx.Exec("UPDATE oauth_states SET callback = ?, confirm_digest = ? WHERE state_digest = ?",
                  sealed_callback, Sha256Hex(confirmation), digest));
    } else {
      TRY(tx.Exec("DELETE FROM oauth_states WHERE state_digest = ?", digest));
    }
    return t;
  }));
  if (taken.expired) return Expired(d.options_.state_ttl);
  CallbackResult out;
  if (taken.held) {
    auto r = TRY(d.Resolve(taken.row.org_id, taken.row.environment, taken.row.link_name));
    out.pending = PendingAuthorization{.org_id = taken.row.org_id,
                                       .environment = taken.row.environment,
                                       .link_name = r->connection.link_name,
                                       .connection_name = r->connection.display_name,
                                       .service_id = r->service->id,
                                       .service_name = r->service->name,
                                       .started_by = taken.row.started_by,
                                       .confirmation = std::move(confirmation),
                                       .expires_at = taken.row.expires_at};
    return out;
  }
  out.completed = TRY(ExchangeForCredentials(*this, d, taken.row, std::move(q)));
  return out;
}

Result<CompleteResult> Connections::ConfirmAuthorization(std::string_view confirmation) {
  Impl& d = *impl_;
  int64_t now = d.clock_.NowMillis();
  StateRow row = TRY(TakeConfirmed(d, confirmation));
  if (row.expires_at < now) return Expired(d.options_.state_ttl);
  std::string query =
      TRY(d.vault_.Open(StateOwner(row.digest, "callback"), row.callback, row.org_id));
  std::map<std::string, std::string> q;
  for (auto& [k, v] : ParseFormEncoded(query)) q.emplace(std::move(k), std::move(v));
  return ExchangeForCredentials(*this, d, row, std::move(q));
}

Result<PendingAuthorization> Connections::CancelAuthorization(std::string_view confirmation) {
  StateRow row = TRY(TakeConfirmed(*impl_, confirmation));
  return PendingAuthorization{.org_id = row.org_id,
                              .environment = row.environment,
                              .link_name = row.link_name,
                              .started_by = row.started_by,
                              .expires_at = row.expires_at};
}

namespace {

// --- Captured values (issue 20) ---
// Sets in `params` each parameter captured from `source` (the callback's query or the token
// response's fields) that is present there; a value that is not accepted refuses the whole
// authorization, before anything is sent to it.
Result<void> Captured(const Resolved& r, CaptureFrom from,
                      const std::map<std::string, std::string>& source, Values& params) {
  for (const auto& p : r.service->parameters) {
    if (!p.capture || p.capture->from != from) continue;
    auto it = source.find(p.capture->field);
    if (it == source.end() || it->second.empty()) continue;
    params[p.name] = TRY(CapturedValue(*r.service, p, it->second));
  }
  return Ok();
}

// --- Metadata captures (issue 20) ---
bool HasMetadataCapture(const Service& s) {
  return std::any_of(s.parameters.begin(), s.parameters.end(), [](const Parameter& p) {
    return p.capture && p.capture->from == CaptureFrom::kMetadata;
  });
}

// The value at a dotted path of a JSON answer, as text: object keys, and list indexes ("0.id":
// the first element's id). nullopt when the path leads nowhere or to something not a scalar.
std::optional<std::string> JsonPathText(const Json& body, std::string_view path) {
  const Json* at = &body;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (at->is_object()) {
      auto it = at->find(key);
      if (it == at->end()) return std::nullopt;
      at = &*it;
    } else if (at->is_array()) {
      if (key.empty() || key.size() > 4 ||
          key.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
      }
      size_t i = std::stoul(key);
      if (i >= at->size()) return std::nullopt;
      at = &(*at)[i];
    } else {
      return std::nullopt;
    }
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number()) return at->dump();
  return std::nullopt;
}

// Sets in `params` each parameter captured from a metadata URL, fetched once per URL with the
// new access token. The URL is checked against the connection's allowed hosts as they are now
// (`at`: after the callback's and token response's captures); the answer is read by the same
// rules as every capture (CapturedValue), so a hostile value refuses the authorization before
// anything is sent to it. The answer is never quoted: it may echo the token.
Result<void> CapturedFromMetadata(Connections::Impl& d, const Resolved& at,
                                  const std::string& access_token, Values& params) {
  std::map<std::string, Json> answers;
  for (const auto& p : at.service->parameters) {
    if (!p.capture || p.capture->from != CaptureFrom::kMetadata) continue;
    const Capture& c = *p.capture;
    if (!answers.contains(c.url)) {
      auto url = TRY(outbound::ParseUrl(c.url));
      if (!AnyOriginMatches(at.allowed, url)) {
        return PermissionDenied("service " + at.service->id + "'s metadata URL " + c.url +
                                " is not on its allowed hosts; nothing was sent to it");
      }
      outbound::Request req;
      req.method = "GET";
      req.url = c.url;
      req.headers = {{"Authorization", (c.prefix.empty() ? "" : c.prefix + " ") + access_token},
                     {"Accept", "application/json"}};
      req.max_redirects = 0;  // the token goes to this URL and no other
      req.timeout = std::chrono::seconds(30);
      auto response = d.Http(at.connection.environment).Send(std::move(req));
      if (!response.ok()) {
        return Unavailable("the metadata URL " + c.url + " could not be reached");
      }
      if (response->status != 200) {
        return PermissionDenied("the metadata URL " + c.url + " answered HTTP " +
                                std::to_string(response->status) + " (parameter '" + p.name + "')");
      }
      Json body = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) {
        return PermissionDenied("the metadata URL " + c.url + " did not answer JSON (parameter '" +
                                p.name + "')");
      }
      answers[c.url] = std::move(body);
    }
    auto raw = JsonPathText(answers[c.url], c.field);
    if (!raw || raw->empty()) {
      return PermissionDenied("the metadata URL " + c.url + " answered without " + c.field +
                              " (parameter '" + p.name + "')");
    }
    params[p.name] = TRY(CapturedValue(*at.service, p, *raw));
  }
  return Ok();
}

// True when `params` gives a parameter another value than the connection has now.
bool Moves(const Resolved& r, const Values& params) {
  for (const auto& [k, v] : params) {
    auto it = r.values.find(k);
    if (it == r.values.end() || it->second != v) return true;
  }
  return false;
}

// "dc 'eu', api_domain 'https://www.zohoapis.eu'": the values of `now` that differ from `before`.
std::string Describe(const Values& now, const Values& before) {
  std::string out;
  for (const auto& [k, v] : now) {
    auto it = before.find(k);
    if (it != before.end() && it->second == v) continue;
    out += (out.empty() ? "" : ", ") + k + " '" + v + "'";
  }
  return out;
}

// A per-user connection has one set of parameters for all its users: another user's connected
// authorization (its values, for the message) keeps a sign-in from moving them.
std::string OtherUserAuthorized(const Resolved& r, const std::string& user) {
  if (!r.connection.per_user) return "";
  for (const auto& a : r.connection.authorizations) {
    if (a.user_id != user && a.status == Status::kConnected) {
      std::string out;
      for (const auto& p : r.service->parameters) {
        if (!p.capture) continue;
        auto it = r.values.find(p.name);
        if (it != r.values.end()) out += (out.empty() ? "" : ", ") + p.name + " '" + it->second + "'";
      }
      return out.empty() ? "other values" : out;
    }
  }
  return "";
}

// Completes a used state with its callback's parameters: the code exchange (or OAuth 1.0a's
// access token request) and the credentials.
Result<CompleteResult> ExchangeForCredentials(Connections& self, Connections::Impl& d,
                                              const StateRow& row,
                                              std::map<std::string, std::string> q) {
  auto [oauth1, key] = KeyOf(q);
  const std::string& digest = row.digest;
  int64_t now = d.clock_.NowMillis();
  const std::string& user = row.user_id;
  auto rp = TRY(d.Resolve(row.org_id, row.environment, row.link_name));
  const Resolved& r = *rp;
  if (r.connection.id != row.connection_id) {
    return FailedPrecondition("the connection '" + row.link_name +
                              "' was replaced after the authorization began; start it again");
  }
  CompleteResult out;
  // Checked again: a state saved by an older Relish, under a laxer rule, sends nowhere.
  if (CheckReturnTo(d.options_.public_url, row.return_to).ok()) out.return_to = row.return_to;
  std::string secret =
      TRY(d.vault_.Open(StateOwner(digest, "verifier"), row.verifier, row.org_id));
  Credentials previous = TRY(d.LoadCredentials(r, user));

  auto fail = [&](Error error) -> Result<CompleteResult> {
    // Keep working credentials when a re-authorization fails; otherwise record why.
    if (previous.status != Status::kConnected) {
      Credentials c = previous;
      c.connection_id = r.connection.id;
      c.user_id = user;
      c.status = Status::kNeedsReauth;
      c.reason = error.message();
      if (d.SaveCredentials(r, c).ok() && previous.status != Status::kNeedsReauth) {
        ConnectionEvent e = d.EventOf(r.connection, "needs_reauth", user, "needs_reauth");
        e.actor = row.started_by;
        e.reason = c.reason;
        ProviderRefusal(error, e);
        d.Emit(std::move(e));
      }
    }
    return error;
  };

  Credentials c = previous;
  c.connection_id = r.connection.id;
  c.user_id = user;
  auto client = TRY(d.LoadClient(r.connection.org_id, r.connection.environment, r.service->id));
  ResolvedPtr at = rp;  // the connection as the credentials are saved for (issue 20)
  if (oauth1) {
    const OAuth1Settings& o = *r.service->oauth1;
    std::string url = TRY(d.TokenEndpoint(r, o.access_token_url, "oauth1.access_token_url")).text;
    outbound::Request req;
    req.method = "POST";
    req.url = url;
    req.headers = {{"Authorization",
                    OAuth1Header("POST", url, {}, client.client_id, client.client_secret, key,
                                 secret, {{"oauth_verifier", q["oauth_verifier"]}},
                                 d.random_.Token(16), now / 1000)},
                   {"Content-Type", "application/x-www-form-urlencoded"}};
    req.max_redirects = 0;
    auto response = d.Http(r.connection.environment).Send(std::move(req));
    if (!response.ok()) return fail(Unavailable("access token endpoint: " + response.error().message()));
    std::string token, token_secret;
    for (const auto& [k, v] : ParseFormEncoded(response->body)) {
      if (k == "oauth_token") token = v;
      if (k == "oauth_token_secret") token_secret = v;
    }
    if (response->status != 200 || token.empty()) {
      return fail(PermissionDenied("the access token endpoint answered HTTP " +
                                   std::to_string(response->status) + " without a token"));
    }
    c.access_token = token;
    c.token_secret = token_secret;
    c.expires_at.reset();
  } else {
    if (auto e = q.find("error"); e != q.end()) {
      std::string description = q.contains("error_description") ? " (" + q["error_description"] + ")" : "";
      return fail(PermissionDenied("the provider did not authorize: " + e->second + description));
    }
    if (q["code"].empty()) return fail(InvalidArgument("the callback has no code"));
    // The code is exchanged exactly once: a failure here is final for this attempt.
    std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"},
                                                             {"code", q["code"]},
                                                             {"redirect_uri", d.RedirectUri()}};
    if (r.service->oauth2->pkce) form.emplace_back("code_verifier", secret);
    // Issue 20: values the callback carries (Zoho's accounts-server: the user's data centre)
    // decide where the code is exchanged; the token response's (api_domain) where calls go.
    Values params = r.connection.params;
    auto captured = Captured(r, CaptureFrom::kCallback, q, params);
    if (!captured.ok()) return fail(captured.error());
    if (Moves(r, params)) {
      auto moved = d.ResolveWithParams(r, params);
      if (!moved.ok()) return fail(moved.error());
      at = *moved;
    }
    auto token = d.TokenRequest(*at, client, r.service->oauth2->token_url, form);
    if (!token.ok()) return fail(token.error().WithContext("exchanging the authorization code"));
    captured = Captured(r, CaptureFrom::kToken, token->fields, params);
    if (!captured.ok()) return fail(captured.error());
    if (HasMetadataCapture(*r.service)) {
      // Where the metadata is asked for: the connection as the token response left it.
      ResolvedPtr now = at;
      if (Moves(r, params)) {
        auto moved = d.ResolveWithParams(r, params);
        if (!moved.ok()) return fail(moved.error());
        now = *moved;
      }
      captured = CapturedFromMetadata(d, *now, token->access_token, params);
      if (!captured.ok()) return fail(captured.error());
    }
    if (Moves(r, params)) {
      if (auto other = OtherUserAuthorized(r, user); !other.empty()) {
        return fail(FailedPrecondition(
            "this per-user connection's authorizations are for " + other + "; " +
            "the sign-in was for " + Describe(params, r.values) +
            ": create a separate connection for it"));
      }
      auto moved = d.ResolveWithParams(r, params);
      if (!moved.ok()) return fail(moved.error());
      TRY(d.SaveParams(r.connection, params, now));
      at = *moved;
    }
    if (!previous.account_id.empty() && !token->account_id.empty() &&
        previous.account_id != token->account_id) {
      return PermissionDenied("this connection is authorized for upstream account " +
                              previous.account_id + ", but the sign-in was for " +
                              token->account_id +
                              "; create a new connection for the other account");
    }
    c.access_token = token->access_token;
    if (!token->refresh_token.empty()) c.refresh_token = token->refresh_token;
    c.expires_at = token->expires_in ? std::optional<int64_t>(now + *token->expires_in * 1000)
                                     : std::nullopt;
    c.granted_scopes = token->scope ? SplitScopes(*token->scope) : r.connection.scopes;
    if (!token->account_id.empty()) c.account_id = token->account_id;
  }
  c.status = Status::kConnected;
  c.reason.clear();
  c.authorized_at = now;
  c.refreshed_at.reset();
  c.refresh_failures = 0;
  c.next_attempt_at.reset();
  TRY(d.SaveCredentials(*at, c, now));
  {
    ConnectionEvent e = d.EventOf(r.connection, previous.authorized_at ? "reauthorized" : "authorized",
                                  user, "connected");
    e.actor = row.started_by;
    d.Emit(std::move(e));
  }
  out.connection =
      TRY(self.Get(r.connection.org_id, r.connection.environment, r.connection.link_name));
  return out;
}

}  // namespace

}  // namespace relish::connections
