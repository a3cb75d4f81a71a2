#include "cli/cli.h"

#include <exception>
#include <iostream>

#include "cli/answer.h"
#include "cli/command.h"

#ifndef RELISH_VERSION
#define RELISH_VERSION "0.0.0"
#endif

namespace relish::cli {

namespace {

int ParseAndRun(int argc, char** argv) {
  CLI::App root{"Relish: a self-hosted developer platform for CRM extensions", "relish"};
  root.require_subcommand(1);
  root.set_version_flag("--version", RELISH_VERSION);

  Commands commands;
  AddServeCommands(root, commands);
  AddRunCommands(root, commands);
  AddConnectionsCommands(root, commands);
  AddWorkflowCommands(root, commands);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    root.exit(e);
    return kExitUsage;
  }
  return commands.RunParsed();
}

}  // namespace

int RunGuarded(const std::function<int()>& command) {
  try {
    return command();
  } catch (const std::exception& e) {
    std::cerr << "relish: internal error: " << Printable(e.what()) << " (please report this)\n";
  } catch (...) {
    std::cerr << "relish: internal error: an unknown exception (please report this)\n";
  }
  return kExitFailure;
}

int Main(int argc, char** argv) {
  return RunGuarded([&] { return ParseAndRun(argc, argv); });
}

}  // namespace relish::cli
