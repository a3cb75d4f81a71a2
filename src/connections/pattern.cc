#include "connections/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

namespace relish::connections {
namespace {

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct MatchDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

Result<std::unique_ptr<pcre2_code, CodeDeleter>> Compile(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return InvalidArgument("pattern '" + std::string(pattern) + "' does not compile: " +
                           reinterpret_cast<const char*>(message) + " at offset " +
                           std::to_string(offset));
  }
  return std::unique_ptr<pcre2_code, CodeDeleter>(code);
}

}  // namespace

Result<void> CheckPattern(std::string_view pattern) {
  TRY(Compile(pattern));
  return Ok();
}

Result<std::optional<std::string>> FirstGroup(std::string_view pattern, std::string_view text) {
  auto code = TRY(Compile(pattern));
  std::unique_ptr<pcre2_match_data, MatchDeleter> data(
      pcre2_match_data_create_from_pattern(code.get(), nullptr));
  int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                       data.get(), nullptr);
  if (rc < 2) return std::optional<std::string>();
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
  if (ov[2] == PCRE2_UNSET) return std::optional<std::string>();
  return std::optional<std::string>(std::string(text.substr(ov[2], ov[3] - ov[2])));
}

Result<bool> FullMatch(std::string_view pattern, std::string_view text) {
  auto code = TRY(Compile(pattern));
  std::unique_ptr<pcre2_match_data, MatchDeleter> data(
      pcre2_match_data_create_from_pattern(code.get(), nullptr));
  int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                       data.get(), nullptr);
  return rc >= 0;
}

}  // namespace relish::connections
