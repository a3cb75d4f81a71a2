// The `relish` command line. Exit codes: 0 success, 1 failure, 2 usage error.
#pragma once

namespace relish::cli {

int Main(int argc, char** argv);

}  // namespace relish::cli
