// Common and conversion functions that apply to every type (reference §3.7,
// docs/language/builtins.md#common), file functions, and functions without a receiver (ifnull,
// randomNumber).
#include <cmath>

#include "deluge/builtins.h"
#include "deluge/datetime.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

bool Empty(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return true;
    case Type::kText:
      return v.text().empty();
    case Type::kList:
      return v.list()->items.empty();
    case Type::kMap:
      return v.map()->map.empty();
    case Type::kCollection:
      return Empty(v.collection()->inner);
    default:
      return false;
  }
}

// isNull: null, or empty text (Zoho: isNull("") is true, isNull(" ") is false).
FN(IsNull) { return Value::Bool(self.is_null() || (self.is_text() && self.text().empty())); }
FN(IsEmpty) { return Value::Bool(Empty(self)); }

FN(ToStringFn) {
  if (self.is_text()) return self;
  std::string s;
  if (!in.Display(self, s)) return Value::Abort();
  return in.MakeText(s);
}

FN(Equals) {
  bool equal = false;
  if (!ValuesIdentical(in, self, args[0], equal)) return Value::Abort();
  return Value::Bool(equal);
}

FN(IsNumber) {
  Value n;
  return Value::Bool(ToNumberValue(self, n));
}
FN(IsDecimal) {
  Value n;
  return Value::Bool(ToNumberValue(self, n) && n.is_decimal());
}
FN(IsText) { return Value::Bool(self.is_text()); }
FN(IsFile) { return Value::Bool(self.is_file()); }
FN(IsDate) {
  if (self.is_date()) return Value::Bool(true);
  return Value::Bool(self.is_text() && ParseDateText(self.text(), in.zone()).has_value());
}
FN(IsList) { return Value::Bool(self.is_list()); }
FN(IsMap) { return Value::Bool(self.is_map()); }

// ---- files ----
FN(FileName) { return in.MakeText(self.file()->name); }
FN(FileSize) { return Value::Int(static_cast<int64_t>(self.file()->bytes.size())); }
FN(FileContent) { return in.MakeText(self.file()->bytes); }
FN(FileType) { return Value::Text(self.file()->content_type); }
FN(SetFileName) {
  std::string name;
  if (!ArgText(in, args[0], "setFileName", name)) return Value::Abort();
  self.file()->name = name;
  return Value();
}

// ---- files as invokeurl uploads them (issue 17) ----
// setParamName(name): the multipart part the file is sent as by invokeurl's `files`.
FN(SetParamName) {
  std::string name;
  if (!ArgText(in, args[0], "setParamName", name)) return Value::Abort();
  self.file()->param_name = name;
  return Value();
}

// ---- no receiver ----

// ifnull(value, fallback): the fallback when the value is null (or empty text, as isNull).
FN(IfNull) {
  if (args[0].is_null() || (args[0].is_text() && args[0].text().empty())) return args[1];
  return args[0];
}

// randomNumber(start, end): start <= n < end; a decimal when either bound is one.
FN(RandomNumber) {
  Value lo;
  Value hi;
  if (!ToNumberValue(args[0], lo) || !ToNumberValue(args[1], hi)) {
    return in.Fail(Msg::kCastError,
                   {TypeName(args[0].is_number() ? args[1].type() : args[0].type()), "NUMBER",
                    "randomNumber"});
  }
  uint64_t r = in.host().random().Next64();
  if (lo.is_int() && hi.is_int()) {
    int64_t a = lo.AsInt();
    int64_t b = hi.AsInt();
    if (b <= a) return in.Fail(Msg::kBadArgument, {"randomNumber", "end must be above start"});
    uint64_t span = static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(a) + r % span));
  }
  double a = lo.AsDouble();
  double b = hi.AsDouble();
  if (!(b > a)) return in.Fail(Msg::kBadArgument, {"randomNumber", "end must be above start"});
  double unit = static_cast<double>(r >> 11) / 9007199254740992.0;  // [0, 1)
  return Value::Decimal(a + (b - a) * unit);
}

#undef FN

constexpr Builtin kCommon[] = {
    {"isNull", 0, 0, IsNull, "common"},       {"isEmpty", 0, 0, IsEmpty, "common"},
    {"toString", 0, 1, ToStringFn, "common"}, {"toText", 0, 1, ToStringFn, "common"},
    {"equals", 1, 1, Equals, "common"},       {"isNumber", 0, 0, IsNumber, "common"},
    {"isDecimal", 0, 0, IsDecimal, "common"}, {"isText", 0, 0, IsText, "common"},
    {"isFile", 0, 0, IsFile, "common"},       {"isDate", 0, 0, IsDate, "common"},
    {"isList", 0, 0, IsList, "common"},       {"isMap", 0, 0, IsMap, "common"},
};

constexpr Builtin kFile[] = {
    {"getFileName", 0, 0, FileName, "file"},       {"getFileSize", 0, 0, FileSize, "file"},
    {"getFileContent", 0, 0, FileContent, "file"}, {"getFileType", 0, 0, FileType, "file"},
    {"setFileName", 1, 1, SetFileName, "file"},
    {"setParamName", 1, 1, SetParamName, "file"},
};

constexpr Builtin kGlobal[] = {
    {"ifnull", 2, 2, IfNull, "common"},
    {"randomNumber", 2, 2, RandomNumber, "number"},
};

}  // namespace

std::span<const Builtin> CommonMethods() { return kCommon; }
std::span<const Builtin> FileMethods() { return kFile; }
std::span<const Builtin> GlobalFunctions() { return kGlobal; }

}  // namespace relish::deluge
