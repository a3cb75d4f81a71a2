#include "api/identity_api.h"

#include "api/body.h"

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
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"role", identity::RoleName(u.role)},
          {"created_at", u.created_at}};
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

using server::Access;

// The email and password of a sign-in's JSON body.
struct Credentials {
  std::string email;
  std::string password;
};
Result<Credentials> ReadCredentials(const Json& body) {
  return Credentials{TRY(RequiredText(body, "email")), TRY(RequiredText(body, "password"))};
}

// A new token's lifetime in milliseconds from "expires_in_days"; none (a token that does not
// expire) when the body has no such member.
Result<std::optional<int64_t>> ReadExpiry(const Json& body) {
  auto it = body.find("expires_in_days");
  if (it == body.end()) return std::optional<int64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > 3650) {
    return InvalidArgument("'expires_in_days' must be a whole number from 1 to 3650");
  }
  return std::optional<int64_t>(it->get<int64_t>() * 86'400'000);
}

// --- API contract (server/route_doc.h): every route AddIdentityRoutes registers.
void DocumentIdentityRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("User", R"({"id":"string","email":"string","name":"string",
      "role":"admin|developer","created_at":"ms"})");
  router.DocumentSchema("Org", R"({"id":"string","name":"string","created_at":"ms"})");
  router.DocumentSchema("Token", R"({"id":"string","name":"string","prefix":"string",
      "created_at":"ms","expires_at":"ms?","last_used_at":"ms?"})");
  router.DocumentSchema("NewToken", R"({"=":{"allOf":[{"$ref":"#/components/schemas/Token"},
      {"type":"object","required":["token"],"properties":{"token":{"type":"string",
      "description":"the token itself, shown once"}}}]}})");
  const char* kCredentials = R"({"email":"string","password":"string"})";
  router.Document({
      Doc("POST", "/api/v1/session", "Sign in to the console: sets the session cookie")
          .Describe("Same-origin requests only. The answer's `csrf` goes in `X-CSRF-Token` on "
                    "every request of the session that changes state.")
          .Body(kCredentials)
          .Returns(R"({"user":"$User","csrf":"string"})")
          .Errors("invalid_argument unauthenticated permission_denied resource_exhausted"),
      Doc("DELETE", "/api/v1/session", "Sign out: ends the session and clears its cookie")
          .Returns(R"({"signed_out":true})"),
      Doc("POST", "/api/v1/auth/token", "Sign in for a new API token (what `relish login` does)")
          .Body(R"({"email":"string","password":"string","name?":"string","expires_in_days?":"integer"})")
          .Returns("$NewToken", 201)
          .Errors("invalid_argument unauthenticated resource_exhausted"),
      Doc("GET", "/api/v1/me", "The signed-in user and their organizations")
          .Returns(R"({"user":"$User","orgs":["$Org"],"csrf?":"string"})"),
      Doc("GET", "/api/v1/tokens", "Your API tokens (never their secrets)")
          .Returns(R"({"tokens":["$Token"]})"),
      Doc("POST", "/api/v1/tokens", "Create an API token; the answer shows it once")
          .Body(R"({"name":"string","expires_in_days?":"integer"})")
          .Returns("$NewToken", 201)
          .Errors("already_exists"),
      Doc("DELETE", "/api/v1/tokens/{id}", "Revoke one of your API tokens")
          .Returns(R"({"revoked":"string"})")
          .Errors("not_found"),
      Doc("GET", "/api/v1/users", "Every user (administrators)").Returns(R"({"users":["$User"]})"),
      Doc("POST", "/api/v1/users", "Create a user (administrators)")
          .Describe("The user joins the organizations in `orgs`, else the creating administrator's.")
          .Body(R"({"email":"string","password":"string","name?":"string",
              "role?":"admin|developer","orgs?":["string"]})")
          .Returns("$User", 201)
          .Errors("already_exists not_found resource_exhausted"),
      Doc("PATCH", "/api/v1/users/{id}", "Make a user an administrator or a developer")
          .Body(R"({"role":"admin|developer"})")
          .Returns("$User")
          .Errors("not_found failed_precondition"),
      Doc("PUT", "/api/v1/me/password", "Change your password (takes the current one)")
          .Describe("Ends every browser session of yours; API tokens stay.")
          .Body(R"({"current_password":"string","new_password":"string"})")
          .Returns(R"({"password_changed":true})")
          .Errors("resource_exhausted"),
      Doc("GET", "/api/v1/orgs", "Your organizations").Returns(R"({"orgs":["$Org"]})"),
      Doc("POST", "/api/v1/orgs", "Create an organization (administrators); you join it")
          .Body(R"({"name":"string"})")
          .Returns("$Org", 201)
          .Errors("already_exists"),
      Doc("GET", "/api/v1/orgs/{org}/members", "An organization's members (administrators)")
          .Returns(R"({"users":["$User"]})")
          .Errors("not_found"),
      Doc("POST", "/api/v1/orgs/{org}/members", "Add a user, by email, to an organization")
          .Body(R"({"email":"string"})")
          .Returns(R"({"org":"string","user":"$User"})")
          .Errors("not_found already_exists"),
  });
}

}  // namespace

