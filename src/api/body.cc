#include "api/body.h"

namespace relish::api {
namespace {

using server::Json;

// The member `name` of `body`, or nullptr when absent or null.
const Json* Member(const Json& body, std::string_view name) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(std::string(name));
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

}  // namespace

Result<std::string> RequiredText(const Json& body, std::string_view name) {
  const Json* v = Member(body, name);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    return InvalidArgument(Quoted(name) + " is required and must be a string");
  }
  return v->get<std::string>();
}

Result<std::string> OptionalText(const Json& body, std::string_view name) {
  const Json* v = Member(body, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return InvalidArgument(Quoted(name) + " must be a string");
  return v->get<std::string>();
}

Result<bool> OptionalBool(const Json& body, std::string_view name) {
  const Json* v = Member(body, name);
  if (v == nullptr) return false;
  if (!v->is_boolean()) return InvalidArgument(Quoted(name) + " must be true or false");
  return v->get<bool>();
}

Result<std::vector<std::string>> TextList(const Json& body, std::string_view name, bool required) {
  const Json* v = Member(body, name);
  if (v == nullptr) {
    if (required) return InvalidArgument(Quoted(name) + " is required: a list of strings");
    return std::vector<std::string>();
  }
  std::vector<std::string> out;
  if (!v->is_array()) return InvalidArgument(Quoted(name) + " must be a list of strings");
  for (const auto& item : *v) {
    if (!item.is_string()) return InvalidArgument(Quoted(name) + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> TextMap(const Json& body, std::string_view name) {
  const Json* v = Member(body, name);
  std::map<std::string, std::string> out;
  if (v == nullptr) return out;
  if (!v->is_object()) return InvalidArgument(Quoted(name) + " must be an object of strings");
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) return InvalidArgument("'" + std::string(name) + "." + k + "' must be a string");
    out[k] = item.get<std::string>();
  }
  return out;
}

}  // namespace relish::api
