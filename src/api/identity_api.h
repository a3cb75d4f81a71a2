// REST endpoints for sign-in, API tokens, users and organizations (/api/v1/...).
#pragma once

#include "api/routes.h"
#include "api/signin.h"

namespace relish::api {

struct IdentityApiOptions {
  bool secure_cookies = false;  // set when the public URL is https
};

// Sign-ins and user creation check and hash passwords through `signin` (throttled, on its
// password pool); `signin` must outlive the server.
void AddIdentityRoutes(Routes& routes, SignIn& signin, IdentityApiOptions options);

}  // namespace relish::api