void AddIdentityRoutes(Routes& routes, SignIn& signin, IdentityApiOptions options) {
  DocumentIdentityRoutes(routes.router());
  const Auth& auth = routes.auth();
  identity::Identity& id = auth.identity();

  // Console sign-in: sets the session cookie and returns the CSRF token.
  routes.PublicAsync(
      "POST", "/api/v1/session", [&auth, &id, &signin, options](Request& req) -> Task<Response> {
        // A forged sign-in would sign the victim in as the attacker.
        if (auto same = auth.SameOrigin(req); !same.ok()) co_return ErrorResponse(same.error());
        auto body = server::ParseJsonBody(req);
        if (!body.ok()) co_return ErrorResponse(body.error());
        auto credentials = ReadCredentials(*body);
        if (!credentials.ok()) co_return ErrorResponse(credentials.error());
        const Credentials& c = *credentials;
        SignInOutcome outcome = co_await signin.Check(req.remote, c.email, c.password);
        if (!outcome.user.ok()) co_return SignInError(outcome);
        auto session = id.CreateSession(outcome.user->id);
        if (!session.ok()) co_return ErrorResponse(session.error());
        Response r =
            JsonResponse(200, {{"user", UserJson(*outcome.user)}, {"csrf", session->csrf}});
        r.SetHeader("Set-Cookie",
                    SessionCookie(session->cookie, 12 * 3600, options.secure_cookies));
        co_return r;
      });
  routes.Add("DELETE", "/api/v1/session", Access::kUser,
             [&id, options](Request& req, const Caller&) -> Result<Response> {
               if (auto cookie = CookieValue(req, kSessionCookie)) TRY(id.EndSession(*cookie));
               Response r = JsonResponse(200, {{"signed_out", true}});
               r.SetHeader("Set-Cookie", SessionCookie("", 0, options.secure_cookies));
               return r;
             });

  // CLI sign-in: email and password for a new API token.
  routes.PublicAsync("POST", "/api/v1/auth/token", [&id, &signin](Request& req) -> Task<Response> {
    auto body = server::ParseJsonBody(req);
    if (!body.ok()) co_return ErrorResponse(body.error());
    auto credentials = ReadCredentials(*body);
    if (!credentials.ok()) co_return ErrorResponse(credentials.error());
    auto token_name = OptionalText(*body, "name");
    if (!token_name.ok()) co_return ErrorResponse(token_name.error());
    auto ttl = ReadExpiry(*body);
    if (!ttl.ok()) co_return ErrorResponse(ttl.error());
    const Credentials& c = *credentials;
    SignInOutcome outcome = co_await signin.Check(req.remote, c.email, c.password);
    if (!outcome.user.ok()) co_return SignInError(outcome);
    const std::string& name = *token_name;
    auto created = id.CreateToken(outcome.user->id, name.empty() ? "cli" : name, *ttl);
    if (!created.ok()) co_return ErrorResponse(created.error());
    Json j = TokenJson(created->first);
    j["token"] = created->second;
    co_return JsonResponse(201, j);
  });

  routes.Add("GET", "/api/v1/me", Access::kUser,
             [&id](Request&, const Caller& c) -> Result<Response> {
               Json orgs = Json::array();
               for (const auto& o : TRY(id.OrgsOf(c.user().id))) orgs.push_back(OrgJson(o));
               Json j = {{"user", UserJson(c.user())}, {"orgs", orgs}};
               if (c.principal.via == Principal::Via::kSession) j["csrf"] = c.principal.csrf;
               return JsonResponse(200, j);
             });

  routes.Add("GET", "/api/v1/tokens", Access::kUser,
             [&id](Request&, const Caller& c) -> Result<Response> {
               Json list = Json::array();
               for (const auto& t : TRY(id.ListTokens(c.user().id))) list.push_back(TokenJson(t));
               return JsonResponse(200, {{"tokens", list}});
             });
  routes.Add(
      "POST", "/api/v1/tokens", Access::kUser,
      [&id](Request& req, const Caller& c) -> Result<Response> {
        Json body = TRY(server::ParseJsonBody(req));
        std::optional<int64_t> ttl = TRY(ReadExpiry(body));
        auto [token, secret] = TRY(id.CreateToken(c.user().id, TRY(RequiredText(body, "name")), ttl));
        Json j = TokenJson(token);
        j["token"] = secret;
        return JsonResponse(201, j);
      });
  routes.Add("DELETE", "/api/v1/tokens/{id}", Access::kUser,
             [&id](Request& req, const Caller& c) -> Result<Response> {
               TRY(id.RevokeToken(c.user().id, req.params["id"]));
               return JsonResponse(200, {{"revoked", req.params["id"]}});
             });

  routes.Add("GET", "/api/v1/users", Access::kAdmin,
             [&id](Request&, const Caller&) -> Result<Response> {
               Json list = Json::array();
               for (const auto& u : TRY(id.ListUsers())) list.push_back(UserJson(u));
               return JsonResponse(200, {{"users", list}});
             });
  // Administrators create users; the new password is hashed on the password pool. Registered
  // on the router directly (routes.h has no registrar for that pool), with the same check
  // Routes::Add makes.
  routes.router().AddAsync(
      "POST", "/api/v1/users", Access::kAdmin,
      [&auth, &id, &signin](Request& req) -> Task<Response> {
        auto caller = Authorize(auth, req, Access::kAdmin);
        if (!caller.ok()) co_return ErrorResponse(caller.error());
        auto work = [&]() -> Result<Response> {
          Json body = TRY(server::ParseJsonBody(req));
          std::string role_name = TRY(OptionalText(body, "role"));
          auto role = TRY(identity::ParseRole(role_name.empty() ? "developer" : role_name));
          // New users join the organizations listed in "orgs" (each checked before the user is
          // made), else the creating admin's: a tenant's member need not see every tenant.
          std::vector<std::string> orgs;
          if (auto it = body.find("orgs"); it != body.end()) {
            if (!it->is_array())
              return InvalidArgument("'orgs' must be a list of organization ids");
            for (const auto& o : *it) {
              if (!o.is_string())
                return InvalidArgument("'orgs' must be a list of organization ids");
              orgs.push_back(TRY(id.GetOrg(o.get<std::string>())).id);
            }
          } else {
            for (const auto& o : TRY(id.OrgsOf(caller->user().id))) orgs.push_back(o.id);
          }
          auto user = TRY(id.CreateUser(TRY(RequiredText(body, "email")), TRY(OptionalText(body, "name")),
                                        TRY(RequiredText(body, "password")), role));
          for (const auto& o : orgs) TRY(id.AddMember(o, user.id));
          return JsonResponse(201, UserJson(user));
        };
        auto done = co_await signin.pool().Run(work);
        if (!done) co_return SignInError(SignIn::Busy());
        co_return done->ok() ? std::move(**done) : ErrorResponse(done->error());
      });

  // An administrator makes a user an administrator or a developer.
  routes.Add("PATCH", "/api/v1/users/{id}", Access::kAdmin,
             [&id](Request& req, const Caller&) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               auto role = TRY(identity::ParseRole(TRY(RequiredText(body, "role"))));
               return JsonResponse(200, UserJson(TRY(id.SetRole(req.params["id"], role))));
             });

  // Changing one's own password takes the current one, checked like a sign-in (throttled, on
  // the password pool): a stolen token or an unattended console cannot change it alone. Every
  // browser session of the user ends; API tokens stay (`relish tokens` revokes them).
  routes.router().AddAsync(
      "PUT", "/api/v1/me/password", Access::kUser,
      [&auth, &id, &signin](Request& req) -> Task<Response> {
        auto caller = Authorize(auth, req, Access::kUser);
        if (!caller.ok()) co_return ErrorResponse(caller.error());
        auto body = server::ParseJsonBody(req);
        if (!body.ok()) co_return ErrorResponse(body.error());
        auto current = RequiredText(*body, "current_password");
        if (!current.ok()) co_return ErrorResponse(current.error());
        auto next = RequiredText(*body, "new_password");
        if (!next.ok()) co_return ErrorResponse(next.error());
        SignInOutcome outcome = co_await signin.Check(req.remote, caller->user().email, *current);
        if (!outcome.user.ok()) {
          if (outcome.user.error().code() != ErrorCode::kUnauthenticated) co_return SignInError(outcome);
          // 403, not 401: the caller is signed in; only the password given is wrong.
          co_return ErrorResponse(PermissionDenied("the current password is wrong"));
        }
        std::string user_id = caller->user().id;
        std::string password = *next;
        auto work = [&]() -> Result<Response> {
          TRY(id.SetPassword(user_id, password));
          return JsonResponse(200, {{"password_changed", true}});
        };
        auto done = co_await signin.pool().Run(work);
        if (!done) co_return SignInError(SignIn::Busy());
        co_return done->ok() ? std::move(**done) : ErrorResponse(done->error());
      });

  routes.Add("GET", "/api/v1/orgs", Access::kUser,
             [&id](Request&, const Caller& c) -> Result<Response> {
               Json list = Json::array();
               for (const auto& o : TRY(id.OrgsOf(c.user().id))) list.push_back(OrgJson(o));
               return JsonResponse(200, {{"orgs", list}});
             });
  routes.Add("POST", "/api/v1/orgs", Access::kAdmin,
             [&id](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               auto org = TRY(id.CreateOrg(TRY(RequiredText(body, "name"))));
               TRY(id.AddMember(org.id, c.user().id));
               return JsonResponse(201, OrgJson(org));
             });
  // An organization's members: what the console's Settings lists (an administrator of one
  // organization's view need not show another's people).
  routes.Add("GET", "/api/v1/orgs/{org}/members", Access::kAdmin,
             [&id](Request& req, const Caller&) -> Result<Response> {
               TRY(id.GetOrg(req.params["org"]));
               Json list = Json::array();
               for (const auto& u : TRY(id.ListMembers(req.params["org"]))) list.push_back(UserJson(u));
               return JsonResponse(200, {{"users", list}});
             });
  routes.Add("POST", "/api/v1/orgs/{org}/members", Access::kAdmin,
             [&id](Request& req, const Caller&) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               auto user = TRY(id.FindUserByEmail(TRY(RequiredText(body, "email"))));
               TRY(id.GetOrg(req.params["org"]));
               TRY(id.AddMember(req.params["org"], user.id));
               return JsonResponse(200, {{"org", req.params["org"]}, {"user", UserJson(user)}});
             });
}

}  // namespace relish::api
