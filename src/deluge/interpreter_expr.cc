// Expression evaluation and Deluge's operators (docs/language/operators.md).
#include <cmath>
#include <limits>

#include "deluge/format.h"
#include "deluge/interpreter.h"

namespace relish::deluge {

Value Interp::Eval(const Expr* e) {
  switch (e->kind) {
    case ExprKind::kConst:
      return e->value;
    case ExprKind::kLocal:
      return frame_[e->slot];
    case ExprKind::kBinary:
      return EvalBinary(e);
    case ExprKind::kMethodCall:
      return CallMethod(e);
    case ExprKind::kUnary:
      return EvalUnary(e);
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      bool left = false;
      if (!EvalCondition(e->a, left)) return Value::Abort();
      if (e->kind == ExprKind::kAnd ? !left : left) return Value::Bool(left);
      bool right = false;
      if (!EvalCondition(e->b, right)) return Value::Abort();
      return Value::Bool(right);
    }
    case ExprKind::kListLit:
      return EvalListLit(e);
    case ExprKind::kMapLit:
      return EvalMapLit(e);
    case ExprKind::kBuiltin:
      return CallBuiltin(e);
    case ExprKind::kUserCall:
      return CallUser(e);
    case ExprKind::kTask:
      return CallTask(e);
    case ExprKind::kInvokeUrl:
      return EvalInvokeUrl(e);  // and invokeapi
    case ExprKind::kIf: {
      bool cond = false;
      if (!EvalCondition(e->a, cond)) return Value::Abort();
      return Eval(cond ? e->b : e->c);
    }
    case ExprKind::kGetKey:
      return EvalGetKey(e);
    case ExprKind::kConstruct:
      return EvalConstruct(e);
    case ExprKind::kSysVar:
      return EvalSysVar(e);
    case ExprKind::kName:
    case ExprKind::kCall:
    case ExprKind::kProperty:
    case ExprKind::kMethod:
      break;  // resolved by the checker; never reached in a checked program
  }
  return Fail(Msg::kUnknownFunction, {e->name});
}

bool Interp::EvalCondition(const Expr* e, bool& out) {
  if (e->int_code && e->int_code->is_comparison) {
    IntResult r = RunIntCode(e->int_code->ops.data(), frame_);
    if (r.ok) {
      out = r.value != 0;
      return true;
    }
  }
  Value v = Eval(e);
  if (v.is_abort()) return false;
  if (!v.is_bool()) {
    Fail(Msg::kConditionNotBoolean, {TypeName(v.type())});
    return false;
  }
  out = v.AsBool();
  return true;
}

Value Interp::EvalBinary(const Expr* e) {
  if (e->int_code) {
    IntResult r = RunIntCode(e->int_code->ops.data(), frame_);
    if (r.ok) return e->int_code->is_comparison ? Value::Bool(r.value != 0) : Value::Int(r.value);
  }
  // Locals and constants are read in place: no reference-count traffic for the operands.
  Value ta;
  Value tb;
  const Value* a;
  const Value* b;
  if (e->a->kind == ExprKind::kLocal) {
    a = &frame_[e->a->slot];
  } else if (e->a->kind == ExprKind::kConst) {
    a = &e->a->value;
  } else {
    ta = Eval(e->a);
    if (ta.is_abort()) return ta;
    a = &ta;
  }
  if (e->b->kind == ExprKind::kLocal) {
    b = &frame_[e->b->slot];
  } else if (e->b->kind == ExprKind::kConst) {
    b = &e->b->value;
  } else {
    tb = Eval(e->b);
    if (tb.is_abort()) return tb;
    b = &tb;
  }
  if (a->is_int() && b->is_int()) [[likely]] {
    int64_t x = a->AsInt();
    int64_t y = b->AsInt();
    switch (e->op) {
      case Op::kAdd:
        return Value::Int(WrapAdd(x, y));
      case Op::kSub:
        return Value::Int(WrapSub(x, y));
      case Op::kMul:
        return Value::Int(WrapMul(x, y));
      case Op::kLt:
        return Value::Bool(x < y);
      case Op::kLe:
        return Value::Bool(x <= y);
      case Op::kGt:
        return Value::Bool(x > y);
      case Op::kGe:
        return Value::Bool(x >= y);
      case Op::kEq:
        return Value::Bool(x == y);
      case Op::kNe:
        return Value::Bool(x != y);
      case Op::kMod:
        if (y > 0) return Value::Int(x % y);
        break;
      case Op::kDiv:
        if (y > 0) return Value::Int(x / y);
        break;
      default:
        break;
    }
  }
  return BinaryOp(e->op, *a, *b);
}

