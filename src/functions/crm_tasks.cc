#include "functions/crm_tasks.h"

#include <charconv>
#include <cmath>

#include "deluge/tasks.h"
#include "deluge/zoho_tasks.h"

namespace relish::functions {
namespace {

using deluge::Type;
using deluge::Value;

enum class Action {
  kGetById,
  kGetRecords,
  kSearch,
  kSearchByEmail,
  kSearchByPhone,
  kSearchByWord,
  kCreate,
  kUpdate,
  kDelete,
  kUpsert,
};

struct ActionName {
  std::string_view name;
  Action action;
};
constexpr ActionName kActions[] = {
    {"getRecordById", Action::kGetById},
    {"getRecords", Action::kGetRecords},
    {"searchRecords", Action::kSearch},
    {"searchRecordsByEmail", Action::kSearchByEmail},
    {"searchRecordsByPhone", Action::kSearchByPhone},
    {"searchRecordsByWord", Action::kSearchByWord},
    {"createRecord", Action::kCreate},
    {"updateRecord", Action::kUpdate},
    {"deleteRecord", Action::kDelete},
    {"upsert", Action::kUpsert},
};

// Reads the task's arguments, naming the task in every complaint.
class Args {
 public:
  Args(const TaskCall& call, const std::vector<Value>& args, std::string_view zone)
      : call_(call), args_(args), zone_(zone) {}

  size_t size() const { return args_.size(); }

  Result<std::string> Text(size_t i, std::string_view what) const {
    const Value& v = args_[i];
    if (v.is_text()) return std::string(v.text());
    if (v.is_int()) return std::to_string(v.AsInt());
    return Wrong(what, "text", v);
  }

  // Record ids arrive as text or as whole numbers (`leadId` from a header `Int leadId`).
  Result<std::string> Id(size_t i) const {
    const Value& v = args_[i];
    if (v.is_decimal() && std::floor(v.AsDecimal()) == v.AsDecimal() &&
        std::fabs(v.AsDecimal()) < 1e18) {
      return std::to_string(static_cast<int64_t>(v.AsDecimal()));
    }
    auto id = Text(i, "the record id");
    if (!id.ok()) return id;
    if (id->empty()) return Fail("the record id is empty");
    return id;
  }

  Result<int> Int(size_t i, std::string_view what) const {
    const Value& v = args_[i];
    if (v.is_int() && v.AsInt() >= 1 && v.AsInt() <= 1'000'000) return static_cast<int>(v.AsInt());
    if (v.is_text()) {
      int n = 0;
      std::string_view t = v.text();
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec == std::errc() && end == t.data() + t.size() && n >= 1) return n;
    }
    return Fail(std::string(what) + " must be a whole number of 1 or more");
  }

  // A map argument as a JSON object; null counts as an empty map.
  Result<Json> Map(size_t i, std::string_view what) const {
    const Value& v = args_[i];
    if (v.is_null()) return Json::object();
    bool map = v.is_map() || (v.is_collection() && v.collection()->inner.is_map()) ||
               (v.is_collection() && v.collection()->inner.is_null());
    if (!map) return Wrong(what, "KEY-VALUE", v);
    auto json = ToApiJson(v, zone_);
    if (!json.ok()) return Fail(json.error().message());
    if (json->is_array()) return Json::object();  // an empty Collection()
    return json;
  }

  Error Fail(std::string message) const { return InvalidArgument(call_.name + ": " + message); }

 private:
  Error Wrong(std::string_view what, std::string_view expected, const Value& got) const {
    return Fail(std::string(what) + " must be " + std::string(expected) + ", got " +
                std::string(deluge::TypeName(got.type())));
  }

  const TaskCall& call_;
  const std::vector<Value>& args_;
  std::string_view zone_;
};

// Query parameters from an options map: text and numbers as they are, lists comma-joined.
// The {"":""} that scripts pass to reach the connection argument adds nothing.
void AddQuery(const Json& options, Query& query) {
  for (const auto& [key, value] : options.items()) {
    if (key.empty()) continue;
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_array()) {
      for (const auto& item : value) {
        if (!text.empty()) text += ",";
        text += item.is_string() ? item.get<std::string>() : item.dump();
      }
    } else if (value.is_null()) {
      continue;
    } else {
      text = value.dump();
    }
    query.emplace_back(key, std::move(text));
  }
}

