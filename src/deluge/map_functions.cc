// Map (KEY-VALUE) functions: reference §3.4, docs/language/builtins.md#map. Keys are text and
// case-sensitive; other scalar keys are stored as their text ("1" for 1); order is insertion order.
#include "deluge/builtins.h"
#include "deluge/interpreter.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

OrderedMap& M(const Value& self) { return self.map()->map; }

FN(Put) {
  Value key = in.KeyOf(args[0]);
  if (key.is_abort()) return key;
  if (!in.CheckSize(M(self).size() + 1)) return Value::Abort();
  M(self).Put(key, args[1]);
  return Value();
}

FN(PutAll) {
  MapObj* other = nullptr;
  if (!ArgMap(in, args[0], "putAll", other)) return Value::Abort();
  // The copy and the growth, checked before either is made.
  if (!in.CheckSize(M(self).size() + other->map.size()) ||
      !in.CheckMemory(3 * other->map.size() * sizeof(OrderedMap::Entry))) {
    return Value::Abort();
  }
  if (!in.Work(other->map.size())) return Value::Abort();
  OrderedMap::Entries copy = other->map.entries();  // putAll(self) is safe
  for (auto& e : copy) {
    if (!e.key.is_null()) M(self).Put(e.key, std::move(e.value));
  }
  return Value();
}

FN(Get) {
  if (args[0].is_null()) return Value();
  Value key = in.KeyOf(args[0]);
  if (key.is_abort()) return key;
  Value* v = M(self).Find(key.str());
  return v ? *v : Value();
}

FN(Keys) {
  if (!in.CheckMemory(M(self).size() * sizeof(Value)) || !in.Work(M(self).size())) {
    return Value::Abort();
  }
  Value out = in.heap().NewList();
  auto& items = out.list()->items;
  items.reserve(M(self).size());
  for (const auto& e : M(self).entries()) {
    if (!e.key.is_null()) items.push_back(e.key);
  }
  return out;
}

FN(Values) {
  if (!in.CheckMemory(M(self).size() * sizeof(Value)) || !in.Work(M(self).size())) {
    return Value::Abort();
  }
  Value out = in.heap().NewList();
  auto& items = out.list()->items;
  items.reserve(M(self).size());
  for (const auto& e : M(self).entries()) {
    if (!e.key.is_null()) items.push_back(e.value);
  }
  return out;
}

FN(ContainKey) {
  if (args[0].is_null()) return Value::Bool(false);
  Value key = in.KeyOf(args[0]);
  if (key.is_abort()) return key;
  return Value::Bool(M(self).Find(key.str()) != nullptr);
}

FN(ContainValue) {
  for (const auto& e : M(self).entries()) {
    if (e.key.is_null()) continue;
    bool equal = false;
    if (!ValuesEqual(in, e.value, args[0], equal)) return Value::Abort();
    if (equal) return Value::Bool(true);
  }
  return Value::Bool(false);
}

// remove(key): removes the entry and returns its value (null when absent).
FN(Remove) {
  if (args[0].is_null()) return Value();
  Value key = in.KeyOf(args[0]);
  if (key.is_abort()) return key;
  Value* v = M(self).Find(key.str());
  if (v == nullptr) return Value();
  Value old = *v;
  M(self).Remove(key.text(), key.str()->Hash());
  return old;
}

FN(Clear) {
  if (!in.Work(M(self).size())) return Value::Abort();
  M(self).Clear();
  return Value();
}

FN(Size) { return Value::Int(static_cast<int64_t>(M(self).size())); }

FN(Itself) { return self; }

#undef FN

constexpr Builtin kMap[] = {
    {"put", 2, 2, Put, "map"},
    {"putAll", 1, 1, PutAll, "map"},
    {"get", 1, 1, Get, "map"},
    {"getJSON", 1, 1, Get, "map"},
    {"keys", 0, 0, Keys, "map"},
    {"values", 0, 0, Values, "map"},
    {"containKey", 1, 1, ContainKey, "map"},
    {"containsKey", 1, 1, ContainKey, "map"},
    {"containValue", 1, 1, ContainValue, "map"},
    {"containsValue", 1, 1, ContainValue, "map"},
    {"remove", 1, 1, Remove, "map"},
    {"clear", 0, 0, Clear, "map"},
    {"size", 0, 0, Size, "map"},
    {"toMap", 0, 0, Itself, "map"},
};

}  // namespace

std::span<const Builtin> MapMethods() { return kMap; }

}  // namespace relish::deluge
