#include "deluge/format.h"

#include <charconv>
#include <cmath>

#include "deluge/datetime.h"

namespace relish::deluge {
namespace {

bool Json(std::string& out, const Value& v, int depth, size_t max);

void AppendScalar(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      out += "null";
      break;
    case Type::kBool:
      out += v.AsBool() ? "true" : "false";
      break;
    case Type::kInt:
      out += FormatInt(v.AsInt());
      break;
    case Type::kDecimal:
      out += FormatDecimal(v.AsDecimal());
      break;
    case Type::kDate:
      out += FormatDefault(v.AsMillis(), false);
      break;
    case Type::kDateTime:
      out += FormatDefault(v.AsMillis(), true);
      break;
    case Type::kText:
      out += v.text();
      break;
    case Type::kFile:
      out += v.file()->name;
      break;
    default:
      break;
  }
}

bool JsonList(std::string& out, const ListObj* list, int depth, size_t max) {
  out += '[';
  bool first = true;
  for (const Value& item : list->items) {
    if (!first) out += ',';
    first = false;
    if (!Json(out, item, depth + 1, max)) return false;
  }
  out += ']';
  return true;
}

bool JsonMap(std::string& out, const MapObj* map, int depth, size_t max) {
  out += '{';
  bool first = true;
  for (const auto& e : map->map.entries()) {
    if (e.key.is_null()) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, e.key.text());
    out += ':';
    if (!Json(out, e.value, depth + 1, max)) return false;
  }
  out += '}';
  return true;
}

bool Json(std::string& out, const Value& v, int depth, size_t max) {
  if (depth > kMaxNesting || out.size() > max) return false;
  switch (v.type()) {
    case Type::kText:
      AppendJsonString(out, v.text());
      return true;
    case Type::kDate:
    case Type::kDateTime:
    case Type::kFile: {
      std::string s;
      AppendScalar(s, v);
      AppendJsonString(out, s);
      return true;
    }
    case Type::kDecimal:
      if (!std::isfinite(v.AsDecimal())) {
        out += "null";
        return true;
      }
      AppendScalar(out, v);
      return true;
    case Type::kList:
      return JsonList(out, v.list(), depth, max);
    case Type::kMap:
      return JsonMap(out, v.map(), depth, max);
    case Type::kCollection: {
      const Value& inner = v.collection()->inner;
      if (inner.is_null()) {
        out += "[]";
        return true;
      }
      return Json(out, inner, depth, max);
    }
    default:
      AppendScalar(out, v);
      return true;
  }
}

bool Display(std::string& out, const Value& v, int depth, size_t max) {
  if (depth > kMaxNesting || out.size() > max) return false;
  switch (v.type()) {
    case Type::kList: {
      bool first = true;
      for (const Value& item : v.list()->items) {
        if (!first) out += ',';
        first = false;
        bool ok = (item.is_list() || item.is_map() || item.is_collection())
                      ? Json(out, item, depth + 1, max)
                      : Display(out, item, depth + 1, max);
        if (!ok) return false;
      }
      return true;
    }
    case Type::kMap:
      return JsonMap(out, v.map(), depth, max);
    case Type::kCollection: {
      const Value& inner = v.collection()->inner;
      return inner.is_null() || Display(out, inner, depth, max);
    }
    default:
      AppendScalar(out, v);
      return true;
  }
}

}  // namespace

std::string FormatInt(int64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

std::string FormatDecimal(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  if (value == 0) return "0.0";
  char buf[400];
  double mag = std::fabs(value);
  if (mag >= 1e-7 && mag < 1e21) {
    auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // "1e+21", "1.5e-08"
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exp = std::stoi(s.substr(e + 1));
  return mantissa + "E" + std::to_string(exp);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

bool AppendDisplay(std::string& out, const Value& value, size_t max_bytes) {
  return Display(out, value, 0, max_bytes) && out.size() <= max_bytes;
}
bool AppendJson(std::string& out, const Value& value, size_t max_bytes) {
  return Json(out, value, 0, max_bytes) && out.size() <= max_bytes;
}

}  // namespace relish::deluge
