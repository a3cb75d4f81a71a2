// Reading a server's JSON answer without trusting its shape.
//
// The CLI may be pointed at anything (`--url` to the wrong port, a proxy's error page, another
// JSON API), so every field it reads goes through a Field: each accessor checks the type and
// returns an Error naming the field's path and what was there instead ("'connections' is a
// number, not a list"), never throwing. nlohmann's own accessors (`.get<>()`, `.value()`,
// `operator[]`) throw on the wrong type, and are not used on answers.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace relish::cli {

using Json = nlohmann::ordered_json;

// The deepest nesting of objects and lists the CLI reads in an answer. Relish's own answers
// nest a few levels (a run's result is a script's value, which may nest more); printing JSON
// recurses once per level, so a hostile answer nested a million deep would exhaust the stack.
inline constexpr int kMaxAnswerDepth = 512;

// "an object", "a list", "a string", "a number", "true or false", "null".
std::string_view KindOf(const Json& value);

// JSON text for display: never throws (invalid UTF-8 is replaced).
std::string DumpJson(const Json& value, int indent = -1);

// `text` with its control characters other than newline and tab shown as \xNN (C1 controls,
// U+0080 to U+009F, as \u00NN): what a server sent is printed so, and cannot drive the terminal.
std::string Printable(std::string_view text);

// "2024-01-31 10:20:30" (UTC) from epoch milliseconds: how tables show a time.
std::string UtcTime(int64_t ms);

// A value inside an answer, with its path for error messages. Holds a pointer into the answer,
// which must outlive it.
class Field {
 public:
  explicit Field(const Json& answer) : json_(&answer) {}

  const Json& json() const { return *json_; }
  // "connections[0].link_name"; empty for the whole answer.
  const std::string& path() const { return path_; }

  // The member `key` of this object, required.
  Result<Field> Get(std::string_view key) const;
  // Required members of one type.
  Result<std::string> String(std::string_view key) const;
  Result<int64_t> Int(std::string_view key) const;  // a whole number
  Result<bool> Bool(std::string_view key) const;
  Result<std::vector<Field>> List(std::string_view key) const;
  Result<std::vector<std::string>> Strings(std::string_view key) const;  // a list of strings
  // A member that may be missing or null: "" then; a string as it is; any other value as JSON.
  // For fields shown as they come (a run's result, a number shown as text).
  std::string Show(std::string_view key) const;
  // A string member that may be missing or null ("" then), required to be a string otherwise.
  Result<std::string> OptionalString(std::string_view key) const;
  bool Has(std::string_view key) const;  // present and not null

  // This value itself.
  Result<std::string> AsString() const;
  Result<void> ExpectObject() const;

 private:
  Field(const Json* json, std::string path) : json_(json), path_(std::move(path)) {}
  Error WrongKind(std::string_view wanted) const;
  std::string Name() const;  // "'path'", or "the answer"

  const Json* json_;
  std::string path_;
};

}  // namespace relish::cli
