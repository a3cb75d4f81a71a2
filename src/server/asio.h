// Asio and Beast for the server: see base/asio.h.
#pragma once

#include "base/asio.h"
