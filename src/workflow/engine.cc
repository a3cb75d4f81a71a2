// The engine's listener (record changes -> jobs) and its workers (jobs -> runs).
#include "workflow/engine.h"

#include <algorithm>

#include "base/barrier.h"
#include "base/ids.h"
#include "base/log.h"
#include "crm/values.h"
#include "workflow/executor.h"

namespace relish::workflow {

using crm::ChangeEvent;
using crm::ChangeKind;
using crm::Json;
using store::Transaction;
using store::TxMode;

int& ChainDepth() {
  thread_local int depth = 0;
  return depth;
}

namespace {

bool SameName(std::string_view a, std::string_view b) { return crm::FoldCase(a) == crm::FoldCase(b); }

bool Changed(const Trigger& t, const ChangeEvent& e) {
  if (t.fields.empty()) return !e.changed_fields.empty() || e.kind == ChangeKind::kCreate;
  for (const auto& f : t.fields) {
    for (const auto& c : e.changed_fields) {
      if (SameName(f, c)) return true;
    }
  }
  return false;
}

// When a date or date-time value (plus the offset) falls, in epoch ms; nullopt for no value.
std::optional<int64_t> DueAt(const Json& value, int64_t offset_ms, int time_of_day_min) {
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (crm::IsDate(text)) {
    auto midnight = crm::ParseDateTime(text + "T00:00:00+00:00");
    if (!midnight) return std::nullopt;
    return *midnight + int64_t{time_of_day_min} * 60'000 + offset_ms;
  }
  auto at = crm::ParseDateTime(text);
  if (!at) return std::nullopt;
  return *at + offset_ms;
}

Json ActorJson(const crm::Actor& a) { return {{"id", a.id}, {"name", a.name}, {"email", a.email}}; }

}  // namespace

Engine::Engine(EngineDeps deps, EngineOptions options)
    : d_(deps), options_(options), node_(NewId("wk", deps.clock, deps.random).substr(0, 16)) {
  if (d_.connections) {
    d_.connections->OnAudit([this](const connections::AuditEntry& entry) {
      if (entry.run_id.empty()) return;
      std::lock_guard lock(audit_mu_);
      auto it = collecting_.find(entry.run_id);
      if (it != collecting_.end()) it->second.push_back(entry);
    });
  }
}

Engine::~Engine() { Stop(); }

std::vector<store::Migration> Engine::Migrations() {
  std::vector<store::Migration> all = Repository::Migrations();
  for (auto& m : JobQueue::Migrations()) all.push_back(std::move(m));
  for (auto& m : RunLog::Migrations()) all.push_back(std::move(m));
  return all;
}

void Engine::AddJobKind(std::string kind, JobHandler handler) {
  job_kinds_[std::move(kind)] = std::move(handler);
}

EngineStats Engine::Stats() const {
  return {events_.load(), enqueued_.load(), runs_.load(), failed_.load()};
}

// ---- record changes -> jobs ------------------------------------------------------------------

Result<std::shared_ptr<const Engine::SpaceRules>> Engine::RulesFor(Transaction& tx,
                                                                   const crm::Space& space) {
  int64_t version = TRY(d_.repository.Version(tx, space));
  auto key = std::make_pair(space.org_id, space.environment);
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second->version == version) return it->second;
  }
  auto loaded = std::make_shared<SpaceRules>();
  loaded->version = version;
  for (auto& rule : TRY(d_.repository.LoadActiveRules(tx, space))) {
    auto mod = loaded->modules.find(rule.module);
    if (mod == loaded->modules.end()) {
      auto module = d_.crm.GetModule(tx, space, rule.module);
      if (!module.ok()) {
        // Only a module that is gone skips its rules. Any other failure (a lost connection, a
        // conflict that aborted the transaction) fails the change: the set below is cached under
        // the rule version, and one read short of a module would stay short until it moves.
        if (module.error().code() != ErrorCode::kNotFound) return module.error();
        spdlog::warn("workflow rule {} watches module {}, which is gone", rule.id, rule.module);
        continue;
      }
      mod = loaded->modules.emplace(rule.module, std::move(*module)).first;
    }
    auto compiled = Compile(rule, mod->second);
    if (!compiled.ok()) {
      // A field the rule names was deleted since it was saved: the rule cannot run.
      spdlog::warn("workflow rule {} ({}) no longer fits its module: {}", rule.id, rule.name,
                   compiled.error().message());
      continue;
    }
    loaded->rules.push_back(std::move(rule));
  }
  std::lock_guard lock(cache_mu_);
  cache_[key] = loaded;
  return std::shared_ptr<const SpaceRules>(loaded);
}

