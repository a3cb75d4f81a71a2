#include "crm/record_api.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "crm/criteria.h"

namespace relish::crm {

RecordResponse ErrorAnswer(int status, std::string code, std::string message, Json details) {
  return {status,
          {{"code", std::move(code)},
           {"details", std::move(details)},
           {"message", std::move(message)},
           {"status", "error"}}};
}

namespace {

RecordResponse Answer(int status, Json body) { return {status, std::move(body)}; }

RecordResponse ZohoError(int status, std::string code, std::string message,
                         Json details = Json::object()) {
  return ErrorAnswer(status, std::move(code), std::move(message), std::move(details));
}

RecordResponse BadData(std::string message, Json details = Json::object()) {
  return ZohoError(400, "INVALID_DATA", std::move(message), std::move(details));
}

RecordResponse InvalidModule() {
  return ZohoError(400, "INVALID_MODULE", "the module name given seems to be invalid",
                   {{"resource_path_index", 0}});
}

// A CRM error that is the caller's fault becomes Zoho's error body; anything else stays an
// error (the store failed).
Result<RecordResponse> FromCrmError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return BadData(e.message());
    case ErrorCode::kResourceExhausted:
      return ZohoError(400, "LIMIT_EXCEEDED", e.message(), {{"limit", kMaxBatch}});
    case ErrorCode::kNotFound:
      return InvalidModule();
    default:
      return e;
  }
}