// The body of a write: the record, the triggers the options ask for (none by default: a
// function's writes do not fire workflow rules unless asked), and the other options as given.
Json WriteBody(Json record, const Json& options) {
  Json body = {{"data", Json::array({std::move(record)})}, {"trigger", Json::array()}};
  for (const auto& [key, value] : options.items()) {
    if (key.empty()) continue;
    if (key == "trigger") {
      // {"trigger":{"workflow"}} is a list in Deluge; a single text is accepted too.
      if (value.is_string()) {
        body["trigger"].push_back(value);
      } else if (value.is_array()) {
        for (const auto& t : value) {
          if (t.is_string()) body["trigger"].push_back(t);
        }
      }
      continue;
    }
    body[key] = value;
  }
  return body;
}

Json ErrorMap(std::string code, std::string message, Json details = Json::object()) {
  return {{"code", std::move(code)},
          {"details", std::move(details)},
          {"message", std::move(message)},
          {"status", "error"}};
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// data[0] of a write's answer, when the answer has one.
const Json* FirstItem(const Json& body) {
  if (!body.is_object()) return nullptr;
  auto data = body.find("data");
  if (data == body.end() || !data->is_array() || data->empty() || !(*data)[0].is_object()) {
    return nullptr;
  }
  return &(*data)[0];
}

}  // namespace

bool TaskAvailable(std::string_view name) {
  const deluge::TaskSpec* spec = deluge::FindTask(name);
  if (spec == nullptr) return false;
  if (deluge::FindZohoServiceTask(spec->name) != nullptr) return true;  // zoho_tasks.h
  std::string_view action = spec->name.substr(spec->name.rfind('.') + 1);
  for (const auto& a : kActions) {
    if (a.name == action) return true;
  }
  return false;
}

