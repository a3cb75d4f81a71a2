// Every module's migrations, in the order they are applied (runtime.cc): what a Relish binary's
// schema is. `relish store copy` compares a database with it.
#pragma once

#include <vector>

#include "store/store.h"

namespace relish::app {

std::vector<store::Migration> AllMigrations();

}  // namespace relish::app
