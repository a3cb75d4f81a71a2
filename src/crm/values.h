// Field values: checking what a client sends against a field's type, the form values are stored
// in, and Zoho's date and date-time formats. Plain functions, no store access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crm/schema.h"

namespace relish::crm {

// "2024-01-31": four-digit year, two-digit month and day, a real calendar date.
bool IsDate(std::string_view text);
// "2024-01-31T10:20:30+05:30" (or "Z" for UTC) -> Unix epoch milliseconds; nullopt if malformed.
std::optional<int64_t> ParseDateTime(std::string_view text);
// Epoch milliseconds -> "2024-01-31T04:50:30+00:00" (UTC, whole seconds).
std::string FormatDateTime(int64_t epoch_ms);

// The longest text a field of this type accepts.
size_t MaxLength(const Field& field);

// Checks `value` for `field` and returns the stored form, or kInvalidArgument with a message that
// names the field and says what was expected. Empty values ("", [], null) become null. Stored
// forms: text types as strings; numbers as integers; decimals and currency as doubles (currency
// rounded to two places); booleans; picklist values in the option's own spelling; multi-select
// and tag values as arrays of strings; lookups and owners as the referenced id (a string), which
// the caller must resolve. Text types also accept numbers, and numbers accept numeric strings,
// as Deluge scripts often send them.
Result<Json> NormalizeValue(const Field& field, const Json& value);

// Case-folded text of a stored value, for unique checks and case-insensitive comparisons.
std::string FoldCase(std::string_view text);

}  // namespace relish::crm
