// Connection events (issue 18): stored in connection_events, read newest first, handed to the
// observers inside the transaction that stores them.
#include <atomic>
#include <cstdio>

#include "connections/connections_impl.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

namespace {

constexpr std::string_view kEventTypes[] = {
    "created",      "authorized", "reauthorized",   "refresh_failed", "needs_reauth",
    "revoked",      "deleted",    "policy_changed", "probe_failed",   "probe_ok"};

constexpr std::string_view kEventColumns =
    "id, at, org_id, environment, link_name, service_id, type, user_id, actor, status, reason,"
    " error, error_description";

// "evt_" + 12 hex digits of epoch ms + 8 of a process-wide counter + 8 random: events of one
// millisecond keep their order (a list and its `before` cursor order by id), as run ids do
// (workflow's SequentialId, which this module cannot depend on).
std::string EventId(const Clock& clock, Random& random) {
  static std::atomic<uint32_t> counter{0};
  uint32_t n = counter.fetch_add(1, std::memory_order_relaxed);
  uint32_t r = static_cast<uint32_t>(random.Next64());
  char buf[40];
  std::snprintf(buf, sizeof buf, "evt_%012llx%08x%08x",
                static_cast<unsigned long long>(clock.NowMillis()) & 0xffffffffffffULL, n, r);
  return buf;
}

ConnectionEvent EventFromRow(const store::Row& r) {
  ConnectionEvent e;
  e.id = r.Text(0);
  e.at = r.Int(1);
  e.org_id = r.Text(2);
  e.environment = r.Text(3);
  e.link_name = r.Text(4);
  e.service_id = r.Text(5);
  e.type = r.Text(6);
  e.user_id = r.Text(7);
  e.actor = r.Text(8);
  e.status = r.Text(9);
  e.reason = r.Text(10);
  e.error = r.Text(11);
  e.error_description = r.Text(12);
  return e;
}

}  // namespace

bool ValidEventType(std::string_view type) {
  for (auto t : kEventTypes) {
    if (t == type) return true;
  }
  return false;
}

std::vector<store::Migration> EventMigrations() {
  // Its own module name: the connections module's numbering is shared with other work.
  return {{"connection_events", 1, "connection state changes", R"sql(
CREATE TABLE connection_events (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  link_name TEXT NOT NULL,
  service_id TEXT NOT NULL,
  type TEXT NOT NULL,
  user_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  error TEXT NOT NULL,
  error_description TEXT NOT NULL
);
CREATE INDEX connection_events_org ON connection_events (org_id, environment, id);
CREATE INDEX connection_events_link ON connection_events (org_id, environment, link_name, id);
)sql"}};
}

void ProviderRefusal(const Error& error, ConnectionEvent& e) {
  const std::string& m = error.message();
  for (std::string_view lead : {"the provider refused: ", "the provider did not authorize: "}) {
    auto at = m.find(lead);
    if (at == std::string::npos) continue;
    std::string rest = m.substr(at + lead.size());
    auto space = rest.find(' ');
    e.error = rest.substr(0, space);
    if (space != std::string::npos && rest.size() > space + 2 && rest[space + 1] == '(') {
      // The description runs to the matching ')' at the end of the refusal.
      auto close = rest.rfind(')');
      if (close != std::string::npos && close > space + 1) {
        e.error_description = rest.substr(space + 2, close - space - 2);
      }
    }
    return;
  }
}

ConnectionEvent Connections::Impl::EventOf(const Connection& c, std::string_view type,
                                           const std::string& user_id, std::string_view status) {
  ConnectionEvent e;
  e.org_id = c.org_id;
  e.environment = c.environment;
  e.link_name = c.link_name;
  e.service_id = c.service_id;
  e.type = std::string(type);
  e.user_id = c.per_user ? user_id : std::string();
  e.status = std::string(status);
  return e;
}

Result<void> Connections::Impl::InsertEvent(Transaction& tx, ConnectionEvent& e) {
  if (e.id.empty()) e.id = EventId(clock_, random_);
  if (e.at == 0) e.at = clock_.NowMillis();
  TRY(tx.Exec("INSERT INTO connection_events (id, at, org_id, environment, link_name, service_id,"
              " type, user_id, actor, status, reason, error, error_description)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              e.id, e.at, e.org_id, e.environment, e.link_name, e.service_id, e.type, e.user_id,
              e.actor, e.status, e.reason, e.error, e.error_description));
  for (const auto& observe : event_observers_) TRY(observe(tx, e));
  return Ok();
}

void Connections::Impl::Emit(ConnectionEvent e) {
  auto r = store::Transact(store_, TxMode::kWrite,
                           [&](Transaction& tx) { return InsertEvent(tx, e); });
  if (!r.ok()) {
    spdlog::warn("connection {}/{}: cannot record its {} event: {}", e.environment, e.link_name,
                 e.type, r.error().message());
  }
}

Result<std::vector<ConnectionEvent>> Connections::Events(std::string_view org_id,
                                                         const EventFilter& f) {
  std::string sql = "SELECT " + std::string(kEventColumns) +
                    " FROM connection_events WHERE org_id = ?";
  std::vector<store::Value> params = {store::Value(std::string(org_id))};
  auto add = [&](std::string_view clause, store::Value v) {
    sql += clause;
    params.push_back(std::move(v));
  };
  if (!f.environment.empty()) add(" AND environment = ?", store::Value(f.environment));
  if (!f.link_name.empty()) add(" AND link_name = ?", store::Value(f.link_name));
  if (!f.type.empty()) add(" AND type = ?", store::Value(f.type));
  if (f.since_ms > 0) add(" AND at >= ?", store::Value(f.since_ms));
  if (f.until_ms > 0) add(" AND at < ?", store::Value(f.until_ms));
  if (!f.before.empty()) add(" AND id < ?", store::Value(f.before));
  sql += " ORDER BY id DESC LIMIT ?";
  params.push_back(store::Value(int64_t{f.limit}));
  return store::Transact(impl_->store_, TxMode::kRead,
                         [&](Transaction& tx) -> Result<std::vector<ConnectionEvent>> {
                           std::vector<ConnectionEvent> out;
                           for (const auto& r : TRY(tx.QueryParams(sql, params))) {
                             out.push_back(EventFromRow(r));
                           }
                           return out;
                         });
}

Result<ConnectionEvent> Connections::RecordEvent(ConnectionEvent event) {
  if (!ValidEventType(event.type)) return InvalidArgument("unknown event type '" + event.type + "'");
  TRY(store::Transact(impl_->store_, TxMode::kWrite,
                      [&](Transaction& tx) { return impl_->InsertEvent(tx, event); }));
  return event;
}

void Connections::OnEvent(EventObserver observer) {
  impl_->event_observers_.push_back(std::move(observer));
}

}  // namespace relish::connections
