#include "vault/vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "base/encoding.h"
#include "base/ids.h"
#include "base/log.h"

namespace relish::vault {
namespace {

using store::Transaction;
using store::TxMode;

constexpr std::string_view kFormat = "v1";
constexpr std::string_view kCheckPlaintext = "relish vault check";
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::string MasterId(const Key& key) {
  unsigned char out[16];
  static constexpr std::string_view kContext = "relish-master-key-id";
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(kContext.data()),
                     kContext.size(), key.data(), Key::kSize);
  return "mk_" + HexEncode(std::string_view(reinterpret_cast<const char*>(out), 8));
}

std::string WrapAad(std::string_view key_id) { return "vault:data-key:" + std::string(key_id); }

Result<std::string> ReadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound("no key file " + path);
  if ((st.st_mode & 077) != 0) {
    return PermissionDenied("the master key file " + path +
                            " is readable by other users; run: chmod 600 " + path);
  }
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

Result<MasterKey> DecodeMasterKey(std::string_view text, std::string_view origin) {
  auto bytes = Base64Decode(text);
  if (!bytes || bytes->size() != Key::kSize) {
    return InvalidArgument(std::string(origin) + " must hold 32 bytes in base64 (44 characters)");
  }
  auto key = std::make_shared<Key>(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  return MasterKey{MasterId(*key), key};
}

// "v1.<key id>.<data>" as its key id and data.
Result<std::pair<std::string_view, std::string_view>> SplitSealed(std::string_view sealed) {
  auto first = sealed.find('.');
  auto second = first == std::string_view::npos ? first : sealed.find('.', first + 1);
  if (second == std::string_view::npos || sealed.substr(0, first) != kFormat) {
    return FailedPrecondition("not a sealed value (expected v1.<key>.<data>)");
  }
  return std::pair{sealed.substr(first + 1, second - first - 1), sealed.substr(second + 1)};
}

}  // namespace

Key::Key() { sodium_memzero(bytes_.data(), bytes_.size()); }
Key::Key(std::string_view bytes) {
  std::copy_n(reinterpret_cast<const unsigned char*>(bytes.data()), kSize, bytes_.begin());
}
Key::~Key() { sodium_memzero(bytes_.data(), bytes_.size()); }

std::string EncodeMasterKey(const Key& key) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(key.data()), Key::kSize));
}

MasterKey MakeMasterKey(Random& random) {
  std::string bytes(Key::kSize, '\0');
  random.Fill({reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()});
  auto key = std::make_shared<Key>(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return {MasterId(*key), key};
}

Result<void> WriteNewKeyFile(const std::string& path, const Key& key) {
  std::string tmp = path + ".new";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create " + tmp);
  std::string text = EncodeMasterKey(key) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok) return Unavailable("cannot write " + tmp);
  return Ok();
}

Result<void> CommitKeyFile(const std::string& path) {
  if (std::rename((path + ".new").c_str(), path.c_str()) != 0) {
    return Unavailable("cannot replace " + path);
  }
  return Ok();
}

Result<std::vector<MasterKey>> LoadMasterKeys(const MasterKeySource& source, Random& random) {
  std::vector<MasterKey> candidates;
  if (!source.env_value.empty()) {
    candidates.push_back(TRY(DecodeMasterKey(source.env_value, "RELISH_MASTER_KEY")));
    return candidates;
  }
  auto pending = ReadKeyFile(source.key_file + ".new");
  if (pending.ok()) candidates.push_back(TRY(DecodeMasterKey(*pending, source.key_file + ".new")));
  auto current = ReadKeyFile(source.key_file);
  if (current.ok()) {
    candidates.push_back(TRY(DecodeMasterKey(*current, source.key_file)));
    return candidates;
  }
  if (current.error().code() != ErrorCode::kNotFound) return current.error();
  if (!candidates.empty()) return candidates;
  // First start: make the key file.
  MasterKey fresh = MakeMasterKey(random);
  TRY(WriteNewKeyFile(source.key_file, *fresh.key));
  TRY(CommitKeyFile(source.key_file));
  candidates.push_back(std::move(fresh));
  return candidates;
}

