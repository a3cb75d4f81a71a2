#include "bench/workflow/bench_runner.h"

#include <cstdio>
#include <cstdlib>

namespace relish::bench {

std::unique_ptr<functions::FunctionRunner> MakeRunner(const std::string& name,
                                                      outbound::HttpClient&, crm::Crm&) {
  if (name == "null") return std::make_unique<NullRunner>();
  std::fprintf(stderr, "workflow_bench: unknown runner '%s'\n", name.c_str());
  std::exit(2);
}

}  // namespace relish::bench
