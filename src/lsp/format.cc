#include "lsp/format.h"

#include <set>
#include <utility>
#include <vector>

#include "deluge/ast.h"
#include "deluge/lexer.h"
#include "deluge/parser.h"

namespace relish::lsp {
namespace {

using deluge::Tok;
using deluge::Token;

struct Comment {
  std::string_view text;
  bool line_comment = false;
  int newlines_before = 0;  // in the source, between what came before and the comment
};

// What lies between two tokens: comments, and the line breaks around them.
struct Gap {
  std::vector<Comment> comments;
  int newlines_after = 0;  // between the last comment (or the previous token) and the token
};

Gap ReadGap(std::string_view gap) {
  Gap g;
  int newlines = 0;
  for (size_t i = 0; i < gap.size();) {
    if (gap[i] == '\n') {
      ++newlines;
      ++i;
    } else if (gap.compare(i, 2, "//") == 0) {
      size_t end = gap.find('\n', i);
      if (end == std::string_view::npos) end = gap.size();
      std::string_view text = gap.substr(i, end - i);
      while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
      }
      g.comments.push_back({text, true, newlines});
      newlines = 0;
      i = end;
    } else if (gap.compare(i, 2, "/*") == 0) {
      size_t end = gap.find("*/", i + 2);
      end = end == std::string_view::npos ? gap.size() : end + 2;
      g.comments.push_back({gap.substr(i, end - i), false, newlines});
      newlines = 0;
      i = end;
    } else {
      ++i;  // spaces, a byte order mark
    }
  }
  g.newlines_after = newlines;
  return g;
}

bool IsWord(const Token& t, std::string_view lower) {
  return t.kind == Tok::kIdent && t.text == lower;
}

enum class Open : uint8_t { kParen, kBlock, kLiteral, kTask, kList };

class Formatter {
 public:
  Formatter(std::string_view source, std::vector<Token> tokens, std::set<std::pair<int, int>> fields)
      : src_(source), tokens_(std::move(tokens)), fields_(std::move(fields)) {}

