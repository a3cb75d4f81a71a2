// Internal to src/workflow: running one leased job (executor.cc) for the engine (engine.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflow/engine.h"

namespace relish::workflow {

class Engine::Executor {
 public:
  explicit Executor(Engine& engine) : e_(engine) {}
  // Never throws: a job whose work throws becomes a failed run.
  Outcome Execute(const Job& job);

 private:
  Outcome ExecuteUnguarded(const Job& job);
  Run NewRun(const Job& job);
  Outcome RunAction(const Job& job, Run run);
  Outcome RunFunction(const Job& job, const Action& action, const crm::Json& record, Run run);
  Outcome RunWebhook(const Job& job, const Action& action, const crm::Json& record, Run run);
  Outcome RunUpdate(const Job& job, const Action& action, const crm::Json& record, Run run);
  Outcome DateDue(const Job& job);

  Engine& e_;
};

// The chain depth of the job this thread is running (0 outside jobs): writes it causes fire
// rules one level deeper.
int& ChainDepth();

// The record as a function receives it: {"<Module>.ID": id, every field...}.
crm::Json RecordArgument(const std::string& module, const std::string& record_id,
                         const crm::Json& record);

// Replaces ${Module.Field} placeholders with the record's values, escaped by `escape`.
std::string RenderTemplate(std::string_view text, const std::string& module,
                           const std::string& record_id, const crm::Json& record,
                           std::string (*escape)(std::string_view));

}  // namespace relish::workflow
