// The function runners the workflow benchmark can use: "platform" (the real one), or "null"
// (returns at once: the engine's own cost, without the function).
#pragma once

#include <memory>
#include <string>

#include "crm/crm.h"
#include "functions/runner.h"
#include "outbound/http_client.h"

namespace relish::bench {

class NullRunner final : public functions::FunctionRunner {
 public:
  Result<functions::RunResult> Run(const functions::RunRequest&) override {
    return functions::RunResult{.ok = true, .return_json = "null"};
  }
};

std::unique_ptr<functions::FunctionRunner> MakeRunner(const std::string& name,
                                                      outbound::HttpClient& http, crm::Crm& crm);

}  // namespace relish::bench
