#include "webhooks/probes.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "base/log.h"

namespace relish::webhooks {

using store::Transaction;
using store::TxMode;

Json Health(connections::Connections& connections, const connections::Connection& c) {
  std::optional<connections::ConnectionEvent> latest;
  for (const char* type : {"probe_failed", "probe_ok"}) {
    auto found = connections.Events(
        c.org_id, {.environment = c.environment, .link_name = c.link_name, .type = type, .limit = 1});
    if (found.ok() && !found->empty() && (!latest || found->front().id > latest->id)) {
      latest = found->front();
    }
  }
  if (!latest) return Json();
  return {{"ok", latest->type == "probe_ok"}, {"at", latest->at}, {"message", latest->reason}};
}

Result<ProbeOutcome> Probe(connections::Connections& connections, const connections::Connection& c,
                           const connections::CallContext& ctx, std::string_view actor,
                           ProbeRecord record) {
  Json before = Health(connections, c);
  bool was_ok = !before.is_null() && before["ok"].get<bool>();
  bool was_failing = !before.is_null() && !before["ok"].get<bool>();
  ProbeOutcome out;
  out.test = TRY(connections.Test(ctx, c.link_name, ""));
  bool changed = out.test.ok ? !was_ok : !was_failing;
  bool recorded = record == ProbeRecord::kChanges ? changed : (!out.test.ok || changed);
  if (recorded) {
    connections::ConnectionEvent e;
    e.org_id = c.org_id;
    e.environment = c.environment;
    e.link_name = c.link_name;
    e.service_id = c.service_id;
    e.type = out.test.ok ? "probe_ok" : "probe_failed";
    e.actor = std::string(actor);
    e.reason = out.test.message;  // Call masked the connection's secrets in it
    out.event_id = TRY(connections.RecordEvent(std::move(e))).id;
  }
  return out;
}

ProbeSchedule::ProbeSchedule(store::Store& store, workflow::JobQueue& queue,
                             connections::Connections& connections, connections::Catalog& catalog,
                             OrganizationList organizations, const Clock& clock,
                             ProbeOptions options)
    : store_(store),
      queue_(queue),
      connections_(connections),
      catalog_(catalog),
      organizations_(std::move(organizations)),
      clock_(clock),
      options_(options) {}

bool ProbeSchedule::Probed(const connections::Connection& c) {
  if (c.per_user) return false;
  const connections::Authorization* shared = connections::AuthorizationFor(c, "");
  if (!shared || shared->status != connections::Status::kConnected) return false;
  auto service = catalog_.Get(c.org_id, c.service_id);
  return service.ok() && (*service)->test.has_value();  // gone from the catalog, or no test call
}

void ProbeSchedule::Attach(workflow::Engine& engine) {
  // Registered even when the schedule is off: a sweep queued before it was turned off ends.
  engine.AddJobKind(std::string(kProbeSweepJobKind),
                    [this](const workflow::Job& job) { return Sweep(job); });
  engine.AddJobKind(std::string(kProbeJobKind),
                    [this](const workflow::Job& job) { return RunProbe(job); });
}

Result<void> ProbeSchedule::EnsureScheduled() {
  if (options_.interval_ms <= 0) return Ok();
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(queue_.CountKind(tx, kProbeSweepJobKind)) > 0) return Ok();
    TRY(queue_.Enqueue(tx, NextSweep(clock_.NowMillis(), 0)));
    return Ok();
  });
}

workflow::NewJob ProbeSchedule::NextSweep(int64_t now, int64_t round) const {
  workflow::NewJob sweep;
  sweep.kind = std::string(kProbeSweepJobKind);
  sweep.payload = {{"round", round}};
  sweep.run_at = now + options_.interval_ms;
  sweep.max_attempts = 3;
  return sweep;
}

workflow::JobOutcome ProbeSchedule::Sweep(const workflow::Job& job) {
  if (options_.interval_ms <= 0) return {};  // turned off since it was queued: it ends here
  workflow::JobOutcome out;
  int64_t round = 0;
  try {
    round = job.payload.value("round", int64_t{0});
    auto swept = SweepOrError(round);
    if (swept.ok()) return std::move(*swept);
    spdlog::warn("health probes: the sweep failed: {}", swept.error().message());
  } catch (const std::exception& e) {
    spdlog::error("health probes: the sweep failed: {}", e.what());
  }
  // Whatever went wrong, the schedule goes on.
  out.followups = {NextSweep(clock_.NowMillis(), round + 1)};
  return out;
}

Result<workflow::JobOutcome> ProbeSchedule::SweepOrError(int64_t round) {
  int64_t now = clock_.NowMillis();
  std::vector<Target> targets;
  int64_t skipped = 0;
  for (const auto& org : TRY(organizations_())) {
    for (const char* environment : {"sandbox", "production"}) {
      std::vector<Target> space;
      for (const auto& c : TRY(connections_.List(org, environment))) {
        if (Probed(c)) space.push_back({c.org_id, c.environment, c.link_name});
      }
      // Over the bound, each sweep starts where the last one stopped: every connection is
      // probed in turn, if less often.
      int64_t count = static_cast<int64_t>(space.size());
      int64_t take = std::min<int64_t>(count, options_.max_per_space);
      int64_t room = options_.max_per_sweep - static_cast<int64_t>(targets.size());
      take = std::min(take, std::max<int64_t>(room, 0));
      int64_t start = count > 0 ? (round * options_.max_per_space) % count : 0;
      for (int64_t i = 0; i < take; ++i) targets.push_back(space[(start + i) % count]);
      skipped += count - take;
    }
  }
  if (skipped > 0) {
    spdlog::warn("health probes: {} connections over the per-sweep bounds are not probed", skipped);
  }
  workflow::JobOutcome out;
  // Spread evenly over the interval, so the upstreams and the workers see a trickle.
  int64_t n = static_cast<int64_t>(targets.size());
  for (int64_t i = 0; i < n; ++i) {
    workflow::NewJob probe;
    probe.org_id = targets[i].org_id;
    probe.environment = targets[i].environment;
    probe.kind = std::string(kProbeJobKind);
    probe.payload = {{"link", targets[i].link_name}};
    probe.run_at = now + i * options_.interval_ms / n;
    probe.max_attempts = 1;  // a probe lost with its worker waits for the next sweep
    out.followups.push_back(std::move(probe));
  }
  out.followups.push_back(NextSweep(now, round + 1));
  return out;
}

workflow::JobOutcome ProbeSchedule::RunProbe(const workflow::Job& job) {
  if (job.exhausted) return {};
  try {
    auto probed = ProbeOrError(job);
    if (!probed.ok()) {
      spdlog::warn("health probe of {} ({} {}) failed to run: {}",
                   job.payload.value("link", ""), job.org_id, job.environment,
                   probed.error().message());
    }
  } catch (const std::exception& e) {
    spdlog::error("health probe of {} ({} {}) failed to run: {}", job.payload.value("link", ""),
                  job.org_id, job.environment, e.what());
  }
  return {};
}

Result<void> ProbeSchedule::ProbeOrError(const workflow::Job& job) {
  std::string link = job.payload.value("link", "");
  auto c = connections_.Get(job.org_id, job.environment, link);
  if (!c.ok()) return Ok();  // deleted since the sweep
  // Authorized still? Revoked or broken since the sweep: its own events say so already.
  if (!Probed(*c)) return Ok();
  connections::CallContext ctx{.org_id = job.org_id,
                               .environment = job.environment,
                               .origin = "probe"};
  TRY(Probe(connections_, *c, ctx, "", ProbeRecord::kChanges));
  return Ok();
}

}  // namespace relish::webhooks
