#include "identity/identity.h"

#include <sodium.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/ids.h"

namespace relish::identity {
namespace {

using store::Row;
using store::Transaction;
using store::TxMode;

constexpr std::string_view kTokenPrefix = "rl_";
constexpr size_t kMinPassword = 10;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

Result<std::string> NormaliseEmail(std::string_view email) {
  std::string e = Lower(email);
  auto at = e.find('@');
  if (e.empty() || e.size() > 254 || at == std::string::npos || at == 0 || at + 1 == e.size() ||
      e.find_first_of(" \t\r\n<>\"") != std::string::npos) {
    return InvalidArgument("'" + std::string(email) + "' is not an email address");
  }
  return e;
}

User UserFrom(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.Text(3) == "admin" ? Role::kAdmin : Role::kDeveloper,
          r.Int(4)};
}
constexpr std::string_view kUserColumns = "id, email, name, role, created_at";

ApiToken TokenFrom(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.OptInt(5), r.OptInt(6)};
}

}  // namespace

std::string_view RoleName(Role role) { return role == Role::kAdmin ? "admin" : "developer"; }

Result<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "developer") return Role::kDeveloper;
  return InvalidArgument("role must be admin or developer, got '" + std::string(name) + "'");
}

std::string DigestSecret(std::string_view secret) { return Sha256Hex(secret); }

namespace {

std::unique_ptr<PasswordHasher> DefaultHasher(const IdentityOptions& options) {
  if (options.hasher != nullptr) return nullptr;
  return std::make_unique<Argon2idHasher>(options.pwhash_opslimit, options.pwhash_memlimit);
}

// The rows CreateUser, CreateOrg and AddMember write, and Bootstrap writes together.
Result<void> InsertUser(Transaction& tx, const User& u, const std::string& hash) {
  TRY(tx.Exec("INSERT INTO users (id, email, name, role, password_hash, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?)",
              u.id, u.email, u.name, RoleName(u.role), hash, u.created_at));
  return Ok();
}

Result<void> InsertOrg(Transaction& tx, const Org& org) {
  TRY(tx.Exec("INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)", org.id, org.name,
              org.created_at));
  return Ok();
}

Result<void> InsertMember(Transaction& tx, std::string_view org_id, std::string_view user_id) {
  TRY(tx.Exec("INSERT INTO org_members (org_id, user_id) VALUES (?, ?)", org_id, user_id));
  return Ok();
}

}  // namespace

Identity::Identity(store::Store& store, const Clock& clock, Random& random, IdentityOptions options)
    : store_(store),
      clock_(clock),
      random_(random),
      options_(options),
      own_hasher_(DefaultHasher(options_)),
      hasher_(options_.hasher != nullptr ? *options_.hasher : *own_hasher_) {
  if (sodium_init() < 0) std::abort();
  random_.Fill(cache_key_);
}

static_assert(crypto_shorthash_siphashx24_KEYBYTES == 16);

Identity::TokenKey Identity::CacheKey(std::string_view token) const {
  // A keyed 128-bit SipHash: without the process's random key nobody can make two tokens
  // share an entry, and it costs a tenth of the SHA-256 the store's digest needs (which runs
  // only on a miss).
  static_assert(std::tuple_size_v<TokenKey> == crypto_shorthash_siphashx24_BYTES);
  TokenKey out;
  crypto_shorthash_siphashx24(out.data(), reinterpret_cast<const unsigned char*>(token.data()),
                              token.size(), cache_key_.data());
  return out;
}

