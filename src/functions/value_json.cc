#include "functions/value_json.h"

#include <cmath>
#include <string>

#include "deluge/datetime.h"
#include "deluge/json.h"

namespace relish::functions {
namespace {

using deluge::Type;
using deluge::Value;

Result<Json> Convert(const Value& v, const deluge::Zone& zone, int depth) {
  if (depth > kMaxJsonDepth) {
    return InvalidArgument("the value nests deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  switch (v.type()) {
    case Type::kNull:
    case Type::kAbort:
      return Json();
    case Type::kBool:
      return Json(v.AsBool());
    case Type::kInt:
      return Json(v.AsInt());
    case Type::kDecimal:
      return std::isfinite(v.AsDecimal()) ? Json(v.AsDecimal()) : Json();
    case Type::kDate:
      return Json(deluge::FormatPattern(v.AsMillis(), "yyyy-MM-dd", zone));
    case Type::kDateTime:
      return Json(deluge::FormatPattern(v.AsMillis(), "yyyy-MM-dd'T'HH:mm:ssXXX", zone));
    case Type::kText:
      return Json(std::string(v.text()));
    case Type::kFile:
      return Json(v.file()->name);
    case Type::kList: {
      Json out = Json::array();
      for (const Value& item : v.list()->items) out.push_back(TRY(Convert(item, zone, depth + 1)));
      return out;
    }
    case Type::kMap: {
      Json out = Json::object();
      for (const auto& e : v.map()->map.entries()) {
        if (e.key.is_null()) continue;  // a removed entry
        out[std::string(e.key.text())] = TRY(Convert(e.value, zone, depth + 1));
      }
      return out;
    }
    case Type::kCollection: {
      const Value& inner = v.collection()->inner;
      if (inner.is_null()) return Json::array();
      return Convert(inner, zone, depth);
    }
  }
  return Json();
}

}  // namespace

Result<Json> ToApiJson(const Value& value, std::string_view time_zone) {
  deluge::Zone zone = deluge::Zone::Find(time_zone).value_or(deluge::Zone::Utc());
  return Convert(value, zone, 0);
}

Result<Value> FromApiJson(const Json& json, deluge::Heap& heap) {
  Value out;
  std::string error;
  if (!deluge::ParseJson(json.dump(-1, ' ', false, Json::error_handler_t::replace), heap, out,
                         error)) {
    return Internal("cannot turn the API's answer into a Deluge value: " + error);
  }
  return out;
}

}  // namespace relish::functions
