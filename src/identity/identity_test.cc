#include "identity/identity.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <barrier>
#include <future>
#include <thread>
#include <vector>

#include "identity/fake_password_hasher.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::identity {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(Identity::Migrations()).ok());
    id_ = std::make_unique<Identity>(
        *store_, clock_, random_,
        IdentityOptions{.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                        .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN});
  }
  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Identity> id_;
};

TEST_F(IdentityTest, UsersAndPasswords) {
  auto u = id_->CreateUser("Ada@Example.com", "Ada", "correct horse", Role::kDeveloper);
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->email, "ada@example.com");
  EXPECT_EQ(id_->CheckPassword("ADA@example.com", "correct horse")->id, u->id);
  EXPECT_EQ(id_->CheckPassword("ada@example.com", "wrong horse!").error(),
            Unauthenticated("wrong email or password"));
  EXPECT_EQ(id_->CheckPassword("nobody@example.com", "correct horse").error(),
            Unauthenticated("wrong email or password"));
  EXPECT_EQ(id_->CreateUser("ada@example.com", "", "another one!", Role::kAdmin).error(),
            AlreadyExists("a user with email ada@example.com already exists"));
  EXPECT_EQ(id_->CreateUser("x@y.z", "", "short", Role::kAdmin).error(),
            InvalidArgument("passwords need at least 10 characters"));
  EXPECT_EQ(id_->CreateUser("not-an-email", "", "long enough pw", Role::kAdmin).error(),
            InvalidArgument("'not-an-email' is not an email address"));
  ASSERT_TRUE(id_->SetPassword(u->id, "a new password").ok());
  EXPECT_FALSE(id_->CheckPassword("ada@example.com", "correct horse").ok());
  EXPECT_TRUE(id_->CheckPassword("ada@example.com", "a new password").ok());
}

// Argon2id's parameters in a hash string: "$argon2id$v=19$m=8,t=1,p=1$" (the salt and digest
// follow).
std::string Parameters(const std::string& hash) {
  size_t end = 0;
  for (int i = 0; i < 3; ++i) end = hash.find('$', end + 1);
  return hash.substr(0, end + 1);
}

