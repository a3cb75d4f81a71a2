// Every message a Deluge script can see, in one table (errors.cc). Where Zoho's wording is known
// (docs/language/errors.md lists the sources) it is used verbatim; the rest follow its style.
// Placeholders are {0}, {1}, ... and are filled by Format().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace relish::deluge {

enum class Msg : uint16_t {
  // ---- syntax (lexer and parser) ----
  kUnterminatedText,
  kUnterminatedDate,
  kUnterminatedComment,
  kUnexpectedChar,
  kBadNumber,
  kExpected,  // expected {0}, found {1}
  kExpectedExpression,
  kExpectedStatement,
  kBadAssignTarget,
  kTooDeep,
  kUnknownTaskKey,  // '{0}' is not a parameter of {1}
  kMissingTaskKey,  // {0} needs '{1}'
  kDuplicateTaskKey,
  kBadParamType,
  kDuplicateFunction,
  kBreakOutsideLoop,
  kContinueOutsideLoop,
  kWhileNotSupported,
  // ---- check ----
  kUndefinedVariable,
  kUnknownFunction,
  kUnknownMethod,
  kArgCount,
  kUnknownTask,
  kUnknownSystemVariable,
  // ---- runtime: values and types ----
  kIndexOutOfRange,  // Given index {0} is greater than the list size
  kNegativeIndex,
  kNullReceiver,  // Value is empty and '{0}' function cannot be applied
  kWrongReceiver,
  kCastError,  // '{0}' can not be cast to '{1}' for the function '{2}'
  kBadOperands,
  kBadUnary,
  kBadComparison,
  kDivideByZero,
  kNotANumber,
  kNotADate,
  kBadDateFormat,
  kBadRegex,
  kBadJson,
  kJsonNotObject,
  kJsonNotArray,
  kNullKey,
  kNestedTooDeep,
  kSubTextRange,
  kBadArgument,
  kNotIterable,
  kConditionNotBoolean,
  kTextTooLong,
  kListTooLong,
  kTypedListMismatch,
  kCollectionMixed,
  kBadBase64,
  kBadHex,
  kBadAesKey,
  kUserThrow,
  kArgumentMissing,
  kArgumentUnknown,
  kArgumentBadJson,
  kArgumentType,
  // ---- runtime: limits ----
  kLimitStatements,
  kLimitWallTime,
  kLimitCallDepth,
  kLimitInvokeTimeout,
  kLimitResponseSize,
  kLimitMemory,
  kLimitRegex,  // the regular expression {0} needs more than {1} steps ...
  // ---- runtime: tasks ----
  kFetchFailed,
  kRequestRefused,
  kBadUrl,
  kBadHttpMethod,
  kTaskFailed,
  kMailFailed,
  kMailMissingField,
  // ---- issue 17 ----
  kAssignInCondition,    // a warning
  kCreatorNotSupported,  // Zoho Creator form statements are not supported
  kInvokeApiNeedsConnection,
  kInvokeApiBadPath,
  kCount,
};

// The message with its placeholders filled.
std::string Format(Msg msg, std::initializer_list<std::string_view> args = {});
// The raw template, for the table test.
std::string_view Template(Msg msg);

}  // namespace relish::deluge
