// A fast path for whole-number arithmetic. After checking, every expression that is only
// locals, whole-number constants and + - * / % (and a comparison on top) is also compiled to a
// short stack program. At run time the program runs first; if a local turns out not to hold a
// whole number, or a division by zero would need an error, it gives up and the tree is
// evaluated the general way. The program has no side effects, so giving up midway is safe.
//
// Measured on bench/deluge/arith: the tree walk spent ~240 instructions per iteration on its
// five operators, the program ~60. Internal to src/deluge.
#pragma once

#include <cstdint>
#include <vector>

#include "deluge/value.h"

namespace relish::deluge {

class Program;
struct Expr;

enum class IntOpCode : uint8_t {
  kLocal,  // push frame[slot]
  kConst,  // push k
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kNeg,
  kAddK,  // top op= k (k != 0 for / and %, k != -1)
  kSubK,
  kMulK,
  kDivK,
  kModK,
  kAddL,  // top op= frame[slot]
  kSubL,
  kMulL,
  kLt,  // compare the top two: the result is 0 or 1
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kEnd,
};

struct IntOp {
  IntOpCode code;
  int32_t slot;
  int64_t k;
};

struct IntCode {
  std::vector<IntOp> ops;
  bool is_comparison = false;  // the result is a boolean (0 or 1)
};

// Compiles every eligible expression of the program (sets Expr::int_code).
void CompileIntCode(Program& program);

inline constexpr int kIntStackMax = 16;

struct IntResult {
  int64_t value;
  bool ok;
};

inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// Runs a program against a frame. Divisions by a local or computed value check for 0 and -1;
// constant divisors were checked when compiling. Dispatch is threaded (computed goto, a GNU
// extension g++ and clang share): one indirect jump per operation.
inline IntResult RunIntCode(const IntOp* op, const Value* frame) {
  static constexpr void* kLabels[] = {
      &&local, &&konst, &&add,  &&sub,  &&mul, &&div, &&mod, &&neg, &&addk, &&subk, &&mulk, &&divk,
      &&modk,  &&addl,  &&subl, &&mull, &&lt,  &&le,  &&gt,  &&ge,  &&eq,   &&ne,   &&end};
  int64_t stack[kIntStackMax];
  int64_t* top = stack;  // one past the top element
#define RELISH_NEXT goto* kLabels[static_cast<int>((++op)->code)]
  goto* kLabels[static_cast<int>(op->code)];
local : {
  const Value& v = frame[op->slot];
  if (!v.is_int()) return {0, false};
  *top++ = v.AsInt();
  RELISH_NEXT;
}
konst:
  *top++ = op->k;
  RELISH_NEXT;
add:
  top[-2] = WrapAdd(top[-2], top[-1]);
  --top;
  RELISH_NEXT;
sub:
  top[-2] = WrapSub(top[-2], top[-1]);
  --top;
  RELISH_NEXT;
mul:
  top[-2] = WrapMul(top[-2], top[-1]);
  --top;
  RELISH_NEXT;
div:
  if (top[-1] == 0) return {0, false};
  top[-2] = top[-1] == -1 ? WrapSub(0, top[-2]) : top[-2] / top[-1];
  --top;
  RELISH_NEXT;
mod:
  if (top[-1] == 0) return {0, false};
  top[-2] = top[-1] == -1 ? 0 : top[-2] % top[-1];
  --top;
  RELISH_NEXT;
neg:
  top[-1] = WrapSub(0, top[-1]);
  RELISH_NEXT;
addk:
  top[-1] = WrapAdd(top[-1], op->k);
  RELISH_NEXT;
subk:
  top[-1] = WrapSub(top[-1], op->k);
  RELISH_NEXT;
mulk:
  top[-1] = WrapMul(top[-1], op->k);
  RELISH_NEXT;
divk:
  top[-1] /= op->k;
  RELISH_NEXT;
modk:
  top[-1] %= op->k;
  RELISH_NEXT;
addl : {
  const Value& v = frame[op->slot];
  if (!v.is_int()) return {0, false};
  top[-1] = WrapAdd(top[-1], v.AsInt());
  RELISH_NEXT;
}
subl : {
  const Value& v = frame[op->slot];
  if (!v.is_int()) return {0, false};
  top[-1] = WrapSub(top[-1], v.AsInt());
  RELISH_NEXT;
}
mull : {
  const Value& v = frame[op->slot];
  if (!v.is_int()) return {0, false};
  top[-1] = WrapMul(top[-1], v.AsInt());
  RELISH_NEXT;
}
lt:
  top[-2] = top[-2] < top[-1];
  --top;
  RELISH_NEXT;
le:
  top[-2] = top[-2] <= top[-1];
  --top;
  RELISH_NEXT;
gt:
  top[-2] = top[-2] > top[-1];
  --top;
  RELISH_NEXT;
ge:
  top[-2] = top[-2] >= top[-1];
  --top;
  RELISH_NEXT;
eq:
  top[-2] = top[-2] == top[-1];
  --top;
  RELISH_NEXT;
ne:
  top[-2] = top[-2] != top[-1];
  --top;
  RELISH_NEXT;
end:
  return {top[-1], true};
#undef RELISH_NEXT
}

}  // namespace relish::deluge
