#include "identity/oauth_server.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "base/encoding.h"
#include "base/ids.h"
#include "identity/identity.h"
#include "identity/scopes.h"

namespace relish::identity {
namespace {

using store::Row;
using store::Transaction;
using store::TxMode;
using TokenOutcome = std::variant<TokenResponse, OAuthError>;

constexpr std::string_view kAccessPrefix = "rla_";
constexpr std::string_view kRefreshPrefix = "rlr_";
constexpr std::string_view kCodePrefix = "rlc_";
// Used or expired codes are kept this long after expiry so a replay is still recognised.
constexpr int64_t kCodeRetentionMs = 3'600'000;
constexpr std::string_view kSystemClientMustPin =
    "Relish's own connections must name relish_org and relish_environment.";

// A token request that names relish_org/relish_environment must match the code's or grant's;
// Relish's own client must name both when exchanging a code. nullopt when it may go on.
std::optional<OAuthError> CheckPinned(const OAuthClient& client,
                                      const std::map<std::string, std::string>& p,
                                      const std::string& org_id, const std::string& environment,
                                      bool required, std::string_view what) {
  auto org = p.find("relish_org");
  auto env = p.find("relish_environment");
  bool named_org = org != p.end() && !org->second.empty();
  bool named_env = env != p.end() && !env->second.empty();
  if (required && client.system && (!named_org || !named_env)) {
    return OAuthError{"invalid_request", std::string(kSystemClientMustPin), 400};
  }
  if ((named_org && org->second != org_id) || (named_env && env->second != environment)) {
    return OAuthError{"invalid_grant",
                      "The " + std::string(what) +
                          " was issued for another organization or environment.",
                      400};
  }
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// Lists are stored as newline-separated text (redirect URIs and scopes hold no newlines).
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

OAuthClient ClientFrom(const Row& r) {
  OAuthClient c;
  c.id = r.Text(0);
  c.name = r.Text(1);
  c.confidential = !r.IsNull(2);
  c.redirect_uris = SplitLines(r.Text(3));
  c.scopes = SplitLines(r.Text(4));
  c.system = r.Bool(5);
  c.created_at = r.Int(6);
  return c;
}
constexpr std::string_view kClientColumns =
    "id, name, secret_digest, redirect_uris, scopes, is_system, created_at";

std::string Param(const std::map<std::string, std::string>& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? "" : it->second;
}

OAuthError Err(std::string error, std::string description, int status = 400) {
  return {std::move(error), std::move(description), status};
}

// A redirect URI a client may register: absolute http(s), no fragment, no user info.
Result<void> CheckRedirectUri(const std::string& uri) {
  bool scheme = uri.starts_with("https://") || uri.starts_with("http://");
  size_t host_start = uri.find("://") + 3;
  size_t host_end = uri.find_first_of("/?#", host_start);
  std::string authority = uri.substr(
      host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if (!scheme || authority.empty() || uri.find('#') != std::string::npos ||
      authority.find('@') != std::string::npos || uri.size() > 2000 ||
      uri.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgument("redirect URI '" + uri +
                           "' must be an absolute http(s) URL without a fragment or user info");
  }
  return Ok();
}

bool IsPkceText(std::string_view s) {
  return s.size() >= 43 && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                  c == '~';
         });
}

std::string RandomHex(Random& random, size_t bytes) {
  std::string raw(bytes, '\0');
  random.Fill({reinterpret_cast<uint8_t*>(raw.data()), raw.size()});
  return HexEncode(raw);
}

std::string UpperHex(Random& random, size_t bytes) {
  std::string hex = RandomHex(random, bytes);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

}  // namespace

std::string PkceChallenge(std::string_view verifier) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size());
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

OAuthServer::OAuthServer(store::Store& store, const Clock& clock, Random& random,
                         OAuthOptions options)
    : store_(store), clock_(clock), random_(random), options_(options) {
  if (sodium_init() < 0) std::abort();
}

std::vector<store::Migration> OAuthServer::Migrations() {
  return {{"oauth", 1, "OAuth clients, codes, grants and tokens", R"sql(
CREATE TABLE oauth_clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_digest TEXT,
  redirect_uris TEXT NOT NULL,
  scopes TEXT NOT NULL,
  is_system BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE oauth_grants (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE oauth_codes (
  digest TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  scopes TEXT NOT NULL,
  offline BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  grant_id TEXT
);
CREATE TABLE oauth_tokens (
  digest TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX oauth_tokens_by_grant ON oauth_tokens (grant_id);
)sql"}};
}

// ---- Clients ---------------------------------------------------------------------------------

Result<std::pair<OAuthClient, std::string>> OAuthServer::CreateClient(const NewClient& spec) {
  if (spec.name.empty() || spec.name.size() > 100) {
    return InvalidArgument("a client needs a name of 1 to 100 characters");
  }
  if (spec.redirect_uris.empty())
    return InvalidArgument("a client needs at least one redirect URI");
  for (const auto& uri : spec.redirect_uris) TRY(CheckRedirectUri(uri));
  for (const auto& s : spec.scopes) TRY(ParseScope(s));
  OAuthClient client{.id = "1000." + UpperHex(random_, 15),
                     .name = spec.name,
                     .confidential = spec.confidential,
                     .redirect_uris = spec.redirect_uris,
                     .scopes = spec.scopes,
                     .system = false,
                     .created_at = clock_.NowMillis()};
  std::string secret = spec.confidential ? RandomHex(random_, 21) : "";
  std::optional<std::string> digest;
  if (spec.confidential) digest = DigestSecret(secret);
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(
        tx.Exec("INSERT INTO oauth_clients (id, name, secret_digest, redirect_uris, scopes,"
                " is_system, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                client.id, client.name, digest, Join(client.redirect_uris, "\n"),
                Join(client.scopes, "\n"), client.created_at));
    return Ok();
  }));
  return std::pair{client, secret};
}

Result<std::vector<OAuthClient>> OAuthServer::ListClients() {
  return store::Transact(
      store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<OAuthClient>> {
        std::vector<OAuthClient> out;
        for (const auto& r : TRY(tx.Query("SELECT " + std::string(kClientColumns) +
                                          " FROM oauth_clients ORDER BY created_at, id"))) {
          out.push_back(ClientFrom(r));
        }
        return out;
      });
}

Result<OAuthClient> OAuthServer::GetClient(std::string_view client_id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<OAuthClient> {
    auto row = TRY(tx.QueryOne(
        "no OAuth client " + std::string(client_id),
        "SELECT " + std::string(kClientColumns) + " FROM oauth_clients WHERE id = ?", client_id));
    return ClientFrom(row);
  });
}

