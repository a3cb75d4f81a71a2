// relish run FILE.dg [--arg NAME=JSON]... [--org ID] [--env sandbox|production] [--user EMAIL]
// relish check PATH... [--arg NAME=JSON]...
//
// `relish run` runs a script with the function runner of its data directory: the directory's
// connections (invokeurl `connection:`, tasks with a connection) and its CRM (tasks without
// one), acting as a user of an organization there. A script that needs neither runs without a
// data directory too: nothing is created just to run a pure script.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/functions_api.h"
#include "app/data_dir.h"
#include "app/runtime.h"
#include "base/log.h"
#include "cli/answer.h"
#include "cli/command.h"
#include "deluge/datetime.h"
#include "deluge/deluge.h"
#include "functions/platform_runner.h"
#include "outbound/curl_client.h"
#include "outbound/url.h"
#include "toppings/manifest.h"

namespace relish::cli {
namespace {

struct RunFlags {
  ConfigFlags config;
  std::string file;
  std::vector<std::string> paths;  // check's
  std::vector<std::string> args;
  int64_t max_statements = deluge::kDefaultMaxStatements;
  std::string max_time;
  int max_depth = deluge::kDefaultMaxCallDepth;
  std::string time_zone;
  std::string org;
  std::string environment = "sandbox";
  std::string user;
  std::string topping;  // run's: `file` names a function of this installed topping
  bool show_calls = false;
  bool json = false;  // print the run as POST /api/v1/functions/run answers it
  // check --json: each problem goes here ({"file", "line", "message"}) instead of to stderr.
  std::vector<nlohmann::ordered_json>* problems = nullptr;
};

// A problem `check` found: printed FILE:LINE: message, or kept for --json.
void Report(std::vector<nlohmann::ordered_json>* problems, const std::string& file, int line,
            const std::string& message) {
  if (problems != nullptr) {
    problems->push_back({{"file", file}, {"line", line}, {"message", message}});
  } else if (line > 0) {
    std::cerr << file << ":" << line << ": " << message << "\n";
  } else {
    std::cerr << "relish: " << Printable(message) << "\n";
  }
}

// A warning `check` (and `run`) found: FILE:LINE:COLUMN: warning: message on stderr, or kept for
// --json with "severity": "warning". Warnings do not fail the check.
void ReportWarning(std::vector<nlohmann::ordered_json>* problems, const std::string& file,
                   const deluge::Diagnostic& d) {
  if (problems != nullptr) {
    problems->push_back({{"file", file},
                         {"line", d.line},
                         {"column", d.column},
                         {"severity", "warning"},
                         {"message", d.message}});
  } else {
    std::cerr << file << ":" << d.line << ":" << d.column << ": warning: " << d.message << "\n";
  }
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // An ifstream opens a folder and reads nothing: that would run an empty script.
    return InvalidArgument(path + " is a folder; run takes one script (.dg); relish check " +
                           "takes folders");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// NAME=JSON pairs; false (after printing why) on a malformed one.
bool ParseArgs(const std::vector<std::string>& raw, std::vector<deluge::Argument>& out) {
  for (const auto& a : raw) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "relish: --arg expects NAME=JSON, got '" << a << "'\n";
      return false;
    }
    std::string name = a.substr(0, eq), json = a.substr(eq + 1);
    if (!nlohmann::json::accept(json)) {
      // The usual slip: text without its JSON quotes (--arg name=ann).
      std::cerr << "relish: --arg " << name << ": '" << Printable(json)
                << "' is not JSON; text is written in quotes, e.g. --arg '" << name << "=\""
                << Printable(json) << "\"'\n";
      return false;
    }
    out.push_back({std::move(name), std::move(json)});
  }
  return true;
}

// Compiles the file; prints FILE:LINE: message for each problem. Null on failure. `text`
// receives the source.
std::shared_ptr<const deluge::Program> CompileFile(const RunFlags& flags,
                                                   const std::vector<deluge::Argument>& args,
                                                   int& exit_code, std::string* text = nullptr) {
  auto source = ReadFile(flags.file);
  if (!source.ok()) {
    Report(flags.problems, flags.file, 0, source.error().message());
    exit_code = source.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
    return nullptr;
  }
  if (text != nullptr) *text = *source;
  deluge::CompileOptions options;
  for (const auto& a : args) options.arg_names.push_back(a.name);
  deluge::Compiled compiled = deluge::Compile(*source, options);
  for (const auto& d : compiled.diagnostics) Report(flags.problems, flags.file, d.line, d.message);
  for (const auto& w : compiled.warnings) ReportWarning(flags.problems, flags.file, w);
  if (!compiled.ok()) exit_code = kExitFailure;
  return compiled.program;
}

std::string DefaultTimeZone() {
  const char* tz = std::getenv("TZ");
  if (tz != nullptr && *tz != '\0' && *tz != ':') return tz;
  return "UTC";
}

// A topping folder, as a push would check it without a server: the manifest, the files, and
// every function with the parameters its rules pass. Problems print as DIR/FILE:LINE: reason.
bool CheckTopping(const std::string& dir, std::vector<nlohmann::ordered_json>* problems) {
  std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  auto files = ReadToppingFolder(dir);
  if (!files.ok()) {
    Report(problems, dir, 0, files.error().message());
    return false;
  }
  // A problem line is "FILE:LINE: reason" or "FILE: reason" (FILE in the folder): printed after
  // the folder's path, or kept for --json with its parts.
  auto report = [&](const std::string& line) {
    if (problems == nullptr) {
      std::cerr << prefix << line << "\n";
      return;
    }
    size_t colon = line.find(": ");
    std::string head = colon == std::string::npos ? "" : line.substr(0, colon);
    if (head.empty() || head.find(' ') != std::string::npos) {
      Report(problems, dir, 0, line);
      return;
    }
    size_t number = head.rfind(':');
    int at = 0;
    if (number != std::string::npos && number + 1 < head.size() && head.size() - number <= 9 &&
        head.find_first_not_of("0123456789", number + 1) == std::string::npos) {
      at = std::stoi(head.substr(number + 1));
      head = head.substr(0, number);
    }
    Report(problems, prefix + head, at, line.substr(colon + 2));
  };
  auto bundle = toppings::ReadBundle(*files);
  if (!bundle.ok()) {
    const std::string& message = bundle.error().message();
    if (message.starts_with(toppings::kManifestFile)) {
      report(message);
    } else {
      Report(problems, dir, 0, message);
    }
    return false;
  }
  auto problems_found = toppings::ProblemsError(bundle->problems);
  if (problems_found.ok()) return true;
  std::istringstream lines(problems_found.error().message());
  for (std::string line; std::getline(lines, line);) report(line);
  return false;
}

// `relish check PATH...`: each path a script, a topping folder (it has a topping.yaml) or a
// folder of scripts (every .dg file in it and below). A folder with nothing to check is an
// error, not a silent success.
int Check(const RunFlags& flags) {
  std::vector<deluge::Argument> args;
  if (!ParseArgs(flags.args, args)) return kExitUsage;
  namespace fs = std::filesystem;
  bool ok = true;
  auto check_file = [&](const std::string& file) {
    RunFlags one = flags;
    one.file = file;
    int exit_code = kExitOk;
    if (!CompileFile(one, args, exit_code)) ok = false;
  };
  for (const auto& path : flags.paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      check_file(path);
      continue;
    }
    if (fs::exists(fs::path(path) / toppings::kManifestFile, ec)) {
      if (!CheckTopping(path, flags.problems)) ok = false;
      continue;
    }
    std::vector<std::string> scripts;
    fs::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec) && it->path().extension() == ".dg") {
        scripts.push_back(it->path().string());
      }
    }
    if (ec) {
      Report(flags.problems, path, 0, "cannot read " + path + ": " + ec.message());
      ok = false;
      continue;
    }
    if (scripts.empty()) {
      Report(flags.problems, path, 0,
             "nothing to check in " + path + ": no topping.yaml and no .dg files");
      ok = false;
      continue;
    }
    std::sort(scripts.begin(), scripts.end());
    for (const auto& file : scripts) check_file(file);
  }
  if (flags.problems != nullptr) {
    std::cout << DumpJson(nlohmann::ordered_json{{"ok", ok}, {"problems", *flags.problems}}, 2)
              << "\n";
  }
  return ok ? kExitOk : kExitFailure;
}

