#include "bench/workflow/bench_runner.h"

#include <cstdio>
#include <cstdlib>

#include "functions/platform_runner.h"

namespace relish::bench {

std::unique_ptr<functions::FunctionRunner> MakeRunner(const std::string& name,
                                                      outbound::HttpClient& http, crm::Crm& crm) {
  if (name == "null") return std::make_unique<NullRunner>();
  if (name == "platform") {
    // The real runner; the bench's function calls its upstream without a connection, so the
    // runner needs no connections or identity.
    return std::make_unique<functions::PlatformRunner>(
        functions::PlatformServices{.sandbox_http = &http, .production_http = &http, .crm = &crm},
        functions::RunnerOptions{});
  }
  std::fprintf(stderr, "workflow_bench: unknown runner '%s' (platform or null)\n", name.c_str());
  std::exit(2);
}

}  // namespace relish::bench
