// relish completion bash|zsh|fish: a completion script made from the command tree as it is
// when the command runs, so a new command or flag is completed without editing anything here.
//
// Each script holds one table, "command path -> words": a path's subcommands, and its flags.
// The shell function walks the words typed so far, following those that name a subcommand
// of the path so far (a flag's value never does, unless it happens to be one), and offers
// the path's flags for a word starting with '-', its subcommands otherwise, files when it has
// none.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.h"

namespace relish::cli {
namespace {

struct Entry {
  std::string path;  // "connections list"; "" for relish itself
  std::vector<std::string> subcommands;
  std::vector<std::string> flags;
};

void Walk(const CLI::App& app, const std::string& path, std::vector<Entry>& out) {
  Entry e{path, {}, {}};
  std::vector<const CLI::App*> subs;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    e.subcommands.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) e.subcommands.push_back(alias);
    subs.push_back(sub);
  }
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) e.flags.push_back("--" + l);
    for (const auto& s : o->get_snames()) e.flags.push_back("-" + s);
  }
  out.push_back(e);
  for (const CLI::App* sub : subs) {
    std::string p = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    Walk(*sub, p, out);
    for (const auto& alias : sub->get_aliases()) {
      Walk(*sub, path.empty() ? alias : path + " " + alias, out);
    }
  }
}

std::string Joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

// The bash (and, through bashcompinit, zsh) script.
std::string Bash(const std::vector<Entry>& entries) {
  std::ostringstream s;
  s << "# relish completion for bash: source <(relish completion bash)\n"
       "_relish_words() {  # _relish_words PATH subs|flags\n"
       "  case \"$1/$2\" in\n";
  for (const Entry& e : entries) {
    if (!e.subcommands.empty()) s << "    '" << e.path << "/subs') echo '" << Joined(e.subcommands) << "' ;;\n";
    if (!e.flags.empty()) s << "    '" << e.path << "/flags') echo '" << Joined(e.flags) << "' ;;\n";
  }
  s << "  esac\n"
       "}\n"
       "_relish() {\n"
       "  local cur=${COMP_WORDS[COMP_CWORD]} path='' w i subs\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    w=${COMP_WORDS[i]}\n"
       "    subs=\" $(_relish_words \"$path\" subs) \"\n"
       "    if [[ $w != -* && $subs == *\" $w \"* ]]; then path=${path:+$path }$w; fi\n"
       "  done\n"
       "  if [[ $cur == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$(_relish_words \"$path\" flags)\" -- \"$cur\"))\n"
       "  else\n"
       "    subs=$(_relish_words \"$path\" subs)\n"
       "    if [[ -n $subs ]]; then COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
       "    else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
       "  fi\n"
       "}\n"
       "complete -F _relish relish\n";
  return s.str();
}

std::string Fish(const std::vector<Entry>& entries) {
  std::ostringstream s;
  s << "# relish completion for fish: relish completion fish | source\n"
       "function __relish_words  # __relish_words PATH subs|flags\n"
       "  switch \"$argv[1]/$argv[2]\"\n";
  for (const Entry& e : entries) {
    if (!e.subcommands.empty()) s << "    case '" << e.path << "/subs'\n      printf '%s\\n' " << Joined(e.subcommands) << "\n";
    if (!e.flags.empty()) s << "    case '" << e.path << "/flags'\n      printf '%s\\n' -- " << Joined(e.flags) << "\n";
  }
  s << "  end\n"
       "end\n"
       "function __relish_complete\n"
       "  set -l words (commandline -opc)\n"
       "  set -l path ''\n"
       "  for w in $words[2..-1]\n"
       "    if not string match -q -- '-*' $w; and contains -- $w (__relish_words \"$path\" subs)\n"
       "      set path (string trim -- \"$path $w\")\n"
       "    end\n"
       "  end\n"
       "  if string match -q -- '-*' (commandline -ct)\n"
       "    __relish_words \"$path\" flags\n"
       "  else\n"
       "    set -l subs (__relish_words \"$path\" subs)\n"
       "    if test (count $subs) -gt 0\n"
       "      printf '%s\\n' $subs\n"
       "    else\n"
       "      __fish_complete_path (commandline -ct)\n"
       "    end\n"
       "  end\n"
       "end\n"
       "complete -c relish -f -a '(__relish_complete)'\n";
  return s.str();
}

}  // namespace

void AddCompletionCommands(CLI::App& root, Commands& commands) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand(
      "completion", "Print a shell completion script: source <(relish completion bash), "
                    "source <(relish completion zsh), relish completion fish | source");
  cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  commands.Add(cmd, [&root, shell] {
    std::vector<Entry> entries;
    Walk(root, "", entries);
    if (*shell == "fish") {
      std::cout << Fish(entries);
    } else if (*shell == "zsh") {
      // zsh runs the bash function through its bash-compatible completion.
      std::cout << "# relish completion for zsh: source <(relish completion zsh)\n"
                   "autoload -U +X bashcompinit && bashcompinit\n"
                << Bash(entries);
    } else {
      std::cout << Bash(entries);
    }
    return kExitOk;
  });
}

}  // namespace relish::cli
