#include "cli/answer.h"

#include <cstdio>
#include <ctime>
#include <limits>

namespace relish::cli {

std::string_view KindOf(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "true or false";
    case Json::value_t::null:
      return "null";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string UtcTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[8];
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[++i]));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Field::Name() const { return path_.empty() ? "the answer" : "'" + path_ + "'"; }

Error Field::WrongKind(std::string_view wanted) const {
  return Internal(Name() + " is " + std::string(KindOf(*json_)) + ", not " + std::string(wanted));
}

Result<void> Field::ExpectObject() const {
  if (!json_->is_object()) return WrongKind("an object");
  return Ok();
}

Result<Field> Field::Get(std::string_view key) const {
  TRY(ExpectObject());
  auto it = json_->find(key);
  if (it == json_->end()) return Internal(Name() + " has no '" + std::string(key) + "'");
  return Field(&*it, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

bool Field::Has(std::string_view key) const {
  if (!json_->is_object()) return false;
  auto it = json_->find(key);
  return it != json_->end() && !it->is_null();
}

Result<std::string> Field::AsString() const {
  if (!json_->is_string()) return WrongKind("a string");
  return json_->get_ref<const std::string&>();
}

Result<std::string> Field::String(std::string_view key) const {
  return TRY(Get(key)).AsString();
}

Result<std::string> Field::OptionalString(std::string_view key) const {
  TRY(ExpectObject());
  if (!Has(key)) return std::string();
  return TRY(Get(key)).AsString();
}

Result<int64_t> Field::Int(std::string_view key) const {
  Field f = TRY(Get(key));
  const Json& j = *f.json_;
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<int64_t>();
  if (j.is_number_unsigned() &&
      j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(j.get<uint64_t>());
  }
  if (j.is_number()) return Internal(f.Name() + " is " + DumpJson(j) + ", not a whole number");
  return f.WrongKind("a whole number");
}

Result<bool> Field::Bool(std::string_view key) const {
  Field f = TRY(Get(key));
  if (!f.json_->is_boolean()) return f.WrongKind("true or false");
  return f.json_->get<bool>();
}

Result<std::vector<Field>> Field::List(std::string_view key) const {
  Field f = TRY(Get(key));
  if (!f.json_->is_array()) return f.WrongKind("a list");
  std::vector<Field> items;
  items.reserve(f.json_->size());
  size_t i = 0;
  for (const Json& item : *f.json_) {
    items.push_back(Field(&item, f.path_ + "[" + std::to_string(i++) + "]"));
  }
  return items;
}

Result<std::vector<std::string>> Field::Strings(std::string_view key) const {
  std::vector<std::string> out;
  for (const Field& item : TRY(List(key))) out.push_back(TRY(item.AsString()));
  return out;
}

std::string Field::Show(std::string_view key) const {
  if (!Has(key)) return "";
  const Json& j = *json_->find(key);
  return j.is_string() ? j.get_ref<const std::string&>() : DumpJson(j);
}

}  // namespace relish::cli
