// The built-in registry (per-type method arrays indexed by method id) and the helpers the tables
// share: argument conversion, equality and ordering.
#include "deluge/builtins.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/text_util.h"

namespace relish::deluge {

struct Builtins::Impl {
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> names;
  std::vector<const Builtin*> tables[kTypeCount + 1];
  std::unordered_map<std::string, const Builtin*> functions;
  std::unordered_map<std::string, const Builtin*> qualified;
};

const Builtins& Builtins::Get() {
  static const Builtins* builtins = new Builtins();  // immutable; lives for the process
  return *builtins;
}

Builtins::Builtins() {
  auto* impl = new Impl();
  struct Family {
    std::vector<Type> types;
    std::span<const Builtin> methods;
  };
  const std::vector<Type> all = {Type::kNull, Type::kBool,     Type::kInt,       Type::kDecimal,
                                 Type::kDate, Type::kDateTime, Type::kText,      Type::kFile,
                                 Type::kList, Type::kMap,      Type::kCollection};
  // Specific tables first: a type's own entry wins over the common one of the same name.
  const Family families[] = {
      {{Type::kText}, TextMethods()},
      {{Type::kInt, Type::kDecimal}, NumberMethods()},
      {{Type::kList}, ListMethods()},
      {{Type::kMap}, MapMethods()},
      {{Type::kCollection}, CollectionMethods()},
      {{Type::kDate, Type::kDateTime}, DateMethods()},
      {{Type::kFile}, FileMethods()},
      {{Type::kFile, Type::kList}, ArchiveMethods()},  // compress (issue 17)
      {all, CommonMethods()},
      {all, EncodingMethods()},
  };
  for (const auto& f : families) {
    for (const auto& b : f.methods) {
      std::string lower = ToLower(b.name);
      if (impl->ids.emplace(lower, static_cast<int>(impl->names.size())).second) {
        impl->names.push_back(lower);
      }
    }
  }
  for (auto& t : impl->tables) t.assign(impl->names.size(), nullptr);
  for (const auto& f : families) {
    for (const auto& b : f.methods) {
      int id = impl->ids[ToLower(b.name)];
      for (Type t : f.types) {
        auto& slot = impl->tables[static_cast<int>(t)][static_cast<size_t>(id)];
        if (slot == nullptr) slot = &b;
      }
    }
  }
  for (auto list : {GlobalFunctions(), WebFunctions(), DateFunctions(), EncodingFunctions()}) {
    for (const auto& b : list) impl->functions.emplace(ToLower(b.name), &b);
  }
  for (const auto& b : QualifiedFunctions()) impl->qualified.emplace(ToLower(b.name), &b);
  for (int t = 0; t <= kTypeCount; ++t) methods_[t] = impl->tables[t];
  impl_ = impl;
}

int Builtins::MethodId(std::string_view lower_name) const {
  auto it = impl_->ids.find(std::string(lower_name));
  return it == impl_->ids.end() ? -1 : it->second;
}

bool Builtins::MethodAccepts(int id, int argc) const {
  for (int t = 0; t < kTypeCount; ++t) {
    const Builtin* b = methods_[t][id];
    if (b != nullptr && argc >= b->min_args && argc <= b->max_args) return true;
  }
  return false;
}

const Builtin* Builtins::Function(std::string_view lower_name) const {
  auto it = impl_->functions.find(std::string(lower_name));
  return it == impl_->functions.end() ? nullptr : it->second;
}

const Builtin* Builtins::Qualified(std::string_view lower_name) const {
  auto it = impl_->qualified.find(std::string(lower_name));
  return it == impl_->qualified.end() ? nullptr : it->second;
}

std::string_view Builtins::MethodName(int id) const {
  return impl_->names[static_cast<size_t>(id)];
}

// ---- helpers ----

bool ParseNumberText(std::string_view text, Value& out) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return false;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  int64_t i = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
    out = Value::Int(i);
    return true;
  }
  double d = 0;
  auto rd = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  if (rd.ec == std::errc() && rd.ptr == digits.data() + digits.size() && std::isfinite(d)) {
    out = Value::Decimal(d);
    return true;
  }
  return false;
}