// The platform `relish run` runs against: the data directory's Runtime when there is one, else
// a runner with only outbound HTTP (connections and in-process tasks then fail, saying why).
struct Platform {
  std::unique_ptr<app::Runtime> runtime;
  std::unique_ptr<outbound::HttpClient> sandbox_http;
  std::unique_ptr<outbound::HttpClient> production_http;
  std::unique_ptr<functions::PlatformRunner> bare;
  functions::FunctionRunner& runner() {
    return runtime ? static_cast<functions::FunctionRunner&>(runtime->runner()) : *bare;
  }
};

Result<Platform> OpenPlatform(const Config& config, functions::RunnerOptions options) {
  Platform p;
  if (app::HasDatabase(config)) {
    p.runtime = TRY(app::Runtime::Open(
        config,
        {.public_url = config.PublicUrl(), .first_start = false, .runner = std::move(options)}));
    return p;
  }
  if (!config.outbound_proxy.empty()) TRY(outbound::CheckProxyUrl(config.outbound_proxy));
  outbound::EgressOptions egress{.allow_loopback = config.egress_allow_loopback,
                                 .allow_private = config.egress_allow_private,
                                 .proxy = config.outbound_proxy};
  outbound::EgressOptions production_egress = egress;
  production_egress.remap = TRY(outbound::ParseRemap(config.production_remap));  // off by default
  p.production_http = outbound::NewCurlClient({.egress = production_egress});
  egress.remap = TRY(outbound::ParseRemap(config.sandbox_remap));
  p.sandbox_http = outbound::NewCurlClient({.egress = egress});
  options.unavailable = "there is no Relish data in " + config.data_dir +
                        " (relish serve creates it; --data names another directory)";
  p.bare = std::make_unique<functions::PlatformRunner>(
      functions::PlatformServices{.sandbox_http = p.sandbox_http.get(),
                                  .production_http = p.production_http.get()},
      std::move(options));
  return p;
}

