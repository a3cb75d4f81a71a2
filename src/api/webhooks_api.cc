#include "api/webhooks_api.h"

#include <memory>
#include <vector>

#include "api/body.h"
#include "api/params.h"
#include "server/json.h"
#include "server/route_doc.h"
#include "webhooks/probes.h"

namespace relish::api {
namespace {

using server::Access;
using server::Json;
using server::JsonResponse;
using server::Request;
using server::Response;

constexpr int kDefaultEvents = 100;
constexpr int kMaxEvents = 1000;
constexpr int kDefaultDeliveries = 100;
constexpr int kMaxDeliveries = 1000;

Json EndpointJson(const webhooks::Endpoint& e) {
  return {{"id", e.id},
          {"url", e.url},
          {"description", e.description},
          {"types", e.types},
          {"enabled", e.enabled},
          {"created_by", e.created_by},
          {"created_at", e.created_at}};
}

Json DeliveryJson(const webhooks::Delivery& d) {
  Json j = {{"id", d.id},
            {"endpoint", d.endpoint_id},
            {"event", d.event_id},
            {"event_type", d.event_type},
            {"attempt", d.attempt},
            {"at", d.at},
            {"outcome", d.outcome},
            {"response_status", d.response_status},
            {"duration_ms", d.duration_ms},
            {"error", d.error}};
  j["next_attempt_at"] = d.next_attempt_at > 0 ? Json(d.next_attempt_at) : Json();
  return j;
}

}  // namespace

server::Json ConnectionHealth(connections::Connections& connections,
                              const connections::Connection& c) {
  return webhooks::Health(connections, c);
}

// --- API contract (server/route_doc.h): every route AddWebhooksRoutes registers.
void DocumentWebhooksRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("ConnectionEvent", R"({"id":"string","type":"string","at":"ms",
      "organization":"string","environment":"sandbox|production",
      "connection":{"link_name":"string","service":"string"},"user_id":"string","actor":"string",
      "status":"string","reason":"string","error":"string","error_description":"string"})");
  router.DocumentSchema("Health", R"({"ok":"boolean","at":"ms","message":"string"})");
  router.DocumentSchema("WebhookEndpoint", R"({"id":"string","url":"string",
      "description":"string","types":["string"],"enabled":"boolean","created_by":"string",
      "created_at":"ms"})");
  router.DocumentSchema("WebhookDelivery", R"({"id":"string","endpoint":"string",
      "event":"string","event_type":"string","attempt":"integer","at":"ms",
      "outcome":"delivered|retrying|failed","response_status":"integer",
      "duration_ms":"integer","error":"string","next_attempt_at":"ms?"})");
  std::vector<server::RouteDoc> docs = {
      Doc("GET", "/api/v1/connections/events", "Connection events, newest first")
          .Describe("Every state change of a connection (docs/webhooks.md). `before` is the "
                    "previous page's `next`.")
          .Query("link type since:integer until:integer before limit:integer")
          .Returns(R"({"events":["$ConnectionEvent"],"next":"string?"})")
          .Errors("invalid_argument"),
      Doc("POST", "/api/v1/connections/{link}/probe", "Probe a connection's health now")
          .Describe("Runs the service's test call; a failure is a `probe_failed` event.")
          .Returns(R"({"ok":"boolean","status":"integer","message":"string","event":"string?",
              "health":"$Health?"})")
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/webhooks", "The organization's webhook endpoints")
          .Returns(R"({"endpoints":["$WebhookEndpoint"]})"),
      Doc("POST", "/api/v1/webhooks", "Add a webhook endpoint")
          .Describe("The answer's `secret` signs every delivery; it is shown this once.")
          .Body(R"({"url":"string","description?":"string","types?":["string"]})")
          .Returns(R"({"id":"string","url":"string","description":"string","types":["string"],
              "enabled":"boolean","created_by":"string","created_at":"ms","secret":"string"})",
                   201)
          .Errors("invalid_argument"),
      Doc("GET", "/api/v1/webhooks/deliveries", "Delivery attempts, newest first")
          .Query("endpoint event before limit:integer")
          .Returns(R"({"deliveries":["$WebhookDelivery"],"next":"string?"})")
          .Errors("invalid_argument not_found"),
      Doc("GET", "/api/v1/webhooks/{id}", "One webhook endpoint")
          .Returns("$WebhookEndpoint")
          .Errors("not_found"),
      Doc("PUT", "/api/v1/webhooks/{id}", "Enable or disable a webhook endpoint")
          .Body(R"({"enabled":"boolean"})")
          .Returns("$WebhookEndpoint")
          .Errors("invalid_argument not_found"),
      Doc("DELETE", "/api/v1/webhooks/{id}", "Delete a webhook endpoint")
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found"),
  };
  router.Document(std::move(docs));
}

