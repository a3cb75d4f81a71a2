// Fields of a JSON request body, read with checks. A required field that is missing, or a field
// of the wrong type, is a kInvalidArgument naming it; nothing here throws (nlohmann's own
// accessors do, on a type they did not expect). Every handler reads its body through these.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "server/json.h"

namespace relish::api {

// Present, a string, and not empty: "'email' is required and must be a string" otherwise.
Result<std::string> RequiredText(const server::Json& body, std::string_view name);
// "" when absent or null; "'name' must be a string" when of another type.
Result<std::string> OptionalText(const server::Json& body, std::string_view name);
// false when absent or null; "'per_user' must be true or false" when of another type.
Result<bool> OptionalBool(const server::Json& body, std::string_view name);
// A list of strings; empty when absent and not `required`.
Result<std::vector<std::string>> TextList(const server::Json& body, std::string_view name,
                                          bool required = false);
// An object whose members are strings; empty when absent.
Result<std::map<std::string, std::string>> TextMap(const server::Json& body, std::string_view name);

}  // namespace relish::api