std::vector<store::Migration> Identity::Migrations() {
  return {{"identity", 1, "users, organizations, API tokens, sessions", R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE org_members (
  org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_digest TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT
);
CREATE TABLE sessions (
  digest TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
)sql"}};
}

Result<std::string> Identity::HashPassword(std::string_view password) {
  if (password.size() < kMinPassword) {
    return InvalidArgument("passwords need at least " + std::to_string(kMinPassword) +
                           " characters");
  }
  return hasher_.Hash(password);
}

Result<std::string> Identity::DummyHash() {
  std::lock_guard lock(dummy_mu_);
  if (dummy_hash_.empty()) dummy_hash_ = TRY(hasher_.Hash(random_.Token(16)));
  return dummy_hash_;
}

Result<User> Identity::CreateUser(std::string_view email, std::string_view name,
                                  std::string_view password, Role role) {
  User user;
  user.email = TRY(NormaliseEmail(email));
  user.name = name.empty() ? user.email.substr(0, user.email.find('@')) : std::string(name);
  user.role = role;
  user.id = NewId("usr", clock_, random_);
  user.created_at = clock_.NowMillis();
  std::string hash = TRY(HashPassword(password));
  auto r = store::Transact(store_, TxMode::kWrite,
                           [&](Transaction& tx) { return InsertUser(tx, user, hash); });
  if (!r.ok()) {
    if (r.error().code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("a user with email " + user.email + " already exists");
    }
    return r.error();
  }
  return user;
}

Result<User> Identity::GetUser(std::string_view id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<User> {
    auto row = TRY(tx.QueryOne("no user " + std::string(id),
                               "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?",
                               id));
    return UserFrom(row);
  });
}

Result<User> Identity::FindUserByEmail(std::string_view email) {
  std::string e = Lower(email);
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<User> {
    auto row = TRY(tx.QueryOne("no user with email " + e,
                               "SELECT " + std::string(kUserColumns) +
                                   " FROM users WHERE email = ?",
                               e));
    return UserFrom(row);
  });
}

Result<std::vector<User>> Identity::ListUsers() {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<User>> {
    auto rows = TRY(tx.Query("SELECT " + std::string(kUserColumns) + " FROM users ORDER BY email"));
    std::vector<User> out;
    for (const auto& r : rows) out.push_back(UserFrom(r));
    return out;
  });
}

Result<std::vector<User>> Identity::ListMembers(std::string_view org_id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<User>> {
    auto rows = TRY(tx.Query("SELECT " + std::string(kUserColumns) +
                                 " FROM users WHERE id IN (SELECT user_id FROM org_members"
                                 " WHERE org_id = ?) ORDER BY email",
                             org_id));
    std::vector<User> out;
    for (const auto& r : rows) out.push_back(UserFrom(r));
    return out;
  });
}

Result<int64_t> Identity::CountUsers() {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<int64_t> {
    return TRY(tx.QueryOne("count", "SELECT COUNT(*) FROM users")).Int(0);
  });
}

Result<void> Identity::SetPassword(std::string_view user_id, std::string_view password) {
  std::string hash = TRY(HashPassword(password));
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?", hash, user_id)) == 0) {
      return NotFound("no user " + std::string(user_id));
    }
    // A new password ends every session of the user.
    TRY(tx.Exec("DELETE FROM sessions WHERE user_id = ?", user_id));
    return Ok();
  }));
  if (options_.on_password_changed) options_.on_password_changed(user_id);
  return Ok();
}

Result<User> Identity::SetRole(std::string_view user_id, Role role) {
  User user = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<User> {
    User u = UserFrom(TRY(tx.QueryOne("no user " + std::string(user_id),
                                      "SELECT " + std::string(kUserColumns) +
                                          " FROM users WHERE id = ?",
                                      user_id)));
    if (u.role == Role::kAdmin && role != Role::kAdmin &&
        TRY(tx.QueryOne("count", "SELECT COUNT(*) FROM users WHERE role = 'admin'")).Int(0) <= 1) {
      return FailedPrecondition(u.email + " is the last administrator; make another first");
    }
    TRY(tx.Exec("UPDATE users SET role = ? WHERE id = ?", RoleName(role), user_id));
    u.role = role;
    return u;
  }));
  // Verified tokens carry their user's role.
  tokens_.Clear();
  return user;
}

Result<User> Identity::CheckPassword(std::string_view email, std::string_view password) {
  // Before anything else, whoever asks: the first call costs one hash more, known email or not.
  std::string dummy = TRY(DummyHash());
  std::string e = Lower(email);
  auto row = store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Row> {
    return tx.QueryOne("no user", "SELECT " + std::string(kUserColumns) +
                                      ", password_hash FROM users WHERE email = ?",
                       e);
  });
  const Error kWrong = Unauthenticated("wrong email or password");
  if (!row.ok()) {
    if (row.error().code() != ErrorCode::kNotFound) return row.error();
    (void)hasher_.Verify(dummy, password);  // the cost of a wrong password, and no more
    return kWrong;
  }
  if (!hasher_.Verify(row->Text(5), password)) return kWrong;
  return UserFrom(*row);
}

Result<Org> Identity::CreateOrg(std::string_view name) {
  if (name.empty() || name.size() > 100) {
    return InvalidArgument("organization names have 1 to 100 characters");
  }
  Org org{NewId("org", clock_, random_), std::string(name), clock_.NowMillis()};
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) { return InsertOrg(tx, org); }));
  return org;
}

