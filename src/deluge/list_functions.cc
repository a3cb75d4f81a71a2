// List functions: reference §3.3 (and the numeric list functions of §3.2),
// docs/language/builtins.md#list. Lists are shared by reference: add/remove change the list
// itself; sort, distinct, subList and intersect return new lists.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "deluge/builtins.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

ValueVector& Items(const Value& self) { return self.list()->items; }

// Hashable identity of a scalar, matching ValuesIdentical (type-aware; a date equals a date-time
// at the same instant). Containers, files and NaN have none and are compared one by one.
struct ScalarKey {
  uint8_t type;
  uint64_t bits;
  std::string_view text;
  bool operator==(const ScalarKey& o) const {
    return type == o.type && bits == o.bits && text == o.text;
  }
};
struct ScalarKeyHash {
  size_t operator()(const ScalarKey& k) const {
    return (k.type == static_cast<uint8_t>(Type::kText) ? HashText(k.text)
                                                        : k.bits * 0x9E3779B97F4A7C15ull) ^
           k.type;
  }
};
std::optional<ScalarKey> KeyFor(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return ScalarKey{0, 0, {}};
    case Type::kBool:
    case Type::kInt:
      return ScalarKey{static_cast<uint8_t>(v.type()), static_cast<uint64_t>(v.AsInt()), {}};
    case Type::kDecimal: {
      double d = v.AsDecimal();
      if (std::isnan(d)) return std::nullopt;
      if (d == 0) d = 0;  // -0.0 == 0.0
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return ScalarKey{static_cast<uint8_t>(Type::kDecimal), bits, {}};
    }
    case Type::kDate:
    case Type::kDateTime:
      return ScalarKey{static_cast<uint8_t>(Type::kDate), static_cast<uint64_t>(v.AsMillis()), {}};
    case Type::kText:
      return ScalarKey{static_cast<uint8_t>(Type::kText), 0, v.text()};
    default:
      return std::nullopt;
  }
}

// A set of values with type-aware equality: hashed for scalars, a list for the rest. Each
// returns false after in.Fail (a comparison nested too deeply) and answers in `out`.
class ValueSet {
 public:
  explicit ValueSet(Interp& in) : in_(in) {}

  bool Contains(const Value& v, bool& out) const {
    out = false;
    if (auto k = KeyFor(v)) {
      out = scalars_.count(*k) > 0;
      return true;
    }
    for (const Value* o : others_) {
      if (!ValuesIdentical(in_, *o, v, out)) return false;
      if (out) return true;
    }
    return true;
  }
  // `added` is true when newly added. `v` must outlive the set.
  bool Insert(const Value& v, bool& added) {
    if (auto k = KeyFor(v)) {
      added = scalars_.insert(*k).second;
      return true;
    }
    bool present = false;
    if (!Contains(v, present)) return false;
    added = !present;
    if (added) others_.push_back(&v);
    return true;
  }

 private:
  Interp& in_;
  std::unordered_set<ScalarKey, ScalarKeyHash> scalars_;
  std::vector<const Value*> others_;
};

bool Index(Interp& in, const Value& self, const Value& arg, std::string_view fn, size_t& out) {
  int64_t i = 0;
  if (!ArgInt(in, arg, fn, i)) return false;
  if (i < 0) {
    in.Fail(Msg::kNegativeIndex, {FormatInt(i)});
    return false;
  }
  if (static_cast<size_t>(i) >= Items(self).size()) {
    in.Fail(Msg::kIndexOutOfRange, {FormatInt(i)});
    return false;
  }
  out = static_cast<size_t>(i);
  return true;
}

FN(Add) {
  if (!in.ListAdd(self.list(), args[0])) return Value::Abort();
  return Value();
}

FN(AddAll) {
  ListObj* other = nullptr;
  if (!ArgList(in, args[0], "addAll", other)) return Value::Abort();
  if (!in.Work(other->items.size())) return Value::Abort();
  // The copy and the growth, checked before either is made.
  if (!in.CheckElements(Items(self).size() + other->items.size()) ||
      !in.CheckMemory(2 * other->items.size() * sizeof(Value))) {
    return Value::Abort();
  }
  ValueVector copy = other->items;  // addAll(self) must not read what it appends
  for (Value& v : copy) {
    if (!in.ListAdd(self.list(), std::move(v))) return Value::Abort();
  }
  return Value();
}

FN(Clear) {
  if (!in.Work(Items(self).size())) return Value::Abort();
  ValueVector old;
  old.swap(Items(self));
  return Value();
}

