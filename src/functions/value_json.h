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

// kInvalidArgument for values nested deeper than kMaxJsonDepth.
inline constexpr int kMaxJsonDepth = 64;
Result<Json> ToApiJson(const deluge::Value& value, std::string_view time_zone);

// A value on `heap` (objects become maps in key order, arrays lists).
Result<deluge::Value> FromApiJson(const Json& json, deluge::Heap& heap);

}  // namespace relish::functions