Result<void> OAuthServer::DeleteClient(std::string_view client_id) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(tx.Exec("DELETE FROM oauth_clients WHERE id = ?", client_id)) == 0) {
      return NotFound("no OAuth client " + std::string(client_id));
    }
    return Ok();
  });
}

Result<std::string> OAuthServer::RotateClientSecret(std::string_view client_id) {
  std::string secret = RandomHex(random_, 21);
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(tx.Exec("UPDATE oauth_clients SET secret_digest = ? WHERE id = ? AND"
                    " secret_digest IS NOT NULL",
                    DigestSecret(secret), client_id)) == 0) {
      return NotFound("no confidential OAuth client " + std::string(client_id));
    }
    return Ok();
  }));
  return secret;
}

Result<OAuthServer::EnsuredClient> OAuthServer::EnsureSystemClient(
    std::string_view name, std::string_view redirect_uri, const std::vector<std::string>& scopes) {
  TRY(CheckRedirectUri(std::string(redirect_uri)));
  for (const auto& s : scopes) TRY(ParseScope(s));
  std::string secret = RandomHex(random_, 21);
  std::string new_id = "1000." + UpperHex(random_, 15);
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<EnsuredClient> {
    auto rows =
        TRY(tx.Query("SELECT id FROM oauth_clients WHERE is_system = 1 AND name = ?", name));
    if (!rows.empty()) {
      TRY(tx.Exec("UPDATE oauth_clients SET redirect_uris = ?, scopes = ? WHERE id = ?",
                  redirect_uri, Join(scopes, "\n"), rows.front().Text(0)));
      return EnsuredClient{rows.front().Text(0), std::nullopt};
    }
    TRY(tx.Exec(
        "INSERT INTO oauth_clients (id, name, secret_digest, redirect_uris, scopes,"
        " is_system, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
        new_id, name, DigestSecret(secret), redirect_uri, Join(scopes, "\n"), clock_.NowMillis()));
    return EnsuredClient{new_id, secret};
  });
}

