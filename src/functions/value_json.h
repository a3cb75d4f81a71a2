// Deluge values to and from the JSON the CRM's API speaks, for the integration tasks.
//
// Deluge's own JSON printing shows dates as Deluge prints them ("31-Jan-2024"); the API wants
// "2024-01-31" and "2024-01-31T10:20:30+05:30", so dates are converted here, in the run's time
// zone, as Zoho's tasks do.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"
#include "deluge/value.h"

namespace relish::functions {

using Json = nlohmann::ordered_json;

// kInvalidArgument for values nested deeper than kMaxJsonDepth, or larger than kMaxApiJsonBytes as
// JSON (a list that holds one large list many times is small in memory but not as JSON).
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxApiJsonBytes = 10 * 1024 * 1024;
Result<Json> ToApiJson(const deluge::Value& value, std::string_view time_zone);

// JSON text from the API, nested at most deluge::kMaxNesting deep (what a Deluge value can hold;
// nlohmann's DOM is copied and printed recursively, so deeper answers must never become one).
// kInvalidArgument naming the problem ("JSON nested more than 200 levels deep", "not JSON").
Result<Json> ParseApiJson(std::string_view text);

// A value on `heap` (objects become maps in key order, arrays lists).
Result<deluge::Value> FromApiJson(const Json& json, deluge::Heap& heap);

}  // namespace relish::functions
