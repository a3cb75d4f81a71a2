// REST endpoints for sign-in, API tokens, users and organizations (/api/v1/...).
#pragma once

#include "api/auth.h"
#include "server/router.h"

namespace relish::api {

struct IdentityApiOptions {
  bool secure_cookies = false;  // set when the public URL is https
};

void AddIdentityRoutes(server::Router& router, const Auth& auth, IdentityApiOptions options);

}  // namespace relish::api