Result<std::unique_ptr<Vault>> OpenVault(store::Store& store, const MasterKeySource& source,
                                         const Clock& clock, Random& random) {
  auto candidates = TRY(LoadMasterKeys(source, random));
  std::string pending_id;
  if (source.env_value.empty() && candidates.size() == 2) pending_id = candidates.front().id;
  auto vault = TRY(Vault::Open(store, std::move(candidates), clock, random));
  // Without committing or deleting anything: the rotating process owns "<key_file>.new".
  vault->ReloadMasterKeysWith([source]() -> Result<std::vector<MasterKey>> {
    std::vector<MasterKey> keys;
    if (!source.env_value.empty()) return keys;  // the environment's does not change under us
    for (const std::string& path : {source.key_file, source.key_file + ".new"}) {
      auto text = ReadKeyFile(path);
      if (text.ok()) keys.push_back(TRY(DecodeMasterKey(*text, path)));
    }
    return keys;
  });
  if (!pending_id.empty()) {
    if (vault->master_id() == pending_id) {
      TRY(CommitKeyFile(source.key_file));
    } else {
      ::unlink((source.key_file + ".new").c_str());
    }
  }
  return vault;
}

Result<std::string> SealWith(const Key& key, std::string_view aad, std::string_view plaintext,
                             Random& random) {
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* buf = reinterpret_cast<unsigned char*>(out.data());
  random.Fill({buf, kNonce});
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      buf + kNonce, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
      buf, key.data());
  out.resize(kNonce + len);
  return Base64Encode(out);
}

Result<std::string> OpenWith(const Key& key, std::string_view aad, std::string_view sealed) {
  auto raw = Base64Decode(sealed);
  if (!raw || raw->size() < kNonce + kTag) return FailedPrecondition("sealed value is damaged");
  const auto* buf = reinterpret_cast<const unsigned char*>(raw->data());
  std::string out(raw->size() - kNonce - kTag, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, buf + kNonce,
          raw->size() - kNonce, reinterpret_cast<const unsigned char*>(aad.data()), aad.size(),
          buf, key.data()) != 0) {
    return FailedPrecondition("sealed value does not open: wrong key, wrong owner or tampered");
  }
  out.resize(len);
  return out;
}