Result<Org> Identity::GetOrg(std::string_view id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Org> {
    auto r = TRY(tx.QueryOne("no organization " + std::string(id),
                             "SELECT id, name, created_at FROM orgs WHERE id = ?", id));
    return Org{r.Text(0), r.Text(1), r.Int(2)};
  });
}

Result<std::vector<Org>> Identity::ListOrgs() {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<Org>> {
    std::vector<Org> out;
    for (const auto& r : TRY(tx.Query("SELECT id, name, created_at FROM orgs ORDER BY id"))) {
      out.push_back({r.Text(0), r.Text(1), r.Int(2)});
    }
    return out;
  });
}

Result<Identity::OrgList> Identity::Orgs(std::string_view user_id) {
  std::string key(user_id);
  if (auto cached = orgs_.Get(key)) return std::move(*cached);
  auto orgs = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<Org>> {
    std::vector<Org> out;
    auto rows = TRY(tx.Query(
        "SELECT o.id, o.name, o.created_at FROM orgs o JOIN org_members m ON m.org_id = o.id"
        " WHERE m.user_id = ? ORDER BY o.id",
        user_id));
    for (const auto& r : rows) out.push_back({r.Text(0), r.Text(1), r.Int(2)});
    return out;
  }));
  OrgList shared = std::make_shared<const std::vector<Org>>(std::move(orgs));
  orgs_.Put(key, shared);
  return shared;
}

Result<std::vector<Org>> Identity::OrgsOf(std::string_view user_id) { return *TRY(Orgs(user_id)); }

Result<std::optional<std::string>> Identity::FirstOrgId(std::string_view user_id) {
  OrgList orgs = TRY(Orgs(user_id));
  if (orgs->empty()) return std::optional<std::string>();
  return std::optional<std::string>(orgs->front().id);
}

Result<void> Identity::AddMember(std::string_view org_id, std::string_view user_id) {
  orgs_.Erase(std::string(user_id));
  auto r = store::Transact(store_, TxMode::kWrite,
                           [&](Transaction& tx) { return InsertMember(tx, org_id, user_id); });
  if (!r.ok() && r.error().code() == ErrorCode::kFailedPrecondition) {
    return NotFound("no organization " + std::string(org_id) + " or no user " +
                    std::string(user_id));
  }
  if (!r.ok() && r.error().code() == ErrorCode::kAlreadyExists) return Ok();
  return r;
}

Result<bool> Identity::IsMember(std::string_view org_id, std::string_view user_id) {
  for (const auto& org : *TRY(Orgs(user_id))) {
    if (org.id == org_id) return true;
  }
  return false;
}

Result<std::pair<ApiToken, std::string>> Identity::CreateToken(std::string_view user_id,
                                                               std::string_view name,
                                                               std::optional<int64_t> ttl_ms) {
  if (name.empty() || name.size() > 100) {
    return InvalidArgument("token names have 1 to 100 characters");
  }
  std::string secret = std::string(kTokenPrefix) + random_.Token(32);
  ApiToken t;
  t.id = NewId("tok", clock_, random_);
  t.user_id = std::string(user_id);
  t.name = std::string(name);
  t.prefix = secret.substr(0, 8);
  t.created_at = clock_.NowMillis();
  if (ttl_ms) t.expires_at = t.created_at + *ttl_ms;
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO api_tokens (id, user_id, name, prefix, token_digest, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                t.id, t.user_id, t.name, t.prefix, DigestSecret(secret), t.created_at,
                t.expires_at));
    return Ok();
  });
  if (!r.ok() && r.error().code() == ErrorCode::kFailedPrecondition) {
    return NotFound("no user " + std::string(user_id));
  }
  TRY(r);
  return std::pair{t, secret};
}

Result<std::vector<ApiToken>> Identity::ListTokens(std::string_view user_id) {
  return store::Transact(store_, TxMode::kRead,
                         [&](Transaction& tx) -> Result<std::vector<ApiToken>> {
                           std::vector<ApiToken> out;
                           auto rows = TRY(tx.Query(
                               "SELECT id, user_id, name, prefix, created_at, expires_at,"
                               " last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id",
                               user_id));
                           for (const auto& r : rows) out.push_back(TokenFrom(r));
                           return out;
                         });
}

