// REST endpoints for workflow rules, stored functions, the execution log and toppings, scoped by
// ?org=&environment= (members only; default: your first organization, sandbox):
//
//   GET    /api/v1/workflow/rules?module=&topping=       rules
//   POST   /api/v1/workflow/rules?topping=               a rule (body: its definition)
//   GET|PUT|DELETE /api/v1/workflow/rules/{id}
//   POST   /api/v1/workflow/rules/{id}/activate|deactivate
//   GET    /api/v1/workflow/functions?topping=           stored functions
//   GET|PUT|DELETE /api/v1/workflow/functions/{name}?topping=
//   GET    /api/v1/workflow/runs?rule=&record=&function=&topping=&status=&since=&until=&before=&limit=
//          (every environment unless ?environment= is given)
//   GET    /api/v1/workflow/runs/{id}                     one run: info lines, calls, error
//   POST   /api/v1/workflow/runs/{id}/rerun               its action once more, for the record now
//   GET    /api/v1/workflow/queue                         jobs due, scheduled and running
//   GET    /api/v1/toppings                               installed toppings
//   POST   /api/v1/toppings                               push: {"files": {"topping.yaml": ...}}
//   GET|DELETE /api/v1/toppings/{namespace}
//   GET    /api/v1/toppings/{namespace}/files
//   POST   /api/v1/toppings/{namespace}/publish           sandbox -> production
#pragma once

#include "api/routes.h"
#include "toppings/toppings.h"
#include "workflow/engine.h"
#include "workflow/queue.h"
#include "workflow/repository.h"
#include "workflow/run_log.h"

namespace relish::api {

struct WorkflowApiDeps {
  workflow::Repository& repository;
  workflow::RunLog& runs;
  workflow::JobQueue& queue;
  toppings::Toppings& toppings;
  workflow::Engine& engine;  // "run again"
};

void AddWorkflowRoutes(Routes& routes, WorkflowApiDeps deps);

}  // namespace relish::api
