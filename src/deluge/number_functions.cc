// Number functions (whole numbers and decimals): reference §3.2,
// docs/language/builtins.md#number. Rounding works on the decimal digits a value prints as, so
// 1.005.round(2) is 1.01 as a Deluge user expects, not 1.0 as binary floating point would give.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "deluge/builtins.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

// x rounded half away from zero (or truncated) to `places` decimals, computed on the shortest
// decimal form of x. Negative places round left of the point.
double DecimalRound(double x, int places, bool truncate) {
  if (!std::isfinite(x) || x == 0) return x;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  std::string s(buf, r.ptr);  // "d.dddde+XX"
  size_t e = s.find('e');
  int exp10 = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  // digits[i] has place value 10^(exp10 - i); keep those >= 10^(-places).
  long keep = static_cast<long>(exp10) + places + 1;
  if (keep >= static_cast<long>(digits.size())) return x;
  std::string kept;
  int result_exp = 0;  // value = kept * 10^result_exp
  if (keep < 0) return x < 0 ? -0.0 : 0.0;
  kept = digits.substr(0, static_cast<size_t>(keep));
  result_exp = exp10 - static_cast<int>(keep) + 1;
  bool up = !truncate && digits[static_cast<size_t>(keep)] >= '5';
  if (up) {
    int i = static_cast<int>(kept.size()) - 1;
    while (i >= 0 && kept[static_cast<size_t>(i)] == '9') kept[static_cast<size_t>(i--)] = '0';
    if (i < 0) {
      kept.insert(kept.begin(), '1');
    } else {
      ++kept[static_cast<size_t>(i)];
    }
  }
  if (kept.empty()) kept = "0";
  std::string text = kept + "e" + std::to_string(result_exp);
  double v = std::strtod(text.c_str(), nullptr);
  return x < 0 ? -v : v;
}

bool IsWhole(double d) { return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18; }

// Java DecimalFormat, the subset Deluge scripts use: "#,##0.00", "000000000", "$#,##0.00",
// "0.###", with literal prefix and suffix. Extra decimals are truncated (docs/language/
// decisions.md).
std::string FormatPattern(const Value& v, std::string_view pattern) {
  size_t semi = pattern.find(';');
  if (semi != std::string_view::npos) pattern = pattern.substr(0, semi);
  size_t begin = pattern.find_first_of("#0,.");
  if (begin == std::string_view::npos) return std::string(pattern);
  size_t end = pattern.find_last_of("#0,.") + 1;
  std::string_view prefix = pattern.substr(0, begin);
  std::string_view number = pattern.substr(begin, end - begin);
  std::string_view suffix = pattern.substr(end);
  size_t dot = number.find('.');
  std::string_view int_part = number.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  int min_int = 0;
  for (char c : int_part) min_int += c == '0';
  size_t comma = int_part.rfind(',');
  int group = comma == std::string_view::npos ? 0 : static_cast<int>(int_part.size() - comma - 1);
  int min_frac = 0;
  int max_frac = 0;
  for (char c : frac_part) {
    if (c == '0') ++min_frac;
    if (c == '0' || c == '#') ++max_frac;
  }
  bool negative = false;
  std::string int_digits;
  std::string frac_digits;
  if (v.is_int()) {
    int64_t i = v.AsInt();
    negative = i < 0;
    uint64_t mag = negative ? 0ull - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
    int_digits = std::to_string(mag);
  } else {
    double d = DecimalRound(v.AsDouble(), max_frac, true);
    negative = d < 0;
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::fixed, max_frac);
    std::string s(buf, r.ptr);
    size_t p = s.find('.');
    int_digits = s.substr(0, p);
    if (p != std::string::npos) frac_digits = s.substr(p + 1);
  }
  while (static_cast<int>(frac_digits.size()) > min_frac && !frac_digits.empty() &&
         frac_digits.back() == '0') {
    frac_digits.pop_back();
  }
  while (static_cast<int>(frac_digits.size()) < min_frac) frac_digits += '0';
  if (int_digits == "0" && min_int == 0) int_digits.clear();
  while (static_cast<int>(int_digits.size()) < min_int) int_digits.insert(int_digits.begin(), '0');
  if (negative && int_digits.find_first_not_of('0') == std::string::npos &&
      frac_digits.find_first_not_of('0') == std::string::npos) {
    negative = false;  // no "-0"
  }
  std::string grouped;
  if (group > 0) {
    for (size_t i = 0; i < int_digits.size(); ++i) {
      if (i > 0 && (int_digits.size() - i) % static_cast<size_t>(group) == 0) grouped += ',';
      grouped += int_digits[i];
    }
  } else {
    grouped = int_digits;
  }
  std::string out;
  if (negative) out += '-';
  out += prefix;
  out += grouped;
  if (!frac_digits.empty()) {
    out += '.';
    out += frac_digits;
  }
  out += suffix;
  return out;
}