// The index of `v` in the list (-1 when absent); false after in.Fail.
bool Find(Interp& in, const Value& self, const Value& v, bool last, int64_t& at) {
  const auto& items = Items(self);
  at = -1;
  if (!in.Work(items.size())) return false;
  bool equal = false;
  if (last) {
    for (size_t i = items.size(); i > 0; --i) {
      if (!ValuesIdentical(in, items[i - 1], v, equal)) return false;
      if (equal) {
        at = static_cast<int64_t>(i - 1);
        return true;
      }
    }
    return true;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (!ValuesIdentical(in, items[i], v, equal)) return false;
    if (equal) {
      at = static_cast<int64_t>(i);
      return true;
    }
  }
  return true;
}

FN(Contains) {
  int64_t at = 0;
  return Find(in, self, args[0], false, at) ? Value::Bool(at >= 0) : Value::Abort();
}
FN(NotContains) {
  int64_t at = 0;
  return Find(in, self, args[0], false, at) ? Value::Bool(at < 0) : Value::Abort();
}
FN(IndexOf) {
  int64_t at = 0;
  return Find(in, self, args[0], false, at) ? Value::Int(at) : Value::Abort();
}
FN(LastIndexOf) {
  int64_t at = 0;
  return Find(in, self, args[0], true, at) ? Value::Int(at) : Value::Abort();
}

FN(Get) {
  size_t i = 0;
  if (!Index(in, self, args[0], "get", i)) return Value::Abort();
  return Items(self)[i];
}

FN(Size) { return Value::Int(static_cast<int64_t>(Items(self).size())); }

FN(Distinct) {
  if (!in.CheckMemory(Items(self).size() * sizeof(Value)) || !in.Work(Items(self).size())) {
    return Value::Abort();
  }
  Value out = in.heap().NewList(self.list()->elem_type);
  auto& dst = Items(out);
  ValueSet seen(in);
  for (const Value& v : Items(self)) {
    bool added = false;
    if (!seen.Insert(v, added)) return Value::Abort();
    if (added) dst.push_back(v);
  }
  return out;
}

FN(Intersect) {
  ListObj* other = nullptr;
  if (!ArgList(in, args[0], "intersect", other)) return Value::Abort();
  if (!in.Work(other->items.size() + Items(self).size())) return Value::Abort();
  ValueSet in_other(in);
  bool yes = false;
  for (const Value& o : other->items) {
    if (!in_other.Insert(o, yes)) return Value::Abort();
  }
  if (!in.CheckMemory(Items(self).size() * sizeof(Value))) return Value::Abort();
  Value out = in.heap().NewList();
  ValueSet seen(in);
  for (const Value& v : Items(self)) {
    if (!in_other.Contains(v, yes)) return Value::Abort();
    if (!yes) continue;
    if (!seen.Insert(v, yes)) return Value::Abort();
    if (yes) Items(out).push_back(v);
  }
  return out;
}

// remove(index): removes and returns the element at the index.
FN(Remove) {
  size_t i = 0;
  if (!Index(in, self, args[0], "remove", i)) return Value::Abort();
  if (!in.Work(Items(self).size() - i)) return Value::Abort();  // the elements that move
  Value removed = std::move(Items(self)[i]);
  Items(self).erase(Items(self).begin() + static_cast<std::ptrdiff_t>(i));
  return removed;
}

// removeElement(value): removes the first equal element; true when one was removed.
FN(RemoveElement) {
  int64_t i = 0;
  if (!Find(in, self, args[0], false, i)) return Value::Abort();
  if (i < 0) return Value::Bool(false);
  if (!in.Work(Items(self).size() - static_cast<size_t>(i))) return Value::Abort();
  Value removed = std::move(Items(self)[static_cast<size_t>(i)]);
  Items(self).erase(Items(self).begin() + i);
  return Value::Bool(true);
}

FN(RemoveAll) {
  ListObj* other = nullptr;
  if (!ArgList(in, args[0], "removeAll", other)) return Value::Abort();
  if (!in.CheckMemory((other->items.size() + Items(self).size()) * sizeof(Value))) {
    return Value::Abort();
  }
  if (!in.Work(other->items.size() + Items(self).size())) return Value::Abort();
  ValueVector others = other->items;  // removeAll(self) is safe
  ValueSet drop(in);
  bool yes = false;
  for (const Value& o : others) {
    if (!drop.Insert(o, yes)) return Value::Abort();
  }
  // Decide first, then change the list: an error leaves it as it was.
  std::vector<bool> dropped(Items(self).size());
  bool any = false;
  for (size_t i = 0; i < Items(self).size(); ++i) {
    if (!drop.Contains(Items(self)[i], yes)) return Value::Abort();
    dropped[i] = yes;
    any = any || yes;
  }
  ValueVector keep;
  ValueVector gone;
  for (size_t i = 0; i < Items(self).size(); ++i) {
    (dropped[i] ? gone : keep).push_back(std::move(Items(self)[i]));
  }
  Items(self).swap(keep);
  return Value::Bool(any);
}

