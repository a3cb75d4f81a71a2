// relish lsp [--data DIR [--org ORG] [--env ENV]]: the language server on stdin/stdout.
// relish fmt [FILE...] [--check]: scripts laid out as Zoho's editor lays them out.
// See docs/editors.md.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "app/data_dir.h"
#include "app/runtime.h"
#include "cli/command.h"
#include "lsp/format.h"
#include "lsp/server.h"

namespace relish::cli {
namespace {

struct LspFlags {
  ConfigFlags config;
  std::string org;
  std::string environment = "sandbox";
};

// The link names of the organization's connections (names only: the server never sees a
// connection's secrets). Empty without Relish data.
Result<std::function<std::vector<std::string>()>> LinkNames(const LspFlags& flags) {
  std::function<std::vector<std::string>()> none = [] { return std::vector<std::string>{}; };
  if (flags.config.data_dir.empty()) return none;
  Config config = TRY(flags.config.Load());
  if (!app::HasDatabase(config)) {
    return InvalidArgument("there is no Relish data in " + config.data_dir +
                           " (relish serve creates it)");
  }
  std::shared_ptr<app::Runtime> runtime = TRY(app::Runtime::Open(
      config, {.public_url = config.PublicUrl(), .first_start = false, .runner = {}}));
  std::string org = flags.org;
  if (org.empty()) {
    for (const auto& u : TRY(runtime->identity().ListUsers())) {
      if (u.role != identity::Role::kAdmin) continue;
      auto orgs = TRY(runtime->identity().OrgsOf(u.id));
      if (!orgs.empty()) {
        org = orgs.front().id;
        break;
      }
    }
    if (org.empty()) return FailedPrecondition("the data directory has no organization; give --org");
  }
  std::string env = flags.environment;
  return std::function<std::vector<std::string>()>([runtime, org, env] {
    std::vector<std::string> names;
    auto list = runtime->connections().List(org, env);
    if (list.ok()) {
      for (const auto& c : *list) names.push_back(c.link_name);
    }
    return names;
  });
}

int RunLsp(const LspFlags& flags) {
  auto links = LinkNames(flags);
  if (!links.ok()) return Fail(links.error());
  std::ios::sync_with_stdio(false);
  return lsp::Serve(std::cin, std::cout, {.link_names = *links});
}

struct FmtFlags {
  std::vector<std::string> files;
  bool check = false;
};

int RunFmt(const FmtFlags& flags) {
  std::vector<std::string> files = flags.files;
  if (files.empty()) files.push_back("-");
  int status = kExitOk;
  for (const std::string& file : files) {
    std::string source;
    if (file == "-") {
      source.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << "relish: cannot read " << file << "\n";
        status = kExitFailure;
        continue;
      }
      source.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::string name = file == "-" ? "<stdin>" : file;
    auto formatted = lsp::FormatScript(source);
    if (!formatted.ok()) {
      std::cerr << name << ": " << formatted.error().message() << "\n";
      status = kExitFailure;
      continue;
    }
    if (flags.check) {
      if (*formatted != source) {
        std::cout << name << " is not formatted\n";
        status = kExitFailure;
      }
    } else if (file == "-") {
      std::cout << *formatted;
    } else if (*formatted != source) {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << *formatted;
      if (!out) {
        std::cerr << "relish: cannot write " << file << "\n";
        status = kExitFailure;
      }
    }
  }
  return status;
}

}  // namespace

void AddLspCommands(CLI::App& root, Commands& commands) {
  auto lsp_flags = std::make_shared<LspFlags>();
  auto* lsp = root.add_subcommand(
      "lsp",
      "Language server for editors (Language Server Protocol on stdin/stdout): diagnostics, "
      "completion, hover, formatting; see docs/editors.md");
  lsp_flags->config.AddTo(*lsp);
  lsp->add_option("--org", lsp_flags->org,
                  "Organization whose connection link names are completed (default: the first "
                  "administrator's first)");
  lsp->add_option("--env", lsp_flags->environment,
                  "Environment of those connections: sandbox (default) or production");
  commands.Add(lsp, [lsp_flags] { return RunLsp(*lsp_flags); });

  auto fmt_flags = std::make_shared<FmtFlags>();
  auto* fmt = root.add_subcommand(
      "fmt",
      "Lay out Deluge scripts as Zoho's editor does (tabs, braces on their own lines), in place; "
      "no FILE or - reads stdin and writes stdout");
  fmt->add_option("files", fmt_flags->files, "Scripts (.dg); - for stdin");
  fmt->add_flag("--check", fmt_flags->check,
                "Change nothing; list the files that are not formatted and exit 1 if any");
  commands.Add(fmt, [fmt_flags] { return RunFmt(*fmt_flags); });
}

}  // namespace relish::cli
