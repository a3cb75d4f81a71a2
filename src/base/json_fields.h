// Reading fields of JSON that Relish did not write: upstream answers (token endpoints, discovery
// documents, the CRM's own API seen from a task) and request bodies. nlohmann's value() and
// get<>() throw when a member has a type they did not expect, and a provider that answers
// {"error_description": 42} must get a clear error, not an exception; so such JSON is read
// through these, which never throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relish {

// The text of `object[key]` when `object` is an object and that member is a string; nullopt
// when it is absent or of another type. `Json` is nlohmann::json or nlohmann::ordered_json.
template <typename Json>
std::optional<std::string> TextField(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(std::string(key));
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->template get<std::string>();
}

// The same, with `fallback` for a member that is absent or not a string.
template <typename Json>
std::string TextFieldOr(const Json& object, std::string_view key, std::string fallback = {}) {
  auto text = TextField(object, key);
  return text ? std::move(*text) : std::move(fallback);
}

}  // namespace relish
