// The console's CRM endpoints under /api/v1/crm, authenticated like the rest of /api/v1 (API
// token or session cookie + CSRF) and scoped by ?org=&environment= (members only):
//
//   GET    /api/v1/crm/modules                          modules with their fields
//   POST   /api/v1/crm/modules                          a custom module
//   GET    /api/v1/crm/modules/{module}
//   POST   /api/v1/crm/modules/{module}/fields          a custom field
//   DELETE /api/v1/crm/modules/{module}/fields/{field}
//   GET    /api/v1/crm/events?module=&record_id=&limit= record-change history
//   GET|POST|PUT|DELETE /api/v1/crm/modules/{module}/records[/{id}]   records, in Bigin's shapes
#pragma once

#include "api/routes.h"
#include "crm/crm.h"

namespace relish::api {

void AddCrmAdminRoutes(Routes& routes, crm::Crm& crm);

}  // namespace relish::api
