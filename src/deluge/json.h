// JSON text to Deluge values: objects become maps (key order kept), arrays lists, integers that
// fit 64 bits whole numbers, other numbers decimals. Only json.cc includes nlohmann/json.
#pragma once

#include <string>
#include <string_view>

#include "deluge/value.h"

namespace relish::deluge {

// On failure returns false and sets `error` (nesting deeper than kMaxNesting is an error too, and
// so is the run's memory running out: MemoryMeter::Current()->exceeded() then says so).
bool ParseJson(std::string_view text, Heap& heap, Value& out, std::string& error);

// The compact JSON form of a value; for hosts that exchange JSON (an empty string when the value
// nests too deeply).
std::string ToJsonText(const Value& value);

}  // namespace relish::deluge