Result<TaskCall> ParseTask(std::string_view name, const std::vector<Value>& values,
                           std::string_view time_zone) {
  const deluge::TaskSpec* spec = deluge::FindTask(name);
  if (spec == nullptr) return InvalidArgument("unknown task " + std::string(name));
  TaskCall call;
  call.name = std::string(spec->name);
  call.bigin = call.name.starts_with("zoho.bigin.");
  call.action = call.name.substr(call.name.rfind('.') + 1);
  const ActionName* found = nullptr;
  for (const auto& a : kActions) {
    if (a.name == call.action) found = &a;
  }
  if (found == nullptr) {
    return FailedPrecondition(call.name +
                              " is not available in Relish yet (docs/functions.md "
                              "lists the tasks it offers)");
  }
  if (values.size() < static_cast<size_t>(spec->min_args) ||
      values.size() > static_cast<size_t>(spec->max_args)) {
    return InvalidArgument(call.name + " takes " + std::to_string(spec->min_args) + " to " +
                           std::to_string(spec->max_args) + " arguments");
  }
  Args args(call, values, time_zone);
  // The connection is the last argument when every optional one before it is given (reference
  // §5: scripts pass Map() or {"":""} to reach it).
  size_t n = values.size();
  if (n == static_cast<size_t>(spec->max_args)) {
    if (!values.back().is_null()) call.connection = TRY(args.Text(n - 1, "the connection"));
    --n;
  }
  RecordRequest& r = call.request;
  r.module = TRY(args.Text(0, "the module"));
  if (r.module.empty()) return args.Fail("the module is empty");

  switch (found->action) {
    case Action::kGetById:
      r.op = RecordOp::kGet;
      r.id = TRY(args.Id(1));
      if (n > 2) AddQuery(TRY(args.Map(2, "the query map")), r.query);
      break;
    case Action::kGetRecords:
      r.op = RecordOp::kList;
      if (n > 1) r.query.emplace_back("page", std::to_string(TRY(args.Int(1, "the page"))));
      if (n > 2) r.query.emplace_back("per_page", std::to_string(TRY(args.Int(2, "perPage"))));
      if (n > 3) AddQuery(TRY(args.Map(3, "the options")), r.query);
      break;
    case Action::kSearch: {
      r.op = RecordOp::kSearch;
      std::string criteria = TRY(args.Text(1, "the criteria"));
      if (criteria.empty()) return args.Fail("the criteria are empty");
      r.query.emplace_back("criteria", criteria);
      if (n > 2) r.query.emplace_back("page", std::to_string(TRY(args.Int(2, "the page"))));
      if (n > 3) r.query.emplace_back("per_page", std::to_string(TRY(args.Int(3, "perPage"))));
      // The fifth argument is an options map in Zoho's newer signature; older scripts put other
      // things there, which Relish ignores.
      if (n > 4 && (values[4].is_map() || values[4].is_collection())) {
        AddQuery(TRY(args.Map(4, "the options")), r.query);
      }
      break;
    }
    case Action::kSearchByEmail:
    case Action::kSearchByPhone:
    case Action::kSearchByWord: {
      r.op = RecordOp::kSearch;
      const char* key = found->action == Action::kSearchByEmail   ? "email"
                        : found->action == Action::kSearchByPhone ? "phone"
                                                                  : "word";
      std::string value = TRY(args.Text(1, std::string("the ") + key));
      if (value.empty()) return args.Fail(std::string("the ") + key + " is empty");
      r.query.emplace_back(key, value);
      break;
    }
    case Action::kCreate:
    case Action::kUpsert: {
      r.op = found->action == Action::kCreate ? RecordOp::kInsert : RecordOp::kUpsert;
      Json record = TRY(args.Map(1, "the record"));
      Json options = n > 2 ? TRY(args.Map(2, "the options")) : Json::object();
      r.body = WriteBody(std::move(record), options);
      break;
    }
    case Action::kUpdate: {
      r.op = RecordOp::kUpdate;
      r.id = TRY(args.Id(1));
      Json record = TRY(args.Map(2, "the record"));
      Json options = n > 3 ? TRY(args.Map(3, "the options")) : Json::object();
      r.body = WriteBody(std::move(record), options);
      break;
    }
    case Action::kDelete:
      r.op = RecordOp::kDelete;
      r.id = TRY(args.Id(1));
      // Deluge's deletes, like its other writes, do not fire workflow rules.
      r.query.emplace_back("wf_trigger", "false");
      break;
  }
  return call;
}

Result<Json> ShapeResult(const TaskCall& call, const RecordResponse& response) {
  const Json& body = response.body;
  if (body.is_null()) {
    if (response.status == 204) {
      if (call.request.op == RecordOp::kGet) {
        return ErrorMap("INVALID_DATA", "the id given seems to be invalid",
                        {{"id", call.request.id}});
      }
      if (call.request.op == RecordOp::kList || call.request.op == RecordOp::kSearch) {
        return Json::array();
      }
    }
    return InvalidArgument(call.name + ": the API answered " + std::to_string(response.status) +
                           " with no body");
  }
  if (!body.is_object()) return body;
  switch (call.request.op) {
    case RecordOp::kGet: {
      if (call.bigin || !IsSuccess(response.status)) return body;
      const Json* record = FirstItem(body);
      return record != nullptr ? *record : body;
    }
    case RecordOp::kList:
    case RecordOp::kSearch: {
      auto data = body.find("data");
      if (IsSuccess(response.status) && data != body.end() && data->is_array()) return *data;
      return body;
    }
    case RecordOp::kInsert:
    case RecordOp::kUpdate: {
      const Json* item = FirstItem(body);
      if (item == nullptr) return body;
      if (item->value("status", "") == "success" && item->contains("details")) {
        return (*item)["details"];
      }
      return *item;
    }
    case RecordOp::kUpsert:
    case RecordOp::kDelete: {
      const Json* item = FirstItem(body);
      return item != nullptr ? *item : body;
    }
  }
  return body;
}

}  // namespace relish::functions
