// How `relish` subcommands are put together: each command family lives in its own file and
// registers its subcommands with an action that returns the exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "toppings/manifest.h"

namespace relish::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Prints "relish: <message>" to stderr (control characters escaped) and returns kExitFailure.
int Fail(const Error& error);

// Flags every command that reads configuration shares: --data, --config, --set key=value.
struct ConfigFlags {
  std::string data_dir;
  std::string config_file;
  std::vector<std::string> set;
  bool server_settings = false;  // start from the data directory's server's (ConfigSources)

  void AddTo(CLI::App& cmd);
  // Loads the configuration with these flags (and `extra` key/values) on top.
  Result<Config> Load(std::vector<std::pair<std::string, std::string>> extra = {}) const;
};

// A topping folder as `topping push` sends it and `check` reads it: topping.yaml and every .dg
// file under functions/, by path relative to `dir`. Other files (a README, editor backups) stay
// at home.
Result<toppings::Files> ReadToppingFolder(const std::string& dir);

class Commands {
 public:
  // `run` is called when `sub` was the subcommand given.
  void Add(CLI::App* sub, std::function<int()> run) { commands_.emplace_back(sub, std::move(run)); }
  int RunParsed() const;

 private:
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands_;
};

// One per command family (serve_command.cc, ...).
void AddServeCommands(CLI::App& root, Commands& commands);
void AddRunCommands(CLI::App& root, Commands& commands);  // run_command.cc: run, check
// connections_command.cc: login, services, connections, keys (over the REST API)
void AddConnectionsCommands(CLI::App& root, Commands& commands);
// workflow_command.cc: topping push|publish|list|show, rules ..., runs list|show
void AddWorkflowCommands(CLI::App& root, Commands& commands);
// identity_command.cc: orgs, users, tokens, password
void AddIdentityCommands(CLI::App& root, Commands& commands);
// completion_command.cc: completion bash|zsh|fish, made from `root` as it is when run
void AddCompletionCommands(CLI::App& root, Commands& commands);
// webhooks_command.cc: connections events, webhooks ... (after AddConnectionsCommands)
void AddWebhooksCommands(CLI::App& root, Commands& commands);
// lsp_command.cc (issue 17): lsp (the language server), fmt
void AddLspCommands(CLI::App& root, Commands& commands);
// store_command.cc (issue 16): store copy
void AddStoreCommands(CLI::App& root, Commands& commands);

}  // namespace relish::cli
