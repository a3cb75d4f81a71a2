// libFuzzer target over the whole Deluge pipeline: lexer, parser, checker and interpreter,
// against a FakeHost with canned answers and small limits (so one input runs in milliseconds).
// Built only with -DRELISH_FUZZ=ON and clang; see `make fuzz`.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deluge/deluge.h"
#include "deluge/fake_host.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relish::deluge;
  if (size > 16 * 1024) return 0;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  Compiled compiled = Compile(source, {.arg_names = {"contact"}});
  if (!compiled.ok()) return 0;

  FakeHost host;
  HttpResponse json;
  json.status = 200;
  json.headers = {{"Content-Type", "application/json"}};
  json.body = R"({"contacts":[{"contact_id":"1","email":"a@b.co"}],"data":[{"id":"7"}]})";
  host.AddResponse(json);
  HttpResponse text;
  text.status = 404;
  text.body = "not found";
  host.AddResponse(text);
  host.AddTaskResult("zoho.bigin.getRecordById", R"({"data":[{"Email":"a@b.co"}]})");
  host.AddTaskResult("zoho.crm.getRecordById", R"({"id":"1","Owner":{"id":"2"}})");

  RunOptions options;
  options.args = {{"contact", R"({"Contacts.ID":"1","Email":"a@b.co"})"}};
  options.limits.max_statements = 5000;
  options.limits.max_call_depth = 20;
  options.limits.max_text_bytes = 64 * 1024;
  options.limits.max_collection_size = 2000;
  options.limits.max_memory_bytes = 16 * 1024 * 1024;
  // The fake clock moves 10 ms at each read, so the time limit bounds work inside built-ins too
  // (an exponential comparison, a backtracking regex) after about ten reads of the clock.
  options.limits.max_wall_time = std::chrono::milliseconds(100);
  host.SetClockStep(std::chrono::milliseconds(10));
  (void)Run(*compiled.program, host, options);
  return 0;
}
