#include "crm/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace relish::crm {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

int Num(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::string Quote(const Json& value) {
  std::string s = value.is_string() ? value.get<std::string>() : value.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return "'" + s + "'";
}

Error Bad(const Field& field, const Json& value, std::string_view expected) {
  return InvalidArgument(field.api_name + ": " + Quote(value) + " is not " + std::string(expected));
}

bool IsEmpty(const Json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_array() && v.empty());
}

bool ValidEmail(std::string_view e) {
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(e.begin(), e.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',' ||
           c == '"' || c == '(' || c == ')' || c == ';';
  });
}

bool ValidPhone(std::string_view p) {
  bool digit = false;
  for (char c : p) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (std::string_view(" +-().x#*/").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digit;
}

// A number from a JSON number or a numeric string.
std::optional<double> AsDouble(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

std::optional<int64_t> AsInteger(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

// The id in a lookup or owner value: "123", 123 or {"id":"123", ...}.
std::optional<std::string> ReferenceId(const Json& v) {
  const Json* id = &v;
  if (v.is_object()) {
    auto it = v.find("id");
    if (it == v.end()) return std::nullopt;
    id = &*it;
  }
  if (id->is_string() && !id->get_ref<const std::string&>().empty()) return id->get<std::string>();
  if (id->is_number_unsigned() || id->is_number_integer()) return id->dump();
  return std::nullopt;
}

std::optional<std::string> MatchOption(const Field& field, std::string_view value) {
  for (const auto& o : field.options) {
    if (o == value) return o;
  }
  for (const auto& o : field.options) {
    if (FoldCase(o) == FoldCase(value)) return o;
  }
  return std::nullopt;
}

std::string OptionList(const Field& field) {
  std::string out;
  for (const auto& o : field.options) out += (out.empty() ? "" : ", ") + o;
  return out;
}

// Splits "a;b" (multi-select) or "a,b" (tags) when a list arrives as one string.
std::vector<std::string> SplitList(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

Result<Json> TextValue(const Field& field, const Json& value) {
  std::string s;
  if (value.is_string()) {
    s = value.get<std::string>();
  } else if (value.is_number()) {
    s = value.dump();
  } else {
    return Bad(field, value, "text");
  }
  if (s.size() > MaxLength(field)) {
    return InvalidArgument(field.api_name + ": the value is " + std::to_string(s.size()) +
                           " characters long; at most " + std::to_string(MaxLength(field)) +
                           " are allowed");
  }
  if (field.type == FieldType::kText && s.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument(field.api_name + ": a single-line text field cannot hold line breaks");
  }
  return Json(s);
}

}  // namespace

bool IsDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  if (!AllDigits(t.substr(0, 4)) || !AllDigits(t.substr(5, 2)) || !AllDigits(t.substr(8, 2))) {
    return false;
  }
  int y = Num(t.substr(0, 4)), m = Num(t.substr(5, 2)), d = Num(t.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  return d <= max;
}

std::optional<int64_t> ParseDateTime(std::string_view t) {
  if (t.size() < 20 || !IsDate(t.substr(0, 10)) || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  if (!AllDigits(t.substr(11, 2)) || !AllDigits(t.substr(14, 2)) || !AllDigits(t.substr(17, 2))) {
    return std::nullopt;
  }
  int hh = Num(t.substr(11, 2)), mm = Num(t.substr(14, 2)), ss = Num(t.substr(17, 2));
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  std::string_view zone = t.substr(19);
  int offset_minutes = 0;
  if (zone == "Z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             AllDigits(zone.substr(1, 2)) && AllDigits(zone.substr(4, 2))) {
    int oh = Num(zone.substr(1, 2)), om = Num(zone.substr(4, 2));
    if (oh > 14 || om > 59) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(Num(t.substr(0, 4)), static_cast<unsigned>(Num(t.substr(5, 2))),
                               static_cast<unsigned>(Num(t.substr(8, 2))));
  int64_t seconds = days * 86400 + hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  return seconds * 1000;
}

std::string FormatDateTime(int64_t epoch_ms) {
  int64_t seconds = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rest = seconds - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld+00:00",
                static_cast<long long>(y), m, d, static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return buf;
}

size_t MaxLength(const Field& field) {
  if (field.max_length > 0) return static_cast<size_t>(field.max_length);
  switch (field.type) {
    case FieldType::kLongText:
      return 32000;
    case FieldType::kEmail:
      return 100;
    case FieldType::kPhone:
      return 30;
    default:
      return 255;
  }
}

std::string FoldCase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<Json> NormalizeValue(const Field& field, const Json& value) {
  if (IsEmpty(value) && field.type != FieldType::kBoolean) return Json();
  switch (field.type) {
    case FieldType::kText:
    case FieldType::kLongText:
      return TextValue(field, value);
    case FieldType::kEmail: {
      if (!value.is_string()) return Bad(field, value, "an email address");
      std::string e = value.get<std::string>();
      while (!e.empty() && e.back() == ' ') e.pop_back();
      while (!e.empty() && e.front() == ' ') e.erase(e.begin());
      if (!ValidEmail(e)) return Bad(field, value, "an email address like name@example.com");
      if (e.size() > MaxLength(field))
        return Bad(field, value, "an email address of at most 100 characters");
      return Json(e);
    }
    case FieldType::kPhone: {
      auto text = TextValue(field, value);
      if (!text.ok()) return text;
      if (!ValidPhone(text->get_ref<const std::string&>())) {
        return Bad(field, value, "a phone number (digits, spaces and + - ( ) . x)");
      }
      return text;
    }
    case FieldType::kNumber: {
      auto n = AsInteger(value);
      if (!n) return Bad(field, value, "a whole number");
      return Json(*n);
    }
    case FieldType::kDecimal: {
      auto n = AsDouble(value);
      if (!n) return Bad(field, value, "a number");
      return Json(*n);
    }
    case FieldType::kCurrency: {
      auto n = AsDouble(value);
      if (!n) return Bad(field, value, "an amount of money");
      return Json(std::round(*n * 100) / 100);
    }
    case FieldType::kDate:
      if (!value.is_string() || !IsDate(value.get_ref<const std::string&>())) {
        return Bad(field, value, "a date in the form 2024-01-31");
      }
      return value;
    case FieldType::kDateTime:
      if (!value.is_string() || !ParseDateTime(value.get_ref<const std::string&>())) {
        return Bad(field, value, "a date-time in the form 2024-01-31T10:20:30+05:30");
      }
      return value;
    case FieldType::kBoolean:
      if (value.is_null()) return Json(false);
      if (value.is_boolean()) return value;
      if (value == "true") return Json(true);
      if (value == "false") return Json(false);
      return Bad(field, value, "true or false");
    case FieldType::kPicklist: {
      if (!value.is_string()) return Bad(field, value, "one of: " + OptionList(field));
      if (value == "-None-") return Json();
      auto option = MatchOption(field, value.get_ref<const std::string&>());
      if (!option) return Bad(field, value, "one of: " + OptionList(field));
      return Json(*option);
    }
    case FieldType::kMultiSelect: {
      std::vector<std::string> items;
      if (value.is_string()) {
        items = SplitList(value.get<std::string>(), ';');
      } else if (value.is_array()) {
        for (const auto& v : value) {
          if (!v.is_string()) return Bad(field, value, "a list of: " + OptionList(field));
          items.push_back(v.get<std::string>());
        }
      } else {
        return Bad(field, value, "a list of: " + OptionList(field));
      }
      Json out = Json::array();
      std::set<std::string> seen;
      for (const auto& item : items) {
        auto option = MatchOption(field, item);
        if (!option) return Bad(field, Json(item), "one of: " + OptionList(field));
        if (seen.insert(*option).second) out.push_back(*option);
      }
      return out.empty() ? Json() : out;
    }
    case FieldType::kLookup:
    case FieldType::kOwner: {
      auto id = ReferenceId(value);
      if (!id) {
        return Bad(field, value,
                   field.type == FieldType::kOwner ? "a user ({\"id\":\"...\"})"
                                                   : "a record id ({\"id\":\"...\"})");
      }
      if (field.type == FieldType::kLookup && (!AllDigits(*id) || id->size() > 19)) {
        return Bad(field, value, "a record id of up to 19 digits");
      }
      return Json(*id);
    }
    case FieldType::kTag: {
      std::vector<std::string> names;
      if (value.is_string()) {
        names = SplitList(value.get<std::string>(), ',');
      } else if (value.is_array()) {
        for (const auto& v : value) {
          if (v.is_string()) {
            names.push_back(v.get<std::string>());
          } else if (v.is_object() && v.contains("name") && v["name"].is_string()) {
            names.push_back(v["name"].get<std::string>());
          } else {
            return Bad(field, value, "a list of tags ([{\"name\":\"...\"}])");
          }
        }
      } else {
        return Bad(field, value, "a list of tags ([{\"name\":\"...\"}])");
      }
      Json out = Json::array();
      std::set<std::string> seen;
      for (const auto& n : names) {
        if (n.empty() || n.size() > 25) return Bad(field, Json(n), "a tag of 1 to 25 characters");
        if (seen.insert(FoldCase(n)).second) out.push_back(n);
      }
      return out.empty() ? Json() : out;
    }
  }
  return Internal("unhandled field type");
}

}  // namespace relish::crm