std::vector<store::Migration> Vault::Migrations() {
  return {{"vault", 1, "data keys and the master key check", R"sql(
CREATE TABLE vault_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE vault_keys (
  id TEXT PRIMARY KEY,
  wrapped TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  active BIGINT NOT NULL
);
)sql"},
          // Learn reads only the rows changed since its last scan: tables with sealed columns
          // number their changes from one counter (TrackSealedColumns). SQLite keeps it in
          // vault_meta (the triggers' writes are the writer's own, and SQLite has one writer at
          // a time); PostgreSQL in a sequence, see TrackSealedColumns for why its order is the
          // commit order. `relish store copy` carries vault_meta's row to PostgreSQL, where
          // nothing reads it: the copied rows are numbered afresh by the target's triggers.
          {"vault", 2, "the counter that numbers changes to sealed columns",
           "INSERT INTO vault_meta (name, value) VALUES ('sealed_seq', '0');",
           R"sql(
CREATE SEQUENCE vault_sealed_seq;
CREATE FUNCTION vault_next_sealed_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.sealed_seq := nextval('vault_sealed_seq');
  RETURN NEW;
END
$$;
)sql"}};
}

Vault::TrackingSql Vault::TrackSealedColumns(std::string_view table_name,
                                             const std::vector<std::string>& columns) {
  const std::string table(table_name);
  std::string listed, sqlite_changed, postgres_changed;
  for (const auto& c : columns) {
    listed += (listed.empty() ? "" : ", ") + c;
    sqlite_changed += (sqlite_changed.empty() ? "" : " OR ") + ("NEW." + c + " IS NOT OLD." + c);
    postgres_changed +=
        (postgres_changed.empty() ? "" : " OR ") + ("NEW." + c + " IS DISTINCT FROM OLD." + c);
  }
  const std::string column = "ALTER TABLE " + table +
                             " ADD COLUMN sealed_seq BIGINT NOT NULL DEFAULT 0;\n"
                             "CREATE INDEX " + table + "_sealed_seq ON " + table +
                             " (sealed_seq);\n";
  // The rows already there get numbers of their own too, so that every row's number is unique
  // and a row to read again (Learn's retry list) is one row, never all the old ones.
  const std::string number_existing_sqlite =
      "UPDATE " + table + " SET sealed_seq = rowid + (SELECT CAST(value AS INTEGER) FROM"
      " vault_meta WHERE name = 'sealed_seq');\n"
      "UPDATE vault_meta SET value = CAST(value AS INTEGER) + COALESCE((SELECT MAX(rowid) FROM " +
      table + "), 0) WHERE name = 'sealed_seq';\n";
  const std::string number_existing_postgres =
      "UPDATE " + table + " SET sealed_seq = nextval('vault_sealed_seq');\n";
  // SQLite: the row's number is set after the write, from the counter the trigger bumps.
  const std::string number =
      " BEGIN\n"
      "  UPDATE vault_meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'sealed_seq';\n"
      "  UPDATE " + table + " SET sealed_seq = (SELECT CAST(value AS INTEGER) FROM vault_meta"
      " WHERE name = 'sealed_seq') WHERE rowid = NEW.rowid;\n"
      "END;\n";
  TrackingSql sql;
  sql.sqlite = column + number_existing_sqlite + "CREATE TRIGGER " + table + "_sealed_insert AFTER INSERT ON " + table +
               number + "CREATE TRIGGER " + table + "_sealed_update AFTER UPDATE OF " + listed +
               " ON " + table + " WHEN " + sqlite_changed + number;
  // PostgreSQL: from the sequence, before the write. A sequence is not transactional, so a
  // number is in commit order only because every writer holds the store's advisory lock from
  // its BEGIN until it ends (pg_advisory_xact_lock, postgres_store.cc; released after the
  // commit is visible): a transaction numbering rows commits before the next one can number
  // any, and a reader's snapshot that sees a number sees every smaller one that will ever
  // commit. The sequence's default CACHE 1 keeps its numbers increasing across sessions.
  sql.postgres = column + number_existing_postgres + "CREATE TRIGGER " + table + "_sealed_insert BEFORE INSERT ON " + table +
                 " FOR EACH ROW EXECUTE FUNCTION vault_next_sealed_seq();\n"
                 "CREATE TRIGGER " + table + "_sealed_update BEFORE UPDATE OF " + listed +
                 " ON " + table + " FOR EACH ROW WHEN (" + postgres_changed +
                 ") EXECUTE FUNCTION vault_next_sealed_seq();\n";
  return sql;
}

Vault::Vault(store::Store& store, MasterKey master, const Clock& clock, Random& random)
    : store_(store), clock_(clock), random_(random), master_(std::move(master)) {}

Result<std::unique_ptr<Vault>> Vault::Open(store::Store& store, std::vector<MasterKey> candidates,
                                           const Clock& clock, Random& random) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (candidates.empty()) return Internal("no master key candidates");
  auto meta = TRY(store::Transact(store, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT name, value FROM vault_meta ORDER BY name");
  }));
  std::string check, expected_id;
  for (const auto& r : meta) {
    if (r.Text(0) == "check") check = r.Text(1);
    if (r.Text(0) == "master_id") expected_id = r.Text(1);
  }
  if (check.empty()) {
    // First start: bind the database to the first candidate and make the first data key.
    MasterKey master = std::move(candidates.front());
    auto vault = std::unique_ptr<Vault>(new Vault(store, std::move(master), clock, random));
    std::string sealed_check = TRY(SealWith(*vault->master_.key, "vault:check", kCheckPlaintext, random));
    MasterKey dk = MakeMasterKey(random);  // 32 random bytes; reuse the key type
    std::string key_id = NewId("dk", clock, random);
    std::string wrapped = TRY(SealWith(*vault->master_.key, WrapAad(key_id),
                                       std::string_view(reinterpret_cast<const char*>(dk.key->data()),
                                                        Key::kSize),
                                       random));
    // Another node starting on the same empty database may have got here first: under the
    // writer lock, the check written meanwhile wins and this node opens with it below.
    bool created = TRY(store::Transact(store, TxMode::kWrite, [&](Transaction& tx) -> Result<bool> {
      auto now = TRY(tx.Query("SELECT value FROM vault_meta WHERE name = 'check'"));
      if (!now.empty()) {
        check = now[0].Text(0);
        return false;
      }
      TRY(tx.Exec("INSERT INTO vault_meta (name, value) VALUES ('check', ?), ('master_id', ?)",
                  sealed_check, vault->master_.id));
      TRY(tx.Exec("INSERT INTO vault_keys (id, wrapped, created_at, active) VALUES (?, ?, ?, 1)",
                  key_id, wrapped, clock.NowMillis()));
      return true;
    }));
    if (created) {
      vault->keys_[key_id] = dk.key;
      return vault;
    }
    candidates.front() = std::move(vault->master_);
  }
  for (auto& candidate : candidates) {
    if (OpenWith(*candidate.key, "vault:check", check).ok()) {
      return std::unique_ptr<Vault>(new Vault(store, std::move(candidate), clock, random));
    }
  }
  std::string have;
  for (const auto& c : candidates) have += (have.empty() ? "" : ", ") + c.id;
  return FailedPrecondition("the master key (" + have +
                            ") does not match this database, which was sealed with " +
                            expected_id +
                            "; restore DATA/master.key or set RELISH_MASTER_KEY to the right key");
}