// sort([ascending]): a new sorted list; the list itself is unchanged.
FN(Sort) {
  bool ascending = true;
  if (argc > 0 && !ArgBool(in, args[0], "sort", ascending)) return Value::Abort();
  if (!in.CheckMemory(2 * Items(self).size() * sizeof(Value))) return Value::Abort();
  Value out = in.heap().NewList(self.list()->elem_type);
  Items(out) = Items(self);
  if (!SortValues(in, Items(out), ascending)) return Value::Abort();
  return out;
}

FN(SubList) {
  int64_t start = 0;
  int64_t size = static_cast<int64_t>(Items(self).size());
  int64_t end = size;
  if (!ArgInt(in, args[0], "subList", start)) return Value::Abort();
  if (argc > 1 && !ArgInt(in, args[1], "subList", end)) return Value::Abort();
  if (start < 0) return in.Fail(Msg::kNegativeIndex, {FormatInt(start)});
  if (end > size) return in.Fail(Msg::kIndexOutOfRange, {FormatInt(end)});
  if (start > end)
    return in.Fail(Msg::kSubTextRange, {FormatInt(start), FormatInt(end), FormatInt(size)});
  if (!in.CheckMemory(static_cast<size_t>(end - start) * sizeof(Value)) ||
      !in.Work(static_cast<size_t>(end - start))) {
    return Value::Abort();
  }
  Value out = in.heap().NewList(self.list()->elem_type);
  Items(out).assign(Items(self).begin() + start, Items(self).begin() + end);
  return out;
}

FN(Reverse) {
  if (!in.CheckMemory(Items(self).size() * sizeof(Value)) || !in.Work(Items(self).size())) {
    return Value::Abort();
  }
  Value out = in.heap().NewList(self.list()->elem_type);
  Items(out).assign(Items(self).rbegin(), Items(self).rend());
  return out;
}

FN(Itself) { return self; }

// ---- numeric list functions (reference §3.2): non-numbers are an error ----

bool Numbers(Interp& in, const Value& self, std::string_view fn, std::vector<double>& out,
             bool& all_int) {
  all_int = true;
  if (!in.Work(Items(self).size())) return false;
  for (const Value& v : Items(self)) {
    Value n;
    if (!ToNumberValue(v, n)) {
      in.Fail(Msg::kCastError, {TypeName(v.type()), "NUMBER", fn});
      return false;
    }
    all_int = all_int && n.is_int();
    out.push_back(n.AsDouble());
  }
  return true;
}

Value Pick(Interp& in, const Value& self, bool largest) {
  if (!in.Work(Items(self).size())) return Value::Abort();
  const Value* best = nullptr;
  for (const Value& v : Items(self)) {
    if (v.is_null()) continue;
    if (best == nullptr ||
        (largest ? CompareForSort(v, *best) > 0 : CompareForSort(v, *best) < 0)) {
      best = &v;
    }
  }
  return best ? *best : Value();
}
FN(Largest) { return Pick(in, self, true); }
FN(Smallest) { return Pick(in, self, false); }

FN(Sum) {
  std::vector<double> nums;
  bool all_int = true;
  if (!Numbers(in, self, "sum", nums, all_int)) return Value::Abort();
  if (all_int) {
    int64_t s = 0;
    for (const Value& v : Items(self)) {
      Value n;
      ToNumberValue(v, n);
      s = static_cast<int64_t>(static_cast<uint64_t>(s) + static_cast<uint64_t>(n.AsInt()));
    }
    return Value::Int(s);
  }
  double s = 0;
  for (double d : nums) s += d;
  return Value::Decimal(s);
}

FN(Average) {
  std::vector<double> nums;
  bool all_int = true;
  if (!Numbers(in, self, "average", nums, all_int)) return Value::Abort();
  if (nums.empty()) return Value();
  double s = 0;
  for (double d : nums) s += d;
  return Value::Decimal(s / static_cast<double>(nums.size()));
}

FN(Median) {
  std::vector<double> nums;
  bool all_int = true;
  if (!Numbers(in, self, "median", nums, all_int)) return Value::Abort();
  if (nums.empty()) return Value();
  if (!in.Work(nums.size() * 24)) return Value::Abort();  // about n log n for the sort
  std::sort(nums.begin(), nums.end());
  size_t n = nums.size();
  double m = n % 2 ? nums[n / 2] : (nums[n / 2 - 1] + nums[n / 2]) / 2;
  if (all_int && m == std::trunc(m)) return Value::Int(static_cast<int64_t>(m));
  return Value::Decimal(m);
}

