// Regular expressions for matches(), replaceAll(), replaceFirst() and friends, on PCRE2 (close to
// Java's java.util.regex, which Deluge uses). Replacement strings use Java's syntax: $1 for a
// group, \$ for a dollar sign. Only regex.cc includes pcre2.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace relish::deluge {

class Regex {
 public:
  // nullptr with `error` set when the pattern does not compile.
  static std::unique_ptr<Regex> Compile(std::string_view pattern, bool ignore_case,
                                        std::string& error);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The whole text must match (Java's String.matches).
  bool FullMatch(std::string_view text) const;
  // First match at or after byte `from`.
  bool Find(std::string_view text, size_t from, size_t& begin, size_t& end) const;
  // Replaces the first or every match; false with `error` on a bad replacement.
  bool Replace(std::string_view text, std::string_view replacement, bool all, std::string& out,
               std::string& error) const;

 private:
  Regex() = default;
  void* code_ = nullptr;        // pcre2_code*
  void* context_ = nullptr;     // pcre2_match_context*: bounds backtracking
  void* match_data_ = nullptr;  // pcre2_match_data*
};

// Compiled patterns of one run, so a regex in a loop compiles once.
class RegexCache {
 public:
  const Regex* Get(std::string_view pattern, bool ignore_case, std::string& error);

 private:
  std::unordered_map<std::string, std::unique_ptr<Regex>> cache_;
};

// Quotes text so it matches literally (for the non-regex replace functions).
std::string QuoteRegex(std::string_view text);

}  // namespace relish::deluge