// ---- Authorization endpoint -------------------------------------------------------------------

Result<AuthorizeCheck> OAuthServer::CheckAuthorizeRequest(
    const std::map<std::string, std::string>& p) {
  AuthorizeCheck check;
  std::string client_id = Param(p, "client_id");
  if (client_id.empty()) {
    check.page_error = Err("invalid_request", "The request has no client_id.");
    return check;
  }
  auto client = GetClient(client_id);
  if (!client.ok()) {
    if (client.error().code() != ErrorCode::kNotFound) return client.error();
    check.page_error = Err("invalid_client", "There is no client with the id " + client_id + ".");
    return check;
  }
  std::string redirect_uri = Param(p, "redirect_uri");
  if (redirect_uri.empty()) {
    check.page_error = Err("invalid_request", "The request has no redirect_uri.");
    return check;
  }
  // RFC 9700 2.1: exact string comparison, no patterns, no prefixes.
  if (std::find(client->redirect_uris.begin(), client->redirect_uris.end(), redirect_uri) ==
      client->redirect_uris.end()) {
    check.page_error = Err("invalid_request", "The redirect_uri " + redirect_uri +
                                                  " is not registered for " + client->name + ".");
    return check;
  }
  // From here on errors go back to the client.
  check.redirect_uri = redirect_uri;
  check.state = Param(p, "state");
  auto fail = [&](std::string error, std::string description) {
    check.redirect_error = Err(std::move(error), std::move(description));
    return check;
  };
  if (Param(p, "response_type") != "code") {
    return fail("unsupported_response_type", "Only response_type=code is supported.");
  }
  if (check.state.size() > 2048) return fail("invalid_request", "The state is too long.");
  auto scopes = ParseScopeList(Param(p, "scope"));
  if (!scopes.ok()) return fail("invalid_scope", scopes.error().message() + ".");
  if (scopes->empty()) return fail("invalid_scope", "The request has no scope.");
  if (!client->scopes.empty() && !CoversAll(client->scopes, *scopes)) {
    return fail("invalid_scope", "The client may not ask for " + Join(*scopes, ",") + ".");
  }
  std::string challenge = Param(p, "code_challenge");
  std::string method = Param(p, "code_challenge_method");
  if (!challenge.empty() || !method.empty()) {
    if (method != "S256") {
      return fail("invalid_request", "code_challenge_method must be S256.");
    }
    if (!IsPkceText(challenge)) {
      return fail("invalid_request",
                  "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.");
    }
  } else if (!client->confidential) {
    return fail("invalid_request", "A public client must use PKCE (code_challenge with S256).");
  }
  std::string access_type = Param(p, "access_type");
  if (!access_type.empty() && access_type != "offline" && access_type != "online") {
    return fail("invalid_request", "access_type must be offline or online.");
  }
  if (Param(p, "prompt") == "none") {
    return fail("consent_required", "This server always asks the user to consent.");
  }
  std::string org_id = Param(p, "relish_org");
  std::string environment = Param(p, "relish_environment");
  if (!environment.empty() && environment != "sandbox" && environment != "production") {
    return fail("invalid_request", "relish_environment must be sandbox or production.");
  }
  if (client->system && (org_id.empty() || environment.empty())) {
    // Without them the consent page would let whoever opens the link choose the organization.
    return fail("invalid_request", std::string(kSystemClientMustPin));
  }
  check.request = AuthorizationRequest{.client = *client,
                                       .redirect_uri = redirect_uri,
                                       .state = check.state,
                                       .scopes = *scopes,
                                       .code_challenge = challenge,
                                       .offline = access_type == "offline",
                                       .org_id = org_id,
                                       .environment = environment};
  return check;
}

