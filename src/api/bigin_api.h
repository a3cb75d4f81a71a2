// The CRM's REST API in Bigin's shapes under /bigin/v2: records (bigin_records.h), search,
// settings (modules, fields), users and the organization. Every call is authenticated by an
// access token from Relish's OAuth server, sent as "Authorization: Zoho-oauthtoken <token>" (or
// "Bearer <token>"); the token decides the organization and the environment, and its scopes
// are checked on every call.
#pragma once

#include "crm/crm.h"
#include "identity/identity.h"
#include "identity/oauth_server.h"
#include "server/router.h"

namespace relish::api {

struct BiginApiDeps {
  crm::Crm& crm;
  identity::Identity& identity;
  identity::OAuthServer& oauth;
};

void AddBiginRoutes(server::Router& router, BiginApiDeps deps);

}  // namespace relish::api
