// libFuzzer target for what the server does with a request body before a handler sees it: the
// depth check every route gets (base/json_depth.h: LooksLikeJson, JsonDepthWithin, as in
// HttpServer), then server::ParseJsonBody as a handler calls it, then dumping what parsed (as
// handlers echo bodies back), which recurses once per level.
//
// Input: the body. It is sent as application/json.
//
// Properties:
// - a body the server lets through and ParseJsonBody accepts nests no deeper than
//   kMaxJsonDepth (so dumping it, or any walk over it, is bounded), and dumps;
// - for any text nlohmann parses as JSON, JsonDepthWithin agrees with nlohmann's own depth:
//   within the depth it has, not within one less;
// - ParseJsonBody answers only JSON objects, never for a body with a NUL (nlohmann would read
//   only the text before it), and its errors are kInvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_depth.h"
#include "check.h"
#include "server/http.h"
#include "server/json.h"

namespace {

using relish::server::Json;

// Arrays and objects inside one another, walked without recursion.
int Depth(const Json& root) {
  int deepest = 0;
  std::vector<std::pair<const Json*, int>> stack = {{&root, 0}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    if (!j->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& child : *j) stack.push_back({&child, depth + 1});
  }
  return deepest;
}

// nlohmann's own count: the deepest start_object/start_array nesting its parser saw.
struct DepthSax : nlohmann::json_sax<Json> {
  int depth = 0;
  int deepest = 0;
  bool open() {
    deepest = std::max(deepest, ++depth);
    return true;
  }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return --depth, true; }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return --depth, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);

  // The oracle: nlohmann's depth for valid JSON, whatever its top-level type. nlohmann reads up
  // to a NUL (its end of input), so that is the text the two must agree on.
  std::string_view text = body.substr(0, body.find('\0'));
  DepthSax sax;
  if (Json::sax_parse(text, &sax, nlohmann::detail::input_format_t::json, /*strict=*/true)) {
    std::string depth = "nlohmann depth " + std::to_string(sax.deepest);
    FUZZ_CHECK(relish::JsonDepthWithin(text, sax.deepest), depth);
    if (sax.deepest > 0) FUZZ_CHECK(!relish::JsonDepthWithin(text, sax.deepest - 1), depth);
  }

  // HttpServer, for every route.
  if (!body.empty() && relish::LooksLikeJson(body) && !relish::JsonDepthWithin(body)) return 0;

  relish::server::Request request;
  request.body.assign(body);
  request.headers = {{"Content-Type", "application/json"}};
  auto parsed = relish::server::ParseJsonBody(request);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error().code() == relish::ErrorCode::kInvalidArgument, parsed.error().ToString());
    return 0;
  }
  FUZZ_CHECK(parsed->is_object(), parsed->type_name());
  FUZZ_CHECK(body.find('\0') == body.npos, "a body with a NUL was taken for JSON");
  int depth = Depth(*parsed);
  FUZZ_CHECK(depth <= relish::kMaxJsonDepth, "a body nested " + std::to_string(depth) +
                                                 " levels deep reached the handler");
  std::string dumped = parsed->dump();
  FUZZ_CHECK(Json::parse(dumped, nullptr, false) == *parsed, dumped);
  (void)relish::server::JsonResponse(200, *parsed);
  return 0;
}
