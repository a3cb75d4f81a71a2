// `relish fmt` and the language server's formatting: a script laid out as Zoho's editor lays it
// out. Tabs for indentation, braces of blocks on their own lines, one statement a line,
// `if(`, `for each  x in`, `catch (e)`, no space after commas or map colons, spaces around
// binary operators, and invokeurl / sendmail blocks with one `key:value` a line (`url :` and
// `type :` as the editor writes them). Comments stay where they were (trailing or on their own
// line); runs of blank lines become one.
//
// The formatter never changes meaning: it lays out the script's own tokens and checks that the
// result lexes to exactly the same tokens (and comments) before answering. A script that does
// not lex and parse is not formatted (the error says where).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace relish::lsp {

Result<std::string> FormatScript(std::string_view source);

}  // namespace relish::lsp
