// Getting credentials ready for a call: tokens refreshed ahead of expiry or after a 401, one
// refresh at a time per authorization, with back-off and a final "needs re-authorization".
#include <thread>

#include "connections/connections_impl.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

namespace {

// How long another process's refresh may hold the lease before it is presumed dead.
constexpr int64_t kLeaseMs = 30'000;

bool TokenScheme(AuthScheme s) {
  return s == AuthScheme::kOAuth2 || s == AuthScheme::kOAuth2ClientCredentials;
}

}  // namespace

std::shared_ptr<std::mutex> Connections::Impl::Flight(const std::string& key) {
  std::lock_guard lock(flights_mu_);
  auto& m = flights_[key];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

namespace {

// What brings a connection's credentials back: a client-credentials connection is connected
// (it has no browser step, and `authorize` says so), any other authorized. A message that asks
// for it names the command that does it.
bool ConnectsWithoutBrowser(const Service& s) {
  return s.auth == AuthScheme::kOAuth2ClientCredentials;
}
std::string AgainVerb(const Service& s) {
  return ConnectsWithoutBrowser(s) ? "connected again" : "authorized again";
}

}  // namespace

Result<Credentials> Connections::Impl::Usable(const Resolved& r, const std::string& user_id,
                                              bool force, int64_t seen_version) {
  const Service& s = *r.service;
  std::string user = UserKey(r.connection, user_id);
  if (r.connection.per_user && user.empty()) {
    return FailedPrecondition("connection '" + r.connection.link_name +
                              "' uses each user's own credentials, and no user is acting");
  }
  auto who = [&] {
    if (!r.connection.per_user) return std::string();
    std::string described = options_.describe_user ? options_.describe_user(user) : "";
    return " for " + (described.empty() ? "user " + user : described);
  };
  std::string cache_key = r.connection.id + ":" + user;
  Credentials c;
  if (auto cached = credentials_.Get(cache_key)) {
    c = **cached;
  } else {
    c = TRY(LoadCredentials(r, user));
    credentials_.Put(cache_key, std::make_shared<const Credentials>(c));
  }
  if (Stale(r, c)) {
    // Granted before the service's policy changed. The change marked them in the store, but
    // this copy may predate it, or a refresh that was running may have written them back.
    c = TRY(LoadCredentials(r, user));
    if (Stale(r, c)) {
      c.status = Status::kNeedsReauth;
      c.reason = "service " + s.id +
                 " changed where its credentials go since this connection "
                 "was authorized; " +
                 (ConnectsWithoutBrowser(s) ? "connect it again" : "authorize it again");
      TRY(SaveCredentials(r, c));
    }
  }
  int64_t now = clock_.NowMillis();
  bool needs_token = TokenScheme(s.auth);
  bool expiring = c.expires_at && *c.expires_at - options_.refresh_margin.count() <= now;
  bool fetch_cc = s.auth == AuthScheme::kOAuth2ClientCredentials &&
                  (c.access_token.empty() || c.status != Status::kConnected);
  if (!force && !expiring && !fetch_cc) {
    if (c.status == Status::kConnected) return c;
    if (c.status == Status::kNeedsReauth) {
      return FailedPrecondition("connection '" + r.connection.link_name + "' needs to be " +
                                AgainVerb(s) + who() + ": " + c.reason);
    }
    if (c.status == Status::kRevoked) {
      return FailedPrecondition("connection '" + r.connection.link_name + "' was revoked" + who());
    }
    return FailedPrecondition("connection '" + r.connection.link_name + "' is not authorized" +
                              who() + " yet");
  }
  if (!needs_token) return c;  // nothing to refresh for keys and passwords
  if (c.status == Status::kNeedsReauth || c.status == Status::kRevoked) {
    return FailedPrecondition("connection '" + r.connection.link_name + "' needs to be " +
                              AgainVerb(s) + who() + ": " + c.reason);
  }
  if (s.auth == AuthScheme::kOAuth2 && c.refresh_token.empty()) {
    if (!expiring || (c.expires_at && *c.expires_at > now)) return c;  // use it while it lasts
    return FailedPrecondition("connection '" + r.connection.link_name +
                              "' has an expired token and no refresh token; authorize it again");
  }

  // Single flight: whoever holds the mutex refreshes; the others then find a fresh token.
  auto flight = Flight(r.connection.id + ":" + user);
  std::lock_guard lock(*flight);
  c = TRY(LoadCredentials(r, user));
  now = clock_.NowMillis();
  if (force && seen_version >= 0 && c.version != seen_version) return c;  // refreshed meanwhile
  expiring = c.expires_at && *c.expires_at - options_.refresh_margin.count() <= now;
  fetch_cc = s.auth == AuthScheme::kOAuth2ClientCredentials &&
             (c.access_token.empty() || c.status != Status::kConnected);
  if (!force && !expiring && !fetch_cc && c.status == Status::kConnected) return c;
  if (c.next_attempt_at && *c.next_attempt_at > now) {
    bool still_valid = c.status == Status::kConnected && !c.access_token.empty() &&
                       (!c.expires_at || *c.expires_at > now);
    if (still_valid && !force) return c;
    return Unavailable("refreshing the token of connection '" + r.connection.link_name +
                       "' failed recently (" + c.reason + "); next attempt in " +
                       std::to_string((*c.next_attempt_at - now + 999) / 1000) + "s");
  }
  return RefreshLocked(r, std::move(c));
}

Result<Credentials> Connections::Impl::RefreshLocked(const Resolved& r, Credentials c) {
  const Service& s = *r.service;
  int64_t now = clock_.NowMillis();
  // Across processes: take a lease on the row so only one process calls the token endpoint.
  int64_t seen = c.version;
  auto leased = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<int64_t> {
    if (!c.exists) return int64_t{1};  // client credentials, first token: nobody else has a row
    return tx.Exec("UPDATE connection_credentials SET lease_until = ? WHERE connection_id = ? AND"
                   " user_id = ? AND version = ? AND (lease_until IS NULL OR lease_until < ?)",
                   now + kLeaseMs, c.connection_id, c.user_id, seen, now);
  }));
  if (leased == 0) {
    // Another process is refreshing (or just did): wait for its result.
    for (int i = 0; i < 300; ++i) {
      Credentials again = TRY(LoadCredentials(r, c.user_id));
      if (again.version != seen) return again;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Unavailable("timed out waiting for another process to refresh connection '" +
                       r.connection.link_name + "'");
  }
  auto client = LoadClient(r.connection.org_id, r.connection.environment, s.id);
  Result<TokenResponse> token = client.ok() ? Result<TokenResponse>(Unavailable("")) : client.error();
  if (client.ok()) {
    if (s.auth == AuthScheme::kOAuth2ClientCredentials) {
      std::vector<std::pair<std::string, std::string>> form = {{"grant_type", s.oauth2->grant_type}};
      if (!r.connection.scopes.empty()) {
        form.emplace_back("scope", JoinScopes(r.connection.scopes, s.oauth2->scope_delimiter));
      }
      token = TokenRequest(r, *client, s.oauth2->token_url, form);
    } else {
      token = TokenRequest(r, *client, s.oauth2->refresh_url,
                           {{"grant_type", "refresh_token"}, {"refresh_token", c.refresh_token}});
    }
  }
  now = clock_.NowMillis();
  if (token.ok()) {
    c.access_token = token->access_token;
    // Providers that do not rotate refresh tokens omit them: keep the one we have.
    if (!token->refresh_token.empty()) c.refresh_token = token->refresh_token;
    c.expires_at = token->expires_in ? std::optional<int64_t>(now + *token->expires_in * 1000)
                                     : std::nullopt;
    if (token->scope) c.granted_scopes = SplitScopes(*token->scope);
    if (c.granted_scopes.empty()) c.granted_scopes = r.connection.scopes;
    c.status = Status::kConnected;
    c.reason.clear();
    c.refresh_failures = 0;
    c.next_attempt_at.reset();
    c.refreshed_at = now;
    if (!c.authorized_at) c.authorized_at = now;
  } else {
    ++c.refresh_failures;
    bool permanent = token.error().code() == ErrorCode::kPermissionDenied ||
                     token.error().code() == ErrorCode::kFailedPrecondition;
    c.reason = token.error().message();
    if (permanent || c.refresh_failures >= options_.max_refresh_failures) {
      c.status = Status::kNeedsReauth;
      if (!permanent) {
        c.reason = "refreshing the token failed " + std::to_string(c.refresh_failures) +
                   " times; last: " + token.error().message();
      }
      c.next_attempt_at.reset();
    } else {
      int64_t backoff = options_.refresh_backoff.count() << (c.refresh_failures - 1);
      c.next_attempt_at = now + std::min<int64_t>(backoff, options_.max_refresh_backoff.count());
    }
  }
  TRY(SaveCredentials(r, c));  // rewrites the row: the lease goes with it
  if (!token.ok()) {
    ConnectionEvent e = EventOf(r.connection, "refresh_failed", c.user_id,
                                StatusName(c.status));
    e.reason = token.error().message();
    ProviderRefusal(token.error(), e);
    if (c.status == Status::kNeedsReauth) {
      ConnectionEvent then = e;
      then.type = "needs_reauth";
      then.reason = c.reason;
      Emit(std::move(e));
      Emit(std::move(then));
    } else {
      Emit(std::move(e));
    }
    if (c.status == Status::kNeedsReauth) {
      return FailedPrecondition("connection '" + r.connection.link_name + "' needs to be " +
                                AgainVerb(s) + ": " + c.reason);
    }
    return token.error().WithContext("refreshing the token of connection '" +
                                      r.connection.link_name + "'");
  }
  return c;
}

