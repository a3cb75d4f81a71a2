#define PCRE2_CODE_UNIT_WIDTH 8
#include "deluge/regex.h"

#include <pcre2.h>

#include <algorithm>

namespace relish::deluge {
namespace {

pcre2_code* Code(void* p) { return static_cast<pcre2_code*>(p); }
pcre2_match_data* Data(void* p) { return static_cast<pcre2_match_data*>(p); }
pcre2_match_context* Context(void* p) { return static_cast<pcre2_match_context*>(p); }

bool IsLimit(int rc) {
  return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
         rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

// The first byte at or after `i` that starts a UTF-8 character (PCRE2 refuses a start offset
// inside one).
size_t CharStart(std::string_view text, size_t i) {
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

}  // namespace

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern, bool ignore_case, void* jit_stack,
                                      std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  // USE_OFFSET_LIMIT: a search hands PCRE2 a window of start positions at a time.
  uint32_t options = PCRE2_UTF | PCRE2_USE_OFFSET_LIMIT;
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
  pcre2_match_context* ctx = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(ctx, kMatchLimit);
  pcre2_set_depth_limit(ctx, kMatchLimit / 10);
  pcre2_set_heap_limit(ctx, kMatchHeapKib);
  r->context_ = ctx;
  // Optional: the interpreter is used if JIT is not available.
  if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0 && jit_stack != nullptr) {
    pcre2_jit_stack_assign(ctx, nullptr, jit_stack);
  }
  return r;
}

Regex::~Regex() {
  pcre2_match_context_free(Context(context_));
  pcre2_match_data_free(Data(match_data_));
  pcre2_code_free(Code(code_));
}

int Regex::Match(std::string_view text, size_t start, uint32_t options) const {
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  int rc = pcre2_match(Code(code_), subject, text.size(), start, options, Data(match_data_),
                       Context(context_));
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    // The interpreter keeps its backtracking on the heap, within kMatchHeapKib: it may still
    // finish what the JIT's stack could not hold.
    rc = pcre2_match(Code(code_), subject, text.size(), start, options | PCRE2_NO_JIT,
                     Data(match_data_), Context(context_));
  }
  return rc;
}

