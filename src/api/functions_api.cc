#include "api/functions_api.h"

#include <memory>

#include "api/body.h"
#include "api/params.h"
#include "api/source_positions.h"
#include "base/ids.h"
#include "base/log.h"
#include "deluge/deluge.h"
#include "deluge/vocabulary.h"
#include "functions/crm_tasks.h"

namespace relish::api {
namespace {

using server::Json;
using server::Request;
using server::Response;

// The most diagnostics one check answers with: past this many a script is mostly noise (one
// stray quote can make every later line an error), and the answer stays small.
constexpr size_t kMaxDiagnostics = 100;

// The script of a run or a check: present, text, and no larger than a stored function may be.
Result<std::string> SourceText(const Json& body) {
  auto source = body.find("source");
  if (source == body.end() || !source->is_string()) {
    return InvalidArgument("'source' (the function's Deluge text) is required");
  }
  std::string text = source->get<std::string>();
  if (text.size() > functions::kMaxSourceBytes) {
    return InvalidArgument("'source' is larger than " + std::to_string(functions::kMaxSourceBytes) +
                           " bytes, the most a function may hold");
  }
  return text;
}

// Pages of a function's runs: GET /api/v1/functions/runs?limit=.
constexpr int kDefaultRuns = 50;

// The run request from the body: {"function": "name"} (a stored function of the run's
// environment and topping) and/or {"source": "..."} (the text to run: a draft of that function,
// or a script of its own), "args": {"name": <JSON>}, "environment": "sandbox", "topping": "ns";
// the organization comes from ?org= (default: the caller's first). `function` receives the
// stored function's name.
Result<functions::RunRequest> ReadRunRequest(const Request& req, const Caller& c,
                                             workflow::Repository& stored, std::string& function) {
  Json body = TRY(server::ParseJsonBody(req));
  const Scope& scope = c.scope;
  functions::RunRequest run;
  run.org_id = scope.org_id;
  run.environment = scope.environment;
  if (std::string env = TRY(OptionalText(body, "environment")); !env.empty()) {
    run.environment = TRY(ParseEnvironment(env));
  }
  run.topping = TRY(OptionalText(body, "topping"));
  function = TRY(OptionalText(body, "function"));
  if (!function.empty()) {
    auto f = TRY(stored.GetFunction({run.org_id, run.environment}, run.topping, function));
    run.source = body.contains("source") ? TRY(SourceText(body)) : f.source;
    run.file_name = "functions/" + function + ".dg";
  } else {
    run.source = TRY(SourceText(body));
    run.file_name = "adhoc.dg";
  }
  if (auto args = body.find("args"); args != body.end() && !args->is_null()) {
    if (!args->is_object()) {
      return InvalidArgument("'args' must be an object of argument names and JSON values");
    }
    for (const auto& [name, value] : args->items()) {
      run.args.push_back({name, value.dump(-1, ' ', false, Json::error_handler_t::replace)});
    }
  }
  run.user_id = c.user().id;
  return run;
}

Json HeaderJson(const std::optional<deluge::Header>& header) {
  if (!header) return Json();
  Json params = Json::array();
  for (const auto& p : header->params) params.push_back({{"name", p.name}, {"type", p.type}});
  return {{"name", header->name}, {"return_type", header->return_type}, {"params", params}};
}

// POST /api/v1/functions/check: Relish's parser and checker (what `relish check` runs) over the
// source; nothing runs.
Result<Response> Check(Request& req) {
  Json body = TRY(server::ParseJsonBody(req));
  std::string source = TRY(SourceText(body));
  deluge::Compiled compiled = deluge::Compile(source, {.arg_names = TRY(TextList(body, "params"))});
  SourcePositions positions(source);
  Json diagnostics = Json::array();
  // Errors first, then the warnings (`if(a = "x")` compares: the script runs all the same).
  size_t total = compiled.diagnostics.size() + compiled.warnings.size();
  auto add = [&](const deluge::Diagnostic& d, const char* severity) {
    if (diagnostics.size() == kMaxDiagnostics) return;
    diagnostics.push_back({{"line", d.line},
                           {"column", positions.Utf16Column(d.line, d.column)},
                           {"end_line", d.end_line},
                           {"end_column", positions.Utf16Column(d.end_line, d.end_column)},
                           {"severity", severity},
                           {"message", d.message}});
  };
  for (const auto& d : compiled.diagnostics) add(d, "error");
  for (const auto& d : compiled.warnings) add(d, "warning");
  return server::JsonResponse(200, {{"diagnostics", diagnostics},
                                    {"truncated", total > kMaxDiagnostics},
                                    {"header", HeaderJson(compiled.header)}});
}

Json EntryJson(const deluge::VocabularyEntry& e) {
  Json j = {{"name", e.name}, {"signature", e.signature}};
  if (e.min_args >= 0) {
    j["min_args"] = e.min_args;
    j["max_args"] = e.max_args;
  }
  if (!e.receivers.empty()) j["receivers"] = e.receivers;
  if (!e.snippet.empty()) j["snippet"] = e.snippet;
  j["description"] = e.description;
  return j;
}

// The language's part of the completions: the same for every caller, made once.
const Json& LanguageCompletions() {
  static const Json* language = [] {
    const deluge::Vocabulary& v = deluge::LanguageVocabulary();
    auto list = [](const std::vector<deluge::VocabularyEntry>& entries) {
      Json out = Json::array();
      for (const auto& e : entries) out.push_back(EntryJson(e));
      return out;
    };
    Json tasks = Json::array();
    for (const auto& t : v.tasks) {
      Json j = EntryJson(t);
      j["available"] = functions::TaskAvailable(t.name);
      tasks.push_back(std::move(j));
    }
    return new Json{
        {"functions", list(v.functions)},
        {"methods", list(v.methods)},
        {"tasks", tasks},
        {"keywords", list(v.keywords)},
        {"variables", list(v.variables)},
        {"types", v.types},
    };
  }();
  return *language;
}

// GET /api/v1/functions/completions: the language's vocabulary and the link names a script of
// this organization and environment may name.
Result<Response> Completions(const FunctionsApiDeps& deps, const Caller& c) {
  Json links = Json::array();
  for (const auto& conn : TRY(deps.connections.List(c.scope.org_id, c.scope.environment))) {
    const connections::Authorization* used = connections::AuthorizationFor(conn, c.user().id);
    links.push_back(
        {{"link_name", conn.link_name},
         {"name", conn.display_name},
         {"service", conn.service_id},
         {"status", connections::StatusName(used ? used->status : connections::Status::kPending)}});
  }
  Json body = LanguageCompletions();
  body["environment"] = c.scope.environment;
  body["connections"] = std::move(links);
  return server::JsonResponse(200, body);
}

// A run's result, its error's column already as the console counts it.
Json ResultJson(const functions::RunResult& r, int error_column) {
  Json calls = Json::array();
  for (const auto& c : r.calls) {
    calls.push_back({{"method", c.method},
                     {"url", c.url},
                     {"connection", c.connection.empty() ? Json() : Json(c.connection)},
                     {"task", c.task.empty() ? Json() : Json(c.task)},
                     {"status", c.status},
                     {"latency_us", c.latency_us},
                     {"error", c.error.empty() ? Json() : Json(c.error)}});
  }
  Json returned = Json::parse(r.return_json, nullptr, false);
  if (returned.is_discarded()) returned = Json();
  Json error;
  if (!r.ok) {
    error = {{"line", r.error_line}, {"column", error_column}, {"message", r.error_message}};
  }
  return {{"ok", r.ok},
          {"error", error},
          {"info", r.info},
          {"calls", calls},
          {"mails", r.mails},
          {"return", returned},
          {"statements", r.statements},
          {"started_at", r.started_at},
          {"ended_at", r.ended_at}};
}

// A recorded run: who ran what, where, when and how it ended; with `details`, what it answered.
Json RecordedRunJson(const functions::RecordedRun& run, bool details) {
  Json all = ResultJson(run.result, run.result.error_column);
  Json j = {
      {"id", run.id},
      {"environment", run.environment},
      {"topping", run.topping},
      {"function", run.function.empty() ? Json() : Json(run.function)},
      {"user_id", run.user_id},
      {"user_email", run.user_email},
      {"user_name", run.user_name},
  };
  for (const char* key : {"ok", "error", "statements", "started_at", "ended_at"}) j[key] = all[key];
  if (details) {
    Json args = Json::object();
    for (const auto& a : run.args) args[a.name] = Json::parse(a.json, nullptr, false);
    j["args"] = args;
    for (const char* key : {"info", "calls", "mails", "return"}) j[key] = all[key];
    j["truncated"] = run.truncated;
  }
  return j;
}

// POST /api/v1/functions/run: runs, answers with the result, and records the run.
Result<Response> RunAndRecord(const FunctionsApiDeps& deps, Request& req, const Caller& c) {
  std::string function;
  auto run = TRY(ReadRunRequest(req, c, deps.stored, function));
  run.run_id = NewId("run");
  auto result = TRY(deps.runner.Run(run));
  result.error_column =
      SourcePositions(run.source).Utf16Column(result.error_line, result.error_column);
  functions::RecordedRun record{.id = run.run_id,
                                .org_id = run.org_id,
                                .environment = run.environment,
                                .topping = run.topping,
                                .function = function,
                                .user_id = c.user().id,
                                .user_email = c.user().email,
                                .user_name = c.user().name,
                                .args = run.args,
                                .result = result};
  // The run has happened (its calls and writes are made): a history that cannot be written
  // must not lose its answer.
  if (auto recorded = deps.history.Record(record); !recorded.ok()) {
    spdlog::error("recording function run {} failed: {}", run.run_id, recorded.error().message());
  }
  Json body = {{"run_id", run.run_id}};
  body.update(ResultJson(result, result.error_column));
  return server::JsonResponse(200, body);
}

// GET /api/v1/functions/runs: the organization's recorded runs, newest first.
Result<Response> ListRuns(const FunctionsApiDeps& deps, const Request& req, const Caller& c) {
  functions::RunHistoryFilter f{
      .function = req.QueryParam("function"),
      .topping = req.QueryParam("topping"),
      .before = req.QueryParam("before").value_or(""),
      .limit = TRY(LimitParam(req, kDefaultRuns, functions::kRunsKeptPerOrganization))};
  if (req.QueryParam("environment")) f.environment = c.scope.environment;
  auto runs = TRY(deps.history.List(c.scope.org_id, f));
  Json list = Json::array();
  for (const auto& r : runs) list.push_back(RecordedRunJson(r, false));
  Json next = static_cast<int>(runs.size()) == f.limit ? Json(runs.back().id) : Json();
  return server::JsonResponse(200, {{"runs", list}, {"next", next}});
}

// --- API contract (server/route_doc.h): every route AddFunctionsRoutes registers, and the
// shapes above (ResultJson, RecordedRunJson, Check, Completions).
void DocumentFunctionsRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("RunError", R"({"=":{"type":["object","null"],
      "required":["line","column","message"],"properties":{"line":{"type":"integer"},
      "column":{"type":"integer"},"message":{"type":"string"}}}})");
  router.DocumentSchema("FunctionCall", R"({"method":"string","url":"string","connection":"string?",
      "task":"string?","status":"integer","latency_us":"integer","error":"string?"})");
  router.DocumentSchema("RunResult", R"({"ok":"boolean","error":"$RunError","info":["string"],
      "calls":["$FunctionCall"],"mails":["any"],"return":"any","statements":"integer",
      "started_at":"ms","ended_at":"ms"})");
  router.DocumentSchema("FunctionRun", R"({"id":"string","environment":"string","topping":"string",
      "function":"string?","user_id":"string","user_email":"string","user_name":"string",
      "ok":"boolean","error":"$RunError","statements":"integer","started_at":"ms","ended_at":"ms",
      "args?":"map:any","info?":["string"],"calls?":["$FunctionCall"],"mails?":["any"],
      "return?":"any","truncated?":"boolean"})");
  router.DocumentSchema("VocabularyEntry", R"({"name":"string","signature":"string",
      "min_args?":"integer","max_args?":"integer","receivers?":["string"],"snippet?":"string",
      "description":"string","available?":"boolean"})");
  router.Document({
      Doc("POST", "/api/v1/functions/run", "Run a stored function or a script, and record the run")
          .Describe("`function` names a stored function of the environment (and `topping`); "
                    "`source` runs that text instead (a draft) or a script of its own. `args` maps "
                    "argument names to JSON values.")
          .Body(R"({"function?":"string","source?":"string","args?":"map:any",
              "environment?":"sandbox|production","topping?":"string"})")
          .Returns(R"({"=":{"allOf":[{"$ref":"#/components/schemas/RunResult"},{"type":"object",
              "required":["run_id"],"properties":{"run_id":{"type":"string"}}}]}})")
          .Errors("not_found resource_exhausted deadline_exceeded"),
      Doc("GET", "/api/v1/functions/runs", "Recorded function runs, newest first")
          .Describe("Paged: `limit` (default 50); pass the answer's `next` as `before` for the "
                    "next page (null: no more).")
          .Query("function topping before limit:integer")
          .Returns(R"({"runs":["$FunctionRun"],"next":"string?"})")
          .Errors("invalid_argument"),
      Doc("GET", "/api/v1/functions/runs/{id}", "One recorded run, with its arguments, log and calls")
          .Returns("$FunctionRun")
          .Errors("not_found"),
      Doc("POST", "/api/v1/functions/check", "Parse and check Deluge source; runs nothing")
          .Body(R"({"source":"string","params?":["string"]})")
          .Returns(R"({"diagnostics":[{"line":"integer","column":"integer","end_line":"integer",
              "end_column":"integer","severity":"error|warning","message":"string"}],
              "truncated":"boolean",
              "header":{"=":{"type":["object","null"],"properties":{"name":{"type":"string"},
              "return_type":{"type":"string"},"params":{"type":"array","items":{"type":"object"}}}}}})"),
      Doc("GET", "/api/v1/functions/completions", "The editor's vocabulary and the link names a script may use")
          .Returns(R"({"functions":["$VocabularyEntry"],"methods":["$VocabularyEntry"],
              "tasks":["$VocabularyEntry"],"keywords":["$VocabularyEntry"],
              "variables":["$VocabularyEntry"],"types":["string"],"environment":"string",
              "connections":[{"link_name":"string","name":"string","service":"string","status":"string"}]})"),
  });
}

}  // namespace