// CRM records hold dates as text ("2019-03-15", "2019-03-15T10:20:30+05:30"): compared with a
// date, such text is read as one (docs/language/decisions.md).
bool Interp::DateFromText(const Value& text, const Value& other, Value& out) {
  if (!text.is_text() || !other.is_date()) return false;
  auto d = ParseDateText(text.text(), zone_);
  if (!d) return false;
  out = d->has_time ? Value::DateTime(d->local_ms) : Value::Date(d->local_ms);
  return true;
}

Value Interp::BinaryOp(Op op, const Value& a, const Value& b) {
  if (op >= Op::kEq && op <= Op::kGe) {
    Value converted;
    if (DateFromText(a, b, converted)) return BinaryOp(op, converted, b);
    if (DateFromText(b, a, converted)) return BinaryOp(op, a, converted);
  }
  auto bad = [&] {
    return Fail(Msg::kBadOperands, {OpSpelling(op), TypeName(a.type()), TypeName(b.type())});
  };
  switch (op) {
    case Op::kEq:
    case Op::kNe: {
      bool equal = false;
      if (!ValuesEqual(*this, a, b, equal)) return Value::Abort();
      return Value::Bool(equal == (op == Op::kEq));
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return Compare(op, a, b);
    case Op::kAdd:
      if (a.is_text() || b.is_text()) return Concat(a, b);
      if (a.is_date() && b.is_int()) {
        return a.is_date() && a.type() == Type::kDate
                   ? Value::Date(a.AsMillis() + b.AsInt() * kMillisPerDay)
                   : Value::DateTime(a.AsMillis() + b.AsInt() * kMillisPerDay);
      }
      if (a.is_int() && b.is_date()) return BinaryOp(Op::kAdd, b, a);
      break;
    case Op::kSub:
      if (a.is_date() && b.is_date()) return Value::Int(a.AsMillis() - b.AsMillis());
      if (a.is_date() && b.is_int()) {
        return a.type() == Type::kDate ? Value::Date(a.AsMillis() - b.AsInt() * kMillisPerDay)
                                       : Value::DateTime(a.AsMillis() - b.AsInt() * kMillisPerDay);
      }
      break;
    default:
      break;
  }
  if (!a.is_number() || !b.is_number()) return bad();
  if (a.is_int() && b.is_int()) {
    int64_t x = a.AsInt();
    int64_t y = b.AsInt();
    switch (op) {
      case Op::kAdd:
        return Value::Int(WrapAdd(x, y));
      case Op::kSub:
        return Value::Int(WrapSub(x, y));
      case Op::kMul:
        return Value::Int(WrapMul(x, y));
      case Op::kDiv:
        if (y == 0) return Fail(Msg::kDivideByZero);
        if (y == -1) return Value::Int(WrapSub(0, x));
        return Value::Int(x / y);
      case Op::kMod:
        if (y == 0) return Fail(Msg::kDivideByZero);
        if (y == -1) return Value::Int(0);
        return Value::Int(x % y);
      default:
        return bad();
    }
  }
  double x = a.AsDouble();
  double y = b.AsDouble();
  switch (op) {
    case Op::kAdd:
      return Value::Decimal(x + y);
    case Op::kSub:
      return Value::Decimal(x - y);
    case Op::kMul:
      return Value::Decimal(x * y);
    case Op::kDiv:
      if (y == 0) return Fail(Msg::kDivideByZero);
      return Value::Decimal(x / y);
    case Op::kMod:
      if (y == 0) return Fail(Msg::kDivideByZero);
      return Value::Decimal(std::fmod(x, y));
    default:
      return bad();
  }
}

Value Interp::Compare(Op op, const Value& a, const Value& b) {
  int c = 0;
  if (a.is_int() && b.is_int()) {
    c = a.AsInt() < b.AsInt() ? -1 : a.AsInt() > b.AsInt() ? 1 : 0;
  } else if (a.is_number() && b.is_number()) {
    double x = a.AsDouble();
    double y = b.AsDouble();
    if (std::isnan(x) || std::isnan(y)) return Value::Bool(false);
    c = x < y ? -1 : x > y ? 1 : 0;
  } else if (a.is_date() && b.is_date()) {
    c = a.AsMillis() < b.AsMillis() ? -1 : a.AsMillis() > b.AsMillis() ? 1 : 0;
  } else if (a.is_text() && b.is_text()) {
    int r = a.text().compare(b.text());
    c = r < 0 ? -1 : r > 0 ? 1 : 0;
  } else {
    return Fail(Msg::kBadComparison, {TypeName(a.type()), TypeName(b.type()), OpSpelling(op)});
  }
  switch (op) {
    case Op::kLt:
      return Value::Bool(c < 0);
    case Op::kLe:
      return Value::Bool(c <= 0);
    case Op::kGt:
      return Value::Bool(c > 0);
    default:
      return Value::Bool(c >= 0);
  }
}

Value Interp::Concat(const Value& a, const Value& b) {
  std::string out;
  if (a.is_text() && b.is_text()) {
    if (!CheckText(a.text().size() + b.text().size())) return Value::Abort();
    out.reserve(a.text().size() + b.text().size());
  }
  if (!Display(a, out) || !Display(b, out)) return Value::Abort();
  return MakeText(out);
}

Value Interp::EvalUnary(const Expr* e) {
  Value v = Eval(e->a);
  if (v.is_abort()) return v;
  if (e->op == Op::kNot) {
    if (v.is_bool()) return Value::Bool(!v.AsBool());
  } else {
    if (v.is_int()) return Value::Int(WrapSub(0, v.AsInt()));
    if (v.is_decimal()) return Value::Decimal(-v.AsDecimal());
  }
  return Fail(Msg::kBadUnary, {OpSpelling(e->op), TypeName(v.type())});
}

Value Interp::EvalListLit(const Expr* e) {
  Value list = heap_.NewList();
  auto& items = list.list()->items;
  items.reserve(e->args.size());
  for (const Expr* a : e->args) {
    Value v = Eval(a);
    if (v.is_abort()) return v;
    items.push_back(std::move(v));
  }
  return list;
}

Value Interp::EvalMapLit(const Expr* e) {
  Value map = heap_.NewMap();
  for (size_t i = 0; i < e->args.size(); ++i) {
    Value k = Eval(e->keys[i]);
    if (k.is_abort()) return k;
    k = KeyOf(k);
    if (k.is_abort()) return k;
    Value v = Eval(e->args[i]);
    if (v.is_abort()) return v;
    map.map()->map.Put(k, std::move(v));
  }
  return map;
}

bool Interp::ListAdd(ListObj* list, Value v) {
  if (!CheckSize(list->items.size() + 1)) return false;
  Type want = list->elem_type;
  if (want == Type::kNull || v.is_null() || v.type() == want) {
    list->items.push_back(std::move(v));
    return true;
  }
  auto mismatch = [&] {
    Fail(Msg::kTypedListMismatch, {TypeName(v.type()), TypeName(want)});
    return false;
  };
  switch (want) {
    case Type::kText: {
      std::string s;
      if (!Display(v, s)) return false;
      list->items.push_back(Value::Text(s));
      return true;
    }
    case Type::kInt:
    case Type::kDecimal: {
      Value n;
      if (v.is_date()) {
        n = Value::Int(zone_.UtcFromLocal(v.AsMillis()));
      } else if (!ToNumberValue(v, n)) {
        return mismatch();
      }
      list->items.push_back(want == Type::kInt
                                ? (n.is_int() ? n : Value::Int(static_cast<int64_t>(n.AsDecimal())))
                                : Value::Decimal(n.AsDouble()));
      return true;
    }
    case Type::kBool:
      if (v.is_text() && (v.text() == "true" || v.text() == "false")) {
        list->items.push_back(Value::Bool(v.text() == "true"));
        return true;
      }
      return mismatch();
    case Type::kDate:
    case Type::kDateTime:
      if (v.is_date()) {
        list->items.push_back(want == Type::kDate ? Value::Date(v.AsMillis())
                                                  : Value::DateTime(v.AsMillis()));
        return true;
      }
      if (v.is_text()) {
        if (auto d = ParseDateText(v.text(), zone_)) {
          list->items.push_back(want == Type::kDate ? Value::Date(d->local_ms)
                                                    : Value::DateTime(d->local_ms));
          return true;
        }
      }
      return mismatch();
    default:
      return mismatch();
  }
}

Value Interp::EvalConstruct(const Expr* e) {
  auto kind = static_cast<Type>(e->slot);
  ValueVector args;
  args.reserve(e->args.size());
  for (const Expr* a : e->args) {
    Value v = Eval(a);
    if (v.is_abort()) return v;
    args.push_back(std::move(v));
  }
  if (kind == Type::kMap) {
    Value map = heap_.NewMap();
    if (args.empty() || args[0].is_null()) return map;
    if (args.size() > 1) return Fail(Msg::kArgCount, {"Map"});
    const Value& src = args[0].is_collection() ? args[0].collection()->inner : args[0];
    if (src.is_map()) {
      if (!CheckMemory(3 * src.map()->map.size() * sizeof(OrderedMap::Entry)) ||
          !Work(src.map()->map.size())) {
        return Value::Abort();
      }
      for (const auto& en : src.map()->map.entries()) {
        if (!en.key.is_null()) map.map()->map.Put(en.key, en.value);
      }
      return map;
    }
    if (src.is_text()) {
      Value parsed = ParseJsonValue(src.text());
      if (parsed.is_abort()) return parsed;
      if (parsed.is_map()) return parsed;
    }
    return Fail(Msg::kCastError, {TypeName(args[0].type()), "KEY-VALUE", "Map"});
  }
  if (kind == Type::kList) {
    Value list = heap_.NewList(static_cast<Type>(e->value.AsInt()));
    ListObj* l = list.list();
    if (args.size() == 1 && (args[0].is_list() || args[0].is_collection())) {
      Value src = args[0].is_collection() ? args[0].collection()->inner : args[0];
      if (src.is_list()) {
        if (!CheckElements(src.list()->items.size()) || !Work(src.list()->items.size())) {
          return Value::Abort();
        }
        for (const Value& v : src.list()->items) {
          if (!ListAdd(l, v)) return Value::Abort();
        }
        return list;
      }
    }
    for (Value& v : args) {
      if (!ListAdd(l, std::move(v))) return Value::Abort();
    }
    return list;
  }
  Value coll = heap_.NewCollection();
  if (args.empty()) return coll;
  if (e->pairs) {
    Value map = heap_.NewMap();
    for (size_t i = 0; i < args.size(); ++i) {
      if (i >= e->keys.size()) return Fail(Msg::kCollectionMixed);
      Value k = Eval(e->keys[i]);
      if (k.is_abort()) return k;
      k = KeyOf(k);
      if (k.is_abort()) return k;
      map.map()->map.Put(k, std::move(args[i]));
    }
    coll.collection()->inner = std::move(map);
  } else {
    Value list = heap_.NewList();
    list.list()->items = std::move(args);
    coll.collection()->inner = std::move(list);
  }
  return coll;
}

Value Interp::EvalGetKey(const Expr* e) {
  Value v = Eval(e->a);
  if (v.is_abort()) return v;
  if (v.is_collection()) v = v.collection()->inner;
  if (v.is_map()) {
    Value* found = v.map()->map.Find(e->name, HashText(e->name));
    return found ? *found : Value();
  }
  if (v.is_null()) return Fail(Msg::kNullReceiver, {e->name});
  return Fail(Msg::kWrongReceiver, {e->name, TypeName(v.type())});
}

Value Interp::EvalSysVar(const Expr* e) {
  switch (static_cast<SysVar>(e->slot)) {
    case SysVar::kCurrentTime: {
      int64_t now = NowLocalMillis();
      return Value::DateTime(now - ((now % 1000) + 1000) % 1000);
    }
    case SysVar::kCurrentDate: {
      int64_t now = NowLocalMillis();
      int64_t day = now >= 0 ? now / kMillisPerDay : (now - kMillisPerDay + 1) / kMillisPerDay;
      return Value::Date(day * kMillisPerDay);
    }
    case SysVar::kLoginUser:
      return Value::Text(user_.login_user);
    case SysVar::kLoginUserId:
      return Value::Text(user_.login_user_id);
    case SysVar::kAdminUser:
      return Value::Text(user_.admin_user);
    case SysVar::kAdminUserId:
      return Value::Text(user_.admin_user_id);
    case SysVar::kTimeZone:
      return Value::Text(zone_.name());
  }
  return Value();
}

}  // namespace relish::deluge
