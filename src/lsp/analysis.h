// What the language server answers about one document, as Language Server Protocol JSON, from
// the runtime's own lexer, parser, checker and vocabulary: nothing here knows the language apart
// from them. Each call reads the text afresh (scripts are small; a 16 MiB document is bounded
// by the server).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/position.h"

namespace relish::lsp {

// Diagnostic[]: the checker's errors (severity 1) with their exact ranges, and warnings
// (severity 2) for variables assigned but never read.
nlohmann::json Diagnostics(std::string_view text);

// CompletionItem[] at `at`: after `zoho.` the integration tasks, system variables and zoho.*
// functions; after `value.` the methods of the value's type when it is known (all otherwise);
// in a `connection` the organization's link names; elsewhere the variables of the enclosing
// function, the built-in functions and the statements.
nlohmann::json Completion(std::string_view text, Position at,
                          const std::vector<std::string>& link_names);

// Hover (or null): a built-in's, task's or statement's signature and one-line description, or
// a variable's definition line.
nlohmann::json HoverAt(std::string_view text, Position at);

// SignatureHelp (or null) inside a call's parentheses.
nlohmann::json SignatureHelpAt(std::string_view text, Position at);

// Ranges of every use of the variable at `at` in its function (empty when there is none there);
// the definition (its first assignment, loop or catch variable, or parameter) first.
std::vector<Range> VariableRanges(std::string_view text, Position at);

// DocumentSymbol[]: each function (the script, when it has no header) with its variables.
nlohmann::json Symbols(std::string_view text);

}  // namespace relish::lsp