  std::string Run() {
    size_t prev_end = 0;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      size_t start = t.kind == Tok::kEof ? src_.size()
                                         : static_cast<size_t>(t.raw.data() - src_.data());
      Gap gap = ReadGap(src_.substr(prev_end, start - prev_end));
      if (t.kind == Tok::kEof) {
        EmitComments(gap, /*before_close=*/true);
        break;
      }
      Emit(i, gap);
      prev_end = start + t.raw.size();
    }
    TrimLine();
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
    while (out_.size() >= 2 && out_[out_.size() - 2] == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  enum class Sep : uint8_t { kNone, kSpace, kNewline };

  bool IsFieldStart(const Token& t) const { return fields_.count({t.line, t.col}) > 0; }
  Open Top() const { return stack_.empty() ? Open::kBlock : stack_.back(); }

  // Whether the previous token ends an operand, so that a '-' or '+' after it is binary.
  bool EndsOperand(const Token& p) const {
    switch (p.kind) {
      case Tok::kInt: case Tok::kDecimal: case Tok::kText: case Tok::kDate: case Tok::kRParen:
      case Tok::kRBracket:
        return true;
      case Tok::kRBrace:
        return last_close_ == Open::kLiteral;
      case Tok::kIdent:
        return !(p.text == "return" || p.text == "info" || p.text == "throw" || p.text == "in");
      default:
        return false;
    }
  }

  Open Classify(size_t i) const {
    const Token& t = tokens_[i];
    const Token* p = i > 0 ? &tokens_[i - 1] : nullptr;
    if (t.kind == Tok::kLBrace) {
      // A block follows what completes a header: a condition's or a function header's ')',
      // else, try, or the end of a for-each's expression (`in list {`, `in {1,2} {`). Where
      // an operand is expected (after an operator, '(', ',', ':', return, info, throw, in, or
      // at a statement's start) a '{' opens a map or list literal, as the parser reads it.
      if (p == nullptr) return Open::kLiteral;
      switch (p->kind) {
        case Tok::kRParen: case Tok::kRBracket: case Tok::kInt: case Tok::kDecimal:
        case Tok::kText: case Tok::kDate:
          return Open::kBlock;
        case Tok::kRBrace:
          return last_close_ == Open::kLiteral ? Open::kBlock : Open::kLiteral;
        case Tok::kIdent:
          if (IsWord(*p, "else") || IsWord(*p, "try")) return Open::kBlock;
          return EndsOperand(*p) ? Open::kBlock : Open::kLiteral;
        default:
          return Open::kLiteral;
      }
    }
    if (t.kind == Tok::kLBracket) {
      return i + 1 < tokens_.size() && IsFieldStart(tokens_[i + 1]) ? Open::kTask : Open::kList;
    }
    return Open::kParen;
  }

  Sep Between(size_t i, Open open) {
    const Token& t = tokens_[i];
    if (i == 0) return Sep::kNone;
    const Token& p = tokens_[i - 1];
    bool t_opens = t.kind == Tok::kLBrace || t.kind == Tok::kLBracket;
    bool t_closes = t.kind == Tok::kRBrace || t.kind == Tok::kRBracket;
    if (p.kind == Tok::kSemicolon && (Top() == Open::kBlock)) return Sep::kNewline;
    if (prev_open_ == Open::kBlock || prev_open_ == Open::kTask) return Sep::kNewline;
    if (t_closes && (Top() == Open::kBlock || Top() == Open::kTask)) return Sep::kNewline;
    if (t_opens && (open == Open::kBlock || open == Open::kTask)) return Sep::kNewline;
    if (prev_closed_ == Open::kTask && t.kind == Tok::kIdent) return Sep::kNewline;
    if (prev_closed_ == Open::kBlock) {
      return t.kind == Tok::kSemicolon ? Sep::kNone : Sep::kNewline;
    }
    if (Top() == Open::kTask && IsFieldStart(t)) return Sep::kNewline;
    // Inside a line.
    if (t.kind == Tok::kComma || t.kind == Tok::kSemicolon || t.kind == Tok::kRParen ||
        t.kind == Tok::kDot || t.kind == Tok::kRBracket) {
      return Sep::kNone;
    }
    if (t.kind == Tok::kRBrace) return Sep::kNone;  // a literal's
    if (p.kind == Tok::kLParen || p.kind == Tok::kLBracket || p.kind == Tok::kDot ||
        p.kind == Tok::kComma || p.kind == Tok::kLBrace) {
      return Sep::kNone;
    }
    if (t.kind == Tok::kColon) {
      // `url :"..."` and `type :GET`, as Zoho's editor writes those two task keys.
      if (Top() == Open::kTask && (IsWord(p, "url") || IsWord(p, "type"))) return Sep::kSpace;
      return Sep::kNone;
    }
    if (p.kind == Tok::kColon) return Sep::kNone;
    if (p.kind == Tok::kNot) return Sep::kNone;
    if ((p.kind == Tok::kMinus || p.kind == Tok::kPlus) && prev_unary_) return Sep::kNone;
    if (t.kind == Tok::kLParen) {
      if (IsWord(p, "catch")) return Sep::kSpace;
      if (p.kind == Tok::kIdent || p.kind == Tok::kRParen || p.kind == Tok::kRBracket) {
        return Sep::kNone;
      }
      return Sep::kSpace;
    }
    if (t.kind == Tok::kLBracket && (p.kind == Tok::kIdent || p.kind == Tok::kRParen)) {
      return Sep::kNone;
    }
    return Sep::kSpace;
  }

  void TrimLine() {
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
  }
  void Newline(bool blank) {
    TrimLine();
    if (out_.empty()) return;
    if (!at_line_start_) out_ += '\n';
    bool blank_already = out_.size() >= 2 && out_[out_.size() - 2] == '\n';
    if (blank && !just_opened_ && !blank_already) out_ += '\n';
    at_line_start_ = true;
  }
  void Write(std::string_view text, bool continuation) {
    if (at_line_start_) {
      out_.append(static_cast<size_t>(indent_ + (continuation ? 1 : 0)), '\t');
      at_line_start_ = false;
    } else if (!out_.empty() && out_.back() != ' ' && pending_space_) {
      out_ += double_space_ ? "  " : " ";
    }
    double_space_ = false;
    pending_space_ = false;
    out_ += text;
  }
  bool MidStatement() const {
    return !statement_start_ && !(Top() == Open::kTask && field_start_);
  }

  // Comments before a token (or the end); leaves the separator the token still needs decided:
  // returns whether a line comment forced a new line.
  bool EmitComments(const Gap& gap, bool before_close) {
    bool forced = false;
    for (const Comment& c : gap.comments) {
      if (c.newlines_before == 0 && !at_line_start_ && !out_.empty() && !forced) {
        pending_space_ = true;
      } else {
        Newline(c.newlines_before >= 2);
      }
      Write(c.text, MidStatement() && !before_close);
      just_opened_ = false;
      pending_space_ = true;
      forced = c.line_comment;
      if (forced) Newline(false);
    }
    if (!gap.comments.empty() && !forced && gap.newlines_after > 0) {
      Newline(gap.newlines_after >= 2);
      forced = true;
    }
    return forced;
  }

  void Emit(size_t i, const Gap& gap) {
    const Token& t = tokens_[i];
    Open open = Open::kParen;
    bool opens = t.kind == Tok::kLBrace || t.kind == Tok::kLBracket || t.kind == Tok::kLParen;
    bool closes = t.kind == Tok::kRBrace || t.kind == Tok::kRBracket || t.kind == Tok::kRParen;
    if (opens) open = Classify(i);
    Open closing = closes ? Top() : Open::kParen;
    bool block_close = closes && (closing == Open::kBlock || closing == Open::kTask);
    if (block_close && indent_ > 0) --indent_;

    bool forced = EmitComments(gap, block_close);
    Sep sep = Between(i, open);
    if (sep == Sep::kNewline) {
      if (!forced) Newline(gap.newlines_after >= 2 && !block_close);
    } else if (!forced) {
      pending_space_ = sep == Sep::kSpace;
    }
    if (!at_line_start_ && sep == Sep::kNone) pending_space_ = false;
    field_start_ = IsFieldStart(t);

    std::string_view text = t.raw;
    bool continuation = MidStatement() && !block_close && !(opens && open != Open::kParen &&
                                                            open != Open::kLiteral &&
                                                            open != Open::kList);
    Write(text, continuation);
    // Zoho's editor writes two spaces after `for each` before the loop variable.
    if (IsWord(t, "each") && i > 0 && IsWord(tokens_[i - 1], "for") && i + 1 < tokens_.size() &&
        !IsWord(tokens_[i + 1], "index")) {
      double_space_ = true;
    }

    prev_unary_ = (t.kind == Tok::kMinus || t.kind == Tok::kPlus) &&
                  (i == 0 || !EndsOperand(tokens_[i - 1]));
    prev_open_ = opens ? open : Open::kParen;
    prev_closed_ = closes ? closing : Open::kParen;
    if (opens && open != Open::kParen) prev_open_ = open;
    if (!opens) prev_open_ = Open::kParen;
    just_opened_ = opens && (open == Open::kBlock || open == Open::kTask);
    if (opens) {
      stack_.push_back(open);
      if (open == Open::kBlock || open == Open::kTask) ++indent_;
    }
    if (closes) {
      last_close_ = closing;
      if (!stack_.empty()) stack_.pop_back();
    } else {
      last_close_ = Open::kParen;
    }
    statement_start_ = (t.kind == Tok::kSemicolon && Top() == Open::kBlock) ||
                       (opens && open == Open::kBlock) || block_close;
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  std::set<std::pair<int, int>> fields_;
  std::vector<Open> stack_;
  std::string out_;
  int indent_ = 0;
  bool at_line_start_ = true;
  bool pending_space_ = false;
  bool double_space_ = false;
  bool just_opened_ = true;  // no blank line at the start of the script or of a block
  bool statement_start_ = true;
  bool field_start_ = false;
  bool prev_unary_ = false;
  Open prev_open_ = Open::kParen;
  Open prev_closed_ = Open::kParen;
  Open last_close_ = Open::kParen;
};

std::string Where(const deluge::Diagnostic& d) {
  return "line " + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

// The tokens and comments of a script, as the formatter must keep them.
struct Shape {
  std::vector<std::pair<Tok, std::string_view>> tokens;
  std::vector<std::string_view> comments;
  bool operator==(const Shape&) const = default;
};

Shape ShapeOf(std::string_view source, const std::vector<Token>& tokens) {
  Shape s;
  size_t prev_end = 0;
  for (const Token& t : tokens) {
    size_t start = t.kind == Tok::kEof ? source.size()
                                       : static_cast<size_t>(t.raw.data() - source.data());
    for (const Comment& c : ReadGap(source.substr(prev_end, start - prev_end)).comments) {
      s.comments.push_back(c.text);
    }
    if (t.kind == Tok::kEof) break;
    s.tokens.emplace_back(t.kind, t.raw);
    prev_end = start + t.raw.size();
  }
  return s;
}

}  // namespace

Result<std::string> FormatScript(std::string_view source) {
  std::vector<deluge::Diagnostic> diags;
  std::vector<Token> tokens = deluge::Lex(source, diags);
  if (!diags.empty()) return InvalidArgument("cannot format: " + Where(diags.front()));
  deluge::Program program;
  deluge::Parse(source, program, diags);
  if (!diags.empty()) return InvalidArgument("cannot format: " + Where(diags.front()));

  std::set<std::pair<int, int>> fields;
  program.ForEachNode(
      [&](const deluge::Expr& e) {
        for (const auto& f : e.fields) fields.insert({f.line, f.col});
      },
      [&](const deluge::Stmt& s) {
        for (const auto& f : s.fields) fields.insert({f.line, f.col});
      });

  Shape before = ShapeOf(source, tokens);
  std::string out = Formatter(source, std::move(tokens), std::move(fields)).Run();

  std::vector<deluge::Diagnostic> after_diags;
  std::vector<Token> after = deluge::Lex(out, after_diags);
  if (!after_diags.empty() || !(ShapeOf(out, after) == before)) {
    // A formatter bug: answering would change the program, so refuse instead.
    return Internal("the formatter could not lay this script out without changing it");
  }
  return out;
}

}  // namespace relish::lsp
