// Fast randomness for identifiers that are not secrets (request ids, audit entry ids): a
// per-thread xoshiro256** generator seeded from the OS. A getrandom(2) system call per id cost
// the proxy two system calls per request. Never use it for tokens, keys, nonces, state values or
// anything else that must be unguessable: those come from SystemRandom().
#pragma once

#include "base/random.h"

namespace relish {

// Thread-safe: each thread has its own state.
Random& FastRandom();

}  // namespace relish