// nthLargest(n) / nthSmallest(n): 1-based, over distinct values.
Value Nth(Interp& in, const Value& self, const Value& arg, bool largest) {
  std::string_view fn = largest ? "nthLargest" : "nthSmallest";
  int64_t n = 0;
  if (!ArgInt(in, arg, fn, n)) return Value::Abort();
  ValueVector v;
  for (const Value& x : Items(self)) {
    if (x.is_null()) continue;
    bool dup = false;
    for (const Value& d : v) {
      if (!ValuesEqual(in, d, x, dup)) return Value::Abort();
      if (dup) break;
    }
    if (!dup) v.push_back(x);
  }
  if (!SortValues(in, v, !largest)) return Value::Abort();
  if (n < 1 || static_cast<size_t>(n) > v.size()) return Value();
  return v[static_cast<size_t>(n - 1)];
}
FN(NthLargest) { return Nth(in, self, args[0], true); }
FN(NthSmallest) { return Nth(in, self, args[0], false); }

// percentile(p): linear interpolation, p in 0..1 (or 0..100).
FN(Percentile) {
  std::vector<double> nums;
  bool all_int = true;
  if (!Numbers(in, self, "percentile", nums, all_int)) return Value::Abort();
  double p = 0;
  if (!ArgNumber(in, args[0], "percentile", p)) return Value::Abort();
  if (p > 1) p /= 100;
  if (nums.empty() || p < 0 || p > 1) return Value();
  if (!in.Work(nums.size() * 24)) return Value::Abort();  // about n log n for the sort
  std::sort(nums.begin(), nums.end());
  double pos = p * static_cast<double>(nums.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = static_cast<size_t>(std::ceil(pos));
  return Value::Decimal(nums[lo] + (nums[hi] - nums[lo]) * (pos - static_cast<double>(lo)));
}

// rank(value[, ascending]): 1-based position of the value in the sorted list (descending by
// default); 0 when absent.
FN(Rank) {
  bool ascending = false;
  if (argc > 1 && !ArgBool(in, args[1], "rank", ascending)) return Value::Abort();
  if (!in.CheckMemory(2 * Items(self).size() * sizeof(Value))) return Value::Abort();
  ValueVector v = Items(self);
  if (!SortValues(in, v, ascending)) return Value::Abort();
  for (size_t i = 0; i < v.size(); ++i) {
    bool equal = false;
    if (!ValuesEqual(in, v[i], args[0], equal)) return Value::Abort();
    if (equal) return Value::Int(static_cast<int64_t>(i + 1));
  }
  return Value::Int(0);
}

#undef FN

constexpr Builtin kList[] = {
    {"add", 1, 1, Add, "list"},
    {"addAll", 1, 1, AddAll, "list"},
    {"clear", 0, 0, Clear, "list"},
    {"contains", 1, 1, Contains, "list"},
    {"notContains", 1, 1, NotContains, "list"},
    {"distinct", 0, 0, Distinct, "list"},
    {"get", 1, 1, Get, "list"},
    {"indexOf", 1, 1, IndexOf, "list"},
    {"lastIndexOf", 1, 1, LastIndexOf, "list"},
    {"intersect", 1, 1, Intersect, "list"},
    {"size", 0, 0, Size, "list"},
    {"remove", 1, 1, Remove, "list"},
    {"removeElement", 1, 1, RemoveElement, "list"},
    {"removeAll", 1, 1, RemoveAll, "list"},
    {"sort", 0, 1, Sort, "list"},
    {"subList", 1, 2, SubList, "list"},
    {"reverse", 0, 0, Reverse, "list"},
    {"toList", 0, 0, Itself, "list"},
    {"toJSONList", 0, 0, Itself, "list"},
    {"largest", 0, 0, Largest, "list"},
    {"smallest", 0, 0, Smallest, "list"},
    {"max", 0, 0, Largest, "list"},
    {"min", 0, 0, Smallest, "list"},
    {"sum", 0, 0, Sum, "list"},
    {"average", 0, 0, Average, "list"},
    {"median", 0, 0, Median, "list"},
    {"nthLargest", 1, 1, NthLargest, "list"},
    {"nthSmallest", 1, 1, NthSmallest, "list"},
    {"percentile", 1, 1, Percentile, "list"},
    {"rank", 1, 2, Rank, "list"},
};

}  // namespace

std::span<const Builtin> ListMethods() { return kList; }

}  // namespace relish::deluge
