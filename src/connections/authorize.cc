// Authorization flows: OAuth 2.0 authorization code with PKCE (RFC 6749 4.1, RFC 7636) and
// OAuth 1.0a three-legged (RFC 5849 2). State is server-side, single use and short-lived.
#include "base/encoding.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

namespace {

bool SafeReturnTo(std::string_view path) {
  // Only paths on this server: no scheme, no "//host", no backslashes.
  return path.empty() || (path.starts_with('/') && !path.starts_with("//") &&
                          path.find('\\') == std::string_view::npos);
}

std::string AppendQuery(std::string url, const std::vector<std::pair<std::string, std::string>>& q) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += FormBody(q);
  return url;
}

}  // namespace

std::string Connections::Impl::Remapped(std::string_view environment,
                                        const std::string& url) const {
  if (environment != "sandbox" || options_.sandbox_remap.empty()) return url;
  auto parsed = outbound::ParseUrl(url);
  if (!parsed.ok()) return url;
  auto it = options_.sandbox_remap.find(parsed->host);
  if (it == options_.sandbox_remap.end()) return url;
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
  if (!SafeReturnTo(return_to)) return InvalidArgument("return_to must be a path on this server");
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
  auto client = TRY(d.LoadClient(org_id, s.id));
  std::string user = d.UserKey(r.connection, user_id);
  int64_t now = d.clock_.NowMillis();
  BeginResult out;

  if (s.auth == AuthScheme::kOAuth1) {
    // Leg 1: a request token, signed with the consumer key, naming our callback.
    const OAuth1Settings& o = *s.oauth1;
    std::string url = TRY(Expand(o.request_token_url, r.values));
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
    std::string sealed = TRY(d.vault_.Seal("state:" + digest + ":secret", secret));
    TRY(store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      TRY(tx.Exec("INSERT INTO oauth_states (state_digest, connection_id, user_id, verifier,"
                  " return_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  digest, r.connection.id, user, sealed, std::string(return_to), now,
                  now + d.options_.state_ttl.count()));
      return Ok();
    }));
    out.state = token;
    out.authorize_url = d.Remapped(environment, AppendQuery(TRY(Expand(o.authorize_url, r.values)),
                                                            {{"oauth_token", token}}));
    return out;
  }

  const OAuth2Settings& o = *s.oauth2;
  std::string state = d.random_.Token(32);
  std::string verifier = d.random_.Token(32);
  std::string digest = Sha256Hex(state);
  std::string sealed = TRY(d.vault_.Seal("state:" + digest + ":verifier", verifier));
  TRY(store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM oauth_states WHERE expires_at < ?", now));
    TRY(tx.Exec("INSERT INTO oauth_states (state_digest, connection_id, user_id, verifier,"
                " return_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                digest, r.connection.id, user, sealed, std::string(return_to), now,
                now + d.options_.state_ttl.count()));
    return Ok();
  }));
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
  for (const auto& [k, v] : o.authorize_params) q.emplace_back(k, TRY(Expand(v, r.values)));
  out.state = state;
  out.authorize_url =
      d.Remapped(environment, AppendQuery(TRY(Expand(o.authorize_url, r.values)), q));
  return out;
}

Result<CompleteResult> Connections::CompleteAuthorization(
    const std::vector<std::pair<std::string, std::string>>& query) {
  Impl& d = *impl_;
  std::map<std::string, std::string> q;
  for (const auto& [k, v] : query) q.emplace(k, v);
  bool oauth1 = q.contains("oauth_token") && !q.contains("state");
  std::string key = oauth1 ? q["oauth_token"] : q["state"];
  if (key.empty()) return InvalidArgument("the callback has no state parameter");
  std::string digest = Sha256Hex(key);
  int64_t now = d.clock_.NowMillis();

  // Take the state out in one write: a state is used once, whatever happens next.
  auto row = TRY(store::Transact(d.store_, TxMode::kWrite, [&](Transaction& tx) -> Result<store::Row> {
    auto rows = TRY(tx.Query("SELECT s.connection_id, s.user_id, s.verifier, s.return_to,"
                             " s.expires_at, c.org_id, c.environment, c.link_name"
                             " FROM oauth_states s JOIN connections c ON c.id = s.connection_id"
                             " WHERE s.state_digest = ?",
                             digest));
    if (rows.empty()) {
      return InvalidArgument("unknown or already used authorization state; start the "
                             "authorization again");
    }
    TRY(tx.Exec("DELETE FROM oauth_states WHERE state_digest = ?", digest));
    return std::move(rows[0]);
  }));
  if (row.Int(4) < now) {
    int64_t ms = d.options_.state_ttl.count();
    std::string limit = ms % 60000 == 0 ? std::to_string(ms / 60000) + " minutes"
                                        : std::to_string((ms + 999) / 1000) + " seconds";
    return InvalidArgument("the authorization took longer than " + limit + "; start it again");
  }
  std::string user = row.Text(1);
  auto rp = TRY(d.Resolve(row.Text(5), row.Text(6), row.Text(7)));
  const Resolved& r = *rp;
  CompleteResult out;
  out.return_to = row.Text(3);
  std::string secret = TRY(d.vault_.Open("state:" + digest + (oauth1 ? ":secret" : ":verifier"),
                                         row.Text(2)));
  Credentials previous = TRY(d.LoadCredentials(r.connection.id, user));

  auto fail = [&](Error error) -> Result<CompleteResult> {
    // Keep working credentials when a re-authorization fails; otherwise record why.
    if (previous.status != Status::kConnected) {
      Credentials c = previous;
      c.connection_id = r.connection.id;
      c.user_id = user;
      c.status = Status::kNeedsReauth;
      c.reason = error.message();
      (void)d.SaveCredentials(c);
    }
    return error;
  };

  Credentials c = previous;
  c.connection_id = r.connection.id;
  c.user_id = user;
  auto client = TRY(d.LoadClient(r.connection.org_id, r.service->id));
  if (oauth1) {
    const OAuth1Settings& o = *r.service->oauth1;
    std::string url = TRY(Expand(o.access_token_url, r.values));
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
    auto token = d.TokenRequest(r, client, r.service->oauth2->token_url, form);
    if (!token.ok()) return fail(token.error().WithContext("exchanging the authorization code"));
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
  TRY(d.SaveCredentials(c, now));
  out.connection = TRY(Get(r.connection.org_id, r.connection.environment, r.connection.link_name));
  return out;
}

}  // namespace relish::connections
