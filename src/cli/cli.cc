#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "app/app.h"
#include "base/config.h"
#include "base/log.h"

#ifndef RELISH_VERSION
#define RELISH_VERSION "0.0.0"
#endif

namespace relish::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

int Fail(const Error& error) {
  std::cerr << "relish: " << error.message() << "\n";
  return kFailure;
}

// Flags every command that reads configuration shares.
struct CommonFlags {
  std::string data_dir;
  std::string config_file;
  std::vector<std::string> set;

  void AddTo(CLI::App& cmd) {
    cmd.add_option("--data", data_dir, "Data directory (default ./relish-data, or RELISH_DATA)");
    cmd.add_option("--config", config_file,
                   "Configuration file (default DATA/relish.yaml, or RELISH_CONFIG)");
    cmd.add_option("--set", set, "Set a configuration key: --set key=value (repeatable)");
  }

  Result<Config> Load(std::vector<std::pair<std::string, std::string>> extra) const {
    ConfigSources sources;
    sources.file = config_file;
    sources.env = ConfigSources::FromProcessEnvironment();
    if (!data_dir.empty()) sources.flags.emplace_back("data_dir", data_dir);
    for (const auto& kv : set) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        return InvalidArgument("--set expects key=value, got '" + kv + "'");
      }
      sources.flags.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    for (auto& e : extra) sources.flags.push_back(std::move(e));
    return LoadConfig(sources);
  }
};

int Serve(const CommonFlags& flags, const std::string& listen) {
  std::vector<std::pair<std::string, std::string>> extra;
  if (!listen.empty()) extra.emplace_back("listen", listen);
  auto config = flags.Load(std::move(extra));
  if (!config.ok()) return Fail(config.error());
  if (auto r = InitLogging({.level = config->log_level, .file = config->log_file}); !r.ok()) {
    return Fail(r.error());
  }
  auto app = app::App::Open(*config);
  if (!app.ok()) return Fail(app.error());
  auto served = (*app)->Serve(true, [&](uint16_t port) {
    auto [host, unused] = *ParseHostPort(config->listen);
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    // Printed to stdout (and flushed) so scripts and tests can read the bound port.
    std::printf("Relish is serving the Developer Console at http://%s:%u/\n", shown.c_str(), port);
    std::fflush(stdout);
    spdlog::info("listening on {}:{} (data in {})", shown, port, config->data_dir);
  });
  if (!served.ok()) return Fail(served.error());
  return kOk;
}

int ShowConfig(const CommonFlags& flags) {
  auto config = flags.Load({});
  if (!config.ok()) return Fail(config.error());
  if (!config->config_file.empty()) std::cout << "# from " << config->config_file << "\n";
  for (const auto& [key, value] : DescribeConfig(*config)) {
    std::cout << key.name << ": " << value << "\n";
  }
  return kOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App cli{"Relish: a self-hosted developer platform for CRM extensions", "relish"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", RELISH_VERSION);

  CommonFlags common;
  std::string listen;
  auto* serve = cli.add_subcommand("serve", "Run the HTTP server and the Developer Console");
  common.AddTo(*serve);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080, or RELISH_LISTEN)");

  auto* version = cli.add_subcommand("version", "Print the version");
  auto* config = cli.add_subcommand("config", "Print the effective configuration");
  common.AddTo(*config);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kUsage;
  }

  if (version->parsed()) {
    std::cout << "relish " << RELISH_VERSION << "\n";
    return kOk;
  }
  if (config->parsed()) return ShowConfig(common);
  if (serve->parsed()) return Serve(common, listen);
  return kUsage;
}

}  // namespace relish::cli
