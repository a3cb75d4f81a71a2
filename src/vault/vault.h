// Vault: encryption at rest for every secret Relish holds (client secrets, access and refresh
// tokens, API keys, passwords).
//
// Envelope encryption with libsodium: each secret is sealed with XChaCha20-Poly1305 (IETF) under
// a data key, with a fresh random 192-bit nonce and the owning record's identity as associated
// data, so a ciphertext copied to another row does not open. Data keys are stored wrapped
// (sealed the same way) by the master key, which comes from a key file created with mode 0600 on
// first start, or from an environment variable. Rotation makes a new master key and a new data
// key, re-seals every secret under the new data key and drops the old keys, online.
//
// Every secret the vault seals or opens is registered with the log Redactor under its tenant
// (the organization it belongs to, "" for the installation's own), so it can never appear in a
// log line even by mistake, and one tenant's secrets never push another's out of the Redactor.
//
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "store/store.h"

namespace relish::vault {

// 32 bytes of key material that wipes itself.
class Key {
 public:
  Key();
  explicit Key(std::string_view bytes);  // must be 32 bytes
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  const unsigned char* data() const { return bytes_.data(); }
  static constexpr size_t kSize = 32;

 private:
  std::array<unsigned char, kSize> bytes_;
};

// Where the master key comes from.
struct MasterKeySource {
  std::string key_file;   // e.g. DATA/master.key; created (0600) when missing and no env key
  std::string env_value;  // base64 of 32 bytes (RELISH_MASTER_KEY); wins over the file
};

struct MasterKey {
  std::string id;  // names the key without revealing it ("mk_" + 16 hex of a keyed hash)
  std::shared_ptr<Key> key;
};

// The candidate master keys, most likely first: the environment's, or the key file's. A
// rotation that was interrupted after its database commit leaves "<key_file>.new", which is
// then a candidate too; Vault::Open finishes the rotation by keeping whichever matches.
// Creates the key file (mode 0600) when there is neither an environment key nor a file.
Result<std::vector<MasterKey>> LoadMasterKeys(const MasterKeySource& source, Random& random);
MasterKey MakeMasterKey(Random& random);
std::string EncodeMasterKey(const Key& key);  // base64, for RELISH_MASTER_KEY
// Writes `key` to `path` + ".new" (0600); CommitKeyFile renames it over `path`.
Result<void> WriteNewKeyFile(const std::string& path, const Key& key);
Result<void> CommitKeyFile(const std::string& path);

class Vault {
 public:
  static std::vector<store::Migration> Migrations();

  // Opens the vault with the first candidate master key that matches the database (refusing
  // when none does, with a clear error), creating the first data key on first start.
  static Result<std::unique_ptr<Vault>> Open(store::Store& store,
                                            std::vector<MasterKey> candidates,
                                            const Clock& clock, Random& random);

  // Seals `plaintext` for the record named by `owner` (e.g. "connection:con_x:access_token").
  // The result is text: "v1.<key id>.<base64 nonce+ciphertext>". `tenant` is the organization
  // whose secret it is (Redactor::kInstallation for the installation's own): the Redactor keeps
  // it in that organization's share.
  Result<std::string> Seal(std::string_view owner, std::string_view plaintext,
                           std::string_view tenant);
  // Opens a sealed value; kFailedPrecondition when it was not sealed for `owner` or was changed.
  Result<std::string> Open(std::string_view owner, std::string_view sealed,
                           std::string_view tenant);

  // Registers a table column of sealed values so rotation can re-seal them. `owner_sql` is an
  // SQL expression over the row giving the owner string used at sealing time, e.g.
  // "'connection:' || id || ':access_token'"; `key_sql` selects the row (its primary key).
  // The table must number its changes for Learn: its module's migration runs
  // TrackSealedColumns for it, naming this column.
  struct SealedColumn {
    std::string table;
    std::string column;
    std::string key_column;
    std::string owner_sql;
    // For Learn: an SQL expression over the row giving the tenant the value was sealed for
    // (the installation's when empty), and what of the opened text to tell the Redactor (the
    // whole text when null).
    std::string tenant_sql = {};
    std::function<void(std::string_view tenant, std::string_view plaintext)> learn = nullptr;
  };
  void RegisterColumn(SealedColumn column);
  // (table, column) of every registered column, in order of registration: what the tables'
  // numbering must cover (a test checks each against its trigger).
  std::vector<std::pair<std::string, std::string>> RegisteredColumns() const;

