#define PCRE2_CODE_UNIT_WIDTH 8
#include "deluge/regex.h"

#include <pcre2.h>

namespace relish::deluge {
namespace {

pcre2_code* Code(void* p) { return static_cast<pcre2_code*>(p); }
pcre2_match_data* Data(void* p) { return static_cast<pcre2_match_data*>(p); }

// Java replacement syntax to PCRE2's: "$1" stays, "\$" becomes "$$", "\\" becomes "\".
std::string TranslateReplacement(std::string_view java) {
  std::string out;
  for (size_t i = 0; i < java.size(); ++i) {
    char c = java[i];
    if (c == '\\' && i + 1 < java.size()) {
      char n = java[++i];
      if (n == '$') {
        out += "$$";
      } else {
        out += n;
      }
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern, bool ignore_case,
                                      std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
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
  return r;
}

Regex::~Regex() {
  pcre2_match_data_free(Data(match_data_));
  pcre2_code_free(Code(code_));
}

bool Regex::FullMatch(std::string_view text) const {
  int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, Data(match_data_), nullptr);
  return rc >= 0;
}

bool Regex::Find(std::string_view text, size_t from, size_t& begin, size_t& end) const {
  int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), from, 0,
                       Data(match_data_), nullptr);
  if (rc < 0) return false;
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(Data(match_data_));
  begin = ov[0];
  end = ov[1];
  return true;
}

bool Regex::Replace(std::string_view text, std::string_view replacement, bool all, std::string& out,
                    std::string& error) const {
  std::string repl = TranslateReplacement(replacement);
  uint32_t options = PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | PCRE2_SUBSTITUTE_UNSET_EMPTY;
  if (all) options |= PCRE2_SUBSTITUTE_GLOBAL;
  PCRE2_SIZE size = text.size() + repl.size() + 64;
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.resize(size);
    PCRE2_SIZE out_len = size;
    int rc = pcre2_substitute(Code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                              0, options, Data(match_data_), nullptr,
                              reinterpret_cast<PCRE2_SPTR>(repl.data()), repl.size(),
                              reinterpret_cast<PCRE2_UCHAR*>(out.data()), &out_len);
    if (rc >= 0) {
      out.resize(out_len);
      return true;
    }
    if (rc == PCRE2_ERROR_NOMEMORY) {
      size = out_len + 1;
      continue;
    }
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(rc, buf, sizeof buf);
    error = reinterpret_cast<char*>(buf);
    return false;
  }
  error = "replacement too large";
  return false;
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