Result<Connection> Connections::SetCredentials(std::string_view org_id,
                                               std::string_view environment,
                                               std::string_view link_name,
                                               std::string_view user_id, const Values& fields) {
  Impl& d = *impl_;
  auto rp = TRY(d.Resolve(org_id, environment, link_name));
  const Resolved& r = *rp;
  const Service& s = *r.service;
  std::vector<std::string> expected;
  switch (s.auth) {
    case AuthScheme::kApiKey:
      for (const auto& f : s.api_key->fields) expected.push_back(f.name);
      break;
    case AuthScheme::kBasic:
      expected = {"username", "password"};
      break;
    case AuthScheme::kBearer:
      expected = {"token"};
      break;
    default:
      return FailedPrecondition("connection '" + r.connection.link_name + "' uses " +
                                std::string(AuthSchemeName(s.auth)) +
                                "; its credentials come from authorizing, not from values");
  }
  for (const auto& [k, v] : fields) {
    if (std::find(expected.begin(), expected.end(), k) == expected.end()) {
      return InvalidArgument("service " + s.id + " takes no credential '" + k + "'");
    }
  }
  for (const auto& name : expected) {
    auto it = fields.find(name);
    if (it == fields.end() || it->second.empty()) {
      return InvalidArgument("credential '" + name + "' is required for service " + s.id);
    }
  }
  Credentials c;
  c.connection_id = r.connection.id;
  c.user_id = d.UserKey(r.connection, user_id);
  c.fields = fields;
  c.status = Status::kConnected;
  c.authorized_at = d.clock_.NowMillis();
  Credentials previous = TRY(d.LoadCredentials(r, c.user_id));
  c.version = previous.version;
  TRY(d.SaveCredentials(r, c));
  ConnectionEvent e = d.EventOf(r.connection, previous.authorized_at ? "reauthorized" : "authorized",
                                c.user_id, "connected");
  e.actor = std::string(user_id);
  d.Emit(std::move(e));
  return Get(org_id, environment, link_name);
}

