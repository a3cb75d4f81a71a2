// The `relish` command line. Exit codes: 0 success, 1 failure, 2 usage error.
#pragma once

#include <functional>

namespace relish::cli {

int Main(int argc, char** argv);

// Runs `command`, turning anything it throws into "relish: internal error: ..." on stderr and
// exit 1: Main's last barrier, so that the process never ends in std::terminate's abort (exit
// 134). Commands return errors as values; reaching the barrier is a bug, and the message says so.
int RunGuarded(const std::function<int()>& command);

}  // namespace relish::cli
