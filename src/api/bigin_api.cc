#include "api/bigin_api.h"

#include <spdlog/spdlog.h>

#include <variant>

#include "api/bigin_records.h"

namespace relish::api {
namespace {

using bigin::Caller;
using bigin::Json;
using bigin::ZohoError;
using server::Request;
using server::Response;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

ZohoError InvalidToken() { return {401, "INVALID_TOKEN", "invalid oauth token", Json::object()}; }

std::variant<Caller, ZohoError> Authenticate(const BiginApiDeps& deps, const Request& req) {
  auto header = req.Header("Authorization");
  if (!header)
    return ZohoError{401, "AUTHENTICATION_FAILURE", "Authentication failed", Json::object()};
  std::string_view value = *header;
  std::string_view token;
  for (std::string_view scheme : {"Zoho-oauthtoken ", "Bearer "}) {
    if (StartsWithNoCase(value, scheme)) token = value.substr(scheme.size());
  }
  if (token.empty()) return InvalidToken();
  auto grant = deps.oauth.AuthenticateAccessToken(token);
  if (!grant.ok()) {
    if (grant.error().code() == ErrorCode::kUnauthenticated) return InvalidToken();
    spdlog::error("bigin: {}", grant.error().ToString());
    return bigin::InternalError();
  }
  auto user = deps.identity.GetUser(grant->user_id);
  auto member = deps.identity.IsMember(grant->org_id, grant->user_id);
  if (!user.ok() || !member.ok() || !*member) return InvalidToken();
  return Caller{.space = {grant->org_id, grant->environment},
                .actor = {user->id, user->name, user->email},
                .scopes = grant->scopes};
}

using CallerHandler = std::function<Response(Request&, const Caller&)>;

server::Handler WithCaller(BiginApiDeps deps, CallerHandler handler) {
  return [deps, handler = std::move(handler)](Request& req) {
    auto caller = Authenticate(deps, req);
    if (auto* e = std::get_if<ZohoError>(&caller)) return bigin::ErrorResponse(*e);
    return handler(req, std::get<Caller>(caller));
  };
}

bool Allows(const Caller& c, identity::ScopeArea area, std::string_view resource) {
  return !c.scopes || identity::AllowsArea(*c.scopes, area, resource, identity::kScopeRead);
}

Json UserJson(const identity::User& u, bool admin_role) {
  std::string first, last = u.name;
  if (auto space = u.name.find(' '); space != std::string::npos) {
    first = u.name.substr(0, space);
    last = u.name.substr(space + 1);
  }
  std::string role = admin_role ? "Administrator" : "Developer";
  return {{"id", u.id},
          {"full_name", u.name},
          {"first_name", first},
          {"last_name", last},
          {"email", u.email},
          {"role", {{"name", role}, {"id", crm::StableId("role:" + role)}}},
          {"profile", {{"name", role}, {"id", crm::StableId("profile:" + role)}}},
          {"status", "active"},
          {"confirm", true},
          {"time_zone", "UTC"}};
}

Response UsersResponse(const std::vector<identity::User>& users) {
  if (users.empty()) {
    Response r;
    r.status = 204;
    return r;
  }
  Json list = Json::array();
  for (const auto& u : users) list.push_back(UserJson(u, u.role == identity::Role::kAdmin));
  return server::JsonResponse(
      200, {{"users", list},
            {"info",
             {{"per_page", 200}, {"count", users.size()}, {"page", 1}, {"more_records", false}}}});
}

// --- API contract (server/route_doc.h): every route AddBiginRoutes registers. The shapes are
// Zoho Bigin's v2 API's, as far as Relish's CRM has them (docs/crm.md); the CRM's schemas are
// crm_admin_api.cc's.
void DocumentBiginRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("CrmUser", R"({"id":"string","full_name":"string","first_name":"string",
      "last_name":"string","email":"string","role":{"name":"string","id":"string"},
      "profile":{"name":"string","id":"string"},"status":"string","confirm":"boolean",
      "time_zone":"string"})");
  const char* kWriteNote = "All succeeded: 200 (201 for inserts); some: 207, each item saying; none: 400.";
  auto crm = [](std::string method, std::string pattern, std::string summary) {
    return Doc(std::move(method), std::move(pattern), std::move(summary)).ErrorSchema("ZohoError");
  };
  std::vector<server::RouteDoc> docs = {
      crm("GET", "/bigin/v2/settings/modules", "The CRM's modules")
          .Returns(R"({"modules":["$CrmModule"]})"),
      crm("GET", "/bigin/v2/settings/modules/{module}", "One module, with its fields")
          .Returns(R"({"modules":["$CrmModule"]})")
          .Errors("400"),
      crm("GET", "/bigin/v2/settings/fields", "A module's fields, system fields included")
          .Query("module")
          .Returns(R"({"fields":["$CrmField"]})")
          .Errors("400"),
      crm("GET", "/bigin/v2/users", "The organization's users")
          .Query("type")
          .Returns(R"({"users":["$CrmUser"],"info":{"per_page":"integer","count":"integer",
              "page":"integer","more_records":"boolean"}})")
          .Also(204, "no users")
          .Errors("400"),
      crm("GET", "/bigin/v2/users/{id}", "One user of the organization")
          .Returns(R"({"users":["$CrmUser"],"info":"object"})")
          .Also(204, "no such user in the organization"),
      crm("GET", "/bigin/v2/org", "The organization the token is for")
          .Returns(R"({"org":[{"id":"string","company_name":"string","time_zone":"string",
              "environment":"string"}]})"),
      crm("GET", "/bigin/v2/{module}/search", "Search records (criteria, email, phone or word)")
          .Query("criteria email phone word page:integer per_page:integer fields")
          .Returns("$CrmRecordPage")
          .Also(204, "no record matched")
          .Errors("400"),
      crm("POST", "/bigin/v2/{module}/upsert", "Insert or update records by duplicate-check fields")
          .Describe(kWriteNote)
          .Body(R"({"data":["object"],"duplicate_check_fields?":["string"],"trigger?":["string"]})")
          .Returns("$CrmWriteResults")
          .Also(207, "some records were not written: each item says")
          .Errors("400"),
      crm("GET", "/bigin/v2/{module}/{id}", "One record")
          .Query("fields")
          .Returns("$CrmRecords")
          .Also(204, "no such record")
          .Errors("400"),
      crm("PUT", "/bigin/v2/{module}/{id}", "Update one record")
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults")
          .Errors("400"),
      crm("DELETE", "/bigin/v2/{module}/{id}", "Delete one record")
          .Query("wf_trigger:boolean")
          .Returns("$CrmWriteResults")
          .Errors("400"),
      crm("GET", "/bigin/v2/{module}", "A page of records")
          .Query("page:integer per_page:integer fields sort_by sort_order")
          .Returns("$CrmRecordPage")
          .Also(204, "no records")
          .Errors("400"),
      crm("POST", "/bigin/v2/{module}", "Insert records")
          .Describe(kWriteNote)
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults", 201)
          .Also(207, "some records were not written: each item says")
          .Errors("400"),
      crm("PUT", "/bigin/v2/{module}", "Update records (each with its id)")
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults")
          .Also(207, "some records were not written: each item says")
          .Errors("400"),
      crm("DELETE", "/bigin/v2/{module}", "Delete records: ?ids=1,2,3")
          .Query("ids wf_trigger:boolean")
          .Returns("$CrmWriteResults")
          .Also(207, "some records were not deleted: each item says")
          .Errors("400"),
  };
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    docs.push_back(crm(method, "/bigin/{rest...}", "Any other CRM API path: INVALID_URL_PATTERN")
                       .Returns("$ZohoError", 404));
  }
  router.Document(std::move(docs));
}

}  // namespace