Value Num(double d) { return Value::Decimal(d); }

FN(Abs) {
  if (self.is_int()) {
    int64_t i = self.AsInt();
    return Value::Int(i < 0 ? static_cast<int64_t>(0ull - static_cast<uint64_t>(i)) : i);
  }
  return Num(std::fabs(self.AsDecimal()));
}

Value ToWhole(Interp& in, double d, std::string_view fn) {
  if (!IsWhole(d)) return in.Fail(Msg::kBadArgument, {fn, FormatDecimal(d)});
  return Value::Int(static_cast<int64_t>(d));
}
FN(Ceil) {
  if (self.is_int()) return self;
  return ToWhole(in, std::ceil(self.AsDecimal()), "ceil");
}
FN(Floor) {
  if (self.is_int()) return self;
  return ToWhole(in, std::floor(self.AsDecimal()), "floor");
}

// round(places) and truncate(places): whole number result when places <= 0.
Value RoundImpl(Interp& in, const Value& self, const Value* args, int argc, bool truncate) {
  int64_t places = 0;
  std::string_view fn = truncate ? "truncate" : "round";
  if (argc > 0 && !ArgInt(in, args[0], fn, places)) return Value::Abort();
  if (places > 20) places = 20;
  if (places < -20) places = -20;
  if (self.is_int()) {
    if (places >= 0) return self;
    double r = DecimalRound(static_cast<double>(self.AsInt()), static_cast<int>(places), truncate);
    return ToWhole(in, r, fn);
  }
  double r = DecimalRound(self.AsDecimal(), static_cast<int>(places), truncate);
  if (places <= 0) return ToWhole(in, r, fn);
  return Num(r);
}
FN(Round) { return RoundImpl(in, self, args, argc, false); }
FN(Truncate) { return RoundImpl(in, self, args, argc, true); }

FN(Frac) {
  if (self.is_int()) return Num(0);
  double d = self.AsDecimal();
  std::string s = FormatDecimal(std::fabs(d));
  size_t dot = s.find('.');
  if (!std::isfinite(d) || s.find('E') != std::string::npos || dot == std::string::npos) {
    return Num(d - std::trunc(d));
  }
  // The fractional digits as printed: frac(-25.1) is -0.1, not -0.10000000000000142.
  double f = std::strtod(("0" + s.substr(dot)).c_str(), nullptr);
  return Num(d < 0 ? -f : f);
}

