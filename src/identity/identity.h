// Identity: console users (admin or developer), organizations they belong to, personal API
// tokens for the CLI and REST API, and browser sessions with a CSRF token.
//
// Secrets here are never stored: passwords as Argon2id hashes (libsodium crypto_pwhash_str),
// API tokens and session ids as SHA-256 digests. The plaintext token or session id exists only in
// the value returned once to the caller.
//
// Thread-safe: all state is in the Store.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "base/ttl_cache.h"
#include "identity/password_hasher.h"
#include "store/store.h"

namespace relish::identity {

enum class Role { kAdmin, kDeveloper };
std::string_view RoleName(Role role);  // "admin", "developer"
Result<Role> ParseRole(std::string_view name);

struct User {
  std::string id;
  std::string email;  // lowercase
  std::string name;
  Role role = Role::kDeveloper;
  int64_t created_at = 0;  // epoch ms
};

struct Org {
  std::string id;
  std::string name;
  int64_t created_at = 0;
};

struct ApiToken {
  std::string id;
  std::string user_id;
  std::string name;
  std::string prefix;  // the first characters of the token, to tell tokens apart in lists
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
};

// Who is making a request.
struct Principal {
  User user;
  enum class Via { kSession, kToken } via = Via::kToken;
  std::string token_id;  // when via token
  std::string csrf;      // when via session: the token state-changing requests must echo
  bool is_admin() const { return user.role == Role::kAdmin; }
};

struct NewSession {
  std::string cookie;  // the session id to put in the cookie (only here in clear)
  std::string csrf;
  int64_t expires_at = 0;
};

struct IdentityOptions {
  // Argon2id cost. The defaults are libsodium's "interactive" limits; tests use the minimum.
  uint64_t pwhash_opslimit = 2;
  size_t pwhash_memlimit = 64 * 1024 * 1024;
  // How passwords are hashed and checked; null means Argon2id at the cost above. Tests put a
  // RecordingHasher (fake_password_hasher.h) here. Must outlive the Identity.
  PasswordHasher* hasher = nullptr;
  int64_t session_ttl_ms = 12LL * 3600 * 1000;
  // Called after SetPassword has stored a user's new password, on the caller's thread: the
  // composition root forgets the first administrator's generated password then.
  std::function<void(std::string_view user_id)> on_password_changed;
};

class Identity {
 public:
  Identity(store::Store& store, const Clock& clock, Random& random, IdentityOptions options = {});

  static std::vector<store::Migration> Migrations();

  // Users. Emails are case-insensitive and unique; passwords need at least 10 characters.
  Result<User> CreateUser(std::string_view email, std::string_view name, std::string_view password,
                          Role role);
  Result<User> GetUser(std::string_view id);
  Result<User> FindUserByEmail(std::string_view email);
  Result<std::vector<User>> ListUsers();
  // The members of one organization, by email.
  Result<std::vector<User>> ListMembers(std::string_view org_id);
  Result<void> SetPassword(std::string_view user_id, std::string_view password);
  // Makes the user an administrator or a developer. The last administrator stays one: nobody
  // could make users or organizations after. Tokens already verified by other processes carry
  // the old role for their cache's second.
  Result<User> SetRole(std::string_view user_id, Role role);
  // The user when the password matches; kUnauthenticated (one message for both a wrong email
  // and a wrong password) otherwise. An unknown email is verified against a dummy hash (made
  // once, by the same hasher at the same cost, on the first call) so that it costs what a wrong
  // password costs and the answer's time does not say which emails have accounts.
  //
  // CreateUser, SetPassword and CheckPassword hash: on a server, call them off the I/O threads
  // (api/password_pool.h).
  Result<User> CheckPassword(std::string_view email, std::string_view password);
  Result<int64_t> CountUsers();

  // Organizations and membership.
  Result<Org> CreateOrg(std::string_view name);
  Result<Org> GetOrg(std::string_view id);
  Result<std::vector<Org>> ListOrgs();
  Result<std::vector<Org>> OrgsOf(std::string_view user_id);
  // The first of OrgsOf (by id), nullopt for none: the default organization of a request.
  Result<std::optional<std::string>> FirstOrgId(std::string_view user_id);
  Result<void> AddMember(std::string_view org_id, std::string_view user_id);
  Result<bool> IsMember(std::string_view org_id, std::string_view user_id);

  // API tokens: returns the token record and, once, the token itself ("rl_...").
  Result<std::pair<ApiToken, std::string>> CreateToken(std::string_view user_id,
                                                       std::string_view name,
                                                       std::optional<int64_t> ttl_ms);
  Result<std::vector<ApiToken>> ListTokens(std::string_view user_id);
  Result<void> RevokeToken(std::string_view user_id, std::string_view token_id);
  // Checks an "Authorization: Bearer rl_..." token.
  Result<Principal> AuthenticateToken(std::string_view token);

  // Sessions.
  Result<NewSession> CreateSession(std::string_view user_id);
  Result<Principal> AuthenticateSession(std::string_view cookie);
  Result<void> EndSession(std::string_view cookie);

  // First start: when there is no user, creates the admin `email` with a random password (or
  // `password` when given) and an organization, and returns the password so the caller can hand
  // it to the operator. Returns nullopt when users already exist.
  Result<std::optional<std::pair<User, std::string>>> Bootstrap(std::string_view email,
                                                                std::optional<std::string> password);

 private:
  Result<std::string> HashPassword(std::string_view password);
  // The hash unknown emails are verified against, made on first use.
  Result<std::string> DummyHash();

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  IdentityOptions options_;
  std::unique_ptr<PasswordHasher> own_hasher_;  // when options_.hasher is null
  PasswordHasher& hasher_;
  std::mutex dummy_mu_;
  std::string dummy_hash_;  // guarded by dummy_mu_; "" until made
  // API tokens and memberships are read on every API call; a revoked token, changed role or
  // removed membership is seen by other processes within these TTLs, a second (at once in this
  // one; docs/architecture.md#many-nodes).
  // Verified API tokens by CacheKey(token): 16 bytes, kept out of the heap (a std::string of
  // 16 would not be).
  using TokenKey = std::array<unsigned char, 16>;
  TtlCache<TokenKey, Principal> tokens_{clock_, std::chrono::seconds(1)};
  TokenKey CacheKey(std::string_view token) const;
  std::array<uint8_t, 16> cache_key_{};  // crypto_shorthash_siphashx24_KEYBYTES
  // Shared, so that a request asking for its default organization copies nothing.
  using OrgList = std::shared_ptr<const std::vector<Org>>;
  Result<OrgList> Orgs(std::string_view user_id);
  TtlCache<std::string, OrgList> orgs_{clock_, std::chrono::seconds(1)};
};

// SHA-256 of `secret`, hex: how tokens and session ids are stored.
std::string DigestSecret(std::string_view secret);

}  // namespace relish::identity