std::string Vault::master_id() const {
  std::shared_lock lock(mu_);
  return master_.id;
}

Result<std::shared_ptr<Key>> Vault::DataKey(const std::string& id) {
  {
    std::shared_lock lock(mu_);
    if (auto it = keys_.find(id); it != keys_.end()) return it->second;
  }
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("data key " + id + " is missing from the vault",
                       "SELECT wrapped FROM vault_keys WHERE id = ?", id);
  }));
  auto unwrap = [&] {
    std::shared_ptr<Key> master;
    {
      std::shared_lock lock(mu_);
      master = master_.key;
    }
    return OpenWith(*master, WrapAad(id), row.Text(0));
  };
  auto bytes = unwrap();
  if (!bytes.ok() && AdoptNewMaster()) bytes = unwrap();
  if (!bytes.ok()) {
    return FailedPrecondition("data key " + id +
                              " does not open with the current master key; was the key rotated "
                              "by another process? restart relish with its new key");
  }
  auto key = std::make_shared<Key>(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  std::unique_lock lock(mu_);
  keys_[id] = key;
  return key;
}

void Vault::ReloadMasterKeysWith(std::function<Result<std::vector<MasterKey>>()> reload) {
  std::unique_lock lock(mu_);
  reload_ = std::move(reload);
}

bool Vault::AdoptNewMaster() {
  // Another node rotated the master key: the database names the new one, and this node's key
  // source (a key file they share, or one an operator replaced) may hold it by now. The database
  // and the files are read without holding mu_: Seal and Open on other threads go on meanwhile.
  std::function<Result<std::vector<MasterKey>>()> reload;
  std::string current;
  {
    std::shared_lock lock(mu_);
    reload = reload_;
    current = master_.id;
  }
  if (!reload) return false;
  auto meta = store::Transact(store_, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT value FROM vault_meta WHERE name = 'master_id'");
  });
  if (!meta.ok() || meta->empty() || (*meta)[0].Text(0) == current) return false;
  auto candidates = reload();
  if (!candidates.ok()) return false;
  for (auto& candidate : *candidates) {
    if (candidate.id != (*meta)[0].Text(0)) continue;
    std::unique_lock lock(mu_);
    if (master_.id != current) return true;  // another thread moved it on meanwhile
    spdlog::info("vault: master key {} replaces {} (rotated by another process)", candidate.id,
                 master_.id);
    master_ = std::move(candidate);
    return true;
  }
  return false;
}

Result<std::string> Vault::ActiveKeyId() {
  // Read each time (an indexed read): another process may have rotated the keys.
  auto row = TRY(store::Transact(store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("the vault has no active data key",
                       "SELECT id FROM vault_keys WHERE active = 1 ORDER BY created_at DESC LIMIT 1");
  }));
  return row.Text(0);
}

Result<std::string> Vault::Seal(std::string_view owner, std::string_view plaintext,
                                std::string_view tenant) {
  std::string id = TRY(ActiveKeyId());
  auto key = TRY(DataKey(id));
  std::string body = TRY(SealWith(*key, owner, plaintext, random_));
  GlobalRedactor().Add(tenant, plaintext);
  return std::string(kFormat) + "." + id + "." + body;
}

Result<std::string> Vault::Open(std::string_view owner, std::string_view sealed,
                                std::string_view tenant) {
  auto [id, body] = TRY(SplitSealed(sealed));
  auto key = TRY(DataKey(std::string(id)));
  auto plain = OpenWith(*key, owner, body);
  if (!plain.ok()) {
    return plain.error().WithContext("secret for " + std::string(owner));
  }
  GlobalRedactor().Add(tenant, *plain);
  return plain;
}

void Vault::RegisterColumn(SealedColumn column) {
  std::unique_lock lock(mu_);
  columns_.push_back(std::move(column));
}

std::vector<std::pair<std::string, std::string>> Vault::RegisteredColumns() const {
  std::shared_lock lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : columns_) out.emplace_back(c.table, c.column);
  return out;
}

