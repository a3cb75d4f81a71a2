// Tokens to a Program of unresolved syntax trees. Reports as many errors as it can in one pass:
// after an error it skips to the end of the statement and carries on.
//
// Internal to src/deluge: the public entry point is deluge.h (Compile).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "deluge/ast.h"
#include "deluge/diagnostic.h"
#include "deluge/lexer.h"

namespace relish::deluge {

// Parses a whole script: one or more functions with headers, or a bare body.
// Warnings (the script runs all the same) go to `warnings` when it is given.
void Parse(std::string_view source, Program& program, std::vector<Diagnostic>& diagnostics,
           std::vector<Diagnostic>* warnings = nullptr);

// The type words of a function header (`Int`, `String`, `map`, ...; lowercase, as compared).
std::span<const std::string_view> TypeWords();

class Parser {
 public:
  Parser(std::vector<Token> tokens, Program& program, std::vector<Diagnostic>& diagnostics)
      : tokens_(std::move(tokens)), program_(program), diags_(diagnostics) {}

  void ParseProgram();
  void SetWarnings(std::vector<Diagnostic>* warnings) { warnings_ = warnings; }

  // ---- parser.cc: tokens, functions, statements ----
 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool At(Tok kind) const { return Peek().kind == kind; }
  bool AtWord(std::string_view lower, size_t ahead = 0) const {
    return Peek(ahead).kind == Tok::kIdent && Peek(ahead).text == lower;
  }
  bool Accept(Tok kind) {
    if (!At(kind)) return false;
    Next();
    return true;
  }
  bool Expect(Tok kind, std::string_view what);
  // Reports once per statement (the parser resumes at the next): at a token, or at a range.
  void Error(const Token& at, std::string message);
  void Error(int line, int col, int end_line, int end_col, std::string message);
  void Synchronize();

  bool AtFunctionHeader() const;
  void ParseFunction();
  std::vector<Stmt*> ParseBlock();
  std::vector<Stmt*> ParseBlockOrStatement();
  Stmt* ParseStatement();
  Stmt* ParseIf(const Token& kw);
  Stmt* ParseForEach(const Token& kw);
  Stmt* ParseTry(const Token& kw);
  Stmt* ParseSimple();
  void EndStatement();

  // ---- parser_expr.cc: expressions by precedence ----
 public:
  Expr* ParseExpression();

 private:
  Expr* ParseOr();
  Expr* ParseAnd();
  Expr* ParseEquality();
  Expr* ParseComparison();
  Expr* ParseAdditive();
  Expr* ParseMultiplicative();
  Expr* ParseUnary();
  Expr* ParsePostfix();
  Expr* ParsePrimary();
  Expr* ParseNameOrCall(const Token& name);
  std::vector<Expr*> ParseArgs();  // after '(' up to and including ')'
  Expr* Const(const Token& at, Value value);
  Expr* Binary(const Token& at, Op op, Expr* a, Expr* b);

  // ---- parser_task.cc: literals, constructors and task blocks ----
  Expr* ParseBraceLiteral(const Token& open);
  Expr* ParseBracketList(const Token& open);
  Expr* ParseDateLiteral(const Token& t);
  Expr* ParseConstructor(const Token& name);
  Expr* ParseInvokeUrl(const Token& kw);
  Expr* ParseInvokeApi(const Token& kw);  // issue 17
  Stmt* ParseSendMail(const Token& kw);
  std::vector<TaskField> ParseTaskFields(std::string_view task,
                                         const std::vector<std::string_view>& keys);
  std::string ParseTaskKey();
  bool IsFileLabel() const;  // `file:` in sendmail's attachments (issue 17)

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Program& program_;
  std::vector<Diagnostic>& diags_;
  int depth_ = 0;  // expression and block nesting, bounded by kMaxDepth
  int loops_ = 0;  // enclosing for-each loops (break/continue check)
  bool panic_ = false;
  // ---- issue 17 ----
  std::vector<Diagnostic>* warnings_ = nullptr;
  int condition_ = 0;  // > 0 inside an if condition, where `=` compares (as `==`)
  void Warn(const Token& at, std::string message);
  // Zoho Creator's form statements (alert, input.Field = ..., Form[criteria], ...): one clear
  // error instead of a bare syntax error. True when the statement at the cursor is one (reported).
  bool CreatorStatement();
};

// Nesting bound for the recursive descent (and so for the interpreter's recursion).
inline constexpr int kMaxParseDepth = 150;

}  // namespace relish::deluge
