#include "store/store.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "base/fast_random.h"

namespace relish::store {

int64_t Value::AsInt() const {
  if (auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (auto* d = std::get_if<double>(&v_)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v_)) {
    int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

double Value::AsReal() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return 0;
}

const std::string& Value::AsText() const {
  static const std::string kEmpty;
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  return kEmpty;
}

std::string Value::ToText() const {
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  if (auto* i = std::get_if<int64_t>(&v_)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v_)) return std::to_string(*d);
  return "";
}

std::optional<std::string> Row::OptText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return values_.at(i).ToText();
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

void PauseAfterConflict(int attempt, const Error& conflict) {
  // Rare (writers take turns; see the backends), so worth a line in the log when it happens.
  spdlog::warn("store: a transaction lost a conflict and runs again (attempt {} of {}): {}",
               attempt + 1, kTransactAttempts, conflict.message());
  // 2-4 ms, then 4-8, then 8-16: enough for the winner to commit.
  int64_t base = int64_t{1} << attempt;
  int64_t ms = base + static_cast<int64_t>(FastRandom().Next64() % static_cast<uint64_t>(base + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

namespace {
constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS relish_migrations ("
    " module TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL,"
    " PRIMARY KEY (module, version))";
}  // namespace

Result<std::vector<std::pair<std::string, int>>> Store::AppliedMigrations() {
  return Transact(*this, TxMode::kWrite,
                  [](Transaction& tx) -> Result<std::vector<std::pair<std::string, int>>> {
                    TRY(tx.ExecScript(kMigrationsTable));
                    auto rows = TRY(tx.Query(
                        "SELECT module, version FROM relish_migrations ORDER BY module, version"));
                    std::vector<std::pair<std::string, int>> out;
                    for (const auto& r : rows) out.emplace_back(r.Text(0), static_cast<int>(r.Int(1)));
                    return out;
                  });
}

Result<void> Store::Migrate(const std::vector<Migration>& migrations) {
  auto applied = TRY(AppliedMigrations());
  std::map<std::string, int> current;
  for (const auto& [module, version] : applied) current[module] = std::max(current[module], version);
  std::map<std::string, int> known;
  for (const auto& m : migrations) known[m.module] = std::max(known[m.module], m.version);
  for (const auto& [module, version] : current) {
    auto it = known.find(module);
    if (it != known.end() && version > it->second) {
      return FailedPrecondition("the database schema for '" + module + "' is at version " +
                                std::to_string(version) + ", newer than this binary knows (" +
                                std::to_string(it->second) + "); upgrade relish");
    }
  }
  for (const auto& m : migrations) {
    if (m.version <= current[m.module]) continue;
    if (m.version != current[m.module] + 1) {
      return Internal("migration " + m.module + "/" + std::to_string(m.version) +
                      " is out of order");
    }
    TRY(Transact(*this, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      // Another process (a second node starting at once) may have applied it since this one
      // read the list above; writers take turns, so this check and the apply are one step.
      auto done = TRY(tx.Query("SELECT 1 FROM relish_migrations WHERE module = ? AND version = ?",
                               m.module, m.version));
      if (!done.empty()) return Ok();
      auto r = tx.ExecScript(backend() == "postgres" && !m.postgres_sql.empty() ? m.postgres_sql
                                                                                : m.sql);
      if (!r.ok()) {
        return r.error().WithContext("migration " + m.module + "/" + std::to_string(m.version) +
                                     " (" + m.description + ")");
      }
      TRY(tx.Exec("INSERT INTO relish_migrations (module, version, description, applied_at)"
                  " VALUES (?, ?, ?, ?)",
                  m.module, m.version, m.description,
                  static_cast<int64_t>(std::time(nullptr))));
      return Ok();
    }));
    current[m.module] = m.version;
  }
  return Ok();
}

}  // namespace relish::store
