// Expressions, from lowest to highest precedence:
//   ||   &&   == !=   < <= > >=   + -   * / %   unary ! -   postfix .name .name(...)   primary
// (docs/language/operators.md).
#include <cstdint>

#include "deluge/errors.h"
#include "deluge/parser.h"

namespace relish::deluge {

Expr* Parser::Const(const Token& at, Value value) {
  Expr* e = program_.NewExpr(ExprKind::kConst, at.line, at.col);
  e->value = std::move(value);
  return e;
}

Expr* Parser::Binary(const Token& at, Op op, Expr* a, Expr* b) {
  Expr* e = program_.NewExpr(ExprKind::kBinary, at.line, at.col);
  e->op = op;
  e->a = a;
  e->b = b;
  return e;
}

Expr* Parser::ParseExpression() {
  if (++depth_ > kMaxParseDepth) {
    Error(Peek(), Format(Msg::kTooDeep));
    --depth_;
    return Const(Peek(), Value());
  }
  Expr* e = ParseOr();
  --depth_;
  return e;
}

Expr* Parser::ParseOr() {
  Expr* left = ParseAnd();
  while (At(Tok::kOr)) {
    const Token& op = Next();
    Expr* e = program_.NewExpr(ExprKind::kOr, op.line, op.col);
    e->a = left;
    e->b = ParseAnd();
    left = e;
  }
  return left;
}

Expr* Parser::ParseAnd() {
  Expr* left = ParseEquality();
  while (At(Tok::kAnd)) {
    const Token& op = Next();
    Expr* e = program_.NewExpr(ExprKind::kAnd, op.line, op.col);
    e->a = left;
    e->b = ParseEquality();
    left = e;
  }
  return left;
}

Expr* Parser::ParseEquality() {
  Expr* left = ParseComparison();
  while (At(Tok::kEq) || At(Tok::kNe) || (condition_ > 0 && At(Tok::kAssign))) {
    const Token& op = Next();
    // Zoho's editor runs `if(a = "x")` as a comparison (no assignment can stand in a condition).
    if (op.kind == Tok::kAssign) Warn(op, Format(Msg::kAssignInCondition));
    left = Binary(op, op.kind == Tok::kNe ? Op::kNe : Op::kEq, left, ParseComparison());
  }
  return left;
}

Expr* Parser::ParseComparison() {
  Expr* left = ParseAdditive();
  for (;;) {
    Op op;
    switch (Peek().kind) {
      case Tok::kLt:
        op = Op::kLt;
        break;
      case Tok::kLe:
        op = Op::kLe;
        break;
      case Tok::kGt:
        op = Op::kGt;
        break;
      case Tok::kGe:
        op = Op::kGe;
        break;
      default:
        return left;
    }
    const Token& t = Next();
    left = Binary(t, op, left, ParseAdditive());
  }
}

Expr* Parser::ParseAdditive() {
  Expr* left = ParseMultiplicative();
  while (At(Tok::kPlus) || At(Tok::kMinus)) {
    const Token& t = Next();
    left = Binary(t, t.kind == Tok::kPlus ? Op::kAdd : Op::kSub, left, ParseMultiplicative());
  }
  return left;
}

Expr* Parser::ParseMultiplicative() {
  Expr* left = ParseUnary();
  for (;;) {
    Op op;
    switch (Peek().kind) {
      case Tok::kStar:
        op = Op::kMul;
        break;
      case Tok::kSlash:
        op = Op::kDiv;
        break;
      case Tok::kPercent:
        op = Op::kMod;
        break;
      default:
        return left;
    }
    const Token& t = Next();
    left = Binary(t, op, left, ParseUnary());
  }
}

Expr* Parser::ParseUnary() {
  if (At(Tok::kNot) || At(Tok::kMinus) || At(Tok::kPlus)) {
    if (++depth_ > kMaxParseDepth) {
      Error(Peek(), Format(Msg::kTooDeep));
      --depth_;
      return Const(Peek(), Value());
    }
    const Token& t = Next();
    if (t.kind == Tok::kMinus && Peek().kind == Tok::kInt && Peek().int_min) {
      --depth_;
      return Const(Next(), Value::Int(INT64_MIN));  // -9223372036854775808
    }
    Expr* operand = ParseUnary();
    --depth_;
    if (t.kind == Tok::kPlus) return operand;
    if (t.kind == Tok::kMinus && operand->kind == ExprKind::kConst) {
      // Fold negative literals so -5 is a constant (and -9223372036854775808 is not an error).
      if (operand->value.is_int()) {
        operand->value =
            Value::Int(static_cast<int64_t>(0ull - static_cast<uint64_t>(operand->value.AsInt())));
        return operand;
      }
      if (operand->value.is_decimal()) {
        operand->value = Value::Decimal(-operand->value.AsDecimal());
        return operand;
      }
    }
    Expr* e = program_.NewExpr(ExprKind::kUnary, t.line, t.col);
    e->op = t.kind == Tok::kNot ? Op::kNot : Op::kNeg;
    e->a = operand;
    return e;
  }
  return ParsePostfix();
}

Expr* Parser::ParsePostfix() {
  Expr* e = ParsePrimary();
  while (At(Tok::kDot) && !panic_) {
    Next();
    const Token& name = Peek();
    if (name.kind != Tok::kIdent) {
      Error(name, Format(Msg::kExpected, {"a function name after '.'", Describe(name)}));
      return e;
    }
    Next();
    if (At(Tok::kLParen)) {
      Next();
      Expr* call = program_.NewExpr(ExprKind::kMethod, name.line, name.col);
      call->a = e;
      call->name = std::string(name.raw);
      call->args = ParseArgs();
      e = call;
    } else {
      Expr* prop = program_.NewExpr(ExprKind::kProperty, name.line, name.col);
      prop->a = e;
      prop->name = std::string(name.raw);
      e = prop;
    }
  }
  return e;
}

std::vector<Expr*> Parser::ParseArgs() {
  std::vector<Expr*> args;
  if (Accept(Tok::kRParen)) return args;
  Expr* pairs = nullptr;  // `key: value` arguments, as in collection.insert("k":"v")
  for (;;) {
    Expr* arg = ParseExpression();
    if (panic_) return args;
    if (At(Tok::kColon)) {
      Next();
      if (pairs == nullptr) {
        pairs = program_.NewExpr(ExprKind::kMapLit, arg->line, arg->col);
        args.push_back(pairs);
      }
      pairs->keys.push_back(arg);
      pairs->args.push_back(ParseExpression());
      if (panic_) return args;
    } else {
      args.push_back(arg);
    }
    if (Accept(Tok::kComma)) continue;
    Expect(Tok::kRParen, "',' or ')'");
    return args;
  }
}

Expr* Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case Tok::kInt:
      Next();
      // 9223372036854775808 fits only as the operand of a unary minus (ParseUnary).
      if (t.int_min) Error(t, Format(Msg::kBadNumber, {t.raw}));
      return Const(t, Value::Int(t.int_value));
    case Tok::kDecimal:
      Next();
      return Const(t, Value::Decimal(t.decimal_value));
    case Tok::kText:
      Next();
      return Const(t, ImmortalText(t.text));
    case Tok::kDate:
      Next();
      return ParseDateLiteral(t);
    case Tok::kLParen: {
      Next();
      Expr* e = ParseExpression();
      Expect(Tok::kRParen, "')'");
      return e;
    }
    case Tok::kLBrace:
      Next();
      return ParseBraceLiteral(t);
    case Tok::kLBracket:
      Next();
      return ParseBracketList(t);
    case Tok::kIdent: {
      const std::string& w = t.text;
      if (w == "true" || w == "false") {
        Next();
        return Const(t, Value::Bool(w == "true"));
      }
      if (w == "null") {
        Next();
        return Const(t, Value());
      }
      if (w == "invokeurl" && Peek(1).kind == Tok::kLBracket) return ParseInvokeUrl(Next());
      if (w == "invokeapi" && Peek(1).kind == Tok::kLBracket) return ParseInvokeApi(Next());
      if (w == "if" && Peek(1).kind == Tok::kLParen) {
        Next();
        Next();
        ++condition_;
        std::vector<Expr*> args = ParseArgs();
        --condition_;
        if (panic_) return Const(t, Value());
        if (args.size() != 3) {
          Error(t, Format(Msg::kArgCount, {"if"}));
          return Const(t, Value());
        }
        Expr* e = program_.NewExpr(ExprKind::kIf, t.line, t.col);
        e->a = args[0];
        e->b = args[1];
        e->c = args[2];
        return e;
      }
      if ((w == "map" || w == "list" || w == "collection") &&
          (Peek(1).kind == Tok::kLParen || (w == "list" && Peek(1).kind == Tok::kColon))) {
        return ParseConstructor(Next());
      }
      return ParseNameOrCall(Next());
    }
    default:
      Error(t, Format(Msg::kExpectedExpression, {Describe(t)}));
      return Const(t, Value());
  }
}

Expr* Parser::ParseNameOrCall(const Token& name) {
  // `Form[criteria]` fetches records of a Zoho Creator form.
  if (At(Tok::kLBracket)) Error(name, Format(Msg::kCreatorNotSupported));
  if (At(Tok::kLParen)) {
    Next();
    Expr* call = program_.NewExpr(ExprKind::kCall, name.line, name.col);
    call->name = std::string(name.raw);
    call->args = ParseArgs();
    return call;
  }
  Expr* e = program_.NewExpr(ExprKind::kName, name.line, name.col);
  e->name = std::string(name.raw);
  return e;
}

}  // namespace relish::deluge
