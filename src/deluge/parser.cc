// The parser's core: token helpers, error recovery, function headers and statements.
#include "deluge/parser.h"

#include <utility>

#include "deluge/errors.h"

namespace relish::deluge {
namespace {

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

constexpr std::string_view kTypes[] = {
    "void",   "string",   "text",       "int",  "integer", "long", "number",
    "bigint", "decimal",  "float",      "bool", "boolean", "map",  "list",
    "date",   "datetime", "collection", "file", "time"};

bool IsTypeWord(std::string_view w) {
  for (auto t : kTypes) {
    if (t == w) return true;
  }
  return false;
}

}  // namespace

std::span<const std::string_view> TypeWords() { return kTypes; }

void Parse(std::string_view source, Program& program, std::vector<Diagnostic>& diagnostics,
           std::vector<Diagnostic>* warnings) {
  std::vector<Token> tokens = Lex(source, diagnostics);
  Parser parser(std::move(tokens), program, diagnostics);
  parser.SetWarnings(warnings);
  parser.ParseProgram();
}

bool Parser::Expect(Tok kind, std::string_view what) {
  if (Accept(kind)) return true;
  Error(Peek(), Format(Msg::kExpected, {what, Describe(Peek())}));
  return false;
}

namespace {

// Where a token's text ends (just past it): its text may span lines (a text literal).
std::pair<int, int> TokenEnd(const Token& t) {
  size_t nl = t.raw.rfind('\n');
  if (nl == std::string_view::npos) return {t.line, t.col + static_cast<int>(t.raw.size())};
  int line = t.line;
  for (char c : t.raw) line += c == '\n' ? 1 : 0;
  return {line, static_cast<int>(t.raw.size() - nl)};
}

}  // namespace

void Parser::Error(const Token& at, std::string message) {
  if (at.kind == Tok::kError && !panic_) {  // the lexer reported this token already
    panic_ = true;
    return;
  }
  auto [end_line, end_col] = TokenEnd(at);
  Error(at.line, at.col, end_line, end_col, std::move(message));
}

void Parser::Error(int line, int col, int end_line, int end_col, std::string message) {
  if (panic_) return;
  panic_ = true;
  diags_.push_back(Diagnostic{line, col, std::move(message), end_line, end_col});
}

// ---- issue 17: warnings and Zoho Creator's form statements ----

void Parser::Warn(const Token& at, std::string message) {
  if (warnings_ == nullptr || panic_) return;
  auto [end_line, end_col] = TokenEnd(at);
  warnings_->push_back(Diagnostic{at.line, at.col, std::move(message), end_line, end_col});
}

bool Parser::CreatorStatement() {
  const Token& t = Peek();
  const std::string& w = t.text;
  Tok next = Peek(1).kind;
  bool creator = false;
  if (w == "alert" && (next == Tok::kText || next == Tok::kIdent)) creator = true;
  if ((w == "hide" || w == "show" || w == "disable" || w == "enable" || w == "clear" ||
       w == "cancel") &&
      next == Tok::kIdent) {
    creator = true;
  }
  if ((w == "insert" && AtWord("into", 1)) || (w == "delete" && AtWord("from", 1))) {
    creator = true;
  }
  if (!creator) return false;
  Error(t, Format(Msg::kCreatorNotSupported));
  return true;
}

void Parser::Synchronize() {
  int nesting = 0;
  while (!At(Tok::kEof)) {
    Tok k = Peek().kind;
    if (nesting == 0 && k == Tok::kSemicolon) {
      Next();
      break;
    }
    if (nesting == 0 && k == Tok::kRBrace) break;
    if (k == Tok::kLBrace || k == Tok::kLParen || k == Tok::kLBracket) ++nesting;
    if (k == Tok::kRBrace || k == Tok::kRParen || k == Tok::kRBracket) --nesting;
    if (nesting < 0) nesting = 0;
    Next();
  }
  panic_ = false;
}

bool Parser::AtFunctionHeader() const {
  if (Peek().kind != Tok::kIdent || !IsTypeWord(Peek().text)) return false;
  if (Peek(1).kind != Tok::kIdent) return false;
  size_t i = 2;
  while (Peek(i).kind == Tok::kDot && Peek(i + 1).kind == Tok::kIdent) i += 2;
  return Peek(i).kind == Tok::kLParen;
}

void Parser::ParseProgram() {
  if (!AtFunctionHeader()) {
    Function fn;
    fn.line = 1;
    while (!At(Tok::kEof)) {
      if (At(Tok::kRBrace)) {
        Error(Peek(), Format(Msg::kExpectedStatement, {Describe(Peek())}));
        Next();
        panic_ = false;
        continue;
      }
      Stmt* s = ParseStatement();
      if (s != nullptr) fn.body.push_back(s);
      if (panic_) Synchronize();
    }
    program_.functions.push_back(std::move(fn));
    return;
  }
  while (!At(Tok::kEof)) {
    if (!AtFunctionHeader()) {
      Error(Peek(), Format(Msg::kExpected, {"a function header", Describe(Peek())}));
      while (!At(Tok::kEof) && !AtFunctionHeader()) Next();
      panic_ = false;
      continue;
    }
    ParseFunction();
  }
}

void Parser::ParseFunction() {
  Function fn;
  fn.has_header = true;
  const Token& type = Next();
  fn.line = type.line;
  fn.return_type = type.text;
  std::string qualified(Next().raw);
  while (At(Tok::kDot)) {
    Next();
    qualified += '.';
    qualified += Next().raw;
  }
  fn.qualified_name = qualified;
  size_t dot = qualified.rfind('.');
  std::string last = dot == std::string::npos ? qualified : qualified.substr(dot + 1);
  for (char& c : last) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  fn.name = last;
  Expect(Tok::kLParen, "'('");
  while (!panic_ && !At(Tok::kRParen) && !At(Tok::kEof)) {
    Param p;
    const Token& t = Peek();
    if (t.kind != Tok::kIdent || !IsTypeWord(t.text) || t.text == "void") {
      Error(t, Format(Msg::kBadParamType, {Describe(t)}));
      break;
    }
    Next();
    p.type = t.text;
    const Token& name = Peek();
    if (name.kind != Tok::kIdent) {
      Error(name, Format(Msg::kExpected, {"a parameter name", Describe(name)}));
      break;
    }
    Next();
    p.name = std::string(name.raw);
    p.line = name.line;
    p.col = name.col;
    fn.params.push_back(std::move(p));
    if (!Accept(Tok::kComma)) break;
  }
  if (!panic_) Expect(Tok::kRParen, "')'");
  if (panic_) {
    while (!At(Tok::kEof) && !At(Tok::kLBrace)) Next();
    panic_ = false;
  }
  fn.body = ParseBlock();
  program_.functions.push_back(std::move(fn));
}

std::vector<Stmt*> Parser::ParseBlock() {
  std::vector<Stmt*> body;
  if (!Expect(Tok::kLBrace, "'{'")) return body;
  if (++depth_ > kMaxParseDepth) {
    Error(Peek(), Format(Msg::kTooDeep));
    --depth_;
    return body;
  }
  while (!At(Tok::kRBrace) && !At(Tok::kEof)) {
    Stmt* s = ParseStatement();
    if (s != nullptr) body.push_back(s);
    if (panic_) Synchronize();
  }
  --depth_;
  Expect(Tok::kRBrace, "'}'");
  return body;
}

std::vector<Stmt*> Parser::ParseBlockOrStatement() {
  if (At(Tok::kLBrace)) return ParseBlock();
  std::vector<Stmt*> body;
  if (++depth_ > kMaxParseDepth) {
    Error(Peek(), Format(Msg::kTooDeep));
    --depth_;
    return body;
  }
  Stmt* s = ParseStatement();
  --depth_;
  if (s != nullptr) body.push_back(s);
  return body;
}

Stmt* Parser::ParseStatement() {
  const Token& t = Peek();
  if (t.kind == Tok::kSemicolon) {  // an empty statement, e.g. after a closing brace
    Next();
    return nullptr;
  }
  if (t.kind == Tok::kIdent) {
    const std::string& w = t.text;
    bool assigns = Peek(1).kind == Tok::kAssign ||
                   (Peek(1).kind >= Tok::kPlusAssign && Peek(1).kind <= Tok::kPercentAssign);
    if (!assigns) {
      if (w == "if") return ParseIf(Next());
      if (w == "for" && AtWord("each", 1)) return ParseForEach(Next());
      if (w == "try" && Peek(1).kind == Tok::kLBrace) return ParseTry(Next());
      if (w == "sendmail" && Peek(1).kind == Tok::kLBracket) return ParseSendMail(Next());
      if (CreatorStatement()) return nullptr;
      if (w == "while" && Peek(1).kind == Tok::kLParen) {
        Error(t, Format(Msg::kWhileNotSupported));
        return nullptr;
      }
      if (w == "break" || w == "continue") {
        const Token& kw = Next();
        bool is_break = w == "break";
        if (loops_ == 0) {
          Error(kw, Format(is_break ? Msg::kBreakOutsideLoop : Msg::kContinueOutsideLoop));
          return nullptr;
        }
        Stmt* s =
            program_.NewStmt(is_break ? StmtKind::kBreak : StmtKind::kContinue, kw.line, kw.col);
        EndStatement();
        return s;
      }
      if (w == "return") {
        const Token& kw = Next();
        Stmt* s = program_.NewStmt(StmtKind::kReturn, kw.line, kw.col);
        if (!At(Tok::kSemicolon) && !At(Tok::kRBrace) && !At(Tok::kEof)) s->e = ParseExpression();
        EndStatement();
        return s;
      }
      if (w == "info" || w == "throw") {
        const Token& kw = Next();
        Stmt* s =
            program_.NewStmt(w == "info" ? StmtKind::kInfo : StmtKind::kThrow, kw.line, kw.col);
        s->e = ParseExpression();
        EndStatement();
        return s;
      }
    }
  }
  return ParseSimple();
}

// An else-if chain is parsed in a loop (as a chain of nested ifs in the tree), so a long chain
// does not count against the nesting limit.
Stmt* Parser::ParseIf(const Token& kw) {
  Stmt* first = program_.NewStmt(StmtKind::kIf, kw.line, kw.col);
  Stmt* s = first;
  for (;;) {
    Expect(Tok::kLParen, "'(' after if");
    if (panic_) return first;
    ++condition_;
    s->e = ParseExpression();
    --condition_;
    Expect(Tok::kRParen, "')' to close the condition");
    if (panic_) return first;
    s->body = ParseBlockOrStatement();
    if (panic_ || !AtWord("else")) return first;
    Next();
    if (!AtWord("if")) {
      s->else_body = ParseBlockOrStatement();
      return first;
    }
    const Token& if_kw = Next();
    Stmt* next = program_.NewStmt(StmtKind::kIf, if_kw.line, if_kw.col);
    s->else_body.push_back(next);
    s = next;
  }
}

Stmt* Parser::ParseForEach(const Token& kw) {
  Next();  // each
  bool index = false;
  if (AtWord("index") && Peek(1).kind == Tok::kIdent) {
    Next();
    index = true;
  }
  Stmt* s = program_.NewStmt(index ? StmtKind::kForIndex : StmtKind::kForEach, kw.line, kw.col);
  const Token& var = Peek();
  if (var.kind != Tok::kIdent) {
    Error(var, Format(Msg::kExpected, {"a variable name", Describe(var)}));
    return s;
  }
  Next();
  s->name = std::string(var.raw);
  if (!AtWord("in")) {
    Error(Peek(), Format(Msg::kExpected, {"'in'", Describe(Peek())}));
    return s;
  }
  Next();
  s->e = ParseExpression();
  if (panic_) return s;
  ++loops_;
  s->body = ParseBlockOrStatement();
  --loops_;
  return s;
}

Stmt* Parser::ParseTry(const Token& kw) {
  Stmt* s = program_.NewStmt(StmtKind::kTry, kw.line, kw.col);
  s->body = ParseBlock();
  if (panic_) return s;
  if (!AtWord("catch")) {
    Error(Peek(), Format(Msg::kExpected, {"'catch'", Describe(Peek())}));
    return s;
  }
  Next();
  Expect(Tok::kLParen, "'(' after catch");
  const Token& var = Peek();
  if (!panic_ && var.kind != Tok::kIdent) {
    Error(var, Format(Msg::kExpected, {"a variable name", Describe(var)}));
  }
  if (panic_) return s;
  Next();
  s->name = std::string(var.raw);
  Expect(Tok::kRParen, "')'");
  if (panic_) return s;
  s->else_body = ParseBlock();
  return s;
}

Stmt* Parser::ParseSimple() {
  const Token& t = Peek();
  if (t.kind == Tok::kIdent) {
    Tok next = Peek(1).kind;
    if (next == Tok::kAssign || (next >= Tok::kPlusAssign && next <= Tok::kPercentAssign)) {
      Next();
      const Token& op = Next();
      Stmt* s = program_.NewStmt(next == Tok::kAssign ? StmtKind::kAssign : StmtKind::kCompound,
                                 t.line, t.col);
      s->name = std::string(t.raw);
      switch (op.kind) {
        case Tok::kPlusAssign:
          s->op = Op::kAdd;
          break;
        case Tok::kMinusAssign:
          s->op = Op::kSub;
          break;
        case Tok::kStarAssign:
          s->op = Op::kMul;
          break;
        case Tok::kSlashAssign:
          s->op = Op::kDiv;
          break;
        case Tok::kPercentAssign:
          s->op = Op::kMod;
          break;
        default:
          break;
      }
      s->e = ParseExpression();
      EndStatement();
      return s;
    }
  }
  Stmt* s = program_.NewStmt(StmtKind::kExpr, t.line, t.col);
  if (t.kind == Tok::kRBrace || t.kind == Tok::kEof || t.kind == Tok::kRParen ||
      t.kind == Tok::kRBracket) {
    Error(t, Format(Msg::kExpectedStatement, {Describe(t)}));
    return nullptr;
  }
  s->e = ParseExpression();
  if (panic_) return s;
  if (At(Tok::kAssign) || (Peek().kind >= Tok::kPlusAssign && Peek().kind <= Tok::kPercentAssign)) {
    // `input.Field = value;` sets a field of a Zoho Creator form.
    const Expr* root = s->e;
    while (root->kind == ExprKind::kProperty) root = root->a;
    if (s->e->kind == ExprKind::kProperty && root->kind == ExprKind::kName &&
        ToLowerAscii(root->name) == "input") {
      Error(root->line, root->col, root->line, root->col + 5, Format(Msg::kCreatorNotSupported));
      return s;
    }
    Error(Peek(), Format(Msg::kBadAssignTarget));
    return s;
  }
  // Task blocks may omit the semicolon after their closing bracket.
  if (s->e->kind == ExprKind::kInvokeUrl && !At(Tok::kSemicolon)) return s;
  EndStatement();
  return s;
}

void Parser::EndStatement() {
  if (panic_) return;
  if (Accept(Tok::kSemicolon)) return;
  if (At(Tok::kError)) {  // already reported by the lexer
    panic_ = true;
    return;
  }
  // Point at the end of the statement, where the ';' belongs.
  auto [line, col] = TokenEnd(tokens_[pos_ > 0 ? pos_ - 1 : 0]);
  Error(line, col, line, col,
        Format(Msg::kExpected, {"';' at the end of the statement", Describe(Peek())}));
  // When the next statement starts on a new line, carry on from there: its own errors are
  // worth reporting too.
  if (Peek().line > line) panic_ = false;
}

// ---- Program ----

Program::~Program() {
  for (auto& e : exprs_) {
    if (e->kind == ExprKind::kConst) FreeImmortal(e->value);
  }
}

Expr* Program::NewExpr(ExprKind kind, int line, int col) {
  exprs_.push_back(std::make_unique<Expr>());
  Expr* e = exprs_.back().get();
  e->kind = kind;
  e->line = line;
  e->col = col;
  return e;
}

Stmt* Program::NewStmt(StmtKind kind, int line, int col) {
  stmts_.push_back(std::make_unique<Stmt>());
  Stmt* s = stmts_.back().get();
  s->kind = kind;
  s->line = line;
  s->col = col;
  return s;
}

const char* OpSpelling(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kNeg:
      return "-";
    case Op::kNot:
      return "!";
  }
  return "?";
}

}  // namespace relish::deluge