  // A migration's statements (SQLite's, PostgreSQL's) that give `table` (a rowid table) a
  // `sealed_seq` column which triggers set from one installation-wide counter whenever a row is
  // inserted or one of `columns` changes, whoever writes it: Learn reads only the rows numbered
  // since its last scan. Shipped migrations hold what this returns: never change it.
  struct TrackingSql {
    std::string sqlite;
    std::string postgres;
  };
  static TrackingSql TrackSealedColumns(std::string_view table,
                                        const std::vector<std::string>& columns);

  // Opens the registered columns' values in the rows sealed or re-sealed since the last scan
  // (every row on the first), which registers them with the log Redactor: how a node learns the
  // secrets other nodes sealed (the vault tells the Redactor only what it seals or opens
  // itself). Runtime runs it at start and `relish serve` every second
  // (docs/architecture.md#many-nodes). Returns how many values it opened (a row read again
  // opens all its values again). A value that does not open is skipped (and counted in the log),
  // not an error; its row is read again by later scans. A table that cannot be read does not
  // stop the others: the error returned after them names every such table.
  Result<int64_t> Learn();

  struct RotationReport {
    std::string old_master_id;
    std::string new_master_id;
    int64_t resealed = 0;
  };
  // In one transaction: makes a new data key, re-wraps every data key under `new_master`
  // (which may be the current master), re-seals every registered column under the new data key
  // and records the new master key's check value. `before_commit` runs inside the transaction
  // just before it commits (the key file's ".new" copy is written there), so either everything
  // moved to the new keys or nothing did.
  Result<RotationReport> Rotate(MasterKey new_master,
                                const std::function<Result<void>()>& before_commit);

  std::string master_id() const;  // a copy: another node's rotation may replace it

  // Where to look for the master key again when the database names one this vault does not hold
  // (another node rotated it): OpenVault passes a reader of the key file.
  void ReloadMasterKeysWith(std::function<Result<std::vector<MasterKey>>()> reload);

 private:
  // Takes the key the database names from reload_ (reading both without holding mu_); false
  // when nothing changed.
  bool AdoptNewMaster();
  Vault(store::Store& store, MasterKey master, const Clock& clock, Random& random);
  // Loads (unwraps) data key `id` from the database when it is not cached yet.
  Result<std::shared_ptr<Key>> DataKey(const std::string& id);
  Result<std::string> ActiveKeyId();

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  mutable std::shared_mutex mu_;
  MasterKey master_;                                    // guarded by mu_
  std::map<std::string, std::shared_ptr<Key>> keys_;    // guarded by mu_
  std::vector<SealedColumn> columns_;                   // guarded by mu_
  std::function<Result<std::vector<MasterKey>>()> reload_;  // guarded by mu_
  // Where Learn is in each table: rows numbered up to `after` have been read; `retry` holds the
  // numbers of rows with a value that did not open, all read again by the next scan.
  struct LearnPosition {
    int64_t after = -1;  // rows from before the numbering have 0: the first scan reads them too
    size_t columns = 0;  // registered when it was read: a column added since reads it all again
    std::vector<int64_t> retry;
  };
  std::mutex learn_mu_;
  std::map<std::string, LearnPosition> learn_positions_;  // guarded by learn_mu_
};

// LoadMasterKeys + Vault::Open, then finishes an interrupted rotation: keeps "<key_file>.new"
// when it is the key that matched, deletes it when it is not.
Result<std::unique_ptr<Vault>> OpenVault(store::Store& store, const MasterKeySource& source,
                                         const Clock& clock, Random& random);

// Seal/open with an explicit key (exposed for tests).
Result<std::string> SealWith(const Key& key, std::string_view aad, std::string_view plaintext,
                             Random& random);
Result<std::string> OpenWith(const Key& key, std::string_view aad, std::string_view sealed);

}  // namespace relish::vault