bool ToNumberValue(const Value& v, Value& out) {
  if (v.is_number()) {
    out = v;
    return true;
  }
  if (v.is_text()) return ParseNumberText(v.text(), out);
  return false;
}

namespace {
bool CastFail(Interp& in, const Value& v, std::string_view to, std::string_view fn) {
  if (v.is_null()) {
    in.Fail(Msg::kNullReceiver, {fn});
  } else {
    in.Fail(Msg::kCastError, {TypeName(v.type()), to, fn});
  }
  return false;
}
}  // namespace

bool ArgInt(Interp& in, const Value& v, std::string_view fn, int64_t& out) {
  if (v.is_int()) {
    out = v.AsInt();
    return true;
  }
  if (v.is_decimal() && std::isfinite(v.AsDecimal()) && std::fabs(v.AsDecimal()) < 9.2e18) {
    out = static_cast<int64_t>(v.AsDecimal());
    return true;
  }
  Value n;
  if (v.is_text() && ParseNumberText(v.text(), n)) {
    if (n.is_int()) {
      out = n.AsInt();
      return true;
    }
    if (std::fabs(n.AsDecimal()) < 9.2e18) {
      out = static_cast<int64_t>(n.AsDecimal());
      return true;
    }
  }
  return CastFail(in, v, "NUMBER", fn);
}

bool ArgNumber(Interp& in, const Value& v, std::string_view fn, double& out) {
  Value n;
  if (ToNumberValue(v, n)) {
    out = n.AsDouble();
    return true;
  }
  return CastFail(in, v, "DECIMAL", fn);
}

bool ArgBool(Interp& in, const Value& v, std::string_view fn, bool& out) {
  if (v.is_bool()) {
    out = v.AsBool();
    return true;
  }
  if (v.is_text() && (EqualsIgnoreCase(v.text(), "true") || EqualsIgnoreCase(v.text(), "false"))) {
    out = EqualsIgnoreCase(v.text(), "true");
    return true;
  }
  return CastFail(in, v, "BOOLEAN", fn);
}

bool ArgText(Interp& in, const Value& v, std::string_view fn, std::string& out) {
  if (v.is_text()) {
    out.assign(v.text());
    return true;
  }
  if (v.is_null() || v.is_list() || v.is_map() || v.is_collection()) {
    return CastFail(in, v, "TEXT", fn);
  }
  out.clear();
  return in.Display(v, out);
}

bool ArgList(Interp& in, const Value& v, std::string_view fn, ListObj*& out) {
  if (v.is_list()) {
    out = v.list();
    return true;
  }
  if (v.is_collection() && v.collection()->inner.is_list()) {
    out = v.collection()->inner.list();
    return true;
  }
  return CastFail(in, v, "LIST", fn);
}

bool ArgMap(Interp& in, const Value& v, std::string_view fn, MapObj*& out) {
  if (v.is_map()) {
    out = v.map();
    return true;
  }
  if (v.is_collection() && v.collection()->inner.is_map()) {
    out = v.collection()->inner.map();
    return true;
  }
  return CastFail(in, v, "KEY-VALUE", fn);
}

namespace {

// One comparison: the depth is bounded (kMaxNesting) and the work counts towards the run's clock
// (containers that share sub-lists many times over take exponential time: the run's time limit
// ends them, where a fixed budget once answered a silent "not equal").
class Comparison {
 public:
  explicit Comparison(Interp& in) : in_(in) {}

  // False after in.Fail; `equal` holds the answer otherwise.
  bool Run(const Value& a, const Value& b, bool& equal) {
    equal = Equal(a, b, 0);
    if (out_of_time_) return false;  // Work() failed the run
    if (too_deep_) {
      in_.Fail(Msg::kNestedTooDeep, {FormatInt(kMaxNesting)});
      return false;
    }
    return true;
  }