void AddWebhooksRoutes(Routes& routes, WebhooksApiDeps deps_value) {
  DocumentWebhooksRoutes(routes.router());
  auto deps = std::make_shared<WebhooksApiDeps>(deps_value);

  // --- connection events, newest first; ?before=<id> pages on (the answer's "next")
  routes.Add("GET", "/api/v1/connections/events", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               connections::EventFilter f;
               f.environment = c.scope.environment;
               f.type = req.QueryParam("type").value_or("");
               if (!f.type.empty() && !connections::ValidEventType(f.type)) {
                 return InvalidArgument("unknown event type '" + f.type + "'");
               }
               f.since_ms = TRY(IntParam(req, "since"));
               f.until_ms = TRY(IntParam(req, "until"));
               f.before = req.QueryParam("before").value_or("");
               f.limit = TRY(LimitParam(req, kDefaultEvents, kMaxEvents));
               // ?link= names a connection that may be gone (its "deleted" event is kept).
               f.link_name = req.QueryParam("link").value_or("");
               auto events = TRY(deps->connections.Events(c.scope.org_id, f));
               Json list = Json::array();
               for (const auto& e : events) list.push_back(webhooks::EventJson(e));
               Json body = {{"events", list}};
               body["next"] = static_cast<int>(events.size()) == f.limit ? Json(events.back().id)
                                                                          : Json();
               return JsonResponse(200, body);
             });

  // --- health probes: the service's test call, on demand. A failure is a probe_failed event
  // each time; a success is a probe_ok event when it ends failures (or is the first probe).
  routes.AddBlocking(
      "POST", "/api/v1/connections/{link}/probe", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        auto conn = TRY(deps->connections.Get(c.scope.org_id, c.scope.environment,
                                              req.params["link"]));
        connections::CallContext ctx{.org_id = c.scope.org_id,
                                     .environment = c.scope.environment,
                                     .user_id = c.user().id,
                                     .origin = "test"};
        auto p = TRY(webhooks::Probe(deps->connections, conn, ctx, c.user().id,
                                     webhooks::ProbeRecord::kEveryFailure));
        Json body = {{"ok", p.test.ok}, {"status", p.test.status}, {"message", p.test.message}};
        body["event"] = p.event_id.empty() ? Json() : Json(p.event_id);
        body["health"] = ConnectionHealth(deps->connections, conn);
        return JsonResponse(200, body);
      });

  // --- webhook endpoints (the organization's, whatever the environment)
  routes.Add("GET", "/api/v1/webhooks", Access::kMember,
             [deps](Request&, const Caller& c) -> Result<Response> {
               Json list = Json::array();
               for (const auto& e : TRY(deps->webhooks.List(c.scope.org_id))) {
                 list.push_back(EndpointJson(e));
               }
               return JsonResponse(200, {{"endpoints", list}});
             });
  routes.Add("POST", "/api/v1/webhooks", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               webhooks::NewEndpoint spec{.org_id = c.scope.org_id,
                                          .url = TRY(RequiredText(body, "url")),
                                          .description = TRY(OptionalText(body, "description")),
                                          .types = TRY(TextList(body, "types")),
                                          .created_by = c.user().id};
               auto created = TRY(deps->webhooks.Create(spec));
               Json j = EndpointJson(created.endpoint);
               // Shown this once: afterwards only the vault holds it.
               j["secret"] = created.secret;
               return JsonResponse(201, j);
             });
  routes.Add("GET", "/api/v1/webhooks/deliveries", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               webhooks::DeliveryFilter f;
               f.endpoint_id = req.QueryParam("endpoint").value_or("");
               f.event_id = req.QueryParam("event").value_or("");
               f.before = req.QueryParam("before").value_or("");
               f.limit = TRY(LimitParam(req, kDefaultDeliveries, kMaxDeliveries));
               if (!f.endpoint_id.empty()) TRY(deps->webhooks.Get(c.scope.org_id, f.endpoint_id));
               auto log = TRY(deps->webhooks.Deliveries(c.scope.org_id, f));
               Json list = Json::array();
               for (const auto& d : log) list.push_back(DeliveryJson(d));
               Json body = {{"deliveries", list}};
               body["next"] =
                   static_cast<int>(log.size()) == f.limit ? Json(log.back().id) : Json();
               return JsonResponse(200, body);
             });
  routes.Add("GET", "/api/v1/webhooks/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               return JsonResponse(
                   200, EndpointJson(TRY(deps->webhooks.Get(c.scope.org_id, req.params["id"]))));
             });
  routes.Add("PUT", "/api/v1/webhooks/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               if (!body.contains("enabled") || !body["enabled"].is_boolean()) {
                 return InvalidArgument("'enabled' must be true or false");
               }
               auto e = TRY(deps->webhooks.SetEnabled(c.scope.org_id, req.params["id"],
                                                      body["enabled"].get<bool>()));
               return JsonResponse(200, EndpointJson(e));
             });
  routes.Add("DELETE", "/api/v1/webhooks/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               TRY(deps->webhooks.Delete(c.scope.org_id, req.params["id"]));
               return JsonResponse(200, {{"deleted", req.params["id"]}});
             });
}

}  // namespace relish::api