const std::string* Param(const Query& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::optional<int> ParseInt(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsRecordId(const std::string& id) {
  return !id.empty() && id.size() <= 19 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The list options of a GET, or the error body.
std::optional<RecordResponse> ReadListOptions(const Query& query, ListOptions& o) {
  for (const char* name : {"page", "per_page"}) {
    const std::string* v = Param(query, name);
    if (v == nullptr) continue;
    auto n = ParseInt(*v);
    if (!n) return BadData(std::string(name) + " must be a number", {{"param_name", name}});
    (std::string_view(name) == "page" ? o.page : o.per_page) = *n;
  }
  if (o.page < 1) return BadData("page must be 1 or more", {{"param_name", "page"}});
  if (o.per_page < 1 || o.per_page > kMaxPerPage) {
    return BadData("per_page must be from 1 to " + std::to_string(kMaxPerPage),
                   {{"param_name", "per_page"}});
  }
  if (const std::string* f = Param(query, "fields")) o.fields = SplitCommas(*f);
  if (const std::string* s = Param(query, "sort_by")) o.sort_by = *s;
  if (const std::string* s = Param(query, "sort_order")) {
    if (*s != "asc" && *s != "desc") {
      return BadData("sort_order must be asc or desc", {{"param_name", "sort_order"}});
    }
    o.ascending = *s == "asc";
  }
  return std::nullopt;
}

Json PageJson(const Page& page, bool with_sort) {
  Json data = Json::array();
  for (const auto& r : page.records) data.push_back(r);
  Json info = {{"per_page", page.per_page}, {"count", page.records.size()}, {"page", page.page}};
  if (with_sort) {
    info["sort_by"] = page.sort_by;
    info["sort_order"] = page.sort_order;
  }
  info["more_records"] = page.more_records;
  return {{"data", data}, {"info", info}};
}

struct WriteBody {
  Json data;
  bool fire_workflows = true;
  std::vector<std::string> duplicate_check_fields;
};

std::optional<RecordResponse> ReadWriteBody(const Json& body, WriteBody& out) {
  if (!body.is_object()) {
    return BadData("the request body must be a JSON object like {\"data\":[{...}]}");
  }
  auto data = body.find("data");
  if (data == body.end()) {
    return ZohoError(400, "REQUIRED_PARAM_MISSING", "the request body has no 'data'",
                     {{"param", "data"}});
  }
  if (!data->is_array()) return BadData("'data' must be a list of records", {{"param", "data"}});
  if (data->empty()) return BadData("'data' holds no records", {{"param", "data"}});
  if (data->size() > kMaxBatch) {
    return ZohoError(400, "LIMIT_EXCEEDED",
                     "at most " + std::to_string(kMaxBatch) + " records may be sent at once",
                     {{"limit", kMaxBatch}});
  }
  out.data = *data;
  if (auto t = body.find("trigger"); t != body.end()) {
    if (!t->is_array()) {
      return BadData("'trigger' must be a list, e.g. [\"workflow\"]", {{"param", "trigger"}});
    }
    out.fire_workflows = std::find(t->begin(), t->end(), Json("workflow")) != t->end();
  }
  if (auto d = body.find("duplicate_check_fields"); d != body.end()) {
    if (!d->is_array()) {
      return BadData("'duplicate_check_fields' must be a list",
                     {{"param", "duplicate_check_fields"}});
    }
    for (const auto& f : *d) {
      if (!f.is_string()) return BadData("'duplicate_check_fields' must list field names");
      out.duplicate_check_fields.push_back(f.get<std::string>());
    }
  }
  return std::nullopt;
}

RecordResponse WriteAnswer(const std::vector<WriteResult>& results,
                           std::string_view ok_message, int all_ok_status) {
  Json data = Json::array();
  size_t ok = 0;
  for (const auto& r : results) {
    Json item = Json::object();
    if (r.ok) {
      ++ok;
      item["code"] = "SUCCESS";
      Json details = r.details;
      if (!r.action.empty()) {
        item["action"] = r.action;
        item["duplicate_field"] =
            details.contains("duplicate_field") ? details["duplicate_field"] : Json();
        details.erase("duplicate_field");
      }
      item["details"] = details;
      item["message"] = r.action == "update"   ? "record updated"
                        : r.action == "insert" ? "record added"
                                               : std::string(ok_message);
      item["status"] = "success";
    } else {
      item["code"] = r.error.code;
      item["details"] = r.error.details;
      item["message"] = r.error.message;
      item["status"] = "error";
    }
    data.push_back(std::move(item));
  }
  int status = ok == results.size() ? all_ok_status : (ok == 0 ? 400 : 207);
  return Answer(status, {{"data", data}});
}

std::vector<Access> AccessFor(RecordOp op) {
  switch (op) {
    case RecordOp::kGet:
    case RecordOp::kList:
    case RecordOp::kSearch:
      return {Access::kRead};
    case RecordOp::kInsert:
      return {Access::kCreate};
    case RecordOp::kUpdate:
      return {Access::kUpdate};
    case RecordOp::kUpsert:
      return {Access::kCreate, Access::kUpdate};
    case RecordOp::kDelete:
      return {Access::kDelete};
  }
  return {};
}

}  // namespace

Result<RecordResponse> SendRecords(Crm& crm, const Space& space, const Actor& actor,
                                   const RecordRequest& request, const Allow& allow) {
  // The module's API name, in its own letter case, for the scope check; the operation below loads
  // the module, fields and all, in its own transaction. A standard module's name is known without
  // the store (a read here cost every REST write a transaction and a second read of the fields);
  // a custom module is looked up.
  auto module_name = crm.ModuleApiName(space, request.module);
  if (!module_name.ok()) return FromCrmError(module_name.error());
  const std::string& name = *module_name;
  if (allow) {
    for (Access access : AccessFor(request.op)) {
      if (auto refused = allow(name, access)) return *refused;
    }
  }

  switch (request.op) {
    case RecordOp::kGet: {
      if (!IsRecordId(request.id)) {
        return BadData("the id given seems to be invalid", {{"resource_path_index", 1}});
      }
      std::vector<std::string> fields;
      if (const std::string* f = Param(request.query, "fields")) fields = SplitCommas(*f);
      auto record = crm.GetRecord(space, name, request.id, fields);
      if (!record.ok()) {
        if (record.error().code() == ErrorCode::kNotFound) return Answer(204, Json());
        return FromCrmError(record.error());
      }
      return Answer(200, {{"data", Json::array({*record})}});
    }
    case RecordOp::kList: {
      ListOptions options;
      if (auto e = ReadListOptions(request.query, options)) return *e;
      auto page = crm.ListRecords(space, name, options);
      if (!page.ok()) return FromCrmError(page.error());
      if (page->records.empty()) return Answer(204, Json());
      return Answer(200, PageJson(*page, true));
    }
    case RecordOp::kSearch: {
      ListOptions options;
      if (auto e = ReadListOptions(request.query, options)) return *e;
      auto invalid_query = [](const std::string& reason) {
        return ZohoError(400, "INVALID_QUERY", "invalid query formed", {{"reason", reason}});
      };
      SearchQuery query;
      if (const std::string* criteria = Param(request.query, "criteria")) {
        auto parsed = ParseCriteria(*criteria);
        if (!parsed.ok()) return invalid_query(parsed.error().message());
        query.criteria = std::move(*parsed);
      } else {
        for (auto [key, field] :
             {std::pair{"email", &query.email}, std::pair{"phone", &query.phone},
              std::pair{"word", &query.word}}) {
          if (const std::string* v = Param(request.query, key)) *field = *v;
        }
        if (query.email.empty() && query.phone.empty() && query.word.empty()) {
          return ZohoError(400, "REQUIRED_PARAM_MISSING",
                           "give one of the parameters criteria, email, phone or word",
                           {{"expected_params", {"criteria", "email", "phone", "word"}}});
        }
      }
      auto page = crm.SearchRecords(space, name, query, options);
      if (!page.ok()) {
        if (page.error().code() == ErrorCode::kInvalidArgument && query.criteria) {
          return invalid_query(page.error().message());
        }
        return FromCrmError(page.error());
      }
      if (page->records.empty()) return Answer(204, Json());
      return Answer(200, PageJson(*page, false));
    }
    case RecordOp::kInsert:
    case RecordOp::kUpdate:
    case RecordOp::kUpsert: {
      WriteBody body;
      if (auto e = ReadWriteBody(request.body, body)) return *e;
      WriteOptions options{.fire_workflows = body.fire_workflows};
      Result<std::vector<WriteResult>> results = std::vector<WriteResult>();
      if (request.op == RecordOp::kInsert) {
        results = crm.InsertRecords(space, name, body.data, actor, options);
        if (!results.ok()) return FromCrmError(results.error());
        return WriteAnswer(*results, "record added", 201);
      }
      if (request.op == RecordOp::kUpdate) {
        if (!request.id.empty()) {
          if (body.data.size() != 1 || !body.data[0].is_object()) {
            return BadData("PUT /{module}/{id} takes exactly one record", {{"param", "data"}});
          }
          body.data[0]["id"] = request.id;
        }
        results = crm.UpdateRecords(space, name, body.data, actor, options);
        if (!results.ok()) return FromCrmError(results.error());
        return WriteAnswer(*results, "record updated", 200);
      }
      results =
          crm.UpsertRecords(space, name, body.data, body.duplicate_check_fields, actor, options);
      if (!results.ok()) return FromCrmError(results.error());
      return WriteAnswer(*results, "", 200);
    }
    case RecordOp::kDelete: {
      std::vector<std::string> ids;
      if (!request.id.empty()) {
        ids.push_back(request.id);
      } else if (const std::string* list = Param(request.query, "ids")) {
        ids = SplitCommas(*list);
      }
      if (ids.empty()) {
        return ZohoError(400, "REQUIRED_PARAM_MISSING", "give the ids of the records to delete",
                         {{"param", "ids"}});
      }
      if (ids.size() > kMaxBatch) {
        return ZohoError(
            400, "LIMIT_EXCEEDED",
            "at most " + std::to_string(kMaxBatch) + " records may be deleted at once",
            {{"limit", kMaxBatch}});
      }
      // Zoho's wf_trigger=false keeps workflow rules from firing.
      const std::string* wf = Param(request.query, "wf_trigger");
      WriteOptions options{.fire_workflows = wf == nullptr || *wf != "false"};
      auto results = crm.DeleteRecords(space, name, ids, actor, options);
      if (!results.ok()) return FromCrmError(results.error());
      return WriteAnswer(*results, "record deleted", 200);
    }
  }
  return Internal("unknown record operation");
}

}  // namespace relish::crm