Result<std::string> OAuthServer::IssueCode(const AuthorizationRequest& request,
                                           std::string_view user_id, std::string_view org_id,
                                           std::string_view environment) {
  if ((!request.org_id.empty() && request.org_id != org_id) ||
      (!request.environment.empty() && request.environment != environment)) {
    return PermissionDenied(
        "the authorization request is for another organization or environment");
  }
  std::string code = std::string(kCodePrefix) + random_.Token(32);
  int64_t now = clock_.NowMillis();
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM oauth_codes WHERE expires_at < ?", now - kCodeRetentionMs));
    TRY(
        tx.Exec("INSERT INTO oauth_codes (digest, client_id, redirect_uri, code_challenge, user_id,"
                " org_id, environment, scopes, offline, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                DigestSecret(code), request.client.id, request.redirect_uri, request.code_challenge,
                user_id, org_id, environment, Join(request.scopes, "\n"), request.offline,
                now + options_.code_ttl_ms));
    return Ok();
  }));
  return code;
}

// ---- Token endpoint ---------------------------------------------------------------------------

Result<std::variant<OAuthClient, OAuthError>> OAuthServer::AuthenticateClient(
    Transaction& tx, const ClientCredentials& c) {
  using Out = std::variant<OAuthClient, OAuthError>;
  if (c.client_id.empty()) {
    return Out(Err("invalid_client", "The request does not identify the client.", 401));
  }
  auto rows = TRY(tx.Query(
      "SELECT " + std::string(kClientColumns) + " FROM oauth_clients WHERE id = ?", c.client_id));
  if (rows.empty()) return Out(Err("invalid_client", "Client authentication failed.", 401));
  OAuthClient client = ClientFrom(rows.front());
  if (client.confidential) {
    if (!c.client_secret || !SameSecret(DigestSecret(*c.client_secret), rows.front().Text(2))) {
      return Out(Err("invalid_client", "Client authentication failed.", 401));
    }
  } else if (c.client_secret && !c.client_secret->empty()) {
    return Out(Err("invalid_client", "This public client has no secret.", 401));
  }
  return Out(std::move(client));
}

Result<TokenOutcome> OAuthServer::Token(const ClientCredentials& credentials,
                                        const std::map<std::string, std::string>& p) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<TokenOutcome> {
    auto client = TRY(AuthenticateClient(tx, credentials));
    if (auto* e = std::get_if<OAuthError>(&client)) return TokenOutcome(*e);
    const OAuthClient& c = std::get<OAuthClient>(client);
    std::string grant_type = Param(p, "grant_type");
    if (grant_type == "authorization_code") return ExchangeCode(tx, c, p);
    if (grant_type == "refresh_token") return Refresh(tx, c, p);
    if (grant_type.empty())
      return TokenOutcome(Err("invalid_request", "The request has no grant_type."));
    return TokenOutcome(
        Err("unsupported_grant_type", "grant_type must be authorization_code or refresh_token."));
  });
}

