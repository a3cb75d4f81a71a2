// How deeply a JSON text nests, counted without parsing it.
//
// nlohmann's parser is iterative, but serializing a parsed value (dump), converting it into
// other shapes and most walks over it recurse once per level: a request body of 100,000 nested
// brackets overflowed a thread's stack when a handler echoed it back. Relish refuses such texts
// where they enter (the HTTP server, for every request body), before anything parses them.
#pragma once

#include <string_view>

namespace relish {

// Arrays and objects inside one another, at most. Real payloads (Zoho's records, OAuth answers,
// rule definitions) nest fewer than ten levels.
inline constexpr int kMaxJsonDepth = 64;

// True when the arrays and objects of `text` nest no deeper than `max_depth`. Brackets inside
// strings do not count. Only nesting is checked: a malformed text may pass, for the parser to
// refuse.
bool JsonDepthWithin(std::string_view text, int max_depth = kMaxJsonDepth);

// True when the first character that is not white space (after a UTF-8 byte order mark, which
// nlohmann's parser skips) opens an array or an object: a body the server checks with
// JsonDepthWithin, whatever its Content-Type says.
bool LooksLikeJson(std::string_view text);

}  // namespace relish
