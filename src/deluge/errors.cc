#include "deluge/errors.h"

#include <array>

namespace relish::deluge {
namespace {

struct Entry {
  Msg msg;
  std::string_view text;
};

// Keep in the order of the enum; the static_asserts below check it.
constexpr Entry kTable[] = {
    {Msg::kUnterminatedText, "Text is not closed: add a closing \""},
    {Msg::kUnterminatedDate, "Date is not closed: add a closing '"},
    {Msg::kUnterminatedComment, "Comment is not closed: add */"},
    {Msg::kUnexpectedChar, "Unexpected character '{0}'"},
    {Msg::kBadNumber, "Invalid number '{0}'"},
    {Msg::kExpected, "Expected {0} but found {1}"},
    {Msg::kExpectedExpression, "Expected a value but found {0}"},
    {Msg::kExpectedStatement, "Improper statement: found {0}"},
    {Msg::kBadAssignTarget, "Only a variable can be assigned to"},
    {Msg::kTooDeep, "Script is nested too deeply"},
    {Msg::kUnknownTaskKey, "'{0}' is not a parameter of {1}"},
    {Msg::kMissingTaskKey, "{0} needs '{1}'"},
    {Msg::kDuplicateTaskKey, "'{0}' is given twice in {1}"},
    {Msg::kBadParamType, "Unknown type {0}"},
    {Msg::kDuplicateFunction, "Function '{0}' is defined twice"},
    {Msg::kBreakOutsideLoop, "break is only allowed inside for each"},
    {Msg::kContinueOutsideLoop, "continue is only allowed inside for each"},
    {Msg::kWhileNotSupported,
     "Deluge has no while loop: iterate over a list with for each instead"},
    {Msg::kUndefinedVariable, "Variable '{0}' is not defined"},
    {Msg::kUnknownFunction, "Function '{0}' is not defined"},
    {Msg::kUnknownMethod, "'{0}' is not a function of any Deluge type"},
    {Msg::kArgCount, "No. of arguments mismatches for the function {0}"},
    {Msg::kUnknownTask, "'{0}' is not a known integration task"},
    {Msg::kUnknownSystemVariable, "'{0}' is not a known system variable"},
    {Msg::kIndexOutOfRange, "Given index {0} is greater than the list size"},
    {Msg::kNegativeIndex, "Given index {0} is negative"},
    {Msg::kNullReceiver, "Value is empty and '{0}' function cannot be applied"},
    {Msg::kWrongReceiver, "'{0}' function cannot be applied to a value of type {1}"},
    {Msg::kCastError, "'{0}' can not be cast to '{1}' for the function '{2}'"},
    {Msg::kBadOperands, "Operator '{0}' cannot be applied to {1} and {2}"},
    {Msg::kBadUnary, "Operator '{0}' cannot be applied to {1}"},
    {Msg::kBadComparison, "Cannot compare {0} with {1} using '{2}'"},
    {Msg::kDivideByZero, "Division by zero"},
    {Msg::kNotANumber, "'{0}' is not a number"},
    {Msg::kNotADate, "'{0}' is not a valid date"},
    {Msg::kBadDateFormat, "'{0}' does not match the date pattern '{1}'"},
    {Msg::kBadRegex, "Invalid regular expression '{0}': {1}"},
    {Msg::kBadJson, "Invalid JSON text: {0}"},
    {Msg::kJsonNotObject, "The text is not a JSON object, so it cannot be converted to a map"},
    {Msg::kJsonNotArray, "The text is not a JSON array, so it cannot be converted to a list"},
    {Msg::kNullKey, "A map key cannot be null"},
    {Msg::kNestedTooDeep,
     "Value is nested more than {0} levels deep (does a map or list contain itself?)"},
    {Msg::kSubTextRange, "Invalid range {0} to {1} for text of length {2}"},
    {Msg::kBadArgument, "Invalid argument for the function {0}: {1}"},
    {Msg::kNotIterable, "for each needs a list, but the value is {0}"},
    {Msg::kConditionNotBoolean, "Condition must be a boolean, but the value is {0}"},
    {Msg::kTextTooLong, "Text would be longer than {0} bytes (limit: text size)"},
    {Msg::kListTooLong, "List would have more than {0} elements (limit: list size)"},
    {Msg::kTypedListMismatch, "{0} cannot be added to a list of {1}"},
    {Msg::kCollectionMixed, "Cannot insert a key-value pair into a list collection"},
    {Msg::kBadBase64, "Text is not valid base64"},
    {Msg::kBadHex, "Text is not valid hexadecimal"},
    {Msg::kBadAesKey, "Cannot decrypt: wrong key or damaged text"},
    {Msg::kUserThrow, "{0}"},
    {Msg::kArgumentMissing, "Missing argument '{0}'"},
    {Msg::kArgumentUnknown, "Unknown argument '{0}': the function has no such parameter"},
    {Msg::kArgumentBadJson, "Argument '{0}' is not valid JSON: {1}"},
    {Msg::kArgumentType, "Argument '{0}' cannot be converted to {1} (got {2})"},
    {Msg::kLimitStatements,
     "Execution stopped: more than {0} statements were executed (limit: statements per run)"},
    {Msg::kLimitWallTime,
     "Execution stopped: the run took longer than {0} (limit: execution time)"},
    {Msg::kLimitCallDepth,
     "Execution stopped: more than {0} nested function calls (limit: function call depth)"},
    {Msg::kLimitInvokeTimeout,
     "socket timeout error: no response from {0} within {1} (limit: invokeurl timeout)"},
    {Msg::kLimitResponseSize, "Response from {0} is larger than {1} (limit: response size)"},
    {Msg::kLimitMemory,
     "Execution stopped: the run needed more than {0} of memory (limit: memory per run)"},
    {Msg::kLimitRegex,
     "Execution stopped: the regular expression {0} needs more than {1} steps at one position of "
     "the text (limit: regex backtracking)"},
    {Msg::kFetchFailed, "invokeurl to {0} failed: {1}"},
    {Msg::kRequestRefused, "invokeurl to {0} was not sent: {1}"},
    {Msg::kBadUrl, "Invalid URL '{0}'"},
    {Msg::kBadHttpMethod, "'{0}' is not a valid invokeurl type (GET, POST, PUT, PATCH, DELETE)"},
    {Msg::kTaskFailed, "{0}"},
    {Msg::kMailFailed, "sendmail failed: {0}"},
    {Msg::kMailMissingField, "sendmail needs '{0}'"},
    // ---- issue 17 ----
    {Msg::kAssignInCondition, "'=' in a condition compares, as '==' does: write '=='"},
    {Msg::kCreatorNotSupported, "Zoho Creator form statements are not supported"},
    {Msg::kInvokeApiNeedsConnection,
     "invokeapi to {0} needs a connection: Relish reaches Zoho services only through one "
     "(connection: \"link name\"), whose data centre gives the service's domain"},
    {Msg::kInvokeApiBadPath,
     "invokeapi's path must start with '/': the URL's path after the service's domain, such as "
     "/crm/v8/Leads (got '{0}')"},
};
static_assert(std::size(kTable) == static_cast<size_t>(Msg::kCount));

constexpr bool InOrder() {
  for (size_t i = 0; i < std::size(kTable); ++i) {
    if (static_cast<size_t>(kTable[i].msg) != i) return false;
  }
  return true;
}
static_assert(InOrder(), "errors.cc table must follow the enum order");

}  // namespace

std::string_view Template(Msg msg) { return kTable[static_cast<size_t>(msg)].text; }

std::string Format(Msg msg, std::initializer_list<std::string_view> args) {
  std::string_view t = Template(msg);
  std::string out;
  out.reserve(t.size() + 16);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 2 < t.size() && t[i + 2] == '}' && t[i + 1] >= '0' && t[i + 1] <= '9') {
      size_t n = static_cast<size_t>(t[i + 1] - '0');
      if (n < args.size()) out += *(args.begin() + n);
      i += 2;
      continue;
    }
    out += t[i];
  }
  return out;
}

}  // namespace relish::deluge
