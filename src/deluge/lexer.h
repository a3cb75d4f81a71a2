// Source text to tokens. Keywords are not distinguished here: the parser compares identifiers
// case-insensitively, as Deluge does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deluge/diagnostic.h"

namespace relish::deluge {

enum class Tok : uint8_t {
  kEof,
  kIdent,
  kInt,
  kDecimal,
  kText,  // "..." with escapes processed
  kDate,  // '...' (raw)
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kSemicolon,
  kColon,
  kDot,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kAssign,
  kPlusAssign,
  kMinusAssign,
  kStarAssign,
  kSlashAssign,
  kPercentAssign,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
  kError,  // an invalid character (already reported)
};

struct Token {
  Tok kind = Tok::kEof;
  int line = 1;
  int col = 1;
  std::string_view raw;  // the source text of the token
  std::string text;      // kText: the processed value; kIdent: lowercase spelling
  int64_t int_value = 0;
  bool int_min = false;  // 9223372036854775808: valid only right after a unary minus
  double decimal_value = 0;
};

// Human name of a token for messages: "';'", "end of script", "'info'".
std::string Describe(const Token& token);

// Appends lexical errors to `diagnostics`; always ends with a kEof token.
std::vector<Token> Lex(std::string_view source, std::vector<Diagnostic>& diagnostics);

}  // namespace relish::deluge
