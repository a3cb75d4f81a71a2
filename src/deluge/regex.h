// Regular expressions for matches(), replaceAll(), replaceFirst() and friends, on PCRE2 (close to
// Java's java.util.regex, which Deluge uses). Replacement strings use Java's syntax: $1 for a
// group, \$ for a dollar sign. Only regex.cc includes pcre2.h.
//
// The work of one match is bounded. PCRE2's match limit counts per start position (measured on
// 10.42, with and without JIT: a subject of many short backtracking stretches never hits it, yet
// one pcre2_match call over it ran for minutes), so a search never hands PCRE2 the whole subject
// at once: it tries a window of kScanWindow start positions per call with a small limit
// (kQuickMatchLimit), and only when that limit is hit does it try that window's positions one per
// call with the full kMatchLimit. It asks `keep_going` (the run's clock) before every such slow
// call and every kQuickCallsPerCheck quick ones, so the clock is read at most every
// kMatchLimit steps, or kQuickCallsPerCheck * kScanWindow * kQuickMatchLimit (about 20 ms with
// the JIT). Lookbehind and \b see the whole subject, so windows change no Java pattern's matches;
// only PCRE2's own verbs that end a whole search ((*COMMIT), (*SKIP)) end one window's instead.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace relish::deluge {

// Backtracking steps allowed at one start position; past it the pattern is too complex for the
// text (RegexStatus::kTooComplex). PCRE2's own default is 10,000,000.
inline constexpr uint32_t kMatchLimit = 2'000'000;
// A cheaper first try over kScanWindow start positions at once; a window that needs more is
// tried again one position at a time with kMatchLimit.
inline constexpr uint32_t kQuickMatchLimit = 10'000;
inline constexpr size_t kScanWindow = 256;
inline constexpr unsigned kQuickCallsPerCheck = 8;
// The interpreter's backtracking memory (PCRE2's heap limit, in KiB) and the JIT's stack.
inline constexpr uint32_t kMatchHeapKib = 32 * 1024;
inline constexpr size_t kJitStackBytes = 1024 * 1024;

enum class RegexStatus : uint8_t {
  kOk,
  kTooComplex,      // a start position needed more than kMatchLimit steps (or the heap, stack)
  kStopped,         // keep_going() answered false: the run is out of time
  kTooLong,         // the replaced text would be longer than max_bytes
  kBadReplacement,  // `error` says why (an unknown group, a bad subject)
};

// Called between pcre2_match calls; false stops the search.
using KeepGoing = std::function<bool()>;

class Regex {
 public:
  // nullptr with `error` set when the pattern does not compile. `jit_stack` (a pcre2_jit_stack*,
  // may be null) must outlive the Regex.
  static std::unique_ptr<Regex> Compile(std::string_view pattern, bool ignore_case,
                                        void* jit_stack, std::string& error);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The whole text must match (Java's String.matches). Text that is not valid UTF-8 does not
  // match. One start position: bounded by kMatchLimit alone.
  RegexStatus FullMatch(std::string_view text, bool& matched) const;
  // Replaces the first or every match into `out`, at most `max_bytes` long.
  RegexStatus Replace(std::string_view text, std::string_view replacement, bool all,
                      const KeepGoing& keep_going, size_t max_bytes, std::string& out,
                      std::string& error) const;

 private:
  Regex() = default;
  // One pcre2_match call; retries without the JIT when the JIT stack runs out.
  int Match(std::string_view text, size_t start, uint32_t options) const;
  // The leftmost match starting at or after `pos` (see the file comment). kOk with found=false
  // when there is none; rc (for errors) from PCRE2. `calls` counts quick calls across searches.
  RegexStatus Search(std::string_view text, size_t pos, uint32_t options,
                     const KeepGoing& keep_going, unsigned& calls, bool& found, int& rc) const;

  void* code_ = nullptr;        // pcre2_code*
  void* context_ = nullptr;     // pcre2_match_context*: limits, offset limit, JIT stack
  void* match_data_ = nullptr;  // pcre2_match_data*
};

// Compiled patterns of one run, so a regex in a loop compiles once; owns the JIT stack they share.
class RegexCache {
 public:
  RegexCache();
  ~RegexCache();
  RegexCache(const RegexCache&) = delete;
  RegexCache& operator=(const RegexCache&) = delete;

  const Regex* Get(std::string_view pattern, bool ignore_case, std::string& error);

 private:
  void* jit_stack_ = nullptr;  // pcre2_jit_stack*, created on first use
  std::unordered_map<std::string, std::unique_ptr<Regex>> cache_;
};

// Quotes text so it matches literally (for the non-regex replace functions).
std::string QuoteRegex(std::string_view text);
// A pattern as an error message shows it: quoted, and cut to about 60 characters.
std::string QuotePattern(std::string_view pattern);

}  // namespace relish::deluge