// Who the run acts as and where: --user (default: the first administrator) and --org (default:
// that user's first organization). Nothing when the platform has no data directory.
Result<void> ChooseUserAndOrg(const RunFlags& flags, Platform& platform,
                              functions::RunRequest& request) {
  if (!platform.runtime) {
    if (!flags.user.empty() || !flags.org.empty()) {
      return FailedPrecondition("--user and --org need a data directory with Relish data");
    }
    return Ok();
  }
  identity::Identity& id = platform.runtime->identity();
  identity::User user;
  if (!flags.user.empty()) {
    auto found = id.FindUserByEmail(flags.user);
    if (!found.ok()) return NotFound("no user " + flags.user + " in " + flags.config.data_dir);
    user = *found;
  } else {
    bool found = false;
    for (const auto& u : TRY(id.ListUsers())) {
      if (u.role == identity::Role::kAdmin) {
        user = u;
        found = true;
        break;
      }
    }
    if (!found) return FailedPrecondition("the data directory has no administrator; give --user");
  }
  request.user_id = user.id;
  if (!flags.org.empty()) {
    if (!TRY(id.IsMember(flags.org, user.id))) {
      return NotFound("no organization " + flags.org + " among " + user.email + "'s");
    }
    request.org_id = flags.org;
  } else {
    auto orgs = TRY(id.OrgsOf(user.id));
    if (orgs.empty()) return FailedPrecondition(user.email + " belongs to no organization");
    request.org_id = orgs.front().id;
  }
  return Ok();
}