Result<Connection> Connections::Connect(std::string_view org_id, std::string_view environment,
                                        std::string_view link_name, std::string_view user_id) {
  Impl& d = *impl_;
  auto rp = TRY(d.Resolve(org_id, environment, link_name));
  const Resolved& r = *rp;
  if (r.service->auth != AuthScheme::kOAuth2ClientCredentials) {
    // Each refusal names the step that does apply, as BeginAuthorization's does for connect.
    const bool browser = r.service->auth == AuthScheme::kOAuth2 || r.service->auth == AuthScheme::kOAuth1;
    return FailedPrecondition("connection '" + r.connection.link_name + "' uses " +
                              std::string(AuthSchemeName(r.service->auth)) +
                              ", which is not connected without a browser; " +
                              (browser ? "authorize it instead" : "set its credentials instead"));
  }
  // Connecting is authorizing again: one that needs it (after failed fetches, a revocation or a
  // change of its service's policy) starts over instead of being refused.
  Credentials c = TRY(d.LoadCredentials(r, d.UserKey(r.connection, user_id)));
  if (c.exists && (c.status != Status::kConnected || Impl::Stale(r, c))) {
    Credentials fresh;
    fresh.connection_id = c.connection_id;
    fresh.user_id = c.user_id;
    fresh.version = c.version;
    fresh.account_id = c.account_id;
    TRY(d.SaveCredentials(r, fresh));
  }
  TRY(d.Usable(r, std::string(user_id), true, -1));
  ConnectionEvent e = d.EventOf(r.connection, c.authorized_at ? "reauthorized" : "authorized",
                                c.user_id, "connected");
  e.actor = std::string(user_id);
  d.Emit(std::move(e));
  return Get(org_id, environment, link_name);
}

}  // namespace relish::connections
