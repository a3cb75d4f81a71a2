// Collection functions: reference §3.5, docs/language/builtins.md#collection. A Collection is a
// list or a map, decided by its first insert: insert(v, ...) makes a list, insert("k":"v", ...)
// a map. Functions not listed here reach the list or map it holds (size, contains, sort, ...).
#include <algorithm>

#include "deluge/builtins.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

Value& Inner(const Value& self) { return self.collection()->inner; }

// insert(v1, v2, ...) or insert("k":"v", ...): the parser turns key:value arguments into one
// map literal argument.
FN(Insert) {
  Value& inner = Inner(self);
  bool pairs = argc == 1 && args[0].is_map() && !inner.is_list();
  if (inner.is_null()) inner = pairs ? in.heap().NewMap() : in.heap().NewList();
  if (inner.is_map()) {
    if (!pairs) return in.Fail(Msg::kCollectionMixed);
    if (!in.CheckSize(inner.map()->map.size() + args[0].map()->map.size())) return Value::Abort();
    for (const auto& e : args[0].map()->map.entries()) {
      if (!e.key.is_null()) inner.map()->map.Put(e.key, e.value);
    }
    return Value();
  }
  for (int i = 0; i < argc; ++i) {
    if (!in.ListAdd(inner.list(), args[i])) return Value::Abort();
  }
  return Value();
}

// get(index) on a list collection, get(key) on a map collection.
FN(Get) {
  Value& inner = Inner(self);
  if (inner.is_map()) {
    if (args[0].is_null()) return Value();
    Value key = in.KeyOf(args[0]);
    if (key.is_abort()) return key;
    Value* v = inner.map()->map.Find(key.str());
    return v ? *v : Value();
  }
  int64_t i = 0;
  if (!ArgInt(in, args[0], "get", i)) return Value::Abort();
  size_t size = inner.is_list() ? inner.list()->items.size() : 0;
  if (i < 0) return in.Fail(Msg::kNegativeIndex, {FormatInt(i)});
  if (static_cast<size_t>(i) >= size) return in.Fail(Msg::kIndexOutOfRange, {FormatInt(i)});
  return inner.list()->items[static_cast<size_t>(i)];
}

// getKey(value): the key holding the value (map) or its index (list); null when absent.
FN(GetKey) {
  Value& inner = Inner(self);
  bool equal = false;
  if (inner.is_map()) {
    for (const auto& e : inner.map()->map.entries()) {
      if (e.key.is_null()) continue;
      if (!ValuesEqual(in, e.value, args[0], equal)) return Value::Abort();
      if (equal) return e.key;
    }
    return Value();
  }
  if (inner.is_list()) {
    auto& items = inner.list()->items;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!ValuesEqual(in, items[i], args[0], equal)) return Value::Abort();
      if (equal) return Value::Int(static_cast<int64_t>(i));
    }
  }
  return Value();
}

bool DeleteOne(Interp& in, Value& inner, const Value& key) {
  if (inner.is_map()) {
    if (key.is_null()) return true;
    Value k = in.KeyOf(key);
    if (k.is_abort()) return false;
    inner.map()->map.Remove(k.text(), k.str()->Hash());
    return true;
  }
  if (inner.is_list()) {
    int64_t i = 0;
    if (!ArgInt(in, key, "deleteKey", i)) return false;
    auto& items = inner.list()->items;
    if (i < 0 || static_cast<size_t>(i) >= items.size()) {
      in.Fail(Msg::kIndexOutOfRange, {FormatInt(i)});
      return false;
    }
    items.erase(items.begin() + i);
  }
  return true;
}

FN(DeleteKey) {
  size_t moved = Inner(self).is_list() ? Inner(self).list()->items.size() : 1;
  if (!in.Work(moved)) return Value::Abort();
  return DeleteOne(in, Inner(self), args[0]) ? Value() : Value::Abort();
}

FN(DeleteKeys) {
  ListObj* keys = nullptr;
  if (!ArgList(in, args[0], "deleteKeys", keys)) return Value::Abort();
  if (!in.CheckMemory(keys->items.size() * sizeof(Value))) return Value::Abort();
  ValueVector copy = keys->items;
  if (Inner(self).is_list()) {
    // Delete from the highest index down so earlier deletions do not shift later ones.
    if (!SortValues(in, copy, /*ascending=*/false)) return Value::Abort();
  }
  for (const Value& k : copy) {
    // Each deletion from a list moves what follows.
    size_t moved = Inner(self).is_list() ? Inner(self).list()->items.size() : 1;
    if (!in.Work(moved) || !DeleteOne(in, Inner(self), k)) return Value::Abort();
  }
  return Value();
}