Json RunResultJson(const functions::RunResult& r, std::string_view source) {
  return ResultJson(r, SourcePositions(source).Utf16Column(r.error_line, r.error_column));
}

void AddFunctionsRoutes(Routes& routes, FunctionsApiDeps d) {
  DocumentFunctionsRoutes(routes.router());
  auto deps = std::make_shared<FunctionsApiDeps>(d);
  routes.AddBlocking("POST", "/api/v1/functions/run", server::Access::kMember,
                     [deps](Request& req, const Caller& c) { return RunAndRecord(*deps, req, c); });
  routes.Add("GET", "/api/v1/functions/runs", server::Access::kMember,
             [deps](Request& req, const Caller& c) { return ListRuns(*deps, req, c); });
  // A run of another organization is not found: the run's organization is the request's (?org=).
  routes.Add("GET", "/api/v1/functions/runs/{id}", server::Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto run = TRY(deps->history.Get(c.scope.org_id, req.params["id"]));
               return server::JsonResponse(200, RecordedRunJson(run, true));
             });
  // On the I/O thread: a check is bounded by the source's size (a stored function's most) and
  // the parser's nesting limit, and takes about a millisecond for the largest.
  routes.Add("POST", "/api/v1/functions/check", server::Access::kMember,
             [](Request& req, const Caller&) { return Check(req); });
  routes.Add("GET", "/api/v1/functions/completions", server::Access::kMember,
             [deps](Request&, const Caller& c) { return Completions(*deps, c); });
}

}  // namespace relish::api
