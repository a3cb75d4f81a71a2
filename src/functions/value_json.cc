#include "functions/value_json.h"

#include <cmath>
#include <string>

#include "deluge/datetime.h"
#include "deluge/json.h"
#include "deluge/limits.h"

namespace relish::functions {
namespace {

using deluge::Type;
using deluge::Value;

// `bytes` estimates the JSON text's size as the value is converted.
Result<Json> Convert(const Value& v, const deluge::Zone& zone, int depth, size_t& bytes) {
  if (depth > kMaxJsonDepth) {
    return InvalidArgument("the value nests deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  bytes += 8 + (v.is_text() ? v.text().size() : 0);
  if (bytes > kMaxApiJsonBytes) {
    return InvalidArgument("the value is larger than " +
                           std::to_string(kMaxApiJsonBytes / (1024 * 1024)) + " MB as JSON");
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
      for (const Value& item : v.list()->items) {
        out.push_back(TRY(Convert(item, zone, depth + 1, bytes)));
      }
      return out;
    }
    case Type::kMap: {
      Json out = Json::object();
      for (const auto& e : v.map()->map.entries()) {
        if (e.key.is_null()) continue;  // a removed entry
        bytes += e.key.text().size();
        out[std::string(e.key.text())] = TRY(Convert(e.value, zone, depth + 1, bytes));
      }
      return out;
    }
    case Type::kCollection: {
      const Value& inner = v.collection()->inner;
      if (inner.is_null()) return Json::array();
      return Convert(inner, zone, depth, bytes);
    }
  }
  return Json();
}

// nlohmann's DOM builder, refusing containers nested deeper than deluge::kMaxNesting before it
// opens them (the parser itself does not recurse).
class BoundedDom {
 public:
  using Dom = nlohmann::detail::json_sax_dom_parser<Json>;
  explicit BoundedDom(Json& out) : dom_(out, /*allow_exceptions=*/false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool b) { return dom_.boolean(b); }
  bool number_integer(Json::number_integer_t n) { return dom_.number_integer(n); }
  bool number_unsigned(Json::number_unsigned_t n) { return dom_.number_unsigned(n); }
  bool number_float(Json::number_float_t d, const Json::string_t& s) {
    return dom_.number_float(d, s);
  }
  bool string(Json::string_t& s) { return dom_.string(s); }
  bool binary(Json::binary_t& b) { return dom_.binary(b); }
  bool start_object(std::size_t n) { return Open() && dom_.start_object(n); }
  bool key(Json::string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return Open() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& ex) {
    return dom_.parse_error(position, token, ex);
  }

  bool too_deep() const { return too_deep_; }

 private:
  bool Open() {
    if (depth_ >= deluge::kMaxNesting) {
      too_deep_ = true;
      return false;
    }
    ++depth_;
    return true;
  }

  Dom dom_;
  int depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

Result<Json> ToApiJson(const Value& value, std::string_view time_zone) {
  deluge::Zone zone = deluge::Zone::Find(time_zone).value_or(deluge::Zone::Utc());
  size_t bytes = 0;
  return Convert(value, zone, 0, bytes);
}

Result<Json> ParseApiJson(std::string_view text) {
  Json out;
  BoundedDom dom(out);
  bool ok = Json::sax_parse(text.begin(), text.end(), &dom, nlohmann::detail::input_format_t::json,
                            /*strict=*/true);
  if (dom.too_deep()) {
    // Drop what was built without recursing through it (nlohmann's destructor is iterative).
    return InvalidArgument("JSON nested more than " + std::to_string(deluge::kMaxNesting) +
                           " levels deep");
  }
  if (!ok || out.is_discarded()) return InvalidArgument("not JSON");
  return out;
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