Result<void> Engine::OnSchemaChange(Transaction& tx, const crm::Space& space, std::string_view) {
  return d_.repository.BumpVersion(tx, space);
}

Result<void> Engine::OnRecordChange(Transaction& tx, const ChangeEvent& event) {
  if (!event.fire_workflows) return Ok();
  int depth = ChainDepth();
  crm::Space space{event.org_id, event.environment};
  auto rules = TRY(RulesFor(tx, space));
  if (rules->rules.empty()) return Ok();
  events_.fetch_add(1, std::memory_order_relaxed);
  if (depth >= options_.max_chain_depth) {
    spdlog::warn("workflow: not firing rules for {} {}: {} writes by rules in a row", event.module,
                 event.record_id, depth);
    return Ok();
  }
  int64_t before = enqueued_.load(std::memory_order_relaxed);
  for (const Rule& rule : rules->rules) {
    if (!SameName(rule.module, event.module)) continue;
    const crm::Module& module = rules->modules.at(rule.module);
    const Trigger& t = rule.trigger;
    bool fires = false;
    switch (t.kind) {
      case TriggerKind::kCreate: fires = event.kind == ChangeKind::kCreate; break;
      case TriggerKind::kEdit: fires = event.kind == ChangeKind::kEdit && Changed(t, event); break;
      case TriggerKind::kCreateOrEdit:
        fires = event.kind == ChangeKind::kCreate ||
                (event.kind == ChangeKind::kEdit && Changed(t, event));
        break;
      case TriggerKind::kDelete: fires = event.kind == ChangeKind::kDelete; break;
      case TriggerKind::kDate: {
        // The rule is due when the date comes; (re)schedule whenever the date is set or moved.
        // An older job for the same record finds the value changed and does nothing.
        if (event.kind == ChangeKind::kDelete) break;
        bool touched = std::any_of(event.changed_fields.begin(), event.changed_fields.end(),
                                   [&](const std::string& f) { return SameName(f, t.date_field); });
        if (!touched) break;
        const crm::Field* field = module.FindField(t.date_field);
        Json value = event.record.value(field ? field->api_name : t.date_field, Json());
        auto due = DueAt(value, t.offset_ms, t.time_of_day_min);
        if (!due || *due <= d_.clock.NowMillis()) break;  // no date, or already past
        NewJob job{.org_id = event.org_id,
                   .environment = event.environment,
                   .kind = "date",
                   .payload = {{"rule_id", rule.id},
                               {"module", module.api_name},
                               {"record_id", event.record_id},
                               {"field", field ? field->api_name : t.date_field},
                               {"value", value},
                               {"event_at", event.at_ms},
                               {"actor", ActorJson(event.actor)},
                               {"depth", depth + 1}},
                   .run_at = *due,
                   .max_attempts = options_.max_attempts};
        TRY(d_.queue.Enqueue(tx, job));
        enqueued_.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    if (!fires) continue;
    auto condition = FirstMatch(rule, module, event.record);
    if (!condition) continue;
    bool once = (t.kind == TriggerKind::kEdit || t.kind == TriggerKind::kCreateOrEdit) && !t.repeat;
    if (once && !TRY(d_.repository.MarkFired(tx, rule.id, event.record_id))) continue;
    TRY(EnqueueActions(tx, event, rule, *condition, module,
                       crm::ChangeKindName(event.kind), depth));
  }
  if (enqueued_.load(std::memory_order_relaxed) != before) Wake();
  return Ok();
}

Result<void> Engine::EnqueueActions(Transaction& tx, const ChangeEvent& event, const Rule& rule,
                                    size_t ci, const crm::Module& module, std::string_view trigger,
                                    int depth) {
  const Condition& c = rule.conditions[ci];
  int64_t now = d_.clock.NowMillis();
  auto job_for = [&](const Action& action, bool scheduled) {
    return NewJob{.org_id = event.org_id,
                  .environment = event.environment,
                  .kind = "action",
                  .payload = {{"rule_id", rule.id},
                              {"rule_name", rule.name},
                              {"topping", rule.topping},
                              {"module", module.api_name},
                              {"record_id", event.record_id},
                              {"event_id", event.id},
                              {"trigger", trigger},
                              {"event_at", event.at_ms},
                              {"condition", ci},
                              {"scheduled", scheduled},
                              {"action", ActionToJson(action)},
                              // The record as this change left it is in the CRM's change
                              // history under event_id; the job does not carry a copy.
                              {"actor", ActorJson(event.actor)},
                              {"depth", depth + 1}},
                  .run_at = now,
                  .max_attempts = options_.max_attempts};
  };
  for (const Action& a : c.actions) {
    TRY(d_.queue.Enqueue(tx, job_for(a, false)));
    enqueued_.fetch_add(1, std::memory_order_relaxed);
  }
  for (const Schedule& s : c.scheduled) {
    int64_t at = now + s.offset_ms;
    if (!s.from_field.empty()) {
      const crm::Field* field = module.FindField(s.from_field);
      auto due = DueAt(event.record.value(field ? field->api_name : s.from_field, Json()),
                       s.offset_ms, 9 * 60);
      if (!due || *due <= now) continue;  // no date, or already past
      at = *due;
    }
    for (const Action& a : s.actions) {
      NewJob job = job_for(a, true);
      job.run_at = at;
      TRY(d_.queue.Enqueue(tx, job));
      enqueued_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return Ok();
}

// ---- jobs -> runs --------------------------------------------------------------------------

namespace {
// A run may take up to the wall-time limit (60 s): leases closer to their end than this are
// extended while their jobs wait or run.
constexpr int64_t kLeaseSafetyMs = 70'000;

// The margin for a lease of `lease_ms`: kLeaseSafetyMs, or two thirds of a shorter lease (a
// short `workflow_lease` lets a dead node's jobs come back sooner). The dispatcher wakes to
// extend a lease once this little of it is left, so a live node keeps its jobs however long
// they run; before, a lease shorter than a run simply lapsed and another worker ran the job a
// second time while the first still ran it (2 s lease, 3 s functions: 8 of 24 ran twice).
int64_t LeaseSafetyMs(int64_t lease_ms) { return std::min(kLeaseSafetyMs, lease_ms * 2 / 3); }
}  // namespace

Result<void> Engine::WriteOutcomes(Transaction& tx, const std::string& owner, Done& done) {
  // Re-runnable (store::Transact may run it again): what it sets in `done` depends only on what
  // this run of it reads. A retried run's error is the outcome's (o.error), so the give-up text
  // is made from that, never from the run's error as a previous try left it.
  for (auto& [job, o] : done) {
    bool held = false;
    if (o.retry) {
      auto retried = TRY(d_.queue.Retry(tx, job, owner, o.error));
      held = retried.held;
      if (o.run) {
        // Set from o.error (the attempt's own error), not edited in place: this runs again when
        // the transaction is retried or the outcomes are written again after a failure.
        o.run->status = retried.again ? RunStatus::kRetrying : RunStatus::kFailed;
        o.run->error =
            retried.again
                ? o.error
                : "gave up after " + std::to_string(job.attempts) + " attempts: " + o.error;
      }
    } else {
      held = TRY(d_.queue.Finish(tx, job, owner));
    }
    // Only the worker still holding the job enqueues its follow-ups: when the lease ran out,
    // another worker (on any node) holds the job now and enqueues them when it is done, so a
    // chain (the probes' sweep, a webhook's next attempt, a date trigger's actions) never forks
    // into two. The attempt is recorded either way.
    if (held) {
      for (const auto& f : o.followups) TRY(d_.queue.Enqueue(tx, f));
    }
    if (o.run) TRY(d_.runs.Insert(tx, *o.run));
  }
  return Ok();
}

Result<int> Engine::ProcessBatch(const std::string& owner) {
  auto jobs = TRY(d_.queue.Lease(owner, options_.batch));
  if (jobs.empty()) return 0;
  Executor executor(*this);
  Done done;
  done.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (d_.clock.NowMillis() + LeaseSafetyMs(d_.queue.lease_ms()) > jobs[i].lease_until) {
      std::vector<std::string> rest;
      for (size_t k = i; k < jobs.size(); ++k) rest.push_back(jobs[k].id);
      auto until = d_.queue.Extend(owner, rest);
      if (until.ok()) {
        for (size_t k = i; k < jobs.size(); ++k) jobs[k].lease_until = *until;
      }
    }
    Outcome o = executor.Execute(jobs[i]);
    done.emplace_back(std::move(jobs[i]), std::move(o));
  }
  TRY(store::Transact(d_.store, TxMode::kWrite,
                      [&](Transaction& tx) { return WriteOutcomes(tx, owner, done); }));
  for (const auto& [job, o] : done) {
    runs_.fetch_add(1, std::memory_order_relaxed);
    if (o.run && o.run->status == RunStatus::kFailed) failed_.fetch_add(1, std::memory_order_relaxed);
  }
  return static_cast<int>(done.size());
}

Result<std::string> Engine::RunAgain(std::string_view org_id, std::string_view run_id,
                                     const crm::Actor& actor) {
  Run run = TRY(d_.runs.Get(org_id, run_id));
  crm::Space space{run.org_id, run.environment};
  auto rule = d_.repository.GetRule(space, run.rule_id);
  if (!rule.ok()) {
    if (rule.error().code() != ErrorCode::kNotFound) return rule.error();
    return FailedPrecondition("the rule '" + run.rule_name + "' was deleted; nothing to run again");
  }
  // The action that made the run: the rule's first of that kind and target (instant or
  // scheduled). An action edited since is not the one that ran.
  std::optional<std::pair<size_t, Action>> found;
  for (size_t ci = 0; ci < rule->conditions.size() && !found; ++ci) {
    const Condition& c = rule->conditions[ci];
    std::vector<const Action*> all;
    for (const Action& a : c.actions) all.push_back(&a);
    for (const Schedule& s : c.scheduled) {
      for (const Action& a : s.actions) all.push_back(&a);
    }
    for (const Action* a : all) {
      if (ActionKindName(a->kind) == run.action && ActionTarget(*a) == run.target) {
        found.emplace(ci, *a);
        break;
      }
    }
  }
  if (!found) {
    return FailedPrecondition("the rule '" + rule->name + "' no longer has this action (" +
                              run.action + " " + run.target + ")");
  }
  auto record = d_.crm.GetRecord(space, run.module, run.record_id);
  if (!record.ok()) {
    if (record.error().code() != ErrorCode::kNotFound) return record.error();
    return FailedPrecondition("the record " + run.record_id + " was deleted");
  }
  int64_t now = d_.clock.NowMillis();
  NewJob job{.org_id = run.org_id,
             .environment = run.environment,
             .kind = "action",
             .payload = {{"rule_id", rule->id},
                         {"rule_name", rule->name},
                         {"topping", rule->topping},
                         {"module", run.module},
                         {"record_id", run.record_id},
                         {"trigger", run.trigger},
                         {"event_at", now},
                         {"condition", found->first},
                         {"scheduled", false},
                         {"action", ActionToJson(found->second)},
                         // The record as it is now (not the change's snapshot), as a due date
                         // trigger's actions carry theirs.
                         {"record", *record},
                         {"actor", ActorJson(actor)},
                         {"depth", 1}},
             .run_at = now,
             .max_attempts = options_.max_attempts};
  std::string id = TRY(store::Transact(d_.store, store::TxMode::kWrite,
                                       [&](store::Transaction& tx) { return d_.queue.Enqueue(tx, job); }));
  enqueued_.fetch_add(1, std::memory_order_relaxed);
  Wake();
  return id;
}

Result<int> Engine::RunDue() {
  int total = 0;
  while (true) {
    int n = TRY(ProcessBatch(node_ + "-inline"));
    if (n == 0) return total;
    total += n;
  }
}

void Engine::Wake() {
  {
    std::lock_guard lock(mu_);
    work_signal_ = true;
  }
  dispatch_cv_.notify_one();
}

void Engine::Start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable() || options_.workers <= 0) return;
  stopping_ = false;
  work_signal_ = true;  // jobs left from before start, or from other processes
  for (int i = 0; i < options_.workers; ++i) executors_.emplace_back([this] { ExecutorLoop(); });
  dispatcher_ = std::thread([this] { DispatchLoop(); });
}

void Engine::Stop() {
  std::vector<std::thread> executors;
  std::thread dispatcher;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    executors.swap(executors_);
    dispatcher.swap(dispatcher_);
  }
  execute_cv_.notify_all();
  dispatch_cv_.notify_all();
  // Executors finish what was leased; the dispatcher writes it all, then stops.
  for (auto& t : executors) t.join();
  if (dispatcher.joinable()) dispatcher.join();
}

