// relish run FILE.dg [--arg NAME=JSON]...   and   relish check FILE.dg [--arg NAME=JSON]...
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "cli/run_host.h"
#include "deluge/deluge.h"
#include "outbound/curl_client.h"

namespace relish::cli {
namespace {

struct RunFlags {
  ConfigFlags config;
  std::string file;
  std::vector<std::string> args;
  int64_t max_statements = deluge::kDefaultMaxStatements;
  std::string max_time;
  int max_depth = deluge::kDefaultMaxCallDepth;
  std::string time_zone;
};

Result<std::string> ReadFile(const std::string& path) {
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
    out.push_back({a.substr(0, eq), a.substr(eq + 1)});
  }
  return true;
}

// Compiles the file; prints FILE:LINE: message for each problem. Null on failure.
std::shared_ptr<const deluge::Program> CompileFile(const RunFlags& flags,
                                                   const std::vector<deluge::Argument>& args,
                                                   int& exit_code) {
  auto source = ReadFile(flags.file);
  if (!source.ok()) {
    exit_code = Fail(source.error());
    return nullptr;
  }
  deluge::CompileOptions options;
  for (const auto& a : args) options.arg_names.push_back(a.name);
  deluge::Compiled compiled = deluge::Compile(*source, options);
  for (const auto& d : compiled.diagnostics) {
    std::cerr << flags.file << ":" << d.line << ": " << d.message << "\n";
  }
  if (!compiled.ok()) exit_code = kExitFailure;
  return compiled.program;
}

std::string DefaultTimeZone() {
  const char* tz = std::getenv("TZ");
  if (tz != nullptr && *tz != '\0' && *tz != ':') return tz;
  return "UTC";
}

int Check(const RunFlags& flags) {
  std::vector<deluge::Argument> args;
  if (!ParseArgs(flags.args, args)) return kExitUsage;
  int exit_code = kExitOk;
  auto program = CompileFile(flags, args, exit_code);
  return program ? kExitOk : exit_code;
}

int RunScript(const RunFlags& flags) {
  std::vector<deluge::Argument> args;
  if (!ParseArgs(flags.args, args)) return kExitUsage;
  deluge::RunOptions options;
  options.args = args;
  options.limits.max_statements = flags.max_statements;
  options.limits.max_call_depth = flags.max_depth;
  if (!flags.max_time.empty()) {
    auto d = ParseDuration(flags.max_time);
    if (!d.ok()) {
      std::cerr << "relish: --max-time: " << d.error().message() << "\n";
      return kExitUsage;
    }
    options.limits.max_wall_time = *d;
  }
  auto config = flags.config.Load();
  if (!config.ok()) return Fail(config.error());

  int exit_code = kExitOk;
  auto program = CompileFile(flags, args, exit_code);
  if (!program) return exit_code;

  outbound::CurlClientOptions curl;
  curl.egress.allow_loopback = config->egress_allow_loopback;
  curl.egress.allow_private = config->egress_allow_private;
  if (!config->sandbox_remap.empty()) {
    auto remap = outbound::ParseRemap(config->sandbox_remap);
    if (!remap.ok()) return Fail(remap.error());
    curl.egress.remap = *remap;
  }
  auto http = outbound::NewCurlClient(std::move(curl));
  RunHost host(*http, SystemClock(), std::cout, std::cerr,
               flags.time_zone.empty() ? DefaultTimeZone() : flags.time_zone);
  auto outcome = deluge::Run(*program, host, options);
  if (!outcome.ok()) {
    std::cerr << "relish: " << outcome.error().message() << "\n";
    return kExitUsage;
  }
  if (!outcome->ok) {
    std::cerr << flags.file << ":" << outcome->error_line << ": " << outcome->error_message << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

void AddScriptOptions(CLI::App& cmd, RunFlags& flags) {
  cmd.add_option("file", flags.file, "Deluge script (.dg), with or without a function header")
      ->required();
  cmd.add_option("--arg", flags.args,
                 "An argument as NAME=JSON, e.g. --arg 'contact={\"Contacts.ID\":\"1\"}' "
                 "(repeatable)");
}

}  // namespace

void AddRunCommands(CLI::App& root, Commands& commands) {
  auto run_flags = std::make_shared<RunFlags>();
  auto* run = root.add_subcommand("run", "Run a Deluge script; info lines go to stdout");
  AddScriptOptions(*run, *run_flags);
  run_flags->config.AddTo(*run);
  run->add_option("--max-statements", run_flags->max_statements,
                  "Statement limit for this run (default 200000)");
  run->add_option("--max-time", run_flags->max_time,
                  "Execution time limit, e.g. 60s or 5m (default 60s)");
  run->add_option("--max-depth", run_flags->max_depth, "Nested function call limit (default 75)");
  run->add_option("--timezone", run_flags->time_zone,
                  "Time zone for zoho.currenttime and dates (default $TZ, else UTC)");
  commands.Add(run, [run_flags] { return RunScript(*run_flags); });

  auto check_flags = std::make_shared<RunFlags>();
  auto* check = root.add_subcommand("check", "Parse and check a Deluge script without running it");
  AddScriptOptions(*check, *check_flags);
  commands.Add(check, [check_flags] { return Check(*check_flags); });
}

}  // namespace relish::cli
