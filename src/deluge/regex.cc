#define PCRE2_CODE_UNIT_WIDTH 8
#include "deluge/regex.h"

#include <pcre2.h>

namespace relish::deluge {
namespace {

pcre2_code* Code(void* p) { return static_cast<pcre2_code*>(p); }
pcre2_match_data* Data(void* p) { return static_cast<pcre2_match_data*>(p); }
pcre2_match_context* Context(void* p) { return static_cast<pcre2_match_context*>(p); }

constexpr uint32_t kMatchLimit = 2'000'000;

}  // namespace

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern, bool ignore_case,
                                      std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF;
  if (ignore_case) options |= PCRE2_CASELESS;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, nullptr);
  if (re == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    error = reinterpret_cast<char*>(buf);
    return nullptr;
  }
  std::unique_ptr<Regex> r(new Regex());
  r->code_ = re;
  r->match_data_ = pcre2_match_data_create_from_pattern(re, nullptr);
  // A pathological pattern gives up (as no match) instead of backtracking for minutes.
  pcre2_match_context* ctx = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(ctx, kMatchLimit);
  pcre2_set_depth_limit(ctx, kMatchLimit / 10);
  r->context_ = ctx;
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // optional: the interpreter is used if JIT is off
  return r;
}

Regex::~Regex() {
  pcre2_match_context_free(static_cast<pcre2_match_context*>(context_));
  pcre2_match_data_free(Data(match_data_));
  pcre2_code_free(Code(code_));
}

bool Regex::FullMatch(std::string_view text) const {
  // Subjects that are not valid UTF-8 simply do not match.
  int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, Data(match_data_), Context(context_));
  return rc >= 0;
}

bool Regex::Find(std::string_view text, size_t from, size_t& begin, size_t& end) const {
  int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), from, 0,
                       Data(match_data_), Context(context_));
  if (rc < 0) return false;
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(Data(match_data_));
  begin = ov[0];
  end = ov[1];
  return true;
}

// Replaces matches, expanding Java's replacement syntax: $n and ${name} insert a group, \x
// inserts x. The subject's UTF-8 is checked once, not on every match.
bool Regex::Replace(std::string_view text, std::string_view replacement, bool all, std::string& out,
                    std::string& error) const {
  auto* code = Code(code_);
  auto* md = Data(match_data_);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  uint32_t groups = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  out.clear();
  size_t pos = 0;
  size_t last = 0;
  uint32_t options = 0;
  while (pos <= text.size()) {
    int rc = pcre2_match(code, subject, text.size(), pos, options, md, Context(context_));
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(rc, buf, sizeof buf);
      error = reinterpret_cast<char*>(buf);
      return false;
    }
    options = PCRE2_NO_UTF_CHECK;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t begin = ov[0];
    size_t end = ov[1];
    out.append(text.substr(last, begin - last));
    auto group = [&](uint32_t n) {
      if (n < static_cast<uint32_t>(rc) && ov[2 * n] != PCRE2_UNSET) {
        out.append(text.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
      }
    };
    for (size_t i = 0; i < replacement.size(); ++i) {
      char c = replacement[i];
      if (c == '\\' && i + 1 < replacement.size()) {
        out += replacement[++i];
      } else if (c == '$') {
        if (i + 1 < replacement.size() && replacement[i + 1] == '{') {
          size_t close = replacement.find('}', i + 2);
          if (close == std::string_view::npos) {
            error = "named group reference is not closed";
            return false;
          }
          std::string name(replacement.substr(i + 2, close - i - 2));
          int n =
              pcre2_substring_number_from_name(code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
          if (n < 0) {
            error = "no group named " + name;
            return false;
          }
          group(static_cast<uint32_t>(n));
          i = close;
        } else if (i + 1 < replacement.size() && replacement[i + 1] >= '0' &&
                   replacement[i + 1] <= '9') {
          // As Java: take further digits while the number still names a group.
          uint32_t n = static_cast<uint32_t>(replacement[++i] - '0');
          if (n > groups) {
            error = "no group " + std::to_string(n);
            return false;
          }
          while (i + 1 < replacement.size() && replacement[i + 1] >= '0' &&
                 replacement[i + 1] <= '9' &&
                 n * 10 + static_cast<uint32_t>(replacement[i + 1] - '0') <= groups) {
            n = n * 10 + static_cast<uint32_t>(replacement[++i] - '0');
          }
          group(n);
        } else {
          error = "illegal group reference";
          return false;
        }
      } else {
        out += c;
      }
    }
    last = end;
    if (!all) break;
    if (end == begin) {  // an empty match: keep one character and move past it
      if (end >= text.size()) break;
      size_t next = end + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      out.append(text.substr(end, next - end));
      last = next;
      pos = next;
    } else {
      pos = end;
    }
  }
  if (last < text.size()) out.append(text.substr(last));
  return true;
}

const Regex* RegexCache::Get(std::string_view pattern, bool ignore_case, std::string& error) {
  std::string key(ignore_case ? "i:" : "s:");
  key += pattern;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second.get();
  auto re = Regex::Compile(pattern, ignore_case, error);
  if (!re) return nullptr;
  const Regex* raw = re.get();
  if (cache_.size() > 256) cache_.clear();
  cache_.emplace(std::move(key), std::move(re));
  return raw;
}

std::string QuoteRegex(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace relish::deluge
