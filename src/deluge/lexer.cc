#include "deluge/lexer.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>

#include "deluge/errors.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

class Lexer {
 public:
  Lexer(std::string_view src, std::vector<Diagnostic>& diags) : src_(src), diags_(diags) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    out.reserve(src_.size() / 3 + 4);
    for (;;) {
      SkipSpaceAndComments();
      Token t;
      t.line = line_;
      t.col = Col();
      if (pos_ >= src_.size()) {
        t.kind = Tok::kEof;
        out.push_back(std::move(t));
        return out;
      }
      size_t start = pos_;
      Scan(t);
      t.raw = src_.substr(start, pos_ - start);
      out.push_back(std::move(t));
    }
  }

 private:
  int Col() const { return static_cast<int>(pos_ - line_start_) + 1; }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void Advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  // Each error is reported where the scan stopped: the problem spans from its start to here.
  void Error(int line, int col, std::string message) {
    diags_.push_back(Diagnostic{line, col, std::move(message), line_, Col()});
  }

  void SkipSpaceAndComments() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        Advance();
      } else if (c == '/' && Peek(1) == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else if (c == '/' && Peek(1) == '*') {
        int line = line_;
        int col = Col();
        pos_ += 2;
        bool closed = false;
        while (pos_ < src_.size()) {
          if (src_[pos_] == '*' && Peek(1) == '/') {
            pos_ += 2;
            closed = true;
            break;
          }
          Advance();
        }
        if (!closed) Error(line, col, Format(Msg::kUnterminatedComment));
      } else if (static_cast<unsigned char>(c) == 0xEF && Peek(1) == '\xBB' && Peek(2) == '\xBF') {
        pos_ += 3;  // a byte order mark
      } else {
        return;
      }
    }
  }

  void Scan(Token& t) {
    char c = src_[pos_];
    if (IsAsciiAlpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      size_t start = pos_;
      while (pos_ < src_.size() && (IsAsciiAlnum(src_[pos_]) || src_[pos_] == '_' ||
                                    static_cast<unsigned char>(src_[pos_]) >= 0x80)) {
        ++pos_;
      }
      t.kind = Tok::kIdent;
      std::string_view word = src_.substr(start, pos_ - start);
      t.text.reserve(word.size());
      for (char ch : word) t.text += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
      return;
    }
    if (IsAsciiDigit(c)) return Number(t);
    if (c == '"') return Text(t);
    if (c == '\'') return Date(t);
    ++pos_;
    auto two = [&](char next, Tok yes, Tok no) {
      if (Peek() == next) {
        ++pos_;
        t.kind = yes;
      } else {
        t.kind = no;
      }
    };
    switch (c) {
      case '(':
        t.kind = Tok::kLParen;
        return;
      case ')':
        t.kind = Tok::kRParen;
        return;
      case '{':
        t.kind = Tok::kLBrace;
        return;
      case '}':
        t.kind = Tok::kRBrace;
        return;
      case '[':
        t.kind = Tok::kLBracket;
        return;
      case ']':
        t.kind = Tok::kRBracket;
        return;
      case ',':
        t.kind = Tok::kComma;
        return;
      case ';':
        t.kind = Tok::kSemicolon;
        return;
      case ':':
        t.kind = Tok::kColon;
        return;
      case '.':
        t.kind = Tok::kDot;
        return;
      case '+':
        two('=', Tok::kPlusAssign, Tok::kPlus);
        return;
      case '-':
        two('=', Tok::kMinusAssign, Tok::kMinus);
        return;
      case '*':
        two('=', Tok::kStarAssign, Tok::kStar);
        return;
      case '/':
        two('=', Tok::kSlashAssign, Tok::kSlash);
        return;
      case '%':
        two('=', Tok::kPercentAssign, Tok::kPercent);
        return;
      case '=':
        two('=', Tok::kEq, Tok::kAssign);
        return;
      case '!':
        two('=', Tok::kNe, Tok::kNot);
        return;
      case '<':
        if (Peek() == '>') {  // "<>" is an old spelling of "!="
          ++pos_;
          t.kind = Tok::kNe;
          return;
        }
        two('=', Tok::kLe, Tok::kLt);
        return;
      case '>':
        two('=', Tok::kGe, Tok::kGt);
        return;
      case '&':
        if (Peek() == '&') {
          ++pos_;
          t.kind = Tok::kAnd;
          return;
        }
        break;
      case '|':
        if (Peek() == '|') {
          ++pos_;
          t.kind = Tok::kOr;
          return;
        }
        break;
      default:
        break;
    }
    t.kind = Tok::kError;
    Error(t.line, t.col, Format(Msg::kUnexpectedChar, {std::string_view(&c, 1)}));
  }

  void Number(Token& t) {
    size_t start = pos_;
    while (IsAsciiDigit(Peek())) ++pos_;
    bool decimal = false;
    if (Peek() == '.' && IsAsciiDigit(Peek(1))) {
      decimal = true;
      ++pos_;
      while (IsAsciiDigit(Peek())) ++pos_;
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsAsciiDigit(Peek(1)) || ((Peek(1) == '-' || Peek(1) == '+') && IsAsciiDigit(Peek(2))))) {
      decimal = true;
      pos_ += 2;
      while (IsAsciiDigit(Peek())) ++pos_;
    }
    std::string_view digits = src_.substr(start, pos_ - start);
    if (decimal) {
      t.kind = Tok::kDecimal;
      t.decimal_value = std::strtod(std::string(digits).c_str(), nullptr);
      return;
    }
    t.kind = Tok::kInt;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.int_value);
    if (r.ec != std::errc() && digits == "9223372036854775808") {
      t.int_value = INT64_MIN;
      t.int_min = true;
      return;
    }
    if (r.ec != std::errc()) {
      t.kind = Tok::kError;
      Error(t.line, t.col, Format(Msg::kBadNumber, {digits}));
    }
  }

  void Text(Token& t) {
    ++pos_;  // opening quote
    t.kind = Tok::kText;
    while (pos_ < src_.size() && src_[pos_] != '"') {
      char c = src_[pos_];
      if (c != '\\') {
        t.text += c;
        Advance();
        continue;
      }
      char e = Peek(1);
      pos_ += 2;
      switch (e) {
        case 'n':
          t.text += '\n';
          break;
        case 't':
          t.text += '\t';
          break;
        case 'r':
          t.text += '\r';
          break;
        case 'b':
          t.text += '\b';
          break;
        case 'f':
          t.text += '\f';
          break;
        case '"':
          t.text += '"';
          break;
        case '\'':
          t.text += '\'';
          break;
        case '\\':
          t.text += '\\';
          break;
        case '/':
          t.text += '/';
          break;
        case 'u': {
          unsigned cp = 0;
          int n = 0;
          while (n < 4 && pos_ < src_.size()) {
            char h = src_[pos_];
            int v = (h >= '0' && h <= '9')   ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
            if (v < 0) break;
            cp = cp * 16 + static_cast<unsigned>(v);
            ++pos_;
            ++n;
          }
          if (n == 4) {
            EncodeUtf8(cp, t.text);
          } else {
            t.text += "\\u";  // not an escape after all: keep it as written
            pos_ -= static_cast<size_t>(n);
          }
          break;
        }
        case '\0':
          --pos_;  // backslash at the very end
          t.text += '\\';
          break;
        default:
          // Unknown escapes stay as written, so regexes like "\d+" work as users expect.
          t.text += '\\';
          --pos_;
          break;
      }
    }
    if (pos_ >= src_.size()) {
      t.kind = Tok::kError;
      Error(t.line, t.col, Format(Msg::kUnterminatedText));
      return;
    }
    ++pos_;  // closing quote
  }

  void Date(Token& t) {
    ++pos_;
    size_t start = pos_;
    while (pos_ < src_.size() && src_[pos_] != '\'' && src_[pos_] != '\n') ++pos_;
    if (pos_ >= src_.size() || src_[pos_] != '\'') {
      t.kind = Tok::kError;
      Error(t.line, t.col, Format(Msg::kUnterminatedDate));
      return;
    }
    t.kind = Tok::kDate;
    t.text = std::string(src_.substr(start, pos_ - start));
    ++pos_;
  }

  std::string_view src_;
  std::vector<Diagnostic>& diags_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Tok::kEof:
      return "end of script";
    case Tok::kText:
      return "text \"" + token.text.substr(0, 30) + "\"";
    case Tok::kDate:
      return "date '" + token.text + "'";
    default:
      return "'" + std::string(token.raw.substr(0, 30)) + "'";
  }
}

std::vector<Token> Lex(std::string_view source, std::vector<Diagnostic>& diagnostics) {
  return Lexer(source, diagnostics).Run();
}

}  // namespace relish::deluge