Result<void> Identity::RevokeToken(std::string_view user_id, std::string_view token_id) {
  tokens_.Clear();
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(tx.Exec("DELETE FROM api_tokens WHERE id = ? AND user_id = ?", token_id, user_id)) ==
        0) {
      return NotFound("no token " + std::string(token_id));
    }
    return Ok();
  });
}

Result<Principal> Identity::AuthenticateToken(std::string_view token) {
  // Made when needed: an error's message is a string to build, and most calls succeed.
  auto bad = [] { return Unauthenticated("invalid or expired API token"); };
  if (!token.starts_with(kTokenPrefix)) return bad();
  TokenKey key = CacheKey(token);
  if (auto cached = tokens_.Get(key)) return std::move(*cached);
  std::string digest = DigestSecret(token);
  int64_t now = clock_.NowMillis();
  auto row = store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Row> {
    return tx.QueryOne("token",
                       "SELECT u.id, u.email, u.name, u.role, u.created_at, t.id, t.expires_at,"
                       " t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id"
                       " WHERE t.token_digest = ?",
                       digest);
  });
  if (!row.ok()) return row.error().code() == ErrorCode::kNotFound ? bad() : row.error();
  if (auto expires = row->OptInt(6); expires && *expires <= now) return bad();
  Principal p;
  p.user = UserFrom(*row);
  p.via = Principal::Via::kToken;
  p.token_id = row->Text(5);
  // Record use at most once a minute: a write per request would serialise every API call.
  if (row->Int(7) + 60'000 < now) {
    (void)store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      TRY(tx.Exec("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, p.token_id));
      return Ok();
    });
  }
  // Not past the token's own expiry: the cache keeps an entry a few seconds at most.
  if (!row->OptInt(6) || *row->OptInt(6) > now + 5000) tokens_.Put(key, p);
  return p;
}

Result<NewSession> Identity::CreateSession(std::string_view user_id) {
  NewSession s;
  s.cookie = random_.Token(32);
  s.csrf = random_.Token(24);
  int64_t now = clock_.NowMillis();
  s.expires_at = now + options_.session_ttl_ms;
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM sessions WHERE expires_at <= ?", now));
    TRY(tx.Exec("INSERT INTO sessions (digest, user_id, csrf, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                DigestSecret(s.cookie), user_id, s.csrf, now, s.expires_at));
    return Ok();
  }));
  return s;
}

Result<Principal> Identity::AuthenticateSession(std::string_view cookie) {
  auto bad = [] { return Unauthenticated("not signed in, or the session has expired"); };
  if (cookie.empty()) return bad();
  auto row = store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Row> {
    return tx.QueryOne("session",
                       "SELECT u.id, u.email, u.name, u.role, u.created_at, s.csrf, s.expires_at"
                       " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = ?",
                       DigestSecret(cookie));
  });
  if (!row.ok()) return row.error().code() == ErrorCode::kNotFound ? bad() : row.error();
  if (row->Int(6) <= clock_.NowMillis()) return bad();
  Principal p;
  p.user = UserFrom(*row);
  p.via = Principal::Via::kSession;
  p.csrf = row->Text(5);
  return p;
}

Result<void> Identity::EndSession(std::string_view cookie) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM sessions WHERE digest = ?", DigestSecret(cookie)));
    return Ok();
  });
}

Result<std::optional<std::pair<User, std::string>>> Identity::Bootstrap(
    std::string_view email, std::optional<std::string> password) {
  using First = std::optional<std::pair<User, std::string>>;
  if (TRY(CountUsers()) > 0) return First();  // every start but the first: no hashing
  std::string pw = password ? *password : random_.Token(15);
  User admin{.id = NewId("usr", clock_, random_),
             .email = TRY(NormaliseEmail(email)),
             .name = "Administrator",
             .role = Role::kAdmin,
             .created_at = clock_.NowMillis()};
  std::string hash = TRY(HashPassword(pw));
  Org org{NewId("org", clock_, random_), "My Organization", clock_.NowMillis()};
  // Checked and made in one write transaction (the writer lock on both backends): nodes started
  // together on an empty database, each configured with its own admin email, make one
  // administrator between them, not one each.
  bool made = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<bool> {
    if (TRY(tx.QueryOne("count", "SELECT COUNT(*) FROM users")).Int(0) > 0) return false;
    TRY(InsertUser(tx, admin, hash));
    TRY(InsertOrg(tx, org));
    TRY(InsertMember(tx, org.id, admin.id));
    return true;
  }));
  if (!made) return First();
  return First(std::pair{admin, pw});
}

}  // namespace relish::identity
