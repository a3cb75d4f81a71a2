// relish serve | config | version
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "app/app.h"
#include "app/data_dir.h"
#include "base/log.h"
#include "cli/answer.h"
#include "cli/command.h"

#ifndef RELISH_VERSION
#define RELISH_VERSION "0.0.0"
#endif

namespace relish::cli {
namespace {

int Serve(const ConfigFlags& flags, const std::string& listen) {
  std::vector<std::pair<std::string, std::string>> extra;
  if (!listen.empty()) extra.emplace_back("listen", listen);
  auto config = flags.Load(std::move(extra));
  if (!config.ok()) return Fail(config.error());
  if (auto r = InitLogging({.level = config->log_level, .file = config->log_file}); !r.ok()) {
    return Fail(r.error());
  }
  std::string described;
  for (const auto& [key, value] : DescribeConfig(*config)) {
    described += (described.empty() ? "" : ", ") + std::string(key.name) + "=" + value;
  }
  spdlog::debug("configuration: {}", described);  // secret keys masked by DescribeConfig
  auto app = app::App::Open(*config);
  if (!app.ok()) return Fail(app.error());
  auto served = (*app)->Serve(true, [&](uint16_t port) {
    auto [host, unused] = *ParseHostPort(config->listen);
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    // For `relish run` on the same data directory: where this server is, and where its runs
    // may reach, without repeating the flags.
    std::string url = config->public_url.empty()
                          ? "http://" + shown + ":" + std::to_string(port)
                          : config->PublicUrl();
    if (auto w = app::WritePrivateFile(config->data_dir + "/" + std::string(kServerSettingsFile),
                                       ServerSettingsText(*config, url));
        !w.ok()) {
      spdlog::warn("relish run will not know this server's settings: {}", w.error().message());
    }
    // Printed to stdout (and flushed) so scripts and tests can read the bound port; after the
    // settings file, so that whoever reads it may use `relish run` at once.
    std::printf("Relish is serving the Developer Console at http://%s:%u/\n", shown.c_str(), port);
    std::fflush(stdout);
    spdlog::info("listening on {}:{} (data in {})", shown, port, config->data_dir);
  });
  if (!served.ok()) return Fail(served.error());
  return kExitOk;
}

int ShowConfig(const ConfigFlags& flags, bool json) {
  auto config = flags.Load();
  if (!config.ok()) return Fail(config.error());
  if (json) {
    // Values as the configuration file writes them (text), secrets masked as in the text form.
    Json settings = Json::object();
    for (const auto& [key, value] : DescribeConfig(*config)) settings[std::string(key.name)] = value;
    Json out = {{"file", config->config_file.empty() ? Json() : Json(config->config_file)},
                {"settings", settings}};
    std::cout << DumpJson(out, 2) << "\n";
    return kExitOk;
  }
  if (!config->config_file.empty()) std::cout << "# from " << config->config_file << "\n";
  for (const auto& [key, value] : DescribeConfig(*config)) {
    std::cout << key.name << ": " << value << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddServeCommands(CLI::App& root, Commands& commands) {
  auto serve_flags = std::make_shared<ConfigFlags>();
  auto listen = std::make_shared<std::string>();
  auto* serve = root.add_subcommand("serve", "Run the HTTP server and the Developer Console");
  serve_flags->AddTo(*serve);
  serve->add_option("--listen", *listen,
                    "HOST:PORT to listen on (default 127.0.0.1:8080, or RELISH_LISTEN)");
  commands.Add(serve, [serve_flags, listen] { return Serve(*serve_flags, *listen); });

  auto config_flags = std::make_shared<ConfigFlags>();
  auto config_json = std::make_shared<bool>(false);
  auto* config = root.add_subcommand("config", "Print the effective configuration");
  config_flags->AddTo(*config);
  config->add_flag("--json", *config_json, "Print JSON: {\"file\": ..., \"settings\": {key: value}}");
  commands.Add(config, [config_flags, config_json] { return ShowConfig(*config_flags, *config_json); });

  auto version_json = std::make_shared<bool>(false);
  auto* version = root.add_subcommand("version", "Print the version");
  version->add_flag("--json", *version_json, "Print JSON: {\"version\": ...}");
  commands.Add(version, [version_json] {
    if (*version_json) {
      std::cout << DumpJson(Json{{"version", RELISH_VERSION}}) << "\n";
    } else {
      std::cout << "relish " << RELISH_VERSION << "\n";
    }
    return kExitOk;
  });
}

}  // namespace relish::cli
