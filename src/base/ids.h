// Identifiers for stored things: time-ordered (so they sort by creation) and unguessable.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"

namespace relish {

// "<prefix>_" followed by 26 lowercase Crockford base32 characters: 48 bits of epoch
// milliseconds then 80 random bits (the ULID layout). An empty prefix gives just the 26.
std::string NewId(std::string_view prefix, const Clock& clock = SystemClock(),
                  Random& random = SystemRandom());

}  // namespace relish
