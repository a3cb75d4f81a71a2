// The workflow benchmark: record events -> rule -> function making two outbound calls to a local
// upstream, all in one process on loopback, with the real store (SQLite file, WAL), CRM,
// workflow engine and function runner. Reports runs per second and the latency from a record
// being written to its function starting (p50, p99, max). BENCHMARKS.md has the figures and
// bench/workflow/run.sh the commands.
//
//   workflow_bench [--runs N] [--rate PER_SECOND] [--batch RECORDS] [--workers W] [--in-flight J]
//                  [--runner platform|null]
//
// --rate 0 (the default) writes as fast as it can: the throughput the engine sustains while the
// producer competes for the same cores. A fixed rate below that shows the latency of a loaded
// but keeping-up system.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/workflow/bench_runner.h"
#include "crm/crm.h"
#include "outbound/curl_client.h"
#include "server/http_server.h"
#include "server/json.h"
#include "store/sqlite/sqlite_store.h"
#include "workflow/engine.h"

namespace relish {
namespace {

using Clock = std::chrono::steady_clock;
using crm::Json;

struct Options {
  int runs = 20'000;
  int rate = 0;
  int batch = 1;
  int workers = 8;
  int lease_batch = 0;  // --in-flight
  std::string runner = "platform";
  bool rule = true;  // --no-rule: the writes alone, for comparison
};

class Users : public crm::UserDirectory {
 public:
  Result<crm::Actor> FindMember(std::string_view, std::string_view id) override {
    return crm::Actor{std::string(id), "Bench", "bench@example.com"};
  }
};

// Wraps the real runner to note when each run starts, by the record it is for.
class TimingRunner final : public functions::FunctionRunner {
 public:
  explicit TimingRunner(functions::FunctionRunner& inner) : inner_(inner) {}
  Result<functions::RunResult> Run(const functions::RunRequest& request) override {
    auto now = Clock::now();
    std::string id;
    for (const auto& a : request.args) {
      if (a.name == "contact") id = Json::parse(a.json).value("Contacts.ID", "");
    }
    {
      std::lock_guard lock(mu_);
      started_[id] = now;
    }
    auto r = inner_.Run(request);
    if (!r.ok() || !r->ok) failures_.fetch_add(1);
    return r;
  }
  std::map<std::string, Clock::time_point> Started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  int failures() const { return failures_.load(); }

