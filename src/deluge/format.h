// How values become text: the display form (`info`, `+` with text, toString() on scalars and
// lists) and the JSON form (maps, toString() on maps, values nested in containers).
// See docs/language/types.md for the rules and examples.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deluge/limits.h"
#include "deluge/value.h"

namespace relish::deluge {


std::string FormatInt(int64_t value);
// Shortest text that reads back as the same double, in plain notation between 1e-7 and 1e21,
// always with a fractional part ("1.0", "0.30000000000000004", "1.0E21").
std::string FormatDecimal(double value);
// A limit's duration in error messages: whole seconds as "60 s", anything else as "1500 ms".
std::string FormatDuration(std::chrono::milliseconds d);

// Both return false (leaving `out` partly written) when nesting exceeds kMaxNesting or the
// text would grow past `max_bytes` (then out.size() > max_bytes): a list holding the same large
// list many times over must not print forever.
bool AppendDisplay(std::string& out, const Value& value, size_t max_bytes = SIZE_MAX);
bool AppendJson(std::string& out, const Value& value, size_t max_bytes = SIZE_MAX);
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace relish::deluge