FN(Signum) {
  double d = self.AsDouble();
  return Num(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
}

Value Math(Interp& in, const Value& self, double (*f)(double), std::string_view fn) {
  double r = f(self.AsDouble());
  if (std::isnan(r)) return in.Fail(Msg::kBadArgument, {fn, FormatDecimal(self.AsDouble())});
  return Num(r);
}
FN(Sqrt) {
  return Math(
      in, self, [](double x) { return std::sqrt(x); }, "sqrt");
}
FN(Exp) {
  return Math(
      in, self, [](double x) { return std::exp(x); }, "exp");
}
FN(Log) {
  if (self.AsDouble() <= 0)
    return in.Fail(Msg::kBadArgument, {"log", FormatDecimal(self.AsDouble())});
  return Num(std::log(self.AsDouble()));
}
FN(Sin) {
  return Math(
      in, self, [](double x) { return std::sin(x); }, "sin");
}
FN(Cos) {
  return Math(
      in, self, [](double x) { return std::cos(x); }, "cos");
}
FN(Tan) {
  return Math(
      in, self, [](double x) { return std::tan(x); }, "tan");
}
FN(Sinh) {
  return Math(
      in, self, [](double x) { return std::sinh(x); }, "sinh");
}
FN(Cosh) {
  return Math(
      in, self, [](double x) { return std::cosh(x); }, "cosh");
}
FN(Tanh) {
  return Math(
      in, self, [](double x) { return std::tanh(x); }, "tanh");
}
FN(Asin) {
  return Math(
      in, self, [](double x) { return std::asin(x); }, "asin");
}
FN(Acos) {
  return Math(
      in, self, [](double x) { return std::acos(x); }, "acos");
}
FN(Atan) {
  return Math(
      in, self, [](double x) { return std::atan(x); }, "atan");
}

FN(Power) {
  Value e;
  if (!ToNumberValue(args[0], e)) {
    return in.Fail(Msg::kCastError, {TypeName(args[0].type()), "NUMBER", "power"});
  }
  if (self.is_int() && e.is_int() && e.AsInt() >= 0) {
    // Exact while it fits; otherwise a decimal.
    double approx = std::pow(static_cast<double>(self.AsInt()), static_cast<double>(e.AsInt()));
    if (std::fabs(approx) < 9.0e18) {
      // By squaring: 1.power(9223372036854775807) fits, and multiplying once per unit of the
      // exponent would take centuries.
      uint64_t base = static_cast<uint64_t>(self.AsInt());
      uint64_t r = 1;
      for (uint64_t n = static_cast<uint64_t>(e.AsInt()); n > 0; n >>= 1) {
        if (n & 1) r *= base;
        base *= base;
      }
      return Value::Int(static_cast<int64_t>(r));
    }
    return Num(approx);
  }
  double r = std::pow(self.AsDouble(), e.AsDouble());
  if (std::isnan(r)) return in.Fail(Msg::kBadArgument, {"power", FormatDecimal(e.AsDouble())});
  return Num(r);
}

Value MinMax(Interp& in, const Value& self, const Value* args, bool max) {
  Value other;
  if (!ToNumberValue(args[0], other)) {
    return in.Fail(Msg::kCastError, {TypeName(args[0].type()), "NUMBER", max ? "max" : "min"});
  }
  bool self_wins = max ? self.AsDouble() >= other.AsDouble() : self.AsDouble() <= other.AsDouble();
  return self_wins ? self : other;
}
FN(Min) { return MinMax(in, self, args, false); }
FN(Max) { return MinMax(in, self, args, true); }

FN(IsEven) {
  if (self.is_int()) return Value::Bool(self.AsInt() % 2 == 0);
  return Value::Bool(IsWhole(self.AsDecimal()) && static_cast<int64_t>(self.AsDecimal()) % 2 == 0);
}
FN(IsOdd) {
  if (self.is_int()) return Value::Bool(self.AsInt() % 2 != 0);
  return Value::Bool(IsWhole(self.AsDecimal()) && static_cast<int64_t>(self.AsDecimal()) % 2 != 0);
}

FN(ToDecimal) { return Num(self.AsDouble()); }
FN(ToLong) {
  if (self.is_int()) return self;
  double d = std::trunc(self.AsDecimal());
  return ToWhole(in, d, "toLong");
}
FN(ToHex) {
  int64_t i = 0;
  if (!ArgInt(in, self, "toHex", i)) return Value::Abort();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, static_cast<uint64_t>(i), 16);
  return Value::Text(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

// toString([pattern]) and text(pattern).
FN(ToStringFn) {
  if (argc == 0 || args[0].is_null()) {
    std::string s;
    in.Display(self, s);
    return Value::Text(s);
  }
  std::string pattern;
  if (!ArgText(in, args[0], "toString", pattern)) return Value::Abort();
  return in.MakeText(FormatPattern(self, pattern));
}
FN(Text) {
  std::string pattern;
  if (!ArgText(in, args[0], "text", pattern)) return Value::Abort();
  return in.MakeText(FormatPattern(self, pattern));
}

#undef FN

constexpr Builtin kNumber[] = {
    {"abs", 0, 0, Abs, "number"},
    {"ceil", 0, 0, Ceil, "number"},
    {"floor", 0, 0, Floor, "number"},
    {"round", 0, 1, Round, "number"},
    {"truncate", 0, 1, Truncate, "number"},
    {"frac", 0, 0, Frac, "number"},
    {"signum", 0, 0, Signum, "number"},
    {"sqrt", 0, 0, Sqrt, "number"},
    {"power", 1, 1, Power, "number"},
    {"exp", 0, 0, Exp, "number"},
    {"log", 0, 0, Log, "number"},
    {"sin", 0, 0, Sin, "number"},
    {"cos", 0, 0, Cos, "number"},
    {"tan", 0, 0, Tan, "number"},
    {"sinh", 0, 0, Sinh, "number"},
    {"cosh", 0, 0, Cosh, "number"},
    {"tanh", 0, 0, Tanh, "number"},
    {"asin", 0, 0, Asin, "number"},
    {"acos", 0, 0, Acos, "number"},
    {"atan", 0, 0, Atan, "number"},
    {"min", 1, 1, Min, "number"},
    {"max", 1, 1, Max, "number"},
    {"isEven", 0, 0, IsEven, "number"},
    {"isOdd", 0, 0, IsOdd, "number"},
    {"toDecimal", 0, 0, ToDecimal, "number"},
    {"toLong", 0, 0, ToLong, "number"},
    {"toNumber", 0, 0, ToLong, "number"},
    {"toHex", 0, 0, ToHex, "number"},
    {"toString", 0, 1, ToStringFn, "number"},
    {"toText", 0, 1, ToStringFn, "number"},
    {"text", 1, 1, Text, "number"},
};

}  // namespace

std::span<const Builtin> NumberMethods() { return kNumber; }

}  // namespace relish::deluge