void AddBiginRoutes(server::Router& router, BiginApiDeps deps) {
  DocumentBiginRoutes(router);
  // Every route here authenticates through WithCaller: a token of Relish's OAuth server decides
  // the organization and environment.
  constexpr server::Access kCrmToken = server::Access::kCrmToken;
  crm::Crm& crm = deps.crm;
  identity::Identity& id = deps.identity;

  router.Add("GET", "/bigin/v2/settings/modules", kCrmToken,
             WithCaller(deps, [&crm](Request&, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kSettings, "modules"))
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               auto modules = crm.ListModules(c.space);
               if (!modules.ok()) return bigin::ErrorResponse(bigin::InternalError());
               Json list = Json::array();
               for (const auto& m : *modules) list.push_back(bigin::ModuleJson(m));
               return server::JsonResponse(200, {{"modules", list}});
             }));
  router.Add("GET", "/bigin/v2/settings/modules/{module}", kCrmToken,
             WithCaller(deps, [&crm](Request& req, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kSettings, "modules")) {
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               }
               auto m = crm.GetModule(c.space, req.params["module"]);
               if (!m.ok()) {
                 return bigin::ErrorResponse({400,
                                              "INVALID_MODULE",
                                              "the module name given seems to be invalid",
                                              {{"resource_path_index", 2}}});
               }
               Json module = bigin::ModuleJson(*m);
               Json fields = Json::array();
               for (const auto& f : m->fields) fields.push_back(bigin::FieldJson(f));
               module["fields"] = fields;
               return server::JsonResponse(200, {{"modules", Json::array({module})}});
             }));
  router.Add("GET", "/bigin/v2/settings/fields", kCrmToken,
             WithCaller(deps, [&crm](Request& req, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kSettings, "fields"))
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               auto name = req.QueryParam("module");
               if (!name || name->empty()) {
                 return bigin::ErrorResponse({400,
                                              "REQUIRED_PARAM_MISSING",
                                              "give the module's API name as ?module=",
                                              {{"param", "module"}}});
               }
               auto m = crm.GetModule(c.space, *name);
               if (!m.ok()) {
                 return bigin::ErrorResponse({400,
                                              "INVALID_MODULE",
                                              "the module name given seems to be invalid",
                                              {{"param", "module"}}});
               }
               Json fields = Json::array();
               for (const auto& f : m->fields) fields.push_back(bigin::FieldJson(f));
               for (auto& f : bigin::SystemFieldsJson(*m)) fields.push_back(std::move(f));
               return server::JsonResponse(200, {{"fields", fields}});
             }));

  router.Add("GET", "/bigin/v2/users", kCrmToken, WithCaller(deps, [&id](Request& req, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kUsers, ""))
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               std::string type = req.QueryParam("type").value_or("AllUsers");
               std::vector<identity::User> users;
               if (type == "CurrentUser") {
                 auto me = id.GetUser(c.actor.id);
                 if (!me.ok()) return bigin::ErrorResponse(bigin::InternalError());
                 users.push_back(*me);
               } else if (type == "AllUsers" || type == "ActiveUsers" || type == "AdminUsers") {
                 auto all = id.ListUsers();
                 if (!all.ok()) return bigin::ErrorResponse(bigin::InternalError());
                 for (const auto& u : *all) {
                   auto member = id.IsMember(c.space.org_id, u.id);
                   if (!member.ok() || !*member) continue;
                   if (type == "AdminUsers" && u.role != identity::Role::kAdmin) continue;
                   users.push_back(u);
                 }
               } else {
                 return bigin::ErrorResponse(
                     {400,
                      "INVALID_DATA",
                      "type must be CurrentUser, AllUsers, ActiveUsers or AdminUsers",
                      {{"param_name", "type"}}});
               }
               return UsersResponse(users);
             }));
  router.Add("GET", "/bigin/v2/users/{id}", kCrmToken, WithCaller(deps, [&id](Request& req, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kUsers, ""))
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               auto user = id.GetUser(req.params["id"]);
               auto member = id.IsMember(c.space.org_id, req.params["id"]);
               if (!user.ok() || !member.ok() || !*member) return UsersResponse({});
               return UsersResponse({*user});
             }));
  router.Add("GET", "/bigin/v2/org", kCrmToken, WithCaller(deps, [&id](Request&, const Caller& c) {
               if (!Allows(c, identity::ScopeArea::kOrg, ""))
                 return bigin::ErrorResponse(bigin::ScopeMismatch());
               auto org = id.GetOrg(c.space.org_id);
               if (!org.ok()) return bigin::ErrorResponse(bigin::InternalError());
               return server::JsonResponse(
                   200, {{"org", Json::array({{{"id", org->id},
                                               {"company_name", org->name},
                                               {"time_zone", "UTC"},
                                               {"environment", c.space.environment}}})}});
             }));

  // Records. Specific paths first: the router takes the first match.
  auto records = [&](const char* method, const char* pattern, CallerHandler h) {
    router.Add(method, pattern, kCrmToken, WithCaller(deps, std::move(h)));
  };
  records("GET", "/bigin/v2/{module}/search", [&crm](Request& req, const Caller& c) {
    return bigin::SearchRecords(crm, req, c, req.params["module"]);
  });
  records("POST", "/bigin/v2/{module}/upsert", [&crm](Request& req, const Caller& c) {
    return bigin::UpsertRecords(crm, req, c, req.params["module"]);
  });
  records("GET", "/bigin/v2/{module}/{id}", [&crm](Request& req, const Caller& c) {
    return bigin::GetRecord(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("PUT", "/bigin/v2/{module}/{id}", [&crm](Request& req, const Caller& c) {
    return bigin::UpdateRecords(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("DELETE", "/bigin/v2/{module}/{id}", [&crm](Request& req, const Caller& c) {
    return bigin::DeleteRecords(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("GET", "/bigin/v2/{module}", [&crm](Request& req, const Caller& c) {
    return bigin::ListRecords(crm, req, c, req.params["module"]);
  });
  records("POST", "/bigin/v2/{module}", [&crm](Request& req, const Caller& c) {
    return bigin::InsertRecords(crm, req, c, req.params["module"]);
  });
  records("PUT", "/bigin/v2/{module}", [&crm](Request& req, const Caller& c) {
    return bigin::UpdateRecords(crm, req, c, req.params["module"], std::nullopt);
  });
  records("DELETE", "/bigin/v2/{module}", [&crm](Request& req, const Caller& c) {
    return bigin::DeleteRecords(crm, req, c, req.params["module"], std::nullopt);
  });
  // Anything else under /bigin answers in Zoho's shape, to a caller with a valid token.
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    router.Add(method, "/bigin/{rest...}", kCrmToken, WithCaller(deps, [](Request&, const Caller&) {
                 return bigin::ErrorResponse(bigin::InvalidUrl());
               }));
  }
}

}  // namespace relish::api