Result<TokenOutcome> OAuthServer::ExchangeCode(Transaction& tx, const OAuthClient& client,
                                               const std::map<std::string, std::string>& p) {
  std::string code = Param(p, "code");
  if (code.empty()) return TokenOutcome(Err("invalid_request", "The request has no code."));
  auto rows = TRY(tx.Query(
      "SELECT client_id, redirect_uri, code_challenge, user_id, org_id, environment, scopes,"
      " offline, expires_at, used_at, grant_id FROM oauth_codes WHERE digest = ?",
      DigestSecret(code)));
  const OAuthError invalid = Err("invalid_grant", "The code is invalid, expired or already used.");
  if (rows.empty()) return TokenOutcome(invalid);
  const Row& r = rows.front();
  if (r.Text(0) != client.id) return TokenOutcome(invalid);
  if (!r.IsNull(9)) {
    // RFC 6749 10.5: a code used twice was probably stolen; revoke what it issued.
    if (!r.IsNull(10)) TRY(RevokeGrant(tx, r.Text(10)));
    return TokenOutcome(invalid);
  }
  int64_t now = clock_.NowMillis();
  // The code is spent by this attempt, whatever its outcome.
  TRY(tx.Exec("UPDATE oauth_codes SET used_at = ? WHERE digest = ?", now, DigestSecret(code)));
  if (now >= r.Int(8)) return TokenOutcome(invalid);
  if (Param(p, "redirect_uri") != r.Text(1)) {
    return TokenOutcome(
        Err("invalid_grant", "The redirect_uri does not match the authorization request."));
  }
  std::string verifier = Param(p, "code_verifier");
  const std::string& challenge = r.Text(2);
  if (challenge.empty() && !verifier.empty()) {
    // RFC 9700 2.1.1: no PKCE downgrade.
    return TokenOutcome(Err("invalid_grant", "The authorization request had no code_challenge."));
  }
  if (!challenge.empty()) {
    if (verifier.empty())
      return TokenOutcome(Err("invalid_grant", "The request has no code_verifier."));
    if (!IsPkceText(verifier) || !SameSecret(PkceChallenge(verifier), challenge)) {
      return TokenOutcome(
          Err("invalid_grant", "The code_verifier does not match the code_challenge."));
    }
  }
  if (auto e = CheckPinned(client, p, r.Text(4), r.Text(5), /*required=*/true, "code")) {
    return TokenOutcome(*e);
  }
  std::string grant_id = NewId("grt", clock_, random_);
  TRY(
      tx.Exec("INSERT INTO oauth_grants (id, client_id, user_id, org_id, environment, scopes,"
              " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              grant_id, client.id, r.Text(3), r.Text(4), r.Text(5), r.Text(6), now));
  TRY(tx.Exec("UPDATE oauth_codes SET grant_id = ? WHERE digest = ?", grant_id,
              DigestSecret(code)));
  return TokenOutcome(TRY(IssueTokens(tx, grant_id, SplitLines(r.Text(6)), r.Bool(7))));
}

Result<TokenOutcome> OAuthServer::Refresh(Transaction& tx, const OAuthClient& client,
                                          const std::map<std::string, std::string>& p) {
  std::string token = Param(p, "refresh_token");
  if (token.empty())
    return TokenOutcome(Err("invalid_request", "The request has no refresh_token."));
  auto rows =
      TRY(tx.Query("SELECT t.grant_id, t.used_at, t.revoked_at, g.client_id, g.revoked_at,"
                   " g.scopes, g.org_id, g.environment"
                   " FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id"
                   " WHERE t.digest = ? AND t.kind = 'refresh'",
                   DigestSecret(token)));
  const OAuthError invalid = Err("invalid_grant", "The refresh token is invalid or revoked.");
  if (rows.empty() || rows.front().Text(3) != client.id) return TokenOutcome(invalid);
  const Row& r = rows.front();
  if (!r.IsNull(2) || !r.IsNull(4)) return TokenOutcome(invalid);
  if (!r.IsNull(1)) {
    // A rotated-out refresh token came back: someone holds a copy. Revoke the whole grant.
    TRY(RevokeGrant(tx, r.Text(0)));
    return TokenOutcome(
        Err("invalid_grant", "The refresh token was already used; the grant is revoked."));
  }
  // Grants from before relish_org existed are refreshed without it: not required here.
  if (auto e = CheckPinned(client, p, r.Text(6), r.Text(7), /*required=*/false, "refresh token")) {
    return TokenOutcome(*e);
  }
  std::vector<std::string> granted = SplitLines(r.Text(5));
  std::vector<std::string> scopes = granted;
  if (std::string asked = Param(p, "scope"); !asked.empty()) {
    auto parsed = ParseScopeList(asked);
    if (!parsed.ok() || !CoversAll(granted, *parsed)) {
      return TokenOutcome(Err("invalid_scope", "The scope asked for exceeds the grant."));
    }
    scopes = *parsed;
  }
  if (TRY(tx.Exec("UPDATE oauth_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL",
                  clock_.NowMillis(), DigestSecret(token))) != 1) {
    return TokenOutcome(invalid);
  }
  return TokenOutcome(TRY(IssueTokens(tx, r.Text(0), scopes, /*refresh=*/true)));
}

Result<TokenResponse> OAuthServer::IssueTokens(Transaction& tx, std::string_view grant_id,
                                               const std::vector<std::string>& scopes,
                                               bool refresh) {
  TokenResponse out;
  int64_t now = clock_.NowMillis();
  out.access_token = std::string(kAccessPrefix) + random_.Token(32);
  out.scope = Join(scopes, " ");
  TRY(tx.Exec(
      "INSERT INTO oauth_tokens (digest, grant_id, kind, scopes, created_at, expires_at)"
      " VALUES (?, ?, 'access', ?, ?, ?)",
      DigestSecret(out.access_token), grant_id, Join(scopes, "\n"), now, now + kAccessTokenTtlMs));
  if (refresh) {
    out.refresh_token = std::string(kRefreshPrefix) + random_.Token(32);
    TRY(
        tx.Exec("INSERT INTO oauth_tokens (digest, grant_id, kind, scopes, created_at)"
                " VALUES (?, ?, 'refresh', ?, ?)",
                DigestSecret(out.refresh_token), grant_id, Join(scopes, "\n"), now));
  }
  return out;
}

Result<void> OAuthServer::RevokeGrant(Transaction& tx, std::string_view grant_id) {
  int64_t now = clock_.NowMillis();
  TRY(tx.Exec("UPDATE oauth_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now,
              grant_id));
  TRY(tx.Exec("UPDATE oauth_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL",
              now, grant_id));
  return Ok();
}

Result<std::optional<OAuthError>> OAuthServer::Revoke(const ClientCredentials& credentials,
                                                      std::string_view token) {
  return store::Transact(
      store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::optional<OAuthError>> {
        auto client = TRY(AuthenticateClient(tx, credentials));
        if (auto* e = std::get_if<OAuthError>(&client)) return std::optional(*e);
        if (token.empty())
          return std::optional(Err("invalid_request", "The request has no token."));
        auto rows =
            TRY(tx.Query("SELECT t.kind, t.grant_id, g.client_id FROM oauth_tokens t"
                         " JOIN oauth_grants g ON g.id = t.grant_id WHERE t.digest = ?",
                         DigestSecret(token)));
        if (rows.empty() || rows.front().Text(2) != std::get<OAuthClient>(client).id) {
          return std::optional<OAuthError>();
        }
        if (rows.front().Text(0) == "refresh") {
          TRY(RevokeGrant(tx, rows.front().Text(1)));
        } else {
          TRY(tx.Exec(
              "UPDATE oauth_tokens SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL",
              clock_.NowMillis(), DigestSecret(token)));
        }
        return std::optional<OAuthError>();
      });
}

Result<AccessGrant> OAuthServer::AuthenticateAccessToken(std::string_view token) {
  if (!token.starts_with(kAccessPrefix)) return Unauthenticated("invalid oauth token");
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<AccessGrant> {
    auto rows = TRY(tx.Query(
        "SELECT t.expires_at, t.revoked_at, t.scopes, g.id, g.client_id, g.user_id, g.org_id,"
        " g.environment, g.revoked_at FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id"
        " WHERE t.digest = ? AND t.kind = 'access'",
        DigestSecret(token)));
    if (rows.empty()) return Unauthenticated("invalid oauth token");
    const Row& r = rows.front();
    if (!r.IsNull(1) || !r.IsNull(8)) return Unauthenticated("invalid oauth token");
    if (clock_.NowMillis() >= r.Int(0)) return Unauthenticated("invalid oauth token");
    return AccessGrant{.grant_id = r.Text(3),
                       .client_id = r.Text(4),
                       .user_id = r.Text(5),
                       .org_id = r.Text(6),
                       .environment = r.Text(7),
                       .scopes = SplitLines(r.Text(2)),
                       .expires_at = r.Int(0)};
  });
}

}  // namespace relish::identity
