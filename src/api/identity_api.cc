#include "api/identity_api.h"

#include "server/json.h"

namespace relish::api {
namespace {

using identity::Principal;
using server::ErrorResponse;
using server::Json;
using server::JsonResponse;
using server::Request;
using server::Response;

Json UserJson(const identity::User& u) {
  return {{"id", u.id}, {"email", u.email}, {"name", u.name},
          {"role", identity::RoleName(u.role)}, {"created_at", u.created_at}};
}

Json OrgJson(const identity::Org& o) {
  return {{"id", o.id}, {"name", o.name}, {"created_at", o.created_at}};
}

Json TokenJson(const identity::ApiToken& t) {
  Json j = {{"id", t.id}, {"name", t.name}, {"prefix", t.prefix}, {"created_at", t.created_at}};
  j["expires_at"] = t.expires_at ? Json(*t.expires_at) : Json();
  j["last_used_at"] = t.last_used_at ? Json(*t.last_used_at) : Json();
  return j;
}

// A required string field of a JSON body.
Result<std::string> Field(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
    return InvalidArgument(std::string("'") + name + "' is required and must be a string");
  }
  return it->get<std::string>();
}

std::string OptionalField(const Json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

using server::Handle;

}  // namespace

void AddIdentityRoutes(server::Router& router, const Auth& auth, IdentityApiOptions options) {
  identity::Identity& id = auth.identity();

  // Console sign-in: sets the session cookie and returns the CSRF token.
  router.Add("POST", "/api/v1/session", [&id, options](Request& req) {
    return Handle([&]() -> Result<Response> {
      Json body = TRY(server::ParseJsonBody(req));
      auto user = TRY(id.CheckPassword(TRY(Field(body, "email")), TRY(Field(body, "password"))));
      auto session = TRY(id.CreateSession(user.id));
      Response r = JsonResponse(200, {{"user", UserJson(user)}, {"csrf", session.csrf}});
      r.SetHeader("Set-Cookie", SessionCookie(session.cookie, 12 * 3600, options.secure_cookies));
      return r;
    });
  });
  router.Add("DELETE", "/api/v1/session", [&auth, &id, options](Request& req) {
    return Handle([&]() -> Result<Response> {
      TRY(auth.Authenticate(req));
      if (auto cookie = CookieValue(req, kSessionCookie)) TRY(id.EndSession(*cookie));
      Response r = JsonResponse(200, {{"signed_out", true}});
      r.SetHeader("Set-Cookie", SessionCookie("", 0, options.secure_cookies));
      return r;
    });
  });

  // CLI sign-in: email and password for a new API token.
  router.Add("POST", "/api/v1/auth/token", [&id](Request& req) {
    return Handle([&]() -> Result<Response> {
      Json body = TRY(server::ParseJsonBody(req));
      auto user = TRY(id.CheckPassword(TRY(Field(body, "email")), TRY(Field(body, "password"))));
      std::string name = OptionalField(body, "name");
      auto [token, secret] = TRY(id.CreateToken(user.id, name.empty() ? "cli" : name, std::nullopt));
      Json j = TokenJson(token);
      j["token"] = secret;
      return JsonResponse(201, j);
    });
  });

  router.Add("GET", "/api/v1/me", RequireUser(auth, [&id](Request&, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json orgs = Json::array();
      for (const auto& o : TRY(id.OrgsOf(p.user.id))) orgs.push_back(OrgJson(o));
      Json j = {{"user", UserJson(p.user)}, {"orgs", orgs}};
      if (p.via == Principal::Via::kSession) j["csrf"] = p.csrf;
      return JsonResponse(200, j);
    });
  }));

  router.Add("GET", "/api/v1/tokens", RequireUser(auth, [&id](Request&, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json list = Json::array();
      for (const auto& t : TRY(id.ListTokens(p.user.id))) list.push_back(TokenJson(t));
      return JsonResponse(200, {{"tokens", list}});
    });
  }));
  router.Add("POST", "/api/v1/tokens", RequireUser(auth, [&id](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json body = TRY(server::ParseJsonBody(req));
      std::optional<int64_t> ttl;
      if (auto it = body.find("expires_in_days"); it != body.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > 3650) {
          return InvalidArgument("'expires_in_days' must be a whole number from 1 to 3650");
        }
        ttl = it->get<int64_t>() * 86'400'000;
      }
      auto [token, secret] = TRY(id.CreateToken(p.user.id, TRY(Field(body, "name")), ttl));
      Json j = TokenJson(token);
      j["token"] = secret;
      return JsonResponse(201, j);
    });
  }));
  router.Add("DELETE", "/api/v1/tokens/{id}",
             RequireUser(auth, [&id](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 TRY(id.RevokeToken(p.user.id, req.params["id"]));
                 return JsonResponse(200, {{"revoked", req.params["id"]}});
               });
             }));

  router.Add("GET", "/api/v1/users", RequireAdmin(auth, [&id](Request&, const Principal&) {
    return Handle([&]() -> Result<Response> {
      Json list = Json::array();
      for (const auto& u : TRY(id.ListUsers())) list.push_back(UserJson(u));
      return JsonResponse(200, {{"users", list}});
    });
  }));
  router.Add("POST", "/api/v1/users", RequireAdmin(auth, [&id](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json body = TRY(server::ParseJsonBody(req));
      std::string role_name = OptionalField(body, "role");
      auto role = TRY(identity::ParseRole(role_name.empty() ? "developer" : role_name));
      auto user = TRY(id.CreateUser(TRY(Field(body, "email")), OptionalField(body, "name"),
                                    TRY(Field(body, "password")), role));
      // New users join the creating admin's organizations.
      for (const auto& o : TRY(id.OrgsOf(p.user.id))) TRY(id.AddMember(o.id, user.id));
      return JsonResponse(201, UserJson(user));
    });
  }));

  router.Add("GET", "/api/v1/orgs", RequireUser(auth, [&id](Request&, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json list = Json::array();
      for (const auto& o : TRY(id.OrgsOf(p.user.id))) list.push_back(OrgJson(o));
      return JsonResponse(200, {{"orgs", list}});
    });
  }));
  router.Add("POST", "/api/v1/orgs", RequireAdmin(auth, [&id](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      Json body = TRY(server::ParseJsonBody(req));
      auto org = TRY(id.CreateOrg(TRY(Field(body, "name"))));
      TRY(id.AddMember(org.id, p.user.id));
      return JsonResponse(201, OrgJson(org));
    });
  }));
  router.Add("POST", "/api/v1/orgs/{org}/members",
             RequireAdmin(auth, [&id](Request& req, const Principal&) {
               return Handle([&]() -> Result<Response> {
                 Json body = TRY(server::ParseJsonBody(req));
                 auto user = TRY(id.FindUserByEmail(TRY(Field(body, "email"))));
                 TRY(id.GetOrg(req.params["org"]));
                 TRY(id.AddMember(req.params["org"], user.id));
                 return JsonResponse(200, {{"org", req.params["org"]}, {"user", UserJson(user)}});
               });
             }));
}

}  // namespace relish::api