// duplicate(start, end): a new list collection with the elements from start to end (exclusive).
FN(Duplicate) {
  Value& inner = Inner(self);
  size_t n = inner.is_list()  ? inner.list()->items.size()
             : inner.is_map() ? inner.map()->map.size() * 3
                              : 0;
  if (!in.CheckMemory(n * sizeof(OrderedMap::Entry)) || !in.Work(n)) return Value::Abort();
  Value out = in.heap().NewCollection();
  Value list = in.heap().NewList();
  if (inner.is_list()) {
    auto& items = inner.list()->items;
    int64_t start = 0;
    int64_t end = static_cast<int64_t>(items.size());
    if (argc > 0 && !ArgInt(in, args[0], "duplicate", start)) return Value::Abort();
    if (argc > 1 && !ArgInt(in, args[1], "duplicate", end)) return Value::Abort();
    if (start < 0 || end > static_cast<int64_t>(items.size()) || start > end) {
      return in.Fail(Msg::kIndexOutOfRange, {FormatInt(start < 0 ? start : end)});
    }
    list.list()->items.assign(items.begin() + start, items.begin() + end);
    out.collection()->inner = std::move(list);
  } else if (inner.is_map()) {
    Value map = in.heap().NewMap();
    for (const auto& e : inner.map()->map.entries()) {
      if (!e.key.is_null()) map.map()->map.Put(e.key, e.value);
    }
    out.collection()->inner = std::move(map);
  }
  return out;
}

FN(GetAsString) {
  Value v = Get(in, self, args, argc);
  if (v.is_abort()) return v;
  std::string s;
  if (!in.Display(v, s)) return Value::Abort();
  return in.MakeText(s);
}

FN(Keys) {
  Value& inner = Inner(self);
  size_t n = inner.is_list() ? inner.list()->items.size()
                             : inner.is_map() ? inner.map()->map.size() : 0;
  if (!in.CheckMemory(n * sizeof(Value)) || !in.Work(n)) return Value::Abort();
  Value out = in.heap().NewList();
  if (inner.is_map()) {
    for (const auto& e : inner.map()->map.entries()) {
      if (!e.key.is_null()) out.list()->items.push_back(e.key);
    }
  } else if (inner.is_list()) {
    for (size_t i = 0; i < inner.list()->items.size(); ++i) {
      out.list()->items.push_back(Value::Int(static_cast<int64_t>(i)));
    }
  }
  return out;
}

FN(Values) {
  Value& inner = Inner(self);
  size_t n = inner.is_list() ? inner.list()->items.size()
                             : inner.is_map() ? inner.map()->map.size() : 0;
  if (!in.CheckMemory(n * sizeof(Value)) || !in.Work(n)) return Value::Abort();
  Value out = in.heap().NewList();
  if (inner.is_map()) {
    for (const auto& e : inner.map()->map.entries()) {
      if (!e.key.is_null()) out.list()->items.push_back(e.value);
    }
  } else if (inner.is_list()) {
    out.list()->items = inner.list()->items;
  }
  return out;
}

FN(Size) {
  Value& inner = Inner(self);
  if (inner.is_map()) return Value::Int(static_cast<int64_t>(inner.map()->map.size()));
  if (inner.is_list()) return Value::Int(static_cast<int64_t>(inner.list()->items.size()));
  return Value::Int(0);
}

FN(Clear) {
  Value old = std::move(Inner(self));
  Inner(self) = Value();
  return Value();
}

#undef FN

constexpr Builtin kCollection[] = {
    {"insert", 1, 8, Insert, "collection"},       {"get", 1, 1, Get, "collection"},
    {"getKey", 1, 1, GetKey, "collection"},       {"deleteKey", 1, 1, DeleteKey, "collection"},
    {"delete", 1, 1, DeleteKey, "collection"},    {"deleteKeys", 1, 1, DeleteKeys, "collection"},
    {"duplicate", 0, 2, Duplicate, "collection"}, {"getAsString", 1, 1, GetAsString, "collection"},
    {"keys", 0, 0, Keys, "collection"},           {"values", 0, 0, Values, "collection"},
    {"size", 0, 0, Size, "collection"},           {"clear", 0, 0, Clear, "collection"},
};

}  // namespace

std::span<const Builtin> CollectionMethods() { return kCollection; }

}  // namespace relish::deluge
