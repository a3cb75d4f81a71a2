// Built-in functions: one table per receiver type (text_functions.cc, number_functions.cc, ...),
// each entry citing the section of docs/language/builtins.md it implements. Names are
// case-insensitive. The checker resolves every call to an entry (or, for methods, to a method id
// that indexes a per-type array), so a call at run time is an array load and an indirect call.
//
// Internal to src/deluge.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "deluge/errors.h"
#include "deluge/value.h"

namespace relish::deluge {

class Interp;

// `self` is the receiver (null for functions without one); args are already evaluated.
// Returns the result, or Value::Abort() after in.Fail(...).
using NativeFn = Value (*)(Interp& in, const Value& self, const Value* args, int argc);

struct Builtin {
  std::string_view name;  // canonical spelling, as documented
  int8_t min_args;        // not counting the receiver
  int8_t max_args;
  NativeFn fn;
  std::string_view section;  // docs/language/builtins.md anchor, e.g. "text"
};

// The tables, one per receiver family (defined in the *_functions.cc files).
std::span<const Builtin> TextMethods();
std::span<const Builtin> NumberMethods();
std::span<const Builtin> ListMethods();
std::span<const Builtin> MapMethods();
std::span<const Builtin> CollectionMethods();
std::span<const Builtin> DateMethods();
std::span<const Builtin> FileMethods();
std::span<const Builtin> ArchiveMethods();  // files and lists of files: compress
std::span<const Builtin> CommonMethods();       // every receiver type (toString, isNull, ...)
std::span<const Builtin> EncodingMethods();     // every receiver type, used as text
std::span<const Builtin> GlobalFunctions();     // no receiver: ifnull, randomNumber, ...
std::span<const Builtin> WebFunctions();        // no receiver: getUrl, postUrl (invoke_url.cc)
std::span<const Builtin> DateFunctions();       // no receiver: now, today
std::span<const Builtin> EncodingFunctions();   // no receiver: aesEncode, aesDecode
std::span<const Builtin> QualifiedFunctions();  // zoho.encryption.*, zoho.currenttime-like calls

class Builtins {
 public:
  static const Builtins& Get();

  // -1 when no type has a method of that (lowercase) name.
  int MethodId(std::string_view lower_name) const;
  const Builtin* Method(Type receiver, int id) const {
    return methods_[static_cast<int>(receiver)][id];
  }
  // Whether some receiver type has method `id` taking `argc` arguments.
  bool MethodAccepts(int id, int argc) const;
  const Builtin* Function(std::string_view lower_name) const;
  const Builtin* Qualified(std::string_view lower_name) const;
  std::string_view MethodName(int id) const;

 private:
  Builtins();
  struct Impl;
  const Impl* impl_;
  std::span<const Builtin* const> methods_[kTypeCount + 1];
};

// ---- argument helpers for the tables ----
// Each returns false after in.Fail(kCastError...) when the value does not fit.

bool ArgInt(Interp& in, const Value& v, std::string_view fn, int64_t& out);
bool ArgNumber(Interp& in, const Value& v, std::string_view fn, double& out);
bool ArgBool(Interp& in, const Value& v, std::string_view fn, bool& out);
// Text of a scalar (numbers and dates in their display form); containers are refused.
bool ArgText(Interp& in, const Value& v, std::string_view fn, std::string& out);
bool ArgList(Interp& in, const Value& v, std::string_view fn, ListObj*& out);
bool ArgMap(Interp& in, const Value& v, std::string_view fn, MapObj*& out);

// Parses whole-number or decimal text ("12", "-3.5", " 7 "); false when it is not a number.
bool ParseNumberText(std::string_view text, Value& out);
// A number from text or number; whole numbers stay whole.
bool ToNumberValue(const Value& v, Value& out);

// Deluge's == (numbers by value, text case-sensitively, dates by instant, containers deeply),
// into `equal`. False after in.Fail when containers nest deeper than kMaxNesting (or the
// comparison runs out of the run's time): a deep comparison is an error, never a silent "not equal".
bool ValuesEqual(Interp& in, const Value& a, const Value& b, bool& equal);
// Strict equality for equals(), distinct() and indexOf(): types must match too.
bool ValuesIdentical(Interp& in, const Value& a, const Value& b, bool& equal);
// Ordering for sort() and comparisons: numbers < text < dates < others; -1, 0 or 1.
int CompareForSort(const Value& a, const Value& b);
// A stable sort by CompareForSort whose comparisons count as the run's work: false (after
// in.Fail) when the run's time ran out while sorting (the order is then unspecified).
bool SortValues(Interp& in, ValueVector& values, bool ascending);

}  // namespace relish::deluge
