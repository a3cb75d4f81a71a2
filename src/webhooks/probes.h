// Health probes (issue 18): a connection's service's test call, run on demand (REST, CLI,
// console) and on a schedule on the workflow engine's workers. An outcome is an event
// (probe_failed, probe_ok) and so reaches the webhooks; a connection's health is its latest.
//
// The schedule is one sweep job kept alive in the durable queue: each sweep reads the probe
// targets of every organization (its shared, connected connections of a service that declares a
// test call: a per-user one has no one to probe as, a pending or broken one has its own events
// already), enqueues one probe job per target
// under the target's own organization and environment, spread evenly over the interval, and
// enqueues the next sweep one interval later. A sweep takes at most max_per_space targets of one
// organization and environment and max_per_sweep in all, so one large tenant neither floods the
// workers nor starves the others; over the bound, each sweep (its `round`) starts where the last
// stopped, so every connection is probed in turn. A scheduled probe records only changes (the
// first outcome, then each flip between failing and ok); an on-demand probe records every
// failure, since a person asked. Handlers never throw: a failure is logged and the next sweep tries again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "store/store.h"
#include "webhooks/webhooks.h"
#include "workflow/engine.h"
#include "workflow/queue.h"

namespace relish::webhooks {

inline constexpr std::string_view kProbeSweepJobKind = "probe_sweep";
inline constexpr std::string_view kProbeJobKind = "connection_probe";

// A connection's health: its latest probe event, {"ok", "at", "message"}; null when it was
// never probed.
Json Health(connections::Connections& connections, const connections::Connection& c);

enum class ProbeRecord {
  kEveryFailure,  // on demand: each failure is an event; a success when it ends failures
  kChanges,       // scheduled: the first outcome and each change only
};

struct ProbeOutcome {
  connections::TestResult test;
  std::string event_id;  // the event recorded, or ""
};

// Runs the service's test call for `c` as `ctx` says and records its outcome as `record` says.
// `actor` is the event's (the user who asked, or "" for the schedule).
Result<ProbeOutcome> Probe(connections::Connections& connections, const connections::Connection& c,
                           const connections::CallContext& ctx, std::string_view actor,
                           ProbeRecord record);

struct ProbeOptions {
  int64_t interval_ms = 3'600'000;  // between two probes of a connection; 0: no schedule
  int max_per_space = 1'000;        // targets of one organization and environment per sweep
  int max_per_sweep = 10'000;       // targets per sweep, all organizations
};

// The ids of every organization (identity's), for the sweep.
using OrganizationList = std::function<Result<std::vector<std::string>>()>;

class ProbeSchedule {
 public:
  ProbeSchedule(store::Store& store, workflow::JobQueue& queue,
                connections::Connections& connections, connections::Catalog& catalog,
                OrganizationList organizations, const Clock& clock, ProbeOptions options);

  // Registers the sweep's and the probes' job kinds. Once, before the engine starts.
  void Attach(workflow::Engine& engine);
  // When the schedule is on and no sweep is queued, queues one an interval from now (at start;
  // the queue keeps it across restarts).
  Result<void> EnsureScheduled();

  workflow::JobOutcome Sweep(const workflow::Job& job);
  workflow::JobOutcome RunProbe(const workflow::Job& job);

 private:
  struct Target {
    std::string org_id;
    std::string environment;
    std::string link_name;
  };
  Result<workflow::JobOutcome> SweepOrError(int64_t round);
  workflow::NewJob NextSweep(int64_t now, int64_t round) const;
  Result<void> ProbeOrError(const workflow::Job& job);
  // Whether the schedule probes `c`.
  bool Probed(const connections::Connection& c);

  store::Store& store_;
  workflow::JobQueue& queue_;
  connections::Connections& connections_;
  connections::Catalog& catalog_;
  OrganizationList organizations_;
  const Clock& clock_;
  ProbeOptions options_;
};

}  // namespace relish::webhooks
