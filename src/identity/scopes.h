// OAuth scopes of the CRM's REST API, in Zoho Bigin's names, so toppings and connections written
// for Bigin ask for the same strings:
//
//   ZohoBigin.modules.ALL                       every operation on every module
//   ZohoBigin.modules.READ (CREATE, UPDATE, DELETE, WRITE)   one operation on every module
//   ZohoBigin.modules.contacts.ALL (READ, ...)  one module (any letter case; "companies" is an
//                                               alias of accounts, "deals" of pipelines)
//   ZohoBigin.settings.ALL / .READ, ZohoBigin.settings.fields.READ, ...   the settings API
//   ZohoBigin.users.ALL / .READ                 the users API
//   ZohoBigin.org.ALL / .READ                   the organization API
//   ZohoSearch.securesearch.READ / .ALL         accepted (Bigin asks it for search); grants nothing
//
// WRITE means CREATE and UPDATE; ALL means READ, CREATE, UPDATE and DELETE. The service and
// operation parts match in any letter case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace relish::identity {

enum class ScopeArea { kModules, kSettings, kUsers, kOrg, kSearch };

enum ScopeOp : unsigned {
  kScopeRead = 1,
  kScopeCreate = 2,
  kScopeUpdate = 4,
  kScopeDelete = 8,
  kScopeAll = 15,
};

struct ParsedScope {
  std::string text;  // as given
  ScopeArea area = ScopeArea::kModules;
  std::string resource;  // lower-case module (modules) or settings part; empty: all
  unsigned ops = 0;
};

// kInvalidArgument ("unknown scope 'x'") for anything else.
Result<ParsedScope> ParseScope(std::string_view text);

// Splits a scope parameter on ',' and ' ' (Zoho uses commas, RFC 6749 spaces), drops empty and
// repeated entries, and checks each. Empty input gives an empty list.
Result<std::vector<std::string>> ParseScopeList(std::string_view text);

// True when `granted` allows everything `wanted` allows.
bool Covers(const ParsedScope& granted, const ParsedScope& wanted);
// True when every scope in `wanted` is covered by one in `granted`.
bool CoversAll(const std::vector<std::string>& granted, const std::vector<std::string>& wanted);

// Whether scopes allow an operation: on a module (its API name, any case), or on an area's
// `resource` (settings: "modules", "fields"; users and org: empty).
bool AllowsModule(const std::vector<std::string>& granted, std::string_view module, ScopeOp op);
bool AllowsArea(const std::vector<std::string>& granted, ScopeArea area, std::string_view resource,
                ScopeOp op);

// A sentence for the consent page: "Read, create, update and delete records in every module".
std::string DescribeScope(const ParsedScope& scope);

// The scopes listed in the discovery document.
std::vector<std::string> SupportedScopes();

}  // namespace relish::identity