RegexStatus Regex::FullMatch(std::string_view text, bool& matched) const {
  pcre2_set_offset_limit(Context(context_), PCRE2_UNSET);
  pcre2_set_match_limit(Context(context_), kMatchLimit);
  int rc = Match(text, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
  matched = rc >= 0;
  // Subjects that are not valid UTF-8 simply do not match.
  return IsLimit(rc) ? RegexStatus::kTooComplex : RegexStatus::kOk;
}

RegexStatus Regex::Search(std::string_view text, size_t pos, uint32_t options,
                          const KeepGoing& keep_going, unsigned& calls, bool& found,
                          int& rc) const {
  pcre2_match_context* ctx = Context(context_);
  found = false;
  while (pos <= text.size()) {
    if (++calls % kQuickCallsPerCheck == 0 && !keep_going()) return RegexStatus::kStopped;
    size_t last = std::min(text.size(), pos + kScanWindow - 1);  // last start position tried
    pcre2_set_offset_limit(ctx, last);
    pcre2_set_match_limit(ctx, kQuickMatchLimit);
    rc = Match(text, pos, options);
    options |= PCRE2_NO_UTF_CHECK;  // the first call checked the whole subject
    if (rc >= 0) {
      found = true;
      return RegexStatus::kOk;
    }
    if (IsLimit(rc)) {
      // Some position of this window needs more: try each alone with the full limit, asking
      // the clock between them.
      pcre2_set_match_limit(ctx, kMatchLimit);
      for (size_t p = pos; p <= last; p = CharStart(text, p + 1)) {
        if (!keep_going()) return RegexStatus::kStopped;
        pcre2_set_offset_limit(ctx, p);
        rc = Match(text, p, options);
        if (rc >= 0) {
          found = true;
          return RegexStatus::kOk;
        }
        if (IsLimit(rc)) return RegexStatus::kTooComplex;
        if (rc != PCRE2_ERROR_NOMATCH) return RegexStatus::kBadReplacement;
        if (p == text.size()) break;
      }
    } else if (rc != PCRE2_ERROR_NOMATCH) {
      return RegexStatus::kBadReplacement;
    }
    if (last == text.size()) break;
    pos = CharStart(text, last + 1);
  }
  rc = PCRE2_ERROR_NOMATCH;
  return RegexStatus::kOk;
}

// Replaces matches, expanding Java's replacement syntax: $n and ${name} insert a group, \x
// inserts x. The subject's UTF-8 is checked once, not on every match.
RegexStatus Regex::Replace(std::string_view text, std::string_view replacement, bool all,
                           const KeepGoing& keep_going, size_t max_bytes, std::string& out,
                           std::string& error) const {
  auto* code = Code(code_);
  uint32_t groups = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  out.clear();
  size_t pos = 0;
  size_t last = 0;
  uint32_t options = 0;
  // Every piece is checked before it is appended: a short pattern replaced by a long text
  // must not grow the result past max_bytes first.
  auto append = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_bytes) return false;
    out.append(piece);
    return true;
  };
  unsigned calls = 0;
  while (pos <= text.size()) {
    bool found = false;
    int rc = 0;
    RegexStatus searched = Search(text, pos, options, keep_going, calls, found, rc);
    if (searched == RegexStatus::kBadReplacement) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(rc, buf, sizeof buf);
      error = reinterpret_cast<char*>(buf);
      return searched;
    }
    if (searched != RegexStatus::kOk) return searched;
    if (!found) break;
    options = PCRE2_NO_UTF_CHECK;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(Data(match_data_));
    size_t begin = ov[0];
    size_t end = ov[1];
    if (!append(text.substr(last, begin - last))) return RegexStatus::kTooLong;
    auto group = [&](uint32_t n) {
      if (n < static_cast<uint32_t>(rc) && ov[2 * n] != PCRE2_UNSET) {
        return append(text.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
      }
      return true;
    };
    for (size_t i = 0; i < replacement.size(); ++i) {
      char c = replacement[i];
      if (c == '\\' && i + 1 < replacement.size()) {
        if (!append(replacement.substr(++i, 1))) return RegexStatus::kTooLong;
      } else if (c == '$') {
        if (i + 1 < replacement.size() && replacement[i + 1] == '{') {
          size_t close = replacement.find('}', i + 2);
          if (close == std::string_view::npos) {
            error = "named group reference is not closed";
            return RegexStatus::kBadReplacement;
          }
          std::string name(replacement.substr(i + 2, close - i - 2));
          int n =
              pcre2_substring_number_from_name(code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
          if (n < 0) {
            error = "no group named " + name;
            return RegexStatus::kBadReplacement;
          }
          if (!group(static_cast<uint32_t>(n))) return RegexStatus::kTooLong;
          i = close;
        } else if (i + 1 < replacement.size() && replacement[i + 1] >= '0' &&
                   replacement[i + 1] <= '9') {
          // As Java: take further digits while the number still names a group.
          uint32_t n = static_cast<uint32_t>(replacement[++i] - '0');
          if (n > groups) {
            error = "no group " + std::to_string(n);
            return RegexStatus::kBadReplacement;
          }
          while (i + 1 < replacement.size() && replacement[i + 1] >= '0' &&
                 replacement[i + 1] <= '9' &&
                 n * 10 + static_cast<uint32_t>(replacement[i + 1] - '0') <= groups) {
            n = n * 10 + static_cast<uint32_t>(replacement[++i] - '0');
          }
          if (!group(n)) return RegexStatus::kTooLong;
        } else {
          error = "illegal group reference";
          return RegexStatus::kBadReplacement;
        }
      } else if (!append(replacement.substr(i, 1))) {
        return RegexStatus::kTooLong;
      }
    }
    last = end;
    if (!all) break;
    if (end == begin) {  // an empty match: keep one character and move past it
      if (end >= text.size()) break;
      size_t next = CharStart(text, end + 1);
      if (!append(text.substr(end, next - end))) return RegexStatus::kTooLong;
      last = next;
      pos = next;
    } else {
      pos = end;
    }
  }
  if (last < text.size() && !append(text.substr(last))) return RegexStatus::kTooLong;
  return RegexStatus::kOk;
}

RegexCache::RegexCache() = default;

RegexCache::~RegexCache() {
  cache_.clear();  // the patterns first: they point at the stack
  if (jit_stack_ != nullptr) pcre2_jit_stack_free(static_cast<pcre2_jit_stack*>(jit_stack_));
}

const Regex* RegexCache::Get(std::string_view pattern, bool ignore_case, std::string& error) {
  std::string key(ignore_case ? "i:" : "s:");
  key += pattern;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second.get();
  if (jit_stack_ == nullptr) jit_stack_ = pcre2_jit_stack_create(32 * 1024, kJitStackBytes, nullptr);
  auto re = Regex::Compile(pattern, ignore_case, jit_stack_, error);
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

std::string QuotePattern(std::string_view pattern) {
  constexpr size_t kShown = 60;
  if (pattern.size() <= kShown) return "'" + std::string(pattern) + "'";
  size_t cut = kShown - 3;
  while (cut > 0 && (static_cast<unsigned char>(pattern[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(pattern.substr(0, cut)) + "...'";
}

}  // namespace relish::deluge