void Engine::ExecutorLoop() {
  Executor executor(*this);
  std::unique_lock lock(mu_);
  while (true) {
    execute_cv_.wait(lock, [&] { return !ready_.empty() || stopping_; });
    if (ready_.empty()) return;  // stopping, and nothing leased is left
    Job job = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    Outcome outcome = executor.Execute(job);
    lock.lock();
    done_.emplace_back(std::move(job), std::move(outcome));
    dispatch_cv_.notify_one();
  }
}

void Engine::DispatchLoop() {
  const std::string owner = node_;
  // Enough leased that an executor finishing a job finds the next one waiting, and that one
  // commit records and leases many jobs.
  const size_t capacity = static_cast<size_t>(
      options_.in_flight > 0 ? options_.in_flight : options_.workers * 4);
  const int64_t safety = LeaseSafetyMs(d_.queue.lease_ms());
  int64_t last_purge = 0;
  int failures = 0;
  std::unique_lock lock(mu_);
  while (true) {
    bool can_lease = !stopping_ && in_flight_.size() < capacity;
    // When the first of the leases held needs extending (jobs waiting or running long).
    int64_t extend_at = INT64_MAX;
    for (const auto& [id, until] : in_flight_) extend_at = std::min(extend_at, until - safety);
    bool must_extend = extend_at <= d_.clock.NowMillis();
    if (done_.empty() && !(can_lease && work_signal_) && !must_extend) {
      if (stopping_ && in_flight_.empty()) return;
      // Idle: wait for finished jobs, new work, the next scheduled job, or a lease to extend.
      int64_t wait = options_.poll_ms;
      if (extend_at != INT64_MAX) {
        wait = std::clamp<int64_t>(extend_at - d_.clock.NowMillis(), 1, wait);
      }
      if (can_lease) {
        lock.unlock();
        auto next = d_.queue.NextDue();
        lock.lock();
        if (next.ok() && *next) wait = std::clamp<int64_t>(**next - d_.clock.NowMillis(), 0, wait);
      }
      bool woken = dispatch_cv_.wait_for(lock, std::chrono::milliseconds(wait), [&] {
        return stopping_ || !done_.empty() || (work_signal_ && in_flight_.size() < capacity);
      });
      if (!woken) work_signal_ = true;  // look anyway: other nodes' jobs, scheduled ones now due
      continue;
    }
    Done done = std::move(done_);
    done_.clear();
    size_t want = can_lease && work_signal_ ? capacity - in_flight_.size() : 0;
    work_signal_ = false;
    int64_t now = d_.clock.NowMillis();
    std::vector<std::string> extend;
    for (const auto& [id, until] : in_flight_) {
      if (until - now < safety) extend.push_back(id);
    }
    lock.unlock();

    std::vector<Job> leased;
    int64_t extended_until = 0;
    auto written = CatchAll("recording workflow outcomes", [&] {
      return store::Transact(d_.store, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
        TRY(WriteOutcomes(tx, owner, done));
        leased = TRY(d_.queue.Lease(tx, owner, static_cast<int>(want)));
        if (!extend.empty()) extended_until = TRY(d_.queue.Extend(tx, owner, extend));
        return Ok();
      });
    });

    lock.lock();
    if (!written.ok()) {
      // Keep the outcomes and try again shortly; after a while give up on them: their jobs'
      // leases run out and they run again (at least once).
      spdlog::error("workflow: recording {} finished jobs failed: {}", done.size(),
                    written.error().message());
      if (++failures < 50 && !(stopping_ && failures > 5)) {
        for (auto& d : done) done_.push_back(std::move(d));
      } else {
        for (const auto& d : done) in_flight_.erase(d.first.id);
      }
      dispatch_cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return false; });
      continue;
    }
    failures = 0;
    bool more = want > 0 && leased.size() == want;
    for (const auto& [job, o] : done) {
      in_flight_.erase(job.id);
      runs_.fetch_add(1, std::memory_order_relaxed);
      if (o.run && o.run->status == RunStatus::kFailed) failed_.fetch_add(1, std::memory_order_relaxed);
      more = more || !o.followups.empty();
    }
    for (const auto& id : extend) {
      if (auto it = in_flight_.find(id); it != in_flight_.end()) it->second = extended_until;
    }
    for (auto& job : leased) {
      // A lease of ours that ran out before we extended it (a stalled process) is due again, and
      // we may have just leased it anew: it is still queued or running here, so this only
      // extended it. Running it a second time on this node is what must not happen.
      auto [it, fresh] = in_flight_.insert_or_assign(job.id, job.lease_until);
      if (fresh) ready_.push_back(std::move(job));
    }
    if (more) work_signal_ = true;
    if (!leased.empty()) execute_cv_.notify_all();

    if (now - last_purge >= options_.purge_every_ms) {
      last_purge = now;
      lock.unlock();
      auto purged = CatchAll("purging old runs", [&] { return d_.runs.Purge(now - options_.retention_ms); });
      if (!purged.ok()) spdlog::warn("workflow: purging old runs failed: {}", purged.error().message());
      lock.lock();
    }
  }
}

void Engine::BeginCollecting(const std::string& run_id) {
  std::lock_guard lock(audit_mu_);
  collecting_[run_id];
}

std::vector<connections::AuditEntry> Engine::EndCollecting(const std::string& run_id) {
  std::lock_guard lock(audit_mu_);
  auto it = collecting_.find(run_id);
  if (it == collecting_.end()) return {};
  auto out = std::move(it->second);
  collecting_.erase(it);
  return out;
}

}  // namespace relish::workflow
