#include "cli/cli.h"

#include "cli/command.h"

#ifndef RELISH_VERSION
#define RELISH_VERSION "0.0.0"
#endif

namespace relish::cli {

int Main(int argc, char** argv) {
  CLI::App root{"Relish: a self-hosted developer platform for CRM extensions", "relish"};
  root.require_subcommand(1);
  root.set_version_flag("--version", RELISH_VERSION);

  Commands commands;
  AddServeCommands(root, commands);
  AddRunCommands(root, commands);
  AddConnectionsCommands(root, commands);

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

}  // namespace relish::cli