 private:
  functions::FunctionRunner& inner_;
  std::mutex mu_;
  std::map<std::string, Clock::time_point> started_;
  std::atomic<int> failures_{0};
};

int Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "workflow_bench: %s: %s\n", what.c_str(), e.ToString().c_str());
  return 1;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--runs") o.runs = std::stoi(v);
    else if (k == "--rate") o.rate = std::stoi(v);
    else if (k == "--batch") o.batch = std::stoi(v);
    else if (k == "--workers") o.workers = std::stoi(v);
    else if (k == "--in-flight") o.lease_batch = std::stoi(v);
    else if (k == "--runner") o.runner = v;
    else if (k == "--rule") o.rule = v != "none";
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("relish-workflow-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  // The upstream: Relish's own HTTP server answering two small JSON endpoints.
  server::Router router;
  router.Add("GET", "/lookup", server::Access::kPublic, [](server::Request&) {
    return server::JsonResponse(200, {{"ok", true}, {"id", "42"}});
  });
  router.Add("POST", "/record", server::Access::kPublic, [](server::Request& req) {
    return server::JsonResponse(201, {{"stored", req.body.size()}});
  });
  server::Metrics metrics;
  server::HttpServer upstream({.host = "127.0.0.1", .port = 0, .threads = 1}, router, metrics);
  if (auto r = upstream.Listen(); !r.ok()) return Fail("upstream", r.error());
  std::thread upstream_thread([&] { upstream.Run(false); });
  std::string base = "http://127.0.0.1:" + std::to_string(upstream.port());

  auto store_r = store::OpenSqlite({.path = (dir / "bench.db").string()});
  if (!store_r.ok()) return Fail("store", store_r.error());
  auto& store = **store_r;
  std::vector<store::Migration> migrations = crm::Crm::Migrations();
  for (auto& m : workflow::Engine::Migrations()) migrations.push_back(m);
  if (auto r = store.Migrate(migrations); !r.ok()) return Fail("migrate", r.error());

  Users users;
  crm::Crm crm(store, SystemClock(), SystemRandom(), users);
  workflow::Repository repo(store, crm, SystemClock(), SystemRandom());
  workflow::JobQueue queue(store, SystemClock(), SystemRandom());
  workflow::RunLog runs(store);
  auto http = outbound::NewCurlClient({.egress = {.allow_loopback = true}});
  auto inner = bench::MakeRunner(o.runner, *http, crm);
  TimingRunner runner(*inner);
  workflow::Engine engine({store, crm, repo, queue, runs, runner, nullptr, *http, *http,
                           SystemClock(), SystemRandom()},
                          {.workers = o.workers, .in_flight = o.lease_batch, .poll_ms = 100});
  crm.AddListener(engine);

  crm::Space space{"org_bench", "sandbox"};
  std::string source =
      "lookup = invokeurl\n[\n  url: \"" + base + "/lookup?id=\" + contact.get(\"Contacts.ID\")\n  type: GET\n];\n"
      "stored = invokeurl\n[\n  url: \"" + base + "/record\"\n  type: POST\n"
      "  parameters: {\"id\": lookup.get(\"id\"), \"email\": contact.get(\"Email\")}\n];\n"
      "info \"stored \" + stored.get(\"stored\");\n";
  if (auto f = repo.PutFunction(space, "", {.name = "sync", .source = source, .params = {"contact"}}, "usr_bench");
      !f.ok()) {
    return Fail("function", f.error());
  }
  auto rule = !o.rule ? Result<workflow::Rule>(workflow::Rule{}) : repo.CreateRule(space, "", Json::parse(R"({"name": "Bench", "module": "Contacts",
      "trigger": {"type": "create_or_edit", "repeat": true},
      "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]})"),
                              "usr_bench");
  if (!rule.ok()) return Fail("rule", rule.error());
  engine.Start();

  std::map<std::string, Clock::time_point> written;
  crm::Actor actor{"usr_bench", "Bench", "bench@example.com"};
  auto start = Clock::now();
  int written_count = 0;
  for (int i = 0; i < o.runs; i += o.batch) {
    if (o.rate > 0) {
      auto due = start + std::chrono::microseconds(static_cast<int64_t>(1e6 * i / o.rate));
      std::this_thread::sleep_until(due);
    }
    Json records = Json::array();
    for (int k = i; k < std::min(o.runs, i + o.batch); ++k) {
      records.push_back({{"Last_Name", "Contact " + std::to_string(k)},
                         {"Email", "c" + std::to_string(k) + "@example.com"},
                         {"Phone", "+1 555 0100"}});
    }
    auto at = Clock::now();
    auto r = crm.InsertRecords(space, "Contacts", records, actor, {});
    if (!r.ok()) return Fail("insert", r.error());
    for (const auto& w : *r) {
      if (!w.ok) {
        std::fprintf(stderr, "insert refused: %s\n", w.error.message.c_str());
        return 1;
      }
      written[w.details["id"].get<std::string>()] = at;
      ++written_count;
    }
  }
  auto produced = Clock::now();
  while (o.rule && engine.Stats().runs < written_count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (Clock::now() - produced > std::chrono::minutes(5)) {
      std::fprintf(stderr, "timed out with %lld of %d runs\n",
                   static_cast<long long>(engine.Stats().runs), written_count);
      return 1;
    }
  }
  auto done = Clock::now();
  engine.Stop();
  upstream.Stop();
  upstream_thread.join();

  std::vector<double> latency_ms;
  auto started = runner.Started();
  for (const auto& [id, at] : written) {
    auto it = started.find(id);
    if (it != started.end()) {
      latency_ms.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
    }
  }
  double seconds = std::chrono::duration<double>(done - start).count();
  auto listed = runs.List(space.org_id, {.status = "success", .limit = 1000});
  std::printf("runner=%s runs=%d batch=%d rate=%s workers=%d in_flight=%d\n", o.runner.c_str(),
              written_count, o.batch, o.rate ? std::to_string(o.rate).c_str() : "max", o.workers,
              o.lease_batch);
  std::printf("  %.0f runs/s (%.2f s), %d failed, produced in %.2f s\n", written_count / seconds,
              seconds, runner.failures() + static_cast<int>(engine.Stats().failed),
              std::chrono::duration<double>(produced - start).count());
  double p50 = Percentile(latency_ms, 50), p99 = Percentile(latency_ms, 99),
         max = Percentile(latency_ms, 100);
  std::printf("  event -> function start: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu samples)\n", p50,
              p99, max, latency_ms.size());
  if (!listed.ok() || listed->empty()) std::printf("  (run log check failed)\n");
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace relish

int main(int argc, char** argv) { return relish::Main(argc, argv); }
