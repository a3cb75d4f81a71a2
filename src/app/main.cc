#include "cli/cli.h"

int main(int argc, char** argv) { return relish::cli::Main(argc, argv); }