 private:
  bool Equal(const Value& a, const Value& b, int depth) {
    if (depth > kMaxNesting) {
      too_deep_ = true;
      return false;
    }
    if (!in_.Work(1)) {
      out_of_time_ = true;
      return false;
    }
    if (a.is_number() && b.is_number()) {
      if (a.is_int() && b.is_int()) return a.AsInt() == b.AsInt();
      return a.AsDouble() == b.AsDouble();
    }
    if (a.is_date() && b.is_date()) return a.AsMillis() == b.AsMillis();
    if (a.is_collection()) return Equal(a.collection()->inner, b, depth + 1);
    if (b.is_collection()) return Equal(a, b.collection()->inner, depth + 1);
    if (a.type() != b.type()) return false;
    switch (a.type()) {
      case Type::kNull:
        return true;
      case Type::kBool:
        return a.AsBool() == b.AsBool();
      case Type::kText:
        return a.obj() == b.obj() || a.text() == b.text();
      case Type::kFile:
        return a.obj() == b.obj();
      case Type::kList: {
        if (a.obj() == b.obj()) return true;
        const auto& x = a.list()->items;
        const auto& y = b.list()->items;
        if (x.size() != y.size()) return false;
        for (size_t i = 0; i < x.size(); ++i) {
          if (!Equal(x[i], y[i], depth + 1)) return false;
        }
        return true;
      }
      case Type::kMap: {
        if (a.obj() == b.obj()) return true;
        OrderedMap& x = a.map()->map;
        OrderedMap& y = b.map()->map;
        if (x.size() != y.size()) return false;
        for (const auto& e : x.entries()) {
          if (e.key.is_null()) continue;
          Value* other = y.Find(e.key.text(), e.hash);
          if (other == nullptr || !Equal(e.value, *other, depth + 1)) return false;
        }
        return true;
      }
      default:
        return false;
    }
  }

  Interp& in_;
  bool too_deep_ = false;
  bool out_of_time_ = false;
};

int Rank(const Value& v) {
  switch (v.type()) {
    case Type::kInt:
    case Type::kDecimal:
      return 0;
    case Type::kText:
      return 1;
    case Type::kDate:
    case Type::kDateTime:
      return 2;
    case Type::kBool:
      return 3;
    case Type::kNull:
      return 5;
    default:
      return 4;
  }
}

}  // namespace

bool ValuesEqual(Interp& in, const Value& a, const Value& b, bool& equal) {
  return Comparison(in).Run(a, b, equal);
}

bool ValuesIdentical(Interp& in, const Value& a, const Value& b, bool& equal) {
  if (a.type() != b.type() && !(a.is_date() && b.is_date())) {
    equal = false;
    return true;
  }
  return Comparison(in).Run(a, b, equal);
}

bool SortValues(Interp& in, ValueVector& values, bool ascending) {
  // Once the time is up every comparison answers "not less": still a consistent order (it only
  // ever turns answers from true to false), so the sort finishes at once.
  bool stopped = false;
  std::stable_sort(values.begin(), values.end(), [&](const Value& a, const Value& b) {
    if (stopped) return false;
    if (!in.Work(1)) {
      stopped = true;
      return false;
    }
    int c = CompareForSort(a, b);
    return ascending ? c < 0 : c > 0;
  });
  return !stopped;
}

int CompareForSort(const Value& a, const Value& b) {
  int ra = Rank(a);
  int rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: {
      if (a.is_int() && b.is_int()) {
        return a.AsInt() < b.AsInt() ? -1 : a.AsInt() > b.AsInt() ? 1 : 0;
      }
      double x = a.AsDouble();
      double y = b.AsDouble();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 1: {
      int r = a.text().compare(b.text());
      return r < 0 ? -1 : r > 0 ? 1 : 0;
    }
    case 2:
      return a.AsMillis() < b.AsMillis() ? -1 : a.AsMillis() > b.AsMillis() ? 1 : 0;
    case 3:
      return static_cast<int>(a.AsBool()) - static_cast<int>(b.AsBool());
    default:
      return 0;
  }
}

}  // namespace relish::deluge