// An unknown email answered 200 times faster than a known one: it was never hashed. Now it is
// verified against a dummy hash, made once by the same hasher at the same cost.
TEST(IdentityDummyHash, UnknownEmailsAreVerifiedAgainstTheDummyHash) {
  auto store = store::testing::OpenTestStore();
  ASSERT_TRUE(store->Migrate(Identity::Migrations()).ok());
  FakeClock clock;
  FakeRandom random;
  Argon2idHasher argon(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
  RecordingHasher hasher(argon);
  Identity id(*store, clock, random, IdentityOptions{.hasher = &hasher});
  ASSERT_TRUE(id.CreateUser("ada@example.com", "Ada", "correct horse", Role::kAdmin).ok());
  ASSERT_EQ(hasher.made().size(), 1u);
  const std::string ada = hasher.made()[0];

  // The first check makes the dummy, known email or not; every check verifies exactly once.
  EXPECT_EQ(id.CheckPassword("ada@example.com", "wrong horse!").error(),
            Unauthenticated("wrong email or password"));
  ASSERT_EQ(hasher.made().size(), 2u);
  const std::string dummy = hasher.made()[1];
  EXPECT_EQ(hasher.verified(), std::vector<std::string>{ada});

  EXPECT_EQ(id.CheckPassword("nobody@example.com", "wrong horse!").error(),
            Unauthenticated("wrong email or password"));
  EXPECT_EQ(id.CheckPassword("not an email at all", "correct horse").error(),
            Unauthenticated("wrong email or password"));
  EXPECT_EQ(id.CheckPassword("ada@example.com", "correct horse")->email, "ada@example.com");
  EXPECT_EQ(hasher.verified(), (std::vector<std::string>{ada, dummy, dummy, ada}));
  EXPECT_EQ(hasher.made().size(), 2u);  // made once

  // Same algorithm and cost as a real user's hash, another salt.
  EXPECT_EQ(Parameters(dummy), Parameters(ada));
  EXPECT_EQ(Parameters(dummy).rfind("$argon2id$v=19$m=", 0), 0u);
  EXPECT_NE(dummy, ada);
}

TEST_F(IdentityTest, PasswordsAreStoredAsArgon2idHashes) {
  ASSERT_TRUE(id_->CreateUser("a@b.c", "", "plaintext-password", Role::kAdmin).ok());
  auto row = store::Transact(*store_, store::TxMode::kRead, [](store::Transaction& tx) {
    return tx.QueryOne("u", "SELECT password_hash FROM users");
  });
  EXPECT_EQ(row->Text(0).rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(row->Text(0).find("plaintext-password"), std::string::npos);
}

TEST_F(IdentityTest, ApiTokensAreShownOnceAndStoredAsDigests) {
  auto u = *id_->CreateUser("a@b.c", "", "long enough pw", Role::kAdmin);
  auto [token, secret] = *id_->CreateToken(u.id, "laptop", std::nullopt);
  EXPECT_EQ(secret.rfind("rl_", 0), 0u);
  EXPECT_EQ(secret.size(), 3u + 43u);
  EXPECT_EQ(token.prefix, secret.substr(0, 8));
  auto p = id_->AuthenticateToken(secret);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user.id, u.id);
  EXPECT_EQ(p->token_id, token.id);
  EXPECT_TRUE(p->is_admin());
  auto stored = store::Transact(*store_, store::TxMode::kRead, [](store::Transaction& tx) {
    return tx.QueryOne("t", "SELECT token_digest FROM api_tokens");
  });
  EXPECT_EQ(stored->Text(0), DigestSecret(secret));
  EXPECT_EQ(id_->AuthenticateToken("rl_wrong").error(),
            Unauthenticated("invalid or expired API token"));
  ASSERT_TRUE(id_->RevokeToken(u.id, token.id).ok());
  EXPECT_FALSE(id_->AuthenticateToken(secret).ok());
}

TEST_F(IdentityTest, TokensExpire) {
  auto u = *id_->CreateUser("a@b.c", "", "long enough pw", Role::kAdmin);
  auto [token, secret] = *id_->CreateToken(u.id, "ci", 60'000);
  EXPECT_TRUE(id_->AuthenticateToken(secret).ok());
  clock_.Advance(Millis(60'001));
  EXPECT_FALSE(id_->AuthenticateToken(secret).ok());
}

TEST_F(IdentityTest, SessionsCarryCsrfAndExpire) {
  auto u = *id_->CreateUser("a@b.c", "", "long enough pw", Role::kDeveloper);
  auto s = *id_->CreateSession(u.id);
  auto p = id_->AuthenticateSession(s.cookie);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->csrf, s.csrf);
  EXPECT_EQ(p->via, Principal::Via::kSession);
  EXPECT_FALSE(p->is_admin());
  clock_.Advance(Millis(12LL * 3600 * 1000));
  EXPECT_EQ(id_->AuthenticateSession(s.cookie).error(),
            Unauthenticated("not signed in, or the session has expired"));
  auto s2 = *id_->CreateSession(u.id);
  ASSERT_TRUE(id_->EndSession(s2.cookie).ok());
  EXPECT_FALSE(id_->AuthenticateSession(s2.cookie).ok());
}

TEST_F(IdentityTest, BootstrapCreatesTheFirstAdminAndOrganizationOnce) {
  auto first = id_->Bootstrap("admin@localhost", std::nullopt);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_TRUE(first->has_value());
  const auto& [admin, password] = **first;
  EXPECT_EQ(admin.role, Role::kAdmin);
  EXPECT_TRUE(id_->CheckPassword("admin@localhost", password).ok());
  auto orgs = *id_->OrgsOf(admin.id);
  ASSERT_EQ(orgs.size(), 1u);
  EXPECT_EQ(orgs[0].name, "My Organization");
  EXPECT_TRUE(*id_->IsMember(orgs[0].id, admin.id));
  auto second = id_->Bootstrap("admin@localhost", std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

// Nodes started together on an empty database, each with its own admin email: each counted no
// users, then each made its administrator. The check and the insert are one write transaction.
// The nodes' hasher lets none go on until all have hashed their password, which every node does
// after its first look at the users and before it writes: the race, every time.
class HashTogether final : public PasswordHasher {
 public:
  HashTogether(PasswordHasher& inner, std::barrier<>& all) : inner_(inner), all_(all) {}
  Result<std::string> Hash(std::string_view password) override {
    all_.arrive_and_wait();
    return inner_.Hash(password);
  }
  bool Verify(const std::string& hash, std::string_view password) override {
    return inner_.Verify(hash, password);
  }

 private:
  PasswordHasher& inner_;
  std::barrier<>& all_;
};

TEST_F(IdentityTest, NodesBootstrappingAtOnceWithDifferentEmailsMakeOneAdmin) {
  constexpr int kNodes = 3;
  Argon2idHasher argon(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
  std::barrier<> all(kNodes);
  HashTogether hasher(argon, all);
  std::vector<std::unique_ptr<Identity>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.push_back(std::make_unique<Identity>(*store_, clock_, random_,
                                               IdentityOptions{.hasher = &hasher}));
  }
  std::promise<void> go;
  std::shared_future<void> started(go.get_future());
  std::vector<Result<std::optional<std::pair<User, std::string>>>> results(kNodes, Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      started.wait();
      results[i] = nodes[i]->Bootstrap("admin" + std::to_string(i) + "@localhost", "a password for all");
    });
  }
  go.set_value();
  for (auto& t : threads) t.join();
  int made = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    made += r->has_value() ? 1 : 0;
  }
  EXPECT_EQ(made, 1);
  auto users = id_->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().role, Role::kAdmin);
  auto orgs = id_->ListOrgs();
  ASSERT_TRUE(orgs.ok());
  ASSERT_EQ(orgs->size(), 1u);
  EXPECT_TRUE(*id_->IsMember(orgs->front().id, users->front().id));
}

}  // namespace
}  // namespace relish::identity