int RunScript(const RunFlags& flags) {
  std::vector<deluge::Argument> args;
  if (!ParseArgs(flags.args, args)) return kExitUsage;
  functions::RunRequest request;
  request.limits.max_statements = flags.max_statements;
  request.limits.max_call_depth = flags.max_depth;
  if (!flags.max_time.empty()) {
    auto d = ParseDuration(flags.max_time);
    if (!d.ok()) {
      std::cerr << "relish: --max-time: " << d.error().message() << "\n";
      return kExitUsage;
    }
    request.limits.max_wall_time = *d;
  }
  if (flags.environment != "sandbox" && flags.environment != "production") {
    std::cerr << "relish: --env must be sandbox or production\n";
    return kExitUsage;
  }
  if (!flags.time_zone.empty() && !deluge::Zone::Find(flags.time_zone)) {
    std::cerr << "relish: --timezone: unknown time zone '" << Printable(flags.time_zone)
              << "'; use a name from the tz database, e.g. Europe/Berlin, Asia/Kolkata or UTC\n";
    return kExitUsage;
  }
  auto config = flags.config.Load();
  if (!config.ok()) return Fail(config.error());

  // Compiled here first so that every problem is reported, FILE:LINE each; the runner then
  // compiles the same text again (it keeps only the first diagnostic of a run).
  int exit_code = kExitOk;
  std::string source;
  if (flags.topping.empty()) {
    auto program = CompileFile(flags, args, exit_code, &source);
    if (!program) return exit_code;
  }

  if (auto r = InitLogging({.level = "warn", .file = config->log_file}); !r.ok()) {
    return Fail(r.error());
  }
  functions::RunnerOptions options;
  options.time_zone = flags.time_zone.empty() ? DefaultTimeZone() : flags.time_zone;
  options.max_limits = request.limits;  // the command line's limits are the run's
  auto platform = OpenPlatform(*config, std::move(options));
  if (!platform.ok()) return Fail(platform.error());
  if (auto r = ChooseUserAndOrg(flags, *platform, request); !r.ok()) return Fail(r.error());

  request.environment = flags.environment;
  request.file_name = flags.file;
  if (!flags.topping.empty()) {
    // The function as the topping installed it in the environment, run as its rules run it.
    if (!platform->runtime) {
      return Fail(FailedPrecondition("--topping needs a data directory with Relish data (" +
                                     config->data_dir + " has none; --data names another)"));
    }
    auto fn = platform->runtime->workflow().GetFunction({request.org_id, flags.environment},
                                                         flags.topping, flags.file);
    if (!fn.ok()) {
      return Fail(Error(fn.error().code(),
                        fn.error().message() + " (" + flags.environment +
                            "); relish functions list --topping " +
                            flags.topping + " lists its functions"));
    }
    source = fn->source;
    request.topping = flags.topping;
    request.file_name = "functions/" + fn->name + ".dg";
  }
  request.source = source;
  for (const auto& a : args) request.args.push_back({a.name, a.json});
  auto result = platform->runner().Run(request);
  if (platform->runtime) platform->runtime->Flush();
  if (!result.ok()) {
    std::cerr << "relish: " << result.error().message() << "\n";
    return result.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (flags.json) {
    // The API's own answer for a run: info lines, calls, mails, the return value and the error.
    std::cout << DumpJson(api::RunResultJson(*result, source), 2) << "\n";
    return result->ok ? kExitOk : kExitFailure;
  }
  for (const auto& line : result->info) std::cout << line << "\n";
  // A returned value follows the info lines, as JSON behind "=> " (a REPL's habit) so it cannot
  // be taken for one of them; a void function, or one that returned nothing, prints no line.
  if (result->ok && !result->return_json.empty() && result->return_json != "null") {
    std::cout << "=> " << result->return_json << "\n";
  }
  std::cout.flush();
  for (const auto& mail : result->mails) {
    std::cerr << "relish: sendmail not delivered (relish records mail, it does not send it): "
              << mail << "\n";
  }
  if (flags.show_calls) {
    for (const auto& c : result->calls) {
      std::cerr << "relish: " << c.method << " " << c.url << " -> "
                << (c.status != 0 ? std::to_string(c.status) : "no response") << " ("
                << c.latency_us / 1000 << " ms"
                << (c.connection.empty() ? "" : ", connection " + c.connection)
                << (c.task.empty() ? "" : ", " + c.task) << (c.error.empty() ? "" : ", " + c.error)
                << ")\n";
    }
  }
  if (!result->ok) {
    std::cerr << request.file_name << ":" << result->error_line << ": " << result->error_message
              << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

void AddArgOption(CLI::App& cmd, RunFlags& flags) {
  cmd.add_option("--arg", flags.args,
                 "An argument as NAME=JSON, e.g. --arg 'contact={\"Contacts.ID\":\"1\"}' "
                 "(repeatable)");
}

}  // namespace

void AddRunCommands(CLI::App& root, Commands& commands) {
  auto run_flags = std::make_shared<RunFlags>();
  auto* run = root.add_subcommand(
      "run",
      "Run a Deluge script with the data directory's connections and CRM; info lines go "
      "to stdout");
  run->add_option("file", run_flags->file,
                  "Deluge script (.dg), with or without a function header; with --topping, "
                  "the name of one of its functions")
      ->required();
  AddArgOption(*run, *run_flags);
  run_flags->config.AddTo(*run);
  run_flags->config.server_settings = true;
  run->add_option("--max-statements", run_flags->max_statements,
                  "Statement limit for this run (default 200000)");
  run->add_option("--max-time", run_flags->max_time,
                  "Execution time limit, e.g. 60s or 5m (default 60s)");
  run->add_option("--max-depth", run_flags->max_depth, "Nested function call limit (default 75)");
  run->add_option("--timezone", run_flags->time_zone,
                  "Time zone for zoho.currenttime and dates (default $TZ, else UTC)");
  run->add_option("--org", run_flags->org,
                  "Organization whose connections and CRM the run uses (default: the user's "
                  "first)");
  run->add_option("--env", run_flags->environment, "Environment: sandbox (default) or production");
  run->add_option("--user", run_flags->user,
                  "Email of the user the run acts as (default: the first administrator)");
  run->add_option("--topping", run_flags->topping,
                  "Run the function named FILE of this installed topping (its namespace), from "
                  "the data directory, in --env");
  run->add_flag("--calls", run_flags->show_calls,
                "Print each outbound call (method, URL, status, time) to stderr");
  run->add_flag("--json", run_flags->json,
                "Print the run as JSON, as POST /api/v1/functions/run answers: info, calls, "
                "mails, return, error");
  commands.Add(run, [run_flags] { return RunScript(*run_flags); });

  auto check_flags = std::make_shared<RunFlags>();
  auto* check = root.add_subcommand(
      "check", "Parse and check Deluge scripts and topping folders without running anything");
  check
      ->add_option("paths", check_flags->paths,
                   "Scripts (.dg), topping folders (with a topping.yaml), or folders of scripts")
      ->required();
  AddArgOption(*check, *check_flags);
  check->add_flag("--json", check_flags->json,
                  "Print {\"ok\": ..., \"problems\": [{\"file\", \"line\", \"message\"}]} on stdout "
                  "instead of FILE:LINE: lines on stderr");
  commands.Add(check, [check_flags] {
    std::vector<nlohmann::ordered_json> problems;
    RunFlags flags = *check_flags;
    if (flags.json) flags.problems = &problems;
    return Check(flags);
  });
}

}  // namespace relish::cli
