#include "cli/command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/settings.h"
#include "base/log.h"
#include "cli/answer.h"

namespace relish::cli {

int Fail(const Error& error) {
  // A message may quote what a server sent.
  std::cerr << "relish: " << Printable(error.message()) << "\n";
  return kExitFailure;
}

void ConfigFlags::AddTo(CLI::App& cmd) {
  cmd.add_option("--data", data_dir, "Data directory (default ./relish-data, or RELISH_DATA)");
  cmd.add_option("--config", config_file,
                 "Configuration file (default DATA/relish.yaml, or RELISH_CONFIG)");
  cmd.add_option("--set", set, "Set a configuration key: --set key=value (repeatable)");
}

Result<Config> ConfigFlags::Load(std::vector<std::pair<std::string, std::string>> extra) const {
  ConfigSources sources;
  sources.file = config_file;
  sources.env = ConfigSources::FromProcessEnvironment();
  sources.server_settings = server_settings;
  sources.check = app::CheckSetting;
  if (!data_dir.empty()) sources.flags.emplace_back("data_dir", data_dir);
  for (const auto& kv : set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return InvalidArgument("--set expects key=value, got '" + kv + "'");
    sources.flags.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (auto& e : extra) sources.flags.push_back(std::move(e));
  Config config = TRY(LoadConfig(sources));
  // Whatever logs a secret setting by mistake shows it redacted.
  for (const auto& secret : SecretConfigValues(config)) {
    GlobalRedactor().Add(Redactor::kInstallation, secret);
  }
  return config;
}

Result<toppings::Files> ReadToppingFolder(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path root(dir);
  std::error_code ec;
  if (!fs::is_regular_file(root / "topping.yaml", ec)) {
    return NotFound("no topping.yaml in " + dir);
  }
  toppings::Files files;
  auto add = [&](const fs::path& p) -> Result<void> {
    std::ifstream in(p, std::ios::binary);
    if (!in.good()) return Unavailable("cannot read " + p.string());
    std::stringstream s;
    s << in.rdbuf();
    files[p.lexically_relative(root).generic_string()] = s.str();
    return Ok();
  };
  TRY(add(root / "topping.yaml"));
  if (fs::is_directory(root / "functions", ec)) {
    // The error_code forms: an unreadable folder is an error to report, not an exception.
    fs::recursive_directory_iterator it(root / "functions", ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec) && it->path().extension() == ".dg") TRY(add(it->path()));
    }
    if (ec) return Unavailable("cannot read " + (root / "functions").string() + ": " + ec.message());
  }
  return files;
}

int Commands::RunParsed() const {
  for (const auto& [sub, run] : commands_) {
    if (sub->parsed()) return run();
  }
  return kExitUsage;
}

}  // namespace relish::cli
