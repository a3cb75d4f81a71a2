#include "cli/cli.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/answer.h"
#include "cli/command.h"

#ifndef RELISH_VERSION
#define RELISH_VERSION "0.0.0"
#endif

namespace relish::cli {

namespace {

// Levenshtein distance, for "did you mean".
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The name closest to `word`, when one is close enough to be what was meant: a prefix of it, or
// a few edits away (about a third of the word, at least two).
std::string Closest(std::string_view word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& name : names) {
    size_t d = name.starts_with(word) && word.size() >= 2 ? 1 : Distance(word, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

// "relish connections list": the command as typed, for messages.
std::string CommandPath(const CLI::App* app) {
  std::string path;
  for (; app != nullptr; app = app->get_parent()) {
    path = app->get_name() + (path.empty() ? "" : " " + path);
  }
  return path;
}

// The unknown command, flag or argument a parse error is about, said the way git and kubectl
// say it, with the closest match; empty when the error is about something else.
std::string Unknown(CLI::App& root) {
  CLI::App* at = &root;
  std::vector<CLI::App*> chain = {at};
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    chain.push_back(at);
  }
  std::string word;
  for (auto it = chain.rbegin(); it != chain.rend() && word.empty(); ++it) {
    auto rest = (*it)->remaining(false);
    if (!rest.empty()) word = rest.front();
  }
  if (word.empty()) return "";
  std::string path = CommandPath(at);
  if (word.size() > 1 && word[0] == '-') {
    std::string flag = word.substr(0, word.find('='));
    std::vector<std::string> names;
    for (const CLI::Option* o : at->get_options()) {
      for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& s : o->get_snames()) names.push_back("-" + s);
    }
    std::string near = Closest(flag, names);
    return "unknown flag '" + flag + "' for '" + path + "'" +
           (near.empty() ? "" : "; did you mean '" + near + "'?") + "\nRun '" + path +
           " --help' for its flags.";
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  if (names.empty()) {
    return "unexpected argument '" + word + "' for '" + path + "'\nRun '" + path +
           " --help' for its arguments.";
  }
  std::string near = Closest(word, names);
  return "unknown command '" + word + "' for '" + path + "'" +
         (near.empty() ? "" : "; did you mean '" + near + "'?") + "\nRun '" + path +
         " --help' for its commands.";
}

int ParseAndRun(int argc, char** argv) {
  CLI::App root{"Relish: a self-hosted developer platform for CRM extensions", "relish"};
  root.require_subcommand(1);
  root.set_version_flag("--version", RELISH_VERSION);

  Commands commands;
  AddServeCommands(root, commands);
  AddRunCommands(root, commands);
  AddConnectionsCommands(root, commands);
  AddWebhooksCommands(root, commands);
  AddWorkflowCommands(root, commands);
  AddIdentityCommands(root, commands);
  AddLspCommands(root, commands);  // issue 17: lsp, fmt
  AddStoreCommands(root, commands);  // issue 16: store copy
  AddCompletionCommands(root, commands);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    if (std::string unknown = Unknown(root); !unknown.empty()) {
      std::cerr << "relish: " << Printable(unknown) << "\n";
      return kExitUsage;
    }
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
