#include "deluge/json.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "deluge/format.h"

namespace relish::deluge {
namespace {

// Builds values directly from parser events: no intermediate DOM, no recursion.
class Builder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit Builder(Heap& heap) : heap_(heap) {}

  bool null() override { return Add(Value()); }
  bool boolean(bool b) override { return Add(Value::Bool(b)); }
  bool number_integer(number_integer_t n) override { return Add(Value::Int(n)); }
  bool number_unsigned(number_unsigned_t n) override {
    if (n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Add(Value::Int(static_cast<int64_t>(n)));
    }
    // Past a whole number's 64 bits: the exact digits as text, not a rounded decimal (an id
    // such as 18446744073709551615 must survive a round trip; decisions.md).
    return Add(Value::Text(std::to_string(n)));
  }
  bool number_float(number_float_t d, const string_t& raw) override {
    if (raw.find_first_of(".eE") == string_t::npos) return Add(Value::Text(raw));  // as above
    return Add(Value::Decimal(d));
  }
  bool string(string_t& s) override { return Add(Value::Text(s)); }
  bool binary(binary_t&) override { return Add(Value()); }
  bool start_object(std::size_t) override { return Open(heap_.NewMap()); }
  bool key(string_t& k) override {
    key_ = Value::Text(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(heap_.NewList()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error_ = ex.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    size_t colon = error_.find(": ");
    if (error_.rfind("[json.exception", 0) == 0 && colon != std::string::npos) {
      error_ = error_.substr(colon + 2);
    }
    (void)position;
    return false;
  }

  Value Take() { return std::move(result_); }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    Value container;
    Value key;  // pending key of the enclosing map
  };

  bool Add(Value v) {
    // A small text can make many values (`[[],[],...]` is 3 bytes a list): stop as soon as the
    // run's memory is gone rather than after the whole text.
    if (meter_ != nullptr && meter_->exceeded()) {
      error_ = "the run is out of memory";
      return false;
    }
    if (stack_.empty()) {
      result_ = std::move(v);
      return true;
    }
    Value& top = stack_.back().container;
    if (top.is_list()) {
      top.list()->items.push_back(std::move(v));
    } else {
      top.map()->map.Put(key_, std::move(v));
    }
    return true;
  }
  bool Open(Value container) {
    if (stack_.size() >= static_cast<size_t>(kMaxNesting)) {
      error_ = "nested more than " + std::to_string(kMaxNesting) + " levels deep";
      return false;
    }
    stack_.push_back(Frame{std::move(container), std::move(key_)});
    return true;
  }
  bool Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    key_ = std::move(f.key);
    return Add(std::move(f.container));
  }

  Heap& heap_;
  MemoryMeter* meter_ = MemoryMeter::Current();
  std::vector<Frame> stack_;
  Value key_;
  Value result_;
  std::string error_;
};

}  // namespace

bool ParseJson(std::string_view text, Heap& heap, Value& out, std::string& error) {
  Builder builder(heap);
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                      nlohmann::json::input_format_t::json, true);
  if (!ok) {
    error = builder.error().empty() ? "syntax error" : builder.error();
    return false;
  }
  out = builder.Take();
  return true;
}

std::string ToJsonText(const Value& value) {
  std::string out;
  if (!AppendJson(out, value)) return "";
  return out;
}

}  // namespace relish::deluge
