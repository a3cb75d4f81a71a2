#include "deluge/int_code.h"

#include <memory>

#include "deluge/ast.h"

namespace relish::deluge {
namespace {

bool Arithmetic(Op op) {
  return op == Op::kAdd || op == Op::kSub || op == Op::kMul || op == Op::kDiv || op == Op::kMod;
}
bool Comparison(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe || op == Op::kEq ||
         op == Op::kNe;
}

class Compiler {
 public:
  bool Emit(const Expr* e) {
    switch (e->kind) {
      case ExprKind::kConst:
        if (!e->value.is_int()) return false;
        Push(IntOpCode::kConst, 0, e->value.AsInt());
        return true;
      case ExprKind::kLocal:
        Push(IntOpCode::kLocal, e->slot, 0);
        return true;
      case ExprKind::kUnary:
        if (e->op != Op::kNeg || !Emit(e->a)) return false;
        ops_.push_back({IntOpCode::kNeg, 0, 0});
        return true;
      case ExprKind::kBinary:
        return EmitBinary(e);
      default:
        return false;
    }
  }

  bool EmitBinary(const Expr* e) {
    if (!Arithmetic(e->op) && !Comparison(e->op)) return false;
    if (!Emit(e->a)) return false;
    const Expr* b = e->b;
    if (Arithmetic(e->op) && b->kind == ExprKind::kConst && b->value.is_int()) {
      int64_t k = b->value.AsInt();
      switch (e->op) {
        case Op::kAdd:
          ops_.push_back({IntOpCode::kAddK, 0, k});
          return true;
        case Op::kSub:
          ops_.push_back({IntOpCode::kSubK, 0, k});
          return true;
        case Op::kMul:
          ops_.push_back({IntOpCode::kMulK, 0, k});
          return true;
        case Op::kDiv:
        case Op::kMod:
          if (k != 0 && k != -1) {
            ops_.push_back({e->op == Op::kDiv ? IntOpCode::kDivK : IntOpCode::kModK, 0, k});
            return true;
          }
          break;
        default:
          break;
      }
    }
    if (b->kind == ExprKind::kLocal &&
        (e->op == Op::kAdd || e->op == Op::kSub || e->op == Op::kMul)) {
      IntOpCode code = e->op == Op::kAdd   ? IntOpCode::kAddL
                       : e->op == Op::kSub ? IntOpCode::kSubL
                                           : IntOpCode::kMulL;
      ops_.push_back({code, b->slot, 0});
      return true;
    }
    if (!Emit(b)) return false;
    ops_.push_back({CodeFor(e->op), 0, 0});
    --depth_;
    return true;
  }

  // A program for `target op= e` (compound assignment).
  bool EmitCompound(int slot, Op op, const Expr* e) {
    Push(IntOpCode::kLocal, slot, 0);
    if (!Emit(e)) return false;
    ops_.push_back({CodeFor(op), 0, 0});
    --depth_;
    return true;
  }

  std::unique_ptr<IntCode> Finish(bool comparison) {
    if (max_depth_ > kIntStackMax) return nullptr;
    auto code = std::make_unique<IntCode>();
    ops_.push_back({IntOpCode::kEnd, 0, 0});
    code->ops = std::move(ops_);
    code->is_comparison = comparison;
    return code;
  }

 private:
  static IntOpCode CodeFor(Op op) {
    switch (op) {
      case Op::kAdd:
        return IntOpCode::kAdd;
      case Op::kSub:
        return IntOpCode::kSub;
      case Op::kMul:
        return IntOpCode::kMul;
      case Op::kDiv:
        return IntOpCode::kDiv;
      case Op::kMod:
        return IntOpCode::kMod;
      case Op::kLt:
        return IntOpCode::kLt;
      case Op::kLe:
        return IntOpCode::kLe;
      case Op::kGt:
        return IntOpCode::kGt;
      case Op::kGe:
        return IntOpCode::kGe;
      case Op::kEq:
        return IntOpCode::kEq;
      default:
        return IntOpCode::kNe;
    }
  }
  void Push(IntOpCode code, int32_t slot, int64_t k) {
    ops_.push_back({code, slot, k});
    if (++depth_ > max_depth_) max_depth_ = depth_;
  }

  std::vector<IntOp> ops_;
  int depth_ = 0;
  int max_depth_ = 0;
};

}  // namespace

void CompileIntCode(Program& program) {
  program.ForEachNode(
      [](Expr& e) {
        if (e.kind != ExprKind::kBinary && e.kind != ExprKind::kUnary) return;
        Compiler c;
        if (c.Emit(&e)) e.int_code = c.Finish(e.kind == ExprKind::kBinary && Comparison(e.op));
      },
      [](Stmt& s) {
        if (s.kind != StmtKind::kCompound || s.slot < 0 || !Arithmetic(s.op)) return;
        Compiler c;
        if (c.EmitCompound(s.slot, s.op, s.e)) s.int_code = c.Finish(false);
      });
}

}  // namespace relish::deluge