Result<int64_t> Vault::Learn() {
  // Rows with values that did not open are read again by number, this many a statement: one
  // statement text (padded with -1, which no row has) for any number of them.
  constexpr size_t kRetryBatch = 64;
  std::vector<SealedColumn> columns;
  {
    std::shared_lock lock(mu_);
    columns = columns_;
  }
  // One scan at a time: two would read the same rows twice.
  std::lock_guard learning(learn_mu_);
  // One read per table, however many of its columns are registered (connection_credentials has
  // four): its registered columns in order of registration.
  std::vector<std::vector<const SealedColumn*>> tables;
  for (const auto& c : columns) {
    auto same = std::find_if(tables.begin(), tables.end(),
                             [&](const auto& t) { return t.front()->table == c.table; });
    if (same == tables.end()) {
      tables.push_back({&c});
    } else {
      same->push_back(&c);
    }
  }
  // The ids of data keys that did not load this scan: such a key is tried once per scan, not
  // once per value sealed under it (each try reads the database and, when it names another
  // master key, the key files).
  std::set<std::string, std::less<>> bad_keys;
  // Open's steps, with the scan's keys.
  auto open = [&](std::string_view owner, std::string_view sealed) -> std::optional<std::string> {
    auto split = SplitSealed(sealed);
    if (!split.ok() || bad_keys.contains(split->first)) return std::nullopt;
    auto key = DataKey(std::string(split->first));  // the vault's cache, after the first
    if (!key.ok()) {
      bad_keys.emplace(split->first);
      return std::nullopt;
    }
    auto plain = OpenWith(**key, owner, split->second);
    if (!plain.ok()) return std::nullopt;
    return std::move(*plain);
  };
  int64_t learned = 0, failed = 0;
  std::optional<Error> unread;  // the tables that could not be read, with the first's code
  for (const auto& group : tables) {
    LearnPosition& at = learn_positions_[group.front()->table];
    if (at.columns != group.size()) at = LearnPosition{.columns = group.size()};
    // owner and value of each column, then each distinct tenant expression once, then the row's
    // number.
    std::string select, where;
    std::vector<std::string> tenants;
    std::vector<size_t> tenant_of;
    for (const SealedColumn* c : group) {
      std::string tenant_sql = c->tenant_sql.empty() ? "''" : c->tenant_sql;
      auto t = std::find(tenants.begin(), tenants.end(), tenant_sql);
      tenant_of.push_back(static_cast<size_t>(t - tenants.begin()));
      if (t == tenants.end()) tenants.push_back(tenant_sql);
      select += (select.empty() ? "" : ", ") + c->owner_sql + ", " + c->column;
      where += (where.empty() ? "" : " OR ") + c->column + " IS NOT NULL";
    }
    for (const auto& t : tenants) select += ", " + t;
    const size_t seq_at = 2 * group.size() + tenants.size();
    const std::string from = "SELECT " + select + ", sealed_seq FROM " + group.front()->table +
                             " WHERE (" + where + ") AND ";
    // The rows numbered since the last scan, then every row to read again.
    std::vector<std::vector<store::Value>> retry_params;
    for (size_t i = 0; i < at.retry.size(); i += kRetryBatch) {
      std::vector<store::Value>& batch = retry_params.emplace_back();
      for (size_t j = i; j < i + kRetryBatch; ++j) {
        batch.emplace_back(j < at.retry.size() ? at.retry[j] : int64_t{-1});
      }
    }
    std::string in = "sealed_seq IN (?";
    for (size_t j = 1; j < kRetryBatch; ++j) in += ", ?";
    in += ")";
    auto read = store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<store::Rows> {
      store::Rows all = TRY(tx.Query(from + "sealed_seq > ?", at.after));
      for (const auto& batch : retry_params) {
        for (auto& r : TRY(tx.QueryParams(from + in, batch))) all.push_back(std::move(r));
      }
      return all;
    });
    if (!read.ok()) {
      // The other tables are still read: one table this vault cannot read (its numbering
      // missing, say) must not stop every node learning the rest. The caller logs what failed.
      if (!unread) unread = Error(read.error().code(), "");
      unread = Error(unread->code(), unread->message() + (unread->message().empty() ? "" : "; ") +
                                         group.front()->table + ": " + read.error().message());
      continue;
    }
    const store::Rows& rows = *read;
    int64_t newest = at.after;
    std::vector<int64_t> retry;
    for (const auto& r : rows) {
      const int64_t seq = r.Int(seq_at);
      newest = std::max(newest, seq);
      bool row_failed = false;
      for (size_t i = 0; i < group.size(); ++i) {
        if (r.IsNull(2 * i + 1)) continue;
        std::string_view sealed = r.Text(2 * i + 1);
        const std::string& tenant = r.Text(2 * group.size() + tenant_of[i]);
        auto plain = open(r.Text(2 * i), sealed);
        if (!plain) {
          ++failed;
          row_failed = true;
          continue;
        }
        GlobalRedactor().Add(tenant, *plain);
        if (group[i]->learn) group[i]->learn(tenant, *plain);
        sodium_memzero(plain->data(), plain->size());
        ++learned;
      }
      if (row_failed) retry.push_back(seq);
    }
    // A retried row re-sealed since has a new number, read above; its old one is dropped here.
    at.retry.assign(retry.begin(), retry.end());
    at.after = newest;
  }
  if (failed > 0) spdlog::warn("vault: {} sealed values did not open while learning secrets", failed);
  if (unread) return *unread;
  return learned;
}

Result<Vault::RotationReport> Vault::Rotate(MasterKey new_master,
                                            const std::function<Result<void>()>& before_commit) {
  AdoptNewMaster();  // another node may have rotated since this one last looked
  RotationReport report;
  report.old_master_id = master_id();
  report.new_master_id = new_master.id;
  std::vector<SealedColumn> columns;
  {
    std::shared_lock lock(mu_);
    columns = columns_;
  }
  MasterKey fresh = MakeMasterKey(random_);
  std::string new_key_id = NewId("dk", clock_, random_);
  std::map<std::string, std::shared_ptr<Key>> loaded;

  auto tx = TRY(store_.Begin(TxMode::kWrite));
  // Every data key, old ones included, is unwrapped with the old master and re-wrapped with the
  // new one, so values another process sealed a moment ago still open.
  auto rows = TRY(tx->Query("SELECT id, wrapped FROM vault_keys"));
  for (const auto& r : rows) {
    std::string id = r.Text(0);
    auto bytes = TRY(OpenWith(*master_.key, WrapAad(id), r.Text(1)));
    auto key = std::make_shared<Key>(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    std::string rewrapped = TRY(SealWith(*new_master.key, WrapAad(id),
                                         std::string_view(reinterpret_cast<const char*>(key->data()),
                                                          Key::kSize),
                                         random_));
    TRY(tx->Exec("UPDATE vault_keys SET wrapped = ?, active = 0 WHERE id = ?", rewrapped, id));
    loaded[id] = key;
  }
  std::string wrapped = TRY(SealWith(*new_master.key, WrapAad(new_key_id),
                                     std::string_view(reinterpret_cast<const char*>(fresh.key->data()),
                                                      Key::kSize),
                                     random_));
  TRY(tx->Exec("INSERT INTO vault_keys (id, wrapped, created_at, active) VALUES (?, ?, ?, 1)",
               new_key_id, wrapped, clock_.NowMillis()));
  loaded[new_key_id] = fresh.key;
  for (const auto& c : columns) {
    auto values = TRY(tx->Query("SELECT " + c.key_column + ", " + c.owner_sql + ", " + c.column +
                                " FROM " + c.table + " WHERE " + c.column + " IS NOT NULL"));
    for (const auto& v : values) {
      auto split = SplitSealed(v.Text(2));
      if (!split.ok()) return FailedPrecondition("damaged sealed value in " + c.table + "." + c.column);
      std::string id(split->first);
      auto it = loaded.find(id);
      if (it == loaded.end()) return FailedPrecondition("unknown data key " + id);
      auto plain = TRY(OpenWith(*it->second, v.Text(1), split->second));
      std::string resealed = std::string(kFormat) + "." + new_key_id + "." +
                             TRY(SealWith(*fresh.key, v.Text(1), plain, random_));
      sodium_memzero(plain.data(), plain.size());
      TRY(tx->Exec("UPDATE " + c.table + " SET " + c.column + " = ? WHERE " + c.key_column +
                       " = ?",
                   resealed, v[0]));
      ++report.resealed;
    }
  }
  std::string sealed_check = TRY(SealWith(*new_master.key, "vault:check", kCheckPlaintext, random_));
  TRY(tx->Exec("UPDATE vault_meta SET value = ? WHERE name = 'check'", sealed_check));
  TRY(tx->Exec("UPDATE vault_meta SET value = ? WHERE name = 'master_id'", new_master.id));
  if (before_commit) TRY(before_commit());
  TRY(tx->Commit());
  std::unique_lock lock(mu_);
  master_ = std::move(new_master);
  keys_ = std::move(loaded);
  return report;
}

}  // namespace relish::vault
